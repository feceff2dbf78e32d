"""The demo's online research: a 语文 and a 数学 group across 狮岭 and 博达, a year of sessions (one
live, one ahead, the rest held and counted), posts, two lesson plans (one published), and hours for
every teacher of the two schools, some below the 24 a year needs."""

from __future__ import annotations

from domain.roles import Role
from infra.demo import seed_demo
from infra.wiring import Runtime
from services.actor import Actor
from services.people import actor_of


def test_the_demo_shows_a_year_of_online_research_and_everyones_hours(
    sqlite_runtime: Runtime,
) -> None:
    runtime = sqlite_runtime
    seed_demo(runtime)
    runtime.catch_up()
    directory = runtime.services.queries.ctx.directory
    research, plans = runtime.services.research, runtime.services.lesson_plans

    def actor(username: str) -> Actor:
        found = directory.user_id_by_username(username)
        assert found is not None, username
        return actor_of(runtime.platform.repository.get(found))

    home = research.home(actor("sl-admin"))
    assert sorted(g.group.subject for g in home.groups) == ["数学", "语文"]
    schools = {g.group.subject: {m.school_id for m in g.members if m.current} for g in home.groups}
    sl, bd = actor("sl-admin").school_id, actor("bd-admin").school_id
    assert schools == {"语文": {sl, bd}, "数学": {sl, bd}}
    sessions = [s for g in home.groups for s in g.sessions]
    now = home.now
    live = [s for s in sessions if s.live_at(now)]
    upcoming = [s for s in sessions if s.starts_at > now]
    held = [s for s in sessions if s.ends_at < now]
    assert (len(live), len(upcoming)) == (1, 1)
    assert len(held) >= 20
    assert all(s.counted for s in held)  # attendees from both schools every time
    assert any(research.session_page(actor("sl-sunff"), s.id).posts for s in held)
    page = research.session_page(actor("sl-sunff"), live[0].id)
    assert page.attendees
    assert page.posts

    [chinese] = [g for g in home.groups if g.group.subject == "语文"]
    [maths] = [g for g in home.groups if g.group.subject == "数学"]
    [published] = plans.plans_of_group(actor("sl-sunff"), chinese.group.id)
    [draft] = plans.plans_of_group(actor("sl-xujie"), maths.group.id)
    assert (published.status, draft.status) == ("published", "draft")
    assert published.revision >= 3
    assert draft.revision >= 2
    assert plans.library(actor("bd-chenyu"), words="负荆请罪").plans == [published]

    hours = runtime.services.training_hours
    lines = [
        line
        for admin in ("sl-admin", "bd-admin")
        for line in hours.school_table(actor(admin), actor(admin).school_id)  # type: ignore[arg-type]
    ]
    teachers = [
        u
        for school in (sl, bd)
        for u in directory.users(actor("sl-admin").tenant_id, school_id=school)
        if u.active and Role.TEACHER in u.roles
    ]
    assert len(lines) == len(teachers)
    assert all(line.earned > 0 for line in lines), [(x.name, x.earned) for x in lines]
    assert any(line.below for line in lines)
    assert any(not line.below for line in lines)
    fukp = actor("bd-fukp")
    assert fukp.user_id is not None
    certificate = runtime.services.certificates.of_year(fukp, fukp.user_id, hours.school_year())
    assert certificate is not None
    verified = runtime.services.certificates.verify(certificate.code)
    assert verified is not None
    assert (verified.name, verified.hours) == ("付开萍", certificate.hours)
