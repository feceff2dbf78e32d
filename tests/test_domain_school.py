"""A school's rules: its identity, its classes and its bell schedule."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from domain.base import DomainError
from domain.school import School

NOW = datetime(2025, 3, 17, 14, 0, tzinfo=UTC)
ACTOR = uuid4()


def a_school(stage: str = "primary") -> School:
    return School.register(
        tenant_id=uuid4(),
        name=" 海宁市狮岭学校 ",
        code="hn-sl",
        stage=stage,
        locality="rural",
        student_count=960,
        actor_id=ACTOR,
        occurred_at=NOW,
    )


def period(weekday: int, number: int, start: str, end: str) -> dict[str, object]:
    return {"weekday": weekday, "number": number, "start": start, "end": end}


def test_a_registered_school_records_who_registered_it_and_when() -> None:
    school = a_school()
    registered = school.pending_events[0]
    assert isinstance(registered, School.Registered)
    assert registered.actor_id == ACTOR
    assert registered.occurred_at == NOW
    assert registered.tenant_id == school.tenant_id
    assert (school.name, school.code) == ("海宁市狮岭学校", "HN-SL")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "  ", "学校名称不能为空"),
        ("code", "狮岭", "学校代码"),
        ("stage", "university", "未知学段"),
        ("locality", "suburb", "未知城乡类型"),
        ("student_count", -1, "学生数应为0–100000"),
    ],
)
def test_a_school_with_bad_details_is_refused(field: str, value: object, message: str) -> None:
    details: dict[str, object] = {
        "tenant_id": uuid4(),
        "name": "博达学校",
        "code": "BD",
        "stage": "primary",
        "locality": "rural",
        "student_count": 400,
    }
    details[field] = value
    with pytest.raises(DomainError, match=message):
        School.register(**details, actor_id=ACTOR, occurred_at=NOW)  # type: ignore[arg-type]


def test_every_event_of_a_school_carries_its_tenant() -> None:
    school = a_school()
    school.open_class(grade=3, name="1班", actor_id=ACTOR, occurred_at=NOW)
    school.change_details(
        name="狮岭学校",
        stage="primary",
        locality="rural",
        student_count=1000,
        actor_id=ACTOR,
        occurred_at=NOW,
    )
    assert {e.tenant_id for e in school.pending_events} == {school.tenant_id}


def test_a_primary_school_cannot_open_a_grade_eight_class() -> None:
    with pytest.raises(DomainError, match="没有8年级"):
        a_school().open_class(grade=8, name="1班", actor_id=ACTOR, occurred_at=NOW)


def test_a_class_name_is_unique_within_its_grade_while_open() -> None:
    school = a_school()
    first = school.open_class(grade=3, name="1班", actor_id=ACTOR, occurred_at=NOW)
    school.open_class(grade=4, name="1班", actor_id=ACTOR, occurred_at=NOW)
    with pytest.raises(DomainError, match="已存在"):
        school.open_class(grade=3, name="1班", actor_id=ACTOR, occurred_at=NOW)
    school.close_class(first, actor_id=ACTOR, occurred_at=NOW)
    reopened = school.open_class(grade=3, name="1班", actor_id=ACTOR, occurred_at=NOW)
    assert reopened != first


def test_closing_an_unknown_class_is_refused() -> None:
    with pytest.raises(DomainError, match="没有这个班级"):
        a_school().close_class("3-9", actor_id=ACTOR, occurred_at=NOW)


def test_a_bell_schedule_is_kept_in_weekday_and_time_order() -> None:
    school = a_school()
    school.set_bell_schedule(
        [
            period(2, 1, "08:00", "08:40"),
            period(1, 2, "08:50", "09:30"),
            period(1, 1, "08:00", "08:40"),
        ],
        actor_id=ACTOR,
        occurred_at=NOW,
    )
    assert [(p["weekday"], p["number"]) for p in school.bell_schedule] == [(1, 1), (1, 2), (2, 1)]
    found = school.period_at(1, 2)
    assert found is not None
    assert (found.start, found.end) == ("08:50", "09:30")
    assert school.period_at(3, 1) is None


@pytest.mark.parametrize(
    ("periods", "message"),
    [
        ([period(1, 1, "08:40", "08:00")], "开始时间须早于结束时间"),
        ([period(1, 1, "08:00", "08:40"), period(1, 1, "09:00", "09:40")], "重复"),
        ([period(1, 1, "08:00", "08:40"), period(1, 2, "08:30", "09:10")], "重叠"),
        ([period(8, 1, "08:00", "08:40")], "星期应为1–7"),
        ([period(1, 0, "08:00", "08:40")], "节次编号应为1–20"),
        ([period(1, 1, "8:00", "08:40")], "HH:MM"),
        ([{"weekday": 1, "start": "08:00"}], "节次格式错误"),
    ],
)
def test_a_bell_schedule_with_an_impossible_period_is_refused(
    periods: list[dict[str, object]], message: str
) -> None:
    school = a_school()
    with pytest.raises(DomainError, match=message):
        school.set_bell_schedule(periods, actor_id=ACTOR, occurred_at=NOW)
    assert school.bell_schedule == []
