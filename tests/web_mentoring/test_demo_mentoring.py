"""The demo's mentoring: the Haining plan's three mentors with three mentees each, and a year of records."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime

from domain.roles import Role
from domain.user import User
from infra.demo import seed_demo
from infra.demo_history import MENTEES, PAIRED_ON
from infra.wiring import Runtime
from projections.mentoring import RecordRow
from services.people import actor_of


def test_the_demo_pairs_three_mentors_with_three_mentees_each_and_a_year_of_records(
    sqlite_runtime: Runtime,
) -> None:
    runtime = sqlite_runtime
    seed_demo(runtime)
    runtime.catch_up()
    directory = runtime.services.queries.ctx.directory
    mentoring = runtime.services.mentoring

    def user(username: str) -> User:
        found = directory.user_id_by_username(username)
        assert found is not None, username
        row: User = runtime.platform.repository.get(found)
        return row

    records: list[RecordRow] = []
    for mentor_name, mentees in MENTEES.items():
        mentor = user(mentor_name)
        pairs = mentoring.my_pairs(actor_of(mentor))
        assert len(pairs) == 3
        assert {p.pair.paired_on for p in pairs} == {PAIRED_ON}
        assert {p.mentor_school for p in pairs} == {"海宁市狮岭学校"}
        assert {p.mentee_school for p in pairs} == {"海宁市博达学校"}
        assert {p.community_name for p in pairs} == {"狮岭—博达城乡教共体"}
        assert sorted(p.mentee_name for p in pairs) == sorted(
            user(name).display_name for name in mentees
        )
        for mentee_name in mentees:
            mentee = user(mentee_name)
            assert mentee.has_role(Role.TEACHER)
            assert list(mentee.subjects) == list(mentor.subjects), (mentor_name, mentee_name)
        records += mentoring.ctx.mentoring.records([p.pair.id for p in pairs])

    statuses = Counter(r.status for r in records)
    assert statuses["disputed"] == 1
    assert 3 <= statuses["pending"] <= 5
    assert statuses["confirmed"] >= 40
    assert {r.kind for r in records} == {
        "observation",
        "critique",
        "guided_preparation",
        "demonstration",
        "talk",
    }
    assert {r.mode for r in records} == {"online", "offline"}
    assert {r.recorded_by for r in records} == {"mentor", "mentee"}
    assert any(r.evidence for r in records)
    now = datetime.now(UTC)
    for r in records:
        assert PAIRED_ON <= r.occurred_on <= r.recorded_at.date()
        assert r.recorded_at < now
        assert r.confirmed_at is None or r.recorded_at < r.confirmed_at < now
    # 付开萍 (a demo login) has four confirmed and nothing waiting: a fifth moves the plan's task.
    [pair] = mentoring.my_pairs(actor_of(user("bd-fukp")))
    if now.date().year == PAIRED_ON.year:
        assert (pair.confirmed, pair.pending, pair.target) == (4, 0, 5)
    assert date(PAIRED_ON.year, 12, 31) < pair.pair.ends_on

    # Seeding again reuses the data.
    head = runtime.platform.recorder.max_notification_id()
    seed_demo(runtime)
    assert runtime.platform.recorder.max_notification_id() == head
