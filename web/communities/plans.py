"""A community's plans: drafting, revising, submitting and the bureau's review."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict

from domain.counting import TASK_KIND_NAMES
from domain.plan import Rule, Task
from services.errors import DomainError
from web.communities.blueprint import (
    COUNTS,
    DEFAULT_RULES,
    bp,
)
from web.communities.forms import (
    _done,
    _failed,
    _int,
    _number,
    _year_arg,
)
from web.current import actor, parse_id, services
from web.forms import form_date


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
