"""Online research (网络教研) pages: a teacher's sessions and check-in on a phone, a group, a session
(sign up, check in, posts, the host's code and attendance), and training hours (学时).

Each view parses its input, calls one service method and renders.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required

from domain.research import SESSION_KIND_NAMES
from services.actor import Done
from services.clock import LOCAL_TIME
from services.errors import DomainError
from services.evidence import MAX_EVIDENCE_BYTES
from web import labels
from web.current import actor, parse_id, services, settle
from web.evidence import content_disposition, uploaded
from web.i18n import bilingual

bp = Blueprint("research", __name__, url_prefix="/research")
labels.register(bp)

MAX_FILES = 3
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.record_once
def _filters(state: Any) -> None:
    state.app.jinja_env.filters.setdefault(
        "session_kind",
        lambda code: bilingual(SESSION_KIND_NAMES[code]) if code in SESSION_KIND_NAMES else code,
    )


@bp.context_processor
def _choices() -> dict[str, Any]:
    return {"session_kinds": list(SESSION_KIND_NAMES), "max_files": MAX_FILES}


@bp.url_value_preprocessor
def _evidence_limit(endpoint: str | None, values: dict[str, Any] | None) -> None:
    if endpoint == "research.post":
        request.max_content_length = MAX_FILES * MAX_EVIDENCE_BYTES + 1024 * 1024


@bp.before_request
@login_required
def _signed_in() -> None:
    """Every research page needs a signed-in user; the services decide who sees what."""


def _done(done: Done, message: str, to: str) -> ResponseReturnValue:
    settle(done.position)
    flash(bilingual(message), "ok")
    return redirect(to)


def _local_time(raw: str | None, what: str) -> datetime:
    """A time typed in a datetime-local field: the schools' own time (Beijing)."""
    try:
        return datetime.fromisoformat((raw or "").strip()).replace(tzinfo=LOCAL_TIME)
    except ValueError:
        zh, en = what.split(" / ", 1)
        raise DomainError(f"请填写{zh} / Fill in {en}") from None


def _optional_id(raw: str | None) -> UUID | None:
    text = (raw or "").strip()
    return parse_id(text) if text else None


# A teacher's page ---------------------------------------------------------------------------


def _home(status: int = 200, **context: Any) -> ResponseReturnValue:
    me = actor()
    page = services().research.home(me)
    hours = (
        services().training_hours.ledger(me, me.user_id)
        if me.user_id is not None and me.school_id is not None
        else None
    )
    certificate = (
        services().certificates.of_year(me, me.user_id, hours.year)
        if hours is not None and me.user_id is not None
        else None
    )
    return (
        render_template(
            "research/index.html", page=page, hours=hours, certificate=certificate, **context
        ),
        status,
    )


@bp.get("")
def index() -> ResponseReturnValue:
    return _home()


@bp.post("/check-in")
def check_in_by_code() -> ResponseReturnValue:
    try:
        done = services().research.check_in_by_code(actor(), request.form.get("code", ""))
    except DomainError as exc:
        return _home(422, errors=[bilingual(exc)])
    return _done(done, "已签到 / Checked in", url_for(".session", research_session_id=done.id))


@bp.post("/certificates")
def issue_certificate() -> ResponseReturnValue:
    """The teacher takes this school year's certificate once the hours meet the requirement."""
    me = actor()
    try:
        if me.user_id is None:
            raise DomainError("只有教师可以获得证书 / A certificate is for a teacher")
        done = services().certificates.issue(me, me.user_id)
    except DomainError as exc:
        return _home(422, errors=[bilingual(exc)])
    settle(done.position)
    return redirect(url_for("certificates.certificate", certificate_id=done.id))


# A group -------------------------------------------------------------------------------------


def _group_page(group_id: UUID, status: int = 200, **context: Any) -> ResponseReturnValue:
    line = services().research.group_page(actor(), group_id)
    plans = services().lesson_plans.plans_of_group(actor(), group_id)
    context.setdefault("form", request.form if request.method == "POST" else {})
    return render_template("research/group.html", g=line, plans=plans, **context), status


@bp.get("/groups/<group_id>")
def group(group_id: str) -> ResponseReturnValue:
    return _group_page(parse_id(group_id))


@bp.post("/groups/<group_id>/join")
def join(group_id: str) -> ResponseReturnValue:
    gid = parse_id(group_id)
    try:
        done = services().research.request_to_join(actor(), gid)
    except DomainError as exc:
        return _group_page(gid, 422, errors=[bilingual(exc)])
    return _done(
        done,
        "已申请，等待本校管理员审核 / Asked; your school admin decides",
        url_for(".group", group_id=gid),
    )


@bp.post("/groups/<group_id>/members")
def add_member(group_id: str) -> ResponseReturnValue:
    gid = parse_id(group_id)
    try:
        user_id = _optional_id(request.form.get("user_id"))
        if user_id is None:
            raise DomainError("请选择教师 / Choose a teacher")
        done = services().research.add_member(actor(), gid, user_id)
    except DomainError as exc:
        return _group_page(gid, 422, errors=[bilingual(exc)])
    return _done(done, "已加入教研组 / Added to the group", url_for(".group", group_id=gid))


@bp.post("/groups/<group_id>/sessions")
def schedule(group_id: str) -> ResponseReturnValue:
    gid, form = parse_id(group_id), request.form
    try:
        host_id = _optional_id(form.get("host_id")) or actor().user_id
        assert host_id is not None
        done = services().research.schedule(
            actor(),
            gid,
            kind=form.get("kind", ""),
            theme=form.get("theme", ""),
            starts_at=_local_time(form.get("starts_at"), "开始时间 / the start"),
            ends_at=_local_time(form.get("ends_at"), "结束时间 / the end"),
            host_id=host_id,
            expert_id=_optional_id(form.get("expert_id")),
            meeting_link=form.get("meeting_link", ""),
        )
    except DomainError as exc:
        return _group_page(gid, 422, errors=[bilingual(exc)])
    return _done(
        done, "已安排研修活动 / Session scheduled", url_for(".session", research_session_id=done.id)
    )


# A session -----------------------------------------------------------------------------------


def _session_page(session_id: UUID, status: int = 200, **context: Any) -> ResponseReturnValue:
    page = services().research.session_page(actor(), session_id)
    context.setdefault("form", request.form if request.method == "POST" else {})
    return render_template("research/session.html", p=page, **context), status


@bp.get("/sessions/<research_session_id>")
def session(research_session_id: str) -> ResponseReturnValue:
    return _session_page(parse_id(research_session_id))


def _session_command(research_session_id: str, message: str, command: Any) -> ResponseReturnValue:
    sid = parse_id(research_session_id)
    try:
        done = command(sid)
    except DomainError as exc:
        return _session_page(sid, 422, errors=[bilingual(exc)])
    return _done(done, message, url_for(".session", research_session_id=sid))


@bp.post("/sessions/<research_session_id>/sign-up")
def sign_up(research_session_id: str) -> ResponseReturnValue:
    return _session_command(
        research_session_id,
        "已报名 / Signed up",
        lambda sid: services().research.sign_up(actor(), sid),
    )


@bp.post("/sessions/<research_session_id>/check-in")
def check_in(research_session_id: str) -> ResponseReturnValue:
    return _session_command(
        research_session_id,
        "已签到 / Checked in",
        lambda sid: services().research.check_in(actor(), sid),
    )


@bp.post("/sessions/<research_session_id>/attendance")
def attendance(research_session_id: str) -> ResponseReturnValue:
    def record(sid: UUID) -> Done:
        user_id = _optional_id(request.form.get("user_id"))
        if user_id is None:
            raise DomainError("请选择教师 / Choose a teacher")
        return services().research.record_attendance(
            actor(), sid, user_id, late=request.form.get("late") == "1"
        )

    return _session_command(research_session_id, "已登记出席 / Attendance recorded", record)


@bp.post("/sessions/<research_session_id>/posts")
def post(research_session_id: str) -> ResponseReturnValue:
    return _session_command(
        research_session_id,
        "已发布 / Posted",
        lambda sid: services().research.post(
            actor(),
            sid,
            text=request.form.get("text", ""),
            reply_to=request.form.get("reply_to", "").strip(),
            uploads=uploaded(MAX_FILES),
        ),
    )


@bp.get("/sessions/<research_session_id>/posts/<post_id>/files/<sha256>")
def post_file(research_session_id: str, post_id: str, sha256: str) -> ResponseReturnValue:
    data = services().research.post_file(actor(), parse_id(research_session_id), post_id, sha256)
    response = Response(data, mimetype="application/octet-stream")
    response.headers["Content-Disposition"] = content_disposition("attachment", f"{sha256[:12]}")
    return response


# Training hours ------------------------------------------------------------------------------


@bp.get("/schools/<school_id>/hours")
def school_hours(school_id: str) -> ResponseReturnValue:
    sid = parse_id(school_id)
    lines = services().training_hours.school_table(actor(), sid)
    return render_template("research/hours.html", lines=lines, school_id=sid)


@bp.get("/schools/<school_id>/hours.xlsx")
def school_hours_xlsx(school_id: str) -> ResponseReturnValue:
    data = services().training_hours.school_workbook(actor(), parse_id(school_id))
    response = Response(data, mimetype=XLSX)
    response.headers["Content-Disposition"] = content_disposition("attachment", "学时.xlsx")
    return response
