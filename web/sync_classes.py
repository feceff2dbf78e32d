"""Synchronized classes (同步课堂): a teacher's week on a phone, a community's timetables, the
master timetable with its slots and week grid, a school's lessons and figures, and one lesson with
its five syncs (preparation, delivery with attendance, feedback, reflection).

Each view parses its input, calls one service method and renders; a refused command shows the same
page again with the reason (422) and stores nothing.
"""

from __future__ import annotations

import io
from datetime import date
from typing import Any
from uuid import UUID

from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required
from werkzeug.datastructures import MultiDict

from domain.sync_session import Quality
from services.actor import Done
from services.errors import DomainError, NotFound
from services.evidence import MAX_EVIDENCE_BYTES
from services.sync_classes import Receiver
from services.sync_workbook import timetable_workbook
from web import labels
from web.current import actor, parse_id, runtime, seen, services, settle
from web.evidence import uploaded
from web.forms import form_date
from web.i18n import bilingual
from web.page_cache import cached_page

bp = Blueprint("sync", __name__, url_prefix="/sync")
labels.register(bp)

QUALITIES = {
    Quality.GOOD: "良好 / Good",
    Quality.INTERRUPTED: "中断 / Interrupted",
    Quality.FAILED: "失败 / Failed",
}
STATUSES = {
    "planned": "待上 / Planned",
    "delivered": "已上 / Delivered",
    "cancelled": "已取消 / Cancelled",
}
ANSWERS = {
    "pending": "待答复 / Awaiting answer",
    "accepted": "已接受 / Accepted",
    "declined": "已拒绝 / Declined",
}
#: The views a school's sync-class page is drawn from (its cached copy is dropped when one moves).
SCHOOL_PAGE_VIEWS = ("sync_classes", "directory", "communities")
#: Receiving classes one slot form offers (a slot may have more; the API takes any number).
RECEIVER_ROWS = 3
MAX_FILES = 3


def _label(table: dict[str, str]) -> Any:
    def pick(code: str) -> str:
        return bilingual(table[code]) if code in table else str(code)

    return pick


FILTERS = {
    "sync_quality": _label({str(k): v for k, v in QUALITIES.items()}),
    "sync_status": _label(STATUSES),
    "sync_answer": _label(ANSWERS),
    "sync_text": bilingual,
}


@bp.record_once
def _filters(state: Any) -> None:
    for name, function in FILTERS.items():
        state.app.jinja_env.filters.setdefault(name, function)


@bp.context_processor
def _choices() -> dict[str, Any]:
    return {"qualities": list(QUALITIES), "receiver_rows": RECEIVER_ROWS, "max_files": MAX_FILES}


@bp.url_value_preprocessor
def _evidence_limit(endpoint: str | None, values: dict[str, Any] | None) -> None:
    if endpoint == "sync.deliver":
        request.max_content_length = MAX_FILES * MAX_EVIDENCE_BYTES + 1024 * 1024


@bp.before_request
@login_required
def _signed_in() -> None:
    """Every page needs a signed-in user; the services decide who sees what."""


# Parsing forms ------------------------------------------------------------------------------


def _number(form: MultiDict[str, str], name: str, what: str, *, default: int | None = None) -> int:
    text = form.get(name, "").strip()
    zh, en = what.split(" / ", 1)
    if not text and default is not None:
        return default
    if not text:
        raise DomainError(f"请填写{zh} / Enter the {en}")
    if not text.isdigit() or len(text) > 9:
        raise DomainError(f"{zh}应为整数 / The {en} must be a whole number")
    return int(text)


def _percent(form: MultiDict[str, str], name: str, what: str) -> float:
    text = form.get(name, "").strip()
    zh, en = what.split(" / ", 1)
    try:
        return float(text)
    except ValueError as exc:
        raise DomainError(f"{zh}应为0到100之间的数 / The {en} is a number from 0 to 100") from exc


def _week() -> date | None:
    raw = request.args.get("week", "").strip()
    return form_date(raw, "周 / week") if raw else None


def _receivers(form: MultiDict[str, str]) -> list[Receiver]:
    found = []
    for i in range(1, RECEIVER_ROWS + 1):
        chosen = form.get(f"receiver_class_{i}", "").strip()
        teacher = form.get(f"receiver_teacher_{i}", "").strip()
        if not chosen and not teacher:
            continue
        if "/" not in chosen or not teacher:
            raise DomainError(
                "请为每个接收班级选择班级和助教 / Choose the class and teacher of each receiving class"
            )
        school, class_id = chosen.split("/", 1)
        found.append(Receiver(parse_id(school), class_id, parse_id(teacher)))
    return found


def _done(done: Done, message: str, to: str) -> ResponseReturnValue:
    settle(done.position)
    flash(bilingual(message), "ok")
    return redirect(to)


def _failed(exc: DomainError) -> dict[str, Any]:
    return {"errors": [bilingual(exc)], "form": request.form, "failed": request.endpoint}


# A teacher's week ---------------------------------------------------------------------------


@bp.get("")
def index() -> ResponseReturnValue:
    """我本周的同步课, and the pages of the communities and school one takes part in."""
    me = actor()
    week = services().sync_pages.my_week(me, _week())
    communities = services().sync_pages.my_communities(me)
    return render_template("sync/index.html", week=week, communities=communities)


# A community's timetables -------------------------------------------------------------------


def _community_page(cid: UUID, status: int = 200, **context: Any) -> ResponseReturnValue:
    scope, tables, may_edit = services().sync_pages.timetables(actor(), cid)
    context.setdefault("form", MultiDict())
    return (
        render_template(
            "sync/community.html", scope=scope, tables=tables, may_edit=may_edit, **context
        ),
        status,
    )


@bp.get("/communities/<community_id>")
def community(community_id: str) -> ResponseReturnValue:
    return _community_page(parse_id(community_id))


@bp.post("/communities/<community_id>/timetables")
def draft(community_id: str) -> ResponseReturnValue:
    cid, form = parse_id(community_id), request.form
    services().sync_classes.require_visible(actor(), community_id=cid)
    try:
        done = services().sync_classes.draft_timetable(
            actor(),
            cid,
            name=form.get("name", ""),
            starts_on=form_date(form.get("starts_on"), "学期开始日期 / first day of the semester"),
            ends_on=form_date(form.get("ends_on"), "学期结束日期 / last day of the semester"),
        )
    except DomainError as exc:
        return _community_page(cid, 422, **_failed(exc))
    return _done(
        done, "大课表已建立 / Timetable drafted", url_for(".timetable", timetable_id=done.id)
    )


# The master timetable -----------------------------------------------------------------------


def _timetable_page(tid: UUID, status: int = 200, **context: Any) -> ResponseReturnValue:
    page = services().sync_pages.timetable_page(actor(), tid, _week())
    context.setdefault("form", MultiDict())
    return render_template("sync/timetable.html", page=page, **context), status


@bp.get("/timetables/<timetable_id>")
def timetable(timetable_id: str) -> ResponseReturnValue:
    return _timetable_page(parse_id(timetable_id))


@bp.get("/timetables/<timetable_id>/timetable.xlsx")
def workbook(timetable_id: str) -> ResponseReturnValue:
    """The timetable to print: one sheet per school, in its own periods."""
    page = services().sync_pages.timetable_page(actor(), parse_id(timetable_id), None)
    return send_file(
        io.BytesIO(timetable_workbook(page)),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        as_attachment=True,
        download_name=f"同步课堂课表-{page.timetable.name}.xlsx",
        max_age=0,
    )


@bp.post("/timetables/<timetable_id>/slots")
def propose(timetable_id: str) -> ResponseReturnValue:
    tid, form = parse_id(timetable_id), request.form
    services().sync_classes.require_visible(actor(), timetable_id=tid)
    try:
        teacher = form.get("host_teacher_id", "").strip()
        if not teacher:
            raise DomainError("请选择主讲教师 / Choose the host teacher")
        done = services().sync_classes.propose_slot(
            actor(),
            tid,
            weekday=_number(form, "weekday", "星期 / weekday"),
            period=_number(form, "period", "节次 / period"),
            subject=form.get("subject", ""),
            grade=_number(form, "grade", "年级 / grade"),
            host_class_id=form.get("host_class_id", "").strip(),
            host_teacher_id=parse_id(teacher),
            receivers=_receivers(form),
        )
    except DomainError as exc:
        return _timetable_page(tid, 422, **_failed(exc))
    return _done(
        done,
        "时段已提出，等待成员校答复 / Slot proposed; waiting for the member schools",
        url_for(".timetable", timetable_id=tid) + "#slots",
    )


@bp.post("/timetables/<timetable_id>/slots/<slot_id>/answer")
def answer(timetable_id: str, slot_id: str) -> ResponseReturnValue:
    tid, form = parse_id(timetable_id), request.form
    services().sync_classes.require_visible(actor(), timetable_id=tid)
    accept = form.get("answer") == "accept"
    try:
        done = services().sync_classes.answer_slot(
            actor(), tid, slot_id, accept=accept, reason=form.get("reason", "")
        )
    except DomainError as exc:
        return _timetable_page(tid, 422, **_failed(exc))
    message = "已接受 / Accepted" if accept else "已拒绝 / Declined"
    back = request.form.get("back", "")
    me = actor()
    if back == "school" and me.school_id is not None:
        return _done(done, message, url_for(".school", school_id=me.school_id))
    return _done(done, message, url_for(".timetable", timetable_id=tid) + "#slots")


@bp.post("/timetables/<timetable_id>/generate")
def generate(timetable_id: str) -> ResponseReturnValue:
    tid = parse_id(timetable_id)
    try:
        done = services().sync_classes.generate_sessions(actor(), tid)
    except DomainError as exc:
        return _timetable_page(tid, 422, **_failed(exc))
    return _done(
        done,
        "已生成本学期课次 / The semester's lessons are generated",
        url_for(".timetable", timetable_id=tid),
    )


@bp.post("/timetables/<timetable_id>/slots/<slot_id>/extra")
def extra(timetable_id: str, slot_id: str) -> ResponseReturnValue:
    tid, form = parse_id(timetable_id), request.form
    services().sync_classes.require_visible(actor(), timetable_id=tid)
    try:
        done = services().sync_classes.add_extra_session(
            actor(),
            tid,
            slot_id,
            on=form_date(form.get("on"), "日期 / date"),
            period=_number(form, "period", "节次 / period"),
        )
    except DomainError as exc:
        return _timetable_page(tid, 422, **_failed(exc))
    return _done(done, "已加课 / Extra lesson added", url_for(".session", lesson_id=done.id))


# A school's lessons -------------------------------------------------------------------------


@bp.get("/schools/<school_id>")
def school(school_id: str) -> ResponseReturnValue:
    """The week grid teachers look at all day: kept per session until a view it reads moves."""
    sid, week = parse_id(school_id), _week()
    version = tuple(runtime().positions_of(v, at_least=seen()) for v in SCHOOL_PAGE_VIEWS)

    def draw() -> ResponseReturnValue:
        page = services().sync_pages.school_page(actor(), sid, week)
        return render_template("sync/school.html", page=page, form=MultiDict())

    return cached_page(version, draw, services().sync_pages.ctx.today())


# One lesson ---------------------------------------------------------------------------------


def _session_page(sid: UUID, status: int = 200, **context: Any) -> ResponseReturnValue:
    page = services().sync_pages.session_page(actor(), sid)
    context.setdefault("form", MultiDict())
    return render_template("sync/session.html", page=page, **context), status


@bp.get("/sessions/<lesson_id>")
def session(lesson_id: str) -> ResponseReturnValue:
    return _session_page(parse_id(lesson_id))


def _revision(name: str) -> int | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 6:
        raise DomainError("请选择两份不同的教案稿 / Choose two different drafts")
    return int(raw)


@bp.get("/sessions/<lesson_id>/compare")
def compare(lesson_id: str) -> ResponseReturnValue:
    """Two revisions of the lesson plan, line by line (the last two unless chosen)."""
    sid = parse_id(lesson_id)
    services().sync_classes.require_visible(actor(), session_id=sid)
    try:
        found = services().sync_pages.compare_drafts(
            actor(), sid, _revision("old"), _revision("new")
        )
    except NotFound:
        raise
    except DomainError as exc:
        return _session_page(sid, 422, **_failed(exc))
    return render_template("sync/compare.html", found=found)


def _on_session(lesson_id: str, command: Any, message: str) -> ResponseReturnValue:
    sid = parse_id(lesson_id)
    services().sync_classes.require_visible(actor(), session_id=sid)
    try:
        done: Done = command(sid, request.form)
    except DomainError as exc:
        return _session_page(sid, 422, **_failed(exc))
    return _done(done, message, url_for(".session", lesson_id=sid))


@bp.post("/sessions/<lesson_id>/reschedule")
def reschedule(lesson_id: str) -> ResponseReturnValue:
    return _on_session(
        lesson_id,
        lambda sid, f: services().sync_classes.reschedule(
            actor(),
            sid,
            on=form_date(f.get("on"), "新日期 / new date"),
            period=_number(f, "period", "节次 / period"),
        ),
        "已改期 / Rescheduled",
    )


@bp.post("/sessions/<lesson_id>/cancel")
def cancel(lesson_id: str) -> ResponseReturnValue:
    return _on_session(
        lesson_id,
        lambda sid, f: services().sync_classes.cancel(actor(), sid, reason=f.get("reason", "")),
        "已取消 / Cancelled",
    )


@bp.post("/sessions/<lesson_id>/swap")
def swap(lesson_id: str) -> ResponseReturnValue:
    def command(sid: UUID, f: MultiDict[str, str]) -> Done:
        teacher = f.get("teacher_id", "").strip()
        if not teacher:
            raise DomainError("请选择教师 / Choose the teacher")
        return services().sync_classes.swap_teacher(actor(), sid, teacher_id=parse_id(teacher))

    return _on_session(lesson_id, command, "已换人主讲 / Another teacher teaches it")


@bp.post("/sessions/<lesson_id>/deliver")
def deliver(lesson_id: str) -> ResponseReturnValue:
    def command(sid: UUID, f: MultiDict[str, str]) -> Done:
        page = services().sync_pages.session_page(actor(), sid)
        attendance = {}
        for i, seat in enumerate(page.lesson.receiving, start=1):
            attendance[f"{seat.school_id}/{seat.class_id}"] = (
                _number(f, f"present_{i}", f"{seat.class_name}出勤人数 / students present"),
                _number(f, f"size_{i}", f"{seat.class_name}班级人数 / class size"),
            )
        return services().sync_classes.deliver(
            actor(),
            sid,
            started=f.get("started", "").strip(),
            ended=f.get("ended", "").strip(),
            attendance=attendance,
            quality=f.get("quality", "").strip(),
            minutes_lost=_number(f, "minutes_lost", "损失分钟数 / minutes lost", default=0),
            recording=f.get("recording", "").strip(),
            uploads=uploaded(MAX_FILES),
        )

    return _on_session(lesson_id, command, "已记录上课与出勤 / Lesson and attendance recorded")


@bp.post("/sessions/<lesson_id>/drafts")
def add_draft(lesson_id: str) -> ResponseReturnValue:
    return _on_session(
        lesson_id,
        lambda sid, f: services().sync_classes.add_draft(actor(), sid, text=f.get("text", "")),
        "教案稿已保存 / Draft saved",
    )


@bp.post("/sessions/<lesson_id>/drafts/<int:revision>/comment")
def comment(lesson_id: str, revision: int) -> ResponseReturnValue:
    return _on_session(
        lesson_id,
        lambda sid, f: services().sync_classes.comment_draft(
            actor(), sid, revision, comment=f.get("comment", "")
        ),
        "已评议 / Comment added",
    )


@bp.post("/sessions/<lesson_id>/drafts/<int:revision>/final")
def finalise(lesson_id: str, revision: int) -> ResponseReturnValue:
    return _on_session(
        lesson_id,
        lambda sid, f: services().sync_classes.finalise_plan(actor(), sid, revision),
        "已定稿 / The plan is final",
    )


@bp.post("/sessions/<lesson_id>/feedback")
def feedback(lesson_id: str) -> ResponseReturnValue:
    return _on_session(
        lesson_id,
        lambda sid, f: services().sync_classes.give_feedback(
            actor(),
            sid,
            student_response=f.get("student_response", ""),
            homework_rate=_percent(f, "homework_rate", "作业完成率 / homework completion rate"),
            quiz_average=_percent(f, "quiz_average", "小测平均分 / quiz average"),
        ),
        "已反馈 / Feedback given",
    )


@bp.post("/sessions/<lesson_id>/reflection")
def reflect(lesson_id: str) -> ResponseReturnValue:
    return _on_session(
        lesson_id,
        lambda sid, f: services().sync_classes.reflect(
            actor(), sid, reflection=f.get("reflection", "")
        ),
        "已保存教学反思 / Reflection saved",
    )
