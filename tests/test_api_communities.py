"""The API of communities, plans, activities and progress: a year through JSON, and its errors."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

import pytest

from infra.wiring import Runtime
from tests.conftest import PASSWORD
from tests.test_api import Api, Client, created, error, make_api

TASKS = [
    {"kind": "offline_research", "target": 4},
    {"kind": "demo_lesson", "target": 2},
]


def set_clock(api: Api, y: int, m: int, d: int) -> None:
    moment = datetime(y, m, d, 10, 0, tzinfo=UTC)
    api.runtime.services.plans.ctx.clock = lambda: moment


def settled(api: Api, answer: tuple[str, int]) -> tuple[str, int]:
    """A command's answer, once the read models show it."""
    assert api.runtime.services.queries.wait_for(answer[1])
    return answer


def found(api: Api) -> tuple[str, int]:
    admin = api.as_("hn-admin")
    return settled(
        api,
        created(
            admin.post(
                "/communities",
                {
                    "name": "狮岭—博达教共体",
                    "kind": "fusion",
                    "core_school_id": str(api.hn.school_id),
                    "founded_on": "2025-01-01",
                    "round_start_year": 2024,
                    "round_end_year": 2026,
                    "member_school_ids": [str(api.hn.other_school_id)],
                },
            )
        ),
    )


def approved_plan(api: Api, community_id: str) -> tuple[str, int]:
    core = api.as_("hn-sadmin")
    plan_id, position = created(
        core.post(
            f"/communities/{community_id}/plans",
            {
                "year": 2025,
                "period_start": "2025-01-01",
                "period_end": "2025-12-31",
                "title": "2025年度工作计划",
                "tasks": TASKS,
            },
        )
    )
    settled(api, (plan_id, position))
    settled(api, created(core.post(f"/plans/{plan_id}/submit"), 200))
    return settled(api, created(api.as_("hn-admin").post(f"/plans/{plan_id}/approve"), 200))


def record(client: Client, community_id: str, kind: str, day: str, **extra: Any) -> tuple[str, int]:
    answer = created(
        client.post(
            f"/communities/{community_id}/activities",
            {"kind": kind, "title": f"{kind} {day}", "occurred_on": day, **extra},
        )
    )
    assert client.get(f"/activities/{answer[0]}", min_position=answer[1]).status_code == 200
    return answer


@pytest.fixture
def api(sqlite_runtime: Runtime) -> Api:
    made = make_api(sqlite_runtime)
    set_clock(made, 2025, 3, 1)
    return made


def test_a_year_runs_through_the_api_from_founding_to_the_dashboard_and_each_write_reads_back(
    runtime: Runtime,
) -> None:
    api = make_api(runtime)
    set_clock(api, 2025, 3, 1)
    admin, core = api.as_("hn-admin"), api.as_("hn-sadmin")
    community_id, position = found(api)
    community = admin.get(f"/communities/{community_id}", min_position=position).json
    assert community["community"]["name"] == "狮岭—博达教共体"
    assert {m["school_id"] for m in community["members"]} == {
        str(api.hn.school_id),
        str(api.hn.other_school_id),
    }
    listed = admin.get("/communities", min_position=position).json["items"]
    assert [c["community"]["id"] for c in listed] == [community_id]

    plan_id, position = created(
        core.post(
            f"/communities/{community_id}/plans",
            {
                "year": 2025,
                "period_start": "2025-01-01",
                "period_end": "2025-12-31",
                "tasks": TASKS,
            },
        )
    )
    assert admin.get(f"/plans/{plan_id}", min_position=position).json["status"] == "draft"
    _, position = created(core.post(f"/plans/{plan_id}/submit"), 200)
    review = admin.get("/plans/review", min_position=position).json["items"]
    assert [p["id"] for p in review] == [plan_id]
    _, position = created(admin.post(f"/plans/{plan_id}/approve"), 200)
    plan = admin.get(f"/plans/{plan_id}", min_position=position).json
    assert (plan["status"], plan["version"]) == ("approved", 1)
    assert [p["id"] for p in admin.get(f"/communities/{community_id}/plans").json["items"]] == [
        plan_id
    ]

    teacher = api.as_("hn-teacher")
    set_clock(api, 2025, 3, 20)
    activity_id, _ = record(teacher, community_id, "offline_research", "2025-02-10")
    _, position = record(api.as_("hn-teacher2"), community_id, "offline_research", "2025-03-20")
    activity = teacher.get(f"/activities/{activity_id}", min_position=position).json
    assert activity["kind"] == "offline_research"
    assert activity["occurred_on"] == "2025-02-10"

    # 31 Mar: research 2/4, demo 0/2 → (0.5 + 0) / 2 = 25%
    progress = admin.get(
        f"/communities/{community_id}/progress", as_of="2025-03-31", min_position=position
    ).json
    assert progress["percent"] == 25.0
    assert [(t["kind"], t["done"], t["target"]) for t in progress["tasks"]] == [
        ("offline_research", 2, 4),
        ("demo_lesson", 0, 2),
    ]
    assert progress["checkpoints"][0]["required"] == 0.4
    dashboard = admin.get("/dashboard", as_of="2025-03-31").json["items"]
    assert [(d["community"]["id"], d["percent"]) for d in dashboard] == [(community_id, 25.0)]
    # The same numbers as of 10 Feb, after later records: one record then.
    early = admin.get(f"/communities/{community_id}/progress", as_of="2025-02-10").json
    assert early["percent"] == 12.5

    drill = admin.get(
        f"/communities/{community_id}/events", task="offline_research", as_of="2025-03-31"
    ).json
    assert [(e["occurred_on"], e["counts"]) for e in drill["items"]] == [
        ("2025-03-20", True),
        ("2025-02-10", True),
    ]
    assert all(e["recorded_at"] for e in drill["items"])

    set_clock(api, 2025, 4, 2)
    seal_id, position = created(admin.post("/seals", {"year": 2025, "quarter": 1}))
    seals = admin.get("/seals", year=2025, min_position=position).json["items"]
    assert [(s["year"], s["quarter"]) for s in seals] == [(2025, 1)]
    # A record entered after the seal shows as an amendment.
    _, position = record(teacher, community_id, "demo_lesson", "2025-03-25")
    report = admin.get("/reports/2025", min_position=position).json
    q1 = report["quarters"][0]
    [row] = q1["rows"]
    assert (row["sealed_percent"], row["percent"]) == (25.0, 50.0)
    assert row["amendment"]["late_records"] == 1
    assert seal_id


def test_membership_invitations_and_leaving_go_through_the_api(api: Api) -> None:
    admin = api.as_("hn-admin")
    community_id, _ = found(api)
    new_school, _ = created(
        admin.post(
            "/schools", {"name": "新校", "code": "HN-NEW", "stage": "primary", "locality": "rural"}
        )
    )
    created(
        admin.post(
            f"/communities/{community_id}/members", {"school_id": new_school, "on": "2025-02-01"}
        ),
        200,
    )
    _, position = created(
        admin.post(
            f"/communities/{community_id}/members/{new_school}/leave",
            {"on": "2025-05-01", "reason": "调整"},
        ),
        200,
    )
    members = admin.get(f"/communities/{community_id}", min_position=position).json["members"]
    left = next(m for m in members if m["school_id"] == new_school)
    assert (left["joined_on"], left["left_on"]) == ("2025-02-01", "2025-05-01")

    # Across regions: 余姚's school joins only after 余姚 consents.
    _, position = created(
        admin.post(
            f"/communities/{community_id}/invitations",
            {"tenant_id": str(api.yy.tenant_id), "school_code": "yy-01", "on": "2025-03-01"},
        ),
        200,
    )
    yy = api.as_("yy-admin")
    waiting = yy.get("/invitations", min_position=position).json["items"]
    assert [(i["community_id"], i["school_id"]) for i in waiting] == [
        (community_id, str(api.yy.school_id))
    ]
    error(yy.get(f"/communities/{community_id}"), 404)
    _, position = created(
        yy.post(f"/communities/{community_id}/invitations/{api.yy.school_id}/consent"), 200
    )
    shared = yy.get(f"/communities/{community_id}", min_position=position).json
    assert str(api.yy.school_id) in {m["school_id"] for m in shared["members"]}
    assert yy.get("/invitations").json["items"] == []


def test_declining_an_invitation_needs_a_reason(api: Api) -> None:
    community_id, _ = found(api)
    _, position = created(
        api.as_("hn-admin").post(
            f"/communities/{community_id}/invitations",
            {"tenant_id": str(api.yy.tenant_id), "school_code": "yy-01", "on": "2025-03-01"},
        ),
        200,
    )
    yy = api.as_("yy-admin")
    yy.get("/invitations", min_position=position)
    url = f"/communities/{community_id}/invitations/{api.yy.school_id}/decline"
    assert "reason" in error(yy.post(url, {}), 400)
    error(yy.post(url, {"reason": " "}), 422)
    created(yy.post(url, {"reason": "路途太远"}), 200)


def test_a_teacher_cannot_approve_a_plan_and_a_draft_cannot_be_approved(api: Api) -> None:
    community_id, _ = found(api)
    core = api.as_("hn-sadmin")
    plan_id, position = created(
        core.post(
            f"/communities/{community_id}/plans",
            {
                "year": 2025,
                "period_start": "2025-01-01",
                "period_end": "2025-12-31",
                "tasks": TASKS,
            },
        )
    )
    api.as_("hn-admin").get(f"/plans/{plan_id}", min_position=position)
    error(api.as_("hn-admin").post(f"/plans/{plan_id}/approve"), 422)
    created(core.post(f"/plans/{plan_id}/submit"), 200)
    assert error(api.as_("hn-teacher").post(f"/plans/{plan_id}/approve"), 403)
    error(api.as_("hn-teacher").get("/plans/review"), 403)
    _, position = created(
        api.as_("hn-admin").post(f"/plans/{plan_id}/return", {"comments": "请补充目标"}), 200
    )
    plan = core.get(f"/plans/{plan_id}", min_position=position).json
    assert plan["status"] == "returned"
    assert "请补充目标" in plan["comments"]
    revised = [{"kind": "offline_research", "target": 6, "weight": 2}]
    _, position = created(core.put(f"/plans/{plan_id}/tasks", {"tasks": revised}), 200)
    draft = core.get(f"/plans/{plan_id}", min_position=position).json["draft_tasks"]
    assert [(t["kind"], t["target"], t["weight"]) for t in draft] == [("offline_research", 6, 2)]


def test_malformed_input_is_a_400_naming_the_field(api: Api) -> None:
    admin = api.as_("hn-admin")
    community_id, position = found(api)
    admin.get(f"/communities/{community_id}", min_position=position)
    bad = admin.post("/communities", {"name": "x", "kind": "fusion"})
    assert error(bad, 400)
    assert bad.json["field"] == "core_school_id"
    bad = admin.post(
        f"/communities/{community_id}/members",
        {"school_id": str(api.hn.school_id), "on": "1 March"},
    )
    assert bad.json["field"] == "on"
    bad = api.as_("hn-sadmin").post(
        f"/communities/{community_id}/plans",
        {
            "year": 2025,
            "period_start": "2025-01-01",
            "period_end": "2025-12-31",
            "tasks": [{"kind": "offline_research", "target": "four"}],
        },
    )
    assert error(bad, 400)
    assert bad.json["field"] == "tasks[0].target"
    bad = admin.get(f"/communities/{community_id}/progress", as_of="yesterday")
    assert error(bad, 400)
    assert bad.json["field"] == "as_of"
    error(admin.get("/seals", year="two"), 400)


def test_another_bureau_and_a_school_outside_the_community_get_404(api: Api) -> None:
    community_id, _ = found(api)
    plan_id, _ = approved_plan(api, community_id)
    activity_id, position = record(
        api.as_("hn-teacher"), community_id, "offline_research", "2025-02-10"
    )
    admin = api.as_("hn-admin")
    admin.get(f"/activities/{activity_id}", min_position=position)
    yy = api.as_("yy-admin")
    for path in (
        f"/communities/{community_id}",
        f"/communities/{community_id}/plans",
        f"/communities/{community_id}/progress",
        f"/communities/{community_id}/events",
        f"/communities/{community_id}/activities",
        f"/plans/{plan_id}",
        f"/activities/{activity_id}",
    ):
        error(yy.get(path), 404)
        error(api.as_("yy-teacher").get(path), 404)
    error(yy.post(f"/plans/{plan_id}/approve"), 404)
    error(yy.post(f"/activities/{activity_id}/withdraw", {"reason": "x"}), 404)
    assert yy.get("/dashboard").json["items"] == []

    # A school of the bureau outside the community: its drill-down does not exist for it.
    outside, position = created(
        admin.post(
            "/schools", {"name": "外校", "code": "HN-OUT", "stage": "primary", "locality": "urban"}
        )
    )
    staff = created(
        admin.post(
            f"/schools/{outside}/staff",
            {
                "username": "hn-outside",
                "display_name": "外校老师",
                "password": PASSWORD,
                "roles": ["teacher"],
            },
        )
    )
    assert api.runtime.services.queries.wait_for(staff[1])
    stranger = api.as_("hn-outside")
    error(stranger.get(f"/communities/{community_id}/events"), 404)
    error(stranger.get(f"/communities/{community_id}/progress"), 404)
    error(stranger.get(f"/activities/{activity_id}"), 404)
    error(stranger.get(f"/communities/{community_id}/activities"), 404)
    # The dashboard is the bureau's.
    error(api.as_("hn-teacher").get("/dashboard"), 403)


def test_evidence_uploads_by_multipart_and_downloads_as_an_attachment(api: Api) -> None:
    community_id, _ = found(api)
    approved_plan(api, community_id)
    teacher = api.as_("hn-teacher")
    response = api.client.post(
        f"/api/v1/communities/{community_id}/activities",
        headers=teacher.headers,
        data={
            "json": '{"kind": "demo_lesson", "title": "送教", "occurred_on": "2025-02-20"}',
            "evidence": (io.BytesIO(b"%PDF-1.4 demo"), "lesson.pdf", "application/pdf"),
        },
        content_type="multipart/form-data",
    )
    activity_id, position = created(response)
    activity = teacher.get(f"/activities/{activity_id}", min_position=position).json
    [item] = activity["evidence"]
    download = api.client.get(
        f"/api/v1/activities/{activity_id}/evidence/{item['sha256']}", headers=teacher.headers
    )
    assert download.status_code == 200
    assert download.data == b"%PDF-1.4 demo"
    assert download.headers["Content-Disposition"].startswith("attachment")
    error(teacher.get(f"/activities/{activity_id}/evidence/{'0' * 64}"), 404)
    error(api.as_("yy-admin").get(f"/activities/{activity_id}/evidence/{item['sha256']}"), 404)
    bad = api.client.post(
        f"/api/v1/communities/{community_id}/activities",
        headers=teacher.headers,
        data={"json": "not json"},
        content_type="multipart/form-data",
    )
    assert error(bad, 400)
    assert bad.json["field"] == "json"  # type: ignore[index]


def test_a_record_is_withdrawn_and_a_placement_completed_through_the_api(api: Api) -> None:
    community_id, _ = found(api)
    approved_plan(api, community_id)
    teacher = api.as_("hn-teacher")
    activity_id, _ = record(teacher, community_id, "offline_research", "2025-02-10")
    error(teacher.post(f"/activities/{activity_id}/withdraw", {}), 400)
    _, position = created(
        teacher.post(f"/activities/{activity_id}/withdraw", {"reason": "记错了"}), 200
    )
    assert teacher.get(f"/activities/{activity_id}", min_position=position).json["withdrawn"]
    placement_id, _ = record(
        api.as_("hn-teacher2"),
        community_id,
        "shadow_placement",
        "2025-02-01",
        details={
            "teacher_id": str(api.hn.other_teacher.user_id),
            "host_school_id": str(api.hn.school_id),
            "starts_on": "2025-02-01",
            "ends_on": "2025-03-31",
        },
    )
    set_clock(api, 2025, 4, 2)
    created(
        api.as_("hn-teacher2").post(
            f"/activities/{placement_id}/complete", {"ended_on": "2025-03-31"}
        ),
        200,
    )
    bad = api.as_("hn-teacher2").post(
        f"/communities/{community_id}/activities",
        {
            "kind": "shadow_placement",
            "title": "跟岗",
            "occurred_on": "2025-02-01",
            "details": {"teacher_id": "nobody"},
        },
    )
    assert error(bad, 400)
    assert bad.json["field"] == "details.teacher_id"


def test_assistance_is_applied_for_and_assigned_or_declined(api: Api) -> None:
    sadmin, admin = api.as_("hn-sadmin"), api.as_("hn-admin")
    application_id, position = created(
        sadmin.post(
            "/assistance", {"needs": "数学教研薄弱，需要骨干教师指导备课", "subjects": ["数学"]}
        )
    )
    mine = sadmin.get("/assistance", min_position=position).json["items"]
    assert [(a["id"], a["status"]) for a in mine] == [(application_id, "open")]
    error(
        api.as_("hn-teacher").post("/assistance", {"needs": "数学教研薄弱，需要骨干教师指导备课"}),
        403,
    )
    community_id, position = created(
        admin.post(
            f"/assistance/{application_id}/assign",
            {
                "helper_school_id": str(api.hn.other_school_id),
                "founded_on": "2025-03-01",
                "round_start_year": 2025,
                "round_end_year": 2027,
            },
        )
    )
    community = admin.get(f"/communities/{community_id}", min_position=position).json
    assert community["community"]["kind"] == "assistance"
    second, _ = created(sadmin.post("/assistance", {"needs": "英语口语教学需要帮扶和示范课"}))
    error(admin.post(f"/assistance/{second}/decline", {}), 400)
    created(admin.post(f"/assistance/{second}/decline", {"reason": "已有帮扶"}), 200)
    error(api.as_("yy-admin").post(f"/assistance/{second}/decline", {"reason": "x"}), 404)


def test_the_bureau_sets_community_types_and_plan_years(api: Api) -> None:
    admin = api.as_("hn-admin")
    types = admin.get("/settings/community-types").json["items"]
    assert "fusion" in {t["key"] for t in types}
    _, position = created(
        admin.put(
            "/settings/community-types", {"key": "alliance", "name": "联盟式", "max_schools": 5}
        ),
        200,
    )
    types = admin.get("/settings/community-types", min_position=position).json["items"]
    assert next(t for t in types if t["key"] == "alliance")["max_schools"] == 5
    error(api.as_("hn-teacher").put("/settings/community-types", {"key": "x", "name": "x"}), 403)

    year = admin.get("/settings/plan-years/2026").json
    assert [c["required"] for c in year["checkpoints"]] == [0.4, 0.6, 0.8, 1.0]
    year["checkpoints"] = [
        {"due": "2026-06-30", "required": 0.5},
        {"due": "2026-12-31", "required": 1},
    ]
    year["mentor_max_mentees"] = 4
    _, position = created(admin.put("/settings/plan-years/2026", year), 200)
    saved = admin.get("/settings/plan-years/2026", min_position=position).json
    assert saved["mentor_max_mentees"] == 4
    assert [c["due"] for c in saved["checkpoints"]] == ["2026-06-30", "2026-12-31"]
    bad = admin.put("/settings/plan-years/2026", year | {"targets": {"mentoring": "five"}})
    assert error(bad, 400)
    assert bad.json["field"] == "targets.mentoring"
