"""Issue 8's values answer 422 and store nothing; values at every limit are applied by every view."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from domain import fields
from domain.counting import TaskKind
from domain.plan import Task
from domain.roles import Role
from infra.bootstrap import SYSTEM, bootstrap_platform_admin
from infra.wiring import Runtime
from services.evidence import Upload
from tests.conftest import PASSWORD, Bureau, found_fusion, make_bureau
from tests.test_api import Api, Client, make_api
from tests.test_api_communities import found, set_clock
from tests.test_api_mentoring import a_pair


@pytest.fixture
def api(sqlite_runtime: Runtime) -> Api:
    made = make_api(sqlite_runtime)
    set_clock(made, 2025, 3, 1)
    return made


def refused(api: Api, send: Any, status: int = 422) -> str:
    """The request answers 422 (or ``status``) with a reason, and nothing is stored."""
    head = api.runtime.platform.recorder.max_notification_id()
    response = send()
    assert response.status_code == status, (response.status_code, response.json)
    reason: str = response.json["error"]
    assert api.runtime.platform.recorder.max_notification_id() == head
    return reason


def test_the_student_counts_of_issue_8_are_refused(api: Api) -> None:
    admin = api.as_("hn-admin")
    school = f"/schools/{api.hn.school_id}"
    change = {"name": "第一小学", "stage": "primary", "locality": "rural"}
    for count in (2147483648, fields.MAX_STUDENTS + 1, -1):
        reason = refused(api, lambda c=count: admin.patch(school, {**change, "student_count": c}))
        assert "学生数" in reason
    # Beyond 64 bits is no number of this API at all: the body is refused before any field is read.
    huge = refused(api, lambda: admin.patch(school, {**change, "student_count": 10**400}), 400)
    assert "数值超出范围" in huge


def test_a_nul_in_a_mentoring_summary_a_school_name_or_an_activity_title_is_refused(
    api: Api,
) -> None:
    pair = a_pair(api)
    teacher = api.as_("hn-teacher")
    record = {"kind": "observation", "mode": "online", "occurred_on": "2025-03-01", "minutes": 45}
    path = f"/pairs/{pair['pair_id']}/records"
    assert "控制字符" in refused(
        api, lambda: teacher.post(path, {**record, "summary": "听课\u0000记录"})
    )
    admin = api.as_("hn-admin")
    new_school = {
        "name": "新仓\u0000小学",
        "code": "HN-XC",
        "stage": "primary",
        "locality": "rural",
    }
    assert "学校名称" in refused(api, lambda: admin.post("/schools", new_school))
    activity = {"kind": "offline_research", "title": "教研\u0000", "occurred_on": "2025-02-28"}
    activities = f"/communities/{pair['community_id']}/activities"
    assert "活动标题" in refused(api, lambda: teacher.post(activities, activity))


def test_the_over_long_texts_of_issue_8_are_refused(api: Api) -> None:
    community_id, _ = found(api)
    admin, principal = api.as_("hn-admin"), api.as_("hn-sadmin")
    teacher = api.as_("hn-teacher")
    school = f"/schools/{api.hn.school_id}"
    activity = {"kind": "offline_research", "title": "题" * 301, "occurred_on": "2025-02-28"}
    person = {"username": "hn-long", "password": PASSWORD, "roles": ["teacher"]}
    new_school = {"code": "HN-XC", "stage": "primary", "locality": "rural"}
    community = {
        "kind": "fusion",
        "core_school_id": str(api.hn.other_school_id),
        "founded_on": "2025-01-01",
        "round_start_year": 2024,
        "round_end_year": 2026,
    }
    plan = {
        "year": 2025,
        "period_start": "2025-01-01",
        "period_end": "2025-12-31",
        "tasks": [{"kind": "offline_research", "target": 4}],
    }
    cases: list[tuple[str, Client, str, str, dict[str, Any]]] = [
        ("活动标题", teacher, "post", f"/communities/{community_id}/activities", activity),
        ("姓名", principal, "post", f"{school}/staff", {**person, "display_name": "名" * 101}),
        ("班级名称", principal, "post", f"{school}/classes", {"grade": 3, "name": "班" * 51}),
        ("学校名称", admin, "post", "/schools", {**new_school, "name": "校" * 201}),
        ("教共体名称", admin, "post", "/communities", {**community, "name": "体" * 201}),
        (
            "计划标题",
            principal,
            "post",
            f"/communities/{community_id}/plans",
            {**plan, "title": "计" * 201},
        ),
    ]
    for field, client, method, path, body in cases:
        reason = refused(api, lambda c=client, m=method, p=path, b=body: getattr(c, m)(p, b))
        assert f"{field}不能超过" in reason, reason
    root = Client(api.client, {"Authorization": f"Bearer {platform_token(api)}"})
    assert "教育局名称不能超过" in refused(api, lambda: root.post("/tenants", {"name": "局" * 201}))


def platform_token(api: Api) -> str:

    bootstrap_platform_admin(
        api.runtime, username="root", display_name="平台管理员", password=PASSWORD
    )
    api.runtime.catch_up()
    return api.token("root")


def test_the_teacher_import_refuses_a_101_character_name_per_row_and_stores_nothing(
    api: Api,
) -> None:
    head = api.runtime.platform.recorder.max_notification_id()
    csv = (
        f"登录名,姓名,初始密码\nhn-ok,张三,{PASSWORD}\nhn-long,{'名' * 101},{PASSWORD}\n"
    ).encode()
    result = api.runtime.services.teacher_import.import_file(
        api.hn.school_admin, api.hn.school_id, filename="teachers.csv", data=csv
    )
    assert not result.ok
    assert [(e.row, "姓名不能超过50个字" in e.message) for e in result.errors] == [(3, True)]
    assert api.runtime.platform.recorder.max_notification_id() == head


# At every limit, on SQLite and on PostgreSQL ------------------------------------------------------


def at_limit(text_field: fields.Text) -> str:
    """The longest text a field accepts, in three-byte Chinese characters."""
    return "字" * text_field.max_length


def test_events_at_every_limit_are_applied_by_every_view(runtime: Runtime) -> None:
    services = runtime.services
    moment = datetime(2025, 3, 1, 10, 0, tzinfo=UTC)
    services.plans.ctx.clock = lambda: moment
    hn: Bureau = make_bureau(runtime, "hn", "海宁市教育局")
    org, people = services.organisation, services.people
    org.register_tenant(SYSTEM, name=at_limit(fields.BUREAU_NAME), region=at_limit(fields.REGION))
    org.change_school(
        hn.admin,
        hn.school_id,
        name=at_limit(fields.SCHOOL_NAME),
        stage="primary",
        locality="rural",
        student_count=fields.MAX_STUDENTS,
    )
    org.open_class(hn.admin, hn.school_id, grade=6, name=at_limit(fields.CLASS_NAME))
    teacher = people.register_user(
        hn.school_admin,
        school_id=hn.school_id,
        username="h" * 64,
        display_name=at_limit(fields.PERSON_NAME),
        password=PASSWORD,
        roles=[Role.TEACHER],
        title=at_limit(fields.JOB_TITLE),
    ).id
    people.deactivate(hn.admin, teacher, at_limit(fields.DEACTIVATION_REASON))
    community = found_fusion(runtime, hn, name=at_limit(fields.COMMUNITY_NAME)).id
    runtime.catch_up()
    task = Task(
        kind=TaskKind.OFFLINE_RESEARCH,
        target=fields.MAX_TARGET,
        weight=fields.MAX_WEIGHT,
        counts=at_limit(fields.TASK_COUNTS),
        threshold=fields.MAX_THRESHOLD,
    )
    plan = services.plans.draft(
        hn.school_admin,
        community,
        year=fields.LAST_YEAR,
        period_start=date(2025, 1, 1),
        period_end=date(2025, 12, 31),
        title=at_limit(fields.PLAN_TITLE),
        tasks=[task],
    ).id
    runtime.catch_up()  # the plan's commands still find it through the communities view
    services.plans.submit(hn.school_admin, plan)
    runtime.catch_up()
    services.plans.return_with_comments(hn.admin, plan, at_limit(fields.COMMENTS))
    pdf = Upload("字" * 300 + ".pdf", "application/pdf", b"%PDF-1.4 evidence")
    activity = services.activities.record(
        hn.teacher,
        community,
        kind=TaskKind.STUDENT_EXCHANGE,
        title=at_limit(fields.ACTIVITY_TITLE),
        occurred_on=date(2025, 2, 28),
        details={
            "student_count": fields.MAX_STUDENTS,
            "exchange_kind": at_limit(fields.EXCHANGE_KIND),
            "summary": at_limit(fields.ACTIVITY_SUMMARY),
        },
        uploads=[pdf],
    ).id
    runtime.catch_up()
    services.activities.withdraw(hn.teacher, activity, reason=at_limit(fields.WITHDRAWAL_REASON))
    runtime.catch_up()
    pair = services.mentoring.pair(
        hn.school_admin,
        community,
        mentor_id=hn.teacher.user_id,  # type: ignore[arg-type]
        mentee_id=hn.other_teacher.user_id,  # type: ignore[arg-type]
        paired_on=date(2025, 2, 1),
        ends_on=date(2026, 1, 31),
    ).id
    runtime.catch_up()
    services.mentoring.record(
        hn.teacher,
        pair,
        kind="observation",
        mode="online",
        occurred_on=date(2025, 2, 28),
        minutes=fields.MINUTES.maximum,
        summary="听课记录\n\t" + at_limit(fields.MENTORING_SUMMARY)[10:],
        uploads=[pdf],
    )
    services.communities.apply_for_assistance(
        hn.school_admin, needs=at_limit(fields.NEEDS), subjects=["英语"]
    )
    services.communities.set_community_type(
        hn.admin,
        key="k" * fields.KEY_LENGTH,
        name=at_limit(fields.TYPE_NAME),
        max_schools=fields.MAX_SCHOOLS_PER_COMMUNITY,
    )
    runtime.catch_up()
    head = runtime.platform.recorder.max_notification_id()
    assert {s.name: s.position for s in runtime.status()} == dict.fromkeys(runtime.views, head)
    school = services.queries.school(hn.admin, hn.school_id)
    assert (school.name, school.student_count) == (at_limit(fields.SCHOOL_NAME), 100_000)
