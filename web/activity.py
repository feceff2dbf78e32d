"""What happened: a school's activity feed and the bureau's audit log, both newest first."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import login_required

from projections.audit_log import AuditFilter, EventEntry
from services.errors import DomainError
from web import labels
from web.current import actor, parse_id, services
from web.i18n import bilingual

bp = Blueprint("activity", __name__)
labels.register(bp)

#: Event types as people say them; an event type not listed here is shown by its own name.
EVENT_LABELS = {
    "Tenant.Registered": "教育局入驻 / Bureau registered",
    "Tenant.Renamed": "教育局更名 / Bureau renamed",
    "School.Registered": "新建学校 / School created",
    "School.DetailsChanged": "修改学校信息 / School details changed",
    "School.ClassOpened": "开设班级 / Class opened",
    "School.ClassClosed": "撤销班级 / Class closed",
    "School.BellScheduleSet": "设置作息时间 / Bell schedule set",
    "User.Registered": "新建账号 / Account created",
    "User.PasswordChanged": "修改密码 / Password changed",
    "User.RolesChanged": "调整角色 / Roles changed",
    "User.ProfileUpdated": "修改资料 / Profile updated",
    "User.Transferred": "教师调动 / Teacher transferred",
    "User.Deactivated": "停用账号 / Account deactivated",
    "User.Reactivated": "启用账号 / Account reactivated",
    "Community.Founded": "成立教共体 / Community founded",
    "Community.SchoolJoined": "学校加入教共体 / School joined a community",
    "Community.SchoolLeft": "学校退出教共体 / School left a community",
    "Community.CrossRegionInvited": "跨地区邀请 / Cross-region invitation",
    "Community.CrossRegionDeclined": "跨地区邀请被拒 / Cross-region invitation declined",
    "Plan.Drafted": "起草年度计划 / Plan drafted",
    "Plan.TasksRevised": "修改计划任务 / Plan tasks revised",
    "Plan.Submitted": "提交年度计划 / Plan submitted",
    "Plan.Returned": "退回年度计划 / Plan returned",
    "Plan.Approved": "批准年度计划 / Plan approved",
    "TenantSettings.Created": "建立教育局设置 / Bureau settings created",
    "TenantSettings.CommunityTypeSet": "设置教共体类型 / Community type set",
    "TenantSettings.PlanYearSet": "设置计划年度 / Plan year set",
    "Activity.Recorded": "记录活动 / Activity recorded",
    "Activity.EvidenceAttached": "上传佐证材料 / Evidence attached",
    "Activity.PlacementCompleted": "跟岗锻炼完成 / Shadow placement completed",
    "Activity.Withdrawn": "撤回活动记录 / Activity withdrawn",
    "Mentor.Registered": "登记导师 / Mentor registered",
    "Mentor.MenteeTaken": "导师收徒 / Mentee taken on",
    "Mentor.MenteeReleased": "导师解除徒弟 / Mentee released",
    "Pairing.Paired": "师徒结对 / Mentor and mentee paired",
    "Pairing.ActivityRecorded": "记录师徒活动 / Mentoring activity recorded",
    "Pairing.ActivityConfirmed": "确认师徒活动 / Mentoring activity confirmed",
    "Pairing.ActivityDisputed": "师徒活动有异议 / Mentoring activity disputed",
    "Pairing.Ended": "结束师徒结对 / Pairing ended",
    "AssistanceApplication.Applied": "提交帮扶申请 / Assistance requested",
    "AssistanceApplication.HelperAssigned": "指定帮扶学校 / Helper school assigned",
    "AssistanceApplication.Declined": "帮扶申请未通过 / Assistance declined",
    "QuarterSeal.Sealed": "季度封存 / Quarter sealed",
}
PAGE_SIZE = 50


def event_label(event_type: str) -> str:
    if event_type in EVENT_LABELS:
        return bilingual(EVENT_LABELS[event_type])
    # "Community.SessionHeld" → "Community · Session held": readable, if not translated.
    aggregate, _, name = event_type.partition(".")
    words = re.sub(r"(?<!^)([A-Z])", r" \1", name).capitalize() if name else ""
    return f"{aggregate} · {words}" if words else aggregate


@dataclass(frozen=True)
class Line:
    """One entry as a row of the page."""

    entry: EventEntry
    label: str
    actor: str
    subject: str
    summary: str


def describe(entry: EventEntry, names: dict[UUID, str], school_names: dict[UUID, str]) -> Line:
    if entry.actor_id is None:
        who = bilingual("系统 / System")
    else:
        who = names.get(entry.actor_id) or bilingual("平台管理员 / Platform admin")
    kind = entry.event_type.partition(".")[0]
    subject = ""
    if kind == "User":
        subject = names.get(entry.subject_id, "")
    elif kind == "School":
        subject = school_names.get(entry.subject_id, str(entry.details.get("name", "")))
    return Line(entry, event_label(entry.event_type), who, subject, _summary(entry, school_names))


def _summary(entry: EventEntry, school_names: dict[UUID, str]) -> str:
    d: dict[str, Any] = entry.details

    def school(raw: object) -> str:
        try:
            return school_names.get(UUID(str(raw)), "?")
        except ValueError:
            return "?"

    match entry.event_type:
        case "School.Registered":
            return labels.clauses(
                [
                    labels.aside(d.get("name", ""), d.get("code", "")),
                    labels.stage(d.get("stage", "")),
                    labels.locality(d.get("locality", "")),
                ]
            )
        case "School.DetailsChanged":
            n = d.get("student_count", 0)
            return labels.clauses(
                [
                    d.get("name", ""),
                    labels.stage(d.get("stage", "")),
                    labels.locality(d.get("locality", "")),
                    bilingual(f"学生{n}人 / {n} students"),
                ]
            )
        case "School.ClassOpened":
            grade, name = d.get("grade"), d.get("name", "")
            return bilingual(f"{grade}年级{name} / Grade {grade}, {name}")
        case "School.ClassClosed":
            class_id = d.get("class_id", "")
            grade = str(class_id).split("-")[0]
            return bilingual(f"{grade}年级，班级编号 {class_id} / Grade {grade}, class {class_id}")
        case "School.BellScheduleSet":
            periods = d.get("periods") or []
            days = sorted({int(p["weekday"]) for p in periods})
            most = max((sum(1 for p in periods if p["weekday"] == day) for day in days), default=0)
            day_names = labels.listing(labels.weekday(day) for day in days)
            return labels.clauses(
                [day_names, bilingual(f"每天最多{most}节 / up to {most} periods a day")]
            )
        case "User.Registered":
            roles = labels.listing(labels.role(r) for r in d.get("roles", []))
            return labels.clauses(
                [labels.aside(d.get("display_name", ""), d.get("username", "")), roles]
            )
        case "User.RolesChanged":
            return labels.listing(labels.role(r) for r in d.get("roles", []))
        case "User.ProfileUpdated":
            return labels.clauses(
                [
                    d.get("display_name", ""),
                    labels.listing(labels.subject(s) for s in d.get("subjects", [])),
                    labels.grades(d.get("grades") or []),
                    labels.key_level(d["key_level"]) if d.get("key_level") else "",
                    d.get("title", ""),
                ]
            )
        case "User.Transferred":
            source, target = school(d.get("from_school_id")), school(d.get("to_school_id"))
            return bilingual(f"从{source}调往{target} / From {source} to {target}")
        case "User.Deactivated":
            reason = str(d.get("reason", ""))
            return bilingual(f"原因：{reason} / Reason: {reason}") if reason else ""
    for key in ("name", "title", "theme", "display_name"):
        if isinstance(d.get(key), str) and d[key]:
            return str(d[key])
    return ""


def _before() -> int | None:
    raw = request.args.get("before", "")
    return int(raw) if raw.isdigit() else None


@bp.get("/schools/<school_id>/activity")
@login_required
def school_feed(school_id: str) -> ResponseReturnValue:
    page = services().pages.school_feed(
        actor(), parse_id(school_id), before_position=_before(), limit=PAGE_SIZE
    )
    lines = [describe(e, page.names, page.school_names) for e in page.entries]
    return render_template("activity/feed.html", page=page, lines=lines)


def _day(raw: str) -> date | None:
    if not raw.strip():
        return None
    try:
        return date.fromisoformat(raw.strip())
    except ValueError as exc:
        raise DomainError(
            f"日期应为“年-月-日”：{raw} / A date is written YYYY-MM-DD: {raw}"
        ) from exc


def audit_filter(args: Any) -> AuditFilter:
    """The filter a submitted audit-log form describes; dates are local (China) days."""
    start, end = _day(args.get("from", "")), _day(args.get("to", ""))
    if start and end and end < start:
        raise DomainError("结束日期早于开始日期 / The end date is before the start date")

    def moment(day: date) -> datetime:
        return datetime.combine(day, time(), tzinfo=labels.LOCAL_TIME)

    school, who = args.get("school", ""), args.get("actor", "")
    return AuditFilter(
        school_id=parse_id(school) if school else None,
        actor_id=parse_id(who) if who else None,
        event_type=args.get("type", "") or None,
        occurred_from=moment(start) if start else None,
        occurred_to=moment(end + timedelta(days=1)) if end else None,
        before_position=_before(),
        limit=PAGE_SIZE,
    )


@bp.get("/bureau/audit")
@login_required
def audit_log() -> ResponseReturnValue:
    me, status, errors = actor(), 200, []
    try:
        query = audit_filter(request.args)
    except DomainError as exc:
        query, status, errors = AuditFilter(limit=PAGE_SIZE), 422, [bilingual(exc)]
    page = services().pages.audit(me, query)
    # With a malformed filter nothing is listed, rather than an unfiltered log that looks filtered.
    lines = [] if errors else [describe(e, page.names, page.school_names) for e in page.entries]
    older = {k: v for k, v in request.args.items() if k != "before"}
    return (
        render_template(
            "activity/audit.html",
            page=page,
            lines=lines,
            args=request.args,
            older=older,
            errors=errors,
            event_label=event_label,
        ),
        status,
    )
