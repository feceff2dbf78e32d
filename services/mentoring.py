"""Paired mentoring: pairing, records confirmed by the other side, counts, hours and privacy."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from uuid import UUID

from domain.counting import TaskKind
from domain.mentoring import Mentor, Pairing, mentor_id_for
from domain.plan import Rule, Task
from domain.roles import Role
from domain.user import User
from projections.mentoring import PairRow, RecordRow
from services.actor import Actor, Done
from services.communities import scope_of, tenant_settings
from services.context import Context
from services.errors import DomainError, Forbidden, NotFound
from services.evidence import Upload, store_all
from services.policy import CommunityAction, may_read_mentoring_content, require_community
from services.progress import plan_in_force

DEFAULT_THRESHOLD = 5  # activities per pair per year (DOMAIN.md), unless the plan says otherwise


@dataclass(frozen=True)
class PairSummary:
    pair: PairRow
    confirmed: int  # this year
    pending: int
    disputed: int
    minutes: int  # confirmed, this year
    kinds: dict[str, int]
    target: int
    projected: int  # where this year's count lands at the pace so far
    awaiting_me: int = 0  # records of the other side that the asking user can confirm

    @property
    def hours(self) -> float:
        return round(self.minutes / 60, 1)


def _redacted(record: RecordRow) -> RecordRow:
    return replace(record, summary="", evidence=[], dispute_comment="")


class MentoringService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    # Commands ----------------------------------------------------------------------------
    def _user(self, tenant_id: UUID, user_id: UUID) -> User:
        user: User = self.ctx.platform.get_in_tenant(User, user_id, tenant_id)
        return user

    def pair(
        self,
        actor: Actor,
        community_id: UUID,
        *,
        mentor_id: UUID,
        mentee_id: UUID,
        paired_on: date,
        ends_on: date,
    ) -> Done:
        """A core-school admin pairs a mentor with a mentee at member schools of the community."""
        scope = scope_of(self.ctx, actor, community_id)
        require_community(actor, CommunityAction.DRAFT_PLAN, **scope.policy())
        mentor = self._user(scope.community.tenant_id, mentor_id)
        mentee = self._user(scope.community.tenant_id, mentee_id)
        for user in (mentor, mentee):
            if not user.active or not user.has_role(Role.TEACHER):
                raise DomainError(
                    f"{user.display_name}不是在职教师 / {user.display_name} is not an active teacher"
                )
            if user.school_id not in scope.current_members:
                raise DomainError(
                    f"{user.display_name}所在学校不是该教共体成员 / "
                    f"{user.display_name}'s school is not a member of this community"
                )
        assert mentor.school_id is not None
        assert mentee.school_id is not None
        limit = (
            tenant_settings(self.ctx, scope.community.tenant_id)
            .plan_year(paired_on.year)
            .mentor_max_mentees
        )
        now = self.ctx.clock()
        pairing = Pairing.pair(
            tenant_id=scope.community.tenant_id,
            community_id=community_id,
            mentor_id=mentor.id,
            mentee_id=mentee.id,
            mentor_school_id=mentor.school_id,
            mentee_school_id=mentee.school_id,
            paired_on=paired_on,
            ends_on=ends_on,
            actor_id=actor.user_id,
            occurred_at=now,
        )
        holder = self._mentor(scope.community.tenant_id, mentor.id, actor)
        holder.take_mentee(
            pairing.id, mentee.id, limit=limit, actor_id=actor.user_id, occurred_at=now
        )
        # One transaction: the mentor's version guards the limit against concurrent pairings.
        return Done(pairing.id, self.ctx.platform.save_all(holder, pairing))

    def _mentor(self, tenant_id: UUID, user_id: UUID, actor: Actor) -> Mentor:
        try:
            found: Mentor = self.ctx.platform.repository.get(mentor_id_for(user_id))
        except Exception:
            return Mentor(
                tenant_id=tenant_id,
                user_id=user_id,
                actor_id=actor.user_id,
                occurred_at=self.ctx.clock(),
            )
        return found

    def _pairing(self, actor: Actor, pair_id: UUID) -> tuple[Pairing, PairRow]:
        row = self.ctx.mentoring.pair(pair_id)
        if row is None:
            raise NotFound("结对不存在 / No such pairing")
        scope_of(self.ctx, actor, row.community_id)
        pairing: Pairing = self.ctx.platform.get_in_tenant(Pairing, pair_id, row.tenant_id)
        return pairing, row

    def end(self, actor: Actor, pair_id: UUID, *, on: date, reason: str) -> Done:
        pairing, row = self._pairing(actor, pair_id)
        scope = scope_of(self.ctx, actor, row.community_id)
        allowed = actor.has(Role.SCHOOL_ADMIN) and actor.school_id in {
            scope.community.core_school_id,
            row.mentor_school_id,
            row.mentee_school_id,
        }
        if not allowed:
            raise Forbidden("只有学校管理员可以结束结对 / Only a school admin ends a pairing")
        now = self.ctx.clock()
        pairing.end(on=on, reason=reason, actor_id=actor.user_id, occurred_at=now)
        holder = self._mentor(row.tenant_id, row.mentor_id, actor)
        holder.release_mentee(pairing.id, actor_id=actor.user_id, occurred_at=now)
        return Done(pairing.id, self.ctx.platform.save_all(holder, pairing))

    def record(
        self,
        actor: Actor,
        pair_id: UUID,
        *,
        kind: str,
        mode: str,
        occurred_on: date,
        minutes: int,
        summary: str,
        uploads: list[Upload] | None = None,
    ) -> Done:
        pairing, _ = self._pairing(actor, pair_id)
        if pairing.side_of(actor.user_id) is None:
            raise Forbidden("只有师徒双方可以记录 / Only the mentor or the mentee records")
        evidence = store_all(self.ctx.blobs, uploads or [])
        now = self.ctx.clock()
        pairing.record_activity(
            by=actor.user_id,
            kind=kind,
            mode=mode,
            occurred_on=occurred_on,
            minutes=minutes,
            summary=summary,
            evidence=evidence,
            today=now.date(),
            occurred_at=now,
        )
        return Done(pairing.id, self.ctx.platform.save_all(pairing))

    def confirm(self, actor: Actor, pair_id: UUID, record_id: str) -> Done:
        pairing, _ = self._pairing(actor, pair_id)
        if pairing.side_of(actor.user_id) is None:
            raise Forbidden("只有师徒双方可以确认 / Only the mentor or the mentee confirms")
        mentee = self._user(pairing.tenant_id, pairing.mentee_id)
        assert mentee.school_id is not None
        pairing.confirm(
            record_id,
            by=actor.user_id,
            mentee_school_id=mentee.school_id,
            occurred_at=self.ctx.clock(),
        )
        return Done(pairing.id, self.ctx.platform.save_all(pairing))

    def dispute(self, actor: Actor, pair_id: UUID, record_id: str, *, comment: str) -> Done:
        pairing, _ = self._pairing(actor, pair_id)
        if pairing.side_of(actor.user_id) is None:
            raise Forbidden("只有师徒双方可以质疑 / Only the mentor or the mentee disputes")
        pairing.dispute(record_id, by=actor.user_id, comment=comment, occurred_at=self.ctx.clock())
        return Done(pairing.id, self.ctx.platform.save_all(pairing))

    # Queries -----------------------------------------------------------------------------
    def _threshold(self, community_id: UUID, day: date) -> int:
        plan = plan_in_force(self.ctx.communities.plans([community_id]), day)
        if plan is not None:
            for raw in plan.tasks:
                task = Task.from_dict(raw)
                if task.kind == TaskKind.MENTORING and task.rule == Rule.UNITS:
                    return task.threshold
        return DEFAULT_THRESHOLD

    def _summaries(self, actor: Actor, pair_rows: list[PairRow], today: date) -> list[PairSummary]:
        by_pair: dict[UUID, list[RecordRow]] = {}
        for record in self.ctx.mentoring.records([p.id for p in pair_rows]):
            by_pair.setdefault(record.pair_id, []).append(record)
        year_start, year_end = date(today.year, 1, 1), date(today.year, 12, 31)
        summaries = []
        for pair in pair_rows:
            mine = by_pair.get(pair.id, [])
            this_year = [r for r in mine if year_start <= r.occurred_on <= year_end]
            confirmed = [r for r in this_year if r.status == "confirmed"]
            kinds: dict[str, int] = {}
            for r in confirmed:
                kinds[r.kind] = kinds.get(r.kind, 0) + 1
            start = max(pair.paired_on, year_start)
            end = min(pair.ended_on or pair.ends_on, year_end)
            elapsed = (today - start).days + 1
            span = (end - start).days + 1
            projected = (
                int(len(confirmed) * span / elapsed) if elapsed > 0 and span > 0 else len(confirmed)
            )
            side = "mentor" if actor.user_id == pair.mentor_id else "mentee"
            summaries.append(
                PairSummary(
                    pair=pair,
                    confirmed=len(confirmed),
                    pending=sum(1 for r in this_year if r.status == "pending"),
                    disputed=sum(1 for r in this_year if r.status == "disputed"),
                    minutes=sum(r.minutes for r in confirmed),
                    kinds=kinds,
                    target=self._threshold(pair.community_id, today),
                    projected=max(projected, len(confirmed)),
                    awaiting_me=sum(
                        1
                        for r in mine
                        if r.status == "pending"
                        and actor.user_id in (pair.mentor_id, pair.mentee_id)
                        and r.recorded_by != side
                    ),
                )
            )
        return summaries

    def my_pairs(self, actor: Actor) -> list[PairSummary]:
        if actor.user_id is None:
            return []
        rows = self.ctx.mentoring.pairs(tenant_id=actor.tenant_id, user_id=actor.user_id)
        return self._summaries(actor, rows, self.ctx.clock().date())

    def school_pairs(self, actor: Actor, school_id: UUID) -> list[PairSummary]:
        if not (actor.has(Role.SCHOOL_ADMIN) and actor.school_id == school_id):
            raise Forbidden("只有本校管理员可以查看 / Only this school's admin sees its pairs")
        rows = self.ctx.mentoring.pairs(tenant_id=actor.tenant_id, school_id=school_id)
        return self._summaries(actor, rows, self.ctx.clock().date())

    def community_pairs(self, actor: Actor, community_id: UUID) -> list[PairSummary]:
        """Each pair's counts, kinds and hours — never the content — for the community and bureau."""
        scope = scope_of(self.ctx, actor, community_id)
        rows = self.ctx.mentoring.pairs(
            tenant_id=scope.community.tenant_id, community_id=community_id
        )
        return self._summaries(actor, rows, self.ctx.clock().date())

    def pair_detail(self, actor: Actor, pair_id: UUID) -> tuple[PairSummary, list[RecordRow], bool]:
        """The pair, its records and whether the actor reads their content (else counts only)."""
        _, row = self._pairing(actor, pair_id)
        [summary] = self._summaries(actor, [row], self.ctx.clock().date())
        records = self.ctx.mentoring.records([pair_id])
        readable = may_read_mentoring_content(
            actor,
            mentor_id=row.mentor_id,
            mentee_id=row.mentee_id,
            school_ids=frozenset({row.mentor_school_id, row.mentee_school_id}),
        )
        return summary, (records if readable else [_redacted(r) for r in records]), readable

    def teacher_hours(self, actor: Actor, user_id: UUID, year: int) -> float:
        """Confirmed mentoring hours of a teacher in a year (for the training-hours record)."""
        if actor.user_id != user_id and not actor.has(
            Role.SCHOOL_ADMIN, Role.BUREAU_ADMIN, Role.BUREAU_MONITOR
        ):
            raise Forbidden("无权查看 / Not allowed")
        rows = self.ctx.mentoring.pairs(tenant_id=actor.tenant_id, user_id=user_id)
        minutes = sum(
            r.minutes
            for r in self.ctx.mentoring.records([p.id for p in rows])
            if r.status == "confirmed" and r.occurred_on.year == year
        )
        return round(minutes / 60, 1)
