"""The API of progress: the dashboard, a community's figures and events, seals and the quarterly report.

Each endpoint parses its input, calls one service method and answers JSON, like ``web.api.views``.
"""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import Any

from flask.typing import ResponseReturnValue

from projections.communities import SealRow
from services.progress import DashboardFilter
from services.report_pages import CommunityLine, DrillLine
from services.reports import ReportService
from web.api import inputs as i
from web.api.base import actor, done, items, jsonable
from web.api.contract import operation
from web.api.outputs import Done, Open, items_of
from web.api.years import YEAR_PATH, _year
from web.current import parse_id, services

progress = partial(operation, tag="progress")


def _today() -> date:
    return services().plans.ctx.today()


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
    from services.report_pages import _Names

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
