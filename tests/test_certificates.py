"""Certificates through the services, on SQLite and PostgreSQL: the bureau lowers the year's
requirement, a teacher who meets it takes a certificate once, those allowed print it, anyone with the
code verifies it (name, school, year, hours only), and a teacher below the line gets none."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.base import DomainError
from domain.settings import ResearchSettings
from infra.wiring import Runtime
from services.errors import Forbidden, NotFound
from tests.conftest import SetClock
from tests.test_research import SEPT, STARTS, Story, a_session
from tests.test_research import story as story  # the fixture, by its name


def test_a_teacher_who_meets_the_requirement_takes_a_certificate_anyone_can_verify(
    runtime: Runtime, story: Story, set_clock: SetClock
) -> None:
    hn, research, hours = story.hn, runtime.services.research, runtime.services.training_hours
    certificates = runtime.services.certificates
    with pytest.raises(Forbidden):
        hours.set_settings(hn.school_admin, ResearchSettings(hours=hours.settings(hn.admin).hours))
    hours.set_settings(
        hn.admin, ResearchSettings(hours=hours.settings(hn.admin).hours, required_hours=4)
    )
    for week in range(2):
        session = a_session(runtime, story, STARTS + timedelta(weeks=week))
        research.sign_up(hn.other_teacher, session)
        set_clock(STARTS + timedelta(weeks=week))
        research.check_in(hn.other_teacher, session)
        set_clock(SEPT)
    runtime.catch_up()
    assert hn.teacher.user_id is not None
    assert hn.other_teacher.user_id is not None
    with pytest.raises(DomainError, match="已获0学时，未达到4学时要求"):
        certificates.issue(hn.teacher, hn.teacher.user_id)
    with pytest.raises(Forbidden):
        certificates.issue(hn.teacher, hn.other_teacher.user_id)
    done = certificates.issue(hn.other_teacher, hn.other_teacher.user_id)
    assert certificates.issue(story.other_admin, hn.other_teacher.user_id).id == done.id
    runtime.catch_up()
    row = certificates.certificate(story.other_admin, done.id)
    assert (row.name, row.year, row.hours, row.required) == ("李老师", 2025, 4, 4)
    with pytest.raises(Forbidden):
        certificates.certificate(hn.teacher, done.id)
    with pytest.raises(NotFound):
        certificates.certificate(story.yy.admin, done.id)
    verified = certificates.verify(row.code.lower().replace("-", " "))
    assert verified is not None
    assert (verified.name, verified.year, verified.hours) == ("李老师", 2025, 4)
    assert verified.school == row.school_name
    assert certificates.verify("AAAA-BBBB-CCCC-DDDD") is None
