"""An invitation across regions tells the inviting bureau nothing about the other bureau's schools.

Whatever is typed as the other bureau's school code, the answer is the same for a real and a
made-up code, and the community shows only the typed code until that bureau consents.
"""

from __future__ import annotations

import pytest

from infra.wiring import Runtime
from tests.test_api import Api, created, make_api
from tests.test_api_communities import found


@pytest.fixture
def api(sqlite_runtime: Runtime) -> Api:
    return make_api(sqlite_runtime)


def test_the_api_answers_an_invitation_alike_for_a_real_and_a_made_up_school_code(
    api: Api,
) -> None:
    admin = api.as_("hn-admin")
    community_id, _ = found(api)
    answers = [
        admin.post(
            f"/communities/{community_id}/invitations",
            {"tenant_id": str(api.yy.tenant_id), "school_code": code, "on": "2025-03-01"},
        )
        for code in ("yy-01", "yy-99")
    ]
    assert [(a.status_code, sorted(a.json)) for a in answers] == [(200, ["id", "position"])] * 2
    position = created(answers[1], 200)[1]

    page = admin.get(f"/communities/{community_id}", min_position=position).json
    assert sorted(p["school"] for p in page["pending"]) == ["YY-01", "YY-99"]
    assert all(set(p) == {"school", "bureau", "joins_on"} for p in page["pending"])
    assert "余姚市教育局第一小学" not in str(page)
    # Only the invitation of a real school reaches the other bureau.
    waiting = api.as_("yy-admin").get("/invitations", min_position=position).json["items"]
    assert [i["school_id"] for i in waiting] == [str(api.yy.school_id)]
