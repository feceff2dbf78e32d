"""Plans: the core school drafts and submits, the bureau approves or returns, versions supersede."""

from __future__ import annotations

import re
from typing import Any

from tests.web_communities.conftest import World

ROWS = {
    "offline_research-on": "1",
    "offline_research-target": "6",
    "offline_research-weight": "1",
    "offline_research-counts": "每月一次，有签到",
    "offline_research-rule": "sum",
    "mentoring-on": "1",
    "mentoring-target": "3",
    "mentoring-weight": "2",
    "mentoring-rule": "units",
    "mentoring-threshold": "5",
}


def plan_form(**extra: Any) -> dict[str, Any]:
    return {
        "year": "2026",
        "period_start": "2026-01-01",
        "period_end": "2026-12-31",
        "title": "2026年度工作计划",
        **ROWS,
        **extra,
    }


def test_the_core_school_drafts_a_plan_that_starts_from_the_bureaus_default_targets(
    world: World,
) -> None:
    principal = world.browser("hn-sadmin")
    form = principal.text(f"/communities/{world.community}/plans/new?year=2026")
    # Every task kind is offered; the bureau's defaults are ticked with their targets.
    assert form.count('type="checkbox" name="') >= 9
    assert re.search(r'name="sync_class-on" value="1" checked', form)
    assert re.search(r'name="sync_class-target"[^>]*value="10"', form)
    assert re.search(r'name="mentoring-threshold"[^>]*value="5"', form)
    assert 'value="2026-01-01"' in form
    assert 'value="2026-12-31"' in form
    school_year = principal.text(f"/communities/{world.community}/plans/new?preset=school")
    assert 'value="2024-09-01"' in school_year  # 20 May 2025 is in the 2024 school year
    assert 'value="2025-08-31"' in school_year
    response = principal.post(f"/communities/{world.community}/plans", plan_form())
    assert response.status_code == 302
    page = principal.text(response.headers["Location"])
    assert "2026年度工作计划" in page
    assert "草稿" in page
    assert "每月一次，有签到" in page
    assert "每单位≥5次" in page
    assert "提交教育局审核" in page
    assert "2026" in principal.text(f"/communities/{world.community}")


def test_a_member_school_cannot_draft_the_core_schools_plan_and_a_teacher_cannot_either(
    world: World,
) -> None:
    member_admin = world.runtime.services.people.register_user(
        world.hn.admin,
        username="hn-member-admin",
        display_name="成员校校长",
        password="correct-horse-1",
        roles=["school_admin"],
        school_id=world.hn.other_school_id,
    )
    world.settle(member_admin)
    for username in ("hn-member-admin", "hn-teacher", "hn-admin"):
        browser = world.browser(username)
        assert browser.get(f"/communities/{world.community}/plans/new").status_code == 403
        response = browser.post(f"/communities/{world.community}/plans", plan_form())
        assert response.status_code == 403, username
        revise = browser.post(f"/communities/plans/{world.plan}/revise", ROWS)
        assert revise.status_code == 403, username


def test_a_target_that_is_not_a_number_is_a_form_error_that_keeps_every_row(
    world: World,
) -> None:
    principal = world.browser("hn-sadmin")
    response = principal.post(
        f"/communities/{world.community}/plans",
        plan_form(**{"offline_research-target": "六"}),
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "线下教研的目标应为整数" in page
    assert re.search(r'name="offline_research-target"[^>]*value="六"', page)
    assert re.search(r'name="mentoring-weight"[^>]*value="2"', page)
    assert 'value="每月一次，有签到"' in page
    assert not re.search(r'name="sync_class-on" value="1" checked', page)
    none_ticked = principal.post(
        f"/communities/{world.community}/plans",
        {"year": "2026", "period_start": "2026-01-01", "period_end": "2026-12-31"},
    )
    assert none_ticked.status_code == 422
    assert "计划至少需要一项任务" in none_ticked.get_data(as_text=True)
    twice = principal.post(f"/communities/{world.community}/plans", plan_form(year="2025"))
    assert twice.status_code == 422
    assert "2025年度计划已存在" in twice.get_data(as_text=True)


def test_a_returned_plan_is_revised_resubmitted_and_approved_as_the_next_version(
    world: World,
) -> None:
    principal, bureau = world.browser("hn-sadmin"), world.browser("hn-admin")
    plan = f"/communities/plans/{world.plan}"
    # Revising the approved v1 starts v2; v1 stays in force, unchanged.
    revised = principal.post(f"{plan}/revise", ROWS)
    assert revised.status_code == 302
    page = principal.text(plan)
    assert "草稿任务" in page
    assert "现行 v1" in page
    assert principal.post(f"{plan}/submit").status_code == 302
    assert "2025年度工作计划" in bureau.text("/communities/plans/review")
    # A teacher, the principal and the monitor cannot decide on it.
    for username in ("hn-teacher", "hn-sadmin", "hn-monitor"):
        assert world.browser(username).post(f"{plan}/approve").status_code == 403, username
    assert world.browser("hn-monitor").get("/communities/plans/review").status_code == 403
    no_comments = bureau.post(f"{plan}/return", {"comments": " "})
    assert no_comments.status_code == 422
    assert "退回需要说明意见" in no_comments.get_data(as_text=True)
    assert bureau.post(f"{plan}/return", {"comments": "线下教研目标偏低"}).status_code == 302
    returned = principal.text(plan)
    assert "已退回" in returned
    assert "线下教研目标偏低" in returned
    more = {**ROWS, "offline_research-target": "8"}
    assert principal.post(f"{plan}/revise", more).status_code == 302
    assert principal.post(f"{plan}/submit").status_code == 302
    assert bureau.post(f"{plan}/approve").status_code == 302
    page = bureau.text(plan)
    assert "现行 v2" in page
    versions = page.split('id="versions"')[1].split('id="history"')[0]
    assert versions.index("v2") < versions.index("v1")
    assert "已被取代" in versions
    history = page.split('id="history"')[1]
    for step in ("起草", "提交审核", "退回", "修改任务", "批准"):
        assert step in history
    assert "线下教研目标偏低" in history
    assert "没有待审核的计划" in bureau.text("/communities/plans/review")


def test_a_submitted_plan_cannot_be_changed_until_the_bureau_decides(world: World) -> None:
    principal = world.browser("hn-sadmin")
    plan = f"/communities/plans/{world.plan}"
    principal.post(f"{plan}/revise", ROWS)
    principal.post(f"{plan}/submit")
    page = principal.text(plan)
    assert f'action="{plan}/revise"' not in page
    again = principal.post(f"{plan}/revise", ROWS)
    assert again.status_code == 422
    assert "已提交待审" in again.get_data(as_text=True)
