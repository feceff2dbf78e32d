"""Certificates on the web: a teacher who meets the (lowered) requirement takes the certificate,
prints it, and anyone (signed out) verifies its code on a page showing only name, school, year and
hours; a teacher below the line is told why; another bureau finds no certificate."""

from __future__ import annotations

from domain.settings import ResearchSettings
from tests.web_research.test_research_pages import World
from tests.web_research.test_research_pages import world as world  # the fixture, by its name


def test_a_certificate_is_taken_printed_and_verified_by_anyone(world: World) -> None:
    web = world.web
    hours = web.runtime.services.training_hours
    hours.set_settings(
        web.hn.admin, ResearchSettings(hours=hours.settings(web.hn.admin).hours, required_hours=2)
    )
    phone = web.browser("hn-teacher2")
    path = f"/research/sessions/{world.session}"
    phone.post(f"{path}/sign-up")
    phone.post(f"{path}/check-in")
    web.runtime.catch_up()
    below = web.browser("hn-teacher").post("/research/certificates")
    assert below.status_code == 422
    assert "未达到2学时要求" in below.get_data(as_text=True)
    taken = phone.post("/research/certificates")
    assert taken.status_code == 302
    certificate = phone.text(taken.headers["Location"])
    code = certificate.split('id="certificate-code">')[1].split("<")[0]
    assert "李老师" in certificate
    assert web.browser("yy-admin").get(taken.headers["Location"]).status_code == 404
    assert f'href="{taken.headers["Location"]}"' in phone.text("/research")

    public = web.app.test_client()
    page = public.get(f"/verify?code={code.lower()}")
    assert page.status_code == 200
    shown = page.get_data(as_text=True).split('id="verified"')[1].split("</section>")[0]
    assert "李老师" in shown
    assert "2学时" not in shown  # the hours alone, as a figure
    assert ">2<" in shown
    assert "2025–2026" in shown
    assert str(web.hn.other_teacher.user_id) not in page.get_data(as_text=True)
    assert public.get("/verify?code=AAAA-BBBB-CCCC-DDDD").status_code == 404
