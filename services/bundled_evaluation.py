"""The bundled evaluation (捆绑考核) of a bureau's communities for a plan year, as of a date.

Each community's components come from what the bureau may see anyway: its plan completion from
the progress figures, and its member schools' gaps and targets from the unified tests' aggregates
(privacy by projection holds: a suppressed school's figures count as unknown, never guessed).
The ranking is ``domain.bundled.rank`` under the tenant's formula; sealing keeps it as reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from io import BytesIO
from uuid import UUID

from domain.assessment_settings import Formula
from domain.bundled import BundledRating, Components, Ranked, bundled_rating_id, rank
from domain.roles import Role
from projections.assessment import TestRow
from projections.communities import CommunityRow
from services.actor import Actor, Done
from services.assessment import AssessmentService
from services.assessment_figures import AssessmentFigures
from services.clock import local_date
from services.context import Context
from services.errors import DomainError, Forbidden, NotFound
from services.platform import NOT_THERE
from services.policy import CommunityAction, require_community
from services.progress import ProgressService


@dataclass(frozen=True)
class SchoolTrend:
    """A member school across the year's tests: its gap to the core school and targets met."""

    school_id: UUID
    name: str
    #: Per test, in order: (the test, the gap or None if not shown, targets met of 4 or None).
    steps: list[tuple[TestRow, float | None, int | None]]

    @property
    def narrowing(self) -> float:
        gaps = [g for _, g, _ in self.steps if g is not None]
        return round(gaps[0] - gaps[-1], 2) if len(gaps) >= 2 else 0.0

    @property
    def targets_movement(self) -> float:
        met = [m for _, _, m in self.steps if m is not None]
        return round((met[-1] - met[0]) * 25.0, 2) if len(met) >= 2 else 0.0


@dataclass(frozen=True)
class CommunityDetail:
    """What a community's score is made of: the drill-down."""

    community: CommunityRow
    completion: float
    tests: list[TestRow]
    schools: list[SchoolTrend] = field(default_factory=list)

    @property
    def components(self) -> Components:
        count = len(self.schools)
        narrowing = sum(s.narrowing for s in self.schools) / count if count else 0.0
        targets = sum(s.targets_movement for s in self.schools) / count if count else 0.0
        return Components(
            self.community.id,
            self.community.name,
            self.completion,
            round(narrowing, 2),
            round(targets, 2),
        )


@dataclass(frozen=True)
class Rating:
    year: int
    as_of: date
    formula: Formula
    ranking: list[Ranked]
    #: The sealed ranking of the year, if the bureau sealed it (then the page shows both).
    sealed: BundledRating | None = None


class BundledEvaluation:
    def __init__(self, assessment: AssessmentService, progress: ProgressService) -> None:
        self.assessment = assessment
        self.progress = progress
        self.figures = AssessmentFigures(assessment)

    @property
    def ctx(self) -> Context:
        return self.assessment.ctx

    def _own(self, actor: Actor) -> list[CommunityRow]:
        require_community(actor, CommunityAction.VIEW_DASHBOARD)
        rows = self.assessment.ctx.communities.communities(actor.tenant_id)
        return sorted((r for r in rows if r.tenant_id == actor.tenant_id), key=lambda r: r.name)

    def detail(
        self, actor: Actor, community_id: UUID, *, year: int, as_of: date
    ) -> CommunityDetail:
        # Another bureau's community does not exist for the actor, whatever the actor's role.
        row = self.ctx.communities.community(community_id)
        if row is None or row.tenant_id != actor.tenant_id:
            raise NotFound("教共体不存在 / No such community")
        require_community(actor, CommunityAction.VIEW_DASHBOARD)
        return self._detail(actor, row, year, as_of)

    def _detail(self, actor: Actor, row: CommunityRow, year: int, as_of: date) -> CommunityDetail:
        completion = self.progress.community(actor, row.id, as_of=as_of).percent or 0.0
        tests = [
            t
            for t in self.assessment.view.tests([row.id])
            if t.held_on.year == year and t.held_on <= as_of
        ]
        tests.sort(key=lambda t: (t.held_on, t.subject))
        trends: dict[UUID, SchoolTrend] = {}
        for n, test in enumerate(tests):
            shown = self.figures.test_figures(actor, test.id)
            for school in shown.schools:
                if school.core:
                    continue
                trend = trends.setdefault(
                    school.school_id,
                    SchoolTrend(school.school_id, school.name, [(t, None, None) for t in tests]),
                )
                met = school.total.met
                trend.steps[n] = (test, school.gap, sum(met) if met else None)
        return CommunityDetail(
            row, completion, tests, sorted(trends.values(), key=lambda s: s.name)
        )

    def rating(self, actor: Actor, *, year: int, as_of: date) -> Rating:
        details = [self._detail(actor, row, year, as_of) for row in self._own(actor)]
        formula = self.assessment.settings(actor.tenant_id).formula
        return Rating(
            year,
            as_of,
            formula,
            rank([d.components for d in details], formula),
            self.sealed(actor, year),
        )

    def sealed(self, actor: Actor, year: int) -> BundledRating | None:
        require_community(actor, CommunityAction.VIEW_DASHBOARD)
        try:
            found: BundledRating = self.ctx.platform.repository.get(
                bundled_rating_id(actor.tenant_id, year)
            )
        except NOT_THERE:
            return None
        return found

    def seal(self, actor: Actor, *, year: int, as_of: date) -> Done:
        """Keep the year's ranking as of the date, as the bureau reports it; once."""
        require_community(actor, CommunityAction.MANAGE)
        if self.sealed(actor, year) is not None:
            raise DomainError(f"{year}年的捆绑考核已封存 / The {year} rating is already sealed")
        if not self.ctx.wait_for(self.ctx.platform.recorder.max_notification_id() or 0):
            raise DomainError(
                "数据尚在更新，请稍后再封存 / The figures are still being brought up to date: "
                "seal again in a moment"
            )
        rating = self.rating(actor, year=year, as_of=as_of)
        now = self.ctx.clock()
        sealed = BundledRating.seal(
            tenant_id=actor.tenant_id,
            year=year,
            as_of=as_of,
            ranking=rating.ranking,
            today=local_date(now),
            actor_id=actor.user_id,
            occurred_at=now,
        )
        return Done(sealed.id, self.ctx.platform.save_all(sealed))

    def set_formula(self, actor: Actor, formula: Formula) -> Done:
        if not actor.has(Role.BUREAU_ADMIN):
            raise Forbidden("只有教育局管理员可以修改 / Only the bureau's admin may change this")
        settings = self.assessment.settings(actor.tenant_id)
        settings.set_formula(formula, actor_id=actor.user_id, occurred_at=self.ctx.clock())
        return Done(settings.id, self.ctx.platform.save_all(settings))


COLUMNS = (
    "排名",
    "教共体",
    "计划完成率(%)",
    "差距缩小(分)",
    "目标达成变化(百分点)",
    "综合得分",
    "等级",
)


def rating_xlsx(rating: Rating, bureau: str) -> bytes:
    """The ranking in the bureau's layout: a title row, the formula, then one row a community."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    from services.spreadsheet_writing import text_cell

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = f"{rating.year}年捆绑考核"
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(COLUMNS))
    title = text_cell(sheet, 1, 1, f"{bureau}{rating.year}年度教共体捆绑考核结果")
    title.font = Font(bold=True, size=14)
    title.alignment = Alignment(horizontal="center")
    f = rating.formula
    text_cell(
        sheet,
        2,
        1,
        f"截至{rating.as_of.isoformat()}；综合得分 = 计划完成率×{f.completion:g} + 差距缩小×"
        f"{f.narrowing:g} + 目标达成变化×{f.targets:g}；前{f.excellent_share * 100:g}%为优秀",
    )
    for column, name in enumerate(COLUMNS, start=1):
        text_cell(sheet, 3, column, name).font = Font(bold=True)
    for offset, r in enumerate(rating.ranking):
        c = r.components
        row = 4 + offset
        sheet.cell(row=row, column=1, value=r.rank)
        text_cell(sheet, row, 2, c.name)
        sheet.cell(row=row, column=3, value=c.completion)
        sheet.cell(row=row, column=4, value=c.narrowing)
        sheet.cell(row=row, column=5, value=c.targets)
        sheet.cell(row=row, column=6, value=r.score)
        text_cell(sheet, row, 7, "优秀" if r.excellent else "")
    sheet.column_dimensions["B"].width = 30
    out = BytesIO()
    workbook.save(out)
    return out.getvalue()
