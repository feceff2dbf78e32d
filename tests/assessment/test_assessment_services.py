"""Joint assessment through the services, on SQLite and PostgreSQL: a unified test, rosters kept
outside the log, uploads all or nothing, figures and their privacy, erasure, the gap."""

from __future__ import annotations

import io
import json
from datetime import date
from uuid import UUID

import pytest

from domain.assessment import GradeTargets
from infra.wiring import Runtime
from services.assessment_figures import AssessmentFigures
from services.errors import DomainError, Forbidden, NotFound
from tests.assessment.world import LINES, World, csv_bytes, make_world, score_file
from tests.conftest import make_bureau


@pytest.fixture
def world(runtime: Runtime) -> World:
    return make_world(runtime)


CORE_SCORES: list[float | None] = [95, 90, 88, 80, 72, 65, 60, None]
MEMBER_SCORES: list[float | None] = [85, 70, 66, 61, 59, 45, 38, 90]


def upload(
    runtime: Runtime,
    world: World,
    test_id: UUID,
    core: list[float | None],
    member: list[float | None],
) -> None:
    assessment = runtime.services.assessment
    for actor, students, scores in (
        (world.core_admin, world.core_class, core),
        (world.member_admin, world.member_class, member),
    ):
        result = assessment.upload_scores(
            actor,
            test_id,
            class_name="1班",
            filename="成绩.csv",
            data=score_file(students, scores, with_names=True),
        )
        assert result.ok, result.errors
    runtime.catch_up()


def test_no_student_name_ever_reaches_the_event_log(runtime: Runtime, world: World) -> None:
    test_id = world.define(runtime)
    upload(runtime, world, test_id, CORE_SCORES, MEMBER_SCORES)
    states = [
        n.state for n in runtime.platform.recorder.select_notifications(start=None, limit=100_000)
    ]
    assert any(b"scores" in s for s in states)  # the uploads are there, under keys
    for number, name in world.core_class + world.member_class:
        for needle in (name.encode(), json.dumps(name).encode(), number.encode()):
            assert not any(needle in s for s in states), name


def test_the_core_school_sees_its_own_figures_and_aggregates_of_the_member_school(
    runtime: Runtime, world: World
) -> None:
    test_id = world.define(runtime)
    upload(runtime, world, test_id, CORE_SCORES, MEMBER_SCORES)
    figures = AssessmentFigures(runtime.services.assessment).test_figures(world.core_admin, test_id)
    core, member = figures.schools
    assert core.core
    assert not member.core
    assert core.total.figures is not None
    assert member.total.figures is not None
    assert core.total.figures.average == round((95 + 90 + 88 + 80 + 72 + 65 + 60) / 7, 2)
    assert core.total.figures.absent == 1
    assert member.total.figures.average == round(sum(MEMBER_SCORES) / 8, 2)  # type: ignore[arg-type]
    assert member.gap == round(core.total.figures.average - member.total.figures.average, 2)
    community = figures.community.figures
    assert community is not None
    assert (community.tested, community.absent) == (15, 1)
    # Seed 002's grade-5 targets: pass 90%, excellence 92%, low 0%, average 91.
    assert core.total.targets is not None
    assert core.total.targets.average == 91


def test_a_group_smaller_than_the_tenants_threshold_shows_too_few_to_outsiders_only(
    runtime: Runtime, world: World
) -> None:
    test_id = world.define(runtime)
    few: list[float | None] = [90, 80, 70, 60, None, None, None, None]  # four sat the test
    upload(runtime, world, test_id, CORE_SCORES, few)
    figures = AssessmentFigures(runtime.services.assessment)
    as_bureau = figures.test_figures(world.hn.monitor, test_id)
    member = next(s for s in as_bureau.schools if not s.core)
    assert member.total.suppressed
    assert all(c.suppressed for c in member.classes)
    assert member.gap is None
    as_member = figures.test_figures(world.member_admin, test_id)
    own = next(s for s in as_member.schools if not s.core)
    assert own.total.figures is not None
    assert own.total.figures.tested == 4
    runtime.services.assessment.set_min_group(world.hn.admin, 4)
    as_bureau = figures.test_figures(world.hn.monitor, test_id)
    assert not next(s for s in as_bureau.schools if not s.core).total.suppressed


def test_names_and_individual_scores_stay_inside_the_school(runtime: Runtime, world: World) -> None:
    test_id = world.define(runtime)
    upload(runtime, world, test_id, CORE_SCORES, MEMBER_SCORES)
    assessment = runtime.services.assessment
    sheet = assessment.class_sheet(world.member_admin, test_id, world.hn.other_school_id, "1班")
    assert [line.name for line in sheet.lines] == [name for _, name in world.member_class]
    assert [line.score for line in sheet.lines] == MEMBER_SCORES
    other_tenant = make_bureau(runtime, "yy", "余姚市教育局")
    for outsider in (
        world.hn.monitor,
        world.hn.admin,
        world.core_admin,
        world.member_teacher,  # a teacher of the school who did not upload this class
        other_tenant.admin,
        other_tenant.school_admin,
    ):
        with pytest.raises(NotFound):
            assessment.class_sheet(outsider, test_id, world.hn.other_school_id, "1班")
    with pytest.raises(NotFound):
        assessment.students(world.core_admin, world.hn.other_school_id)
    with pytest.raises(NotFound):
        AssessmentFigures(assessment).test_figures(other_tenant.admin, test_id)


def test_erasing_a_student_removes_the_name_and_keeps_the_statistics(
    runtime: Runtime, world: World
) -> None:
    test_id = world.define(runtime)
    upload(runtime, world, test_id, CORE_SCORES, MEMBER_SCORES)
    assessment = runtime.services.assessment
    figures = AssessmentFigures(assessment)
    before = figures.test_figures(world.member_admin, test_id)
    number, name = world.member_class[0]
    assessment.erase_student(world.member_admin, world.hn.other_school_id, number)
    sheet = assessment.class_sheet(world.member_admin, test_id, world.hn.other_school_id, "1班")
    assert name not in [line.name for line in sheet.lines]
    assert number not in [line.number for line in sheet.lines]
    assert sorted(s for s in (line.score for line in sheet.lines) if s is not None) == sorted(
        s for s in MEMBER_SCORES if s is not None
    )
    assert not [
        s
        for s in assessment.students(world.member_admin, world.hn.other_school_id)
        if s.name == name
    ]
    assert figures.test_figures(world.member_admin, test_id) == before


def test_a_wrong_row_stores_nothing_and_every_problem_is_listed(
    runtime: Runtime, world: World
) -> None:
    test_id = world.define(runtime)
    assessment = runtime.services.assessment
    head = runtime.platform.head()
    students = world.member_class
    data = csv_bytes(
        [
            ["学号", "姓名", "成绩", "缺考"],
            [students[0][0], students[0][1], "九十", ""],
            [students[1][0], students[1][1], "120", ""],
            [students[2][0], "张冒名", "80", ""],
            [students[3][0], students[3][1], "70", ""],
            [students[3][0], students[3][1], "71", ""],
            [world.core_class[0][0], "", "90", ""],  # a student of the core school
            ["NO-SUCH", "", "90", ""],
        ]
    )
    result = assessment.upload_scores(
        world.member_admin, test_id, class_name="1班", filename="成绩.csv", data=data
    )
    assert [e.row for e in result.errors] == [2, 3, 4, 6, 7, 8]
    assert "成绩应为数字" in result.errors[0].message
    assert "超过满分" in result.errors[1].message
    assert "姓名与名册不符" in result.errors[2].message
    assert "重复" in result.errors[3].message
    assert "不在本校名册" in result.errors[4].message
    assert runtime.platform.head() == head
    for broken, name in (
        (b"PK\x03\x04 not really a zip", "成绩.xlsx"),
        (b"\xff\xfe\x00\x00", "a.csv"),
    ):
        with pytest.raises(DomainError):
            assessment.upload_scores(
                world.member_admin, test_id, class_name="1班", filename=name, data=broken
            )
    assert runtime.platform.head() == head


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig", "utf-8"])
def test_a_csv_in_gbk_or_utf8_with_or_without_bom_uploads(
    runtime: Runtime, world: World, encoding: str
) -> None:
    test_id = world.define(runtime)
    rows = [["学号", "姓名", "成绩", "缺考"]] + [
        [n, name, "", "是"] if s is None else [n, name, f"{s:g}", ""]
        for (n, name), s in zip(world.member_class, MEMBER_SCORES, strict=True)
    ]
    result = runtime.services.assessment.upload_scores(
        world.member_admin,
        test_id,
        class_name="1班",
        filename="成绩.csv",
        data=csv_bytes(rows, encoding),
    )
    assert result.ok, result.errors
    assert (result.version, result.tested, result.absent) == (1, 8, 0)


def test_uploading_a_class_again_replaces_it_as_a_new_version(
    runtime: Runtime, world: World
) -> None:
    test_id = world.define(runtime)
    upload(runtime, world, test_id, CORE_SCORES, MEMBER_SCORES)
    assessment = runtime.services.assessment
    corrected = [s + 5 if s is not None and s <= 95 else s for s in MEMBER_SCORES]
    result = assessment.upload_scores(
        world.member_admin,
        test_id,
        class_name="1班",
        filename="成绩.csv",
        data=score_file(world.member_class, corrected),
    )
    assert result.version == 2
    runtime.catch_up()
    (only,) = runtime.services.assessment.view.uploads(test_id, world.hn.other_school_id)
    assert only.version == 2
    sheet = assessment.class_sheet(world.member_admin, test_id, world.hn.other_school_id, "1班")
    assert [line.score for line in sheet.lines] == corrected


def test_only_the_core_school_or_the_bureau_sets_a_test_and_only_its_schools_upload(
    runtime: Runtime, world: World
) -> None:
    assessment = runtime.services.assessment
    with pytest.raises(Forbidden):
        assessment.define_test(
            world.member_admin,
            world.community_id,
            subject="数学",
            grade=5,
            held_on=date(2025, 6, 1),
            lines=LINES,
        )
    test_id = world.define(runtime)
    other = make_bureau(runtime, "yy", "余姚市教育局")
    with pytest.raises(NotFound):
        assessment.upload_scores(
            other.school_admin,
            test_id,
            class_name="1班",
            filename="a.csv",
            data=score_file(world.member_class, MEMBER_SCORES),
        )


def test_the_gap_to_the_core_school_narrows_test_after_test(runtime: Runtime, world: World) -> None:
    first = world.define(runtime, "语文", date(2025, 4, 20))
    upload(runtime, world, first, CORE_SCORES, MEMBER_SCORES)
    second = world.define(runtime, "数学", date(2025, 6, 20))
    better = [min(100.0, s + 10) if s is not None else None for s in MEMBER_SCORES]
    upload(runtime, world, second, CORE_SCORES, better)
    steps = AssessmentFigures(runtime.services.assessment).gap_steps(
        world.hn.monitor, second, world.hn.other_school_id
    )
    assert [s.test.id for s in steps] == [first, second]
    assert steps[0].gap is not None
    assert steps[1].gap is not None
    narrowed = round(steps[0].gap - steps[1].gap, 2)
    assert steps[1].narrowed == narrowed > 0
    assert steps[1].message.startswith(f"差距缩小了{narrowed:.1f}分")


def test_a_workbook_uploads_and_a_schools_own_targets_replace_the_defaults(
    runtime: Runtime, world: World
) -> None:
    from openpyxl import Workbook

    test_id = world.define(runtime)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["学号", "姓名", "成绩", "缺考"])
    for (number, name), score in zip(world.member_class, MEMBER_SCORES, strict=True):
        sheet.append([number, name, score, ""])
    out = io.BytesIO()
    book.save(out)
    assessment = runtime.services.assessment
    result = assessment.upload_scores(
        world.member_admin, test_id, class_name="1班", filename="成绩.xlsx", data=out.getvalue()
    )
    assert result.ok, result.errors
    assessment.set_targets(
        world.member_admin, world.hn.other_school_id, 5, GradeTargets(0.5, 0.1, 0.2, 60)
    )
    with pytest.raises(Forbidden):
        assessment.set_targets(
            world.member_admin, world.hn.school_id, 5, GradeTargets(0.5, 0.1, 0.2, 60)
        )
    runtime.catch_up()
    figures = AssessmentFigures(assessment).test_figures(world.hn.monitor, test_id)
    (member,) = figures.schools
    assert member.total.targets == GradeTargets(0.5, 0.1, 0.2, 60)
    assert member.total.met == [True, True, True, True]  # 62.5%, 25%, 12.5%, 64.25


def test_a_cross_region_school_sits_the_test_and_each_bureau_sees_the_shared_aggregates_named(
    runtime: Runtime, world: World
) -> None:
    yy = make_bureau(runtime, "yy", "余姚市教育局")
    communities = runtime.services.communities
    communities.invite_across_regions(
        world.hn.admin,
        world.community_id,
        tenant_id=yy.tenant_id,
        school_code="yy-01",
        on=date(2025, 3, 1),
    )
    runtime.catch_up()
    communities.consent(yy.admin, world.community_id, yy.school_id)
    runtime.services.organisation.open_class(yy.admin, yy.school_id, grade=5, name="1班")
    runtime.catch_up()
    test_id = world.define(runtime)
    upload(runtime, world, test_id, CORE_SCORES, MEMBER_SCORES)
    assessment = runtime.services.assessment
    yy_class = [(f"YY25{i:03d}", f"余姚学生{i}号") for i in range(6)]
    assert assessment.import_roster(
        yy.school_admin,
        yy.school_id,
        grade=5,
        class_name="1班",
        filename="名册.csv",
        data=csv_bytes([["学号", "姓名"], *[[n, name] for n, name in yy_class]]),
    ).ok
    assert assessment.upload_scores(
        yy.school_admin,
        test_id,
        class_name="1班",
        filename="成绩.csv",
        data=score_file(yy_class, [80, 70, 60, 50, 90, 75]),
    ).ok
    runtime.catch_up()
    figures = AssessmentFigures(assessment)
    for monitor in (world.hn.monitor, yy.monitor):
        shown = figures.test_figures(monitor, test_id)
        names = {s.name for s in shown.schools}
        assert "余姚市教育局第一小学" in names
        assert "—" not in names
        assert all(s.classes == [] for s in shown.schools)
        yy_school = next(s for s in shown.schools if s.school_id == yy.school_id)
        assert yy_school.total.figures is not None
        assert yy_school.total.figures.average == 70.83
    with pytest.raises(NotFound):
        assessment.class_sheet(yy.admin, test_id, world.hn.other_school_id, "1班")
