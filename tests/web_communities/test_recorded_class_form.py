"""A teacher records a 专递课堂 lesson on the activity form: its subject and the class that used it
are asked for, kept and shown; leaving the class out answers 422 with the reason."""

from __future__ import annotations

from tests.web_communities.conftest import World
from tests.web_communities.test_activities import record


def test_a_teacher_records_a_recorded_lesson_with_its_subject_and_the_class_that_used_it(
    world: World,
) -> None:
    teacher = world.browser("hn-teacher")
    form = teacher.text(f"/communities/{world.community}/activities/new?kind=recorded_class")
    assert 'name="used_by"' in form
    assert 'name="subject"' in form
    recorded = {"kind": "recorded_class", "title": "英语微课《My family》", "subject": "英语"}
    _, refused = record(world, "hn-teacher", **recorded)
    assert refused.status_code == 422
    assert "专递课堂需要使用班级" in refused.get_data(as_text=True)
    _, response = record(world, "hn-teacher", **recorded, used_by="第二小学4年级1班")
    assert response.status_code == 302
    page = teacher.text(response.headers["Location"])
    assert "第二小学4年级1班" in page
    assert "专递课堂" in page
