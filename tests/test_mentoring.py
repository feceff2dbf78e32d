"""Paired mentoring: the rules of pairing, confirmation that counts, and the privacy of content."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import UUID, uuid4

import pytest

from domain.base import DomainError
from domain.counting import TaskKind
from domain.mentoring import Mentor, Pairing
from domain.plan import Rule, Task
from infra.wiring import Runtime
from projections.audit_log import AuditFilter
from services.errors import Forbidden, NotFound
from tests.conftest import Bureau, SetClock, actor_for, found_fusion, teacher_at

NOW = datetime(2025, 3, 17, 15, 0, tzinfo=UTC)


def a_pairing() -> Pairing:
    return Pairing.pair(
        tenant_id=uuid4(),
        community_id=uuid4(),
        mentor_id=uuid4(),
        mentee_id=uuid4(),
        mentor_school_id=uuid4(),
        mentee_school_id=uuid4(),
        paired_on=date(2025, 3, 17),
        ends_on=date(2026, 3, 16),
        actor_id=None,
        occurred_at=NOW,
    )


def test_mentor_cannot_take_a_fourth_mentee() -> None:
    mentor = Mentor(tenant_id=uuid4(), user_id=uuid4(), actor_id=None, occurred_at=NOW)
    for _ in range(3):
        mentor.take_mentee(uuid4(), uuid4(), limit=3, actor_id=None, occurred_at=NOW)
    with pytest.raises(DomainError, match="最多带3名徒弟"):
        mentor.take_mentee(uuid4(), uuid4(), limit=3, actor_id=None, occurred_at=NOW)
    mentor.release_mentee(next(iter(mentor.mentees)), actor_id=None, occurred_at=NOW)
    mentor.take_mentee(uuid4(), uuid4(), limit=3, actor_id=None, occurred_at=NOW)


def test_only_the_other_side_confirms_and_confirming_twice_changes_nothing() -> None:
    pairing = a_pairing()
    record = pairing.record_activity(
        by=pairing.mentee_id,
        kind="observation",
        mode="offline",
        occurred_on=date(2025, 3, 20),
        minutes=40,
        summary="听《卖火柴的小女孩》",
        evidence=[],
        today=date(2025, 3, 21),
        occurred_at=NOW,
    )
    with pytest.raises(DomainError, match="另一方确认"):
        pairing.confirm(record, by=pairing.mentee_id, mentee_school_id=uuid4(), occurred_at=NOW)
    school = uuid4()
    assert pairing.confirm(record, by=pairing.mentor_id, mentee_school_id=school, occurred_at=NOW)
    assert not pairing.confirm(
        record, by=pairing.mentor_id, mentee_school_id=school, occurred_at=NOW
    )
    confirmations = [e for e in pairing.pending_events if isinstance(e, Pairing.ActivityConfirmed)]
    assert len(confirmations) == 1
    [counted] = confirmations[0].counted()
    assert (counted.task_kind, counted.unit, counted.school_id) == (
        "mentoring",
        str(pairing.id),
        school,
    )


def test_a_disputed_record_does_not_count_and_a_confirmed_one_cannot_be_disputed() -> None:
    pairing = a_pairing()
    first = pairing.record_activity(
        by=pairing.mentor_id,
        kind="critique",
        mode="online",
        occurred_on=date(2025, 3, 20),
        minutes=30,
        summary="评课",
        evidence=[],
        today=date(2025, 3, 21),
        occurred_at=NOW,
    )
    pairing.dispute(first, by=pairing.mentee_id, comment="那天我没参加", occurred_at=NOW)
    assert not any(isinstance(e, Pairing.ActivityConfirmed) for e in pairing.pending_events)
    second = pairing.record_activity(
        by=pairing.mentor_id,
        kind="talk",
        mode="offline",
        occurred_on=date(2025, 3, 21),
        minutes=60,
        summary="专题交流",
        evidence=[],
        today=date(2025, 3, 21),
        occurred_at=NOW,
    )
    pairing.confirm(second, by=pairing.mentee_id, mentee_school_id=uuid4(), occurred_at=NOW)
    with pytest.raises(DomainError, match="已确认"):
        pairing.dispute(second, by=pairing.mentee_id, comment="x", occurred_at=NOW)


def test_a_record_outside_the_pairing_or_in_the_future_is_refused() -> None:
    pairing = a_pairing()
    common = {
        "kind": "observation",
        "mode": "offline",
        "minutes": 40,
        "summary": "s",
        "evidence": [],
    }
    with pytest.raises(DomainError, match="结对期内"):
        pairing.record_activity(
            by=pairing.mentee_id,
            occurred_on=date(2025, 3, 1),
            today=date(2025, 3, 21),
            occurred_at=NOW,
            **common,
        )
    with pytest.raises(DomainError, match="未来"):
        pairing.record_activity(
            by=pairing.mentee_id,
            occurred_on=date(2025, 3, 25),
            today=date(2025, 3, 21),
            occurred_at=NOW,
            **common,
        )
    with pytest.raises(DomainError, match="只有师徒双方"):
        pairing.record_activity(
            by=uuid4(),
            occurred_on=date(2025, 3, 20),
            today=date(2025, 3, 21),
            occurred_at=NOW,
            **common,
        )


# Through the services ---------------------------------------------------------------------


@pytest.fixture
def community(runtime: Runtime, two_bureaus: tuple[Bureau, Bureau], set_clock: SetClock) -> UUID:
    """The two schools of 海宁 in one community, with a 2025 plan: ≥5 confirmed per pair, 3 pairs."""
    hn, _ = two_bureaus
    set_clock(datetime(2025, 3, 1, 9, tzinfo=UTC))
    community = found_fusion(runtime, hn, "狮岭—博达").id
    runtime.catch_up()
    plan = runtime.services.plans.draft(
        hn.school_admin,
        community,
        year=2025,
        period_start=date(2025, 1, 1),
        period_end=date(2025, 12, 31),
        title="",
        tasks=[Task(TaskKind.MENTORING, 3, rule=Rule.UNITS, threshold=5)],
    ).id
    runtime.catch_up()
    runtime.services.plans.submit(hn.school_admin, plan)
    runtime.services.plans.approve(hn.admin, plan)
    runtime.catch_up()
    return community


def test_the_communitys_progress_moves_when_a_record_is_confirmed_not_when_it_is_made(
    runtime: Runtime,
    two_bureaus: tuple[Bureau, Bureau],
    community: UUID,
    set_clock: SetClock,
) -> None:
    hn, _ = two_bureaus
    mentoring, progress = runtime.services.mentoring, runtime.services.progress
    set_clock(datetime(2025, 3, 17, 14, tzinfo=UTC))
    assert hn.teacher.user_id is not None
    assert hn.other_teacher.user_id is not None
    pair = mentoring.pair(
        hn.school_admin,
        community,
        mentor_id=hn.teacher.user_id,
        mentee_id=hn.other_teacher.user_id,
        paired_on=date(2025, 3, 17),
        ends_on=date(2026, 3, 16),
    ).id
    runtime.catch_up()
    for day in range(18, 23):
        set_clock(datetime(2025, 3, day, 18, tzinfo=UTC))
        mentoring.record(
            hn.other_teacher,
            pair,
            kind="observation",
            mode="offline",
            occurred_on=date(2025, 3, day),
            minutes=40,
            summary=f"第{day}日听课心得",
        )
    runtime.catch_up()
    assert progress.community(hn.admin, community, as_of=date(2025, 3, 31)).percent == 0.0
    for record in ("1", "2", "3", "4"):
        mentoring.confirm(hn.teacher, pair, record)
    runtime.catch_up()
    assert progress.community(hn.admin, community, as_of=date(2025, 3, 31)).percent == 0.0
    mentoring.confirm(hn.teacher, pair, "5")
    mentoring.confirm(hn.teacher, pair, "5")  # twice: still one
    runtime.catch_up()
    # One pair of the three targeted has reached five confirmed activities: 1/3.
    assert progress.community(hn.admin, community, as_of=date(2025, 3, 31)).percent == 33.3
    assert progress.community(hn.admin, community, as_of=date(2025, 3, 20)).percent == 0.0
    [mine] = mentoring.my_pairs(hn.other_teacher)
    assert (mine.confirmed, mine.target, mine.hours) == (5, 5, 3.3)
    assert mentoring.teacher_hours(hn.teacher, hn.teacher.user_id, 2025) == 3.3


def test_the_bureau_and_the_community_see_counts_but_never_the_content(
    runtime: Runtime,
    two_bureaus: tuple[Bureau, Bureau],
    community: UUID,
    set_clock: SetClock,
) -> None:
    hn, yy = two_bureaus
    mentoring = runtime.services.mentoring
    set_clock(datetime(2025, 3, 20, 18, tzinfo=UTC))
    assert hn.teacher.user_id is not None
    assert hn.other_teacher.user_id is not None
    pair = mentoring.pair(
        hn.school_admin,
        community,
        mentor_id=hn.teacher.user_id,
        mentee_id=hn.other_teacher.user_id,
        paired_on=date(2025, 3, 17),
        ends_on=date(2026, 3, 16),
    ).id
    runtime.catch_up()
    secret = "徒弟课堂管理薄弱，需加强"
    mentoring.record(
        hn.teacher,
        pair,
        kind="critique",
        mode="offline",
        occurred_on=date(2025, 3, 19),
        minutes=45,
        summary=secret,
    )
    mentoring.dispute(hn.other_teacher, pair, "1", comment="私下说明：时间记错了")
    runtime.catch_up()
    for insider in (hn.teacher, hn.other_teacher, hn.school_admin):
        _, records, readable = mentoring.pair_detail(insider, pair)
        assert readable
        assert records[0].summary == secret
    for outsider in (hn.admin, hn.monitor):
        summary, records, readable = mentoring.pair_detail(outsider, pair)
        assert not readable
        assert (records[0].summary, records[0].dispute_comment) == ("", "")
        assert records[0].minutes == 45
        assert summary.disputed == 1
    for entry in runtime.services.queries.audit_log(hn.admin, AuditFilter(limit=500)):
        assert secret not in str(entry.details)
        assert "时间记错了" not in str(entry.details)
    with pytest.raises(NotFound):
        mentoring.pair_detail(yy.admin, pair)
    with pytest.raises(Forbidden):
        mentoring.record(
            hn.school_admin,
            pair,
            kind="talk",
            mode="online",
            occurred_on=date(2025, 3, 19),
            minutes=30,
            summary="x",
        )


def test_a_pair_outside_the_community_is_refused_and_a_pair_survives_a_transfer(
    runtime: Runtime,
    two_bureaus: tuple[Bureau, Bureau],
    community: UUID,
    set_clock: SetClock,
) -> None:
    hn, _ = two_bureaus
    mentoring = runtime.services.mentoring
    set_clock(datetime(2025, 3, 20, 18, tzinfo=UTC))
    elsewhere = runtime.services.organisation.register_school(
        hn.admin, name="别的学校", code="HN-77", stage="primary", locality="urban"
    ).id
    outsider = teacher_at(runtime, hn, elsewhere, "hn-elsewhere")
    assert hn.teacher.user_id is not None
    assert outsider.user_id is not None
    with pytest.raises(DomainError, match="不是该教共体成员"):
        mentoring.pair(
            hn.school_admin,
            community,
            mentor_id=hn.teacher.user_id,
            mentee_id=outsider.user_id,
            paired_on=date(2025, 3, 17),
            ends_on=date(2026, 3, 16),
        )
    with pytest.raises(Forbidden):
        mentoring.pair(
            hn.teacher,
            community,
            mentor_id=hn.teacher.user_id,
            mentee_id=outsider.user_id,
            paired_on=date(2025, 3, 17),
            ends_on=date(2026, 3, 16),
        )
    mentees = [teacher_at(runtime, hn, hn.other_school_id, f"hn-mentee{i}") for i in range(4)]
    for mentee in mentees[:3]:
        assert mentee.user_id is not None
        mentoring.pair(
            hn.school_admin,
            community,
            mentor_id=hn.teacher.user_id,
            mentee_id=mentee.user_id,
            paired_on=date(2025, 3, 17),
            ends_on=date(2026, 3, 16),
        )
    assert mentees[3].user_id is not None
    with pytest.raises(DomainError, match="最多带3名徒弟"):
        mentoring.pair(
            hn.school_admin,
            community,
            mentor_id=hn.teacher.user_id,
            mentee_id=mentees[3].user_id,
            paired_on=date(2025, 3, 17),
            ends_on=date(2026, 3, 16),
        )
    runtime.catch_up()
    # The mentee moves to the core school: the pair goes on, and counts for the new school.
    runtime.services.people.transfer(hn.admin, mentees[0].user_id, hn.school_id)
    runtime.catch_up()
    moved = actor_for(runtime, mentees[0].user_id)
    [pair] = [s.pair.id for s in mentoring.my_pairs(moved)]
    mentoring.record(
        moved,
        pair,
        kind="observation",
        mode="offline",
        occurred_on=date(2025, 3, 20),
        minutes=40,
        summary="调动后继续听课",
    )
    done = mentoring.confirm(hn.teacher, pair, "1")
    runtime.catch_up()
    assert done.position > 0
    [contribution] = runtime.services.progress.drill_down(
        hn.admin, community, task_kind="mentoring", as_of=date(2025, 3, 31)
    )
    assert contribution.contribution.school_id == hn.school_id
    assert contribution.counts
