"""Every field a command accepts is checked against domain/fields.py before an event exists."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any
from uuid import uuid4

import pytest

from domain import fields
from domain.activity import Activity
from domain.assistance import AssistanceApplication
from domain.base import DomainError
from domain.community import Community
from domain.counting import TaskKind
from domain.mentoring import Mentor, Pairing
from domain.plan import Plan, Task
from domain.school import School
from domain.seal import QuarterSeal
from domain.settings import DEFAULT_COMMUNITY_TYPES, TenantSettings, default_plan_year
from domain.tenant import Tenant
from domain.user import User

NOW = datetime(2025, 3, 1, 10, 0, tzinfo=UTC)
TODAY = date(2025, 3, 1)
WHO: dict[str, Any] = {"actor_id": None, "occurred_at": NOW}
TENANT = uuid4()
FUSION = DEFAULT_COMMUNITY_TYPES[0]
HASH = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA"


def a_school(stage: str = "primary") -> School:
    return School.register(
        tenant_id=TENANT, name="狮岭学校", code="SL", stage=stage, locality="rural", **WHO
    )


def a_user(**changed: Any) -> User:
    given: dict[str, Any] = {
        "tenant_id": TENANT,
        "username": "sl-sunff",
        "display_name": "孙飞凤",
        "school_id": uuid4(),
        "roles": ["teacher"],
        "password_hash": HASH,
        **changed,
    }
    return User.register(**given, **WHO)


def a_community(**changed: Any) -> Community:
    given: dict[str, Any] = {
        "tenant_id": TENANT,
        "name": "狮岭—博达教共体",
        "kind": FUSION,
        "core_school_id": uuid4(),
        "founded_on": date(2025, 1, 1),
        "round_start_year": 2024,
        "round_end_year": 2026,
        **changed,
    }
    return Community.found(**given, **WHO)


def a_task(**changed: Any) -> Task:
    return Task(**{"kind": TaskKind.OFFLINE_RESEARCH, "target": 4, **changed})


def a_plan(**changed: Any) -> Plan:
    given: dict[str, Any] = {
        "tenant_id": TENANT,
        "community_id": uuid4(),
        "year": 2025,
        "period_start": date(2025, 1, 1),
        "period_end": date(2025, 12, 31),
        "title": "",
        "tasks": [a_task()],
        **changed,
    }
    return Plan.draft(**given, **WHO)


def an_activity(**changed: Any) -> Activity:
    given: dict[str, Any] = {
        "tenant_id": TENANT,
        "community_id": uuid4(),
        "school_id": uuid4(),
        "kind": TaskKind.OFFLINE_RESEARCH,
        "title": "联合教研",
        "occurred_on": date(2025, 2, 1),
        "participant_ids": [],
        "details": {},
        "evidence": [],
        "today": TODAY,
        **changed,
    }
    return Activity.record(**given, **WHO)


def a_pairing() -> Pairing:
    return Pairing.pair(
        tenant_id=TENANT,
        community_id=uuid4(),
        mentor_id=uuid4(),
        mentee_id=uuid4(),
        mentor_school_id=uuid4(),
        mentee_school_id=uuid4(),
        paired_on=date(2025, 1, 1),
        ends_on=date(2025, 12, 31),
        **WHO,
    )


def a_mentoring_record(**changed: Any) -> str:
    pairing = a_pairing()
    given: dict[str, Any] = {
        "kind": "observation",
        "mode": "online",
        "occurred_on": date(2025, 2, 1),
        "minutes": 45,
        "summary": "听课记录",
        "evidence": [],
        **changed,
    }
    return pairing.record_activity(by=pairing.mentor_id, today=TODAY, occurred_at=NOW, **given)


def evidence(**changed: Any) -> list[dict[str, Any]]:
    return [
        {"sha256": "a" * 64, "name": "教案.pdf", "size": 1024, "type": "application/pdf"} | changed
    ]


def an_application(**changed: Any) -> AssistanceApplication:
    given: dict[str, Any] = {
        "tenant_id": TENANT,
        "school_id": uuid4(),
        "needs": "需要英语老师送教，每月两次",
        "subjects": ["英语"],
        **changed,
    }
    return AssistanceApplication.apply(**given, **WHO)


def a_declined_application(reason: str) -> None:
    an_application().decline(reason, **WHO)


def a_seal(**changed: Any) -> QuarterSeal:
    given: dict[str, Any] = {
        "tenant_id": TENANT,
        "year": 2025,
        "quarter": 1,
        "due": date(2025, 3, 31),
        "figures": [{"name": "教共体", "percent": 40.0}],
        "today": date(2025, 4, 1),
        **changed,
    }
    return QuarterSeal.seal(**given, **WHO)


def a_plan_year(**changed: Any) -> None:
    year = default_plan_year(2025)
    TenantSettings(tenant_id=TENANT, **WHO).set_plan_year(
        type(year)(**{**year.__dict__, **changed}), **WHO
    )


Command = Callable[[Any], object]

#: Every text field of every command, with the field that limits it.
TEXT_FIELDS: list[tuple[str, Command, fields.Text]] = [
    (
        "bureau name",
        lambda v: Tenant.register(tenant_id=uuid4(), name=v, **WHO),
        fields.BUREAU_NAME,
    ),
    (
        "bureau region",
        lambda v: Tenant.register(tenant_id=uuid4(), name="局", region=v, **WHO),
        fields.REGION,
    ),
    (
        "bureau renamed",
        lambda v: Tenant.register(tenant_id=uuid4(), name="局", **WHO).rename(v, **WHO),
        fields.BUREAU_NAME,
    ),
    (
        "school name",
        lambda v: School.register(
            tenant_id=TENANT, name=v, code="SL", stage="primary", locality="rural", **WHO
        ),
        fields.SCHOOL_NAME,
    ),
    (
        "school renamed",
        lambda v: a_school().change_details(
            name=v, stage="primary", locality="rural", student_count=1, **WHO
        ),
        fields.SCHOOL_NAME,
    ),
    ("class name", lambda v: a_school().open_class(grade=3, name=v, **WHO), fields.CLASS_NAME),
    ("teacher name", lambda v: a_user(display_name=v), fields.PERSON_NAME),
    ("teacher title", lambda v: a_user(title=v), fields.JOB_TITLE),
    (
        "profile name",
        lambda v: a_user().update_profile(
            display_name=v, subjects=[], grades=[], key_level="", title="", **WHO
        ),
        fields.PERSON_NAME,
    ),
    (
        "profile title",
        lambda v: a_user().update_profile(
            display_name="孙", subjects=[], grades=[], key_level="", title=v, **WHO
        ),
        fields.JOB_TITLE,
    ),
    ("password hash", lambda v: a_user().change_password(v, **WHO), fields.PASSWORD_HASH),
    ("deactivation reason", lambda v: a_user().deactivate(v, **WHO), fields.DEACTIVATION_REASON),
    ("community name", lambda v: a_community(name=v), fields.COMMUNITY_NAME),
    ("leaving reason", lambda v: _left(v), fields.LEAVING_REASON),
    ("declining reason", lambda v: _declined_invitation(v), fields.DECLINING_REASON),
    ("plan title", lambda v: a_plan(title=v), fields.PLAN_TITLE),
    ("what a task counts", lambda v: a_plan(tasks=[a_task(counts=v)]), fields.TASK_COUNTS),
    ("plan comments", lambda v: _returned(v), fields.COMMENTS),
    ("activity title", lambda v: an_activity(title=v), fields.ACTIVITY_TITLE),
    ("activity summary", lambda v: an_activity(details={"summary": v}), fields.ACTIVITY_SUMMARY),
    ("activity link", lambda v: an_activity(details={"link": v}), fields.LINK),
    (
        "exchange kind",
        lambda v: an_activity(
            kind=TaskKind.STUDENT_EXCHANGE, details={"student_count": 30, "exchange_kind": v}
        ),
        fields.EXCHANGE_KIND,
    ),
    (
        "research output title",
        lambda v: an_activity(kind=TaskKind.RESEARCH_OUTPUT, details={"level": "city", "title": v}),
        fields.OUTPUT_TITLE,
    ),
    ("evidence file name", lambda v: an_activity(evidence=evidence(name=v)), fields.FILE_NAME),
    ("evidence file type", lambda v: an_activity(evidence=evidence(type=v)), fields.FILE_TYPE),
    (
        "attached evidence name",
        lambda v: an_activity().attach_evidence(evidence(name=v), **WHO),
        fields.FILE_NAME,
    ),
    ("withdrawal reason", lambda v: an_activity().withdraw(v, **WHO), fields.WITHDRAWAL_REASON),
    ("mentoring summary", lambda v: a_mentoring_record(summary=v), fields.MENTORING_SUMMARY),
    (
        "mentoring evidence name",
        lambda v: a_mentoring_record(evidence=evidence(name=v)),
        fields.FILE_NAME,
    ),
    ("dispute comment", lambda v: _disputed(v), fields.DISPUTE_COMMENT),
    (
        "ending reason",
        lambda v: a_pairing().end(on=date(2025, 2, 1), reason=v, **WHO),
        fields.ENDING_REASON,
    ),
    ("assistance needs", lambda v: an_application(needs=v), fields.NEEDS),
    ("assistance declining reason", a_declined_application, fields.DECLINING_REASON),
    (
        "community type key",
        lambda v: _settings().set_community_type(key=v, name="新型", max_schools=None, **WHO),
        fields.TYPE_KEY,
    ),
    (
        "community type name",
        lambda v: _settings().set_community_type(key="new", name=v, max_schools=None, **WHO),
        fields.TYPE_NAME,
    ),
    (
        "sealed figures",
        lambda v: a_seal(figures=[{"name": v}]),
        fields.Text("", "", fields.FREE_TEXT_LENGTH, 0, True),
    ),
]

#: Every whole-number field of every command, with the field that limits it.
WHOLE_FIELDS: list[tuple[str, Command, fields.Whole]] = [
    (
        "student count",
        lambda v: School.register(
            tenant_id=TENANT,
            name="学校",
            code="SL",
            stage="primary",
            locality="rural",
            student_count=v,
            **WHO,
        ),
        fields.STUDENT_COUNT,
    ),
    (
        "changed student count",
        lambda v: a_school().change_details(
            name="学校", stage="primary", locality="rural", student_count=v, **WHO
        ),
        fields.STUDENT_COUNT,
    ),
    (
        "class grade",
        lambda v: a_school("nine_year").open_class(grade=v, name="1班", **WHO),
        fields.GRADE,
    ),
    (
        "period number",
        lambda v: a_school().set_bell_schedule(
            [{"weekday": 1, "number": v, "start": "08:00", "end": "08:40"}], **WHO
        ),
        fields.PERIOD_NUMBER,
    ),
    (
        "round end year",
        lambda v: a_community(
            round_start_year=v - 1 if isinstance(v, int) else 2024, round_end_year=v
        ),
        fields.ROUND_YEAR,
    ),
    ("plan year", lambda v: a_plan(year=v), fields.PLAN_YEAR),
    ("task target", lambda v: a_plan(tasks=[a_task(target=v)]), fields.TARGET),
    ("task threshold", lambda v: a_plan(tasks=[a_task(threshold=v)]), fields.THRESHOLD),
    (
        "exchange students",
        lambda v: an_activity(kind=TaskKind.STUDENT_EXCHANGE, details={"student_count": v}),
        fields.EXCHANGE_STUDENTS,
    ),
    ("evidence size", lambda v: an_activity(evidence=evidence(size=v)), fields.FILE_SIZE),
    ("mentoring minutes", lambda v: a_mentoring_record(minutes=v), fields.MINUTES),
    (
        "mentee limit",
        lambda v: Mentor(tenant_id=TENANT, user_id=uuid4(), **WHO).take_mentee(
            uuid4(), uuid4(), limit=v, **WHO
        ),
        fields.MENTEE_LIMIT,
    ),
    (
        "max schools",
        lambda v: _settings().set_community_type(key="new", name="新型", max_schools=v, **WHO),
        fields.MAX_SCHOOLS,
    ),
    (
        "yearly target",
        lambda v: a_plan_year(targets={TaskKind.MENTORING: v}),
        fields.TARGET_SETTING,
    ),
    ("placement days", lambda v: a_plan_year(shadow_placement_days=v), fields.PLACEMENT_DAYS),
    ("mentees a year", lambda v: a_plan_year(mentor_max_mentees=v), fields.MENTEE_LIMIT),
    ("sealed year", lambda v: a_seal(year=v), fields.YEAR),
    ("sealed quarter", lambda v: a_seal(quarter=v), fields.QUARTER),
]

#: Every date field: a year outside 2000–2100 is refused.
DATE_FIELDS: list[tuple[str, Command]] = [
    ("founding", lambda v: a_community(founded_on=v)),
    ("joining", lambda v: a_community().admit(uuid4(), on=v, kind=FUSION, **WHO)),
    ("plan start", lambda v: a_plan(period_start=v)),
    ("activity", lambda v: an_activity(occurred_on=v)),
    (
        "pairing",
        lambda v: Pairing.pair(
            tenant_id=TENANT,
            community_id=uuid4(),
            mentor_id=uuid4(),
            mentee_id=uuid4(),
            mentor_school_id=uuid4(),
            mentee_school_id=uuid4(),
            paired_on=v,
            ends_on=date(2101, 1, 1),
            **WHO,
        ),
    ),
    ("mentoring record", lambda v: a_mentoring_record(occurred_on=v)),
    ("seal due", lambda v: a_seal(due=v)),
    ("plan deadline", lambda v: a_plan_year(plan_deadline=v)),
]


def _left(reason: str) -> None:
    community = a_community()
    member = uuid4()
    community.admit(member, on=date(2025, 1, 1), kind=FUSION, **WHO)
    community.release(member, on=date(2025, 2, 1), reason=reason, **WHO)


def _declined_invitation(reason: str) -> None:
    community, school, bureau = a_community(), uuid4(), uuid4()
    community.invite_across_regions(school, bureau, on=date(2025, 2, 1), kind=FUSION, **WHO)
    community.decline(school, declining_tenant_id=bureau, reason=reason, **WHO)


def _returned(comments: str) -> None:
    plan = a_plan()
    plan.submit(deadline=date(2025, 4, 15), today=TODAY, **WHO)
    plan.return_with_comments(comments, **WHO)


def _disputed(comment: str) -> None:
    pairing = a_pairing()
    record = pairing.record_activity(
        by=pairing.mentor_id,
        kind="observation",
        mode="online",
        occurred_on=date(2025, 2, 1),
        minutes=45,
        summary="听课",
        evidence=[],
        today=TODAY,
        occurred_at=NOW,
    )
    pairing.dispute(record, by=pairing.mentee_id, comment=comment, occurred_at=NOW)


def _settings() -> TenantSettings:
    return TenantSettings(tenant_id=TENANT, **WHO)


def _names(cases: list[Any]) -> list[str]:
    return [case[0] for case in cases]


@pytest.mark.parametrize(("name", "command", "field"), TEXT_FIELDS, ids=_names(TEXT_FIELDS))
def test_text_one_character_too_long_is_refused_naming_the_field(
    name: str, command: Command, field: fields.Text
) -> None:
    with pytest.raises(
        DomainError, match=f"不能超过{field.max_length}个字.*at most {field.max_length}"
    ):
        command("字" * (field.max_length + 1))


@pytest.mark.parametrize(("name", "command", "field"), TEXT_FIELDS, ids=_names(TEXT_FIELDS))
@pytest.mark.parametrize(
    "bad", ["听课\u0000记录课", "听课\u001b[31m记录", "听课\ud800记录课", "听课\u007f记录课"]
)
def test_text_with_a_nul_another_control_character_or_a_lone_surrogate_is_refused(
    name: str, command: Command, field: fields.Text, bad: str
) -> None:
    with pytest.raises(DomainError, match=r"控制字符.*control character"):
        command(bad + "。" * 10)


@pytest.mark.parametrize(("name", "command", "field"), TEXT_FIELDS, ids=_names(TEXT_FIELDS))
def test_text_at_its_limit_is_accepted(name: str, command: Command, field: fields.Text) -> None:
    if name in ("evidence file type", "password hash"):
        command("x" * field.max_length)
    elif name == "community type key":
        command("k" * field.max_length)
    else:
        command("字" * field.max_length)


@pytest.mark.parametrize(("name", "command", "field"), WHOLE_FIELDS, ids=_names(WHOLE_FIELDS))
def test_a_number_out_of_its_range_or_not_a_whole_number_is_refused(
    name: str, command: Command, field: fields.Whole
) -> None:
    for bad in (field.maximum + 1, 2**31, 10**400, field.minimum - 1):
        if bad <= field.maximum and bad >= field.minimum:
            continue
        with pytest.raises(DomainError, match=r"应为|至少|不能为负|最多|需要|须为正"):
            command(bad)
    with pytest.raises(DomainError):
        command(True)


@pytest.mark.parametrize(("name", "command", "field"), WHOLE_FIELDS, ids=_names(WHOLE_FIELDS))
def test_a_number_at_either_end_of_its_range_is_accepted(
    name: str, command: Command, field: fields.Whole
) -> None:
    command(field.maximum)
    if name != "round end year":
        command(field.minimum)


@pytest.mark.parametrize(("name", "command"), DATE_FIELDS, ids=_names(DATE_FIELDS))
def test_a_date_outside_the_years_the_platform_keeps_is_refused(
    name: str, command: Command
) -> None:
    with pytest.raises(DomainError, match="2000–2100"):
        command(date(1999, 12, 31))
    with pytest.raises(DomainError, match="2000–2100"):
        command(date(9999, 1, 1))


def test_text_is_nfc_normalised_stripped_and_counted_in_characters_after_normalising() -> None:
    decomposed = "e\u0301cole"  # é as e + combining accent: 6 code points, 5 characters in NFC
    assert (
        School.register(
            tenant_id=TENANT,
            name=f"  {decomposed}\n",
            code="SL",
            stage="primary",
            locality="rural",
            **WHO,
        ).name
        == "\u00e9cole"
    )
    assert fields.Text("名", "A name", 5).check(decomposed) == "\u00e9cole"


def test_multi_line_free_text_keeps_line_breaks_and_tabs_but_one_line_text_does_not() -> None:
    summary = "第一段\r\n\t第二段\r第三段"
    assert fields.MENTORING_SUMMARY.check(summary) == "第一段\n\t第二段\n第三段"
    with pytest.raises(DomainError, match="控制字符"):
        fields.SCHOOL_NAME.check("狮岭\n学校")


def test_a_list_longer_than_its_limit_or_an_unknown_detail_is_refused() -> None:
    with pytest.raises(DomainError, match="最多"):
        an_activity(participant_ids=[uuid4() for _ in range(fields.MAX_PARTICIPANTS + 1)])
    with pytest.raises(DomainError, match="未知的活动详情"):
        an_activity(details={"anything": "x"})
    with pytest.raises(DomainError, match="最多"):
        a_user(subjects=["语文"] * (fields.MAX_SUBJECTS + 1))
    with pytest.raises(DomainError, match="最多"):
        a_school().set_bell_schedule(
            [{"weekday": 1, "number": 1, "start": "08:00", "end": "08:40"}]
            * (fields.MAX_PERIODS + 1),
            **WHO,
        )


def test_weights_and_checkpoint_shares_are_finite_numbers() -> None:
    for bad in (float("nan"), float("inf"), fields.MAX_WEIGHT + 1):
        with pytest.raises(DomainError, match="权重"):
            a_plan(tasks=[a_task(weight=bad)])
    assert a_plan(tasks=[a_task(weight=fields.MAX_WEIGHT)]).tasks[0]["weight"] == fields.MAX_WEIGHT
    with pytest.raises(DomainError, match="检查点比例"):
        a_plan_year(
            checkpoints=[type(c)(c.due, float("nan")) for c in default_plan_year(2025).checkpoints]
        )
    with pytest.raises(DomainError, match="有限数"):
        a_seal(figures=[{"percent": float("inf")}])
