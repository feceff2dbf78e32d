"""Paired mentoring: pairing, records confirmed by the other side, counts, hours and privacy."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from uuid import UUID

from domain.community import Community
from domain.counting import TaskKind
from domain.mentoring import Mentor, Pairing, mentor_id_for
from domain.plan import Rule, Task
from domain.roles import Role
from domain.user import User
from projections.communities import CommunityRow
from projections.directory import SchoolRow
from projections.mentoring import PairRow, RecordRow
from services.activities import EvidenceFile
from services.actor import Actor, Done
from services.clock import local_date
from services.communities import (
    Scope,
    community_of,
    community_policy,
    scope_of,
    tenant_settings,
)
from services.context import Context
from services.errors import DomainError, Forbidden, NotFound
from services.evidence import Upload, evidence_of, store_all
from services.platform import NOT_THERE, NOT_THERE_OR_HIDDEN
from services.policy import (
    CommunityAction,
    community_allowed,
    may_read_mentoring_content,
    require_community,
)
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
    # Who they are, for the pages (names are not the pair's private content):
    mentor_name: str = ""
    mentee_name: str = ""
    mentor_school: str = ""
    mentee_school: str = ""
    community_name: str = ""
    my_side: str | None = None  # "mentor" or "mentee" when the asking user is one of the pair
    readable: bool = False  # whether the asking user reads the pair's content
    may_end: bool = False  # whether the asking user may end the pairing early

    @property
    def hours(self) -> float:
        return round(self.minutes / 60, 1)

    @property
    def active(self) -> bool:
        return self.pair.ended_on is None


@dataclass(frozen=True)
class Awaiting:
    """A record of the other side of one of the actor's pairs, waiting for the actor's answer."""

    summary: PairSummary
    record: RecordRow


@dataclass(frozen=True)
class MentoringHome:
    """The teacher's page: their pairs, what waits for them, and where else they may look."""

    pairs: list[PairSummary]
    awaiting: list[Awaiting]
    communities: list[CommunityRow]  # whose pairs the actor may see (counts only)
    school_id: UUID | None  # the actor's school, when they administer it
    today: date

    @property
    def active_pairs(self) -> list[PairSummary]:
        return [p for p in self.pairs if p.active]


@dataclass(frozen=True)
class Candidate:
    user_id: UUID
    name: str
    school: str
    subjects: list[str]
    mentees: int = 0  # current mentees, for a mentor


@dataclass(frozen=True)
class PairingChoices:
    """What the core-school admin chooses from to pair in one community."""

    community: CommunityRow
    mentors: list[Candidate]
    mentees: list[Candidate]
    limit: int


@dataclass(frozen=True)
class SchoolMentoring:
    school: SchoolRow
    pairs: list[PairSummary]
    pairing: list[PairingChoices]  # one per community this school leads (its admin pairs there)
    today: date

    @property
    def default_ends_on(self) -> date:
        """A pairing runs a year by default: to the day before the pairing date's anniversary."""
        try:
            anniversary = self.today.replace(year=self.today.year + 1)
        except ValueError:  # 29 February
            anniversary = date(self.today.year + 1, 3, 1)
        return anniversary - timedelta(days=1)


@dataclass(frozen=True)
class CommunityMentoring:
    community: CommunityRow
    pairs: list[PairSummary]  # counts, kinds and hours; never the content

    @property
    def confirmed(self) -> int:
        return sum(p.confirmed for p in self.pairs)

    @property
    def hours(self) -> float:
        return round(sum(p.minutes for p in self.pairs) / 60, 1)

    @property
    def reached(self) -> int:
        return sum(1 for p in self.pairs if p.confirmed >= p.target)


def _may_end(actor: Actor, pair: PairRow | Pairing, core_school_id: UUID | None) -> bool:
    """A school admin of the core school, the mentor's or the mentee's school ends a pairing."""
    return actor.has(Role.SCHOOL_ADMIN) and actor.school_id in {
        core_school_id,
        pair.mentor_school_id,
        pair.mentee_school_id,
    }


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
        community = community_of(self.ctx, actor, community_id)
        require_community(actor, CommunityAction.DRAFT_PLAN, **community_policy(community))
        mentor = self._user(community.tenant_id, mentor_id)
        mentee = self._user(community.tenant_id, mentee_id)
        for user in (mentor, mentee):
            if not user.active or not user.has_role(Role.TEACHER):
                raise DomainError(
                    f"{user.display_name}不是在职教师 / {user.display_name} is not an active teacher"
                )
            if user.school_id not in community.current_members():
                raise DomainError(
                    f"{user.display_name}所在学校不是该教共体成员 / "
                    f"{user.display_name}'s school is not a member of this community"
                )
        assert mentor.school_id is not None
        assert mentee.school_id is not None
        limit = (
            tenant_settings(self.ctx, community.tenant_id)
            .plan_year(paired_on.year)
            .mentor_max_mentees
        )
        now = self.ctx.clock()
        pairing = Pairing.pair(
            tenant_id=community.tenant_id,
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
        holder = self._mentor(community.tenant_id, mentor.id, actor)
        holder.take_mentee(
            pairing.id, mentee.id, limit=limit, actor_id=actor.user_id, occurred_at=now
        )
        # One transaction: the mentor's version guards the limit against concurrent pairings.
        return Done(pairing.id, self.ctx.platform.save_all(holder, pairing))

    def _mentor(self, tenant_id: UUID, user_id: UUID, actor: Actor) -> Mentor:
        try:
            found: Mentor = self.ctx.platform.repository.get(mentor_id_for(user_id))
        except NOT_THERE:
            return Mentor(
                tenant_id=tenant_id,
                user_id=user_id,
                actor_id=actor.user_id,
                occurred_at=self.ctx.clock(),
            )
        return found

    def _pairing(self, actor: Actor, pair_id: UUID) -> tuple[Pairing, Community]:
        """The pairing and its community as they are now, for a command."""
        try:
            pairing: object = self.ctx.platform.repository.get(pair_id)
            if not isinstance(pairing, Pairing):
                raise NotFound
            community = community_of(self.ctx, actor, pairing.community_id)
        except NOT_THERE_OR_HIDDEN as exc:
            # One answer whether the pairing is elsewhere or nowhere: no hint that it exists.
            raise NotFound("结对不存在 / No such pairing") from exc
        return pairing, community

    def end(self, actor: Actor, pair_id: UUID, *, on: date, reason: str) -> Done:
        pairing, community = self._pairing(actor, pair_id)
        if not _may_end(actor, pairing, community.core_school_id):
            raise Forbidden("只有学校管理员可以结束结对 / Only a school admin ends a pairing")
        now = self.ctx.clock()
        pairing.end(on=on, reason=reason, actor_id=actor.user_id, occurred_at=now)
        holder = self._mentor(pairing.tenant_id, pairing.mentor_id, actor)
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
        evidence = evidence_of(uploads or [])
        now = self.ctx.clock()
        record_id = pairing.record_activity(
            by=actor.user_id,
            kind=kind,
            mode=mode,
            occurred_on=occurred_on,
            minutes=minutes,
            summary=summary,
            evidence=evidence,
            today=local_date(now),
            occurred_at=now,
        )
        store_all(self.ctx.blobs, uploads or [])  # accepted: now the files are kept
        return Done(pairing.id, self.ctx.platform.save_all(pairing), part_id=record_id)

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

    def _names(self, pair_rows: list[PairRow]) -> tuple[dict[UUID, str], dict[UUID, UUID]]:
        """Display names of the pairs' people, schools and communities; each community's core."""
        names: dict[UUID, str] = {}
        cores: dict[UUID, UUID] = {}
        for pair in pair_rows:
            for user_id in (pair.mentor_id, pair.mentee_id):
                if user_id not in names:
                    user = self.ctx.directory.user(pair.tenant_id, user_id)
                    names[user_id] = user.display_name if user else ""
            for school_id in (pair.mentor_school_id, pair.mentee_school_id):
                if school_id not in names:
                    school = self.ctx.directory.school(pair.tenant_id, school_id)
                    names[school_id] = school.name if school else ""
            if pair.community_id not in names:
                community = self.ctx.communities.community(pair.community_id)
                names[pair.community_id] = community.name if community else ""
                if community is not None:
                    cores[community.id] = community.core_school_id
        return names, cores

    def _summaries(self, actor: Actor, pair_rows: list[PairRow], today: date) -> list[PairSummary]:
        names, cores = self._names(pair_rows)
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
            side = (
                "mentor"
                if actor.user_id == pair.mentor_id
                else "mentee"
                if actor.user_id == pair.mentee_id
                else None
            )
            readable = may_read_mentoring_content(
                actor,
                mentor_id=pair.mentor_id,
                mentee_id=pair.mentee_id,
                school_ids=frozenset({pair.mentor_school_id, pair.mentee_school_id}),
            )
            summaries.append(
                PairSummary(
                    # The reason for ending early is the pair's private content too.
                    pair=pair if readable else replace(pair, end_reason=""),
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
                        if r.status == "pending" and side is not None and r.recorded_by != side
                    ),
                    mentor_name=names[pair.mentor_id],
                    mentee_name=names[pair.mentee_id],
                    mentor_school=names[pair.mentor_school_id],
                    mentee_school=names[pair.mentee_school_id],
                    community_name=names[pair.community_id],
                    my_side=side,
                    readable=readable,
                    may_end=pair.ended_on is None
                    and _may_end(actor, pair, cores.get(pair.community_id)),
                )
            )
        return summaries

    def my_pairs(self, actor: Actor) -> list[PairSummary]:
        if actor.user_id is None:
            return []
        rows = self.ctx.mentoring.pairs(tenant_id=actor.tenant_id, user_id=actor.user_id)
        return self._summaries(actor, rows, self.ctx.today())

    def school_pairs(self, actor: Actor, school_id: UUID) -> list[PairSummary]:
        if self.ctx.directory.school(actor.tenant_id, school_id) is None:
            raise NotFound("学校不存在 / No such school")
        if not (actor.has(Role.SCHOOL_ADMIN) and actor.school_id == school_id):
            raise Forbidden("只有本校管理员可以查看 / Only this school's admin sees its pairs")
        rows = self.ctx.mentoring.pairs(tenant_id=actor.tenant_id, school_id=school_id)
        return self._summaries(actor, rows, self.ctx.today())

    def community_pairs(self, actor: Actor, community_id: UUID) -> list[PairSummary]:
        """Each pair's counts, kinds and hours — never the content — for the community and bureau."""
        scope = scope_of(self.ctx, actor, community_id)
        rows = self.ctx.mentoring.pairs(
            tenant_id=scope.community.tenant_id, community_id=community_id
        )
        return self._summaries(actor, rows, self.ctx.today())

    def pair_detail(self, actor: Actor, pair_id: UUID) -> tuple[PairSummary, list[RecordRow], bool]:
        """The pair, its records and whether the actor reads their content (else counts only)."""
        self._pairing(actor, pair_id)
        row = self.ctx.mentoring.pair(pair_id)
        if row is None:  # paired a moment ago: the view has not applied it yet
            raise NotFound("结对不存在 / No such pairing")
        [summary] = self._summaries(actor, [row], self.ctx.today())
        records = self.ctx.mentoring.records([pair_id])
        readable = may_read_mentoring_content(
            actor,
            mentor_id=row.mentor_id,
            mentee_id=row.mentee_id,
            school_ids=frozenset({row.mentor_school_id, row.mentee_school_id}),
        )
        return summary, (records if readable else [_redacted(r) for r in records]), readable

    def evidence(self, actor: Actor, pair_id: UUID, record_id: str, sha256: str) -> EvidenceFile:
        """An evidence file of a record: for the pair and their two school admins only."""
        _, records, readable = self.pair_detail(actor, pair_id)
        # To anyone else the pair's files do not exist (the records they see carry none).
        for record in records if readable else []:
            if record.record_id != record_id:
                continue
            for item in record.evidence:
                if item.get("sha256") == sha256:
                    data = self.ctx.blobs.get(sha256)
                    if data is not None:
                        return EvidenceFile(str(item["name"]), str(item["type"]), data)
        raise NotFound("文件不存在 / No such file")

    # What the pages show: one call per page ---------------------------------------------------
    def _visible_communities(self, actor: Actor) -> list[CommunityRow]:
        found = {c.id: c for c in self.ctx.communities.communities(actor.tenant_id)}
        if actor.school_id is not None:
            for community_id in self.ctx.communities.communities_of_school(actor.school_id):
                row = self.ctx.communities.community(community_id)
                if row is not None:
                    found[row.id] = row
        stints = self.ctx.communities.stints(list(found))
        return sorted(
            (
                row
                for row in found.values()
                if community_allowed(
                    actor,
                    CommunityAction.VIEW,
                    **Scope(row, stints.get(row.id, [])).policy(),  # type: ignore[arg-type]
                )
            ),
            key=lambda row: row.name,
        )

    def home(self, actor: Actor) -> MentoringHome:
        """The teacher's page: their pairs with what is due, and the records awaiting them."""
        pairs = self.my_pairs(actor)
        waiting = [p for p in pairs if p.awaiting_me]
        by_id = {p.pair.id: p for p in waiting}
        awaiting = [
            Awaiting(by_id[r.pair_id], r)
            for r in self.ctx.mentoring.records(list(by_id))
            if r.status == "pending" and r.recorded_by != by_id[r.pair_id].my_side
        ]
        return MentoringHome(
            pairs=pairs,
            awaiting=awaiting,
            communities=self._visible_communities(actor),
            school_id=actor.school_id if actor.has(Role.SCHOOL_ADMIN) else None,
            today=self.ctx.today(),
        )

    def school_page(self, actor: Actor, school_id: UUID) -> SchoolMentoring:
        """A school admin's page: the school's pairs, and (at a core school) what to pair."""
        pairs = self.school_pairs(actor, school_id)
        school = self.ctx.directory.school(actor.tenant_id, school_id)
        assert school is not None
        today = self.ctx.today()
        pairing = []
        for row in self._visible_communities(actor):
            if row.core_school_id != school_id or row.tenant_id != actor.tenant_id:
                continue
            scope = scope_of(self.ctx, actor, row.id)
            if not community_allowed(actor, CommunityAction.DRAFT_PLAN, **scope.policy()):  # type: ignore[arg-type]
                continue
            taken: dict[UUID, int] = {}
            for pair in self.ctx.mentoring.pairs(tenant_id=row.tenant_id, community_id=row.id):
                if pair.ended_on is None:
                    taken[pair.mentor_id] = taken.get(pair.mentor_id, 0) + 1
            mentors, mentees = [], []
            for member in sorted(scope.current_members, key=str):
                found = self.ctx.directory.school(row.tenant_id, member)
                if found is None:
                    continue
                for user in self.ctx.directory.users(row.tenant_id, school_id=member):
                    if not user.active or Role.TEACHER not in user.roles:
                        continue
                    candidate = Candidate(
                        user.id, user.display_name, found.name, list(user.subjects)
                    )
                    if member == school_id:
                        mentors.append(replace(candidate, mentees=taken.get(user.id, 0)))
                    else:
                        mentees.append(candidate)
            limit = (
                tenant_settings(self.ctx, row.tenant_id).plan_year(today.year).mentor_max_mentees
            )
            pairing.append(PairingChoices(row, mentors, mentees, limit))
        return SchoolMentoring(school=school, pairs=pairs, pairing=pairing, today=today)

    def community_page(self, actor: Actor, community_id: UUID) -> CommunityMentoring:
        """Each pair's counts, kinds and hours — never the content — for the bureau and members."""
        scope = scope_of(self.ctx, actor, community_id)
        return CommunityMentoring(scope.community, self.community_pairs(actor, community_id))

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
