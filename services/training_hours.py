"""Training hours (学时): a ledger per teacher and school year, and a school's table of them.

Hours come from attended research sessions (each attendance earns the hours fixed when its session
was scheduled) and from the other areas the tenant's settings name: each confirmed mentoring
record earns both sides ``mentoring_hours``. The yearly requirement is a setting too.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date
from uuid import UUID

from openpyxl import Workbook

from domain.research import SESSION_KIND_NAMES, SessionKind, school_year_of, school_year_span
from domain.roles import Role
from domain.settings import ResearchSettings
from domain.user import User
from projections.mentoring import PairRow
from services.actor import Actor, Done
from services.community_settings import tenant_settings
from services.context import Context
from services.errors import Forbidden, NotFound
from services.policy import CommunityAction, may_read_hours, require_community
from services.spreadsheet_writing import text_cell


@dataclass(frozen=True)
class HoursEntry:
    on: date
    source: str  # "research" or "mentoring"
    what: str
    hours: int


@dataclass(frozen=True)
class HoursLine:
    user_id: UUID
    name: str
    school: str
    year: int
    required: int
    entries: list[HoursEntry] = field(default_factory=list)

    @property
    def earned(self) -> int:
        return sum(e.hours for e in self.entries)

    @property
    def missing(self) -> int:
        return max(0, self.required - self.earned)

    @property
    def below(self) -> bool:
        return self.missing > 0

    def by_source(self, source: str) -> int:
        return sum(e.hours for e in self.entries if e.source == source)

    @property
    def sentence(self) -> str:
        if self.below:
            return f"已获{self.earned}学时，还需{self.missing}学时"
        return f"已获{self.earned}学时，已达到{self.required}学时要求"


class TrainingHoursService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def settings(self, actor: Actor) -> ResearchSettings:
        return tenant_settings(self.ctx, actor.tenant_id).research()

    def set_settings(self, actor: Actor, research: ResearchSettings) -> Done:
        """The bureau sets the hours per session type, the yearly requirement, the threshold."""
        require_community(actor, CommunityAction.MANAGE)
        settings = tenant_settings(self.ctx, actor.tenant_id)
        settings.set_research(research, actor_id=actor.user_id, occurred_at=self.ctx.clock())
        return Done(settings.id, self.ctx.platform.save_all(settings))

    def school_year(self) -> int:
        return school_year_of(self.ctx.today())

    def _lines(
        self,
        tenant_id: UUID,
        teachers: list[tuple[UUID, str, str]],
        year: int,
        school_id: UUID | None = None,
    ) -> list[HoursLine]:
        settings = tenant_settings(self.ctx, tenant_id).research()
        start, end = school_year_span(year)
        ids = [t[0] for t in teachers]
        entries: dict[UUID, list[HoursEntry]] = {i: [] for i in ids}
        themes: dict[UUID, tuple[str, str]] = {}
        for row in self.ctx.research.attendance(user_ids=ids, between=(start, end)):
            if row.session_id not in themes:
                session = self.ctx.research.session(row.session_id)
                themes[row.session_id] = (
                    (session.kind, session.theme) if session else (SessionKind.THEMED_RESEARCH, "")
                )
            kind, theme = themes[row.session_id]
            what = f"{SESSION_KIND_NAMES[SessionKind(kind)].split(' / ')[0]}：{theme}"
            entries[row.user_id].append(HoursEntry(row.held_on, "research", what, row.hours))
        if settings.mentoring_hours:
            wanted = set(ids)
            pairs = self._mentoring_pairs(tenant_id, ids, school_id)
            for record in self.ctx.mentoring.records(list(pairs)):
                if record.status != "confirmed" or not start <= record.occurred_on <= end:
                    continue
                pair = pairs[record.pair_id]
                for user_id in {pair.mentor_id, pair.mentee_id} & wanted:
                    entries[user_id].append(
                        HoursEntry(
                            record.occurred_on,
                            "mentoring",
                            "师徒结对活动",
                            settings.mentoring_hours,
                        )
                    )
        return [
            HoursLine(
                user_id=user_id,
                name=name,
                school=school,
                year=year,
                required=settings.required_hours,
                entries=sorted(entries[user_id], key=lambda e: e.on),
            )
            for user_id, name, school in teachers
        ]

    def _mentoring_pairs(
        self, tenant_id: UUID, ids: list[UUID], school_id: UUID | None
    ) -> dict[UUID, PairRow]:
        """One teacher's pairs, or (for a school's table) the pairs of the school: one query, not
        one per teacher."""
        if school_id is None:
            return {
                p.id: p
                for user_id in ids
                for p in self.ctx.mentoring.pairs(tenant_id=tenant_id, user_id=user_id)
            }
        return {p.id: p for p in self.ctx.mentoring.pairs(tenant_id=tenant_id, school_id=school_id)}

    def ledger(self, actor: Actor, user_id: UUID, year: int | None = None) -> HoursLine:
        """One teacher's hours in a school year: the teacher, their school admin, their bureau."""
        user: User = self.ctx.platform.get_in_tenant(User, user_id, actor.tenant_id)
        if not may_read_hours(actor, user_id=user.id, school_id=user.school_id):
            raise Forbidden("无权查看 / Not allowed")
        school = (
            self.ctx.directory.school(actor.tenant_id, user.school_id) if user.school_id else None
        )
        [line] = self._lines(
            actor.tenant_id,
            [(user.id, user.display_name, school.name if school else "")],
            year if year is not None else self.school_year(),
        )
        return line

    def school_table(
        self, actor: Actor, school_id: UUID, year: int | None = None
    ) -> list[HoursLine]:
        """Every teacher of the school, those below the requirement first (fewest hours first)."""
        school = self.ctx.directory.school(actor.tenant_id, school_id)
        if school is None:
            raise NotFound("学校不存在 / No such school")
        if not (
            actor.has(Role.BUREAU_ADMIN, Role.BUREAU_MONITOR)
            or (actor.has(Role.SCHOOL_ADMIN) and actor.school_id == school_id)
        ):
            raise Forbidden("只有本校管理员可以查看 / Only this school's admin sees its hours")
        teachers = [
            (u.id, u.display_name, school.name)
            for u in self.ctx.directory.users(actor.tenant_id, school_id=school_id)
            if u.active and Role.TEACHER in u.roles
        ]
        lines = self._lines(
            actor.tenant_id, teachers, year if year is not None else self.school_year(), school_id
        )
        return sorted(lines, key=lambda line: (not line.below, line.earned, line.name))

    def school_workbook(self, actor: Actor, school_id: UUID, year: int | None = None) -> bytes:
        """The school's table as Excel: every cell of a name is text, never a formula."""
        lines = self.school_table(actor, school_id, year)
        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.title = "学时"
        for column, title in enumerate(
            ["姓名", "学校", "学年", "网络教研学时", "师徒结对学时", "合计", "要求", "还需"], 1
        ):
            text_cell(sheet, 1, column, title)
        for row, line in enumerate(lines, 2):
            text_cell(sheet, row, 1, line.name)
            text_cell(sheet, row, 2, line.school)
            text_cell(sheet, row, 3, f"{line.year}–{line.year + 1}")
            for column, value in enumerate(
                [
                    line.by_source("research"),
                    line.by_source("mentoring"),
                    line.earned,
                    line.required,
                    line.missing,
                ],
                4,
            ):
                sheet.cell(row=row, column=column, value=value)
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()
