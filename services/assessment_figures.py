"""What the statistics of a unified test show, and to whom (privacy by projection).

Figures are computed from the view's per-class tallies. A reader who may read a class's scores
(its school's admin, its uploading teacher) sees its figures whatever its size; anyone else sees a
group's figures only when at least the tenant's smallest group sat the test, and "人数过少"
otherwise. Nobody outside a school ever gets a score of one of its students, or a name.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from uuid import UUID

from domain.assessment import Figures, GradeTargets, Tally
from projections.assessment import TestRow
from services.actor import Actor
from services.assessment import AssessmentService
from services.errors import NotFound
from services.policy import may_read_scores

TOO_FEW = "人数过少 / Too few students"


@dataclass(frozen=True)
class Shown:
    """A group's figures as this reader may see them: ``figures`` is None when suppressed."""

    label: str
    figures: Figures | None
    targets: GradeTargets | None = None

    @property
    def suppressed(self) -> bool:
        return self.figures is None

    @property
    def met(self) -> list[bool]:
        if self.figures is None or self.targets is None:
            return []
        return self.targets.met_by(self.figures)


@dataclass(frozen=True)
class SchoolFigures:
    school_id: UUID
    name: str
    core: bool
    total: Shown
    classes: list[Shown] = field(default_factory=list)
    #: The core school's average minus this school's (None when either is not shown).
    gap: float | None = None


@dataclass(frozen=True)
class TestFigures:
    test: TestRow
    community: Shown
    schools: list[SchoolFigures]
    min_group: int


@dataclass(frozen=True)
class GapStep:
    test: TestRow
    gap: float | None
    #: How much the gap narrowed since the community's previous test (negative: it widened).
    narrowed: float | None = None

    @property
    def message(self) -> str:
        if self.narrowed is None:
            return ""
        if self.narrowed >= 0:
            return f"差距缩小了{self.narrowed:.1f}分 / The gap narrowed by {self.narrowed:.1f}"
        return f"差距扩大了{-self.narrowed:.1f}分 / The gap widened by {-self.narrowed:.1f}"


class AssessmentFigures:
    def __init__(self, service: AssessmentService) -> None:
        self.service = service

    def test_figures(self, actor: Actor, test_id: UUID) -> TestFigures:
        test, _ = self.service._test(actor, test_id)
        row = self.service.view.test(test.id)
        if row is None:
            # Just defined, not yet in the view: not there for readers yet (they may wait for
            # the command's position).
            raise NotFound("统测不存在 / No such test")
        settings = self.service.settings(test.tenant_id)
        min_group = settings.min_group
        uploaders = {
            (u.school_id, u.class_name): u.uploaded_by for u in self.service.view.uploads(test.id)
        }
        by_school: dict[UUID, list[tuple[str, Tally]]] = defaultdict(list)
        for found in self.service.view.tallies([test.id]):
            by_school[found.school_id].append((found.class_name, found.tally))

        def shown(label: str, tally: Tally, readable: bool, targets: GradeTargets | None) -> Shown:
            if readable or tally.tested >= min_group:
                return Shown(label, tally.figures(), targets)
            return Shown(label, None, targets)

        # A cross-region community's schools are of two bureaus: each named from its own.
        ctx = self.service.ctx
        tenants = {
            r.school_tenant_id
            for r in ctx.communities.stints([row.community_id]).get(row.community_id, [])
        } | {actor.tenant_id}
        names: dict[UUID, str] = {}
        for tenant_id in tenants:
            names.update(ctx.directory.school_names(tenant_id))
        schools: list[SchoolFigures] = []
        everyone = Tally()
        for school_id, classes in by_school.items():
            targets = settings.targets(school_id, row.grade)
            school_tally = sum((t for _, t in classes), Tally())
            everyone = everyone + school_tally
            whole_school = may_read_scores(actor, school_id=school_id, uploaded_by=None)
            class_lines = [
                shown(
                    name,
                    tally,
                    may_read_scores(
                        actor, school_id=school_id, uploaded_by=uploaders.get((school_id, name))
                    ),
                    targets,
                )
                for name, tally in sorted(classes)
            ]
            schools.append(
                SchoolFigures(
                    school_id=school_id,
                    name=names.get(school_id, "—"),
                    core=school_id == row.core_school_id,
                    total=shown("全校 / School", school_tally, whole_school, targets),
                    # Class by class only inside the school: outside, a class of a small
                    # school is near enough to a list of its students.
                    classes=class_lines if actor.school_id == school_id else [],
                )
            )
        core = next((s for s in schools if s.core), None)
        core_average = core.total.figures.average if core and core.total.figures else None
        with_gaps = [
            SchoolFigures(
                s.school_id,
                s.name,
                s.core,
                s.total,
                s.classes,
                gap=_gap(core_average, s.total.figures),
            )
            for s in sorted(schools, key=lambda s: (not s.core, s.name))
        ]
        return TestFigures(
            test=row,
            community=shown("教共体 / Community", everyone, False, None),
            schools=with_gaps,
            min_group=min_group,
        )

    def gap_steps(self, actor: Actor, test_id: UUID, school_id: UUID) -> list[GapStep]:
        """A member school's gap to the core school, test after test of its community."""
        return self.all_gap_steps(actor, test_id).get(school_id, [])

    def all_gap_steps(
        self, actor: Actor, test_id: UUID, shown: TestFigures | None = None
    ) -> dict[UUID, list[GapStep]]:
        """Every school's gap steps, each test's figures computed once (a district's test has
        hundreds of schools); ``shown``: this test's figures, when the caller has them."""
        _, community = self.service._test(actor, test_id)
        rows = self.service.view.tests([community.id])
        gaps_by_test = []
        schools: set[UUID] = set()
        for row in rows:
            if shown is not None and row.id == shown.test.id:
                figures = shown
            else:
                figures = self.test_figures(actor, row.id)
            gaps = {s.school_id: s.gap for s in figures.schools}
            schools |= set(gaps)
            gaps_by_test.append((row, gaps))
        found: dict[UUID, list[GapStep]] = {}
        for school_id in schools:
            steps: list[GapStep] = []
            previous: float | None = None
            for row, gaps in gaps_by_test:
                gap = gaps.get(school_id)
                narrowed = (
                    round(previous - gap, 2) if previous is not None and gap is not None else None
                )
                steps.append(GapStep(row, gap, narrowed))
                previous = gap if gap is not None else previous
            found[school_id] = steps
        return found


def _gap(core_average: float | None, figures: Figures | None) -> float | None:
    if core_average is None or figures is None or figures.average is None:
        return None
    return round(core_average - figures.average, 2)
