"""Progress pages: the bureau's dashboard, a community's progress, the drill-down, the quarterly report.

Each view parses the query, makes one call to ``services.reports`` and renders; the figures, names and
the 民生实事 table all come from there. Charts are inline SVG drawn here from the service's points. The
dashboard is kept as drawn until the tenant's version moves (``docs/adr/0008-dashboard-by-tenant-version.md``).
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required
from markupsafe import Markup

from domain.counting import TaskKind
from services import reports as texts
from services.actor import Actor
from services.errors import DomainError
from services.progress import DashboardFilter
from services.reports import STATUS_NAMES, STATUSES, CommunityLine, ReportService
from web import labels
from web.current import actor, parse_id, runtime, seen, services, settle
from web.i18n import bilingual, is_english
from web.page_cache import cached_page

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")
labels.register(bp)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EVENT_TYPES = {
    "Activity.Recorded": "活动记录 / Activity recorded",
    "Activity.PlacementCompleted": "跟岗完成 / Placement completed",
    "Activity.Withdrawn": "撤回记录 / Record withdrawn",
}


@bp.before_request
@login_required
def _signed_in() -> None:
    """Every progress page needs a signed-in user; the services decide who sees what."""


def reports() -> ReportService:
    progress = services().progress
    return ReportService(progress.ctx, progress)


# Input ------------------------------------------------------------------------------------------


def _as_of() -> date | None:
    raw = request.args.get("as_of", "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        abort(400)


def _year(raw: str | None) -> int | None:
    text = (raw or "").strip()
    if not text:
        return None
    if not text.isdigit() or not 2000 <= int(text) <= 2100:
        abort(400)
    return int(text)


def _filters() -> DashboardFilter:
    args = request.args
    status = args.get("status", "").strip() or None
    if status is not None and status not in STATUSES:
        abort(400)
    school = args.get("school", "").strip()
    school_id: UUID | None = None
    if school:
        try:
            school_id = UUID(school)
        except ValueError:
            abort(400)
    return DashboardFilter(
        kind=args.get("kind", "").strip() or None, school_id=school_id, status=status
    )


def _school_text() -> str:
    text = request.args.get("school_q", "").strip()
    if len(text) > 100:
        abort(400)
    return text


def _page() -> int:
    raw = request.args.get("page", "1")
    return int(raw) if raw.isdigit() else 1


# Pages ------------------------------------------------------------------------------------------


@bp.get("")
def index() -> ResponseReturnValue:
    who, service = actor(), reports()
    as_of, filters, school_text, page = _as_of(), _filters(), _school_text(), _page()
    # The tenant's version, once the view has the reader's own last write (checks the permission).
    version, known = service.dashboard_version(who, at_least=seen())
    drawn: list[Board] = []

    def draw() -> ResponseReturnValue:
        board = _board(
            who,
            version,
            known,
            as_of=as_of,
            filters=filters,
            school_text=school_text,
            page=page,
        )
        drawn.append(board)
        return render_template("dashboard/index.html", board=board, may_seal=service.may_seal(who))

    # The frame shows who is asking (name, menu by roles): the actor is part of the page's key.
    response = cached_page(
        (version,),
        draw,
        service.today(),
        who,
        keep=lambda: all(b.kept for b in drawn),
    )
    if drawn and drawn[0].stale:
        # The previous drawing, served while this version is computed (made after the reader's
        # own last write): say which version it is.
        response.headers["X-Dashboard-Version"] = str(drawn[0].version)
        response.headers["X-Dashboard-Stale"] = "1"
    return response


@dataclass(frozen=True)
class Board:
    """The dashboard's content as rendered, with what the seal form beside it needs."""

    html: Markup
    as_of: date
    sealed: list[int]  # the quarters of the as-of year already sealed
    version: int  # the tenant's version it was drawn at
    stale: bool = False  # an older version than asked, served while that one is drawn
    kept: bool = True  # whether it is the one kept for this version


def _board(
    who: Actor,
    version: int,
    known: int,
    *,
    as_of: date | None,
    filters: DashboardFilter,
    school_text: str,
    page: int,
) -> Board:
    """Rendered once per query and tenant version, then served from ``runtime().pages`` until
    an event of the tenant moves the version: a district's dashboard takes seconds to compute
    and draw, and is read far more often than anything changes. One request draws it; the
    others asking meanwhile are served the previous drawing if it was made after their own last
    write, else wait for this one (``infra.position_cache``). It is kept only if the directory
    view (school names) had reached the version too: a school renamed meanwhile would otherwise
    be shown under its old name until the next event."""
    service = reports()
    today = service.today()
    query = [
        str(who.tenant_id),
        is_english(),
        today.isoformat(),
        (as_of or today).isoformat(),
        filters.kind,
        str(filters.school_id or ""),
        filters.status,
        school_text,
        page,
    ]
    key = "dashboard:" + hashlib.sha256(json.dumps(query).encode()).hexdigest()

    def compute() -> tuple[list[Any], bool]:
        settled = service.settled(version)
        shown = service.dashboard(
            who, as_of=as_of, filters=filters, school_text=school_text, page=page
        )
        html = render_template("dashboard/_board.html", page=shown)
        return [html, shown.as_of.isoformat(), [s.quarter for s in shown.seals]], settled

    served = runtime().pages.computed(key, version, compute, made_at=known, stale_from=seen())
    html, day, sealed = served.value
    kept = not served.stale and runtime().pages.get(key, version) is not None
    # Our own template's output, escaped when it was rendered (Redis is as trusted as sessions).
    return Board(
        Markup(html),  # noqa: S704
        date.fromisoformat(day),
        list(sealed),
        version=int(str(served.version)),
        stale=served.stale,
        kept=kept,
    )


@bp.post("/seal")
def seal() -> ResponseReturnValue:
    form = request.form
    year = _year(form.get("year"))
    quarter = form.get("quarter", "")
    back = url_for("dashboard.index", as_of=form.get("as_of") or None) + "#seals"
    if year is None or not quarter.isdigit():
        abort(400)
    try:
        done = services().progress.seal_quarter(actor(), year=year, quarter=int(quarter))
    except DomainError as exc:
        flash(bilingual(exc), "error")
        return redirect(back)
    settle(done.position)
    name = texts.quarter_name(int(quarter), is_english())
    flash(f"{year} {name} sealed" if is_english() else f"{year}年{name}已封存", "ok")
    return redirect(back)


@bp.get("/mine")
def mine() -> ResponseReturnValue:
    page = reports().mine(actor(), as_of=_as_of())
    return render_template("dashboard/mine.html", page=page)


@bp.get("/communities/<community_id>")
def community(community_id: str) -> ResponseReturnValue:
    page = reports().community(actor(), parse_id(community_id), as_of=_as_of())
    return render_template("dashboard/community.html", page=page)


@bp.get("/communities/<community_id>/events")
def events(community_id: str) -> ResponseReturnValue:
    task = request.args.get("task", "").strip() or None
    if task is not None and task not in set(TaskKind):
        abort(400)
    page = reports().drill_down(actor(), parse_id(community_id), task_kind=task, as_of=_as_of())
    return render_template("dashboard/events.html", page=page)


@bp.get("/export.xlsx")
def export() -> ResponseReturnValue:
    year = _year(request.args.get("year"))
    data = reports().quarterly_xlsx(actor(), year)
    return send_file(
        io.BytesIO(data),
        mimetype=XLSX,
        as_attachment=True,
        download_name=f"教共体进展-{year}.xlsx" if year else "教共体进展.xlsx",
        max_age=0,
    )


@bp.get("/print")
def print_view() -> ResponseReturnValue:
    raw = request.args.get("quarter", "").strip()
    if raw and not raw.isdigit():
        abort(400)
    report = reports().quarterly(actor(), _year(request.args.get("year")))
    quarter = report.quarter(int(raw)) if raw else report.working_quarter()
    return render_template("dashboard/print.html", report=report, quarter=quarter)


# Presentation helpers for the templates ----------------------------------------------------------


@dataclass(frozen=True)
class Chart:
    """The geometry of a small progress chart: progress over time against the checkpoint steps."""

    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    progress: str  # polyline points
    steps: str  # polyline points of the required level
    marks: list[tuple[float, float, str, bool | None]]  # checkpoint: x, y, label, met
    now: tuple[float, float] | None
    ticks: list[tuple[float, str]]
    grid: list[tuple[float, str]]
    summary: str


def chart(line: CommunityLine, *, width: int = 320, height: int = 132) -> Chart | None:
    figures = line.figures
    plan = figures.plan
    if plan is None:
        return None
    left, right, top, bottom = 34, width - 10, 8, height - 22
    span = max((plan.period_end - plan.period_start).days, 1)

    def x(day: date) -> float:
        return round(left + (day - plan.period_start).days / span * (right - left), 1)

    def y(percent: float) -> float:
        return round(bottom - min(max(percent, 0.0), 100.0) / 100 * (bottom - top), 1)

    english = is_english()
    steps: list[tuple[float, float]] = []
    start = plan.period_start
    for checkpoint in figures.checkpoints:
        level = y(checkpoint.required * 100)
        steps += [(x(start), level), (x(checkpoint.due), level)]
        start = checkpoint.due
    points = [(x(day), y(percent)) for day, percent in line.history]
    marks = [
        (
            x(c.due),
            y(c.required * 100),
            f"{texts.day_text(c.due, english)} {texts.fraction_text(c.required)}",
            c.met,
        )
        for c in figures.checkpoints
    ]
    ticks: list[tuple[float, str]] = []
    for c in figures.checkpoints:  # a label too close to the one before it is left out
        if not ticks or x(c.due) - ticks[-1][0] >= 26:
            ticks.append((x(c.due), f"{c.due.month}/{c.due.day}"))
    summary = (
        f"Progress {texts.percent_text(figures.percent)}; required "
        f"{texts.fraction_text(figures.required_now)}"
        if english
        else f"进展{texts.percent_text(figures.percent)}，要求{texts.fraction_text(figures.required_now)}"
    )
    return Chart(
        width=width,
        height=height,
        left=left,
        right=right,
        top=top,
        bottom=bottom,
        progress=" ".join(f"{a},{b}" for a, b in points),
        steps=" ".join(f"{a},{b}" for a, b in steps),
        marks=marks,
        now=points[-1] if points else None,
        ticks=ticks,
        grid=[(y(p), f"{p}%") for p in (0, 50, 100)],
        summary=summary,
    )


@bp.context_processor
def helpers() -> dict[str, Any]:
    english = is_english()
    return {
        "statuses": STATUSES,
        "status_label": lambda s: bilingual(STATUS_NAMES.get(s, s)),
        "pct": texts.percent_text,
        "frac": texts.fraction_text,
        "day": lambda d: texts.day_text(d, english),
        "quarter_label": lambda n: texts.quarter_name(n, english),
        "task_label": lambda kind: texts.task_name(kind, english),
        "forecast_text": lambda f: texts.forecast_text(f, english),
        "amendment_text": lambda a: texts.amendment_text(a, english),
        "reason_label": lambda r: bilingual(texts.NOT_COUNTED_NAMES.get(r, r)),
        "event_label": lambda e: bilingual(EVENT_TYPES.get(e, e)),
        "report_cells": lambda row, q: texts.report_cells(row, q, english),
        "report_title": lambda r, q: texts.report_title(r, q, english),
        "report_subtitle": lambda r, q: texts.report_subtitle(r, q, english),
        "report_columns": [bilingual(c) for c in texts.REPORT_COLUMNS],
        "chart": chart,
    }
