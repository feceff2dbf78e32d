"""The JSON API fuzzed from its own OpenAPI document, as every role, on PostgreSQL.

Schemathesis draws requests for every documented operation (valid ones, and ones that break the
document's schemas) and sends them as each signed-in role. Nothing may answer 500, every answer
must be one the document describes, and afterwards every view has applied every accepted event:
an accepted request that stops a view is the worst defect this product can have.

Bounded: a few examples per operation and role (``JGT_FUZZ_EXAMPLES`` raises it for a long run).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from infra.bootstrap import bootstrap_platform_admin
from infra.ratelimit import InMemoryRateLimiter
from infra.wiring import Runtime
from tests.conftest import (
    PASSWORD,
    found_fusion,
    make_bureau,
    open_runtime,
    postgres_database,
    sqlite_settings,
)
from web import create_app

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

EXAMPLES = int(os.environ.get("JGT_FUZZ_EXAMPLES", "6"))
ROLES = ("hn-admin", "hn-monitor", "hn-sadmin", "hn-teacher", "yy-teacher", "root")
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


class World:
    """Two bureaus with their schools and people, a community and a pair: real ids to aim at."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.hn = make_bureau(runtime, "hn", "海宁市教育局")
        self.yy = make_bureau(runtime, "yy", "余姚市教育局")
        bootstrap_platform_admin(runtime, "root", "平台管理员", PASSWORD)
        community = found_fusion(runtime, self.hn)
        self.ids: dict[str, list[str]] = {
            "tenant_id": [str(self.hn.tenant_id), str(self.yy.tenant_id)],
            "school_id": [
                str(self.hn.school_id),
                str(self.hn.other_school_id),
                str(self.yy.school_id),
            ],
            "user_id": [str(self.hn.teacher.user_id), str(self.yy.teacher.user_id)],
            "community_id": [str(community.id)],
        }
        runtime.catch_up()
        runtime.start_embedded_projections()
        # The limits have tests of their own; here they would only turn requests into 429s.
        runtime.rate_limiter = InMemoryRateLimiter(attempts=100_000, window_seconds=60)
        runtime.api_write_limiter = InMemoryRateLimiter(attempts=100_000, window_seconds=60)
        self.app: Flask = create_app(runtime=runtime)
        client = self.app.test_client()
        self.tokens: dict[str, str] = {}
        for username in ROLES:
            answer = client.post(
                "/api/v1/auth/token", json={"username": username, "password": PASSWORD}
            )
            assert answer.status_code == 200, (username, answer.json)
            self.tokens[username] = answer.json["token"]  # type: ignore[index]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with postgres_database() as url:
        settings_ = sqlite_settings(
            tmp_path_factory.mktemp("fuzz"),
            JGT_DATABASE_URL=url,
            JGT_EMBEDDED_PROJECTIONS="false",
        )
        runtime = open_runtime(settings_)
        try:
            yield World(runtime)
        finally:
            runtime.close()


def _aim(case: Any, world: World, data: st.DataObject) -> None:
    """Point a drawn id path parameter at a real object half of the time (else it stays random)."""
    for name, value in list((case.path_parameters or {}).items()):
        real = world.ids.get(name)
        if real and data.draw(st.booleans(), label=f"real {name}"):
            case.path_parameters[name] = data.draw(st.sampled_from(real), label=name)
        else:
            case.path_parameters[name] = value


@pytest.mark.parametrize("username", ROLES)
def test_no_request_of_any_role_breaks_the_api_or_the_record(world: World, username: str) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", world.app)
    headers = {"Authorization": f"Bearer {world.tokens[username]}"}
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path in ("/auth/token", "/me/password"):
            continue  # signing in and changing one's password would end the role's token

        probe = _probe(operation, world, headers)
        try:
            probe()
        # Collect every operation's first failure (schemathesis raises exception groups), then fail once.
        except BaseException as exc:
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}"[:2000])
    assert not failures, "\n\n".join(failures)


def _probe(operation: Any, world: World, headers: dict[str, str]) -> Any:
    """A bounded Hypothesis run of one operation: drawn requests, each checked against the document."""

    @given(data=st.data())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def probe(data: st.DataObject) -> None:
        mode = data.draw(st.sampled_from(["positive", "negative"]), label="mode")
        case = data.draw(operation.as_strategy(generation_mode=_mode(mode)))
        _aim(case, world, data)
        response = case.call(headers=headers)
        case.validate_response(response, checks=CHECKS, headers=headers)

    return probe


def _mode(name: str) -> Any:
    from schemathesis.generation import GenerationMode

    return GenerationMode.POSITIVE if name == "positive" else GenerationMode.NEGATIVE


def test_after_the_fuzzing_every_view_has_applied_every_accepted_event(world: World) -> None:
    runtime = world.runtime
    for name in runtime.views:
        runtime.runner(name).catch_up()
    for status in runtime.status():
        assert status.position == status.head, status
