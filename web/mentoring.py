"""Paired mentoring (师徒结对): a teacher's pairs and quick record form, a pair's records, a school's
pairs and pairing form, and a community's counts.

Each view parses its input, calls one service method and renders. What a pair wrote (summaries,
dispute comments, evidence) reaches a template only for the pair and their two school admins: the
service redacts it for everyone else, so a page cannot show what it never received.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required
from werkzeug.datastructures import MultiDict

from services.actor import Done
from services.errors import DomainError, Forbidden
from services.evidence import MAX_EVIDENCE_BYTES
from web import labels
from web.current import actor, parse_id, services, settle
from web.evidence import send_evidence, uploaded
from web.forms import form_date
from web.i18n import bilingual

bp = Blueprint("mentoring", __name__, url_prefix="/mentoring")
labels.register(bp)

KINDS = {
    "observation": "听课 / Lesson observation",
    "critique": "评课 / Lesson critique",
    "guided_preparation": "指导备课 / Guided preparation",
    "demonstration": "示范课 / Demonstration lesson",
    "talk": "专题交流 / Talk or exchange",
}
MODES = {"offline": "线下 / Offline", "online": "线上 / Online"}
STATUSES = {
    "pending": "待确认 / Awaiting confirmation",
    "confirmed": "已确认 / Confirmed",
    "disputed": "有异议 / Disputed",
}
SIDES = {"mentor": "导师 / Mentor", "mentee": "徒弟 / Mentee"}
#: The duration chips of the quick record form (a lesson is 40 or 45 minutes here).
PRESET_MINUTES = (40, 45, 60, 90)
#: Evidence files one record may carry in a request (photos from a phone are a few MB each).
MAX_FILES = 3
EVIDENCE_REQUEST_BYTES = MAX_FILES * MAX_EVIDENCE_BYTES + 1024 * 1024


def _label(table: dict[str, str]) -> Any:
    def pick(code: str) -> str:
        return bilingual(table[code]) if code in table else str(code)

    return pick


FILTERS = {
    "mentoring_kind": _label(KINDS),
    "mentoring_mode": _label(MODES),
    "mentoring_status": _label(STATUSES),
    "mentoring_side": _label(SIDES),
}


@bp.record_once
def _filters(state: Any) -> None:
    for name, function in FILTERS.items():
        state.app.jinja_env.filters.setdefault(name, function)


@bp.context_processor
def _choices() -> dict[str, Any]:
    return {
        "kinds": list(KINDS),
        "modes": list(MODES),
        "preset_minutes": PRESET_MINUTES,
        "max_files": MAX_FILES,
    }


@bp.url_value_preprocessor
def _evidence_limit(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """A record may carry photos larger than the app's general request limit (before CSRF reads)."""
    if endpoint == "mentoring.record":
        request.max_content_length = EVIDENCE_REQUEST_BYTES


@bp.before_request
@login_required
def _signed_in() -> None:
    """Every mentoring page needs a signed-in user; the services decide who sees what."""


# Parsing forms ------------------------------------------------------------------------------


def _chosen_id(raw: str | None, message: str) -> UUID:
    """An id chosen in a form (a radio button or a select); none chosen breaks a rule of the form."""
    text = (raw or "").strip()
    if not text:
        raise DomainError(message)
    return parse_id(text)


def _minutes(form: MultiDict[str, str]) -> int:
    """The duration: a number typed in "其他" wins over a chip, so typing is enough."""
    custom = form.get("minutes_custom", "").strip()
    chip = form.get("minutes", "").strip()
    text = custom or ("" if chip == "custom" else chip)
    if not text:
        raise DomainError("请选择时长 / Choose how long it took")
    if not text.isdigit():
        raise DomainError("时长应为分钟数，如45 / The duration is a number of minutes, such as 45")
    return int(text)


def _choice(form: MultiDict[str, str], name: str, allowed: dict[str, str], what: str) -> str:
    value = form.get(name, "").strip()
    if value not in allowed:
        zh, en = what.split(" / ", 1)
        raise DomainError(f"请选择{zh} / Choose the {en}")
    return value


def _done(done: Done, message: str, to: str) -> ResponseReturnValue:
    """After a command: wait until the pages show it, say so, and go back."""
    settle(done.position)
    flash(bilingual(message), "ok")
    return redirect(to)


# The teacher's page and the quick record form -----------------------------------------------


def _home(status: int = 200, **context: Any) -> ResponseReturnValue:
    page = services().mentoring.home(actor())
    context.setdefault("form", MultiDict())
    return render_template("mentoring/index.html", page=page, **context), status


@bp.get("")
def index() -> ResponseReturnValue:
    return _home()


@bp.post("/records")
def record() -> ResponseReturnValue:
    me, form = actor(), request.form
    try:
        pair_id = _chosen_id(form.get("pair_id"), "请选择结对 / Choose the pairing")
        done = services().mentoring.record(
            me,
            pair_id,
            kind=_choice(form, "kind", KINDS, "活动类型 / kind of activity"),
            mode=_choice(form, "mode", MODES, "线上或线下 / mode, online or offline"),
            occurred_on=form_date(form.get("occurred_on"), "活动日期 / date of the activity"),
            minutes=_minutes(form),
            summary=form.get("summary", ""),
            uploads=uploaded(MAX_FILES),
        )
    except DomainError as exc:
        return _home(422, errors=[bilingual(exc)], form=form, failed="record")
    return _done(
        done,
        "已记录，等待对方确认 / Recorded; waiting for the other side to confirm",
        url_for(".index"),
    )


# A pair's page ------------------------------------------------------------------------------


def _pair_page(pair_id: UUID, status: int = 200, **context: Any) -> ResponseReturnValue:
    summary, records, readable = services().mentoring.pair_detail(actor(), pair_id)
    context.setdefault("form", MultiDict())
    return (
        render_template(
            "mentoring/pair.html", s=summary, records=records, readable=readable, **context
        ),
        status,
    )


@bp.get("/pairs/<pair_id>")
def pair(pair_id: str) -> ResponseReturnValue:
    return _pair_page(parse_id(pair_id))


def _back(pid: UUID) -> str:
    """Where a confirmation returns: the teacher's page it was made on, or the pair's page."""
    if request.form.get("back") == "home":
        return url_for(".index") + "#awaiting"
    return url_for(".pair", pair_id=pid) + "#records"


def _answer_failed(pid: UUID, exc: DomainError, record_id: str) -> ResponseReturnValue:
    context = {
        "errors": [bilingual(exc)],
        "form": request.form,
        "failed": f"answer-{pid}-{record_id}",
    }
    if request.form.get("back") == "home":
        return _home(422, **context)
    return _pair_page(pid, 422, **context)


@bp.post("/pairs/<pair_id>/records/<record_id>/confirm")
def confirm(pair_id: str, record_id: str) -> ResponseReturnValue:
    pid = parse_id(pair_id)
    try:
        done = services().mentoring.confirm(actor(), pid, record_id)
    except DomainError as exc:
        return _answer_failed(pid, exc, record_id)
    return _done(done, "已确认，计入本年度 / Confirmed; it counts for this year", _back(pid))


@bp.post("/pairs/<pair_id>/records/<record_id>/dispute")
def dispute(pair_id: str, record_id: str) -> ResponseReturnValue:
    pid = parse_id(pair_id)
    try:
        done = services().mentoring.dispute(
            actor(), pid, record_id, comment=request.form.get("comment", "")
        )
    except DomainError as exc:
        return _answer_failed(pid, exc, record_id)
    return _done(
        done, "已提出异议，对方会看到您的说明 / Disputed; the other side sees why", _back(pid)
    )


@bp.get("/pairs/<pair_id>/records/<record_id>/evidence/<sha256>")
def evidence(pair_id: str, record_id: str, sha256: str) -> ResponseReturnValue:
    found = services().mentoring.evidence(actor(), parse_id(pair_id), record_id, sha256)
    return send_evidence(found)


# A school's pairs, pairing and ending early ---------------------------------------------------


def _school_page(school_id: UUID, status: int = 200, **context: Any) -> ResponseReturnValue:
    page = services().mentoring.school_page(actor(), school_id)
    context.setdefault("form", MultiDict())
    return render_template("mentoring/school.html", page=page, **context), status


@bp.get("/schools/<school_id>")
def school(school_id: str) -> ResponseReturnValue:
    return _school_page(parse_id(school_id))


def _from_own_school(sid: UUID) -> None:
    """A school page's forms act from one's own school's page only; another answers as its page."""
    me = actor()
    if me.school_id != sid:
        services().mentoring.school_page(me, sid)  # another tenant's school: NotFound
        raise Forbidden("只能在本校页面操作 / Only from your own school's page")


@bp.post("/schools/<school_id>/pairs")
def pair_up(school_id: str) -> ResponseReturnValue:
    """The core school's admin pairs a mentor with a mentee in a community the school leads."""
    me, sid, form = actor(), parse_id(school_id), request.form
    _from_own_school(sid)
    community = form.get("community_id", "")
    try:
        done = services().mentoring.pair(
            me,
            _chosen_id(community, "请选择教共体 / Choose the community"),
            mentor_id=_chosen_id(form.get("mentor_id"), "请选择导师 / Choose the mentor"),
            mentee_id=_chosen_id(form.get("mentee_id"), "请选择徒弟 / Choose the mentee"),
            paired_on=form_date(form.get("paired_on"), "结对日期 / pairing date"),
            ends_on=form_date(form.get("ends_on"), "结对期结束日期 / end of the pairing period"),
        )
    except DomainError as exc:
        return _school_page(
            sid, 422, errors=[bilingual(exc)], form=form, failed=f"pair-{community}"
        )
    return _done(
        done,
        "已结对 / Paired",
        url_for(".school", school_id=sid) + "#pairs",
    )


@bp.post("/pairs/<pair_id>/end")
def end(pair_id: str) -> ResponseReturnValue:
    """A school admin ends a pairing early, from the pair's page or their school's (``back``).

    A refusal is shown on the pair's page, which answers "not found" to anyone who may not see it.
    """
    me, pid, form = actor(), parse_id(pair_id), request.form
    try:
        done = services().mentoring.end(
            me,
            pid,
            on=form_date(form.get("ended_on"), "结束日期 / end date"),
            reason=form.get("reason", ""),
        )
    except DomainError as exc:
        return _pair_page(pid, 422, errors=[bilingual(exc)], form=form, failed="end")
    if form.get("back") == "school" and me.school_id is not None:
        back = url_for(".school", school_id=me.school_id) + "#pairs"
    else:
        back = url_for(".pair", pair_id=pid)
    return _done(done, "结对已提前结束 / The pairing has ended", back)


# A community's counts -----------------------------------------------------------------------


@bp.get("/communities/<community_id>")
def community(community_id: str) -> ResponseReturnValue:
    page = services().mentoring.community_page(actor(), parse_id(community_id))
    return render_template("mentoring/community.html", page=page)
