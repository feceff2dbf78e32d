"""Joint assessment (联合质量检测): unified tests, the schools' rosters, score uploads per class.

Commands decide from aggregates (the community, the test, the school, the class's scores); the
roster is read from the school-private store, and no name ever reaches an event (ADR 0006). What
the statistics show to whom is ``services.assessment_figures``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from uuid import UUID

from domain.assessment import ClassScores, GradeTargets, Lines, Scores, UnifiedTest, class_scores_id
from domain.assessment_settings import AssessmentSettings, assessment_settings_id
from domain.community import Community
from domain.fields import CLASS_NAME, GRADE
from domain.roles import Role
from domain.school import School
from projections.assessment import AssessmentView, TestRow, UploadRow
from services.actor import Actor, Done
from services.context import Context
from services.errors import DomainError, Forbidden, NotFound
from services.platform import NOT_THERE
from services.policy import (
    may_define_test,
    may_keep_roster,
    may_read_scores,
    may_upload_scores,
)
from services.roster_store import RosterStore, Student
from services.score_sheets import SheetRow, read_roster, read_scores
from services.teacher_import import RowError


@dataclass(frozen=True)
class RosterResult:
    imported: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class UploadResult:
    errors: list[RowError] = field(default_factory=list)
    #: The class's version after this upload (2 and more: it replaced an earlier one).
    version: int = 0
    tested: int = 0
    absent: int = 0
    #: The store position to wait for (0 when nothing was stored).
    position: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class ScoreLine:
    """One student's score, for the student's own school only; the name is gone once erased."""

    number: str
    name: str
    score: float | None


@dataclass(frozen=True)
class ClassSheet:
    test: TestRow
    upload: UploadRow
    lines: list[ScoreLine]


ERASED = "（已删除）/ (erased)"


class AssessmentService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    @property
    def view(self) -> AssessmentView:
        assert self.ctx.assessment is not None, "wired by infra.wiring"
        return self.ctx.assessment

    @property
    def roster(self) -> RosterStore:
        assert self.ctx.roster is not None, "wired by infra.wiring"
        return self.ctx.roster

    # Settings ------------------------------------------------------------------------------

    def settings(self, tenant_id: UUID) -> AssessmentSettings:
        try:
            found: AssessmentSettings = self.ctx.platform.repository.get(
                assessment_settings_id(tenant_id)
            )
        except NOT_THERE:
            return AssessmentSettings(
                tenant_id=tenant_id, actor_id=None, occurred_at=self.ctx.clock()
            )
        return found

    def set_min_group(self, actor: Actor, min_group: int) -> Done:
        if not actor.has(Role.BUREAU_ADMIN):
            raise Forbidden("只有教育局管理员可以修改 / Only the bureau's admin may change this")
        settings = self.settings(actor.tenant_id)
        settings.set_min_group(min_group, actor_id=actor.user_id, occurred_at=self.ctx.clock())
        return Done(settings.id, self.ctx.platform.save_all(settings))

    def check_target_setter(self, actor: Actor, school_id: UUID) -> None:
        """Asked first: a form's mistakes are not told to someone who may not set them."""
        try:
            self.ctx.platform.get_in_tenant(School, school_id, actor.tenant_id)
        except NotFound as exc:
            raise NotFound("学校不存在 / No such school") from exc
        if not (actor.has(Role.BUREAU_ADMIN) or may_keep_roster(actor, school_id)):
            raise Forbidden("无权设置目标 / Not allowed to set the targets")

    def set_targets(self, actor: Actor, school_id: UUID, grade: int, targets: GradeTargets) -> Done:
        """A school's targets for a grade: set by the bureau, or by the school's own admin."""
        self.check_target_setter(actor, school_id)
        settings = self.settings(actor.tenant_id)
        settings.set_targets(
            school_id, grade, targets, actor_id=actor.user_id, occurred_at=self.ctx.clock()
        )
        return Done(settings.id, self.ctx.platform.save_all(settings))

    # Tests ---------------------------------------------------------------------------------

    def organiser_of(self, actor: Actor, community_id: UUID) -> Community:
        """The community, if the actor may set its tests (asked first: a form's mistakes are
        not told to someone who may not even know the community)."""
        try:
            community: Community = self.ctx.platform.get_in_tenant(
                Community, community_id, actor.tenant_id
            )
        except NotFound as exc:
            raise NotFound("教共体不存在 / No such community") from exc
        if not may_define_test(
            actor, owner_tenant_id=community.tenant_id, core_school_id=community.core_school_id
        ):
            raise Forbidden("只有核心校或教育局可以组织统测 / Only the core school or the bureau")
        return community

    def define_test(
        self,
        actor: Actor,
        community_id: UUID,
        *,
        subject: str,
        grade: int,
        held_on: date,
        lines: Lines,
    ) -> Done:
        community = self.organiser_of(actor, community_id)
        test = UnifiedTest.define(
            tenant_id=community.tenant_id,
            community_id=community.id,
            core_school_id=community.core_school_id,
            subject=subject,
            grade=grade,
            held_on=held_on,
            lines=lines,
            actor_id=actor.user_id,
            occurred_at=self.ctx.clock(),
        )
        return Done(test.id, self.ctx.platform.save_all(test))

    def _test(self, actor: Actor, test_id: UUID) -> tuple[UnifiedTest, Community]:
        """The test and its community, if the actor is of its bureaus or its schools."""
        try:
            test: object = self.ctx.platform.repository.get(test_id)
            if not isinstance(test, UnifiedTest):
                raise NotFound("统测不存在 / No such test")
            community: object = self.ctx.platform.repository.get(test.community_id)
        except NOT_THERE as exc:
            raise NotFound("统测不存在 / No such test") from exc
        assert isinstance(community, Community)
        schools = {s.school_id for s in community.timeline()}
        of_bureau = actor.has(Role.BUREAU_ADMIN, Role.BUREAU_MONITOR) and community.visible_to(
            actor.tenant_id
        )
        of_school = actor.school_id in schools and actor.has(Role.SCHOOL_ADMIN, Role.TEACHER)
        if not (of_bureau or of_school):
            raise NotFound("统测不存在 / No such test")
        return test, community

    def tests(self, actor: Actor) -> list[TestRow]:
        """The tests of the actor's communities (a bureau: its own and its partners')."""
        if actor.school_id is not None:
            community_ids = self.ctx.communities.communities_of_school(actor.school_id)
        elif actor.has(Role.BUREAU_ADMIN, Role.BUREAU_MONITOR):
            community_ids = [c.id for c in self.ctx.communities.communities(actor.tenant_id)]
        else:
            community_ids = []
        return self.view.tests(community_ids)

    # The roster ----------------------------------------------------------------------------

    def _own_class(self, actor: Actor, school_id: UUID, grade: int, class_name: str) -> School:
        try:
            school: School = self.ctx.platform.get_in_tenant(School, school_id, actor.tenant_id)
        except NotFound as exc:
            raise NotFound("学校不存在 / No such school") from exc
        if not may_keep_roster(actor, school_id):
            raise Forbidden("只有本校管理员可以管理学生名册 / Only the school's admin")
        grade, class_name = GRADE.check(grade), CLASS_NAME.check(class_name)
        if not any(
            c["open"] and c["grade"] == grade and c["name"] == class_name
            for c in school.classes.values()
        ):
            raise DomainError(
                f"本校没有{grade}年级{class_name} / The school has no class {class_name} "
                f"in grade {grade}"
            )
        return school

    def import_roster(
        self,
        actor: Actor,
        school_id: UUID,
        *,
        grade: int,
        class_name: str,
        filename: str,
        data: bytes,
    ) -> RosterResult:
        """A class's students from a file, all or nothing; into the roster, never into the log."""
        self._own_class(actor, school_id, grade, class_name)
        rows = read_roster(filename, data)
        if not rows:
            raise DomainError("文件中没有学生 / The file has no students")
        errors = _repeated(rows)
        if errors:
            return RosterResult(errors=errors)
        students = [
            Student(self.roster.key_for(school_id, r.number), r.number, r.name, grade, class_name)
            for r in rows
        ]
        self.roster.put_class(actor.tenant_id, school_id, grade, class_name, students)
        return RosterResult(imported=len(students))

    def students(
        self,
        actor: Actor,
        school_id: UUID,
        *,
        grade: int | None = None,
        class_name: str | None = None,
    ) -> list[Student]:
        if not may_keep_roster(actor, school_id):
            raise NotFound("学校不存在 / No such school")
        return self.roster.students(school_id, grade=grade, class_name=class_name)

    def erase_student(self, actor: Actor, school_id: UUID, number: str) -> None:
        """Forget a student's 学号 and name; their scores stay, in every statistic, unnamed."""
        if not may_keep_roster(actor, school_id):
            raise NotFound("学校不存在 / No such school")
        if not self.roster.erase(school_id, number):
            raise NotFound("名册中没有这名学生 / No such student in the roster")

    # Scores --------------------------------------------------------------------------------

    def upload_scores(
        self, actor: Actor, test_id: UUID, *, class_name: str, filename: str, data: bytes
    ) -> UploadResult:
        """A class's scores from a file, all or nothing; again for the same class, a new version."""
        test, community = self._test(actor, test_id)
        school_id = actor.school_id
        if school_id is None or not may_upload_scores(actor, school_id):
            raise Forbidden("只有参加统测的学校可以上传成绩 / Only a school in the test uploads")
        if not community.is_member_on(school_id, test.held_on):
            raise Forbidden("本校未参加该统测 / The school is not in this test")
        class_name = CLASS_NAME.check(class_name)
        rows = read_scores(filename, data)
        if not rows:
            raise DomainError("文件中没有成绩 / The file has no scores")
        roster = self.roster.by_numbers(school_id, [r.number for r in rows if r.number])
        errors = _repeated(rows)
        for row in rows:
            student = roster.get(row.number)
            if not row.number or row.problems:
                continue
            if student is None:
                errors.append(_error(row, f"学号{row.number}不在本校名册 / Not in the roster"))
            elif student.grade != test.grade or student.class_name != class_name:
                errors.append(
                    _error(
                        row,
                        f"学号{row.number}不是{test.grade}年级{class_name}的学生 / "
                        f"Not a student of this class",
                    )
                )
            elif row.name and row.name != student.name:
                errors.append(_error(row, "姓名与名册不符 / The name does not match the roster"))
            elif row.score is not None and row.score > test.lines.full_mark:
                errors.append(
                    _error(
                        row,
                        f"成绩{row.score:g}超过满分{test.lines.full_mark:g} / Above the full mark",
                    )
                )
        if errors:
            return UploadResult(errors=sorted(errors, key=lambda e: e.row))
        scores: Scores = {roster[r.number].key: (None if r.absent else r.score) for r in rows}
        now = self.ctx.clock()
        try:
            existing: ClassScores = self.ctx.platform.repository.get(
                class_scores_id(test.id, school_id, class_name)
            )
        except NOT_THERE:
            existing = ClassScores.upload(
                test=test,
                tenant_id=actor.tenant_id,
                school_id=school_id,
                class_name=class_name,
                scores=scores,
                actor_id=actor.user_id,
                occurred_at=now,
            )
        else:
            existing.replace(test, scores, actor_id=actor.user_id, occurred_at=now)
        position = self.ctx.platform.save_all(existing)
        absent = sum(1 for s in scores.values() if s is None)
        return UploadResult(
            version=existing.uploads,
            tested=len(scores) - absent,
            absent=absent,
            position=position,
        )

    def class_sheet(
        self, actor: Actor, test_id: UUID, school_id: UUID, class_name: str
    ) -> ClassSheet:
        """The class's scores with names, for its school's admin and its uploading teacher."""
        self._test(actor, test_id)
        test_row = self.view.test(test_id)
        upload = self.view.upload(class_scores_id(test_id, school_id, class_name))
        if test_row is None or upload is None:
            raise NotFound("没有这个班的成绩 / No scores for this class")
        if not may_read_scores(actor, school_id=school_id, uploaded_by=upload.uploaded_by):
            raise NotFound("没有这个班的成绩 / No scores for this class")
        pairs = self.view.scores(upload.scores_id)
        known = self.roster.by_keys(school_id, [key for key, _ in pairs])
        lines = [
            ScoreLine(
                number=known[key].number if key in known else "",
                name=known[key].name if key in known else ERASED,
                score=score,
            )
            for key, score in pairs
        ]
        lines.sort(key=lambda line: (line.number == "", line.number))
        return ClassSheet(test=test_row, upload=upload, lines=lines)


def _error(row: SheetRow, message: str) -> RowError:
    return RowError(row.row, f"第{row.row}行：{message} / Row {row.row}")


def _repeated(rows: list[SheetRow]) -> list[RowError]:
    """Each row's own problems, and a 学号 that an earlier row already has."""
    errors = [_error(row, problem) for row in rows for problem in row.problems]
    first: dict[str, int] = {}
    for row in rows:
        if row.number:
            earlier = first.setdefault(row.number, row.row)
            if earlier != row.row:
                errors.append(
                    _error(row, f"学号{row.number}与第{earlier}行重复 / Repeats row {earlier}")
                )
    return errors
