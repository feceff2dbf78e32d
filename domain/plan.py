"""A community's annual work plan (年度工作计划): tasks with count targets, reviewed by the bureau.

The core school drafts and submits; the bureau approves or returns it with comments. An approved plan
is a version: a later revision is drafted, submitted and approved as the next version and supersedes
it; an approved version is never edited in place.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from domain.base import DomainError, TenantAggregate
from domain.counting import TaskKind
from domain.fields import (
    COMMENTS,
    MIN_SUBJECTS,
    PLAN_END,
    PLAN_START,
    PLAN_TITLE,
    PLAN_YEAR,
    TARGET,
    TASK_COUNTS,
    TASKS,
    THRESHOLD,
    WEIGHT,
)


class Rule(StrEnum):
    SUM = "sum"  # done = the number of counted records (capped at the target)
    UNITS = "units"  # done = the number of units (e.g. pairs) with at least `threshold` records


@dataclass(frozen=True)
class Task:
    kind: str
    target: int
    weight: float = 1.0
    counts: str = ""  # what counts, in the plan's own words
    rule: str = Rule.SUM
    threshold: int = 1
    #: "in at least N subjects" (Yuyao: ≥ 20 sessions in ≥ 2 subjects); 0 = no such rule.
    min_units: int = 0
    #: Other kinds of record that count toward this task too (Haining: sync sessions or 送教下乡).
    also: tuple[str, ...] = ()

    @property
    def kinds(self) -> frozenset[str]:
        return frozenset({self.kind, *self.also})

    def as_dict(self) -> dict[str, Any]:
        raw: dict[str, Any] = {
            "kind": self.kind,
            "target": self.target,
            "weight": self.weight,
            "counts": self.counts,
            "rule": self.rule,
            "threshold": self.threshold,
        }
        # Only when set, so the plans recorded before these rules read back unchanged.
        if self.min_units:
            raw["min_units"] = self.min_units
        if self.also:
            raw["also"] = list(self.also)
        return raw

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Task:
        return cls(
            kind=str(raw["kind"]),
            target=int(raw["target"]),
            weight=float(raw.get("weight", 1.0)),
            counts=str(raw.get("counts", "")),
            rule=str(raw.get("rule", Rule.SUM)),
            threshold=int(raw.get("threshold", 1)),
            min_units=int(raw.get("min_units", 0)),
            also=tuple(str(k) for k in raw.get("also", ())),
        )


def check_tasks(tasks: list[Task]) -> list[dict[str, Any]]:
    if not tasks:
        raise DomainError("计划至少需要一项任务 / A plan needs at least one task")
    seen: set[str] = set()
    checked: list[dict[str, Any]] = []
    for task in TASKS.check(tasks):
        if task.kind not in set(TaskKind):
            raise DomainError(f"未知任务类型 / Unknown task kind: {task.kind}")
        if task.kind in seen:
            raise DomainError(f"任务重复 / The task {task.kind} appears twice")
        seen.add(task.kind)
        if task.target < 1:
            raise DomainError(f"{task.kind}: 目标至少为1 / A target is at least 1")
        if task.weight <= 0:
            raise DomainError(f"{task.kind}: 权重须为正 / A weight is positive")
        if task.rule not in set(Rule):
            raise DomainError(f"未知计数规则 / Unknown counting rule: {task.rule}")
        if task.threshold < 1:
            raise DomainError(f"{task.kind}: 门槛至少为1 / A threshold is at least 1")
        also = tuple(dict.fromkeys(task.also))
        if any(k not in set(TaskKind) or k == task.kind for k in also):
            raise DomainError(f"{task.kind}: 合并计数的任务类型无效 / Invalid kinds counted too")
        if task.min_units and task.rule != Rule.SUM:
            raise DomainError(
                f"{task.kind}: 学科数要求只适用于累计计数 / A subject minimum is for summed tasks"
            )
        checked.append(
            Task(
                kind=task.kind,
                target=TARGET.check(task.target),
                weight=WEIGHT.check(task.weight),
                counts=TASK_COUNTS.check(task.counts),
                rule=task.rule,
                threshold=THRESHOLD.check(task.threshold),
                min_units=MIN_SUBJECTS.check(task.min_units) if task.min_units else 0,
                also=also,
            ).as_dict()
        )
    return checked


class PlanStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    APPROVED = "approved"


def plan_id_for(community_id: UUID, year: int) -> UUID:
    """One plan per community and year: the id says which, so the store refuses a second one."""
    return uuid5(NAMESPACE_URL, f"jgt:plan:{community_id}:{year}")


class Plan(TenantAggregate):
    class Drafted(TenantAggregate.Created):
        community_id: UUID
        year: int
        period_start: date
        period_end: date
        title: str
        tasks: list[dict[str, Any]]

    @staticmethod
    def create_id(community_id: UUID, year: int) -> UUID:
        return plan_id_for(community_id, year)

    @event(Drafted)
    def __init__(
        self,
        *,
        tenant_id: UUID,
        community_id: UUID,
        year: int,
        period_start: date,
        period_end: date,
        title: str,
        tasks: list[dict[str, Any]],
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        self.tenant_id = tenant_id
        self.community_id = community_id
        self.year = year
        self.period_start, self.period_end = period_start, period_end
        self.title = title
        self.tasks = tasks
        self.status = PlanStatus.DRAFT
        self.versions: list[dict[str, Any]] = []  # approved versions, oldest first
        self.comments: list[str] = []

    @classmethod
    def draft(
        cls,
        *,
        tenant_id: UUID,
        community_id: UUID,
        year: int,
        period_start: date,
        period_end: date,
        title: str,
        tasks: list[Task],
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> Plan:
        PLAN_YEAR.check(year)
        PLAN_START.check(period_start)
        PLAN_END.check(period_end)
        if period_end <= period_start:
            raise DomainError("计划结束日期须晚于开始日期 / A plan ends after it starts")
        if (period_end - period_start).days > 366:
            raise DomainError("计划期不超过一年 / A plan period is at most a year")
        return cls(
            tenant_id=tenant_id,
            community_id=community_id,
            year=year,
            period_start=period_start,
            period_end=period_end,
            title=PLAN_TITLE.check(title) or f"{year}年度工作计划",
            tasks=check_tasks(tasks),
            actor_id=actor_id,
            occurred_at=occurred_at,
        )

    def approved_tasks(self) -> list[Task]:
        """The tasks of the version in force (the latest approved one), or none."""
        if not self.versions:
            return []
        return [Task.from_dict(t) for t in self.versions[-1]["tasks"]]

    class TasksRevised(TenantAggregate.Event):
        tasks: list[dict[str, Any]]

    @event(TasksRevised)
    def _revise(
        self, tasks: list[dict[str, Any]], *, actor_id: UUID | None, occurred_at: datetime
    ) -> None:
        self.tasks = tasks
        self.status = PlanStatus.DRAFT

    def revise(self, tasks: list[Task], *, actor_id: UUID | None, occurred_at: datetime) -> None:
        """Change the draft, or start the next version of an approved plan."""
        if self.status == PlanStatus.SUBMITTED:
            raise DomainError("已提交待审，不能修改 / Submitted for review: it cannot change now")
        self._revise(check_tasks(tasks), actor_id=actor_id, occurred_at=occurred_at)

    class Submitted(TenantAggregate.Event):
        late: bool

    @event(Submitted)
    def _submit(self, late: bool, *, actor_id: UUID | None, occurred_at: datetime) -> None:
        self.status = PlanStatus.SUBMITTED

    def submit(
        self, *, deadline: date, today: date, actor_id: UUID | None, occurred_at: datetime
    ) -> None:
        """``today``: the date where the schools are (the deadline is a date there, not in UTC)."""
        if self.status not in (PlanStatus.DRAFT, PlanStatus.RETURNED):
            raise DomainError("没有待提交的草稿 / There is no draft to submit")
        if self.versions and self.tasks == self.versions[-1]["tasks"]:
            raise DomainError("与已批准版本相同 / Unchanged from the approved version")
        # The first version is due by the deadline; revisions later in the year are not late.
        late = not self.versions and today > deadline
        if late:
            raise DomainError(
                f"已过提交截止日期{deadline.isoformat()} / The deadline {deadline.isoformat()} "
                "has passed; ask the bureau to extend it"
            )
        self._submit(late, actor_id=actor_id, occurred_at=occurred_at)

    class Returned(TenantAggregate.Event):
        comments: str

    @event(Returned)
    def _return(self, comments: str, *, actor_id: UUID | None, occurred_at: datetime) -> None:
        self.status = PlanStatus.RETURNED
        self.comments.append(comments)

    def return_with_comments(
        self, comments: str, *, actor_id: UUID | None, occurred_at: datetime
    ) -> None:
        if self.status != PlanStatus.SUBMITTED:
            raise DomainError("计划未提交 / The plan is not submitted")
        if not isinstance(comments, str) or not comments.strip():
            raise DomainError("退回需要说明意见 / Returning a plan needs comments")
        self._return(COMMENTS.check(comments), actor_id=actor_id, occurred_at=occurred_at)

    class Approved(TenantAggregate.Event):
        version: int
        tasks: list[dict[str, Any]]

    @event(Approved)
    def _approve(
        self,
        version: int,
        tasks: list[dict[str, Any]],
        *,
        actor_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        self.status = PlanStatus.APPROVED
        self.versions.append({"version": version, "tasks": tasks, "approved_at": occurred_at})

    def approve(self, *, actor_id: UUID | None, occurred_at: datetime) -> int:
        if self.status != PlanStatus.SUBMITTED:
            raise DomainError("计划未提交 / The plan is not submitted")
        version = len(self.versions) + 1
        self._approve(version, list(self.tasks), actor_id=actor_id, occurred_at=occurred_at)
        return version
