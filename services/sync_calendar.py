"""A teacher's calendar feed of their synchronized-class lessons (iCalendar, per teacher).

The feed is fetched by phone calendars without a session: its address is checked against the
teacher's ``CalendarFeed`` (a revoked or renewed address answers NotFound, as an unknown one), and
only that teacher's own lessons are written, with what a calendar needs (subject, grade, times at
the teacher's own school, the classes linked), never plans or feedback.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from domain.calendar_feed import CalendarFeed, calendar_feed_id
from domain.roles import Role
from services.actor import Actor, Done
from services.context import Context
from services.errors import Forbidden, NotFound
from services.platform import NOT_THERE
from services.sync_ical import FeedLesson, calendar

#: How far back and ahead the feed reaches: a semester either side of today.
FEED_REACH = timedelta(days=200)
NO_FEED = "订阅链接无效或已停用 / The calendar link is invalid or revoked"


@dataclass(frozen=True)
class FeedState:
    generation: int
    active: bool


class SyncCalendarService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def _feed(self, user_id: UUID) -> CalendarFeed | None:
        try:
            found: object = self.ctx.platform.repository.get(calendar_feed_id(user_id))
        except NOT_THERE:
            return None
        return found if isinstance(found, CalendarFeed) else None

    @staticmethod
    def _teacher(actor: Actor) -> UUID:
        if actor.user_id is None or not actor.has(Role.TEACHER):
            raise Forbidden("只有教师有课表订阅 / Only teachers have a calendar feed")
        return actor.user_id

    def feed(self, actor: Actor) -> FeedState:
        feed = self._feed(self._teacher(actor))
        return FeedState(feed.generation, feed.active) if feed else FeedState(0, False)

    def issue(self, actor: Actor) -> Done:
        """A new personal address; the one handed out before (if any) stops working."""
        user_id = self._teacher(actor)
        now = self.ctx.clock()
        feed = self._feed(user_id) or CalendarFeed(
            tenant_id=actor.tenant_id, user_id=user_id, actor_id=user_id, occurred_at=now
        )
        generation = feed.issue(actor_id=user_id, occurred_at=now)
        return Done(feed.id, self.ctx.platform.save_all(feed), part_id=str(generation))

    def revoke(self, actor: Actor) -> Done:
        user_id = self._teacher(actor)
        feed = self._feed(user_id)
        if feed is None:
            raise NotFound(NO_FEED)
        feed.revoke(actor_id=user_id, occurred_at=self.ctx.clock())
        return Done(feed.id, self.ctx.platform.save_all(feed))

    def document(self, user_id: UUID, generation: int) -> str:
        """The teacher's feed as iCalendar text (NotFound for a revoked or replaced address)."""
        return calendar("同步课堂", self.lessons(user_id, generation), self.ctx.clock())

    def lessons(self, user_id: UUID, generation: int) -> list[FeedLesson]:
        """The teacher's lessons around today, if ``generation`` still opens their feed."""
        feed = self._feed(user_id)
        if feed is None or not feed.opens(generation):
            raise NotFound(NO_FEED)
        today = self.ctx.today()
        rows = self.ctx.sync_classes.sessions(
            teacher_id=user_id, first=today - FEED_REACH, last=today + FEED_REACH
        )
        found = []
        for row in rows:
            seat = next(
                (s for s in [row.host, *row.receiving] if s["teacher_id"] == user_id), row.host
            )
            school = self.ctx.directory.school(feed.tenant_id, seat["school_id"])
            classes = {
                c.class_id: f"{c.grade}年级{c.name}"
                for c in self.ctx.directory.classes(feed.tenant_id, seat["school_id"])
            }
            hosting = seat is row.host
            role = "主讲" if hosting else "接收"
            found.append(
                FeedLesson(
                    lesson_id=row.id,
                    on=row.on,
                    start=str(seat["start"]),
                    end=str(seat["end"]),
                    subject=row.subject,
                    grade=row.grade,
                    status=row.status,
                    summary=f"同步课（{role}）{row.subject} {row.grade}年级",
                    location=(
                        f"{school.name if school else ''} "
                        f"{classes.get(str(seat['class_id']), str(seat['class_id']))} "
                        f"第{seat['period']}节"
                    ).strip(),
                    description=(f"取消：{row.cancel_reason}" if row.status == "cancelled" else ""),
                )
            )
        return found
