"""Lesson plans (教案) of research groups, and the community resource library of 精品教案.

Commands decide from the aggregates (the plan, its group, the community); the pages read the
lesson plans view. A plan is seen by whoever sees its group's community; another bureau's id answers
``NotFound`` like an id that names nothing.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from uuid import UUID

from domain.lesson_plans import LessonPlan, PlanStatus
from domain.research import ResearchGroup, ResearchSession, SessionKind
from projections.lesson_plans import CommentRow, LessonPlanRow, LibraryQuery, RevisionRow
from projections.research import GroupRow
from services.actor import Actor, Done
from services.context import Context
from services.errors import DomainError, Forbidden, NotFound
from services.platform import NOT_THERE
from services.policy import may_publish_lesson_plan
from services.research import GONE, ResearchService

MAX_SEARCH_WORDS = 5


@dataclass(frozen=True)
class DiffLine:
    op: str  # "same", "removed" or "added"
    text: str


def diff_revisions(old: RevisionRow, new: RevisionRow) -> list[DiffLine]:
    """What changed from one revision to another, line by line (the title is the first line)."""
    before = [old.title, *old.text.split("\n")]
    after = [new.title, *new.text.split("\n")]
    lines: list[DiffLine] = []
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            lines.extend(DiffLine("same", line) for line in before[i1:i2])
            continue
        lines.extend(DiffLine("removed", line) for line in before[i1:i2])
        lines.extend(DiffLine("added", line) for line in after[j1:j2])
    return lines


@dataclass(frozen=True)
class PlanPage:
    plan: LessonPlanRow
    group: GroupRow
    revisions: list[RevisionRow]
    comments: list[CommentRow]
    names: dict[UUID, str]
    may_comment: bool  # a current member, while a draft
    may_revise: bool  # the author, while a draft
    may_finalise: bool  # the author or the leader, while a draft
    may_publish: bool  # the leader or the core school, once final

    def revision(self, number: int) -> RevisionRow:
        for row in self.revisions:
            if row.number == number:
                return row
        raise NotFound("没有这个修订版本 / No such revision")


@dataclass(frozen=True)
class LibraryPage:
    plans: list[LessonPlanRow]
    names: dict[UUID, str]
    query: LibraryQuery
    subjects: list[str]
    grades: list[str]


class LessonPlanService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.research = ResearchService(ctx)

    def _plan(self, actor: Actor, plan_id: UUID) -> tuple[LessonPlan, ResearchGroup, UUID]:
        """The plan, its group and the community's core school, if the actor sees them."""
        try:
            plan: object = self.ctx.platform.repository.get(plan_id)
        except NOT_THERE as exc:
            raise NotFound(GONE) from exc
        if not isinstance(plan, LessonPlan):
            raise NotFound(GONE)
        group, community = self.research.group_of(actor, plan.group_id)
        return plan, group, community.core_school_id

    def _member(self, actor: Actor, group: ResearchGroup) -> UUID:
        _, community = self.research.group_of(actor, group.id)
        self.research.member_school(actor, group, community)
        assert actor.user_id is not None
        return actor.user_id

    # Commands -------------------------------------------------------------------------------
    def draft(
        self,
        actor: Actor,
        group_id: UUID,
        *,
        title: str,
        grade: str,
        text: str,
        session_id: UUID | None = None,
    ) -> Done:
        """A member drafts a plan for the group, or for one of its 集体备课 sessions."""
        group, community = self.research.group_of(actor, group_id)
        self.research.member_school(actor, group, community)
        assert actor.user_id is not None
        if session_id is not None:
            try:
                session: object = self.ctx.platform.repository.get(session_id)
            except NOT_THERE as exc:
                raise NotFound(GONE) from exc
            if not isinstance(session, ResearchSession) or session.group_id != group.id:
                raise NotFound(GONE)
            if session.kind != SessionKind.COLLECTIVE_PREPARATION:
                raise DomainError("只有集体备课可以附教案 / Only 集体备课 takes lesson plans")
        plan = LessonPlan.draft(
            tenant_id=community.tenant_id,
            group_id=group.id,
            community_id=community.id,
            session_id=session_id,
            author_id=actor.user_id,
            title=title,
            subject=group.subject,
            grade=grade if grade.strip() else group.grade_band,
            text=text,
            occurred_at=self.ctx.clock(),
        )
        return Done(plan.id, self.ctx.platform.save_all(plan))

    def comment(self, actor: Actor, plan_id: UUID, *, text: str) -> Done:
        plan, group, _ = self._plan(actor, plan_id)
        plan.comment(self._member(actor, group), text=text, occurred_at=self.ctx.clock())
        return Done(plan.id, self.ctx.platform.save_all(plan))

    def revise(self, actor: Actor, plan_id: UUID, *, title: str, text: str) -> Done:
        plan, group, _ = self._plan(actor, plan_id)
        plan.revise(
            self._member(actor, group), title=title, text=text, occurred_at=self.ctx.clock()
        )
        return Done(plan.id, self.ctx.platform.save_all(plan))

    def finalise(self, actor: Actor, plan_id: UUID) -> Done:
        plan, group, _ = self._plan(actor, plan_id)
        if actor.user_id is None:
            raise Forbidden("只有作者或组长可以定稿 / Only the author or the leader finalises")
        plan.finalise(actor.user_id, leader_id=group.leader_id, occurred_at=self.ctx.clock())
        return Done(plan.id, self.ctx.platform.save_all(plan))

    def publish(self, actor: Actor, plan_id: UUID) -> Done:
        """The final plan becomes a 精品教案 of the community's library."""
        plan, group, core_school_id = self._plan(actor, plan_id)
        if not may_publish_lesson_plan(
            actor, leader_id=group.leader_id, core_school_id=core_school_id
        ):
            raise Forbidden("只有组长或核心校管理员可以发布 / Only the leader or the core school")
        plan.publish(actor_id=actor.user_id, occurred_at=self.ctx.clock())
        return Done(plan.id, self.ctx.platform.save_all(plan))

    # Queries --------------------------------------------------------------------------------
    def plans_of_group(self, actor: Actor, group_id: UUID) -> list[LessonPlanRow]:
        line = self.research.group_page(actor, group_id)
        return self.ctx.lesson_plans.plans([line.group.id])

    def plan_page(self, actor: Actor, plan_id: UUID) -> PlanPage:
        row = self.ctx.lesson_plans.plan(plan_id)
        if row is None:
            raise NotFound(GONE)
        line = self.research.group_page(actor, row.group_id)
        scope_core = self.research.visible_communities(actor)[1].get(row.community_id)
        draft = row.status == PlanStatus.DRAFT
        me = actor.user_id
        return PlanPage(
            plan=row,
            group=line.group,
            revisions=self.ctx.lesson_plans.revisions(row.id),
            comments=self.ctx.lesson_plans.comments(row.id),
            names=line.names,
            may_comment=draft and line.mine,
            may_revise=draft and line.mine and me == row.author_id,
            may_finalise=draft and me in (row.author_id, line.group.leader_id),
            may_publish=row.status == PlanStatus.FINAL
            and scope_core is not None
            and may_publish_lesson_plan(
                actor, leader_id=line.group.leader_id, core_school_id=scope_core
            ),
        )

    def diff(
        self, actor: Actor, plan_id: UUID, old: int, new: int
    ) -> tuple[PlanPage, list[DiffLine]]:
        page = self.plan_page(actor, plan_id)
        return page, diff_revisions(page.revision(old), page.revision(new))

    def library(
        self, actor: Actor, *, subject: str = "", grade: str = "", words: str = ""
    ) -> LibraryPage:
        """The 精品教案 of every community the actor sees, by subject, grade and words."""
        by_tenant, _ = self.research.visible_communities(actor)
        community_ids = sorted({c for ids in by_tenant.values() for c in ids})
        query = LibraryQuery(
            subject=subject.strip(),
            grade=grade.strip(),
            words=tuple(words.split()[:MAX_SEARCH_WORDS]),
        )
        every = self.ctx.lesson_plans.library(community_ids, LibraryQuery())
        plans = self.ctx.lesson_plans.library(community_ids, query)
        return LibraryPage(
            plans=plans,
            names=self.research.names_in({actor.tenant_id, *by_tenant}),
            query=query,
            subjects=sorted({p.subject for p in every}),
            grades=sorted({p.grade for p in every if p.grade}),
        )
