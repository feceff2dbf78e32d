"""The API of online research (网络教研): groups, sessions, attendance, posts, lesson plans and the
library, training hours, certificates and the growth portfolio's xAPI export.

A session's check-in code is in its answer only for those who lead it (the host, the expert); a
mentoring record's content never reaches the portfolio export.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from functools import partial
from typing import Annotated, Any
from uuid import UUID

from flask import request, url_for
from flask.typing import ResponseReturnValue
from pydantic import Field

from domain import fields as f
from domain.research import SessionKind
from services.research import SessionPage
from web.api.base import actor, done, items, jsonable
from web.api.contract import Checked, Input, OneOf, Query, operation
from web.api.outputs import Done, Open
from web.current import parse_id, services

research = partial(operation, tag="research")


class NewResearchGroup(Input):
    name: Annotated[str, Checked(f.GROUP_NAME)]
    subject: Annotated[str, Checked(f.SUBJECT)]
    grade_band: Annotated[str, Checked(f.GRADE_BAND)] = ""
    leader_id: UUID


class Member(Input):
    user_id: UUID


class NewSession(Input):
    kind: Annotated[str, OneOf.of(SessionKind)]
    theme: Annotated[str, Checked(f.SESSION_THEME)]
    starts_at: datetime
    ends_at: datetime
    host_id: UUID
    expert_id: UUID | None = None
    meeting_link: Annotated[str, Checked(f.MEETING_LINK)] = ""


class CheckIn(Input):
    code: Annotated[str, Checked(f.CHECK_IN_CODE)] | None = None


class Attendance(Input):
    user_id: UUID
    late: bool = False


class NewPost(Input):
    text: Annotated[str, Checked(f.POST_TEXT)]
    reply_to: Annotated[str, Field(max_length=12, pattern="^[0-9]*$")] = ""


class NewLessonPlan(Input):
    title: Annotated[str, Checked(f.LESSON_PLAN_TITLE)]
    grade: Annotated[str, Checked(f.LESSON_GRADE)] = ""
    text: Annotated[str, Checked(f.LESSON_PLAN_TEXT)]
    session_id: UUID | None = None


class Comment(Input):
    text: Annotated[str, Checked(f.COMMENT_TEXT)]


class Revision(Input):
    title: Annotated[str, Checked(f.LESSON_PLAN_TITLE)]
    text: Annotated[str, Checked(f.LESSON_PLAN_TEXT)]


class LibraryQuery(Query):
    subject: Annotated[str, Checked(f.SUBJECT)] | None = None
    grade: Annotated[str, Checked(f.LESSON_GRADE)] | None = None
    q: Annotated[str, Checked(f.SESSION_THEME)] | None = None


class YearQuery(Query):
    year: Annotated[int, Checked(f.YEAR)] | None = None


class CodeQuery(Query):
    code: Annotated[str, Field(min_length=1, max_length=64)]


def _session(page: SessionPage) -> dict[str, Any]:
    row = jsonable(page.session)
    if not page.leads:
        row.pop("code", None)
    return {
        "session": row,
        "group": jsonable(page.group),
        "host": page.host,
        "expert": page.expert,
        "attendees": [
            jsonable(a.row) | {"name": a.name, "school": a.school} for a in page.attendees
        ],
        "posts": [jsonable(p.row) | {"author": p.author} for p in page.posts],
        "signed_up": page.signed_up,
        "checked_in": page.checked_in,
        "live": page.live,
    }


@research("GET", "/research/me", summary="One's research groups and their sessions", answer=Open)
def research_my_research() -> ResponseReturnValue:
    home = services().research.home(actor())
    return {
        "groups": [
            {"group": jsonable(g.group), "mine": g.mine, "requested": g.requested}
            for g in home.groups
        ],
        "live": [str(s.id) for _, s in home.live()],
        "upcoming": [str(s.id) for _, s in home.upcoming()],
    }


@research(
    "POST",
    "/communities/<community_id>/research-groups",
    summary="Form a research group (the core school)",
    body=NewResearchGroup,
    answer=Done,
    status=201,
)
def research_form_group(community_id: str, body: NewResearchGroup) -> ResponseReturnValue:
    result = services().research.form_group(
        actor(),
        parse_id(community_id),
        name=body.name,
        subject=body.subject,
        grade_band=body.grade_band,
        leader_id=body.leader_id,
    )
    return done(result, 201, url_for("api.research_get_group", group_id=result.id))


@research(
    "GET", "/research-groups/<group_id>", summary="A group, its members and sessions", answer=Open
)
def research_get_group(group_id: str) -> ResponseReturnValue:
    line = services().research.group_page(actor(), parse_id(group_id))
    return {
        "group": jsonable(line.group),
        "members": jsonable(line.members),
        "sessions": [jsonable(replace(s, code="")) for s in line.sessions],
        "lesson_plans": jsonable(
            services().lesson_plans.plans_of_group(actor(), parse_id(group_id))
        ),
    }


@research("POST", "/research-groups/<group_id>/join", summary="Ask to join", answer=Done)
def research_join_group(group_id: str) -> ResponseReturnValue:
    return done(services().research.request_to_join(actor(), parse_id(group_id)))


@research(
    "POST",
    "/research-groups/<group_id>/members",
    summary="Add a teacher of one's school",
    body=Member,
    answer=Done,
)
def research_add_group_member(group_id: str, body: Member) -> ResponseReturnValue:
    return done(services().research.add_member(actor(), parse_id(group_id), body.user_id))


@research(
    "POST",
    "/research-groups/<group_id>/sessions",
    summary="Schedule a session (the leader or the core school)",
    body=NewSession,
    answer=Done,
    status=201,
)
def research_schedule_session(group_id: str, body: NewSession) -> ResponseReturnValue:
    result = services().research.schedule(
        actor(),
        parse_id(group_id),
        kind=body.kind,
        theme=body.theme,
        starts_at=body.starts_at,
        ends_at=body.ends_at,
        host_id=body.host_id,
        expert_id=body.expert_id,
        meeting_link=body.meeting_link,
    )
    return done(result, 201, url_for("api.research_get_session", research_session_id=result.id))


@research(
    "GET",
    "/research-sessions/<research_session_id>",
    summary="A session: attendees and posts (the code for those who lead it)",
    answer=Open,
)
def research_get_session(research_session_id: str) -> ResponseReturnValue:
    return _session(services().research.session_page(actor(), parse_id(research_session_id)))


@research(
    "POST", "/research-sessions/<research_session_id>/sign-up", summary="Sign up", answer=Done
)
def research_sign_up(research_session_id: str) -> ResponseReturnValue:
    return done(services().research.sign_up(actor(), parse_id(research_session_id)))


@research(
    "POST",
    "/research-sessions/<research_session_id>/check-in",
    summary="Check in during the window (with the host's code, if typed)",
    body=CheckIn,
    body_required=False,
    answer=Done,
)
def research_check_in(research_session_id: str, body: CheckIn | None) -> ResponseReturnValue:
    code = body.code if body is not None else None
    return done(services().research.check_in(actor(), parse_id(research_session_id), code=code))


@research(
    "POST",
    "/research-sessions/<research_session_id>/attendance",
    summary="The host records one who joined by phone",
    body=Attendance,
    answer=Done,
)
def research_record_attendance(research_session_id: str, body: Attendance) -> ResponseReturnValue:
    result = services().research.record_attendance(
        actor(), parse_id(research_session_id), body.user_id, late=body.late
    )
    return done(result)


@research(
    "POST",
    "/research-sessions/<research_session_id>/posts",
    summary="Post or reply (text; files through the page)",
    body=NewPost,
    answer=Done,
    status=201,
)
def research_post(research_session_id: str, body: NewPost) -> ResponseReturnValue:
    result = services().research.post(
        actor(), parse_id(research_session_id), text=body.text, reply_to=body.reply_to
    )
    return done(result, 201)


@research(
    "POST",
    "/research-groups/<group_id>/lesson-plans",
    summary="Draft a lesson plan",
    body=NewLessonPlan,
    answer=Done,
    status=201,
)
def research_draft_plan(group_id: str, body: NewLessonPlan) -> ResponseReturnValue:
    result = services().lesson_plans.draft(
        actor(),
        parse_id(group_id),
        title=body.title,
        grade=body.grade,
        text=body.text,
        session_id=body.session_id,
    )
    return done(result, 201, url_for("api.research_get_lesson_plan", lesson_plan_id=result.id))


@research(
    "GET",
    "/lesson-plans/<lesson_plan_id>",
    summary="A lesson plan with every revision and comment",
    answer=Open,
)
def research_get_lesson_plan(lesson_plan_id: str) -> ResponseReturnValue:
    page = services().lesson_plans.plan_page(actor(), parse_id(lesson_plan_id))
    return {
        "plan": jsonable(page.plan),
        "revisions": jsonable(page.revisions),
        "comments": jsonable(page.comments),
    }


@research(
    "POST",
    "/lesson-plans/<lesson_plan_id>/comments",
    summary="Comment on the current revision",
    body=Comment,
    answer=Done,
)
def research_comment_plan(lesson_plan_id: str, body: Comment) -> ResponseReturnValue:
    return done(services().lesson_plans.comment(actor(), parse_id(lesson_plan_id), text=body.text))


@research(
    "POST",
    "/lesson-plans/<lesson_plan_id>/revisions",
    summary="Revise (the author)",
    body=Revision,
    answer=Done,
)
def research_revise_plan(lesson_plan_id: str, body: Revision) -> ResponseReturnValue:
    result = services().lesson_plans.revise(
        actor(), parse_id(lesson_plan_id), title=body.title, text=body.text
    )
    return done(result)


@research("POST", "/lesson-plans/<lesson_plan_id>/final", summary="Finalise", answer=Done)
def research_finalise_plan(lesson_plan_id: str) -> ResponseReturnValue:
    return done(services().lesson_plans.finalise(actor(), parse_id(lesson_plan_id)))


@research(
    "POST",
    "/lesson-plans/<lesson_plan_id>/publish",
    summary="Publish to the community's library (精品教案)",
    answer=Done,
)
def research_publish_plan(lesson_plan_id: str) -> ResponseReturnValue:
    return done(services().lesson_plans.publish(actor(), parse_id(lesson_plan_id)))


@research(
    "GET",
    "/library",
    summary="Published lesson plans by subject, grade and words (Chinese too)",
    query=LibraryQuery,
    answer=Open,
)
def research_library(query: LibraryQuery) -> ResponseReturnValue:
    page = services().lesson_plans.library(
        actor(), subject=query.subject or "", grade=query.grade or "", words=query.q or ""
    )
    return items(page.plans)


@research(
    "GET",
    "/schools/<school_id>/hours",
    summary="A school's teachers' training hours, those below first",
    query=YearQuery,
    answer=Open,
)
def research_school_hours(school_id: str, query: YearQuery) -> ResponseReturnValue:
    lines = services().training_hours.school_table(actor(), parse_id(school_id), query.year)
    return {"items": [_hours(line) for line in lines]}


def _hours(line: Any) -> dict[str, Any]:
    return {
        "user_id": str(line.user_id),
        "name": line.name,
        "year": line.year,
        "earned": line.earned,
        "required": line.required,
        "missing": line.missing,
    }


@research(
    "GET",
    "/teachers/<user_id>/hours",
    summary="A teacher's training hours in a school year",
    query=YearQuery,
    answer=Open,
)
def research_teacher_hours(user_id: str, query: YearQuery) -> ResponseReturnValue:
    line = services().training_hours.ledger(actor(), parse_id(user_id), query.year)
    return _hours(line) | {"entries": jsonable(line.entries)}


@research(
    "POST",
    "/teachers/<user_id>/certificate",
    summary="Take this school year's certificate (hours met)",
    answer=Done,
    status=201,
)
def research_take_certificate(user_id: str) -> ResponseReturnValue:
    return done(services().certificates.issue(actor(), parse_id(user_id)), 201)


@research(
    "GET",
    "/certificates/verify",
    summary="Verify a certificate's code: name, school, year and hours only",
    query=CodeQuery,
    answer=Open,
    public=True,
    errors=(401, 404),  # 401: a bearer token sent, and not a valid one
)
def research_verify_certificate(query: CodeQuery) -> ResponseReturnValue:
    found = services().certificates.verify(query.code)
    if found is None:
        return {"error": "没有这个验证码的证书 / No certificate has this code", "status": 404}, 404
    return jsonable(found)


@research(
    "GET",
    "/teachers/<user_id>/portfolio.xapi",
    summary="The growth portfolio as xAPI statements",
    answer=Open,
)
def research_portfolio_xapi(user_id: str) -> ResponseReturnValue:
    statements = services().portfolio.xapi(actor(), parse_id(user_id), request.host_url)
    return {"items": statements}
