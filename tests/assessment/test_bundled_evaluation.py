"""The bundled evaluation (捆绑考核): the formula's score and the 优秀 share by hand, then a scripted
year through the services on SQLite and PostgreSQL: as of a date, sealed once, drilled down."""

from __future__ import annotations

import io
from datetime import date
from uuid import uuid4

import openpyxl
import pytest

from domain.assessment_settings import Formula
from domain.bundled import Components, rank
from infra.wiring import Runtime
from services.bundled_evaluation import BundledEvaluation, rating_xlsx
from services.errors import DomainError, Forbidden
from tests.assessment.world import World, make_world, score_file


def components(name: str, completion: float, narrowing: float, targets: float) -> Components:
    return Components(uuid4(), name, completion, narrowing, targets)


def test_the_score_weighs_the_three_parts_and_the_top_thirty_percent_rounded_up_are_excellent() -> (
    None
):
    ranked = rank(
        [
            components("丙", 60, 10, 50),  # 30 + 3 + 10 = 43
            components("甲", 80, 5, 25),  # 40 + 1.5 + 5 = 46.5
            components("丁", 50, 0, 0),  # 25
            components("乙", 90, 0, 0),  # 45
        ],
        Formula(),
    )
    assert [(r.components.name, r.score, r.rank) for r in ranked] == [
        ("甲", 46.5, 1),
        ("乙", 45.0, 2),
        ("丙", 43.0, 3),
        ("丁", 25.0, 4),
    ]
    assert [r.excellent for r in ranked] == [True, True, False, False]  # 30% of 4 is 1.2: 2


def test_thirty_percent_of_ten_communities_is_three_not_four_and_ties_go_by_name() -> None:
    ranked = rank([components(f"教共体{n}", 50, 0, 0) for n in range(10)], Formula())
    assert sum(r.excellent for r in ranked) == 3
    assert [r.components.name for r in ranked][:2] == ["教共体0", "教共体1"]
    only_completion = rank(
        [components("甲", 50, 9, 9), components("乙", 60, 0, 0)],
        Formula(completion=1, narrowing=0, targets=0, excellent_share=0.5),
    )
    assert [r.components.name for r in only_completion] == ["乙", "甲"]


CORE: list[float | None] = [95, 90, 88, 80, 72, 65, 60, None]  # average 78.57
MEMBER_JUNE: list[float | None] = [85, 70, 66, 61, 59, 45, 38, 90]  # 64.25: gap 14.32
MEMBER_NOV: list[float | None] = [88, 75, 70, 66, 62, 55, 48, 92]  # 69.5: gap 9.07


@pytest.fixture
def world(runtime: Runtime) -> World:
    return make_world(runtime)


def sit(runtime: Runtime, world: World, subject: str, on: date, member: list[float | None]) -> None:
    test_id = world.define(runtime, subject, on)
    for actor, students, scores in (
        (world.core_admin, world.core_class, CORE),
        (world.member_admin, world.member_class, member),
    ):
        result = runtime.services.assessment.upload_scores(
            actor, test_id, class_name="1班", filename="成绩.csv", data=score_file(students, scores)
        )
        assert result.ok, result.errors
    runtime.catch_up()


def test_a_scripted_year_rates_the_community_as_of_a_date_and_seals_it_once(
    runtime: Runtime, world: World
) -> None:
    services = runtime.services
    evaluation = BundledEvaluation(services.assessment, services.progress)
    sit(runtime, world, "语文", date(2025, 6, 20), MEMBER_JUNE)
    sit(runtime, world, "数学", date(2025, 11, 20), MEMBER_NOV)
    monitor, admin = world.hn.monitor, world.hn.admin

    in_july = evaluation.rating(monitor, year=2025, as_of=date(2025, 7, 1))
    (only,) = in_july.ranking
    assert only.components.narrowing == 0  # one test so far: nothing to narrow from
    at_year_end = evaluation.rating(monitor, year=2025, as_of=date(2025, 12, 31))
    (only,) = at_year_end.ranking
    assert only.components.narrowing == pytest.approx(5.25, abs=0.01)
    # In June one student was below the low line (38 < 40); in November none: the member now
    # meets one more of its four targets (low-score rate 0%), 25 percentage points.
    assert only.components.targets == 25
    assert only.components.completion == 0  # the community has no plan in the world
    assert only.score == pytest.approx(0.3 * 5.25 + 0.2 * 25, abs=0.01)
    assert only.excellent  # 30% of one community, rounded up
    detail = evaluation.detail(monitor, world.community_id, year=2025, as_of=date(2025, 12, 31))
    (member,) = detail.schools
    assert [gap for _, gap, _ in member.steps] == [pytest.approx(14.32), pytest.approx(9.07)]

    with pytest.raises(Forbidden):
        evaluation.seal(monitor, year=2025, as_of=date(2025, 12, 31))
    evaluation.seal(admin, year=2025, as_of=date(2025, 12, 31))
    with pytest.raises(DomainError):
        evaluation.seal(admin, year=2025, as_of=date(2025, 12, 31))
    services.assessment.set_min_group(admin, 9)  # now the member school's 8 are too few
    live = evaluation.rating(monitor, year=2025, as_of=date(2025, 12, 31))
    assert live.ranking[0].components.narrowing == 0  # suppressed figures count as unknown
    assert live.sealed is not None
    assert live.sealed.ranking()[0].components.narrowing == pytest.approx(5.25, abs=0.01)

    book = openpyxl.load_workbook(io.BytesIO(rating_xlsx(at_year_end, "海宁市教育局")))
    sheet = book.active
    assert sheet is not None
    assert "捆绑考核" in str(sheet.cell(1, 1).value)
    assert sheet.cell(4, 2).value == "狮岭—博达教共体"
    assert sheet.cell(4, 7).value == "优秀"


def test_the_formula_is_the_bureau_admins_and_a_weightless_one_is_refused(
    runtime: Runtime, world: World
) -> None:
    evaluation = BundledEvaluation(runtime.services.assessment, runtime.services.progress)
    with pytest.raises(Forbidden):
        evaluation.set_formula(world.hn.monitor, Formula(completion=1, narrowing=0, targets=0))
    with pytest.raises(DomainError):
        evaluation.set_formula(world.hn.admin, Formula(completion=0, narrowing=0, targets=0))
    evaluation.set_formula(world.hn.admin, Formula(completion=0, narrowing=1, targets=0))
    assert runtime.services.assessment.settings(world.hn.tenant_id).formula.narrowing == 1
