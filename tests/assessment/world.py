"""A community's two schools with grade-5 classes and rosters, for the joint-assessment tests."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from domain.assessment import Lines
from domain.roles import Role
from infra.wiring import Runtime
from services.actor import Actor
from tests.conftest import PASSWORD, Bureau, actor_for, found_fusion, make_bureau

LINES = Lines(full_mark=100, pass_line=60, excellence_line=85, low_line=40)


def csv_bytes(rows: list[list[str]], encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode(encoding)


def names(prefix: str, count: int) -> list[tuple[str, str]]:
    """(学号, 姓名) pairs of a generated class; each name is unlike any other text of the tests."""
    surnames = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许"
    return [(f"{prefix}{i:03d}", f"{surnames[i % 20]}{prefix[-2:]}同学{i}") for i in range(count)]


@dataclass
class World:
    hn: Bureau
    community_id: UUID
    core_admin: Actor
    member_admin: Actor
    member_teacher: Actor
    core_class: list[tuple[str, str]]
    member_class: list[tuple[str, str]]

    def define(self, runtime: Runtime, subject: str = "语文", on: date = date(2025, 6, 20)) -> UUID:
        return runtime.services.assessment.define_test(
            self.core_admin, self.community_id, subject=subject, grade=5, held_on=on, lines=LINES
        ).id


def make_world(runtime: Runtime, class_size: int = 8) -> World:
    hn = make_bureau(runtime, "hn", "海宁市教育局")
    community_id = found_fusion(runtime, hn).id
    org, people = runtime.services.organisation, runtime.services.people
    for school in (hn.school_id, hn.other_school_id):
        org.open_class(hn.admin, school, grade=5, name="1班")
    member_admin = actor_for(
        runtime,
        people.register_user(
            hn.admin,
            username="hn-sadmin2",
            display_name="博达校长",
            password=PASSWORD,
            roles=[Role.SCHOOL_ADMIN],
            school_id=hn.other_school_id,
        ).id,
    )
    world = World(
        hn=hn,
        community_id=community_id,
        core_admin=hn.school_admin,
        member_admin=member_admin,
        member_teacher=hn.other_teacher,
        core_class=names("SL25", class_size),
        member_class=names("BD25", class_size),
    )
    assessment = runtime.services.assessment
    for admin, school, students in (
        (hn.school_admin, hn.school_id, world.core_class),
        (member_admin, hn.other_school_id, world.member_class),
    ):
        result = assessment.import_roster(
            admin,
            school,
            grade=5,
            class_name="1班",
            filename="名册.csv",
            data=csv_bytes([["学号", "姓名"], *[[n, name] for n, name in students]]),
        )
        assert result.ok, result.errors
    return world


def score_file(
    students: list[tuple[str, str]], scores: list[float | None], *, with_names: bool = False
) -> bytes:
    header = ["学号", "姓名", "成绩", "缺考"] if with_names else ["学号", "成绩", "缺考"]
    rows = []
    for (number, name), score in zip(students, scores, strict=True):
        cells = [number, name] if with_names else [number]
        cells += ["", "是"] if score is None else [f"{score:g}", ""]
        rows.append(cells)
    return csv_bytes([header, *rows])
