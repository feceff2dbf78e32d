"""Assistance applications (帮扶申请) and the bureau's community types and plan-year settings."""

from __future__ import annotations

import re

from tests.web_communities.conftest import World


def test_a_school_applies_and_the_bureau_assigns_a_helper_founding_an_assistance_community(
    world: World,
) -> None:
    principal, bureau = world.browser("hn-sadmin"), world.browser("hn-admin")
    short = principal.post("/communities/assistance", {"needs": "缺老师", "subjects": ["英语"]})
    assert short.status_code == 422
    assert "请具体说明需求" in short.get_data(as_text=True)
    assert "缺老师" in short.get_data(as_text=True)
    assert 'value="英语" checked' in short.get_data(as_text=True)
    needs = "英语学科师资薄弱，希望开展同步课堂与师徒结对"
    applied = principal.post("/communities/assistance", {"needs": needs, "subjects": ["英语"]})
    assert applied.status_code == 302
    mine = principal.text("/communities/assistance")
    assert needs in mine
    assert "待处理" in mine
    assert "/assign" not in mine  # a school does not decide its own application
    listing = bureau.text("/communities/assistance")
    assert needs in listing
    assert "海宁市教育局第一小学" in listing
    application = re.search(r"/communities/assistance/([0-9a-f-]{36})/assign", listing)
    assert application
    path = f"/communities/assistance/{application.group(1)}"
    form = {
        "helper_school_id": str(world.hn.other_school_id),
        "founded_on": "2025-05-20",
        "round_start_year": "2024",
        "round_end_year": "2025",
    }
    assert principal.post(f"{path}/assign", form).status_code == 403
    assert world.browser("hn-monitor").post(f"{path}/assign", form).status_code == 403
    no_helper = bureau.post(f"{path}/assign", {**form, "helper_school_id": ""})
    assert no_helper.status_code == 422
    assert "请选择帮扶学校" in no_helper.get_data(as_text=True)
    assigned = bureau.post(f"{path}/assign", form)
    assert assigned.status_code == 302
    community = bureau.text(assigned.headers["Location"])
    assert "海宁市教育局第二小学—海宁市教育局第一小学帮扶共同体" in community
    assert "帮扶式" in community
    after = principal.text("/communities/assistance")
    assert "已指定帮扶校" in after
    assert "帮扶学校：海宁市教育局第二小学" in after
    assert "帮扶共同体" in principal.text("/communities")


def test_the_bureau_declines_an_application_with_a_reason(world: World) -> None:
    principal, bureau = world.browser("hn-sadmin"), world.browser("hn-admin")
    principal.post(
        "/communities/assistance",
        {"needs": "科学实验课程缺少专业教师指导", "subjects": ["科学"]},
    )
    listing = bureau.text("/communities/assistance")
    application = re.search(r"/communities/assistance/([0-9a-f-]{36})/decline", listing)
    assert application
    path = f"/communities/assistance/{application.group(1)}/decline"
    assert bureau.post(path, {"reason": ""}).status_code == 422
    assert bureau.post(path, {"reason": "已纳入市级科学教研项目"}).status_code == 302
    page = principal.text("/communities/assistance")
    assert "未通过" in page
    assert "原因：已纳入市级科学教研项目" in page


def test_teachers_neither_see_nor_make_applications_and_another_bureau_gets_404(
    world: World,
) -> None:
    teacher = world.browser("hn-teacher")
    assert teacher.get("/communities/assistance").status_code == 403
    response = teacher.post(
        "/communities/assistance", {"needs": "英语学科师资薄弱，希望得到帮扶", "subjects": []}
    )
    assert response.status_code == 403
    world.browser("hn-sadmin").post(
        "/communities/assistance", {"needs": "英语学科师资薄弱，希望得到帮扶", "subjects": []}
    )
    listing = world.browser("hn-admin").text("/communities/assistance")
    application = re.search(r"/communities/assistance/([0-9a-f-]{36})/decline", listing)
    assert application
    other = world.browser("yy-admin")
    assert "英语学科师资薄弱" not in other.text("/communities/assistance")
    declined = other.post(
        f"/communities/assistance/{application.group(1)}/decline", {"reason": "越权"}
    )
    assert declined.status_code == 404


def test_the_bureau_renames_a_type_and_adds_one_with_a_school_limit(world: World) -> None:
    admin = world.browser("hn-admin")
    renamed = admin.post(
        "/communities/settings/types",
        {"key": "fusion", "name": "城乡融合型 / Urban–rural fusion", "max_schools": ""},
    )
    assert renamed.status_code == 302
    added = admin.post(
        "/communities/settings/types", {"name": "名校集团型 / School group", "max_schools": "6"}
    )
    assert added.status_code == 302
    page = admin.text("/communities/settings")
    assert "城乡融合型" in page
    assert "名校集团型" in page
    assert ">6<" in page
    listing = admin.text("/communities")
    assert "城乡融合型" in listing  # the community of that type shows the new name
    assert "名校集团型（至多6所）" in listing
    too_small = admin.post("/communities/settings/types", {"name": "小型", "max_schools": "1"})
    assert too_small.status_code == 422
    assert "教共体至少两所学校" in too_small.get_data(as_text=True)
    assert 'value="小型"' in too_small.get_data(as_text=True)


def year_form(**changes: str) -> dict[str, str]:
    form = {
        "due-0": "2026-03-31",
        "required-0": "30",
        "due-1": "2026-06-30",
        "required-1": "55",
        "due-2": "2026-09-30",
        "required-2": "80",
        "due-3": "2026-12-15",
        "required-3": "100",
        "plan_deadline": "2026-03-31",
        "shadow_placement_days": "20",
        "mentor_max_mentees": "4",
        "target-sync_class": "20",
        "target-online_research": "8",
        "target-offline_research": "4",
        "target-mentoring": "5",
        "target-shadow_placement": "1",
        "target-demo_lesson": "0",
        "target-extension_course": "1",
        "target-student_exchange": "2",
        "target-research_output": "1",
    }
    return {**form, **changes}


def test_the_bureau_sets_a_plan_year_and_drafts_start_from_its_targets(world: World) -> None:
    admin = world.browser("hn-admin")
    response = admin.post("/communities/settings/years/2026", year_form())
    assert response.status_code == 302
    page = admin.text("/communities/settings?year=2026")
    assert 'value="2026-12-15"' in page
    assert 'value="55"' in page
    assert re.search(r'name="target-sync_class"[^>]*value="20"', page)
    assert re.search(r'name="shadow_placement_days"[^>]*value="20"', page)
    draft = world.browser("hn-sadmin").text(f"/communities/{world.community}/plans/new?year=2026")
    assert re.search(r'name="sync_class-target"[^>]*value="20"', draft)
    assert not re.search(r'name="demo_lesson-on" value="1" checked', draft)
    assert "2026-03-31" in draft  # the deadline the bureau set


def test_checkpoints_that_ask_less_later_are_refused_in_both_languages(world: World) -> None:
    admin = world.browser("hn-admin")
    response = admin.post("/communities/settings/years/2026", year_form(**{"required-2": "50"}))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "检查点要求应逐步提高" in page
    assert 'value="50"' in page
    assert 'value="2026-12-15"' in page
    admin.get("/lang/en")
    english = admin.post("/communities/settings/years/2026", year_form(**{"required-2": "50"}))
    assert "Checkpoints are cumulative" in english.get_data(as_text=True)
    bad_number = admin.post(
        "/communities/settings/years/2026", year_form(**{"target-mentoring": "x"})
    )
    assert bad_number.status_code == 422


def test_a_monitor_reads_the_settings_and_a_school_gets_403(world: World) -> None:
    monitor = world.browser("hn-monitor")
    page = monitor.text("/communities/settings")
    assert "融合型" in page
    assert "disabled>" in page
    assert 'action="/communities/settings/types"' not in page
    assert monitor.post("/communities/settings/years/2026", year_form()).status_code == 403
    assert (
        monitor.post("/communities/settings/types", {"name": "x", "max_schools": ""}).status_code
        == 403
    )
    for username in ("hn-sadmin", "hn-teacher"):
        assert world.browser(username).get("/communities/settings").status_code == 403


def test_helpers_from_the_applicants_alliance_are_suggested_first(world: World) -> None:
    admin = world.browser("hn-admin")
    alliance = admin.post(
        "/communities",
        {
            "name": "片区联盟",
            "kind": "alliance",
            "core_school_id": str(world.hn.other_school_id),
            "member_school_ids": [str(world.hn.school_id)],
            "founded_on": "2025-02-01",
            "round_start_year": "2024",
            "round_end_year": "2025",
        },
    )
    assert alliance.status_code == 302
    world.browser("hn-sadmin").post(
        "/communities/assistance",
        {"needs": "数学学科缺少骨干教师，希望结对帮扶", "subjects": ["数学"]},
    )
    listing = admin.text("/communities/assistance")
    assert "推荐（同一联盟）：海宁市教育局第二小学" in listing
    suggested = listing.split('<optgroup label="推荐">')[1].split("</optgroup>")[0]
    assert str(world.hn.other_school_id) in suggested
    assert str(world.hn.school_id) not in suggested  # never the applicant itself
