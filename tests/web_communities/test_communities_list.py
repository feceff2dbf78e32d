"""The communities list and founding a community."""

from __future__ import annotations

import re

from tests.web_communities.conftest import World


def test_a_bureau_admin_sees_each_community_with_type_core_school_members_and_progress(
    world: World,
) -> None:
    page = world.browser("hn-admin").text("/communities")
    assert "狮岭—博达教共体" in page
    assert "融合型" in page
    assert "海宁市教育局第一小学" in page
    assert "海宁市教育局第二小学" in page
    # Nothing recorded yet: 0% against the 60% the second quarter asks for, and behind.
    assert "0.0%" in page
    assert "本期要求 60%" in page
    assert "滞后" in page
    assert 'action="/communities"' in page  # the founding form
    assert "余姚" not in page.split("新建教共体")[0]


def test_a_teacher_sees_the_communities_of_their_school_and_an_outsider_sees_none(
    world: World,
) -> None:
    assert "狮岭—博达教共体" in world.browser("hn-teacher2").text("/communities")
    world.outsider()
    outsider = world.browser("hn-outsider").text("/communities")
    assert "狮岭—博达教共体" not in outsider
    assert "还没有加入教共体" in outsider
    assert 'action="/communities"' not in outsider
    assert "狮岭—博达教共体" not in world.browser("yy-admin").text("/communities")


def test_a_bureau_admin_founds_a_community_and_its_page_shows_the_members_at_once(
    world: World,
) -> None:
    admin = world.browser("hn-admin")
    response = admin.post(
        "/communities",
        {
            "name": "城乡协作共同体",
            "kind": "collaboration",
            "core_school_id": str(world.hn.other_school_id),
            "member_school_ids": [str(world.hn.school_id)],
            "founded_on": "2025-05-01",
            "round_start_year": "2024",
            "round_end_year": "2025",
        },
    )
    assert response.status_code == 302
    page = admin.text(response.headers["Location"])
    assert "城乡协作共同体" in page
    assert "协作型" in page
    assert "2024–2026学年（2个学年）" in page
    members = page.split('id="members"')[1].split('id="plans"')[0]
    assert members.count("2025-05-01") == 2
    assert "核心校" in members
    assert "城乡协作共同体" in admin.text("/communities")


def test_a_founding_error_shows_in_the_users_language_and_keeps_the_input(world: World) -> None:
    admin = world.browser("hn-admin")
    form = {
        "name": "五年一轮教共体",
        "kind": "co_build",
        "core_school_id": str(world.hn.school_id),
        "member_school_ids": [str(world.hn.other_school_id)],
        "founded_on": "2025-05-01",
        "round_start_year": "2024",
        "round_end_year": "2028",
    }
    response = admin.post("/communities", form)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "一轮为2或3个学年" in page
    assert 'value="五年一轮教共体"' in page
    assert 'value="2028"' in page
    assert '<option value="co_build" selected>' in page
    assert re.search(rf'value="{world.hn.other_school_id}" checked', page)
    admin.get("/lang/en")
    english = admin.post("/communities", form).get_data(as_text=True)
    assert "A round runs for two or three school years" in english
    assert "一轮为2或3个学年" not in english


def test_a_missing_core_school_or_a_bad_date_is_a_form_error(world: World) -> None:
    admin = world.browser("hn-admin")
    base = {"name": "新教共体", "kind": "fusion", "round_start_year": "2024"}
    no_core = admin.post(
        "/communities", {**base, "founded_on": "2025-05-01", "round_end_year": "2025"}
    )
    assert no_core.status_code == 422
    assert "请选择核心校" in no_core.get_data(as_text=True)
    bad_date = admin.post(
        "/communities",
        {
            **base,
            "core_school_id": str(world.hn.school_id),
            "founded_on": "五月一日",
            "round_end_year": "2025",
        },
    )
    assert bad_date.status_code == 422
    assert "成立日期应为日期" in bad_date.get_data(as_text=True)


def test_only_the_bureau_admin_founds_communities(world: World) -> None:
    form = {
        "name": "越权教共体",
        "kind": "fusion",
        "core_school_id": str(world.hn.school_id),
        "founded_on": "2025-05-01",
        "round_start_year": "2024",
        "round_end_year": "2025",
    }
    for username in ("hn-monitor", "hn-sadmin", "hn-teacher"):
        assert world.browser(username).post("/communities", form).status_code == 403
    monitor_page = world.browser("hn-monitor").text("/communities")
    assert "狮岭—博达教共体" in monitor_page
    assert 'action="/communities"' not in monitor_page


def test_the_pages_need_a_signed_in_user_and_a_form_needs_its_csrf_token(world: World) -> None:
    anonymous = world.browser()
    response = anonymous.get("/communities")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    admin = world.browser("hn-admin")
    forged = admin.post("/communities", {"name": "x"}, csrf=False)
    assert forged.status_code == 400


def test_the_english_switch_shows_the_community_pages_in_english(world: World) -> None:
    admin = world.browser("hn-admin")
    admin.get("/lang/en")
    listing = admin.text("/communities")
    assert "Found a community" in listing
    assert "Fusion" in listing
    assert "Behind" in listing
    assert "Required now: 60%" in listing
    assert "新建教共体" not in listing
    page = admin.text(f"/communities/{world.community}")
    assert "Annual work plans" in page
    assert "Offline joint research" in page
    assert "Admit a school of this bureau" in page
    members = page.split('id="members"')[1].split('id="plans"')[0]
    assert "Member schools" in members
    assert "Record its leaving" in members
    assert "Sign out" not in members
    plan = admin.text(f"/communities/plans/{world.plan}")
    assert "Approved versions" in plan
    assert "Count of records" in plan
    assert "已批准版本" not in plan
