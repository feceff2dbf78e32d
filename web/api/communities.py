"""The API of communities, plans, activities, progress and the bureau's settings.

Each endpoint parses its input, calls one service method and answers JSON, like ``web.api.views``.
"""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import Any

from flask import Response, request, url_for
from flask.typing import ResponseReturnValue

from domain.counting import TaskKind
from domain.plan import Task
from domain.settings import Checkpoint, CommunityType, PlanYearSettings
from projections.communities import ActivityRow, PlanRow, SealRow
from services.evidence import Upload
from services.progress import DashboardFilter
from services.reports import CommunityLine, DrillLine, ReportService
from web.api import inputs as i
from web.api.base import InvalidInput, actor, done, items, jsonable, one
from web.api.contract import operation, validate_part
from web.api.outputs import Done, Open, items_of
from web.current import parse_id, services

communities = partial(operation, tag="communities")
plans = partial(operation, tag="plans")
activities = partial(operation, tag="activities")
progress = partial(operation, tag="progress")
settings = partial(operation, tag="settings")
YEAR_PATH = {"type": "integer", "minimum": 2000, "maximum": 2100}

#: The years a report, a seal or a query may name.
FIRST_YEAR, LAST_YEAR = 2000, 2100

# Input ------------------------------------------------------------------------------------------


def _year(raw: str) -> int:
    if not raw.isdigit() or not FIRST_YEAR <= int(raw) <= LAST_YEAR:
        raise InvalidInput("year", f"应为年份 / Must be a year ({FIRST_YEAR}–{LAST_YEAR})")
    return int(raw)


def _today() -> date:
    return services().plans.ctx.today()


def _tasks(tasks: list[i.TaskInput]) -> list[Task]:
    return [
        Task(
            kind=t.kind,
            target=t.target,
            weight=t.weight,
            counts=t.counts,
            rule=t.rule,
            threshold=t.threshold,
        )
        for t in tasks
    ]


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


@communities(
    "GET",
    "/communities",
    summary="The communities the user may see, with their progress",
    answer=Open,
)
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


@communities(
    "POST",
    "/communities",
    summary="Found a community",
    body=i.NewCommunity,
    answer=Done,
    status=201,
)
def found_community(body: i.NewCommunity) -> ResponseReturnValue:
    result = services().communities.found(
        actor(),
        name=body.name,
        kind=body.kind,
        core_school_id=body.core_school_id,
        founded_on=body.founded_on,
        round_start_year=body.round_start_year,
        round_end_year=body.round_end_year,
        member_school_ids=list(body.member_school_ids),
    )
    return done(result, 201, url_for("api.get_community", community_id=result.id))


@communities(
    "GET",
    "/communities/<community_id>",
    summary="A community: members, plans, progress",
    answer=Open,
)
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


@communities(
    "POST",
    "/communities/<community_id>/members",
    summary="Admit a school of the bureau",
    body=i.Admission,
    answer=Done,
)
def admit_school(community_id: str, body: i.Admission) -> ResponseReturnValue:
    result = services().communities.admit(
        actor(), parse_id(community_id), body.school_id, on=body.on
    )
    return done(result)


@communities(
    "POST",
    "/communities/<community_id>/members/<school_id>/leave",
    summary="A member school leaves",
    body=i.Leaving,
    answer=Done,
)
def release_school(community_id: str, school_id: str, body: i.Leaving) -> ResponseReturnValue:
    result = services().communities.release(
        actor(), parse_id(community_id), parse_id(school_id), on=body.on, reason=body.reason
    )
    return done(result)


@communities(
    "POST",
    "/communities/<community_id>/invitations",
    summary="Invite a school of another bureau (its bureau consents)",
    body=i.Invitation,
    answer=Done,
)
def invite_school(community_id: str, body: i.Invitation) -> ResponseReturnValue:
    result = services().communities.invite_across_regions(
        actor(),
        parse_id(community_id),
        tenant_id=body.tenant_id,
        school_code=body.school_code,
        on=body.on,
    )
    return done(result)


@communities(
    "POST",
    "/communities/<community_id>/invitations/<school_id>/consent",
    summary="Consent to an invitation of one's school",
    answer=Done,
)
def consent_invitation(community_id: str, school_id: str) -> ResponseReturnValue:
    result = services().communities.consent(actor(), parse_id(community_id), parse_id(school_id))
    return done(result)


@communities(
    "POST",
    "/communities/<community_id>/invitations/<school_id>/decline",
    summary="Decline an invitation of one's school",
    body=i.Declining,
    answer=Done,
)
def decline_invitation(community_id: str, school_id: str, body: i.Declining) -> ResponseReturnValue:
    result = services().communities.decline(
        actor(), parse_id(community_id), parse_id(school_id), reason=body.reason
    )
    return done(result)


@communities("GET", "/invitations", summary="Invitations of the bureau's schools", answer=Open)
def list_invitations() -> ResponseReturnValue:
    lines = services().communities.invitations(actor())
    return items(
        [jsonable(i.invitation) | {"school": i.school, "from_bureau": i.from_bureau} for i in lines]
    )


# Plans -------------------------------------------------------------------------------------------


@plans(
    "GET",
    "/communities/<community_id>/plans",
    summary="A community's plans",
    answer=items_of(PlanRow),
)
def list_plans(community_id: str) -> ResponseReturnValue:
    return items(services().plans.plans(actor(), parse_id(community_id)))


@plans(
    "POST",
    "/communities/<community_id>/plans",
    summary="Draft a year's plan",
    body=i.NewPlan,
    answer=Done,
    status=201,
)
def draft_plan(community_id: str, body: i.NewPlan) -> ResponseReturnValue:
    result = services().plans.draft(
        actor(),
        parse_id(community_id),
        year=body.year,
        period_start=body.period_start,
        period_end=body.period_end,
        title=body.title,
        tasks=_tasks(body.tasks),
    )
    return done(result, 201, url_for("api.get_plan", plan_id=result.id))


@plans("GET", "/plans/review", summary="Plans waiting for the bureau's decision", answer=Open)
def plans_to_review() -> ResponseReturnValue:
    lines = services().plans.review_page(actor())
    return items(
        [
            jsonable(line.plan)
            | {"community_name": line.community.name, "core_school": line.core_school}
            for line in lines
        ]
    )


@plans("GET", "/plans/<plan_id>", summary="A plan, its versions and its steps", answer=Open)
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


@plans("PUT", "/plans/<plan_id>/tasks", summary="Revise a plan's tasks", body=i.Tasks, answer=Done)
def revise_plan(plan_id: str, body: i.Tasks) -> ResponseReturnValue:
    return done(services().plans.revise(actor(), parse_id(plan_id), _tasks(body.tasks)))


@plans("POST", "/plans/<plan_id>/submit", summary="Submit a plan to the bureau", answer=Done)
def submit_plan(plan_id: str) -> ResponseReturnValue:
    return done(services().plans.submit(actor(), parse_id(plan_id)))


@plans("POST", "/plans/<plan_id>/approve", summary="Approve a plan", answer=Done)
def approve_plan(plan_id: str) -> ResponseReturnValue:
    return done(services().plans.approve(actor(), parse_id(plan_id)))


@plans(
    "POST",
    "/plans/<plan_id>/return",
    summary="Return a plan with comments",
    body=i.Comments,
    answer=Done,
)
def return_plan(plan_id: str, body: i.Comments) -> ResponseReturnValue:
    return done(services().plans.return_with_comments(actor(), parse_id(plan_id), body.comments))


# Activities and their evidence --------------------------------------------------------------------


def uploads() -> list[Upload]:
    """The ``evidence`` files of a multipart request (its ``json`` part is the body)."""
    if request.mimetype != "multipart/form-data":
        return []
    return [
        Upload(f.filename or "", f.mimetype or "", f.read())
        for f in request.files.getlist("evidence")
        if f.filename
    ]


def _details(body: i.NewActivity) -> dict[str, Any]:
    details = dict(body.details)
    if body.kind == TaskKind.SHADOW_PLACEMENT:
        placement = validate_part(i.PlacementDetails, details, "details")
        details.update(placement.model_dump())
    return details


@activities(
    "GET",
    "/communities/<community_id>/activities",
    summary="A community's activities, newest first",
    query=i.ActivitiesQuery,
    answer=items_of(ActivityRow),
)
def list_activities(community_id: str, query: i.ActivitiesQuery) -> ResponseReturnValue:
    found = services().activities.activities(actor(), parse_id(community_id), kind=query.kind)
    return items(found)


@activities(
    "POST",
    "/communities/<community_id>/activities",
    summary="Record an activity, with evidence files as multipart",
    body=i.NewActivity,
    multipart=True,
    answer=Done,
    status=201,
    errors=(413,),
)
def record_activity(community_id: str, body: i.NewActivity) -> ResponseReturnValue:
    result = services().activities.record(
        actor(),
        parse_id(community_id),
        kind=body.kind,
        title=body.title,
        occurred_on=body.occurred_on,
        participant_ids=list(body.participant_ids),
        details=_details(body),
        uploads=uploads(),
    )
    return done(result, 201, url_for("api.get_activity", activity_id=result.id))


@activities("GET", "/activities/<activity_id>", summary="An activity", answer=ActivityRow)
def get_activity(activity_id: str) -> ResponseReturnValue:
    return one(services().activities.activity(actor(), parse_id(activity_id)))


@activities(
    "POST",
    "/activities/<activity_id>/complete",
    summary="Complete a shadow placement",
    body=i.Completion,
    answer=Done,
)
def complete_placement(activity_id: str, body: i.Completion) -> ResponseReturnValue:
    return done(
        services().activities.complete_placement(
            actor(), parse_id(activity_id), ended_on=body.ended_on
        )
    )


@activities(
    "POST",
    "/activities/<activity_id>/withdraw",
    summary="Withdraw an activity (it no longer counts)",
    body=i.Withdrawal,
    answer=Done,
)
def withdraw_activity(activity_id: str, body: i.Withdrawal) -> ResponseReturnValue:
    return done(services().activities.withdraw(actor(), parse_id(activity_id), reason=body.reason))


@activities(
    "GET",
    "/activities/<activity_id>/evidence/<sha256>",
    summary="Download an evidence file of an activity",
    path={"sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"}},
    answer=None,
    media="application/octet-stream",
)
def activity_evidence(activity_id: str, sha256: str) -> ResponseReturnValue:
    found = services().activities.evidence(actor(), parse_id(activity_id), sha256)
    response = Response(found.data, mimetype=found.content_type or "application/octet-stream")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Disposition"] = "attachment"
    response.headers["Cache-Control"] = "private, no-store"
    return response


# Progress, the dashboard, seals and the quarterly report -------------------------------------------


@progress(
    "GET",
    "/dashboard",
    summary="Every community's figures (the bureau's dashboard)",
    description="`percent` is 0–100, rounded; a checkpoint's `required` and `actual` are "
    "unrounded fractions 0–1.",
    query=i.DashboardQuery,
    answer=Open,
)
def dashboard(query: i.DashboardQuery) -> ResponseReturnValue:
    filters = DashboardFilter(kind=query.kind, school_id=query.school_id, status=query.status)
    as_of = query.as_of or _today()
    figures = services().progress.dashboard(actor(), as_of=as_of, filters=filters)
    report = _reports()
    lines = report._lines(figures, _names(report))
    return items([_line(line) for line in lines])


def _names(report: ReportService) -> Any:
    from services.reports import _Names

    return _Names(report.ctx)


@progress(
    "GET",
    "/communities/<community_id>/progress",
    summary="A community's figures",
    description="`percent` is 0–100, rounded; a checkpoint's `required` and `actual` are "
    "unrounded fractions 0–1.",
    query=i.AsOf,
    answer=Open,
)
def community_progress(community_id: str, query: i.AsOf) -> ResponseReturnValue:
    page = _reports().community(actor(), parse_id(community_id), as_of=query.as_of)
    return _line(page.line)


@progress(
    "GET",
    "/communities/<community_id>/events",
    summary="What counted toward a community's figures, and what did not",
    query=i.EventsQuery,
    answer=Open,
)
def community_events(community_id: str, query: i.EventsQuery) -> ResponseReturnValue:
    page = _reports().drill_down(
        actor(), parse_id(community_id), task_kind=query.task, as_of=query.as_of
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


@progress(
    "POST",
    "/seals",
    summary="Seal a quarter's figures for the report",
    body=i.SealRequest,
    answer=Done,
    status=201,
)
def seal_quarter(body: i.SealRequest) -> ResponseReturnValue:
    result = services().progress.seal_quarter(actor(), year=body.year, quarter=body.quarter)
    return done(result, 201)


@progress(
    "GET", "/seals", summary="The sealed quarters", query=i.SealsQuery, answer=items_of(SealRow)
)
def list_seals(query: i.SealsQuery) -> ResponseReturnValue:
    return items(services().progress.seals(actor(), query.year))


@progress(
    "GET",
    "/reports/<year>",
    summary="The quarterly report of a year",
    description="`percent` is 0–100, rounded; `required` is an unrounded fraction 0–1.",
    path={"year": YEAR_PATH},
    answer=Open,
)
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


@communities("GET", "/assistance", summary="Applications for assistance", answer=Open)
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


@communities(
    "POST",
    "/assistance",
    summary="Apply for assistance (a school admin)",
    body=i.NewApplication,
    answer=Done,
    status=201,
)
def apply_for_assistance(body: i.NewApplication) -> ResponseReturnValue:
    result = services().communities.apply_for_assistance(
        actor(), needs=body.needs, subjects=list(body.subjects)
    )
    return done(result, 201)


@communities(
    "POST",
    "/assistance/<application_id>/assign",
    summary="Assign a helper school: founds their community",
    body=i.Assignment,
    answer=Done,
    status=201,
)
def assign_helper(application_id: str, body: i.Assignment) -> ResponseReturnValue:
    result = services().communities.assign_helper(
        actor(),
        parse_id(application_id),
        helper_school_id=body.helper_school_id,
        founded_on=body.founded_on,
        round_start_year=body.round_start_year,
        round_end_year=body.round_end_year,
    )
    return done(result, 201, url_for("api.get_community", community_id=result.id))


@communities(
    "POST",
    "/assistance/<application_id>/decline",
    summary="Decline an application for assistance",
    body=i.Declining,
    answer=Done,
)
def decline_application(application_id: str, body: i.Declining) -> ResponseReturnValue:
    return done(
        services().communities.decline_application(
            actor(), parse_id(application_id), reason=body.reason
        )
    )


# Settings -----------------------------------------------------------------------------------------


@settings(
    "GET",
    "/settings/community-types",
    summary="The bureau's community types",
    answer=items_of(CommunityType),
)
def community_types() -> ResponseReturnValue:
    return items(services().communities.community_types(actor()))


@settings(
    "PUT",
    "/settings/community-types",
    summary="Add or change a community type",
    body=i.TypeSetting,
    answer=Done,
)
def set_community_type(body: i.TypeSetting) -> ResponseReturnValue:
    result = services().communities.set_community_type(
        actor(), key=body.key, name=body.name, max_schools=body.max_schools
    )
    return done(result)


@settings(
    "GET",
    "/settings/plan-years/<year>",
    summary="A plan year's settings",
    path={"year": YEAR_PATH},
    answer=PlanYearSettings,
)
def get_plan_year(year: str) -> ResponseReturnValue:
    return one(services().communities.settings_page(actor(), _year(year)).year)


@settings(
    "PUT",
    "/settings/plan-years/<year>",
    summary="Set a plan year's checkpoints, targets and limits",
    path={"year": YEAR_PATH},
    body=i.PlanYear,
    answer=Done,
)
def set_plan_year(year: str, body: i.PlanYear) -> ResponseReturnValue:
    settings = PlanYearSettings(
        year=_year(year),
        checkpoints=sorted(
            (Checkpoint(c.due, c.required) for c in body.checkpoints), key=lambda c: c.due
        ),
        targets=dict(body.targets),
        plan_deadline=body.plan_deadline,
        shadow_placement_days=body.shadow_placement_days,
        mentor_max_mentees=body.mentor_max_mentees,
    )
    return done(services().communities.set_plan_year(actor(), settings))
