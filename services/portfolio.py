"""The growth portfolio (成长记录袋): everything a teacher did across areas, by school year, and the
same as xAPI statements other platforms can take.

It gathers the research sessions attended (with their hours), posts and lesson plans, mentoring
records and the community activities (sync classes, outputs, …) the teacher recorded or took part
in. Mentoring content stays as private as on the mentoring pages: a record's summary is shown only
to those who may already read the pair's records; everyone else sees its kind, date and minutes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from domain.counting import TASK_KIND_NAMES, TaskKind
from domain.research import SESSION_KIND_NAMES, SessionKind, school_year_of
from domain.user import User
from services.actor import Actor
from services.clock import LOCAL_TIME, local_date
from services.context import Context
from services.errors import Forbidden
from services.policy import may_read_hours, may_read_mentoring_content

MENTORING_KIND_NAMES = {
    "observation": "听课",
    "critique": "评课",
    "guided_preparation": "指导备课",
    "demonstration": "示范课",
    "talk": "谈心交流",
}
#: xAPI verbs (ADL vocabulary) by what the item is.
VERBS = {
    "research": ("http://adlnet.gov/expapi/verbs/attended", "参加", "attended"),
    "post": ("http://adlnet.gov/expapi/verbs/commented", "发言", "commented"),
    "lesson_plan": ("http://adlnet.gov/expapi/verbs/authored", "撰写", "authored"),
    "mentoring": ("http://adlnet.gov/expapi/verbs/experienced", "师徒结对", "experienced"),
    "activity": ("http://adlnet.gov/expapi/verbs/completed", "完成", "completed"),
}


@dataclass(frozen=True)
class Item:
    key: str  # stable: the same item gives the same xAPI statement id
    area: str  # research, post, lesson_plan, mentoring, activity
    what: str
    title: str
    occurred_at: datetime
    recorded_at: datetime
    minutes: int = 0
    detail: str = ""  # private content, only for those who may read it


@dataclass(frozen=True)
class Portfolio:
    user_id: UUID
    name: str
    school: str
    items: list[Item] = field(default_factory=list)

    def years(self) -> list[tuple[int, list[Item]]]:
        """School years, newest first, each with its items in the order they happened."""
        by_year: dict[int, list[Item]] = {}
        for item in sorted(self.items, key=lambda i: i.occurred_at):
            by_year.setdefault(school_year_of(local_date(item.occurred_at)), []).append(item)
        return sorted(by_year.items(), reverse=True)

    def hours(self, items: list[Item]) -> int:
        return sum(i.minutes for i in items if i.area == "research") // 60


def _task_name(kind: str) -> str:
    if kind in set(TaskKind):
        return TASK_KIND_NAMES[TaskKind(kind)].split(" / ")[0]
    return kind


def _day_start(day: Any) -> datetime:
    return datetime.combine(day, time(9), tzinfo=LOCAL_TIME).astimezone(UTC)


class PortfolioService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def portfolio(self, actor: Actor, user_id: UUID) -> Portfolio:
        """The teacher's, for the teacher, their school admin and their bureau."""
        user: User = self.ctx.platform.get_in_tenant(User, user_id, actor.tenant_id)
        if not may_read_hours(actor, user_id=user.id, school_id=user.school_id):
            raise Forbidden("无权查看 / Not allowed")
        school = (
            self.ctx.directory.school(actor.tenant_id, user.school_id) if user.school_id else None
        )
        items = [
            *self._research(user.id),
            *self._lesson_plans(user.id),
            *self._mentoring(actor, user),
            *self._activities(user),
        ]
        return Portfolio(user.id, user.display_name, school.name if school else "", items)

    def _research(self, user_id: UUID) -> list[Item]:
        items = []
        themes: dict[UUID, tuple[str, str, list[Any]]] = {}
        for row in self.ctx.research.attendance(user_ids=[user_id]):
            session = self.ctx.research.session(row.session_id)
            if session is None:
                continue
            kind = SESSION_KIND_NAMES[SessionKind(session.kind)].split(" / ")[0]
            themes[row.session_id] = (kind, session.theme, [])
            items.append(
                Item(
                    key=f"attendance:{row.session_id}:{user_id}",
                    area="research",
                    what=kind,
                    title=session.theme,
                    occurred_at=row.at,
                    recorded_at=row.recorded_at or row.at,
                    minutes=row.hours * 60,
                )
            )
            for post in self.ctx.research.posts(row.session_id):
                if post.author_id == user_id:
                    items.append(
                        Item(
                            key=f"post:{row.session_id}:{post.post_id}",
                            area="post",
                            what="研讨发言",
                            title=session.theme,
                            occurred_at=post.posted_at,
                            recorded_at=post.posted_at,
                            detail=post.text,
                        )
                    )
        return items

    def _lesson_plans(self, user_id: UUID) -> list[Item]:
        items = []
        for plan_id in self.ctx.lesson_plans.authored_by(user_id):
            plan = self.ctx.lesson_plans.plan(plan_id)
            if plan is None:
                continue
            first = self.ctx.lesson_plans.revisions(plan_id)[0]
            items.append(
                Item(
                    key=f"lesson-plan:{plan.id}",
                    area="lesson_plan",
                    what="精品教案" if plan.published else "教案",
                    title=plan.title,
                    occurred_at=first.at,
                    recorded_at=first.at,
                )
            )
        return items

    def _mentoring(self, actor: Actor, user: User) -> list[Item]:
        pairs = {
            p.id: p for p in self.ctx.mentoring.pairs(tenant_id=user.tenant_id, user_id=user.id)
        }
        items = []
        for record in self.ctx.mentoring.records(list(pairs)):
            if record.status != "confirmed":
                continue
            pair = pairs[record.pair_id]
            private = may_read_mentoring_content(
                actor,
                mentor_id=pair.mentor_id,
                mentee_id=pair.mentee_id,
                school_ids=frozenset({pair.mentor_school_id, pair.mentee_school_id}),
            )
            role = "师傅" if pair.mentor_id == user.id else "徒弟"
            items.append(
                Item(
                    key=f"mentoring:{pair.id}:{record.record_id}",
                    area="mentoring",
                    what=f"师徒结对（{role}）",
                    title=MENTORING_KIND_NAMES.get(record.kind, record.kind),
                    occurred_at=_day_start(record.occurred_on),
                    recorded_at=record.recorded_at,
                    minutes=record.minutes,
                    detail=record.summary if private else "",
                )
            )
        return items

    def _activities(self, user: User) -> list[Item]:
        if user.school_id is None:
            return []
        items = []
        for community_id in self.ctx.communities.communities_of_school(user.school_id):
            for row in self.ctx.communities.activities(community_id, limit=1000):
                if row.withdrawn or user.id not in (row.actor_id, *row.participant_ids):
                    continue
                items.append(
                    Item(
                        key=f"activity:{row.id}",
                        area="activity",
                        what=_task_name(row.kind),
                        title=row.title,
                        occurred_at=_day_start(row.occurred_on),
                        recorded_at=row.recorded_at,
                    )
                )
        return items

    def xapi(self, actor: Actor, user_id: UUID, home_page: str) -> list[dict[str, Any]]:
        """One xAPI statement per item: when it happened (timestamp) and was recorded (stored)."""
        found = self.portfolio(actor, user_id)
        agent = {
            "objectType": "Agent",
            "name": found.name,
            "account": {"homePage": home_page, "name": str(found.user_id)},
        }
        return [_statement(agent, item, home_page) for item in found.items]


def _statement(agent: dict[str, Any], item: Item, home_page: str) -> dict[str, Any]:
    verb, zh, en = VERBS[item.area]
    statement: dict[str, Any] = {
        "id": str(uuid5(NAMESPACE_URL, f"{home_page}#{item.key}")),
        "actor": agent,
        "verb": {"id": verb, "display": {"zh-CN": zh, "en-US": en}},
        "object": {
            "objectType": "Activity",
            "id": f"{home_page.rstrip('/')}/xapi/{item.key.replace(':', '/')}",
            "definition": {
                "name": {"zh-CN": item.title},
                "description": {"zh-CN": item.what},
            },
        },
        "timestamp": item.occurred_at.astimezone(UTC).isoformat(),
        "stored": item.recorded_at.astimezone(UTC).isoformat(),
    }
    if item.minutes:
        statement["result"] = {"duration": f"PT{item.minutes}M"}
    return statement
