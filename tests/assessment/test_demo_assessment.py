"""The demo's joint assessment: two grade-5 tests of 狮岭—博达 with classes of 40 generated students,
博达 narrowing its gap on the second, and no name of theirs anywhere in the event log."""

from __future__ import annotations

from domain.user import User
from infra.demo import seed_demo
from infra.demo_assessment import CLASS_SIZE, CLASSES, generated_class
from infra.wiring import Runtime
from services.actor import Actor
from services.assessment_figures import AssessmentFigures
from services.bundled_evaluation import BundledEvaluation
from services.people import actor_of


def test_the_demo_has_two_grade_five_tests_and_bodas_gap_narrows_on_the_second(
    sqlite_runtime: Runtime,
) -> None:
    runtime = sqlite_runtime
    seed_demo(runtime)
    runtime.catch_up()
    directory = runtime.services.queries.ctx.directory

    def actor(username: str) -> Actor:
        found = directory.user_id_by_username(username)
        assert found is not None, username
        user: User = runtime.platform.repository.get(found)
        return actor_of(user)

    monitor = actor("hn-monitor")
    assessment = runtime.services.assessment
    tests = sorted(assessment.tests(monitor), key=lambda t: t.held_on)
    assert [(t.subject, t.grade) for t in tests] == [("语文", 5), ("数学", 5)]
    figures = AssessmentFigures(assessment)
    as_bureau = figures.test_figures(monitor, tests[1].id)
    by_name = {s.name: s for s in as_bureau.schools}
    assert set(by_name) == {"海宁市狮岭学校", "海宁市博达学校"}
    for school, classes in (("海宁市狮岭学校", CLASSES["SL"]), ("海宁市博达学校", CLASSES["BD"])):
        total = by_name[school].total.figures
        assert total is not None
        assert total.tested + total.absent == CLASS_SIZE * len(classes)
        assert by_name[school].classes == []  # the bureau sees no class of a school
    boda = by_name["海宁市博达学校"].school_id
    steps = figures.gap_steps(monitor, tests[1].id, boda)
    assert [s.test.id for s in steps] == [t.id for t in tests]
    assert steps[0].gap is not None
    assert steps[1].narrowed is not None
    assert steps[1].narrowed > 0
    assert steps[1].message.startswith("差距缩小了")

    # 付开萍 uploaded 博达's 1班 数学: she sees that sheet, named; not 语文, uploaded by the admin.
    teacher = actor("bd-fukp")
    sheet = assessment.class_sheet(teacher, tests[1].id, boda, "1班")
    roster = generated_class("BD", "1班")
    assert [line.name for line in sheet.lines] == [name for _, name in roster]

    # The bundled ranking of the demo's three communities, as of the year's end.
    evaluation = BundledEvaluation(assessment, runtime.services.progress)
    rating = evaluation.rating(monitor, year=tests[0].held_on.year, as_of=tests[1].held_on)
    assert len(rating.ranking) == 3
    assert sum(r.excellent for r in rating.ranking) == 1  # 30% of 3, rounded up
    fusion = next(r for r in rating.ranking if r.components.name == "狮岭—博达城乡教共体")
    assert fusion.components.narrowing == steps[1].narrowed

    states = b"".join(
        n.state for n in runtime.platform.recorder.select_notifications(start=None, limit=1_000_000)
    )
    assert "狮岭—博达城乡教共体".encode() in states  # the log is searchable as it is stored
    for code, classes in CLASSES.items():
        for class_name in classes:
            for _, name in generated_class(code, class_name):
                assert name.encode() not in states
