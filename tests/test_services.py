"""Service-level stories: who may do what, tenancy, uniqueness, sign-in; on SQLite and PostgreSQL."""

from __future__ import annotations

from uuid import uuid4

import pytest

from domain.roles import Role
from infra.wiring import Runtime
from projections.audit_log import AuditFilter
from services.errors import DomainError, Forbidden, NotFound
from tests.conftest import PASSWORD, Bureau


def test_a_bureau_admin_registers_a_school_and_the_directory_lists_it_at_once(
    runtime: Runtime, two_bureaus: tuple[Bureau, Bureau]
) -> None:
    hn, _ = two_bureaus
    runtime.start_embedded_projections()
    done = runtime.services.organisation.register_school(
        hn.admin, name="海宁市博达学校", code="HN-BD", stage="primary", locality="rural"
    )
    assert runtime.services.queries.wait_for(done.position)
    assert "海宁市博达学校" in [s.name for s in runtime.services.queries.schools(hn.admin)]


def test_a_school_code_is_unique_within_a_bureau_but_not_across_bureaus(
    runtime: Runtime, two_bureaus: tuple[Bureau, Bureau]
) -> None:
    hn, yy = two_bureaus
    org = runtime.services.organisation
    with pytest.raises(DomainError, match="已被使用"):
        org.register_school(hn.admin, name="重名", code="hn-01", stage="primary", locality="rural")
    org.register_school(yy.admin, name="余姚同码", code="HN-01", stage="primary", locality="rural")


def test_a_monitor_and_a_school_admin_cannot_register_schools(
    runtime: Runtime, two_bureaus: tuple[Bureau, Bureau]
) -> None:
    hn, _ = two_bureaus
    for someone in (hn.monitor, hn.school_admin, hn.teacher):
        with pytest.raises(Forbidden):
            runtime.services.organisation.register_school(
                someone, name="x", code="X-1", stage="primary", locality="rural"
            )


def test_a_school_admin_manages_classes_of_their_own_school_only(
    runtime: Runtime, two_bureaus: tuple[Bureau, Bureau]
) -> None:
    hn, _ = two_bureaus
    org = runtime.services.organisation
    org.open_class(hn.school_admin, hn.school_id, grade=4, name="2班")
    with pytest.raises(Forbidden):
        org.open_class(hn.school_admin, hn.other_school_id, grade=4, name="2班")
    with pytest.raises(Forbidden):
        org.open_class(hn.teacher, hn.school_id, grade=4, name="3班")


def test_another_bureaus_school_is_not_found_rather_than_forbidden(
    runtime: Runtime, two_bureaus: tuple[Bureau, Bureau]
) -> None:
    hn, yy = two_bureaus
    with pytest.raises(NotFound):
        runtime.services.organisation.open_class(yy.admin, hn.school_id, grade=3, name="9班")
    with pytest.raises(NotFound):
        runtime.services.queries.school(yy.admin, hn.school_id)
    with pytest.raises(NotFound):
        runtime.services.people.register_user(
            yy.admin,
            username="yy-intruder",
            display_name="x",
            password=PASSWORD,
            roles=[Role.TEACHER],
            school_id=hn.school_id,
        )
    with pytest.raises(NotFound):
        runtime.services.queries.school(yy.admin, uuid4())


def test_school_admins_add_teachers_only_at_their_own_school_and_cannot_make_admins(
    runtime: Runtime, two_bureaus: tuple[Bureau, Bureau]
) -> None:
    hn, _ = two_bureaus
    people = runtime.services.people
    fields = {"display_name": "新老师", "password": PASSWORD}
    people.register_user(
        hn.school_admin, username="hn-new1", roles=[Role.TEACHER], school_id=hn.school_id, **fields
    )
    with pytest.raises(Forbidden):
        people.register_user(
            hn.school_admin,
            username="hn-new2",
            roles=[Role.TEACHER],
            school_id=hn.other_school_id,
            **fields,
        )
    with pytest.raises(Forbidden):
        people.register_user(
            hn.school_admin,
            username="hn-new3",
            roles=[Role.SCHOOL_ADMIN],
            school_id=hn.school_id,
            **fields,
        )
    with pytest.raises(Forbidden):
        people.register_user(
            hn.school_admin, username="hn-new4", roles=[Role.BUREAU_ADMIN], **fields
        )


def test_a_login_name_can_be_taken_only_once_across_the_platform(
    runtime: Runtime, two_bureaus: tuple[Bureau, Bureau]
) -> None:
    _, yy = two_bureaus
    with pytest.raises(DomainError, match="已被使用"):
        runtime.services.people.register_user(
            yy.admin,
            username="HN-Teacher",
            display_name="同名",
            password=PASSWORD,
            roles=[Role.TEACHER],
            school_id=yy.school_id,
        )
    assert runtime.services.people.username_taken("hn-teacher")
    assert not runtime.services.people.username_taken("nobody-here")


def test_sign_in_needs_the_right_password_and_an_active_account(
    runtime: Runtime, two_bureaus: tuple[Bureau, Bureau]
) -> None:
    hn, _ = two_bureaus
    people = runtime.services.people
    signed_in = people.authenticate("HN-teacher", PASSWORD)
    assert signed_in is not None
    assert signed_in.user_id == hn.teacher.user_id
    assert signed_in.school_id == hn.school_id
    assert people.authenticate("hn-teacher", "wrong-password") is None
    assert people.authenticate("no-such-user", PASSWORD) is None
    assert hn.teacher.user_id is not None
    people.deactivate(hn.school_admin, hn.teacher.user_id, "离职")
    assert people.authenticate("hn-teacher", PASSWORD) is None


def test_passwords_are_stored_only_as_argon2_hashes_and_never_reach_a_read_model(
    runtime: Runtime, two_bureaus: tuple[Bureau, Bureau]
) -> None:
    hn, _ = two_bureaus
    for notification in runtime.platform.recorder.select_notifications(start=None, limit=10_000):
        assert PASSWORD.encode() not in notification.state
    runtime.catch_up()
    for entry in runtime.services.queries.audit_log(hn.admin, AuditFilter(limit=500)):
        assert "password_hash" not in entry.details
    user = runtime.platform.repository.get(hn.teacher.user_id)
    assert user.password_hash.startswith("$argon2id$")


def test_changing_ones_password_needs_the_current_one(
    runtime: Runtime, two_bureaus: tuple[Bureau, Bureau]
) -> None:
    hn, _ = two_bureaus
    people = runtime.services.people
    with pytest.raises(DomainError, match="当前密码不正确"):
        people.change_own_password(hn.teacher, current="nope-nope", new="a-new-password")
    with pytest.raises(DomainError, match="至少"):
        people.change_own_password(hn.teacher, current=PASSWORD, new="short")
    people.change_own_password(hn.teacher, current=PASSWORD, new="a-new-password")
    assert people.authenticate("hn-teacher", "a-new-password") is not None
    assert people.authenticate("hn-teacher", PASSWORD) is None


def test_a_transfer_moves_a_teacher_and_both_schools_feeds_show_it(
    runtime: Runtime, two_bureaus: tuple[Bureau, Bureau]
) -> None:
    hn, yy = two_bureaus
    assert hn.teacher.user_id is not None
    with pytest.raises(Forbidden):
        runtime.services.people.transfer(hn.school_admin, hn.teacher.user_id, hn.other_school_id)
    with pytest.raises(NotFound):
        runtime.services.people.transfer(hn.admin, hn.teacher.user_id, yy.school_id)
    done = runtime.services.people.transfer(hn.admin, hn.teacher.user_id, hn.other_school_id)
    runtime.catch_up()
    queries = runtime.services.queries
    assert queries.wait_for(done.position)
    assert queries.user(hn.admin, hn.teacher.user_id).school_id == hn.other_school_id
    for school in (hn.school_id, hn.other_school_id):
        latest = queries.school_feed(hn.admin, school, limit=1)[0]
        assert latest.event_type == "User.Transferred"


def test_only_the_bureau_reads_the_audit_log_and_schools_read_only_their_own_feed(
    runtime: Runtime, two_bureaus: tuple[Bureau, Bureau]
) -> None:
    hn, _ = two_bureaus
    queries = runtime.services.queries
    assert queries.audit_log(hn.monitor, AuditFilter(school_id=hn.school_id))
    for someone in (hn.school_admin, hn.teacher):
        with pytest.raises(Forbidden):
            queries.audit_log(someone, AuditFilter())
    assert queries.school_feed(hn.teacher, hn.school_id)
    with pytest.raises(Forbidden):
        queries.school_feed(hn.teacher, hn.other_school_id)


def test_a_platform_admin_registers_bureaus_but_sees_no_schools(
    runtime: Runtime, two_bureaus: tuple[Bureau, Bureau]
) -> None:
    from infra.bootstrap import SYSTEM

    names = [t.name for t in runtime.services.queries.tenants(SYSTEM)]
    assert names == sorted(["海宁市教育局", "余姚市教育局"])
    with pytest.raises(Forbidden):
        runtime.services.queries.schools(SYSTEM)
    hn, _ = two_bureaus
    with pytest.raises(Forbidden):
        runtime.services.queries.tenants(hn.admin)
