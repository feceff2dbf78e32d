"""The tenant isolation walk: every route, every method, as every kind of user of another bureau.

Two bureaus, A (海宁) and B (余姚), each with schools, people, a community with an approved plan, a
recorded activity with a file, an application for assistance and a mentoring pair with a record and
a file. The walk reads the app's URL map at run time, so every page and API route that exists is
covered, including ones added after this test was written: a route with a URL variable the walk does
not know how to fill fails the test instead of escaping it.

Each route is called with every method, as each of B's users (teacher, monitor, school admin, bureau
admin): pages with B's signed-in session cookie, the API with B's bearer token, with a plausible form
or JSON body and query that carry A's ids wherever ids are accepted. URL ids are all A's; then, for a
URL with several ids, each of A's among B's own; then all B's own. Then:

- a route whose URL carries an id of A answers 404 (405 for a method it does not have);
- the answer is the same as for made-up ids in place of A's (status and page, up to signed tokens),
  so B cannot even learn that A's thing exists;
- no answer (body or headers) contains anything that identifies A: its schools' names and codes, its
  people's login and display names, what its people wrote, its files, any of its ids that B did not
  send (bureau names and ids are public on the platform, for cross-region invitations);
- afterwards A is untouched: no new event concerns A, and A's directory, plans, activities and
  mentoring records read as before.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import openpyxl
import pytest
from flask import Flask
from werkzeug.routing import Rule
from werkzeug.test import TestResponse

from domain.assessment import Lines
from domain.counting import TaskKind
from domain.plan import Task
from domain.roles import Role
from domain.sync_session import session_id_for
from infra.ratelimit import InMemoryRateLimiter
from infra.wiring import Runtime
from services.actor import Actor
from services.evidence import Upload
from services.sync_classes import Receiver
from tests.conftest import PASSWORD, Bureau, make_bureau, open_runtime, sqlite_settings
from tests.test_domain_sync_classes import bell
from web import create_app
from web.api.base import issue_token

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
API = "/api/v1/"


@dataclass
class Side:
    """One bureau's things, as the walk puts their ids into URLs and bodies."""

    bureau: Bureau
    community_id: UUID
    plan_id: UUID
    activity_id: UUID
    application_id: UUID
    pair_id: UUID
    activity_evidence: str  # the SHA-256 naming a file attached to the activity
    mentoring_evidence: str  # the SHA-256 naming a file attached to the pair's record "1"
    #: What only this bureau's people wrote: names, titles, file names and a marker in each file.
    texts: set[str] = field(default_factory=set)
    #: A signed-in session of the bureau's teacher (the sessions page ends one by its id).
    session_id: UUID | None = None
    #: A unified test with a class's scores uploaded by the core school (names in ``texts``).
    test_id: UUID | None = None
    #: A synchronized-class timetable and one of its lessons, delivered with a plan and feedback.
    timetable_id: UUID | None = None
    lesson_id: UUID | None = None
    #: A research group of the community and one of its sessions, with a post "1".
    group_id: UUID | None = None
    research_session_id: UUID | None = None
    #: A published lesson plan of that group.
    lesson_plan_id: UUID | None = None
    #: The bureau's teacher's training-hours certificate.
    certificate_id: UUID | None = None

    @property
    def ids(self) -> dict[str, str]:
        b = self.bureau
        return {
            "school_id": str(b.school_id),
            "other_school_id": str(b.other_school_id),
            "user_id": str(b.teacher.user_id),
            "other_user_id": str(b.other_teacher.user_id),
            "tenant_id": str(b.tenant_id),
            "community_id": str(self.community_id),
            "plan_id": str(self.plan_id),
            "activity_id": str(self.activity_id),
            "application_id": str(self.application_id),
            "pair_id": str(self.pair_id),
            "session_id": str(self.session_id),
            "test_id": str(self.test_id),
            "timetable_id": str(self.timetable_id),
            "lesson_id": str(self.lesson_id),
            "group_id": str(self.group_id),
            "research_session_id": str(self.research_session_id),
            "lesson_plan_id": str(self.lesson_plan_id),
            "certificate_id": str(self.certificate_id),
            "sha256": self.activity_evidence,
            "mentoring_sha256": self.mentoring_evidence,
        }

    def url_value(self, name: str, rule: Rule) -> str:
        if name == "sha256" and "pair_id" in rule.arguments:
            return self.mentoring_evidence
        return self.ids[name]


#: URL variables that name a thing of one tenant: filled with A's id, or (in mixed variants) B's.
TENANT_IDS = (
    "school_id",
    "user_id",
    "tenant_id",
    "community_id",
    "plan_id",
    "activity_id",
    "application_id",
    "pair_id",
    "session_id",
    "timetable_id",
    "lesson_id",
    "group_id",
    "research_session_id",
    "lesson_plan_id",
    "certificate_id",
    "sha256",
    "test_id",
)
#: URL variables scoped by another variable of the same URL (a class id is "3-1" in any school).
SCOPED = {
    "class_id": "3-1",
    "record_id": "1",
    "class_name": "1班",
    "slot_id": "1",
    "revision": "1",
    "post_id": "1",
}
#: URL variables that are not tenant data at all.
PLAIN = {"code": "en", "kind": "xlsx", "filename": "app.css", "year": "2025", "token": "made-up"}


def fill_rule(rule: Rule, chosen: dict[str, str]) -> str:
    values = {**SCOPED, **PLAIN, **chosen}
    unknown = set(rule.arguments) - set(values)
    assert not unknown, (
        f"the isolation walk does not know how to fill {sorted(unknown)} in {rule.rule} "
        f"({rule.endpoint}); teach it (tests/test_tenant_isolation.py) so the route is walked"
    )
    url = rule.rule
    for name in rule.arguments:
        url = re.sub(rf"<(?:[^:<>]+:)?{name}>", values[name], url)
    return url


@dataclass
class World:
    runtime: Runtime
    app: Flask
    a: Side
    b: Side
    secrets: set[str] = field(default_factory=set)
    ids: set[str] = field(default_factory=set)
    counter: Iterator[int] = field(default_factory=itertools.count)

    def form(self, a_ids: dict[str, str], n: int) -> dict[str, Any]:
        """A plausible form for any page: every field some form reads, A's ids where ids go."""
        day = "2025-05-20"
        return {
            "name": "走查名称",
            "code": f"WALK-{n}",
            "school_code": f"WALK-{n}",
            "stage": "primary",
            "locality": "rural",
            "student_count": "10",
            "grade": "3",
            "username": f"walk-{n}",
            "display_name": "走查人",
            "password": "walk-password-1",
            "role": "expert",
            "roles": ["teacher"],
            "subjects": ["语文"],
            "grades": ["3"],
            "key_level": "",
            "title": "走查",
            "reason": "走查",
            "region": "走查",
            "needs": "走查帮扶需求，至少十个字的说明",
            "summary": "走查",
            "comment": "走查",
            "comments": "走查",
            "school_id": a_ids["school_id"],
            "to_school_id": a_ids["school_id"],
            "core_school_id": a_ids["school_id"],
            "helper_school_id": a_ids["school_id"],
            "host_school_id": a_ids["other_school_id"],
            "member_school_ids": [a_ids["other_school_id"]],
            "user_id": a_ids["user_id"],
            "teacher_id": a_ids["user_id"],
            "mentor_id": a_ids["user_id"],
            "mentee_id": a_ids["other_user_id"],
            "participant_ids": [a_ids["user_id"]],
            "tenant_id": a_ids["tenant_id"],
            "community_id": a_ids["community_id"],
            "pair_id": a_ids["pair_id"],
            "kind": "demo_lesson",
            "mode": "same",
            "level": "school",
            "minutes": "40",
            "year": "2025",
            "round_start_year": "2024",
            "round_end_year": "2026",
            "max_schools": "5",
            "mentor_max_mentees": "3",
            "shadow_placement_days": "5",
            "quarter": "2",
            **dict.fromkeys(
                (
                    "on",
                    "as_of",
                    "occurred_on",
                    "founded_on",
                    "paired_on",
                    "starts_on",
                    "ended_on",
                    "ends_on",
                    "period_start",
                    "period_end",
                    "plan_deadline",
                ),
                day,
            ),
            "current": "not-the-password",
            "new": "walk-new-password",
            "confirm": "walk-new-password",
            "days": ["1"],
            "start-1": "08:00",
            "end-1": "08:40",
            "next": "/",
            "evidence": (io.BytesIO(b"%PDF-1.4 walk"), "walk.pdf", "application/pdf"),
        }

    def query(self, a_ids: dict[str, str]) -> dict[str, str]:
        """Filters any list page or API read may take, naming A's things."""
        return {
            "school_id": a_ids["school_id"],
            "school": a_ids["school_id"],
            "actor_id": a_ids["user_id"],
            "actor": a_ids["user_id"],
            "user_id": a_ids["user_id"],
            "community_id": a_ids["community_id"],
            "community": a_ids["community_id"],
        }

    def json(self, a_ids: dict[str, str], n: int) -> dict[str, Any]:
        """A plausible JSON body for any API command, A's ids where ids go."""
        return {
            "name": "走查名称",
            "code": f"WALK-{n}",
            "stage": "primary",
            "locality": "rural",
            "student_count": 10,
            "grade": 3,
            "username": f"walk-{n}",
            "display_name": "走查人",
            "password": "walk-password-1",
            "roles": ["teacher"],
            "subjects": ["语文"],
            "grades": [3],
            "key_level": "",
            "title": "走查",
            "reason": "走查",
            "region": "走查",
            "school_id": a_ids["school_id"],
            "user_id": a_ids["user_id"],
            "tenant_id": a_ids["tenant_id"],
            "periods": [{"weekday": 1, "number": 1, "start": "08:00", "end": "08:40"}],
            "current": "not-the-password",
            "new": "walk-new-password",
            # Communities, plans, activities, progress, settings and mentoring:
            "school_code": f"WALK-{n}",
            "needs": "走查帮扶需求，至少十个字的说明",
            "summary": "走查",
            "comment": "走查",
            "comments": "走查",
            "core_school_id": a_ids["school_id"],
            "helper_school_id": a_ids["school_id"],
            "member_school_ids": [a_ids["other_school_id"]],
            "mentor_id": a_ids["user_id"],
            "mentee_id": a_ids["other_user_id"],
            "participant_ids": [a_ids["user_id"]],
            "kind": "demo_lesson",
            "key": "fusion",
            "mode": "offline",
            "minutes": 40,
            "year": 2025,
            "quarter": 2,
            "round_start_year": 2024,
            "round_end_year": 2026,
            "max_schools": 5,
            "mentor_max_mentees": 3,
            "shadow_placement_days": 5,
            # Joint assessment: a test, a class's file, a roster's student, targets, settings.
            "subject": "语文",
            "held_on": "2025-05-20",
            "full_mark": 100,
            "pass_line": 60,
            "excellence_line": 85,
            "low_line": 40,
            "class_name": "1班",
            "number": "走查学号",
            "pass_rate": 90,
            "excellence_rate": 50,
            "low_rate": 0,
            "average": 85,
            "min_group": 5,
            "completion": 0.5,
            "narrowing": 0.3,
            "excellent_share": 0.3,
            "as_of": "2025-05-20",
            "tasks": [{"kind": "demo_lesson", "target": 2}],
            "checkpoints": [{"due": "2025-10-31", "required": 1}],
            "targets": {"demo_lesson": 2},
            "details": {},
            # Synchronized classes: a slot, a lesson's delivery, preparation and feedback.
            "weekday": 2,
            "period": 1,
            "host_class_id": "3-1",
            "host_teacher_id": a_ids["user_id"],
            "receivers": [
                {
                    "school_id": a_ids["other_school_id"],
                    "class_id": "3-1",
                    "teacher_id": a_ids["user_id"],
                }
            ],
            "accept": True,
            "teacher_id": a_ids["user_id"],
            "started": "08:00",
            "ended": "08:40",
            "quality": "good",
            "attendance": [
                {
                    "school_id": a_ids["other_school_id"],
                    "class_id": "3-1",
                    "present": 30,
                    "size": 40,
                }
            ],
            "text": "走查教案",
            "student_response": "走查",
            "homework_rate": 90.0,
            "quiz_average": 80.0,
            "reflection": "走查",
            "holidays": ["2025-10-01"],
            "workdays": [{"on": "2025-09-28", "weekday": 1}],
            # Online research and lesson plans:
            "leader_id": a_ids["user_id"],
            "host_id": a_ids["user_id"],
            "theme": "走查",
            "starts_at": "2025-05-20T01:00:00+00:00",
            "ends_at": "2025-05-20T03:00:00+00:00",
            **dict.fromkeys(
                (
                    "on",
                    "occurred_on",
                    "founded_on",
                    "paired_on",
                    "starts_on",
                    "ended_on",
                    "ends_on",
                    "period_start",
                    "period_end",
                    "plan_deadline",
                ),
                "2025-05-20",
            ),
        }


def rename_a_people(runtime: Runtime, a: Bureau) -> None:
    """make_bureau gives both bureaus' people the same names; give A's people names of their own."""
    people = runtime.services.people
    for someone, name in (
        (a.monitor, "海宁督导甲"),
        (a.school_admin, "海宁校长乙"),
        (a.teacher, "海宁教师丙"),
        (a.other_teacher, "海宁教师丁"),
    ):
        assert someone.user_id is not None
        people.update_profile(
            a.admin,
            someone.user_id,
            display_name=name,
            subjects=[],
            grades=[],
            key_level="",
            title="",
        )


def build_side(runtime: Runtime, bureau: Bureau, label: str) -> Side:
    """A community of the bureau's two schools with an approved plan, a recorded activity with a
    file, an application for assistance and a mentoring pair with a record and a file."""
    services = runtime.services
    ctx = services.plans.ctx

    def at(year: int, month: int, day: int) -> None:
        moment = datetime(year, month, day, 10, 0, tzinfo=UTC)
        ctx.clock = lambda: moment

    b = bureau
    assert b.teacher.user_id is not None
    assert b.other_teacher.user_id is not None
    texts = {
        f"{label}走查教共体",
        f"{label}走查年度计划",
        f"{label}走查公开课",
        f"{label}走查帮扶需求：英语学科师资薄弱，希望结对",
        f"{label}走查听课心得",
        f"{label}走查教研组",
        f"{label}走查研修主题",
        f"{label}走查研讨发言",
        f"{label}走查教案正文",
        f"{label}-walk-activity.pdf",
        f"{label}-walk-record.pdf",
        f"{label.upper()}-ACTIVITY-FILE-MARKER",
        f"{label.upper()}-RECORD-FILE-MARKER",
    }
    activity_file = f"%PDF-1.4 {label.upper()}-ACTIVITY-FILE-MARKER".encode()
    record_file = f"%PDF-1.4 {label.upper()}-RECORD-FILE-MARKER".encode()
    at(2025, 1, 2)
    community = services.communities.found(
        b.admin,
        name=f"{label}走查教共体",
        kind="fusion",
        core_school_id=b.school_id,
        founded_on=date(2025, 1, 1),
        round_start_year=2024,
        round_end_year=2026,
        member_school_ids=[b.other_school_id],
    ).id
    runtime.catch_up()
    at(2025, 3, 1)
    plan = services.plans.draft(
        b.school_admin,
        community,
        year=2025,
        period_start=date(2025, 1, 1),
        period_end=date(2025, 12, 31),
        title=f"{label}走查年度计划",
        tasks=[Task(TaskKind.DEMO_LESSON, 2), Task(TaskKind.MENTORING, 1)],
    ).id
    runtime.catch_up()
    services.plans.submit(b.school_admin, plan)
    services.plans.approve(b.admin, plan)
    at(2025, 3, 17)
    pair = services.mentoring.pair(
        b.school_admin,
        community,
        mentor_id=b.teacher.user_id,
        mentee_id=b.other_teacher.user_id,
        paired_on=date(2025, 3, 17),
        ends_on=date(2026, 3, 16),
    ).id
    runtime.catch_up()
    at(2025, 5, 19)
    services.mentoring.record(
        b.other_teacher,
        pair,
        kind="observation",
        mode="offline",
        occurred_on=date(2025, 5, 19),
        minutes=40,
        summary=f"{label}走查听课心得",
        uploads=[Upload(f"{label}-walk-record.pdf", "application/pdf", record_file)],
    )
    activity = services.activities.record(
        b.teacher,
        community,
        kind=TaskKind.DEMO_LESSON,
        title=f"{label}走查公开课",
        occurred_on=date(2025, 5, 15),
        uploads=[Upload(f"{label}-walk-activity.pdf", "application/pdf", activity_file)],
    ).id
    application = services.communities.apply_for_assistance(
        b.school_admin, needs=f"{label}走查帮扶需求：英语学科师资薄弱，希望结对", subjects=["英语"]
    ).id
    timetable, lesson = synchronized_classes_of(runtime, b, label, at)
    texts |= {f"{label}走查教案", f"{label}走查课后反馈"}
    at(2025, 5, 20)
    assert b.teacher.user_id is not None
    session_id, _ = services.people.start_session(
        b.teacher.user_id, kind="web", address="10.0.0.1", agent=""
    )
    test_id = assess(runtime, b, label, texts)
    group = services.research.form_group(
        b.school_admin,
        community,
        name=f"{label}走查教研组",
        subject="语文",
        grade_band="",
        leader_id=b.teacher.user_id,
    ).id
    research_session = services.research.schedule(
        b.teacher,
        group,
        kind="themed_research",
        theme=f"{label}走查研修主题",
        starts_at=datetime(2025, 5, 20, 1, tzinfo=UTC),
        ends_at=datetime(2025, 5, 20, 3, tzinfo=UTC),
        host_id=b.teacher.user_id,
    ).id
    services.research.post(b.teacher, research_session, text=f"{label}走查研讨发言")
    lesson_plan = services.lesson_plans.draft(
        b.teacher, group, title=f"{label}走查教案", grade="", text=f"{label}走查教案正文"
    ).id
    services.lesson_plans.finalise(b.teacher, lesson_plan)
    services.lesson_plans.publish(b.teacher, lesson_plan)
    hours = services.training_hours
    hours.set_settings(b.admin, replace(hours.settings(b.admin), required_hours=0))
    certificate = services.certificates.issue(b.teacher, b.teacher.user_id).id
    runtime.catch_up()
    return Side(
        b,
        community,
        plan,
        activity,
        application,
        pair,
        hashlib.sha256(activity_file).hexdigest(),
        hashlib.sha256(record_file).hexdigest(),
        texts,
        session_id,
        test_id,
        timetable,
        lesson,
        group,
        research_session,
        lesson_plan,
        certificate,
    )


def assess(runtime: Runtime, b: Bureau, label: str, texts: set[str]) -> UUID:
    """A unified test of the side's community, a roster of named students and their scores."""
    services = runtime.services
    community = services.communities.ctx.communities.communities(b.tenant_id)[0].id
    services.organisation.open_class(b.admin, b.school_id, grade=5, name="1班")
    students = [(f"{label}学号{i}", f"{label}走查学生{i}号") for i in range(6)]
    texts |= {text for student in students for text in student}
    roster = "学号,姓名\r\n" + "".join(f"{n},{name}\r\n" for n, name in students)
    services.assessment.import_roster(
        b.school_admin,
        b.school_id,
        grade=5,
        class_name="1班",
        filename="名册.csv",
        data=roster.encode(),
    )
    runtime.catch_up()
    test_id = services.assessment.define_test(
        b.school_admin,
        community,
        subject="语文",
        grade=5,
        held_on=date(2025, 5, 20),
        lines=Lines(full_mark=100, pass_line=60, excellence_line=85, low_line=40),
    ).id
    runtime.catch_up()
    scores = "学号,成绩\r\n" + "".join(f"{n},{70 + i}\r\n" for i, (n, _) in enumerate(students))
    result = services.assessment.upload_scores(
        b.school_admin, test_id, class_name="1班", filename="成绩.csv", data=scores.encode()
    )
    assert result.ok, result.errors
    return test_id


def synchronized_classes_of(runtime: Runtime, b: Bureau, label: str, at: Any) -> tuple[UUID, UUID]:
    """The core school hosts 语文 for the member school on Tuesdays this spring; the first lesson
    is prepared, delivered with attendance and answered with feedback."""
    services, sync = runtime.services, runtime.services.sync_classes
    assert b.teacher.user_id is not None
    assert b.other_teacher.user_id is not None
    at(2025, 3, 1)
    services.organisation.set_bell_schedule(b.admin, b.school_id, bell(8 * 60))
    services.organisation.set_bell_schedule(b.admin, b.other_school_id, bell(8 * 60 + 10))
    services.organisation.open_class(b.admin, b.other_school_id, grade=3, name="1班")
    community = services.communities.found(
        b.admin,
        name=f"{label}同步课堂教共体",
        kind="fusion",
        core_school_id=b.school_id,
        founded_on=date(2025, 1, 1),
        round_start_year=2024,
        round_end_year=2026,
        member_school_ids=[b.other_school_id],
    ).id
    timetable = sync.draft_timetable(
        b.school_admin,
        community,
        name=f"{label}走查大课表",
        starts_on=date(2025, 3, 3),
        ends_on=date(2025, 4, 30),
    ).id
    sync.propose_slot(
        b.school_admin,
        timetable,
        weekday=2,
        period=3,
        subject="语文",
        grade=3,
        host_class_id="3-1",
        host_teacher_id=b.teacher.user_id,
        receivers=[Receiver(b.other_school_id, "3-1", b.other_teacher.user_id)],
    )
    member_admin = Actor(
        user_id=b.admin.user_id,
        tenant_id=b.tenant_id,
        school_id=b.other_school_id,
        roles=frozenset({Role.SCHOOL_ADMIN}),
    )
    sync.answer_slot(member_admin, timetable, "1", accept=True)
    sync.generate_sessions(b.school_admin, timetable)
    lesson = session_id_for(timetable, "1@2025-03-04")
    sync.add_draft(b.teacher, lesson, text=f"{label}走查教案")
    at(2025, 3, 4)
    sync.deliver(
        b.teacher,
        lesson,
        started="09:40",
        ended="10:20",
        attendance={f"{b.other_school_id}/3-1": (38, 40)},
        quality="good",
    )
    sync.give_feedback(
        b.other_teacher,
        lesson,
        student_response=f"{label}走查课后反馈",
        homework_rate=90,
        quiz_average=85,
    )
    runtime.catch_up()
    return timetable, lesson


def identifying_data(runtime: Runtime, a: Side, b: Side) -> tuple[set[str], set[str]]:
    """A's names, codes and words (never sent by B), and A's ids (which B sends in the walk)."""
    queries = runtime.services.queries

    def strings(side: Side) -> tuple[set[str], set[str]]:
        admin = side.bureau.admin
        # Bureau names and ids are public on the platform (the partner list for cross-region
        # invitations, DOMAIN.md); nothing else of a bureau is.
        names = set(side.texts)
        ids = set(side.ids.values()) - {str(side.bureau.tenant_id)}
        for school in queries.schools(admin):
            names |= {school.name, school.code}
            ids.add(str(school.id))
        for user in queries.bureau_staff(admin) + [
            u for s in queries.schools(admin) for u in queries.staff(admin, s.id)
        ]:
            names |= {user.username, user.display_name}
            ids.add(str(user.id))
        return names, ids

    a_names, a_ids = strings(a)
    b_names, _ = strings(b)
    shared = {n for n in a_names if any(n in other for other in b_names)}
    assert not shared & {"海宁督导甲", "海宁教师丙", "海宁走查公开课"}, shared
    return a_names - shared, a_ids


@pytest.fixture(
    params=[
        "sqlite",
        # Some 4,000 requests at a few database round trips each: minutes on PostgreSQL.
        pytest.param("postgres", marks=[pytest.mark.postgres, pytest.mark.slow]),
    ]
)
def walk_runtime(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Runtime]:
    """A fresh store for the walk: on SQLite always, on PostgreSQL in the slow runs."""
    if request.param == "sqlite":
        settings = sqlite_settings(tmp_path)
    else:
        settings = sqlite_settings(
            tmp_path,
            JGT_DATABASE_URL=request.getfixturevalue("postgres_url"),
            JGT_EMBEDDED_PROJECTIONS="false",
        )
    runtime = open_runtime(settings)
    yield runtime
    runtime.close()


@pytest.fixture
def world(walk_runtime: Runtime) -> World:
    runtime = walk_runtime
    first = make_bureau(runtime, "hn", "海宁市教育局")
    second = make_bureau(runtime, "yy", "余姚市教育局")
    rename_a_people(runtime, first)
    runtime.catch_up()
    a, b = build_side(runtime, first, "海宁"), build_side(runtime, second, "余姚")
    runtime.start_embedded_projections()
    # Dozens of sign-ins from one address: the rate limit is tested elsewhere.
    runtime.rate_limiter = InMemoryRateLimiter(attempts=100_000, window_seconds=300)
    runtime.api_write_limiter = InMemoryRateLimiter(attempts=100_000, window_seconds=300)
    app = create_app(runtime=runtime, WTF_CSRF_ENABLED=False)
    names, ids = identifying_data(runtime, a, b)
    return World(runtime, app, a, b, names, ids)


@dataclass
class Caller:
    name: str
    actor: Actor
    token: str
    #: A recorded page session of the caller's, for the pages' cookie.
    session_id: str


def callers(world: World) -> list[Caller]:
    found = []
    client = world.app.test_client()
    b = world.b.bureau
    for name, actor in (
        ("teacher", b.teacher),
        ("monitor", b.monitor),
        ("school admin", b.school_admin),
        ("bureau admin", b.admin),
    ):
        username = world.runtime.platform.repository.get(actor.user_id).username
        response = client.post(
            "/api/v1/auth/token", json={"username": username, "password": PASSWORD}
        )
        assert response.status_code == 200, response.json
        session_id, _ = world.runtime.services.people.start_session(
            actor.user_id, kind="web", address="10.0.0.1", agent=""
        )
        token = response.json["token"]  # type: ignore[index]
        found.append(Caller(name, actor, token, str(session_id)))
    return found


def call(
    world: World, caller: Caller, method: str, url: str, a_ids: dict[str, str], n: int
) -> TestResponse:
    """One request as B's ``caller``; ``n`` makes the body's new names unique (and repeatable)."""
    client = world.app.test_client()
    if url.startswith(API):
        headers = {"Authorization": f"Bearer {caller.token}"}
        if method == "GET":
            return client.get(url, headers=headers, query_string=world.query(a_ids))
        body = world.json(a_ids, n)
        if url.endswith("/records"):
            # A mentoring record's kind: the API's contract refuses other kinds (422) before
            # it looks the pair up.
            body["kind"] = "observation"
        if url.endswith("/sessions") and "/research-groups/" in url:
            body["kind"] = "themed_research"  # a research session's type, likewise
        if url.endswith("/lesson-plans"):
            body["grade"] = "三年级"  # a lesson plan's grade is its name, not a number
        return client.open(url, method=method, headers=headers, json=body)
    with client.session_transaction() as session:
        session["_user_id"] = str(caller.actor.user_id)
        session["_fresh"] = True
        session["sid"] = caller.session_id
    if method == "GET":
        return client.get(url, query_string=world.query(a_ids))
    answer = client.open(url, method=method, data=world.form(a_ids, n))
    if method == "POST" and (url == "/logout" or url.startswith("/sessions/")):
        renew_sessions(world, caller)
    return answer


def renew_sessions(world: World, caller: Caller) -> None:
    """Signing out and ending sessions end the caller's session (and "end all others" the token
    too): the walk goes on with new ones, as a person would sign in again."""
    assert caller.actor.user_id is not None
    people = world.runtime.services.people
    web, _ = people.start_session(caller.actor.user_id, kind="web", address="10.0.0.1", agent="")
    api, _ = people.start_session(caller.actor.user_id, kind="api", address="10.0.0.1", agent="")
    with world.app.test_request_context():
        caller.token = issue_token(caller.actor.user_id, api)
    caller.session_id = str(web)


#: What differs between any two answers: signed values (CSRF tokens, the session cookie).
SIGNED = re.compile(r"[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{16,}")


def unsigned(text: str) -> str:
    return SIGNED.sub("<signed>", text)


#: Headers that differ between any two answers, whatever was asked.
_CLOCK_HEADERS = {"date", "expires", "last-modified", "etag", "set-cookie", "content-length"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook_text(data: bytes) -> str:
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    return "\n".join(
        f"{sheet.title}: " + "|".join("" if v is None else str(v) for v in row)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
    )


def text_of(response: TestResponse) -> str:
    headers = "\n".join(
        f"{k}: {v}" for k, v in response.headers.items() if k.lower() not in _CLOCK_HEADERS
    )
    body = response.get_data().decode("utf-8", errors="replace")
    if response.mimetype == XLSX:
        # A workbook is a zip: searched as its cells' text, which is also free of the clock
        # (the file's own timestamps change from one second to the next).
        body = workbook_text(response.get_data())
    if response.is_json:
        # Searched as decoded text: an escaped "\\u79d8" would hide a secret from the search.
        body = json.dumps(response.get_json(silent=True), ensure_ascii=False)
    return headers + "\n" + body


def what_was_sent(world: World, method: str, url: str, a_ids: dict[str, str], n: int) -> str:
    """The request as text (URL, query or body), to tell which of A's ids B itself sent."""
    if method == "GET":
        return url + json.dumps(world.query(a_ids))
    body = world.json(a_ids, n) if url.startswith(API) else world.form(a_ids, n)
    return url + json.dumps({k: v for k, v in body.items() if k != "evidence"})


@dataclass
class Finding:
    caller: str
    method: str
    url: str
    route: str
    problem: str
    a_vars: tuple[str, ...] = ()

    def __str__(self) -> str:
        whose = f" (A's {', '.join(self.a_vars)})" if self.a_vars else ""
        return (
            f"{self.method} {self.url} [{self.route}]{whose} as B's {self.caller}: {self.problem}"
        )


def check_leaks(
    world: World,
    caller: Caller,
    method: str,
    rule: Rule,
    chosen: dict[str, str],
    a_ids: dict[str, str],
    n: int,
    response: TestResponse,
    *,
    compare: bool = False,
) -> list[str]:
    """What the answer gives away: A's words, A's ids B did not send, or (``compare``) any
    difference from the answer to the same request with made-up ids in place of A's. An id of A
    that B sent may come back (an echo) only if a made-up one comes back the same way."""
    text = text_of(response)
    problems = [f"shows A's {s!r}" for s in sorted(world.secrets) if s in text]
    shown = {u for u in world.ids if u in text}
    request = what_was_sent(world, method, fill_rule(rule, chosen), a_ids, n)
    sent = {u for u in world.ids if u in request}
    if shown - sent:
        problems.append(f"shows A's ids it was not sent: {sorted(shown - sent)}")
    if compare:
        made_up = {u: made_up_like(u) for u in world.ids | set(a_ids.values())}
        control = call(
            world,
            caller,
            method,
            fill_rule(rule, {k: made_up.get(v, v) for k, v in chosen.items()}),
            {k: made_up.get(v, v) for k, v in a_ids.items()},
            n,
        )
        echoed = text_of(control)
        for real, fake in made_up.items():
            echoed = echoed.replace(fake, real)
        if control.status_code != response.status_code:
            problems.append(
                f"answers {response.status_code} for A's ids but {control.status_code} for "
                "made-up ones: B learns that A's thing exists"
            )
        elif unsigned(echoed) != unsigned(text):
            problems.append(
                "answers differently for A's ids than for made-up ones, so B learns that A's "
                f"thing exists: {first_difference(unsigned(text), unsigned(echoed))}"
            )
    return problems


def first_difference(real: str, made_up: str) -> str:
    for line, other in zip(real.splitlines(), made_up.splitlines(), strict=False):
        if line != other and not line.startswith("Content-Length"):
            return f"{line.strip()[:120]!r} (made-up: {other.strip()[:120]!r})"
    return "(lengths differ)"


def made_up_like(real: str) -> str:
    """An id of the same shape that names nothing: a UUID, or a SHA-256."""
    return hashlib.sha256(uuid4().bytes).hexdigest() if len(real) == 64 else str(uuid4())


def variants(rule: Rule, a: Side, b: Side) -> list[tuple[dict[str, str], bool]]:
    """(URL ids, whether any is A's): all of A's; each of A's alone among B's; all of B's."""
    names = [n for n in TENANT_IDS if n in rule.arguments]
    if not names:
        return [({}, False)]
    found = [({n: a.url_value(n, rule) for n in names}, True)]
    if len(names) > 1:
        for one in names:
            found.append(({n: (a if n == one else b).url_value(n, rule) for n in names}, True))
    found.append(({n: b.url_value(n, rule) for n in names}, False))
    return found


def settle(world: World) -> None:
    """Wait until the read models show every command so far (the API's commands do not wait)."""
    head = world.runtime.platform.recorder.max_notification_id() or 0
    assert world.runtime.services.queries.wait_for(head)


def walk(world: World, calls: list[Caller]) -> tuple[list[Finding], int]:
    a, b = world.a, world.b
    a_values = set(a.ids.values())
    findings: list[Finding] = []
    count = 0
    rules = sorted(
        (r for r in world.app.url_map.iter_rules() if r.endpoint != "static"),
        key=lambda r: (r.rule, r.endpoint),
    )
    # B's own ids last: those calls may deactivate or move B's people.
    planned = [
        (rule, chosen, carries_a)
        for rule in rules
        for chosen, carries_a in variants(rule, a, b)
        if carries_a or not chosen
    ] + [
        (rule, chosen, carries_a)
        for rule in rules
        for chosen, carries_a in variants(rule, a, b)
        if not carries_a and chosen
    ]
    # Caller by caller, the least powerful first: a later caller may deactivate an earlier one.
    for caller, (rule, chosen, carries_a), method in itertools.product(calls, planned, METHODS):
        url = fill_rule(rule, chosen)
        n = next(world.counter)
        if method == "GET" and method in (rule.methods or ()):
            settle(world)  # the GET and its made-up-id twin must read the same read models
        response = call(world, caller, method, url, a.ids, n)
        count += 1

        def note(
            problem: str,
            rule: Rule = rule,
            url: str = url,
            method: str = method,
            who: str = caller.name,
            a_vars: tuple[str, ...] = tuple(k for k, v in chosen.items() if v in a_values),
        ) -> None:
            findings.append(Finding(who, method, url, rule.endpoint, problem, a_vars))

        status = response.status_code
        if status >= 500:
            note(f"answered {status}")
        if carries_a:
            expected = {404} if method in (rule.methods or ()) else {404, 405}
            if status not in expected:
                note(f"answered {status} for an id of A (expected {sorted(expected)})")
        # Compare with made-up ids only where the first call changed nothing (a GET, or a refused
        # command): after a command that went through, a repeat may fail for that reason alone.
        compare = method in (rule.methods or ()) and (method == "GET" or status >= 400)
        for problem in check_leaks(
            world, caller, method, rule, chosen, a.ids, n, response, compare=compare
        ):
            note(problem)
    return findings, count


def events_of_a_since(world: World, position: int) -> list[str]:
    platform = world.runtime.platform
    touched = []
    a_ids = {UUID(u) for u in world.ids if len(u) == 36}
    for notification in platform.recorder.select_notifications(
        start=position, limit=1_000_000, inclusive_of_start=False
    ):
        event = platform.mapper.to_domain_event(notification)
        tenant = getattr(event, "tenant_id", None)
        if tenant == world.a.bureau.tenant_id or event.originator_id in a_ids:
            touched.append(f"{type(event).__qualname__} of {event.originator_id}")
    return touched


def snapshot_of_a(world: World) -> Any:
    services, a = world.runtime.services, world.a
    admin = a.bureau.admin
    queries = services.queries
    schools = queries.schools(admin)
    assert a.lesson_id is not None
    return (
        schools,
        [queries.classes(admin, s.id) for s in schools],
        [queries.bell_schedule(admin, s.id) for s in schools],
        [queries.staff(admin, s.id) for s in schools],
        queries.bureau_staff(admin),
        services.plans.plans(admin, a.community_id),
        services.activities.activities(admin, a.community_id),
        services.mentoring.pair_detail(a.bureau.school_admin, a.pair_id),
        services.sync_pages.session_page(a.bureau.teacher, a.lesson_id),
    )


def test_no_route_lets_another_bureau_see_or_change_anything_of_a_bureau(world: World) -> None:
    before = world.runtime.platform.recorder.max_notification_id() or 0
    snapshot = snapshot_of_a(world)
    calls = callers(world)

    findings, count = walk(world, calls)

    rules = [r for r in world.app.url_map.iter_rules() if r.endpoint != "static"]
    assert any(r.rule.startswith(API) for r in rules)
    assert count >= len(rules) * len(calls) * len(METHODS)
    settle(world)
    assert events_of_a_since(world, before) == [], "B's calls changed A"
    assert snapshot_of_a(world) == snapshot, "A's directory changed"
    assert not findings, f"{len(findings)} isolation problems:\n" + "\n".join(map(str, findings))


def test_the_walk_fails_a_route_whose_variables_it_cannot_fill() -> None:
    rule = Rule("/communities/<community_id>/plans/<plan_id>", endpoint="x")
    from werkzeug.routing import Map

    Map([rule])
    with pytest.raises(AssertionError, match="community_id"):
        fill_rule(rule, {})


def test_the_leak_check_sees_a_name_an_id_and_tells_an_echo_from_a_lookup(
    world: World,
) -> None:
    """The walk's own checks catch what they are meant to catch (a page that leaks, faked here)."""
    secret_name = next(iter(sorted(world.secrets)))
    a_school = str(world.a.bureau.school_id)
    app = world.app

    @app.get("/_leaky/<school_id>")
    def leaky(school_id: str) -> str:
        return secret_name if school_id == a_school else "nothing"

    @app.get("/_echo/<school_id>")
    def echo(school_id: str) -> str:
        return f"no such school: {school_id}"

    @app.get("/_lookup/<school_id>")
    def lookup(school_id: str) -> str:
        return f"found {school_id}" if school_id == a_school else f"no such school: {school_id}"

    @app.get("/_unsent/<school_id>")
    def unsent(school_id: str) -> str:
        return f"no such school; try {world.a.bureau.other_school_id}"

    caller = callers(world)[0]
    a_ids = world.a.ids
    problems: dict[str, list[str]] = {}
    for endpoint in ("leaky", "echo", "lookup", "unsent"):
        rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
        chosen = {"school_id": a_school}
        response = call(world, caller, "GET", fill_rule(rule, chosen), a_ids, 0)
        problems[endpoint] = check_leaks(
            world, caller, "GET", rule, chosen, a_ids, 0, response, compare=True
        )
    assert f"shows A's {secret_name!r}" in problems["leaky"]
    assert problems["echo"] == []
    assert len(problems["lookup"]) == 1
    assert "B learns that A's thing exists" in problems["lookup"][0]
    assert problems["unsent"] == [
        f"shows A's ids it was not sent: {[str(world.a.bureau.other_school_id)]}"
    ]
