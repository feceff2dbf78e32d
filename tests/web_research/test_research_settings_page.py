"""The research settings page: the bureau admin sets the hours and the requirement, which the
teacher's sentence then uses; a wrong number answers 422 and changes nothing; a school admin may not."""

from __future__ import annotations

from tests.web_research.test_research_pages import World
from tests.web_research.test_research_pages import world as world  # the fixture, by its name

FORM = {
    "hours_collective_preparation": "2",
    "hours_teaching_diagnosis": "2",
    "hours_themed_research": "3",
    "hours_expert_talk": "4",
    "required_hours": "30",
    "school_threshold": "2",
    "mentoring_hours": "1",
}


def test_the_bureau_sets_the_yearly_hours_and_the_teacher_sees_them(world: World) -> None:
    admin = world.web.browser("hn-admin")
    assert 'name="required_hours"' in admin.text("/research/settings")
    assert admin.post("/research/settings", FORM).status_code == 302
    assert "已获0学时，还需30学时" in world.web.browser("hn-teacher2").text("/research")
    wrong = admin.post("/research/settings", FORM | {"required_hours": "很多"})
    assert wrong.status_code == 422
    assert "年度学时要求应为整数" in wrong.get_data(as_text=True)
    too_many = admin.post("/research/settings", FORM | {"hours_expert_talk": "99"})
    assert too_many.status_code == 422
    assert 'value="30"' in admin.text("/research/settings")
    assert world.web.browser("hn-sadmin").post("/research/settings", FORM).status_code == 403
