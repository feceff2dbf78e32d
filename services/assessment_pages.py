"""What the joint-assessment pages show, each as one read: the tests list with what the reader may
define, a test's statistics with the reader's own uploads, and a school's roster.

Everything here is read through ``AssessmentService`` and ``AssessmentFigures``, so a page gets
only what privacy by projection lets its reader see.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from uuid import UUID

from domain.assessment import Tally
from domain.roles import Role
from projections.assessment import TestRow, UploadRow
from projections.communities import CommunityRow
from projections.directory import ClassRow
from services.actor import Actor
from services.assessment import AssessmentService
from services.assessment_figures import AssessmentFigures, GapStep, Shown, TestFigures
from services.errors import NotFound
from services.policy import may_define_test, may_keep_roster, may_read_scores, may_upload_scores
from services.roster_store import Student


@dataclass(frozen=True)
class TestEntry:
    test: TestRow
    community_name: str
    community: Shown


@dataclass(frozen=True)
class TestsPage:
    tests: list[TestEntry]
    #: The communities in which the reader may define a unified test.
    definable: list[CommunityRow]
    today: date
    #: The tenant's smallest group shown as a figure.
    min_group: int = 5


@dataclass(frozen=True)
class TestPage:
    figures: TestFigures
    community_name: str
    #: Each member school's gap step at this test (its gap and how it moved since the last test).
    gaps: dict[UUID, GapStep]
    #: The classes of the test's grade the reader's school may upload for (empty for outsiders).
    upload_classes: list[str]
    #: The reader's school's uploads for this test, with version and time.
    uploads: list[UploadRow]
    #: Class names whose named sheet the reader may open.
    readable: set[str] = field(default_factory=set)
    #: Schools whose targets for the test's grade the reader may set.
    target_setters: set[UUID] = field(default_factory=set)


@dataclass(frozen=True)
class RosterClass:
    grade: int
    name: str
    students: int


@dataclass(frozen=True)
class RosterPage:
    school_id: UUID
    school_name: str
    classes: list[RosterClass]
    students: list[Student]
    grade: int | None
    class_name: str | None


class AssessmentPages:
    def __init__(self, service: AssessmentService) -> None:
        self.service = service
        self.figures = AssessmentFigures(service)

    def tests_page(self, actor: Actor, today: date) -> TestsPage:
        ctx = self.service.ctx
        names: dict[UUID, str] = {}
        tests = self.service.tests(actor)
        # The community's figure of every listed test from one read of the tallies: a bureau
        # lists every test of its communities. A community is always an outsider's aggregate.
        totals: dict[UUID, Tally] = defaultdict(Tally)
        for found in self.service.view.tallies([t.id for t in tests]):
            totals[found.test_id] = totals[found.test_id] + found.tally
        smallest: dict[UUID, int] = {}
        entries = []
        for test in tests:
            if test.community_id not in names:
                row = ctx.communities.community(test.community_id)
                names[test.community_id] = row.name if row else "—"
            if test.tenant_id not in smallest:
                smallest[test.tenant_id] = self.service.settings(test.tenant_id).min_group
            total = totals[test.id]
            figures = total.figures() if total.tested >= smallest[test.tenant_id] else None
            shown = Shown("教共体 / Community", figures)
            entries.append(TestEntry(test, names[test.community_id], shown))
        entries.sort(key=lambda e: (e.test.held_on, e.test.subject), reverse=True)
        definable = [
            c
            for c in ctx.communities.communities(actor.tenant_id)
            if may_define_test(actor, owner_tenant_id=c.tenant_id, core_school_id=c.core_school_id)
        ]
        min_group = self.service.settings(actor.tenant_id).min_group
        return TestsPage(entries, definable, today, min_group)

    def test_page(self, actor: Actor, test_id: UUID) -> TestPage:
        figures = self.figures.test_figures(actor, test_id)
        row = self.service.ctx.communities.community(figures.test.community_id)
        gaps: dict[UUID, GapStep] = {}
        every = self.figures.all_gap_steps(actor, test_id, figures)
        for school in figures.schools:
            if school.core:
                continue
            step = next((s for s in every.get(school.school_id, []) if s.test.id == test_id), None)
            if step is not None:
                gaps[school.school_id] = step
        school_id = actor.school_id
        in_test = school_id is not None and school_id in {s.school_id for s in figures.schools}
        upload_classes: list[str] = []
        uploads: list[UploadRow] = []
        readable: set[str] = set()
        if school_id is not None and may_upload_scores(actor, school_id):
            if in_test or self._in_test(actor, test_id):
                upload_classes = sorted(
                    c.name
                    for c in self.service.ctx.directory.classes(actor.tenant_id, school_id)
                    if c.grade == figures.test.grade
                )
            uploads = self.service.view.uploads(test_id, school_id)
            readable = {
                u.class_name
                for u in uploads
                if may_read_scores(actor, school_id=school_id, uploaded_by=u.uploaded_by)
            }
        target_setters = {
            s.school_id
            for s in figures.schools
            if (actor.has(Role.BUREAU_ADMIN) and actor.tenant_id == figures.test.tenant_id)
            or may_keep_roster(actor, s.school_id)
        }
        return TestPage(
            figures=figures,
            target_setters=target_setters,
            community_name=row.name if row else "—",
            gaps=gaps,
            upload_classes=upload_classes,
            uploads=uploads,
            readable=readable,
        )

    def _in_test(self, actor: Actor, test_id: UUID) -> bool:
        test, community = self.service._test(actor, test_id)
        return actor.school_id is not None and community.is_member_on(actor.school_id, test.held_on)

    def roster_page(
        self, actor: Actor, school_id: UUID, grade: int | None, class_name: str | None
    ) -> RosterPage:
        if not may_keep_roster(actor, school_id):
            raise NotFound("学校不存在 / No such school")
        ctx = self.service.ctx
        school = ctx.directory.school(actor.tenant_id, school_id)
        if school is None:
            raise NotFound("学校不存在 / No such school")
        everyone = self.service.students(actor, school_id)
        counts: dict[tuple[int, str], int] = {}
        for student in everyone:
            counts[(student.grade, student.class_name)] = (
                counts.get((student.grade, student.class_name), 0) + 1
            )
        classes = [
            RosterClass(c.grade, c.name, counts.get((c.grade, c.name), 0))
            for c in sorted(ctx.directory.classes(actor.tenant_id, school_id), key=_class_order)
        ]
        shown = [
            s
            for s in everyone
            if (grade is None or s.grade == grade)
            and (class_name is None or s.class_name == class_name)
        ]
        shown.sort(key=lambda s: (s.grade, s.class_name, s.number))
        return RosterPage(school_id, school.name, classes, shown, grade, class_name)


def _class_order(row: ClassRow) -> tuple[int, str]:
    return (row.grade, row.name)
