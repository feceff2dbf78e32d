"""The API of online research: a group formed, a session scheduled, signed up and checked in, a
post, a lesson plan through revision to the library, the hours, and another bureau finding none."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.test_api import Api, created, error
from tests.test_api_communities import api as api  # the fixture (its clock: 1 March 2025)
from tests.test_api_communities import found, settled


def test_a_session_and_a_lesson_plan_go_through_the_api_and_another_bureau_sees_none(
    api: Api,
) -> None:
    community, _ = found(api)
    school_admin, teacher = api.as_("hn-sadmin"), api.as_("hn-teacher")
    group, _ = settled(
        api,
        created(
            school_admin.post(
                f"/communities/{community}/research-groups",
                {"name": "语文组", "subject": "语文", "leader_id": str(api.hn.teacher.user_id)},
            )
        ),
    )
    now = datetime(2025, 3, 1, 10, tzinfo=UTC)
    session, _ = settled(
        api,
        created(
            teacher.post(
                f"/research-groups/{group}/sessions",
                {
                    "kind": "themed_research",
                    "theme": "整本书阅读",
                    "starts_at": (now - timedelta(minutes=5)).isoformat(),
                    "ends_at": (now + timedelta(hours=1)).isoformat(),
                    "host_id": str(api.hn.teacher.user_id),
                },
            )
        ),
    )
    settled(api, created(teacher.post(f"/research-sessions/{session}/check-in"), 200))
    settled(
        api, created(teacher.post(f"/research-sessions/{session}/posts", {"text": "<b>好</b>"}))
    )
    page = teacher.get(f"/research-sessions/{session}").json
    assert [a["late"] for a in page["attendees"]] == [True]
    assert page["posts"][0]["text"] == "<b>好</b>"
    assert "code" in page["session"]  # the host sees the code

    plan, _ = settled(
        api,
        created(
            teacher.post(
                f"/research-groups/{group}/lesson-plans", {"title": "教案", "text": "认识生字"}
            )
        ),
    )
    settled(
        api,
        created(
            teacher.post(
                f"/lesson-plans/{plan}/revisions", {"title": "教案", "text": "认识生字和词语"}
            ),
            200,
        ),
    )
    settled(api, created(teacher.post(f"/lesson-plans/{plan}/final"), 200))
    settled(api, created(teacher.post(f"/lesson-plans/{plan}/publish"), 200))
    assert [p["id"] for p in teacher.get("/library", q="词语").json["items"]] == [plan]
    assert len(teacher.get(f"/lesson-plans/{plan}").json["revisions"]) == 2
    hours = teacher.get(f"/teachers/{api.hn.teacher.user_id}/hours").json
    assert hours["earned"] == 3

    outsider = api.as_("yy-teacher")
    error(outsider.get(f"/research-sessions/{session}"), 404)
    error(outsider.get(f"/lesson-plans/{plan}"), 404)
    assert outsider.get("/library", q="词语").json["items"] == []
    error(teacher.post(f"/research-groups/{group}/lesson-plans", {"title": "", "text": "x"}), 422)
