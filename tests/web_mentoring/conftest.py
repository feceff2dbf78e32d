"""A mentoring world behind the Flask app: a community of three schools of 海宁 with two pairs.

The pair 王老师 (core school) → 李老师 (member school) has a record with a summary, an evidence file
and a disputed record with a comment; a second pair of 王老师 ended early with a reason. Those
texts are the pair's private content; the tests look for them in every answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from uuid import UUID

import pytest

from domain.roles import Role
from infra.wiring import Runtime
from services.actor import Actor
from services.evidence import Upload
from tests.conftest import PASSWORD, actor_for
from tests.web.conftest import Browser, Web, make_web

SUMMARY = "听李老师《秋天的雨》一课，朗读指导细致但提问偏碎"
CRITIQUE = "评课要点：板书结构不清，小组合作流于形式"
COMMENT = "那天的评课我不在场，时间记错了"
END_REASON = "徒弟家中有事长期请假"
EVIDENCE_NAME = "秋天的雨-听课笔记照片.png"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
SECRETS = (SUMMARY, CRITIQUE, COMMENT, END_REASON, EVIDENCE_NAME)


@dataclass
class Mentoring:
    web: Web
    community_id: UUID
    pair_id: UUID  # 王老师 → 李老师, with private content
    ended_pair_id: UUID  # 王老师 → 赵老师, ended early with a reason
    third_school_id: UUID
    member_admin: Actor  # the admin of the mentee's school
    evidence_sha256: str
    today: date

    @property
    def runtime(self) -> Runtime:
        return self.web.runtime

    def browser(self, username: str | None = None, password: str = PASSWORD) -> Browser:
        return self.web.browser(username, password)


def _user(runtime: Runtime, by: Actor, school: UUID, username: str, name: str, role: Role) -> Actor:
    done = runtime.services.people.register_user(
        by,
        username=username,
        display_name=name,
        password=PASSWORD,
        roles=[role],
        school_id=school,
        subjects=["语文"],
    )
    return actor_for(runtime, done.id)


def make_mentoring(runtime: Runtime) -> Mentoring:
    web = make_web(runtime)
    hn, services = web.hn, runtime.services
    today = services.mentoring.ctx.today()
    third = services.organisation.register_school(
        hn.admin, name="海宁市第三小学", code="hn-03", stage="primary", locality="rural"
    ).id
    member_admin = _user(
        runtime, hn.admin, hn.other_school_id, "hn-sadmin2", "成员校校长", Role.SCHOOL_ADMIN
    )
    _user(runtime, hn.admin, third, "hn-third", "第三小学张老师", Role.TEACHER)
    _user(runtime, hn.admin, hn.school_id, "hn-colleague", "核心校同事", Role.TEACHER)
    zhao = _user(runtime, hn.admin, hn.other_school_id, "hn-zhao", "赵老师", Role.TEACHER)
    services.queries.wait_for(runtime.platform.recorder.max_notification_id() or 0)
    community = services.communities.found(
        hn.admin,
        name="狮岭—博达测试教共体",
        kind="fusion",
        core_school_id=hn.school_id,
        founded_on=today - timedelta(days=60),
        round_start_year=today.year - 1,
        round_end_year=today.year + 1,
        member_school_ids=[hn.other_school_id, third],
    )
    services.queries.wait_for(community.position)
    assert hn.teacher.user_id
    assert hn.other_teacher.user_id
    assert zhao.user_id
    paired_on = today - timedelta(days=20)
    mentoring = services.mentoring
    pair = mentoring.pair(
        hn.school_admin,
        community.id,
        mentor_id=hn.teacher.user_id,
        mentee_id=hn.other_teacher.user_id,
        paired_on=paired_on,
        ends_on=paired_on + timedelta(days=365),
    )
    ended = mentoring.pair(
        hn.school_admin,
        community.id,
        mentor_id=hn.teacher.user_id,
        mentee_id=zhao.user_id,
        paired_on=paired_on,
        ends_on=paired_on + timedelta(days=365),
    )
    services.queries.wait_for(ended.position)
    mentoring.record(
        hn.other_teacher,
        pair.id,
        kind="observation",
        mode="offline",
        occurred_on=today - timedelta(days=5),
        minutes=40,
        summary=SUMMARY,
        uploads=[Upload(EVIDENCE_NAME, "image/png", PNG)],
    )
    mentoring.record(
        hn.teacher,
        pair.id,
        kind="critique",
        mode="online",
        occurred_on=today - timedelta(days=4),
        minutes=45,
        summary=CRITIQUE,
    )
    mentoring.dispute(hn.other_teacher, pair.id, "2", comment=COMMENT)
    last = mentoring.end(hn.school_admin, ended.id, on=today - timedelta(days=2), reason=END_REASON)
    services.queries.wait_for(last.position)
    [record] = [r for r in mentoring.pair_detail(hn.teacher, pair.id)[1] if r.record_id == "1"]
    return Mentoring(
        web=web,
        community_id=community.id,
        pair_id=pair.id,
        ended_pair_id=ended.id,
        third_school_id=third,
        member_admin=member_admin,
        evidence_sha256=str(record.evidence[0]["sha256"]),
        today=today,
    )


@pytest.fixture
def world(sqlite_runtime: Runtime) -> Mentoring:
    return make_mentoring(sqlite_runtime)
