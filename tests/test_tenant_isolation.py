"""The tenant isolation walk: every route, every method, as every kind of user of another bureau.

Two bureaus, A (海宁) and B (余姚). The walk reads the app's URL map at run time, so every page and
API route that exists is covered, including ones added after this test was written: a route with a
URL variable the walk does not know how to fill fails the test instead of escaping it.

Each route is called with every method, as each of B's users (bureau admin, monitor, school admin,
teacher): pages with B's signed-in session cookie, the API with B's bearer token, with a plausible
form or JSON body that carries A's ids wherever ids are accepted. Then:

- a route whose URL carries an id of A answers 404 (405 for a method it does not have) — exactly
  what a made-up id answers, so B cannot even learn that the thing exists;
- no answer (body or headers) contains anything that identifies A: its name, its schools' names
  and codes, its people's login and display names, any of its ids (an id of A that B itself sent
  may only come back if a made-up id in its place comes back the same way: an echo, not a leak);
- afterwards A is untouched: no new event concerns A, and A's directory rows are as before.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID, uuid4

import pytest
from flask import Flask
from werkzeug.routing import Rule
from werkzeug.test import TestResponse

from infra.ratelimit import InMemoryRateLimiter
from infra.wiring import Runtime
from services.actor import Actor
from tests.conftest import PASSWORD, Bureau
from web import create_app

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
API = "/api/v1/"


@dataclass
class Side:
    """One bureau's ids, as the walk puts them into URLs and bodies."""

    bureau: Bureau

    @property
    def ids(self) -> dict[str, str]:
        b = self.bureau
        return {
            "school_id": str(b.school_id),
            "user_id": str(b.teacher.user_id),
            "tenant_id": str(b.tenant_id),
        }


#: URL variables that name a thing of one tenant: filled with A's id, or (in mixed variants) B's.
TENANT_IDS = ("school_id", "user_id", "tenant_id")
#: URL variables scoped by another variable of the same URL (a class id is "3-1" in any school).
SCOPED = {"class_id": "3-1"}
#: URL variables that are not tenant data at all.
PLAIN = {"code": "en", "kind": "xlsx", "filename": "app.css"}


def fill_rule(rule: Rule, chosen: dict[str, str]) -> str:
    values = {**SCOPED, **PLAIN, **chosen}
    unknown = set(rule.arguments) - set(values)
    assert not unknown, (
        f"the isolation walk does not know how to fill {sorted(unknown)} in {rule.rule} "
        f"({rule.endpoint}); teach it (tests/test_tenant_isolation.py) so the route is walked"
    )
    url = rule.rule
    for name in rule.arguments:
        url = re.sub(rf"<(?:[^:<>]+:)?{name}>", values[name], url)
    return url


@dataclass
class World:
    runtime: Runtime
    app: Flask
    a: Bureau
    b: Bureau
    secrets: set[str] = field(default_factory=set)
    uuids: set[str] = field(default_factory=set)
    counter: Iterator[int] = field(default_factory=itertools.count)

    def form(self, a_ids: dict[str, str], n: int) -> dict[str, Any]:
        """A plausible form for any page: every field some form reads, A's ids where ids go."""
        return {
            "name": "走查名称",
            "code": f"WALK-{n}",
            "stage": "primary",
            "locality": "rural",
            "student_count": "10",
            "grade": "3",
            "username": f"walk-{n}",
            "display_name": "走查人",
            "password": "walk-password-1",
            "role": "expert",
            "roles": ["teacher"],
            "subjects": ["语文"],
            "grades": ["3"],
            "key_level": "",
            "title": "走查",
            "reason": "走查",
            "region": "走查",
            "school_id": a_ids["school_id"],
            "to_school_id": a_ids["school_id"],
            "user_id": a_ids["user_id"],
            "tenant_id": a_ids["tenant_id"],
            "current": "not-the-password",
            "new": "walk-new-password",
            "confirm": "walk-new-password",
            "mode": "same",
            "days": ["1"],
            "start-1": "08:00",
            "end-1": "08:40",
            "next": "/",
        }

    def query(self, a_ids: dict[str, str]) -> dict[str, str]:
        """Filters any list page or API read may take, naming A's things."""
        return {
            "school_id": a_ids["school_id"],
            "school": a_ids["school_id"],
            "actor_id": a_ids["user_id"],
            "actor": a_ids["user_id"],
            "user_id": a_ids["user_id"],
        }

    def json(self, a_ids: dict[str, str], n: int) -> dict[str, Any]:
        """A plausible JSON body for any API command, A's ids where ids go."""
        return {
            "name": "走查名称",
            "code": f"WALK-{n}",
            "stage": "primary",
            "locality": "rural",
            "student_count": 10,
            "grade": 3,
            "username": f"walk-{n}",
            "display_name": "走查人",
            "password": "walk-password-1",
            "roles": ["teacher"],
            "subjects": ["语文"],
            "grades": [3],
            "key_level": "",
            "title": "走查",
            "reason": "走查",
            "region": "走查",
            "school_id": a_ids["school_id"],
            "user_id": a_ids["user_id"],
            "tenant_id": a_ids["tenant_id"],
            "periods": [{"weekday": 1, "number": 1, "start": "08:00", "end": "08:40"}],
            "current": "not-the-password",
            "new": "walk-new-password",
        }


def rename_a_people(runtime: Runtime, a: Bureau) -> None:
    """make_bureau gives both bureaus' people the same names; give A's people names of their own."""
    people = runtime.services.people
    for someone, name in (
        (a.monitor, "海宁督导甲"),
        (a.school_admin, "海宁校长乙"),
        (a.teacher, "海宁教师丙"),
        (a.other_teacher, "海宁教师丁"),
    ):
        assert someone.user_id is not None
        people.update_profile(
            a.admin,
            someone.user_id,
            display_name=name,
            subjects=[],
            grades=[],
            key_level="",
            title="",
        )


def identifying_data(runtime: Runtime, a: Bureau, b: Bureau) -> tuple[set[str], set[str]]:
    """A's names, codes and login names (never sent by B), and A's ids (sent by B in the walk)."""
    queries = runtime.services.queries

    def strings(side: Bureau) -> tuple[set[str], set[str]]:
        tenant = queries.own_tenant(side.admin)
        assert tenant is not None
        names = {tenant.name}
        ids = {str(tenant.id)}
        for school in queries.schools(side.admin):
            names |= {school.name, school.code}
            ids.add(str(school.id))
        for user in runtime.services.queries.bureau_staff(side.admin) + [
            u for s in queries.schools(side.admin) for u in queries.staff(side.admin, s.id)
        ]:
            names |= {user.username, user.display_name}
            ids.add(str(user.id))
        return names, ids

    a_names, a_ids = strings(a)
    b_names, _ = strings(b)
    shared = {n for n in a_names if any(n in other for other in b_names)}
    assert not shared & {"海宁督导甲", "海宁教师丙"}, shared
    return a_names - shared, a_ids


@pytest.fixture
def world(runtime: Runtime, two_bureaus: tuple[Bureau, Bureau]) -> World:
    a, b = two_bureaus
    rename_a_people(runtime, a)
    runtime.catch_up()
    runtime.start_embedded_projections()
    # Dozens of sign-ins from one address: the rate limit is tested elsewhere.
    runtime.rate_limiter = InMemoryRateLimiter(attempts=100_000, window_seconds=300)
    app = create_app(runtime=runtime, WTF_CSRF_ENABLED=False)
    names, ids = identifying_data(runtime, a, b)
    return World(runtime, app, a, b, names, ids)


@dataclass
class Caller:
    name: str
    actor: Actor
    token: str


def callers(world: World) -> list[Caller]:
    found = []
    client = world.app.test_client()
    b = world.b
    for name, actor in (
        ("teacher", b.teacher),
        ("monitor", b.monitor),
        ("school admin", b.school_admin),
        ("bureau admin", b.admin),
    ):
        username = world.runtime.platform.repository.get(actor.user_id).username
        response = client.post(
            "/api/v1/auth/token", json={"username": username, "password": PASSWORD}
        )
        assert response.status_code == 200, response.json
        found.append(Caller(name, actor, response.json["token"]))  # type: ignore[index]
    return found


def call(
    world: World, caller: Caller, method: str, url: str, a_ids: dict[str, str], n: int
) -> TestResponse:
    """One request as B's ``caller``; ``n`` makes the body's new names unique (and repeatable)."""
    client = world.app.test_client()
    if url.startswith(API):
        headers = {"Authorization": f"Bearer {caller.token}"}
        if method == "GET":
            return client.get(url, headers=headers, query_string=world.query(a_ids))
        return client.open(url, method=method, headers=headers, json=world.json(a_ids, n))
    with client.session_transaction() as session:
        session["_user_id"] = str(caller.actor.user_id)
        session["_fresh"] = True
    if method == "GET":
        return client.get(url, query_string=world.query(a_ids))
    return client.open(url, method=method, data=world.form(a_ids, n))


#: What differs between any two answers: signed values (CSRF tokens, the session cookie).
SIGNED = re.compile(r"[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{16,}")


def unsigned(text: str) -> str:
    return SIGNED.sub("<signed>", text)


def text_of(response: TestResponse) -> str:
    headers = "\n".join(f"{k}: {v}" for k, v in response.headers.items())
    return headers + "\n" + response.get_data().decode("utf-8", errors="replace")


@dataclass
class Finding:
    caller: str
    method: str
    url: str
    route: str
    problem: str

    def __str__(self) -> str:
        return f"{self.method} {self.url} [{self.route}] as B's {self.caller}: {self.problem}"


def check_leaks(
    world: World,
    caller: Caller,
    method: str,
    rule: Rule,
    chosen: dict[str, str],
    a_ids: dict[str, str],
    n: int,
    response: TestResponse,
) -> list[str]:
    text = text_of(response)
    problems = [f"shows A's {s!r}" for s in sorted(world.secrets) if s in text]
    shown = {u for u in world.uuids if u in text}
    if shown:
        # B sent these ids; an echo of one is no leak if a made-up id comes back the same way.
        sent = set(chosen.values()) | set(a_ids.values())
        if shown - sent:
            problems.append(f"shows A's ids it was not sent: {sorted(shown - sent)}")
        else:
            made_up = {u: str(uuid4()) for u in world.uuids}
            control = call(
                world,
                caller,
                method,
                fill_rule(rule, {k: made_up.get(v, v) for k, v in chosen.items()}),
                {k: made_up.get(v, v) for k, v in a_ids.items()},
                n,
            )
            echoed = text_of(control)
            for real, fake in made_up.items():
                echoed = echoed.replace(fake, real)
            if control.status_code != response.status_code or unsigned(echoed) != unsigned(text):
                problems.append(
                    f"shows A's ids {sorted(shown)} and answers differently for made-up ids "
                    f"({response.status_code} vs {control.status_code})"
                )
    return problems


def variants(rule: Rule, a: Side, b: Side) -> list[tuple[dict[str, str], bool]]:
    """(URL ids, whether any is A's): all of A's; each of A's alone among B's; all of B's."""
    names = [n for n in TENANT_IDS if n in rule.arguments]
    if not names:
        return [({}, False)]
    found = [({n: a.ids[n] for n in names}, True)]
    if len(names) > 1:
        for one in names:
            found.append(({n: (a if n == one else b).ids[n] for n in names}, True))
    found.append(({n: b.ids[n] for n in names}, False))
    return found


def walk(world: World, calls: list[Caller]) -> tuple[list[Finding], int]:
    a, b = Side(world.a), Side(world.b)
    findings: list[Finding] = []
    count = 0
    rules = sorted(
        (r for r in world.app.url_map.iter_rules() if r.endpoint != "static"),
        key=lambda r: (r.rule, r.endpoint),
    )
    # B's own ids last: those calls may deactivate or move B's people.
    planned = [
        (rule, chosen, carries_a)
        for rule in rules
        for chosen, carries_a in variants(rule, a, b)
        if carries_a or not chosen
    ] + [
        (rule, chosen, carries_a)
        for rule in rules
        for chosen, carries_a in variants(rule, a, b)
        if not carries_a and chosen
    ]
    # Caller by caller, the least powerful first: a later caller may deactivate an earlier one.
    for caller, (rule, chosen, carries_a), method in itertools.product(calls, planned, METHODS):
        url = fill_rule(rule, chosen)
        n = next(world.counter)
        response = call(world, caller, method, url, a.ids, n)
        count += 1

        def note(
            problem: str,
            rule: Rule = rule,
            url: str = url,
            method: str = method,
            who: str = caller.name,
        ) -> None:
            findings.append(Finding(who, method, url, rule.endpoint, problem))

        status = response.status_code
        if status >= 500:
            note(f"answered {status}")
        if carries_a:
            expected = {404} if method in (rule.methods or ()) else {404, 405}
            if status not in expected:
                note(f"answered {status} for an id of A (expected {sorted(expected)})")
        for problem in check_leaks(world, caller, method, rule, chosen, a.ids, n, response):
            note(problem)
    return findings, count


def events_of_a_since(world: World, position: int) -> list[str]:
    platform = world.runtime.platform
    touched = []
    a_ids = {UUID(u) for u in world.uuids}
    for notification in platform.recorder.select_notifications(
        start=position, limit=1_000_000, inclusive_of_start=False
    ):
        event = platform.mapper.to_domain_event(notification)
        tenant = getattr(event, "tenant_id", None)
        if tenant == world.a.tenant_id or event.originator_id in a_ids:
            touched.append(f"{type(event).__qualname__} of {event.originator_id}")
    return touched


def snapshot_of_a(world: World) -> Any:
    queries, admin = world.runtime.services.queries, world.a.admin
    schools = queries.schools(admin)
    return (
        schools,
        [queries.classes(admin, s.id) for s in schools],
        [queries.bell_schedule(admin, s.id) for s in schools],
        [queries.staff(admin, s.id) for s in schools],
        queries.bureau_staff(admin),
    )


def test_no_route_lets_another_bureau_see_or_change_anything_of_a_bureau(world: World) -> None:
    before = world.runtime.platform.recorder.max_notification_id() or 0
    snapshot = snapshot_of_a(world)
    calls = callers(world)

    findings, count = walk(world, calls)

    rules = [r for r in world.app.url_map.iter_rules() if r.endpoint != "static"]
    assert any(r.rule.startswith(API) for r in rules)
    assert count >= len(rules) * len(calls) * len(METHODS)
    assert world.runtime.services.queries.wait_for(
        world.runtime.platform.recorder.max_notification_id() or 0
    )
    assert events_of_a_since(world, before) == [], "B's calls changed A"
    assert snapshot_of_a(world) == snapshot, "A's directory changed"
    assert not findings, f"{len(findings)} isolation problems:\n" + "\n".join(map(str, findings))


def test_the_walk_fails_a_route_whose_variables_it_cannot_fill() -> None:
    rule = Rule("/communities/<community_id>/plans/<plan_id>", endpoint="x")
    from werkzeug.routing import Map

    Map([rule])
    with pytest.raises(AssertionError, match="community_id"):
        fill_rule(rule, {})


def test_the_leak_check_sees_a_name_an_id_and_tells_an_echo_from_a_lookup(
    world: World,
) -> None:
    """The walk's own checks catch what they are meant to catch (a page that leaks, faked here)."""
    secret_name = next(iter(sorted(world.secrets)))
    a_school = str(world.a.school_id)
    app = world.app

    @app.get("/_leaky/<school_id>")
    def leaky(school_id: str) -> str:
        return secret_name if school_id == a_school else "nothing"

    @app.get("/_echo/<school_id>")
    def echo(school_id: str) -> str:
        return f"no such school: {school_id}"

    @app.get("/_lookup/<school_id>")
    def lookup(school_id: str) -> str:
        return f"found {school_id}" if school_id == a_school else "not found"

    caller = callers(world)[0]
    a_ids = Side(world.a).ids
    problems: dict[str, list[str]] = {}
    for endpoint in ("leaky", "echo", "lookup"):
        rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
        chosen = {"school_id": a_school}
        response = call(world, caller, "GET", fill_rule(rule, chosen), a_ids, 0)
        problems[endpoint] = check_leaks(world, caller, "GET", rule, chosen, a_ids, 0, response)
    assert problems["leaky"] == [f"shows A's {secret_name!r}"]
    assert problems["echo"] == []
    assert len(problems["lookup"]) == 1
    assert "differently" in problems["lookup"][0]
