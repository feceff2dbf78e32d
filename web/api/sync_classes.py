"""The API of synchronized classes (同步课堂): the master timetable, its lessons and the weeks.

The same services as the pages under /sync. Lesson plans, comments, feedback and reflections are
read from the lesson itself and only by the schools taking part (``SessionPage.session`` is None
for anyone else), so these answers leave them out for the bureau and for other members.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from flask import Response, url_for
from flask.typing import ResponseReturnValue

from domain.sync_session import SyncSession
from projections.sync_classes import TimetableRow
from services.sync_classes import Receiver
from services.sync_queries import Figures, Lesson, SlotView, WeekGrid
from services.sync_workbook import timetable_workbook
from web.api import inputs as i
from web.api.activities import uploads
from web.api.base import InvalidInput, actor, done, items, jsonable
from web.api.contract import operation
from web.api.outputs import CalendarFeedState, Done, Open, SlotMade, items_of
from web.api.years import YEAR_PATH, _year
from web.current import parse_id, services
from web.sync_calendar import feed_url

sync = partial(operation, tag="sync-classes")
SLOT_ID = {"type": "string", "pattern": "^[0-9]+$", "examples": ["1"]}
REVISION = {"type": "string", "pattern": "^[1-9][0-9]{0,5}$", "examples": ["1"]}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _revision(raw: str) -> int:
    if not raw.isdigit() or len(raw) > 6 or int(raw) < 1:
        raise InvalidInput("revision", "应为稿次编号 / Must be a draft's number (1, 2, …)")
    return int(raw)


def _figures(found: Figures) -> dict[str, Any]:
    return jsonable(found) | {
        "delivery_rate": found.delivery_rate,
        "attendance_rate": found.attendance_rate,
    }


def _lesson(lesson: Lesson) -> dict[str, Any]:
    row = lesson.row
    return {
        "id": str(row.id),
        "timetable_id": str(row.timetable_id),
        "community_id": str(row.community_id),
        "subject": row.subject,
        "grade": row.grade,
        "on": row.on.isoformat(),
        "status": row.status,
        "cancel_reason": row.cancel_reason,
        "rescheduled": row.rescheduled,
        "late": row.late,
        "counted": row.counted,
        "quality": row.quality,
        "minutes_lost": row.minutes_lost,
        "started": row.started,
        "ended": row.ended,
        "attendance": jsonable(row.attendance),
        "final_revision": row.final_revision,
        "host": jsonable(lesson.host),
        "receiving": jsonable(lesson.receiving),
        "here": jsonable(lesson.here),
        "due": list(lesson.due),
    }


def _grid(grid: WeekGrid) -> dict[str, Any]:
    return {
        "monday": grid.monday.isoformat(),
        "days": [d.isoformat() for d in grid.days],
        "periods": list(grid.periods),
        "lessons": [_lesson(lesson) for lesson in grid.lessons()],
    }


def _slot(view: SlotView) -> dict[str, Any]:
    return {
        "slot_id": view.row.slot_id,
        "weekday": view.row.weekday,
        "subject": view.row.subject,
        "grade": view.row.grade,
        "host": jsonable(view.host),
        "receiving": [jsonable(seat) | {"mapping": view.mapping(seat)} for seat in view.receiving],
        "may_answer": view.may_answer,
    }


def _preparation(session: SyncSession) -> dict[str, Any]:
    """What the schools taking part read: every draft, its comments, feedback, the reflection."""
    return {
        "drafts": [
            {
                "revision": d["revision"],
                "author_id": str(d["author_id"]),
                "text": d["text"],
                "comments": [{"by": str(c["by"]), "comment": c["comment"]} for c in d["comments"]],
            }
            for d in session.drafts
        ],
        "feedback": jsonable(session.feedback),
        "reflection": getattr(session, "reflection", ""),
    }


# The master timetable ---------------------------------------------------------------------------


@sync(
    "GET",
    "/communities/<community_id>/timetables",
    summary="A community's master timetables (大课表), one per semester",
    answer=items_of(TimetableRow),
)
def community_timetables(community_id: str) -> ResponseReturnValue:
    _, tables, _ = services().sync_pages.timetables(actor(), parse_id(community_id))
    return items(tables)


@sync(
    "POST",
    "/communities/<community_id>/timetables",
    summary="Open a semester's master timetable (the core school's admin)",
    body=i.NewTimetable,
    answer=Done,
    status=201,
)
def draft_timetable(community_id: str, body: i.NewTimetable) -> ResponseReturnValue:
    result = services().sync_classes.draft_timetable(
        actor(),
        parse_id(community_id),
        name=body.name,
        starts_on=body.starts_on,
        ends_on=body.ends_on,
    )
    return done(result, 201, url_for("api.get_timetable", timetable_id=result.id))


@sync(
    "GET",
    "/timetables/<timetable_id>",
    summary="A timetable: each slot on both bell schedules, a week's lessons, figures by subject",
    query=i.Week,
    answer=Open,
)
def get_timetable(timetable_id: str, query: i.Week) -> ResponseReturnValue:
    page = services().sync_pages.timetable_page(actor(), parse_id(timetable_id), query.week)
    return {
        "timetable": jsonable(page.timetable),
        "community": {"id": str(page.community.id), "name": page.community.name},
        "slots": [_slot(s) for s in page.slots],
        "week": _grid(page.grid),
        "by_subject": {k: _figures(v) for k, v in page.by_subject.items()},
        "may_edit": page.may_edit,
    }


@sync(
    "GET",
    "/timetables/<timetable_id>/timetable.xlsx",
    summary="The timetable to print as Excel: one sheet per school, in its own periods",
    answer=None,
    media=XLSX,
)
def timetable_workbook_file(timetable_id: str) -> ResponseReturnValue:
    page = services().sync_pages.timetable_page(actor(), parse_id(timetable_id), None)
    response = Response(timetable_workbook(page), mimetype=XLSX)
    response.headers["Content-Disposition"] = "attachment; filename=timetable.xlsx"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@sync(
    "POST",
    "/timetables/<timetable_id>/slots",
    summary="Propose a recurring slot (every clash is checked before anything is stored)",
    body=i.NewSlot,
    answer=SlotMade,
    status=201,
)
def propose_slot(timetable_id: str, body: i.NewSlot) -> ResponseReturnValue:
    result = services().sync_classes.propose_slot(
        actor(),
        parse_id(timetable_id),
        weekday=body.weekday,
        period=body.period,
        subject=body.subject,
        grade=body.grade,
        host_class_id=body.host_class_id,
        host_teacher_id=body.host_teacher_id,
        receivers=[Receiver(r.school_id, r.class_id, r.teacher_id) for r in body.receivers],
    )
    location = url_for("api.get_timetable", timetable_id=result.id)
    return done(result, 201, location, slot_id=result.part_id or "")


@sync(
    "POST",
    "/timetables/<timetable_id>/slots/<slot_id>/answer",
    summary="A receiving school's admin accepts or declines its part of a slot",
    path={"slot_id": SLOT_ID},
    body=i.SlotAnswer,
    answer=Done,
)
def answer_slot(timetable_id: str, slot_id: str, body: i.SlotAnswer) -> ResponseReturnValue:
    result = services().sync_classes.answer_slot(
        actor(), parse_id(timetable_id), slot_id, accept=body.accept, reason=body.reason
    )
    return done(result)


@sync(
    "POST",
    "/timetables/<timetable_id>/generate",
    summary="Generate the semester's lessons of the accepted slots (holidays skipped)",
    answer=Done,
)
def generate_lessons(timetable_id: str) -> ResponseReturnValue:
    return done(services().sync_classes.generate_sessions(actor(), parse_id(timetable_id)))


@sync(
    "POST",
    "/timetables/<timetable_id>/slots/<slot_id>/extra",
    summary="An extra lesson of a slot's classes (加课), checked like any other",
    path={"slot_id": SLOT_ID},
    body=i.LessonMove,
    answer=Done,
    status=201,
)
def add_extra_lesson(timetable_id: str, slot_id: str, body: i.LessonMove) -> ResponseReturnValue:
    result = services().sync_classes.add_extra_session(
        actor(), parse_id(timetable_id), slot_id, on=body.on, period=body.period
    )
    return done(result, 201, url_for("api.get_lesson", lesson_id=result.id))


# Weeks and figures -------------------------------------------------------------------------------


@sync(
    "GET",
    "/sync/me",
    summary="我本周的同步课: one's lessons this week and what each still needs",
    query=i.Week,
    answer=Open,
)
def my_sync_week(query: i.Week) -> ResponseReturnValue:
    return _grid(services().sync_pages.my_week(actor(), query.week))


@sync(
    "GET",
    "/schools/<school_id>/sync-classes",
    summary="A school's lessons hosted and received: delivered against planned, attendance, "
    "cancellations with reasons, and its week",
    query=i.Week,
    answer=Open,
)
def school_sync_classes(school_id: str, query: i.Week) -> ResponseReturnValue:
    page = services().sync_pages.school_page(actor(), parse_id(school_id), query.week)
    return {
        "school_id": str(page.school_id),
        "school": page.school,
        "hosted": _figures(page.hosted),
        "received": _figures(page.received),
        "cancellations": [_lesson(lesson) for lesson in page.cancellations],
        "to_answer": [
            {"timetable_id": str(table.id), "timetable": table.name} | _slot(view)
            for table, view in page.to_answer
        ],
        "week": _grid(page.grid),
    }


# One lesson ------------------------------------------------------------------------------------------


@sync(
    "GET",
    "/sync-lessons/<lesson_id>",
    summary="A lesson; its plans, comments and feedback for the schools taking part only",
    answer=Open,
)
def get_lesson(lesson_id: str) -> ResponseReturnValue:
    page = services().sync_pages.session_page(actor(), parse_id(lesson_id))
    found = _lesson(page.lesson) | {
        "community": {"id": str(page.community.id), "name": page.community.name},
        "may_change": page.may_change,
        "may_deliver": page.may_deliver,
    }
    if page.session is not None:
        found |= _preparation(page.session)
    return found


@sync(
    "GET",
    "/sync-lessons/<lesson_id>/compare",
    summary="Two revisions of the lesson plan line by line (the last two unless chosen), for "
    "the schools taking part",
    query=i.DraftPair,
    answer=Open,
)
def compare_lesson_drafts(lesson_id: str, query: i.DraftPair) -> ResponseReturnValue:
    found = services().sync_pages.compare_drafts(actor(), parse_id(lesson_id), query.old, query.new)
    return {
        "old": found.older,
        "new": found.newer,
        "revisions": found.revisions,
        "lines": [{"kind": line.kind, "text": line.text} for line in found.lines],
    }


@sync(
    "POST",
    "/sync-lessons/<lesson_id>/reschedule",
    summary="Move a lesson to another day and host period, checked like a new slot",
    body=i.LessonMove,
    answer=Done,
)
def reschedule_lesson(lesson_id: str, body: i.LessonMove) -> ResponseReturnValue:
    result = services().sync_classes.reschedule(
        actor(), parse_id(lesson_id), on=body.on, period=body.period
    )
    return done(result)


@sync(
    "POST",
    "/sync-lessons/<lesson_id>/cancel",
    summary="Cancel a lesson, with the reason",
    body=i.LessonCancel,
    answer=Done,
)
def cancel_lesson(lesson_id: str, body: i.LessonCancel) -> ResponseReturnValue:
    return done(services().sync_classes.cancel(actor(), parse_id(lesson_id), reason=body.reason))


@sync(
    "POST",
    "/sync-lessons/<lesson_id>/teacher",
    summary="Another teacher of the host school teaches the lesson, if free then",
    body=i.TeacherSwap,
    answer=Done,
)
def swap_lesson_teacher(lesson_id: str, body: i.TeacherSwap) -> ResponseReturnValue:
    result = services().sync_classes.swap_teacher(
        actor(), parse_id(lesson_id), teacher_id=body.teacher_id
    )
    return done(result)


@sync(
    "POST",
    "/sync-lessons/<lesson_id>/delivery",
    summary="Record the lesson as taught: times, attendance per receiving class, quality, "
    "a recording link or files",
    body=i.Delivery,
    multipart=True,
    answer=Done,
    errors=(413,),
)
def deliver_lesson(lesson_id: str, body: i.Delivery) -> ResponseReturnValue:
    result = services().sync_classes.deliver(
        actor(),
        parse_id(lesson_id),
        started=body.started,
        ended=body.ended,
        attendance={f"{a.school_id}/{a.class_id}": (a.present, a.size) for a in body.attendance},
        quality=body.quality,
        minutes_lost=body.minutes_lost,
        recording=body.recording,
        uploads=uploads(),
    )
    return done(result)


@sync(
    "POST",
    "/sync-lessons/<lesson_id>/drafts",
    summary="Add a draft of the lesson plan (a lesson's teachers)",
    body=i.Draft,
    answer=Done,
)
def add_lesson_draft(lesson_id: str, body: i.Draft) -> ResponseReturnValue:
    return done(services().sync_classes.add_draft(actor(), parse_id(lesson_id), text=body.text))


@sync(
    "POST",
    "/sync-lessons/<lesson_id>/drafts/<revision>/comments",
    summary="Comment on a draft (the schools taking part)",
    path={"revision": REVISION},
    body=i.DraftComment,
    answer=Done,
)
def comment_lesson_draft(
    lesson_id: str, revision: str, body: i.DraftComment
) -> ResponseReturnValue:
    result = services().sync_classes.comment_draft(
        actor(), parse_id(lesson_id), _revision(revision), comment=body.comment
    )
    return done(result)


@sync(
    "POST",
    "/sync-lessons/<lesson_id>/drafts/<revision>/final",
    summary="Make a revision the final plan (the host teacher)",
    path={"revision": REVISION},
    answer=Done,
)
def finalise_lesson_plan(lesson_id: str, revision: str) -> ResponseReturnValue:
    result = services().sync_classes.finalise_plan(
        actor(), parse_id(lesson_id), _revision(revision)
    )
    return done(result)


@sync(
    "POST",
    "/sync-lessons/<lesson_id>/feedback",
    summary="A receiving teacher's feedback: the students' response, homework and quiz",
    body=i.Feedback,
    answer=Done,
)
def give_lesson_feedback(lesson_id: str, body: i.Feedback) -> ResponseReturnValue:
    result = services().sync_classes.give_feedback(
        actor(),
        parse_id(lesson_id),
        student_response=body.student_response,
        homework_rate=body.homework_rate,
        quiz_average=body.quiz_average,
    )
    return done(result)


@sync(
    "POST",
    "/sync-lessons/<lesson_id>/reflection",
    summary="The host teacher's reflection",
    body=i.Reflection,
    answer=Done,
)
def reflect_on_lesson(lesson_id: str, body: i.Reflection) -> ResponseReturnValue:
    result = services().sync_classes.reflect(
        actor(), parse_id(lesson_id), reflection=body.reflection
    )
    return done(result)


# Settings --------------------------------------------------------------------------------------------


@sync(
    "PUT",
    "/settings/school-calendars/<year>",
    summary="A year's holidays and make-up workdays (the bureau's admin)",
    path={"year": YEAR_PATH},
    body=i.SchoolCalendar,
    answer=Done,
)
def set_school_calendar(year: str, body: i.SchoolCalendar) -> ResponseReturnValue:
    result = services().sync_classes.set_school_calendar(
        actor(),
        year=_year(year),
        holidays=list(body.holidays),
        workdays={w.on: w.weekday for w in body.workdays},
    )
    return done(result)


@sync(
    "PUT",
    "/settings/sync-overlap",
    summary="The minimum overlap of a slot's periods, in minutes (the bureau's admin)",
    body=i.MinimumOverlap,
    answer=Done,
)
def set_minimum_overlap(body: i.MinimumOverlap) -> ResponseReturnValue:
    return done(services().sync_classes.set_min_overlap(actor(), body.minutes))


# One's calendar feed -----------------------------------------------------------------------------


def _feed_answer() -> dict[str, Any]:
    me = actor()
    state = services().sync_calendars.feed(me)
    url = feed_url(me.user_id, state.generation) if state.active and me.user_id else None
    return {"active": state.active, "url": url}


@sync(
    "GET",
    "/sync/me/calendar",
    summary="One's calendar feed: whether it is on, and its personal address",
    answer=CalendarFeedState,
)
def my_calendar_feed() -> ResponseReturnValue:
    return _feed_answer()


@sync(
    "POST",
    "/sync/me/calendar",
    summary="Issue a new personal calendar address (any earlier one stops working)",
    answer=CalendarFeedState,
)
def issue_calendar_feed() -> ResponseReturnValue:
    services().sync_calendars.issue(actor())  # the feed is read from its aggregate: no wait
    return _feed_answer()


@sync(
    "DELETE",
    "/sync/me/calendar",
    summary="Revoke one's calendar address",
    answer=Done,
)
def revoke_calendar_feed() -> ResponseReturnValue:
    return done(services().sync_calendars.revoke(actor()))


@sync(
    "GET",
    "/communities/<community_id>/sync-figures",
    summary="A community's lessons up to a day: due, delivered, delivery and attendance rates, "
    "overall and per subject (counts only, as the bureau's drill-down shows them)",
    query=i.AsOf,
    answer=Open,
)
def community_sync_figures(community_id: str, query: i.AsOf) -> ResponseReturnValue:
    found = services().sync_pages.community_figures(actor(), parse_id(community_id), query.as_of)
    return {
        "overall": _figures(found.overall),
        "by_subject": {k: _figures(v) for k, v in found.by_subject.items()},
    }
