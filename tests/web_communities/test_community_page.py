"""A community's page: members over time, cross-region invitations and consent, who sees what."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

from domain.counting import TaskKind
from tests.web_communities.conftest import World


def test_the_community_page_shows_members_the_plan_in_force_and_recent_records(
    world: World,
) -> None:
    world.settle(
        world.runtime.services.activities.record(
            world.hn.teacher,
            world.community,
            kind=TaskKind.OFFLINE_RESEARCH,
            title="三年级语文集体备课",
            occurred_on=date(2025, 5, 12),
        )
    )
    page = world.browser("hn-teacher2").text(f"/communities/{world.community}")
    assert "狮岭—博达教共体" in page
    assert "融合型" in page
    assert "牵头：海宁市教育局" in page
    assert "海宁市教育局第一小学" in page
    assert "海宁市教育局第二小学" in page
    assert "2025年度工作计划" in page
    assert "已批准" in page
    assert "现行 v1" in page
    # One of four offline research sessions: 1/4 × 1/4 weight = 6.2%.
    assert "6.2%" in page
    assert "三年级语文集体备课" in page
    assert "发生于" in page
    assert "记录于" in page
    # A teacher of a member school records, but neither manages members nor drafts the plan.
    assert f"/communities/{world.community}/activities/new" in page
    assert "本局学校加入" not in page
    assert "起草年度计划" not in page


def test_a_school_outside_the_community_and_another_bureau_get_not_found(world: World) -> None:
    world.outsider()
    paths = [
        f"/communities/{world.community}",
        f"/communities/{world.community}/activities",
        f"/communities/{world.community}/activities/new",
        f"/communities/{world.community}/plans/new",
        f"/communities/plans/{world.plan}",
    ]
    for username in ("hn-outsider", "yy-admin", "yy-teacher"):
        browser = world.browser(username)
        for path in paths:
            assert browser.get(path).status_code == 404, (username, path)
    yy = world.browser("yy-admin")
    for path, form in [
        (f"/communities/{world.community}/members", {"school_id": str(world.yy.school_id)}),
        (f"/communities/{world.community}/invitations", {"tenant_id": str(world.hn.tenant_id)}),
        (f"/communities/plans/{world.plan}/approve", {}),
        (f"/communities/plans/{world.plan}/return", {"comments": "不行"}),
        (f"/communities/plans/{world.plan}/submit", {}),
        (f"/communities/{world.community}/activities", {"kind": "demo_lesson"}),
    ]:
        assert yy.post(path, {**form, "on": "2025-05-01"}).status_code == 404, path
    assert yy.get(f"/communities/{uuid4()}").status_code == 404
    assert yy.get("/communities/not-an-id").status_code == 404


def test_the_bureau_admin_records_a_school_leaving_and_joining_again(world: World) -> None:
    admin = world.browser("hn-admin")
    other = world.hn.other_school_id
    response = admin.post(
        f"/communities/{world.community}/members/{other}/release",
        {"on": "2025-04-30", "reason": "划片调整"},
    )
    assert response.status_code == 302
    page = admin.text(f"/communities/{world.community}")
    members = page.split('id="members"')[1].split('id="plans"')[0]
    assert "2025-04-30" in members
    assert "现有 1 所" in members
    again = admin.post(
        f"/communities/{world.community}/members", {"school_id": str(other), "on": "2025-05-10"}
    )
    assert again.status_code == 302
    members = admin.text(f"/communities/{world.community}").split('id="members"')[1]
    assert "2025-05-10" in members
    assert "现有 2 所" in members


def test_a_leaving_date_before_joining_is_shown_as_an_error_beside_the_form(world: World) -> None:
    admin = world.browser("hn-admin")
    other = world.hn.other_school_id
    response = admin.post(
        f"/communities/{world.community}/members/{other}/release",
        {"on": "2024-12-01", "reason": "划片调整"},
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "退出日期须晚于加入日期" in page
    assert 'value="2024-12-01"' in page
    assert 'value="划片调整"' in page
    core = admin.post(
        f"/communities/{world.community}/members/{world.hn.school_id}/release",
        {"on": "2025-05-01", "reason": "x"},
    )
    assert core.status_code == 422
    assert "核心校不能退出" in core.get_data(as_text=True)


def test_only_the_owning_bureaus_admin_changes_the_members(world: World) -> None:
    for username in ("hn-monitor", "hn-sadmin", "hn-teacher"):
        response = world.browser(username).post(
            f"/communities/{world.community}/members/{world.hn.other_school_id}/release",
            {"on": "2025-05-01", "reason": "x"},
        )
        assert response.status_code == 403, username


def test_a_school_of_another_bureau_joins_after_its_bureau_consents_and_both_see_it(
    world_on_each_store: World,
) -> None:
    world = world_on_each_store
    hn_admin, yy_admin = world.browser("hn-admin"), world.browser("yy-admin")
    invite_form = hn_admin.text(f"/communities/{world.community}")
    assert "余姚市教育局" in invite_form  # the bureaus one can invite from
    response = hn_admin.post(
        f"/communities/{world.community}/invitations",
        {"tenant_id": str(world.yy.tenant_id), "school_code": "yy-01", "on": "2025-05-15"},
    )
    assert response.status_code == 302
    assert "<h3>等待对方教育局同意</h3>" in hn_admin.text(f"/communities/{world.community}")
    # Before consent the other bureau cannot open the community, only the invitation.
    assert yy_admin.get(f"/communities/{world.community}").status_code == 404
    inbox = yy_admin.text("/communities/invitations")
    assert "狮岭—博达教共体" in inbox
    assert "海宁市教育局" in inbox
    assert "余姚市教育局第一小学" in inbox
    assert "跨地区邀请" in yy_admin.text("/communities")
    assert world.browser("yy-monitor").get("/communities/invitations").status_code == 403
    consent = f"/communities/{world.community}/invitations/{world.yy.school_id}/consent"
    assert world.browser("yy-monitor").post(consent).status_code == 403
    response = yy_admin.post(consent)
    assert response.status_code == 302
    theirs = yy_admin.text(response.headers["Location"])
    assert "余姚市教育局第一小学" in theirs
    assert "2025-05-15" in theirs
    assert "跨地区，由海宁市教育局牵头" in yy_admin.text("/communities")
    ours = hn_admin.text(f"/communities/{world.community}")
    assert "跨地区：余姚市教育局" in ours
    assert "<h3>等待对方教育局同意</h3>" not in ours
    # Its teachers now record for the community too.
    assert world.browser("yy-teacher").get(f"/communities/{world.community}").status_code == 200
    assert "没有待处理的邀请" in yy_admin.text("/communities/invitations")


def test_a_bureau_declines_an_invitation_with_a_reason(world: World) -> None:
    hn_admin, yy_admin = world.browser("hn-admin"), world.browser("yy-admin")
    hn_admin.post(
        f"/communities/{world.community}/invitations",
        {"tenant_id": str(world.yy.tenant_id), "school_code": "YY-02", "on": "2025-05-15"},
    )
    decline = f"/communities/{world.community}/invitations/{world.yy.other_school_id}/decline"
    assert yy_admin.post(decline, {"reason": " "}).status_code == 422
    assert yy_admin.post(decline, {"reason": "该校已加入本地教共体"}).status_code == 302
    assert "没有待处理的邀请" in yy_admin.text("/communities/invitations")
    ours = hn_admin.text(f"/communities/{world.community}")
    assert "<h3>等待对方教育局同意</h3>" not in ours
    assert "对方教育局未同意" in ours
    assert "原因：该校已加入本地教共体" in ours
    assert yy_admin.get(f"/communities/{world.community}").status_code == 404


def test_the_invitation_form_answers_alike_for_a_real_and_a_made_up_school_code(
    world: World,
) -> None:
    """Another bureau's schools stay its own until it consents: neither the code nor the name."""
    hn_admin = world.browser("hn-admin")
    answers = [
        hn_admin.post(
            f"/communities/{world.community}/invitations",
            {"tenant_id": str(world.yy.tenant_id), "school_code": code, "on": "2025-05-15"},
        )
        for code in ("yy-02", "nope-404")
    ]
    assert [a.status_code for a in answers] == [302, 302]
    assert answers[0].headers["Location"] == answers[1].headers["Location"]
    page = hn_admin.text(answers[0].headers["Location"])
    waiting = page.split("<h3>等待对方教育局同意</h3>")[1].split("</ul>")[0]
    assert "YY-02" in waiting
    assert "NOPE-404" in waiting
    assert "余姚市教育局第二小学" not in page
    # The invited bureau is asked about its own school only; the made-up code reaches nobody.
    inbox = world.browser("yy-admin").text("/communities/invitations")
    assert "余姚市教育局第二小学" in inbox
    assert "NOPE-404" not in inbox
