"""The research pages: a teacher signs up, checks in and posts on a phone; the host sees the code
and the attendees; the school admin sees every teacher's hours; another bureau finds nothing."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from domain.roles import Role
from infra.wiring import Runtime
from tests.conftest import PASSWORD, actor_for, found_fusion
from tests.web.conftest import Web, make_web

NOW = datetime(2025, 10, 14, 6, 40, tzinfo=UTC)  # 14:40 in Beijing, ten minutes into the session


@dataclass
class World:
    web: Web
    group: UUID
    session: UUID


@pytest.fixture
def world(sqlite_runtime: Runtime) -> World:
    web = make_web(sqlite_runtime)
    runtime = web.runtime
    hn = web.hn
    ctx = runtime.services.research.ctx
    ctx.clock = lambda: datetime(2025, 3, 1, 1, tzinfo=UTC)
    community = found_fusion(runtime, hn).id
    runtime.catch_up()
    other_admin = actor_for(
        runtime,
        runtime.services.people.register_user(
            hn.admin,
            username="hn-bd-admin",
            display_name="博达校长",
            password=PASSWORD,
            roles=[Role.SCHOOL_ADMIN],
            school_id=hn.other_school_id,
        ).id,
    )
    ctx.clock = lambda: NOW - timedelta(days=2)
    research = runtime.services.research
    assert hn.teacher.user_id is not None
    assert hn.other_teacher.user_id is not None
    group = research.form_group(
        hn.school_admin,
        community,
        name="<i>五年级</i>语文网络教研组",
        subject="语文",
        grade_band="五年级",
        leader_id=hn.teacher.user_id,
    ).id
    research.add_member(other_admin, group, hn.other_teacher.user_id)
    session = research.schedule(
        hn.teacher,
        group,
        kind="collective_preparation",
        theme="《秋天的雨》第二课时",
        starts_at=NOW - timedelta(minutes=10),
        ends_at=NOW + timedelta(hours=2),
        host_id=hn.teacher.user_id,
    ).id
    runtime.catch_up()
    ctx.clock = lambda: NOW
    return World(web, group, session)


def test_a_teacher_signs_up_checks_in_late_and_posts_and_the_host_sees_both(world: World) -> None:
    phone = world.web.browser("hn-teacher2")
    home = phone.text("/research")
    assert "已获0学时，还需24学时" in home
    assert "《秋天的雨》第二课时" in home
    assert "&lt;i&gt;五年级&lt;/i&gt;语文网络教研组" in home
    path = f"/research/sessions/{world.session}"
    page = phone.text(path)
    assert 'id="check-in-code"' not in page
    assert phone.post(f"{path}/sign-up").status_code == 302
    assert phone.post(f"{path}/check-in").status_code == 302
    posted = phone.post(f"{path}/posts", {"text": "<script>alert(1)</script>先看教案"})
    assert posted.status_code == 302
    host = world.web.browser("hn-teacher").text(path)
    assert 'id="check-in-code"' in host
    attendees = host.split('id="attendees"')[1].split("</section>")[0]
    assert "李老师" in attendees
    assert "迟到" in attendees
    assert "&lt;script&gt;alert(1)&lt;/script&gt;先看教案" in host
    assert "<script>alert(1)" not in host
    assert "已获2学时，还需22学时" in phone.text("/research")


def test_a_wrong_code_or_an_attachment_of_the_wrong_type_answers_422_and_keeps_nothing(
    world: World,
) -> None:
    phone = world.web.browser("hn-teacher2")
    assert phone.post("/research/check-in", {"code": "000000x"}).status_code == 422
    path = f"/research/sessions/{world.session}"
    phone.post(f"{path}/sign-up")
    renamed = (io.BytesIO(b"MZ\x90\x00not a png"), "教案.png", "image/png")
    response = phone.post(f"{path}/posts", {"text": "附件", "evidence": renamed})
    assert response.status_code == 422
    assert (
        world.web.runtime.services.research.session_page(
            actor_for(world.web.runtime, world.web.hn.teacher.user_id),  # type: ignore[arg-type]
            world.session,
        ).posts
        == []
    )


def test_another_bureau_finds_neither_the_group_nor_the_session(world: World) -> None:
    outsider = world.web.browser("yy-teacher")
    assert outsider.get(f"/research/sessions/{world.session}").status_code == 404
    assert outsider.get(f"/research/groups/{world.group}").status_code == 404
    assert outsider.post(f"/research/sessions/{world.session}/sign-up").status_code == 404


def test_the_school_admin_sees_every_teachers_hours_and_exports_them(world: World) -> None:
    web = world.web
    admin = web.browser("hn-sadmin")
    page = admin.text(f"/research/schools/{web.hn.school_id}/hours")
    assert "王老师" in page
    workbook = admin.get(f"/research/schools/{web.hn.school_id}/hours.xlsx")
    assert workbook.status_code == 200
    assert workbook.data.startswith(b"PK")
    assert admin.get(f"/research/schools/{web.hn.other_school_id}/hours").status_code == 403
    other = web.browser("yy-sadmin")
    assert other.get(f"/research/schools/{web.hn.school_id}/hours").status_code == 404
