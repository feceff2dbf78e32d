"""A year of online research (网络教研) for the demo's 狮岭—博达 community.

A 语文 group led by 孙飞凤 and a 数学 group led by 徐洁, with members of both schools, meet every week
of term (语文 on Tuesdays, 数学 on Thursdays at 14:30 in Haining): teachers sign up, check in (some
late, one recorded by the host), post and reply; each held session counts toward the plan's 网络教研
task. Two lesson plans go through comments and revisions; 付开萍's is published to the library.
When the demo is seeded, one 语文 session is live and one 数学 session is a few days ahead; the
teachers' hours this school year differ (some below 24), and 付开萍 has her certificate.

Like the mentoring history, every step is replayed at its moment, before the quarter seals after it.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, date, datetime, timedelta
from functools import partial
from uuid import UUID

from domain.research import SessionKind
from infra.wiring import Runtime
from services.actor import Actor
from services.people import actor_of

FORMED_ON = date(2026, 2, 24)
FIRST_WEEK = date(2026, 3, 2)  # a Monday
SUMMER = (7, 8)
#: 14:30 in Haining, in UTC.
SESSION_HOUR, SESSION_MINUTE = 6, 30

#: leader, grade band, members of 狮岭 then 博达, each with how often they come (every n-th absent).
GROUPS = {
    "语文": (
        "sl-sunff",
        "小学中高段",
        {"sl-tangmy": 4, "bd-fukp": 0, "bd-chenyu": 2, "bd-lijia": 3},
    ),
    "数学": (
        "sl-xujie",
        "小学",
        {
            "bd-xuxr": 3,
            "bd-wanglei": 0,
            "bd-zhaomin": 2,
            "bd-zhouting": 2,
            "sl-linxj": 2,
            "bd-wumd": 3,
        },
    ),
}
KINDS = [
    SessionKind.COLLECTIVE_PREPARATION,
    SessionKind.TEACHING_DIAGNOSIS,
    SessionKind.THEMED_RESEARCH,
    SessionKind.EXPERT_TALK,
]
THEMES = {
    "语文": ["单元整体教学设计", "《将相和》课堂诊断", "习作教学的支架", "新课标下的阅读教学"],
    "数学": ["《观察物体》集体备课", "《平均分》课堂诊断", "作业分层设计", "数学核心素养讲座"],
}
POSTS = [
    "这节课的目标定位很清楚，建议把小组讨论的时间再放长一些。",
    "同意，板书可以再简洁一点，把关键句突出出来。",
]

Step = tuple[datetime, int, Callable[[], object]]


def _actor(runtime: Runtime, user_id: UUID) -> Actor:
    return actor_of(runtime.platform.repository.get(user_id))


def _moment(day: date, hour: int = SESSION_HOUR, minute: int = SESSION_MINUTE) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


class ResearchHistory:
    def __init__(
        self,
        runtime: Runtime,
        community: UUID,
        users: dict[str, UUID],
        at: Callable[[datetime], AbstractContextManager[None]],
    ) -> None:
        """``at`` is the demo's ``history_at``: a context manager running commands at a moment."""
        self.runtime, self.community, self.users, self.at = runtime, community, users, at
        self.steps: list[Step] = []
        self.groups: dict[str, UUID] = {}
        self.sessions: dict[str, list[UUID]] = {"语文": [], "数学": []}
        directory = runtime.services.people.ctx.directory
        expert = directory.user_id_by_username("hn-jiaoyan")
        assert expert is not None
        self.expert = expert
        now = datetime.now(UTC)
        self._form()
        self._plan_weeks(now)
        self._plan_now(now)
        self._plan_lesson_plans(now)

    def actor(self, username: str) -> Actor:
        return _actor(self.runtime, self.users[username])

    def _form(self) -> None:
        research = self.runtime.services.research
        core_admin, bd_admin = self.actor("sl-admin"), self.actor("bd-admin")
        with self.at(_moment(FORMED_ON, 2, 0)):
            for subject, (leader, band, members) in GROUPS.items():
                group = research.form_group(
                    core_admin,
                    self.community,
                    name=f"狮岭—博达{subject}网络教研组",
                    subject=subject,
                    grade_band=band,
                    leader_id=self.users[leader],
                ).id
                self.groups[subject] = group
                for username in members:
                    if username == "bd-lijia":  # she asks; her school admin grants it
                        research.request_to_join(self.actor(username), group)
                    admin = core_admin if username.startswith("sl-") else bd_admin
                    research.add_member(admin, group, self.users[username])
            research.request_to_join(self.actor("bd-sunli"), self.groups["语文"])  # still waiting
        self.runtime.catch_up()

    def _plan_weeks(self, now: datetime) -> None:
        week, number = FIRST_WEEK, 0
        earliest = (now - timedelta(days=400)).date()
        while _moment(week + timedelta(days=4)) + timedelta(hours=3) < now:
            if week.month not in SUMMER and week >= earliest:
                for subject, weekday in (("语文", 1), ("数学", 3)):
                    self._plan_session(subject, week + timedelta(days=weekday), number)
                number += 1
            week += timedelta(weeks=1)

    def _plan_session(self, subject: str, day: date, number: int) -> None:
        research = self.runtime.services.research
        leader, _, members = GROUPS[subject]
        kind = KINDS[number % len(KINDS)]
        starts = _moment(day)
        holder: list[UUID] = []

        def schedule() -> object:
            done = research.schedule(
                self.actor(leader),
                self.groups[subject],
                kind=kind,
                theme=THEMES[subject][number % len(KINDS)],
                starts_at=starts,
                ends_at=starts + timedelta(hours=2),
                host_id=self.users[leader],
                expert_id=self.expert if kind == SessionKind.EXPERT_TALK else None,
                meeting_link="https://meeting.example/jgt-demo",
            )
            holder.append(done.id)
            self.sessions[subject].append(done.id)
            return done

        self._step(starts - timedelta(days=6), schedule)
        coming = [u for i, (u, n) in enumerate(members.items()) if not n or (number + i) % n]
        for index, username in enumerate(coming):

            def sign_up(username: str = username) -> object:
                return research.sign_up(self.actor(username), holder[0])

            def check_in(username: str = username) -> object:
                return research.check_in(self.actor(username), holder[0])

            def recorded(username: str = username) -> object:
                return research.record_attendance(
                    self.actor(leader), holder[0], self.users[username]
                )

            self._step(starts - timedelta(days=2), sign_up)
            late = timedelta(minutes=9) if (number + index) % 5 == 0 else timedelta(minutes=-4)
            if username == "bd-zhaomin" and number % 4 == 1:  # joined by phone: the host records
                self._step(starts + timedelta(minutes=50), recorded)
            else:
                self._step(starts + late, check_in)
        self._step(
            starts - timedelta(minutes=6),
            lambda: research.check_in(self.actor(leader), holder[0]),
        )
        if number % 3 == 0 and coming:
            author = coming[0]
            self._step(
                starts + timedelta(minutes=40),
                lambda: research.post(self.actor(author), holder[0], text=POSTS[0]),
            )
            self._step(
                starts + timedelta(minutes=45),
                lambda: research.post(self.actor(leader), holder[0], text=POSTS[1], reply_to="1"),
            )

    def _plan_now(self, now: datetime) -> None:
        """One 语文 session live as the demo starts (for the next 11 hours), one 数学 ahead."""
        research = self.runtime.services.research
        live: list[UUID] = []
        starts = now - timedelta(minutes=20)

        def schedule_live() -> object:
            done = research.schedule(
                self.actor("sl-sunff"),
                self.groups["语文"],
                kind=SessionKind.COLLECTIVE_PREPARATION,
                theme="《桂花雨》集体备课（进行中）",
                starts_at=starts,
                ends_at=now + timedelta(hours=11, minutes=30),
                host_id=self.users["sl-sunff"],
                meeting_link="https://meeting.example/jgt-demo-live",
            )
            live.append(done.id)
            return done

        self._step(now - timedelta(days=1), schedule_live)

        def sign_up(username: str) -> object:
            return research.sign_up(self.actor(username), live[0])

        for minutes, username in ((-30, "bd-fukp"), (-28, "bd-chenyu")):
            self._step(now + timedelta(minutes=minutes), partial(sign_up, username))
        self._step(
            now - timedelta(minutes=22),
            lambda: research.check_in(self.actor("sl-sunff"), live[0]),
        )
        self._step(
            now - timedelta(minutes=16),
            lambda: research.check_in(self.actor("bd-fukp"), live[0]),
        )
        self._step(
            now - timedelta(minutes=8),
            lambda: research.post(
                self.actor("bd-fukp"),
                live[0],
                text="我把第二课时的教案初稿放在教研组里了，请大家看看。",
            ),
        )
        upcoming_day = (now + timedelta(days=3)).date()
        upcoming: list[UUID] = []

        def schedule_upcoming() -> object:
            done = research.schedule(
                self.actor("sl-xujie"),
                self.groups["数学"],
                kind=SessionKind.THEMED_RESEARCH,
                theme="期末复习课的设计",
                starts_at=_moment(upcoming_day),
                ends_at=_moment(upcoming_day) + timedelta(hours=2),
                host_id=self.users["sl-xujie"],
                meeting_link="https://meeting.example/jgt-demo-next",
            )
            upcoming.append(done.id)
            return done

        self._step(now - timedelta(days=1), schedule_upcoming)
        self._step(
            now - timedelta(hours=20),
            lambda: research.sign_up(self.actor("bd-wanglei"), upcoming[0]),
        )

    def _plan_lesson_plans(self, now: datetime) -> None:
        """付开萍's plan: commented, revised three times, final, published by the leader;
        王磊's: commented and revised, still a draft."""
        plans = self.runtime.services.lesson_plans
        published: list[UUID] = []
        draft: list[UUID] = []
        texts = [
            "一、教学目标\n1. 认识“绛、缕”等生字。\n2. 默读课文，说说将相和好的经过。\n"
            "二、教学过程\n1. 复习导入\n2. 梳理三个故事\n3. 小结",
            "一、教学目标\n1. 认识“绛、缕”等生字。\n2. 默读课文，抓关键句体会人物品质。\n"
            "二、教学过程\n1. 复习导入\n2. 梳理三个故事，找出因果联系\n3. 小结",
            "一、教学目标\n1. 认识“绛、缕”等生字。\n2. 默读课文，抓关键句体会人物品质。\n"
            "二、教学过程\n1. 复习导入\n2. 梳理三个故事，找出因果联系\n3. 分角色朗读“负荆请罪”\n"
            "4. 小结\n三、作业\n讲给家人听",
            "一、教学目标\n1. 认识“绛、缕”等生字。\n2. 默读课文，抓关键句体会蔺相如和廉颇的品质。\n"
            "二、教学过程\n1. 复习导入\n2. 梳理三个故事，找出因果联系\n3. 分角色朗读“负荆请罪”\n"
            "4. 小结\n三、作业\n讲给家人听（分层：选讲一个或三个故事）",
        ]
        title = "《将相和》第二课时教学设计"

        def draft_published() -> object:
            done = plans.draft(
                self.actor("bd-fukp"),
                self.groups["语文"],
                title=title,
                grade="五年级",
                text=texts[0],
            )
            published.append(done.id)
            return done

        self._step(now - timedelta(days=40), draft_published)
        comments = [
            ("sl-sunff", "目标2可以更具体：抓哪些关键句？"),
            ("bd-chenyu", "三个故事之间的联系可以让学生自己发现。"),
            ("sl-tangmy", "作业可以分层。"),
        ]

        def comment(username: str, text: str) -> object:
            return plans.comment(self.actor(username), published[0], text=text)

        def revise(text: str) -> object:
            return plans.revise(self.actor("bd-fukp"), published[0], title=title, text=text)

        for day, (username, text) in zip((38, 33, 28), comments, strict=True):
            self._step(now - timedelta(days=day), partial(comment, username, text))
        for day, text in zip((36, 31, 26), texts[1:], strict=True):
            self._step(now - timedelta(days=day), partial(revise, text))
        self._step(
            now - timedelta(days=22), lambda: plans.finalise(self.actor("bd-fukp"), published[0])
        )
        self._step(
            now - timedelta(days=21), lambda: plans.publish(self.actor("sl-sunff"), published[0])
        )

        def draft_math() -> object:
            done = plans.draft(
                self.actor("bd-wanglei"),
                self.groups["数学"],
                title="《观察物体（二）》教学设计",
                grade="四年级",
                text="一、教学目标\n从不同方向观察物体\n二、教学过程\n1. 操作观察\n2. 小结",
            )
            draft.append(done.id)
            return done

        self._step(now - timedelta(days=10), draft_math)
        self._step(
            now - timedelta(days=9),
            lambda: plans.comment(self.actor("sl-xujie"), draft[0], text="请加上小组操作的分工。"),
        )
        self._step(
            now - timedelta(days=7),
            lambda: plans.revise(
                self.actor("bd-wanglei"),
                draft[0],
                title="《观察物体（二）》教学设计",
                text="一、教学目标\n从不同方向观察物体\n二、教学过程\n1. 小组操作观察（四人一组，"
                "分工记录）\n2. 交流\n3. 小结",
            ),
        )

    def certify(self) -> None:
        """付开萍 takes her certificate for this school year's hours (a code to verify)."""
        teacher = self.actor("bd-fukp")
        assert teacher.user_id is not None
        self.runtime.catch_up()
        # Early in a school year (the demo seeded in September) she has not met it yet.
        if not self.runtime.services.training_hours.ledger(teacher, teacher.user_id).below:
            self.runtime.services.certificates.issue(teacher, teacher.user_id)
            self.runtime.catch_up()

    def _step(self, moment: datetime, step: Callable[[], object]) -> None:
        self.steps.append((moment, len(self.steps), step))

    def replay(self, *, until: datetime) -> None:
        """Run, in time order, every step before ``until`` not run yet."""
        self.steps.sort(key=lambda s: (s[0], s[1]))
        while self.steps and self.steps[0][0] < until:
            moment, _, step = self.steps.pop(0)
            with self.at(moment):
                step()
        self.runtime.catch_up()
