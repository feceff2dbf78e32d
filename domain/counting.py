"""How recorded work counts toward a community's plan, whichever area records it.

An event that adds work done (a sync class delivered, a mentoring record confirmed, a research output
published) subclasses ``Counted`` and lists its contributions. The progress projection handles every
``Counted`` event the same way, so a new area plugs in by emitting events, with no change to the
progress code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any
from uuid import UUID

from domain.base import TenantAggregate


class TaskKind(StrEnum):
    SYNC_CLASS = "sync_class"  # 同步课堂
    ONLINE_RESEARCH = "online_research"  # 网络教研
    OFFLINE_RESEARCH = "offline_research"  # 线下教研
    MENTORING = "mentoring"  # 师徒结对
    SHADOW_PLACEMENT = "shadow_placement"  # 跟岗锻炼
    DEMO_LESSON = "demo_lesson"  # 送教下乡
    EXTENSION_COURSE = "extension_course"  # 线上拓展课程
    STUDENT_EXCHANGE = "student_exchange"  # 学生交流活动
    RESEARCH_OUTPUT = "research_output"  # 论文/案例/信息报道
    RECORDED_CLASS = "recorded_class"  # 专递课堂


TASK_KIND_NAMES = {
    TaskKind.SYNC_CLASS: "同步课堂 / Synchronized classes",
    TaskKind.ONLINE_RESEARCH: "网络教研 / Online research sessions",
    TaskKind.OFFLINE_RESEARCH: "线下教研 / Offline joint research",
    TaskKind.MENTORING: "师徒结对 / Paired mentoring",
    TaskKind.SHADOW_PLACEMENT: "跟岗锻炼 / Shadow placements",
    TaskKind.DEMO_LESSON: "送教下乡 / On-site demo lessons",
    TaskKind.EXTENSION_COURSE: "线上拓展课程 / Shared extension courses",
    TaskKind.STUDENT_EXCHANGE: "学生交流活动 / Student exchange activities",
    TaskKind.RESEARCH_OUTPUT: "论文/案例/信息报道 / Research outputs and news",
    TaskKind.RECORDED_CLASS: "专递课堂 / Recorded lessons for a weak subject",
}


@dataclass(frozen=True)
class Contribution:
    """One unit (or a withdrawal, ``amount=-1``) of work toward a task of a community's plan.

    ``unit`` names what is counted when a task counts units reaching a threshold (a mentoring pair);
    ``occurred_on`` is when the work happened, which is what as-of figures filter on.
    """

    community_id: UUID
    school_id: UUID
    task_kind: str
    occurred_on: date
    amount: int = 1
    unit: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "community_id": self.community_id,
            "school_id": self.school_id,
            "task_kind": self.task_kind,
            "occurred_on": self.occurred_on,
            "amount": self.amount,
            "unit": self.unit,
        }

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Contribution:
        return cls(
            community_id=raw["community_id"],
            school_id=raw["school_id"],
            task_kind=str(raw["task_kind"]),
            occurred_on=raw["occurred_on"],
            amount=int(raw["amount"]),
            unit=str(raw.get("unit", "")),
        )


class Counted(TenantAggregate.Event):
    """Base of every event that adds work done toward a plan (see the module docstring)."""

    contributions: list[dict[str, Any]]

    def counted(self) -> list[Contribution]:
        return [Contribution.from_dict(c) for c in self.contributions]
