"""The API of paired mentoring: pairing, records, confirmation, and the pair's privacy on every route."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from infra.wiring import Runtime
from tests.conftest import PASSWORD
from tests.test_api import Api, created, error, make_api
from tests.test_api_communities import found, set_clock, settled

SUMMARY = "秘密听课纪要：板书设计需改进"
COMMENT = "秘密质疑意见：那天没有上课"
REASON = "秘密结束原因：家庭变故"
FILE = "secret-notes.pdf"
SECRETS = (SUMMARY, COMMENT, REASON, FILE)


def seen(response: Any) -> str:
    """What an answer shows: its raw bytes and its JSON with the escapes undone."""
    text: str = response.get_data(as_text=True)
    if response.is_json:
        text += json.dumps(response.json, ensure_ascii=False)
    return text


def third_member(api: Api, community_id: str) -> str:
    """A third member school with a teacher of its own (hn-teacher3)."""
    admin = api.as_("hn-admin")
    school, _ = created(
        admin.post(
            "/schools",
            {"name": "第三小学", "code": "HN-03", "stage": "primary", "locality": "rural"},
        )
    )
    settled(
        api,
        created(
            admin.post(
                f"/communities/{community_id}/members", {"school_id": school, "on": "2025-01-01"}
            ),
            200,
        ),
    )
    settled(
        api,
        created(
            admin.post(
                f"/schools/{school}/staff",
                {
                    "username": "hn-teacher3",
                    "display_name": "第三校老师",
                    "password": PASSWORD,
                    "roles": ["teacher"],
                },
            )
        ),
    )
    return school


def a_pair(api: Api) -> dict[str, Any]:
    community_id, _ = found(api)
    third = third_member(api, community_id)
    pair_id, _ = settled(
        api,
        created(
            api.as_("hn-sadmin").post(
                f"/communities/{community_id}/pairs",
                {
                    "mentor_id": str(api.hn.teacher.user_id),
                    "mentee_id": str(api.hn.other_teacher.user_id),
                    "paired_on": "2025-03-01",
                    "ends_on": "2026-02-28",
                },
            )
        ),
    )
    return {"community_id": community_id, "pair_id": pair_id, "third_school": third}


@pytest.fixture
def api(sqlite_runtime: Runtime) -> Api:
    made = make_api(sqlite_runtime)
    set_clock(made, 2025, 3, 1)
    return made


def test_a_pair_records_confirms_and_the_community_counts_it_through_the_api(
    runtime: Runtime,
) -> None:
    api = make_api(runtime)
    set_clock(api, 2025, 3, 1)
    world = a_pair(api)
    pair_id = world["pair_id"]
    set_clock(api, 2025, 3, 10)
    mentee, mentor = api.as_("hn-teacher2"), api.as_("hn-teacher")
    answer = mentee.post(
        f"/pairs/{pair_id}/records",
        {
            "kind": "observation",
            "mode": "offline",
            "occurred_on": "2025-03-05",
            "minutes": 45,
            "summary": SUMMARY,
        },
    )
    _, position = created(answer)
    pair = mentor.get(f"/pairs/{pair_id}", min_position=position).json
    [record] = pair["records"]
    assert (record["status"], record["summary"]) == ("pending", SUMMARY)
    # The answer names the record it made, not only its pair.
    assert (answer.json["pair_id"], answer.json["record_id"]) == (pair_id, record["record_id"])
    assert pair["confirmed"] == 0
    assert mentor.get("/mentoring/me").json["items"][0]["awaiting_me"] == 1
    error(mentee.post(f"/pairs/{pair_id}/records/{record['record_id']}/confirm"), 422)
    _, position = created(
        mentor.post(f"/pairs/{pair_id}/records/{record['record_id']}/confirm"), 200
    )
    # Confirming twice is the same as once.
    created(mentor.post(f"/pairs/{pair_id}/records/{record['record_id']}/confirm"), 200)
    counts = (
        api.as_("hn-admin")
        .get(f"/communities/{world['community_id']}/pairs", min_position=position)
        .json
    )
    [line] = counts["items"]
    assert (line["confirmed"], line["minutes"], line["kinds"]) == (1, 45, {"observation": 1})


def test_pairing_errors_answer_400_403_404_and_422(api: Api) -> None:
    world = a_pair(api)
    community_id, pair_id = world["community_id"], world["pair_id"]
    sadmin = api.as_("hn-sadmin")
    bad = sadmin.post(f"/communities/{community_id}/pairs", {"mentor_id": "x"})
    assert error(bad, 400)
    assert bad.json["field"] == "mentor_id"
    error(
        api.as_("hn-teacher").post(
            f"/communities/{community_id}/pairs",
            {
                "mentor_id": str(api.hn.teacher.user_id),
                "mentee_id": str(api.hn.other_teacher.user_id),
                "paired_on": "2025-03-01",
                "ends_on": "2026-02-28",
            },
        ),
        403,
    )
    error(api.as_("yy-admin").get(f"/pairs/{pair_id}"), 404)
    error(api.as_("yy-admin").get(f"/communities/{community_id}/pairs"), 404)
    error(
        api.as_("hn-teacher3").post(
            f"/pairs/{pair_id}/records",
            {
                "kind": "talk",
                "mode": "online",
                "occurred_on": "2025-03-01",
                "minutes": 30,
                "summary": "听课",
            },
        ),
        403,
    )
    error(api.as_("hn-teacher").get(f"/schools/{api.hn.school_id}/pairs"), 403)
    assert (
        sadmin.get(f"/schools/{api.hn.school_id}/pairs").json["items"][0]["pair"]["id"] == pair_id
    )
    error(api.as_("hn-teacher2").post(f"/pairs/{pair_id}/records/1/dispute", {}), 400)
    error(
        api.as_("hn-teacher").post(f"/pairs/{pair_id}/end", {"on": "2025-03-02", "reason": "x"}),
        403,
    )


def test_the_pairs_content_never_reaches_anyone_but_the_pair_and_their_school_admins(
    api: Api,
) -> None:
    world = a_pair(api)
    community_id, pair_id = world["community_id"], world["pair_id"]
    set_clock(api, 2025, 3, 10)
    mentee, mentor = api.as_("hn-teacher2"), api.as_("hn-teacher")
    response = api.client.post(
        f"/api/v1/pairs/{pair_id}/records",
        headers=mentee.headers,
        data={
            "json": '{"kind": "observation", "mode": "offline", "occurred_on": "2025-03-05", '
            f'"minutes": 45, "summary": "{SUMMARY}"}}',
            "evidence": (io.BytesIO(b"%PDF-1.4 notes"), FILE, "application/pdf"),
        },
        content_type="multipart/form-data",
    )
    settled(api, created(response))
    settled(
        api,
        created(
            mentee.post(
                f"/pairs/{pair_id}/records",
                {
                    "kind": "talk",
                    "mode": "online",
                    "occurred_on": "2025-03-06",
                    "minutes": 30,
                    "summary": "x",
                },
            )
        ),
    )
    settled(api, created(mentor.post(f"/pairs/{pair_id}/records/1/confirm"), 200))
    settled(
        api, created(mentor.post(f"/pairs/{pair_id}/records/2/dispute", {"comment": COMMENT}), 200)
    )
    settled(
        api,
        created(
            api.as_("hn-sadmin").post(
                f"/pairs/{pair_id}/end", {"on": "2025-03-10", "reason": REASON}
            ),
            200,
        ),
    )

    reads = [
        f"/pairs/{pair_id}",
        f"/communities/{community_id}/pairs",
        f"/schools/{api.hn.school_id}/pairs",
        f"/schools/{api.hn.other_school_id}/pairs",
        f"/schools/{world['third_school']}/pairs",
        "/mentoring/me",
        f"/communities/{community_id}/events",
        f"/communities/{community_id}/progress",
        f"/communities/{community_id}/activities",
        "/dashboard",
    ]
    writes = [
        (
            f"/pairs/{pair_id}/records",
            {"kind": "talk", "mode": "online", "occurred_on": "2025-03-06", "minutes": 30},
        ),
        (f"/pairs/{pair_id}/records/1/confirm", None),
        (f"/pairs/{pair_id}/records/2/dispute", {"comment": "再质疑"}),
        (f"/pairs/{pair_id}/end", {"on": "2025-03-10", "reason": "再结束"}),
    ]
    for username in ("hn-admin", "hn-monitor", "hn-teacher3", "yy-admin", "yy-teacher"):
        caller = api.as_(username)
        for path in reads:
            text = seen(caller.get(path))
            for secret in SECRETS:
                assert secret not in text, (username, path, secret)
        for path, payload in writes:
            text = seen(caller.post(path, payload))
            for secret in SECRETS:
                assert secret not in text, (username, path, secret)
        detail = caller.get(f"/pairs/{pair_id}")
        if detail.status_code == 200:
            assert detail.json["readable"] is False
            assert "end_reason" not in detail.json["pair"]
            for record in detail.json["records"]:
                assert not {"summary", "evidence", "dispute_comment"} & set(record)

    for username in ("hn-teacher", "hn-teacher2", "hn-sadmin"):
        text = seen(api.as_(username).get(f"/pairs/{pair_id}"))
        for secret in SECRETS:
            assert secret in text, (username, secret)
