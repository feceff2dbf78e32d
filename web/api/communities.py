"""The API of communities, plans, activities, progress and the bureau's settings.

Each endpoint parses its input, calls one service method and answers JSON, like ``web.api.views``.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any
from uuid import UUID

from flask import Response, request, url_for
from flask.typing import ResponseReturnValue

from domain.counting import TaskKind
from domain.plan import Rule, Task
from domain.settings import Checkpoint, PlanYearSettings
from services.evidence import Upload
from services.progress import DashboardFilter
from services.reports import CommunityLine, DrillLine, ReportService
from web.api.base import (
    Body,
    InvalidInput,
    actor,
    body,
    bp,
    done,
    items,
    jsonable,
    one,
    optional_query_int,
    optional_query_uuid,
)
from web.current import parse_id, services

#: The years a report, a seal or a query may name.
FIRST_YEAR, LAST_YEAR = 2000, 2100

# Input ------------------------------------------------------------------------------------------


def _date(fields: Body, name: str) -> date:
    raw = fields.text(name)
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise InvalidInput(name, "应为日期 YYYY-MM-DD / Must be a date YYYY-MM-DD") from exc


def _optional_int(fields: Body, name: str) -> int | None:
    value = fields.data.get(name)
    if value is None:
        return None
    return fields.integer(name)


def _number(fields: Body, name: str, default: float) -> float:
    value = fields.data.get(name)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInput(name, "应为数字 / Must be a number")
    return float(value)


def _as_of() -> date | None:
    raw = request.args.get("as_of")
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise InvalidInput("as_of", "应为日期 YYYY-MM-DD / Must be a date YYYY-MM-DD") from exc


def _year(raw: str) -> int:
    if not raw.isdigit() or not FIRST_YEAR <= int(raw) <= LAST_YEAR:
        raise InvalidInput("year", f"应为年份 / Must be a year ({FIRST_YEAR}–{LAST_YEAR})")
    return int(raw)


def _today() -> date:
    return services().plans.ctx.today()


def _tasks(fields: Body) -> list[Task]:
    tasks = []
    for n, raw in enumerate(fields.objects("tasks")):
        row = Body(raw)
        name = f"tasks[{n}]"
        try:
            kind = row.text("kind")
            if kind not in set(TaskKind):
                raise InvalidInput("kind", f"未知任务类型 / Unknown task kind: {kind}")
            tasks.append(
                Task(
                    kind=kind,
                    target=row.integer("target"),
                    weight=_number(row, "weight", 1.0),
                    counts=row.text("counts", required=False),
                    rule=row.text("rule", required=False, default=Rule.SUM),
                    threshold=row.integer("threshold", required=False, default=1),
                )
            )
        except InvalidInput as exc:
            raise InvalidInput(f"{name}.{exc.field}", str(exc)) from exc
    return tasks


def _reports() -> ReportService:
    progress = services().progress
    return ReportService(progress.ctx, progress)


# Output -----------------------------------------------------------------------------------------


def _line(line: CommunityLine) -> dict[str, Any]:
    """A community's figures as the dashboard and the community page show them."""
    f = line.figures
    checkpoint = f.next_checkpoint
    return {
        "community": jsonable(f.community),
        "kind_name": line.kind_name,
        "core_school": line.core_school,
        "schools": jsonable(line.schools),
        "plan": jsonable(f.plan),
        "as_of": f.as_of.isoformat(),
        "percent": f.percent,
        "required_now": f.required_now,
        "next_checkpoint": jsonable(checkpoint),
        "status": f.status,
        "tasks": [jsonable(t) | {"missing": t.missing} for t in line.tasks],
        "checkpoints": jsonable(f.checkpoints),
        "forecast": jsonable(f.forecast),
        "amendments": jsonable(f.amendments),
        "history": [{"day": d.isoformat(), "percent": p} for d, p in line.history],
    }


def _drill_line(line: DrillLine) -> dict[str, Any]:
    if not line.visible:
        # A partner bureau's school's record: only the day and whether it counts.
        return {
            "visible": False,
            "occurred_on": line.occurred_on.isoformat(),
            "counts": line.counts,
            "reason": line.reason,
            "task_kind": line.task_kind,
            "amount": line.amount,
        }
    return dict(jsonable(line))


# Communities ------------------------------------------------------------------------------------


@bp.get("/communities")
def list_communities() -> ResponseReturnValue:
    page = services().communities.index_page(actor())
    return items(
        [
            {
                "community": jsonable(i.community),
                "type_name": i.type_name,
                "owner_name": i.owner_name,
                "core_school": i.core_school,
                "members": i.members,
                "percent": i.figures.percent,
                "status": i.figures.status,
            }
            for i in page.items
        ],
        as_of=page.as_of.isoformat(),
    )


@bp.post("/communities")
def found_community() -> ResponseReturnValue:
    fields = body()
    members = [
        _uuid(fields, "member_school_ids", raw)
        for raw in fields.texts("member_school_ids", required=False)
    ]
    result = services().communities.found(
        actor(),
        name=fields.text("name"),
        kind=fields.text("kind"),
        core_school_id=fields.uuid("core_school_id"),
        founded_on=_date(fields, "founded_on"),
        round_start_year=fields.integer("round_start_year"),
        round_end_year=fields.integer("round_end_year"),
        member_school_ids=members,
    )
    return done(result, 201, url_for("api.get_community", community_id=result.id))


def _uuid(fields: Body, name: str, raw: str) -> UUID:
    try:
        return UUID(raw)
    except ValueError as exc:
        raise InvalidInput(name, "应为UUID / Must be a UUID") from exc


@bp.get("/communities/<community_id>")
def get_community(community_id: str) -> ResponseReturnValue:
    page = services().communities.page(actor(), parse_id(community_id))
    return jsonable(
        {
            "community": page.community,
            "type_name": page.type_name,
            "owner_name": page.owner_name,
            "members": [
                {
                    "school_id": m.stint.school_id,
                    "school": m.school,
                    "bureau": m.bureau,
                    "core": m.is_core,
                    "joined_on": m.stint.joined_on,
                    "left_on": m.stint.left_on,
                }
                for m in page.members
            ],
            "plans": page.plans,
            "percent": page.figures.percent,
            "status": page.figures.status,
            "access": page.access,
            "pending": page.pending,
            "declined": page.declined,
        }
    )


@bp.post("/communities/<community_id>/members")
def admit_school(community_id: str) -> ResponseReturnValue:
    fields = body()
    result = services().communities.admit(
        actor(), parse_id(community_id), fields.uuid("school_id"), on=_date(fields, "on")
    )
    return done(result)


@bp.post("/communities/<community_id>/members/<school_id>/leave")
def release_school(community_id: str, school_id: str) -> ResponseReturnValue:
    fields = body()
    result = services().communities.release(
        actor(),
        parse_id(community_id),
        parse_id(school_id),
        on=_date(fields, "on"),
        reason=fields.text("reason", required=False),
    )
    return done(result)


@bp.post("/communities/<community_id>/invitations")
def invite_school(community_id: str) -> ResponseReturnValue:
    fields = body()
    result = services().communities.invite_across_regions(
        actor(),
        parse_id(community_id),
        tenant_id=fields.uuid("tenant_id"),
        school_code=fields.text("school_code"),
        on=_date(fields, "on"),
    )
    return done(result)


@bp.post("/communities/<community_id>/invitations/<school_id>/consent")
def consent_invitation(community_id: str, school_id: str) -> ResponseReturnValue:
    result = services().communities.consent(actor(), parse_id(community_id), parse_id(school_id))
    return done(result)


@bp.post("/communities/<community_id>/invitations/<school_id>/decline")
def decline_invitation(community_id: str, school_id: str) -> ResponseReturnValue:
    fields = body()
    result = services().communities.decline(
        actor(), parse_id(community_id), parse_id(school_id), reason=fields.text("reason")
    )
    return done(result)


@bp.get("/invitations")
def list_invitations() -> ResponseReturnValue:
    lines = services().communities.invitations(actor())
    return items(
        [jsonable(i.invitation) | {"school": i.school, "from_bureau": i.from_bureau} for i in lines]
    )


# Plans -------------------------------------------------------------------------------------------


@bp.get("/communities/<community_id>/plans")
def list_plans(community_id: str) -> ResponseReturnValue:
    return items(services().plans.plans(actor(), parse_id(community_id)))


@bp.post("/communities/<community_id>/plans")
def draft_plan(community_id: str) -> ResponseReturnValue:
    fields = body()
    result = services().plans.draft(
        actor(),
        parse_id(community_id),
        year=fields.integer("year"),
        period_start=_date(fields, "period_start"),
        period_end=_date(fields, "period_end"),
        title=fields.text("title", required=False),
        tasks=_tasks(fields),
    )
    return done(result, 201, url_for("api.get_plan", plan_id=result.id))


@bp.get("/plans/review")
def plans_to_review() -> ResponseReturnValue:
    lines = services().plans.review_page(actor())
    return items(
        [
            jsonable(line.plan)
            | {"community_name": line.community.name, "core_school": line.core_school}
            for line in lines
        ]
    )


@bp.get("/plans/<plan_id>")
def get_plan(plan_id: str) -> ResponseReturnValue:
    page = services().plans.plan_page(actor(), parse_id(plan_id))
    return jsonable(page.plan) | {
        "community_name": page.community.name,
        "core_school": page.core_school,
        "versions": jsonable(page.versions),
        "steps": jsonable(page.steps),
        "deadline": page.deadline.isoformat(),
        "may_edit": page.may_edit,
        "may_submit": page.may_submit,
        "may_decide": page.may_decide,
    }


@bp.put("/plans/<plan_id>/tasks")
def revise_plan(plan_id: str) -> ResponseReturnValue:
    return done(services().plans.revise(actor(), parse_id(plan_id), _tasks(body())))


@bp.post("/plans/<plan_id>/submit")
def submit_plan(plan_id: str) -> ResponseReturnValue:
    return done(services().plans.submit(actor(), parse_id(plan_id)))


@bp.post("/plans/<plan_id>/approve")
def approve_plan(plan_id: str) -> ResponseReturnValue:
    return done(services().plans.approve(actor(), parse_id(plan_id)))


@bp.post("/plans/<plan_id>/return")
def return_plan(plan_id: str) -> ResponseReturnValue:
    comments = body().text("comments")
    return done(services().plans.return_with_comments(actor(), parse_id(plan_id), comments))


# Activities and their evidence --------------------------------------------------------------------


def _activity_input() -> tuple[Body, list[Upload]]:
    """A JSON body, or multipart: the same object in a ``json`` part and ``evidence`` files."""
    if request.mimetype != "multipart/form-data":
        return body(), []
    try:
        data = json.loads(request.form.get("json", ""))
    except ValueError as exc:
        raise InvalidInput("json", "应为JSON对象 / Must be a JSON object") from exc
    if not isinstance(data, dict):
        raise InvalidInput("json", "应为JSON对象 / Must be a JSON object")
    uploads = [
        Upload(f.filename or "", f.mimetype or "", f.read())
        for f in request.files.getlist("evidence")
        if f.filename
    ]
    return Body(data), uploads


def _details(fields: Body, kind: str) -> dict[str, Any]:
    raw = fields.data.get("details") or {}
    if not isinstance(raw, dict):
        raise InvalidInput("details", "应为对象 / Must be an object")
    details = dict(raw)
    if kind == TaskKind.SHADOW_PLACEMENT:
        inner = Body(details)
        try:
            details.update(
                teacher_id=inner.uuid("teacher_id"),
                host_school_id=inner.uuid("host_school_id"),
                starts_on=_date(inner, "starts_on"),
                ends_on=_date(inner, "ends_on"),
            )
        except InvalidInput as exc:
            raise InvalidInput(f"details.{exc.field}", str(exc)) from exc
    return details


@bp.get("/communities/<community_id>/activities")
def list_activities(community_id: str) -> ResponseReturnValue:
    kind = request.args.get("kind") or None
    return items(services().activities.activities(actor(), parse_id(community_id), kind=kind))


@bp.post("/communities/<community_id>/activities")
def record_activity(community_id: str) -> ResponseReturnValue:
    fields, uploads = _activity_input()
    kind = fields.text("kind")
    participants = [
        _uuid(fields, "participant_ids", raw)
        for raw in fields.texts("participant_ids", required=False)
    ]
    result = services().activities.record(
        actor(),
        parse_id(community_id),
        kind=kind,
        title=fields.text("title"),
        occurred_on=_date(fields, "occurred_on"),
        participant_ids=participants,
        details=_details(fields, kind),
        uploads=uploads,
    )
    return done(result, 201, url_for("api.get_activity", activity_id=result.id))


@bp.get("/activities/<activity_id>")
def get_activity(activity_id: str) -> ResponseReturnValue:
    return one(services().activities.activity(actor(), parse_id(activity_id)))


@bp.post("/activities/<activity_id>/complete")
def complete_placement(activity_id: str) -> ResponseReturnValue:
    ended_on = _date(body(), "ended_on")
    return done(
        services().activities.complete_placement(actor(), parse_id(activity_id), ended_on=ended_on)
    )


@bp.post("/activities/<activity_id>/withdraw")
def withdraw_activity(activity_id: str) -> ResponseReturnValue:
    reason = body().text("reason")
    return done(services().activities.withdraw(actor(), parse_id(activity_id), reason=reason))


@bp.get("/activities/<activity_id>/evidence/<sha256>")
def activity_evidence(activity_id: str, sha256: str) -> ResponseReturnValue:
    found = services().activities.evidence(actor(), parse_id(activity_id), sha256)
    response = Response(found.data, mimetype=found.content_type or "application/octet-stream")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Disposition"] = "attachment"
    response.headers["Cache-Control"] = "private, no-store"
    return response


# Progress, the dashboard, seals and the quarterly report -------------------------------------------


@bp.get("/dashboard")
def dashboard() -> ResponseReturnValue:
    filters = DashboardFilter(
        kind=request.args.get("kind") or None,
        school_id=optional_query_uuid("school_id"),
        status=request.args.get("status") or None,
    )
    figures = services().progress.dashboard(actor(), as_of=_as_of() or _today(), filters=filters)
    report = _reports()
    lines = report._lines(figures, _names(report))
    return items([_line(line) for line in lines])


def _names(report: ReportService) -> Any:
    from services.reports import _Names

    return _Names(report.ctx)


@bp.get("/communities/<community_id>/progress")
def community_progress(community_id: str) -> ResponseReturnValue:
    page = _reports().community(actor(), parse_id(community_id), as_of=_as_of())
    return _line(page.line)


@bp.get("/communities/<community_id>/events")
def community_events(community_id: str) -> ResponseReturnValue:
    page = _reports().drill_down(
        actor(),
        parse_id(community_id),
        task_kind=request.args.get("task") or None,
        as_of=_as_of(),
    )
    return {
        "community": jsonable(page.community),
        "as_of": page.as_of.isoformat(),
        "task_kind": page.task_kind,
        "percent": page.percent,
        "counted": page.counted,
        "not_counted": page.not_counted,
        "items": [_drill_line(line) for line in page.lines],
    }


@bp.post("/seals")
def seal_quarter() -> ResponseReturnValue:
    fields = body()
    year = fields.integer("year")
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise InvalidInput("year", f"超出范围 / Out of range ({FIRST_YEAR}–{LAST_YEAR})")
    result = services().progress.seal_quarter(actor(), year=year, quarter=fields.integer("quarter"))
    return done(result, 201)


@bp.get("/seals")
def list_seals() -> ResponseReturnValue:
    year = optional_query_int("year", minimum=FIRST_YEAR, maximum=LAST_YEAR)
    return items(services().progress.seals(actor(), year))


@bp.get("/reports/<year>")
def quarterly_report(year: str) -> ResponseReturnValue:
    report = _reports().quarterly(actor(), _year(year))
    return {
        "tenant_name": report.tenant_name,
        "year": report.year,
        "quarters": [
            {
                "quarter": q.quarter,
                "due": q.due.isoformat(),
                "required": q.required,
                "as_of": q.as_of.isoformat(),
                "sealed_at": q.sealed_at.isoformat() if q.sealed_at else None,
                "rows": [
                    {
                        # 工作任务 / 责任单位 / 季度目标 / 进展情况 / 目标完成情况
                        "community": jsonable(r.line.community),
                        "core_school": r.line.core_school,
                        "members": r.line.members_on(q.as_of),
                        "required": r.required,
                        "percent": r.percent,
                        "tasks": jsonable(r.line.tasks),
                        "reached": r.reached,
                        "sealed_percent": r.sealed_percent,
                        "sealed_met": r.sealed_met,
                        "amendment": jsonable(r.amendment),
                    }
                    for r in q.rows
                ],
            }
            for q in report.quarters
        ],
    }


# Assistance ---------------------------------------------------------------------------------------


@bp.get("/assistance")
def list_assistance() -> ResponseReturnValue:
    page = services().communities.assistance_page(actor())
    return items(
        [
            jsonable(line.application)
            | {
                "school": line.school,
                "helper": line.helper,
                "suggested": [str(s.id) for s in line.suggested],
            }
            for line in page.applications
        ]
    )


@bp.post("/assistance")
def apply_for_assistance() -> ResponseReturnValue:
    fields = body()
    result = services().communities.apply_for_assistance(
        actor(), needs=fields.text("needs"), subjects=fields.texts("subjects", required=False)
    )
    return done(result, 201)


@bp.post("/assistance/<application_id>/assign")
def assign_helper(application_id: str) -> ResponseReturnValue:
    fields = body()
    result = services().communities.assign_helper(
        actor(),
        parse_id(application_id),
        helper_school_id=fields.uuid("helper_school_id"),
        founded_on=_date(fields, "founded_on"),
        round_start_year=fields.integer("round_start_year"),
        round_end_year=fields.integer("round_end_year"),
    )
    return done(result, 201, url_for("api.get_community", community_id=result.id))


@bp.post("/assistance/<application_id>/decline")
def decline_application(application_id: str) -> ResponseReturnValue:
    reason = body().text("reason")
    return done(
        services().communities.decline_application(actor(), parse_id(application_id), reason=reason)
    )


# Settings -----------------------------------------------------------------------------------------


@bp.get("/settings/community-types")
def community_types() -> ResponseReturnValue:
    return items(services().communities.community_types(actor()))


@bp.put("/settings/community-types")
def set_community_type() -> ResponseReturnValue:
    fields = body()
    result = services().communities.set_community_type(
        actor(),
        key=fields.text("key"),
        name=fields.text("name"),
        max_schools=_optional_int(fields, "max_schools"),
    )
    return done(result)


@bp.get("/settings/plan-years/<year>")
def get_plan_year(year: str) -> ResponseReturnValue:
    return one(services().communities.settings_page(actor(), _year(year)).year)


@bp.put("/settings/plan-years/<year>")
def set_plan_year(year: str) -> ResponseReturnValue:
    fields = body()
    checkpoints = []
    for n, raw in enumerate(fields.objects("checkpoints")):
        row = Body(raw)
        try:
            checkpoints.append(Checkpoint(_date(row, "due"), _number(row, "required", 0.0)))
        except InvalidInput as exc:
            raise InvalidInput(f"checkpoints[{n}].{exc.field}", str(exc)) from exc
    targets = fields.data.get("targets")
    if not isinstance(targets, dict) or not all(
        isinstance(v, int) and not isinstance(v, bool) for v in targets.values()
    ):
        raise InvalidInput("targets", "应为任务类型到整数的对象 / Must map task kinds to integers")
    settings = PlanYearSettings(
        year=_year(year),
        checkpoints=sorted(checkpoints, key=lambda c: c.due),
        targets={str(k): int(v) for k, v in targets.items()},
        plan_deadline=_date(fields, "plan_deadline"),
        shadow_placement_days=fields.integer("shadow_placement_days"),
        mentor_max_mentees=fields.integer("mentor_max_mentees"),
    )
    return done(services().communities.set_plan_year(actor(), settings))
