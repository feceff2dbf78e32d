"""The demo's synchronized classes: 狮岭 hosts 语文, 数学 and 英语 for 博达 this semester.

The two schools' bells ring ten minutes apart (狮岭 第3节 09:50–10:30 ⇄ 博达 第3节 10:00–10:40).
狮岭's teaching office drafts the autumn semester's timetable in late August; a fourth slot clashes
with the 语文 slot's teacher and is refused, a fifth (六年级英语) is declined by 博达; the accepted
slots generate the semester's lessons without the National Day holidays. Lessons up to today are
prepared, delivered with attendance and answered with feedback and a reflection; two are
cancelled with a reason, one is moved, one is recorded three weeks late and one had its link interrupted.
Like the mentoring history, each step is replayed at its moment, before the quarter seals after it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

from domain.school import School
from domain.sync_session import SyncSession, session_id_for
from domain.timetable import Timetable
from infra.demo_history import _actor, history_at
from infra.wiring import Runtime
from services.actor import Actor
from services.errors import DomainError
from services.sync_classes import Receiver

STARTS_ON, ENDS_ON = date(2026, 8, 31), date(2027, 1, 22)
HOLIDAYS = [date(2026, 10, d) for d in range(1, 8)] + [date(2027, 1, 1)]
#: 国庆调休: Saturday 10 October keeps Wednesday's timetable.
WORKDAYS = {date(2026, 10, 10): 3}

# weekday, 狮岭's period, subject, grade, host class, host teacher, 博达's class, its teacher
# (classes by their names: 1 is 1班 of the grade)
SLOTS = [
    (2, 3, "语文", 3, 1, "sl-tangmy", 1, "bd-lijia"),
    (3, 2, "数学", 4, 1, "sl-xujie", 1, "bd-wanglei"),
    (4, 1, "英语", 3, 2, "sl-xujing", 2, "bd-sunli"),
]
REFUSED = (2, 3, "数学", 3, 2, "sl-tangmy", 2, "bd-lijia")  # 唐旻祎 teaches 语文 then
DECLINED = (5, 5, "英语", 6, 1, "sl-xujing", 1, "bd-hefang")
DECLINE_REASON = "周五下午博达六年级有社团活动 / Clubs meet then"
CANCELLED = {
    ("1", date(2026, 10, 20)): "学校秋季运动会 / School sports day",
    ("3", date(2026, 11, 19)): "网络故障，改为线下送教 / Network down; taught on site instead",
}
MOVED = (("2", date(2026, 11, 11)), date(2026, 11, 13), 3)  # to Friday's third period
LATE = ("1", date(2026, 9, 15))  # recorded three weeks later
INTERRUPTED = ("3", date(2026, 10, 15))


def _at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=UTC)


class SyncHistory:
    """The semester's steps, replayed in time order up to a moment (as ``MentoringHistory``)."""

    def __init__(
        self, runtime: Runtime, community: UUID, users: dict[str, UUID], schools: dict[str, UUID]
    ) -> None:
        self.runtime, self.community = runtime, community
        self.users, self.schools = users, schools
        self.steps: list[tuple[datetime, int, Callable[[], object]]] = []
        self.timetable: UUID | None = None
        self._step(_at(date(2026, 8, 24), 2), self._draft)

    def _step(self, moment: datetime, step: Callable[[], object]) -> None:
        self.steps.append((moment, len(self.steps), step))

    def _who(self, username: str) -> Actor:
        return _actor(self.runtime, self.users[username])

    def _draft(self) -> None:
        sync = self.runtime.services.sync_classes
        admin, bureau = self._who("sl-admin"), self._who("hn-admin")
        sync.set_school_calendar(bureau, year=2026, holidays=HOLIDAYS[:-1], workdays=WORKDAYS)
        sync.set_school_calendar(bureau, year=2027, holidays=HOLIDAYS[-1:], workdays={})
        self.timetable = sync.draft_timetable(
            admin, self.community, name="2026学年第一学期", starts_on=STARTS_ON, ends_on=ENDS_ON
        ).id
        self.runtime.catch_up()
        for slot in [*SLOTS, REFUSED, DECLINED]:
            try:
                self._propose(slot)
            except DomainError:
                assert slot is REFUSED, slot  # the clash the demo shows was refused
        member = self._who("bd-admin")
        answered = _at(date(2026, 8, 26), 6)
        self._step(answered, lambda: self._answer(member))
        self._step(answered + timedelta(days=1), self._generate)

    def _class_id(self, school: str, grade: int, number: int) -> str:
        found: School = self.runtime.platform.repository.get(self.schools[school])
        return next(
            class_id
            for class_id, c in found.classes.items()
            if c["grade"] == grade and c["name"] == f"{number}班"
        )

    def _propose(self, slot: tuple[int, int, str, int, int, str, int, str]) -> None:
        weekday, period, subject, grade, host_class, host, bd_class, bd_teacher = slot
        assert self.timetable is not None
        self.runtime.services.sync_classes.propose_slot(
            self._who("sl-admin"),
            self.timetable,
            weekday=weekday,
            period=period,
            subject=subject,
            grade=grade,
            host_class_id=self._class_id("SL", grade, host_class),
            host_teacher_id=self.users[host],
            receivers=[
                Receiver(
                    self.schools["BD"],
                    self._class_id("BD", grade, bd_class),
                    self.users[bd_teacher],
                )
            ],
        )

    def _answer(self, member: Actor) -> None:
        sync = self.runtime.services.sync_classes
        assert self.timetable is not None
        for slot_id in ("1", "2", "3"):
            sync.answer_slot(member, self.timetable, slot_id, accept=True)
        sync.answer_slot(member, self.timetable, "4", accept=False, reason=DECLINE_REASON)

    def _generate(self) -> None:
        sync = self.runtime.services.sync_classes
        assert self.timetable is not None
        sync.generate_sessions(self._who("sl-admin"), self.timetable)
        stored: Timetable = self.runtime.platform.repository.get(self.timetable)
        settings = sync._settings(stored.tenant_id)
        calendars = {y: settings.school_calendar(y) for y in (2026, 2027)}
        for slot_id in ("1", "2", "3"):
            for day in stored.lesson_days(slot_id, calendars):
                self._plan_lesson(slot_id, day)

    def _plan_lesson(self, slot_id: str, day: date) -> None:
        assert self.timetable is not None
        session_id = session_id_for(self.timetable, f"{slot_id}@{day.isoformat()}")
        _, _, subject, _, _, host, _, receiving = SLOTS[int(slot_id) - 1]
        sync, admin = self.runtime.services.sync_classes, self._who("sl-admin")
        if (slot_id, day) in CANCELLED:
            reason = CANCELLED[(slot_id, day)]
            self._step(
                _at(day - timedelta(days=2), 3),
                lambda: sync.cancel(admin, session_id, reason=reason),
            )
            return
        if (slot_id, day) == MOVED[0]:
            self._step(
                _at(day - timedelta(days=5), 3),
                lambda: sync.reschedule(admin, session_id, on=MOVED[1], period=MOVED[2]),
            )
            day = MOVED[1]
        teacher, helper = self._who(host), self._who(receiving)
        title = f"{subject}同步课教案（{day.isoformat()}）"
        self._step(
            _at(day - timedelta(days=3), 8),
            lambda: sync.add_draft(helper, session_id, text=f"{title}：接收班学情与建议"),
        )
        self._step(
            _at(day - timedelta(days=2), 8),
            lambda: sync.add_draft(teacher, session_id, text=f"{title}：修改稿"),
        )
        self._step(_at(day - timedelta(days=1), 8), lambda: self._finalise(teacher, session_id))
        late = 21 if (slot_id, day) == LATE else 0
        self._step(
            _at(day + timedelta(days=late), 4),
            lambda: self._deliver(teacher, session_id, slot_id, day),
        )
        self._step(
            _at(day + timedelta(days=late + 1), 9),
            lambda: sync.give_feedback(
                helper,
                session_id,
                student_response="学生参与积极，连线互动顺畅",
                homework_rate=90 + day.day % 10,
                quiz_average=80 + day.day % 15,
            ),
        )
        self._step(
            _at(day + timedelta(days=late + 1), 10),
            lambda: sync.reflect(teacher, session_id, reflection="两地学生互动还可以更多"),
        )

    def _finalise(self, teacher: Actor, session_id: UUID) -> None:
        session: SyncSession = self.runtime.platform.repository.get(session_id)
        self.runtime.services.sync_classes.finalise_plan(teacher, session_id, len(session.drafts))

    def _deliver(self, teacher: Actor, session_id: UUID, slot_id: str, day: date) -> None:
        session: SyncSession = self.runtime.platform.repository.get(session_id)
        size = 38 if slot_id == "2" else 40
        interrupted = (slot_id, day) == INTERRUPTED
        self.runtime.services.sync_classes.deliver(
            teacher,
            session_id,
            started=session.host["start"],
            ended=session.host["end"],
            attendance={
                f"{r['school_id']}/{r['class_id']}": (size - day.toordinal() % 3, size)
                for r in session.receiving
            },
            quality="interrupted" if interrupted else "good",
            minutes_lost=8 if interrupted else 0,
            recording=f"https://video.example.cn/hn/sync/{day.isoformat()}-{slot_id}",
        )

    def replay(self, *, until: datetime) -> None:
        """Run, in time order, every step before ``until`` not run yet (a step may add steps)."""
        while True:
            self.steps.sort(key=lambda s: (s[0], s[1]))
            if not self.steps or self.steps[0][0] >= until:
                break
            moment, _, step = self.steps.pop(0)
            with history_at(self.runtime, moment):
                step()
        self.runtime.catch_up()
