"""Communities (教共体): the list, a community's members and plans, plans and their review,
recorded activities with evidence, assistance applications and the bureau's settings.

Each view parses its input, calls one service method and renders; the services decide who may do
what (another bureau's ids and communities one may not see answer 404).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any
from uuid import UUID

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required
from werkzeug.datastructures import MultiDict

from domain.activity import OUTPUT_LEVELS
from domain.counting import TASK_KIND_NAMES, TaskKind
from domain.plan import Rule, Task
from domain.settings import Checkpoint, PlanYearSettings
from domain.user import SUBJECTS
from services.actor import Done
from services.errors import DomainError
from services.evidence import ALLOWED_TYPES, MAX_EVIDENCE_BYTES
from web import labels
from web.current import actor, parse_id, services, settle
from web.evidence import send_evidence, uploaded
from web.forms import form_date
from web.i18n import bilingual

bp = Blueprint("communities", __name__, url_prefix="/communities")
labels.register(bp)

#: A request that carries evidence may hold one file of the largest allowed size, and a form.
EVIDENCE_REQUEST_BYTES = MAX_EVIDENCE_BYTES + 1024 * 1024
#: Checkpoint rows the settings form offers (the default year has four).
CHECKPOINT_ROWS = 6

TASK_NAMES: dict[str, str] = {str(k): v for k, v in TASK_KIND_NAMES.items()}
PLAN_STATUS = {
    "draft": "草稿 / Draft",
    "submitted": "已提交 / Submitted",
    "returned": "已退回 / Returned",
    "approved": "已批准 / Approved",
}
PROGRESS_STATUS = {
    "no_plan": "无已批准计划 / No approved plan",
    "met": "已完成 / Done",
    "on_track": "正常 / On track",
    "warning": "预警 / At risk",
    "behind": "滞后 / Behind",
}
OUTPUT_LEVEL_NAMES = {
    "school": "校级 / School",
    "county": "县级 / County",
    "city": "市级 / City",
    "province": "省级 / Provincial",
    "national": "国家级 / National",
}
RULES: dict[str, str] = {
    Rule.SUM: "累计次数 / Count of records",
    Rule.UNITS: "达标单位数 / Units reaching a threshold",
}
APPLICATION_STATUS = {
    "open": "待处理 / Open",
    "assigned": "已指定帮扶校 / Helper assigned",
    "declined": "未通过 / Declined",
}
PLAN_STEPS = {
    "Drafted": "起草 / Drafted",
    "TasksRevised": "修改任务 / Tasks revised",
    "Submitted": "提交审核 / Submitted",
    "Returned": "退回 / Returned",
    "Approved": "批准 / Approved",
}
#: What counts, in words a plan would use (DOMAIN.md), to start a draft from.
COUNTS = {
    TaskKind.SYNC_CLASS: "按时开课并记录各接收班出勤",
    TaskKind.ONLINE_RESEARCH: "按计划开展，有参与教师签到",
    TaskKind.OFFLINE_RESEARCH: "按计划开展，有参与教师",
    TaskKind.MENTORING: "每对师徒全年不少于5次双方确认的活动",
    TaskKind.SHADOW_PLACEMENT: "成员校教师到核心校跟岗满规定天数",
    TaskKind.DEMO_LESSON: "送教到校并完成授课",
    TaskKind.EXTENSION_COURSE: "课程已共享并正常开设",
    TaskKind.STUDENT_EXCHANGE: "每学期至少1次，记录参与人数",
    TaskKind.RESEARCH_OUTPUT: "论文、案例或信息报道已发表",
    TaskKind.RECORDED_CLASS: "录制课已共享并由成员校班级使用",
}
#: Mentoring counts pairs with at least five confirmed activities; everything else counts records.
DEFAULT_RULES: dict[str, tuple[str, int]] = {TaskKind.MENTORING: (Rule.UNITS, 5)}
_LINK = re.compile(r"^https?://[^\s<>\"']+$", re.IGNORECASE)


def _pick(table: Mapping[str, str], key: object) -> str:
    return bilingual(table[str(key)]) if str(key) in table else str(key)


FILTERS: dict[str, Callable[[Any], str]] = {
    "task_kind": lambda k: _pick(TASK_NAMES, k),
    "plan_status": lambda s: _pick(PLAN_STATUS, s),
    "progress_status": lambda s: _pick(PROGRESS_STATUS, s),
    "output_level": lambda s: _pick(OUTPUT_LEVEL_NAMES, s),
    "counting_rule": lambda s: _pick(RULES, s),
    "application_status": lambda s: _pick(APPLICATION_STATUS, s),
    "plan_step": lambda s: _pick(PLAN_STEPS, s),
    "fraction_percent": lambda f: "—" if f is None else f"{f * 100:.0f}%",
}


@bp.record_once
def _filters(state: Any) -> None:
    for name, function in FILTERS.items():
        state.app.jinja_env.filters.setdefault(name, function)


@bp.context_processor
def _choices() -> dict[str, Any]:
    return {
        "task_kinds": list(TASK_KIND_NAMES),
        "output_levels": OUTPUT_LEVELS,
        "rules": list(RULES),
        "all_subjects": SUBJECTS,
        "evidence_types": ",".join(
            sorted({*ALLOWED_TYPES, *ALLOWED_TYPES.values()}, key=lambda t: (t[0] != ".", t))
        ),
        "evidence_mb": MAX_EVIDENCE_BYTES // (1024 * 1024),
    }


@bp.url_value_preprocessor
def _evidence_limit(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """Evidence (photos, documents) may be larger than the app's general request limit.

    This runs before every ``before_request`` function, so before the CSRF check reads the form.
    """
    if endpoint in ("communities.record", "communities.attach_evidence"):
        request.max_content_length = EVIDENCE_REQUEST_BYTES


@bp.before_request
@login_required
def _signed_in() -> None:
    """Every community page needs a signed-in user; the services decide what each may do."""


# Parsing forms ------------------------------------------------------------------------------


def _int(raw: str | None, what: str, *, default: int | None = None) -> int:
    text = (raw or "").strip()
    zh, en = what.split(" / ", 1)
    if not text and default is not None:
        return default
    try:
        return int(text)
    except ValueError as exc:
        raise DomainError(f"{zh}应为整数 / The {en} must be a whole number") from exc


def _number(raw: str | None, what: str, *, default: float) -> float:
    text = (raw or "").strip()
    if not text:
        return default
    try:
        return float(text)
    except ValueError as exc:
        zh, en = what.split(" / ", 1)
        raise DomainError(f"{zh}应为数字 / The {en} must be a number") from exc


def _chosen(raw: str | None, message: str) -> UUID:
    """An id chosen in a form: none chosen is a form error, a malformed one is not found."""
    if not (raw or "").strip():
        raise DomainError(message)
    return parse_id((raw or "").strip())


def _link(raw: str | None) -> str:
    text = (raw or "").strip()
    if text and not _LINK.match(text):
        raise DomainError("链接应以http://或https://开头 / A link starts with http:// or https://")
    return text


def _failed(template: str, exc: Exception, **context: Any) -> ResponseReturnValue:
    """Re-render a page with the form's error and the user's input kept."""
    context.setdefault("form", request.form)
    return render_template(template, errors=[bilingual(exc)], **context), 422


def _done(done: Done, message: str, target: str) -> ResponseReturnValue:
    settle(done.position)
    flash(bilingual(message), "ok")
    return redirect(target)


def this_school_year(today: date) -> int:
    """The school year (学年) running on a day, named by the year it started in September."""
    return today.year if today.month >= 9 else today.year - 1


# The communities list and founding ------------------------------------------------------------


@bp.get("")
def index() -> ResponseReturnValue:
    page = services().communities.index_page(actor())
    return render_template(
        "communities/index.html", page=page, school_year=this_school_year(page.as_of)
    )


@bp.post("")
def found() -> ResponseReturnValue:
    me, form = actor(), request.form
    try:
        done = services().communities.found(
            me,
            name=form.get("name", ""),
            kind=form.get("kind", ""),
            core_school_id=_chosen(
                form.get("core_school_id"), "请选择核心校 / Choose the core school"
            ),
            founded_on=form_date(form.get("founded_on"), "成立日期 / founding date"),
            round_start_year=_int(form.get("round_start_year"), "起始学年 / first school year"),
            round_end_year=_int(form.get("round_end_year"), "结束学年 / last school year"),
            member_school_ids=[parse_id(s) for s in form.getlist("member_school_ids") if s],
        )
    except DomainError as exc:
        page = services().communities.index_page(me)
        return _failed(
            "communities/index.html",
            exc,
            page=page,
            school_year=this_school_year(page.as_of),
            failed="found",
        )
    return _done(
        done, "教共体已成立 / Community founded", url_for(".community", community_id=done.id)
    )


# A community: members over time, cross-region invitations --------------------------------------


def _community_page(community_id: UUID, **context: Any) -> ResponseReturnValue:
    page = services().communities.page(actor(), community_id)
    if "errors" in context:
        return _failed("communities/community.html", context.pop("errors"), page=page, **context)
    return render_template("communities/community.html", page=page, **context)


@bp.get("/<community_id>")
def community(community_id: str) -> ResponseReturnValue:
    return _community_page(parse_id(community_id))


@bp.post("/<community_id>/members")
def admit(community_id: str) -> ResponseReturnValue:
    me, cid, form = actor(), parse_id(community_id), request.form
    try:
        done = services().communities.admit(
            me,
            cid,
            _chosen(form.get("school_id"), "请选择学校 / Choose a school"),
            on=form_date(form.get("on"), "加入日期 / joining date"),
        )
    except DomainError as exc:
        return _community_page(cid, errors=exc, failed="admit")
    return _done(
        done, "学校已加入 / The school joined", url_for(".community", community_id=cid) + "#members"
    )


@bp.post("/<community_id>/members/<school_id>/release")
def release(community_id: str, school_id: str) -> ResponseReturnValue:
    me, cid, sid, form = actor(), parse_id(community_id), parse_id(school_id), request.form
    try:
        done = services().communities.release(
            me,
            cid,
            sid,
            on=form_date(form.get("on"), "退出日期 / leaving date"),
            reason=form.get("reason", ""),
        )
    except DomainError as exc:
        return _community_page(cid, errors=exc, failed=f"release-{sid}")
    return _done(
        done,
        "已记录学校退出 / The school's leaving is recorded",
        url_for(".community", community_id=cid) + "#members",
    )


@bp.post("/<community_id>/invitations")
def invite(community_id: str) -> ResponseReturnValue:
    me, cid, form = actor(), parse_id(community_id), request.form
    try:
        done = services().communities.invite_across_regions(
            me,
            cid,
            tenant_id=_chosen(form.get("tenant_id"), "请选择教育局 / Choose the bureau"),
            school_code=form.get("school_code", ""),
            on=form_date(form.get("on"), "加入日期 / joining date"),
        )
    except DomainError as exc:
        return _community_page(cid, errors=exc, failed="invite")
    return _done(
        done,
        "邀请已发出，等待对方教育局同意 / Invited; awaiting that bureau's consent",
        url_for(".community", community_id=cid) + "#members",
    )


@bp.get("/invitations")
def invitations() -> ResponseReturnValue:
    lines = services().communities.invitations(actor())
    return render_template("communities/invitations.html", lines=lines)


@bp.post("/<community_id>/invitations/<school_id>/consent")
def consent(community_id: str, school_id: str) -> ResponseReturnValue:
    me, cid, sid = actor(), parse_id(community_id), parse_id(school_id)
    try:
        done = services().communities.consent(me, cid, sid)
    except DomainError as exc:
        lines = services().communities.invitations(me)
        return _failed("communities/invitations.html", exc, lines=lines, failed=f"{cid}-{sid}")
    return _done(
        done,
        "已同意，该校加入教共体 / Consented: the school joins the community",
        url_for(".community", community_id=cid),
    )


@bp.post("/<community_id>/invitations/<school_id>/decline")
def decline_invitation(community_id: str, school_id: str) -> ResponseReturnValue:
    me, cid, sid = actor(), parse_id(community_id), parse_id(school_id)
    try:
        done = services().communities.decline(me, cid, sid, reason=request.form.get("reason", ""))
    except DomainError as exc:
        lines = services().communities.invitations(me)
        return _failed("communities/invitations.html", exc, lines=lines, failed=f"{cid}-{sid}")
    return _done(done, "已拒绝邀请 / Invitation declined", url_for(".invitations"))


# Plans ------------------------------------------------------------------------------------------


def _tasks(form: MultiDict[str, str]) -> list[Task]:
    """One row per task kind; a row counts when it is ticked."""
    tasks = []
    for kind, label in TASK_KIND_NAMES.items():
        if not form.get(f"{kind}-on"):
            continue
        zh, en = label.split(" / ", 1)
        target = _int(form.get(f"{kind}-target"), f"{zh}的目标 / target of {en}")
        if target < 1:
            raise DomainError(f"{zh}：目标至少为1 / {en}: a target is at least 1")
        tasks.append(
            Task(
                kind=kind,
                target=target,
                weight=_number(
                    form.get(f"{kind}-weight"), f"{zh}的权重 / weight of {en}", default=1
                ),
                counts=form.get(f"{kind}-counts", "").strip(),
                rule=form.get(f"{kind}-rule", Rule.SUM),
                threshold=_int(
                    form.get(f"{kind}-threshold"), f"{zh}的门槛 / threshold of {en}", default=1
                ),
            )
        )
    return tasks


def task_rows(tasks: list[Task], *, all_kinds: bool) -> list[dict[str, Any]]:
    """The form's rows: the given tasks ticked, and (for a draft) the other kinds unticked."""
    given = {t.kind: t for t in tasks}
    rows = []
    for kind in TASK_KIND_NAMES:
        task = given.get(kind)
        if task is None and not all_kinds:
            continue
        rule, threshold = DEFAULT_RULES.get(kind, (Rule.SUM, 1))
        rows.append(
            {
                "kind": kind,
                "on": task is not None,
                "target": task.target if task else "",
                "weight": f"{task.weight:g}" if task else "1",
                "counts": (task.counts if task else "") or COUNTS.get(kind, ""),
                "rule": task.rule if task and task.rule != Rule.SUM else rule,
                "threshold": task.threshold if task and task.rule != Rule.SUM else threshold,
            }
        )
    return rows


def _year_arg(raw: str | None) -> int | None:
    try:
        return int(raw) if raw else None
    except ValueError:
        return None


@bp.get("/<community_id>/plans/new")
def new_plan(community_id: str) -> ResponseReturnValue:
    args = request.args
    draft = services().plans.draft_form(
        actor(),
        parse_id(community_id),
        year=_year_arg(args.get("year")),
        school_year=args.get("preset") == "school",
    )
    form = {"year": draft.year, "period_start": draft.period_start, "period_end": draft.period_end}
    return render_template(
        "communities/plan_new.html",
        draft=draft,
        rows=task_rows(draft.defaults, all_kinds=True),
        form=form,
    )


@bp.post("/<community_id>/plans")
def draft_plan(community_id: str) -> ResponseReturnValue:
    me, cid, form = actor(), parse_id(community_id), request.form
    try:
        done = services().plans.draft(
            me,
            cid,
            year=_int(form.get("year"), "年度 / year"),
            period_start=form_date(form.get("period_start"), "开始日期 / start date"),
            period_end=form_date(form.get("period_end"), "结束日期 / end date"),
            title=form.get("title", ""),
            tasks=_tasks(form),
        )
    except DomainError as exc:
        draft = services().plans.draft_form(
            me, cid, year=_year_arg(form.get("year")), school_year=form.get("preset") == "school"
        )
        return _failed("communities/plan_new.html", exc, draft=draft, rows=_rows_from_form(form))
    return _done(done, "计划草稿已保存 / Draft plan saved", url_for(".plan", plan_id=done.id))


def _rows_from_form(form: MultiDict[str, str]) -> list[dict[str, Any]]:
    """The task rows exactly as the user filled them in."""
    return [
        {
            "kind": kind,
            "on": bool(form.get(f"{kind}-on")),
            "target": form.get(f"{kind}-target", ""),
            "weight": form.get(f"{kind}-weight", ""),
            "counts": form.get(f"{kind}-counts", ""),
            "rule": form.get(f"{kind}-rule", Rule.SUM),
            "threshold": form.get(f"{kind}-threshold", ""),
        }
        for kind in TASK_KIND_NAMES
    ]


@bp.get("/plans/review")
def review() -> ResponseReturnValue:
    return render_template("communities/review.html", lines=services().plans.review_page(actor()))


def _plan_page(plan_id: UUID, **context: Any) -> ResponseReturnValue:
    page = services().plans.plan_page(actor(), plan_id)
    rows = context.pop("rows", None) or task_rows(page.draft_tasks, all_kinds=True)
    if "errors" in context:
        return _failed(
            "communities/plan.html", context.pop("errors"), page=page, rows=rows, **context
        )
    return render_template("communities/plan.html", page=page, rows=rows, **context)


@bp.get("/plans/<plan_id>")
def plan(plan_id: str) -> ResponseReturnValue:
    return _plan_page(parse_id(plan_id))


@bp.post("/plans/<plan_id>/revise")
def revise_plan(plan_id: str) -> ResponseReturnValue:
    me, pid, form = actor(), parse_id(plan_id), request.form
    try:
        done = services().plans.revise(me, pid, _tasks(form))
    except DomainError as exc:
        return _plan_page(pid, errors=exc, failed="revise", rows=_rows_from_form(form))
    return _done(done, "计划任务已保存 / Plan tasks saved", url_for(".plan", plan_id=pid))


@bp.post("/plans/<plan_id>/submit")
def submit_plan(plan_id: str) -> ResponseReturnValue:
    me, pid = actor(), parse_id(plan_id)
    try:
        done = services().plans.submit(me, pid)
    except DomainError as exc:
        return _plan_page(pid, errors=exc, failed="submit")
    return _done(
        done, "计划已提交教育局审核 / Plan submitted for review", url_for(".plan", plan_id=pid)
    )


@bp.post("/plans/<plan_id>/approve")
def approve_plan(plan_id: str) -> ResponseReturnValue:
    me, pid = actor(), parse_id(plan_id)
    try:
        done = services().plans.approve(me, pid)
    except DomainError as exc:
        return _plan_page(pid, errors=exc, failed="decide")
    return _done(done, "计划已批准 / Plan approved", url_for(".plan", plan_id=pid))


@bp.post("/plans/<plan_id>/return")
def return_plan(plan_id: str) -> ResponseReturnValue:
    me, pid = actor(), parse_id(plan_id)
    try:
        done = services().plans.return_with_comments(me, pid, request.form.get("comments", ""))
    except DomainError as exc:
        return _plan_page(pid, errors=exc, failed="decide")
    return _done(done, "计划已退回 / Plan returned with comments", url_for(".plan", plan_id=pid))


# Activities and their evidence --------------------------------------------------------------------


def _details(kind: str, form: MultiDict[str, str]) -> tuple[date, dict[str, Any]]:
    """When it happened and the kind's own details (students only as a count, never names)."""
    details: dict[str, Any] = {}
    summary = form.get("summary", "").strip()
    if summary:
        details["summary"] = summary
    if kind == TaskKind.SHADOW_PLACEMENT:
        starts_on = form_date(form.get("starts_on"), "跟岗开始日期 / placement's start date")
        details.update(
            teacher_id=_chosen(form.get("teacher_id"), "请选择跟岗教师 / Choose the teacher"),
            host_school_id=_chosen(
                form.get("host_school_id"), "请选择跟岗学校 / Choose the host school"
            ),
            starts_on=starts_on,
            ends_on=form_date(form.get("ends_on"), "计划结束日期 / planned end date"),
        )
        return starts_on, details
    occurred_on = form_date(form.get("occurred_on"), "活动日期 / date it happened")
    if kind == TaskKind.STUDENT_EXCHANGE:
        details["exchange_kind"] = form.get("exchange_kind", "").strip()
        details["student_count"] = _int(
            form.get("student_count"), "参与学生人数 / number of students"
        )
    elif kind == TaskKind.RESEARCH_OUTPUT:
        details["level"] = form.get("level", "")
        details["title"] = form.get("title", "").strip()
        details["link"] = _link(form.get("link"))
    elif kind == TaskKind.EXTENSION_COURSE:
        details["link"] = _link(form.get("link"))
    elif kind == TaskKind.RECORDED_CLASS:
        details["subject"] = form.get("subject", "").strip()
        details["used_by"] = form.get("used_by", "").strip()
        details["link"] = _link(form.get("link"))
    return occurred_on, details


@bp.get("/<community_id>/activities")
def activities(community_id: str) -> ResponseReturnValue:
    page = services().activities.activities_page(
        actor(), parse_id(community_id), kind=request.args.get("kind") or None
    )
    return render_template("communities/activities.html", page=page)


@bp.get("/<community_id>/activities/new")
def new_activity(community_id: str) -> ResponseReturnValue:
    record_form = services().activities.record_form(actor(), parse_id(community_id))
    kind = request.args.get("kind", "")
    if kind not in record_form.kinds:
        kind = TaskKind.OFFLINE_RESEARCH
    return render_template("communities/activity_new.html", page=record_form, kind=kind, form={})


@bp.post("/<community_id>/activities")
def record(community_id: str) -> ResponseReturnValue:
    me, cid, form = actor(), parse_id(community_id), request.form
    kind = form.get("kind", "")
    try:
        occurred_on, details = _details(kind, form)
        done = services().activities.record(
            me,
            cid,
            kind=kind,
            title=form.get("title", ""),
            occurred_on=occurred_on,
            participant_ids=[parse_id(p) for p in form.getlist("participant_ids") if p],
            details=details,
            uploads=uploaded(),
        )
    except DomainError as exc:
        record_form = services().activities.record_form(me, cid)
        return _failed("communities/activity_new.html", exc, page=record_form, kind=kind)
    return _done(done, "活动已记录 / Activity recorded", url_for(".activity", activity_id=done.id))


def _activity_page(activity_id: UUID, **context: Any) -> ResponseReturnValue:
    page = services().activities.activity_page(actor(), activity_id)
    if "errors" in context:
        return _failed("communities/activity.html", context.pop("errors"), page=page, **context)
    return render_template("communities/activity.html", page=page, **context)


@bp.get("/activities/<activity_id>")
def activity(activity_id: str) -> ResponseReturnValue:
    return _activity_page(parse_id(activity_id))


@bp.post("/activities/<activity_id>/withdraw")
def withdraw(activity_id: str) -> ResponseReturnValue:
    me, aid = actor(), parse_id(activity_id)
    try:
        done = services().activities.withdraw(me, aid, reason=request.form.get("reason", ""))
    except DomainError as exc:
        return _activity_page(aid, errors=exc, failed="withdraw")
    return _done(done, "记录已撤回 / Record withdrawn", url_for(".activity", activity_id=aid))


@bp.post("/activities/<activity_id>/complete")
def complete_placement(activity_id: str) -> ResponseReturnValue:
    me, aid = actor(), parse_id(activity_id)
    try:
        done = services().activities.complete_placement(
            me, aid, ended_on=form_date(request.form.get("ended_on"), "结束日期 / end date")
        )
    except DomainError as exc:
        return _activity_page(aid, errors=exc, failed="complete")
    return _done(done, "跟岗已完成 / Placement completed", url_for(".activity", activity_id=aid))


@bp.post("/activities/<activity_id>/evidence")
def attach_evidence(activity_id: str) -> ResponseReturnValue:
    me, aid = actor(), parse_id(activity_id)
    try:
        done = services().activities.attach_evidence(me, aid, uploaded())
    except DomainError as exc:
        return _activity_page(aid, errors=exc, failed="evidence")
    return _done(
        done,
        "佐证材料已上传 / Evidence attached",
        url_for(".activity", activity_id=aid) + "#evidence",
    )


@bp.get("/activities/<activity_id>/evidence/<sha256>")
def evidence(activity_id: str, sha256: str) -> ResponseReturnValue:
    found = services().activities.evidence(actor(), parse_id(activity_id), sha256)
    return send_evidence(found)


# Assistance applications (帮扶申请) ---------------------------------------------------------


def _assistance_page(**context: Any) -> ResponseReturnValue:
    page = services().communities.assistance_page(actor())
    template = "communities/assistance.html"
    context["school_year"] = this_school_year(page.today)
    if "errors" in context:
        return _failed(template, context.pop("errors"), page=page, **context)
    return render_template(template, page=page, **context)


@bp.get("/assistance")
def assistance() -> ResponseReturnValue:
    return _assistance_page()


@bp.post("/assistance")
def apply_for_assistance() -> ResponseReturnValue:
    form = request.form
    try:
        done = services().communities.apply_for_assistance(
            actor(), needs=form.get("needs", ""), subjects=form.getlist("subjects")
        )
    except DomainError as exc:
        return _assistance_page(errors=exc, failed="apply")
    return _done(done, "帮扶申请已提交 / Application submitted", url_for(".assistance"))


@bp.post("/assistance/<application_id>/assign")
def assign_helper(application_id: str) -> ResponseReturnValue:
    me, aid, form = actor(), parse_id(application_id), request.form
    try:
        done = services().communities.assign_helper(
            me,
            aid,
            helper_school_id=_chosen(
                form.get("helper_school_id"), "请选择帮扶学校 / Choose the helper school"
            ),
            founded_on=form_date(form.get("founded_on"), "成立日期 / founding date"),
            round_start_year=_int(form.get("round_start_year"), "起始学年 / first school year"),
            round_end_year=_int(form.get("round_end_year"), "结束学年 / last school year"),
        )
    except DomainError as exc:
        return _assistance_page(errors=exc, failed=str(aid))
    return _done(
        done,
        "已指定帮扶学校，帮扶式教共体已成立 / Helper assigned: the assistance community is founded",
        url_for(".community", community_id=done.id),
    )


@bp.post("/assistance/<application_id>/decline")
def decline_application(application_id: str) -> ResponseReturnValue:
    me, aid = actor(), parse_id(application_id)
    try:
        done = services().communities.decline_application(
            me, aid, reason=request.form.get("reason", "")
        )
    except DomainError as exc:
        return _assistance_page(errors=exc, failed=str(aid))
    return _done(done, "已回复申请 / Application declined", url_for(".assistance"))


# The bureau's settings ----------------------------------------------------------------------


def _settings_page(year: int | None, **context: Any) -> ResponseReturnValue:
    page = services().communities.settings_page(actor(), year)
    template = "communities/settings.html"
    context.setdefault("checkpoint_rows", CHECKPOINT_ROWS)
    if "errors" in context:
        return _failed(template, context.pop("errors"), page=page, **context)
    return render_template(template, page=page, **context)


@bp.get("/settings")
def settings() -> ResponseReturnValue:
    return _settings_page(_year_arg(request.args.get("year")))


@bp.post("/settings/types")
def set_type() -> ResponseReturnValue:
    me, form = actor(), request.form
    key = form.get("key", "").strip()
    try:
        raw_max = form.get("max_schools", "").strip()
        max_schools = _int(raw_max, "学校数上限 / school limit") if raw_max else None
        if key:
            done = services().communities.set_community_type(
                me, key=key, name=form.get("name", ""), max_schools=max_schools
            )
        else:
            done = services().communities.add_community_type(
                me, name=form.get("name", ""), max_schools=max_schools
            )
    except DomainError as exc:
        return _settings_page(None, errors=exc, failed=f"type-{key}")
    return _done(done, "教共体类型已保存 / Community type saved", url_for(".settings") + "#types")


def _plan_year(year: int, form: MultiDict[str, str]) -> PlanYearSettings:
    checkpoints = []
    for n in range(CHECKPOINT_ROWS):
        due, percent = form.get(f"due-{n}", "").strip(), form.get(f"required-{n}", "").strip()
        if not due and not percent:
            continue
        required = _number(percent, "检查点比例 / checkpoint percentage", default=0)
        checkpoints.append(
            Checkpoint(form_date(due, "检查点日期 / checkpoint date"), required / 100)
        )
    targets: dict[str, int] = {}
    for kind, label in TASK_KIND_NAMES.items():
        zh, en = label.split(" / ", 1)
        targets[kind] = _int(form.get(f"target-{kind}"), f"{zh}的目标 / target of {en}", default=0)
    return PlanYearSettings(
        year=year,
        checkpoints=sorted(checkpoints, key=lambda c: c.due),
        targets=targets,
        plan_deadline=form_date(form.get("plan_deadline"), "计划提交截止日期 / plan deadline"),
        shadow_placement_days=_int(form.get("shadow_placement_days"), "跟岗天数 / placement days"),
        mentor_max_mentees=_int(form.get("mentor_max_mentees"), "导师带徒上限 / mentee limit"),
    )


@bp.post("/settings/years/<int:year>")
def set_plan_year(year: int) -> ResponseReturnValue:
    me = actor()
    try:
        done = services().communities.set_plan_year(me, _plan_year(year, request.form))
    except DomainError as exc:
        return _settings_page(year, errors=exc, failed="year")
    return _done(
        done, "计划年度设置已保存 / Plan year saved", url_for(".settings", year=year) + "#year"
    )
