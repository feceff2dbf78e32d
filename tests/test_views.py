"""The SQL views' queries on SQLite and PostgreSQL: filters, order, pages, counts and tenancy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from infra.views.directory import SQLDirectoryView
from infra.views.entries import SQLActivityFeedView, SQLAuditLogView
from infra.wiring import Runtime
from projections.audit_log import AuditFilter
from tests.conftest import Bureau

MARCH = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def audit(runtime: Runtime) -> SQLAuditLogView:
    view = runtime.views["audit_log"]
    assert isinstance(view, SQLAuditLogView)
    return view


@pytest.fixture
def feed(runtime: Runtime) -> SQLActivityFeedView:
    view = runtime.views["activity_feed"]
    assert isinstance(view, SQLActivityFeedView)
    return view


@pytest.fixture
def directory(runtime: Runtime) -> SQLDirectoryView:
    view = runtime.views["directory"]
    assert isinstance(view, SQLDirectoryView)
    return view


def set_clock(runtime: Runtime, when: datetime) -> None:
    """When the next commands happen (``occurred_at``); they are still recorded now."""
    runtime.services.organisation.ctx.clock = lambda: when


def class_ids(runtime: Runtime, school_id: object) -> dict[str, str]:
    school = runtime.platform.repository.get(school_id)
    return {str(c["name"]): class_id for class_id, c in school.classes.items()}


# --- the audit log -----------------------------------------------------------------------------


def test_the_audit_log_filters_by_school(
    runtime: Runtime, audit: SQLAuditLogView, two_bureaus: tuple[Bureau, Bureau]
) -> None:
    first, _ = two_bureaus
    at_school = audit.entries(first.tenant_id, AuditFilter(school_id=first.school_id))
    assert {e.school_id for e in at_school} == {first.school_id}
    types = [e.event_type for e in reversed(at_school)]
    # The school's registration and class, and the staff registered there.
    assert types == [
        "School.Registered",
        "School.ClassOpened",
        "User.Registered",
        "User.Registered",
    ]
    subjects = {e.subject_id for e in at_school}
    assert {first.school_admin.user_id, first.teacher.user_id} <= subjects
    assert first.other_teacher.user_id not in subjects


def test_the_audit_log_filters_by_actor_and_by_event_type(
    runtime: Runtime, audit: SQLAuditLogView, two_bureaus: tuple[Bureau, Bureau]
) -> None:
    first, _ = two_bureaus
    by_school_admin = audit.entries(
        first.tenant_id, AuditFilter(actor_id=first.school_admin.user_id)
    )
    assert [(e.event_type, e.subject_id) for e in by_school_admin] == [
        ("User.Registered", first.teacher.user_id)
    ]
    registrations = audit.entries(first.tenant_id, AuditFilter(event_type="School.Registered"))
    assert {e.subject_id for e in registrations} == {first.school_id, first.other_school_id}
    assert audit.entries(first.tenant_id, AuditFilter(event_type="No.SuchEvent")) == []
    both = audit.entries(
        first.tenant_id,
        AuditFilter(event_type="User.Registered", school_id=first.other_school_id),
    )
    assert [e.subject_id for e in both] == [first.other_teacher.user_id]
    assert audit.event_types(first.tenant_id) == [
        "School.ClassOpened",
        "School.Registered",
        "Tenant.Registered",
        "User.Registered",
    ]


def test_the_audit_log_filters_by_when_things_happened_not_when_recorded(
    runtime: Runtime, audit: SQLAuditLogView, two_bureaus: tuple[Bureau, Bureau]
) -> None:
    first, _ = two_bureaus
    org = runtime.services.organisation
    for day in (1, 10, 20):  # recorded today, happened in March (entered late)
        set_clock(runtime, MARCH + timedelta(days=day - 1))
        org.open_class(first.admin, first.school_id, grade=4, name=f"{day}日班")
    runtime.catch_up()
    march_10_to_20 = AuditFilter(
        event_type="School.ClassOpened",
        occurred_from=MARCH + timedelta(days=4),
        occurred_to=MARCH + timedelta(days=19),  # exclusive: the 20th is left out
    )
    (entry,) = audit.entries(first.tenant_id, march_10_to_20)
    assert entry.details["name"] == "10日班"
    assert entry.occurred_at == MARCH + timedelta(days=9)
    assert entry.recorded_at > entry.occurred_at + timedelta(days=200)
    from_the_20th = AuditFilter(
        occurred_from=MARCH + timedelta(days=19), occurred_to=MARCH.replace(month=4)
    )
    assert [e.details["name"] for e in audit.entries(first.tenant_id, from_the_20th)] == ["20日班"]
    assert audit.entries(first.tenant_id, AuditFilter(occurred_to=MARCH)) == []


def test_the_audit_log_pages_newest_first_by_position(
    runtime: Runtime, audit: SQLAuditLogView, two_bureaus: tuple[Bureau, Bureau]
) -> None:
    first, _ = two_bureaus
    everything = audit.entries(first.tenant_id, AuditFilter(limit=1000))
    positions = [e.position for e in everything]
    assert positions == sorted(positions, reverse=True)
    assert len(positions) == len(set(positions)) >= 8
    pages, before = [], None
    while True:
        page = audit.entries(first.tenant_id, AuditFilter(limit=3, before_position=before))
        if not page:
            break
        assert len(page) <= 3
        pages.append(page)
        before = page[-1].position
    assert [e for page in pages for e in page] == everything
    assert len(pages) == -(-len(everything) // 3)


def test_the_audit_log_never_shows_another_tenants_entries(
    runtime: Runtime, audit: SQLAuditLogView, two_bureaus: tuple[Bureau, Bureau]
) -> None:
    first, second = two_bureaus
    assert all(
        e.tenant_id == first.tenant_id for e in audit.entries(first.tenant_id, AuditFilter())
    )
    # Another tenant's school, actor or event type, asked for under one's own tenant: nothing.
    assert audit.entries(second.tenant_id, AuditFilter(school_id=first.school_id)) == []
    assert audit.entries(second.tenant_id, AuditFilter(actor_id=first.admin.user_id)) == []
    assert audit.entries(uuid4(), AuditFilter()) == []
    assert audit.event_types(uuid4()) == []


def test_audit_entries_keep_what_the_event_says_but_never_a_password_hash(
    runtime: Runtime, audit: SQLAuditLogView, two_bureaus: tuple[Bureau, Bureau]
) -> None:
    first, _ = two_bureaus
    (registered,) = [
        e
        for e in audit.entries(first.tenant_id, AuditFilter(event_type="User.Registered"))
        if e.subject_id == first.teacher.user_id
    ]
    assert registered.details["username"] == "hn-teacher"
    assert registered.details["school_id"] == str(first.school_id)
    assert registered.actor_id == first.school_admin.user_id
    assert "password_hash" not in registered.details


# --- the activity feed -------------------------------------------------------------------------


def test_a_school_feed_is_newest_first_and_only_that_schools(
    runtime: Runtime, feed: SQLActivityFeedView, two_bureaus: tuple[Bureau, Bureau]
) -> None:
    first, _ = two_bureaus
    org, people = runtime.services.organisation, runtime.services.people
    org.open_class(first.admin, first.school_id, grade=5, name="2班")
    org.open_class(first.admin, first.other_school_id, grade=5, name="3班")
    runtime.catch_up()
    entries = feed.entries(first.tenant_id, first.school_id, before_position=None, limit=50)
    assert {e.school_id for e in entries} == {first.school_id}
    assert [e.position for e in entries] == sorted((e.position for e in entries), reverse=True)
    assert entries[0].event_type == "School.ClassOpened"
    assert entries[0].details["name"] == "2班"
    assert [e.event_type for e in entries[-1:]] == ["School.Registered"]

    # A transfer shows at both schools; the teacher's later changes at the new school only.
    people.transfer(first.admin, first.teacher.user_id, first.other_school_id)
    people.change_roles(first.admin, first.teacher.user_id, ["teacher", "school_admin"])
    runtime.catch_up()
    old = feed.entries(first.tenant_id, first.school_id, before_position=None, limit=2)
    new = feed.entries(first.tenant_id, first.other_school_id, before_position=None, limit=2)
    assert [e.event_type for e in old] == ["User.Transferred", "School.ClassOpened"]
    assert [e.event_type for e in new] == ["User.RolesChanged", "User.Transferred"]
    assert old[0].position == new[1].position


def test_a_school_feed_pages_and_is_scoped_to_its_tenant(
    runtime: Runtime, feed: SQLActivityFeedView, two_bureaus: tuple[Bureau, Bureau]
) -> None:
    first, second = two_bureaus
    whole = feed.entries(first.tenant_id, first.school_id, before_position=None, limit=100)
    assert len(whole) >= 4
    top = feed.entries(first.tenant_id, first.school_id, before_position=None, limit=2)
    rest = feed.entries(
        first.tenant_id, first.school_id, before_position=top[-1].position, limit=100
    )
    assert top + rest == whole
    assert feed.entries(second.tenant_id, first.school_id, before_position=None, limit=100) == []
    assert feed.entries(first.tenant_id, second.school_id, before_position=None, limit=100) == []


# --- the directory -----------------------------------------------------------------------------


def test_the_directory_counts_active_staff_and_open_classes_per_school(
    runtime: Runtime, directory: SQLDirectoryView, two_bureaus: tuple[Bureau, Bureau]
) -> None:
    first, _ = two_bureaus
    org, people = runtime.services.organisation, runtime.services.people
    counts = {s.id: (s.teacher_count, s.class_count) for s in directory.schools(first.tenant_id)}
    assert counts == {first.school_id: (2, 1), first.other_school_id: (1, 0)}

    org.open_class(first.admin, first.other_school_id, grade=1, name="1班")
    org.open_class(first.admin, first.other_school_id, grade=1, name="2班")
    org.close_class(
        first.admin, first.other_school_id, class_ids(runtime, first.other_school_id)["1班"]
    )
    people.transfer(first.admin, first.teacher.user_id, first.other_school_id)
    people.deactivate(first.admin, first.other_teacher.user_id, "退休")
    runtime.catch_up()
    counts = {s.id: (s.teacher_count, s.class_count) for s in directory.schools(first.tenant_id)}
    assert counts == {first.school_id: (1, 1), first.other_school_id: (1, 1)}
    school = directory.school(first.tenant_id, first.other_school_id)
    assert school is not None
    assert (school.teacher_count, school.class_count) == (1, 1)
    assert [c.name for c in directory.classes(first.tenant_id, first.other_school_id)] == ["2班"]


def test_the_directory_lists_classes_users_and_bell_schedules_in_order(
    runtime: Runtime, directory: SQLDirectoryView, two_bureaus: tuple[Bureau, Bureau]
) -> None:
    first, _ = two_bureaus
    org = runtime.services.organisation
    org.open_class(first.admin, first.school_id, grade=1, name="2班")
    org.open_class(first.admin, first.school_id, grade=1, name="1班")
    periods = [
        {"weekday": 1, "number": 2, "start": "08:50", "end": "09:30"},
        {"weekday": 1, "number": 1, "start": "08:00", "end": "08:40"},
    ]
    org.set_bell_schedule(first.admin, first.school_id, periods)
    runtime.catch_up()
    assert [(c.grade, c.name) for c in directory.classes(first.tenant_id, first.school_id)] == [
        (1, "1班"),
        (1, "2班"),
        (3, "1班"),
    ]
    schedule = directory.bell_schedule(first.tenant_id, first.school_id)
    assert [p["number"] for p in schedule] == [1, 2]
    staff = directory.users(first.tenant_id, school_id=first.school_id)
    assert [u.username for u in staff] == ["hn-sadmin", "hn-teacher"]
    teachers = directory.users(first.tenant_id, role="teacher")
    assert [u.username for u in teachers] == ["hn-teacher", "hn-teacher2"]
    teacher = directory.user(first.tenant_id, first.teacher.user_id)
    assert teacher is not None
    assert (teacher.subjects, teacher.grades, teacher.school_id) == (["语文"], [3], first.school_id)
    assert directory.user_id_by_username("  HN-Teacher ") == first.teacher.user_id
    assert directory.user_for_session(first.teacher.user_id) == teacher


def test_the_directory_answers_nothing_for_another_tenants_ids(
    runtime: Runtime, directory: SQLDirectoryView, two_bureaus: tuple[Bureau, Bureau]
) -> None:
    first, second = two_bureaus
    assert [t.name for t in directory.tenants()] == sorted(["海宁市教育局", "余姚市教育局"])
    tenant = directory.tenant(first.tenant_id)
    assert tenant is not None
    assert tenant.name == "海宁市教育局"
    assert directory.tenant(uuid4()) is None
    assert directory.school(second.tenant_id, first.school_id) is None
    assert directory.classes(second.tenant_id, first.school_id) == []
    runtime.services.organisation.set_bell_schedule(
        first.admin,
        first.school_id,
        [{"weekday": 1, "number": 1, "start": "08:00", "end": "08:40"}],
    )
    runtime.catch_up()
    assert directory.bell_schedule(first.tenant_id, first.school_id)
    assert directory.bell_schedule(second.tenant_id, first.school_id) == []
    assert directory.user(second.tenant_id, first.teacher.user_id) is None
    assert directory.users(second.tenant_id, school_id=first.school_id) == []
    assert {s.id for s in directory.schools(second.tenant_id)} == {
        second.school_id,
        second.other_school_id,
    }
