"""The API of joint assessment (联合质量检测) and the bundled evaluation (捆绑考核).

The same services as the pages, so the same privacy by projection: outside a class's school an
answer carries aggregates (``null`` figures with ``suppressed`` below the tenant's smallest group),
and names and individual scores only where ``services.policy.may_read_scores`` allows. Files
(a class's scores, a roster) come as a multipart request: its ``json`` part is the body and its
``file`` part the .xlsx or .csv file. A file with problems answers 422 with every row's reason and
stores nothing.
"""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import Annotated, Any

from flask import jsonify, request, url_for
from flask.typing import ResponseReturnValue
from pydantic import Field

from domain import fields as f
from domain.assessment import Figures, GradeTargets, Lines
from domain.assessment_settings import Formula
from services.assessment_figures import AssessmentFigures, Shown
from services.bundled_evaluation import BundledEvaluation
from services.clock import local_date
from services.teacher_import import MAX_BYTES, RowError
from web.api.base import actor, done, error_response, items, jsonable
from web.api.contract import Checked, Input, Query, operation
from web.api.outputs import Done, Open
from web.current import parse_id, services

assessment = partial(operation, tag="assessment")
Rate = Annotated[float, Field(ge=0, le=100, description="Percent, 0–100")]


class NewTest(Input):
    subject: Annotated[str, Checked(f.SUBJECT)]
    grade: Annotated[int, Checked(f.GRADE)]
    held_on: Annotated[date, Checked(f.HELD_ON)]
    full_mark: Annotated[float, Checked(f.FULL_MARK)]
    pass_line: Annotated[float, Checked(f.SCORE_LINE)]
    excellence_line: Annotated[float, Checked(f.SCORE_LINE)]
    low_line: Annotated[float, Checked(f.SCORE_LINE)]


class ClassFile(Input):
    class_name: Annotated[str, Checked(f.CLASS_NAME)]


class RosterFile(ClassFile):
    grade: Annotated[int, Checked(f.GRADE)]


class Erasure(Input):
    number: Annotated[str, Checked(f.STUDENT_NUMBER)] = Field(description="The student's 学号")


class Targets(Input):
    grade: Annotated[int, Checked(f.GRADE)]
    pass_rate: Rate
    excellence_rate: Rate
    low_rate: Rate
    average: Annotated[float, Checked(f.TARGET_AVERAGE)]


class MinGroup(Input):
    min_group: Annotated[int, Checked(f.MIN_GROUP)]


class Weights(Input):
    completion: Annotated[float, Checked(f.FORMULA_WEIGHT)]
    narrowing: Annotated[float, Checked(f.FORMULA_WEIGHT)]
    targets: Annotated[float, Checked(f.FORMULA_WEIGHT)]
    excellent_share: Annotated[float, Checked(f.EXCELLENT_SHARE)] = Field(
        description="The top share rated 优秀, a fraction (0.3 = 30%)"
    )


class RatingQuery(Query):
    year: Annotated[int, Field(ge=f.FIRST_YEAR, le=f.LAST_YEAR)] | None = None
    as_of: date | None = Field(None, description="The day to rate as of (today)")


class Sealing(Input):
    year: Annotated[int, Field(ge=f.FIRST_YEAR, le=f.LAST_YEAR)]
    as_of: date


def _file() -> tuple[str, bytes]:
    found = request.files.get("file") if request.mimetype == "multipart/form-data" else None
    if found is None or not found.filename:
        return "", b""
    return found.filename, found.read(MAX_BYTES + 1)


def _row_errors(errors: list[RowError]) -> ResponseReturnValue:
    response = error_response(
        422,
        f"文件中有{len(errors)}处问题，未保存 / The file has {len(errors)} problems; nothing saved",
        rows=[{"row": e.row, "message": e.message} for e in errors],
    )
    return response


def _figures(figures: Figures | None) -> dict[str, Any] | None:
    return jsonable(figures) if figures is not None else None


def _shown(shown: Shown) -> dict[str, Any]:
    return {
        "label": shown.label,
        "suppressed": shown.suppressed,
        "figures": _figures(shown.figures),
        "targets": jsonable(shown.targets),
        "met": shown.met,
    }


def _when(year: int | None, as_of: date | None) -> tuple[int, date]:
    today = local_date(services().assessment.ctx.clock())
    chosen = year or (as_of.year if as_of else today.year)
    return chosen, as_of or min(today, date(chosen, 12, 31))


# Tests ---------------------------------------------------------------------------------------------


@assessment(
    "GET", "/assessment/tests", summary="The unified tests of one's communities", answer=Open
)
def assessment_tests() -> ResponseReturnValue:
    return items(services().assessment.tests(actor()))


@assessment(
    "POST",
    "/communities/<community_id>/tests",
    summary="Set a unified test (the core school's admin or the bureau)",
    body=NewTest,
    answer=Done,
    status=201,
)
def define_test(community_id: str, body: NewTest) -> ResponseReturnValue:
    service = services().assessment
    me, cid = actor(), parse_id(community_id)
    service.organiser_of(me, cid)
    result = service.define_test(
        me,
        cid,
        subject=body.subject,
        grade=body.grade,
        held_on=body.held_on,
        lines=Lines(body.full_mark, body.pass_line, body.excellence_line, body.low_line),
    )
    return done(result, 201, url_for("api.test_figures", test_id=result.id))


@assessment(
    "GET",
    "/assessment/tests/<test_id>",
    summary="A test's statistics: the community, each school against its targets, the gaps",
    answer=Open,
)
def test_figures(test_id: str) -> ResponseReturnValue:
    """Aggregates only outside a school (`suppressed` below the tenant's smallest group); a
    school's classes only for that school's own people."""
    me, tid = actor(), parse_id(test_id)
    reader = AssessmentFigures(services().assessment)
    shown = reader.test_figures(me, tid)
    steps = reader.all_gap_steps(me, tid, shown)
    schools = []
    for school in shown.schools:
        step = next((s for s in steps.get(school.school_id, []) if s.test.id == tid), None)
        schools.append(
            {
                "school_id": str(school.school_id),
                "name": school.name,
                "core": school.core,
                "total": _shown(school.total),
                "classes": [_shown(c) for c in school.classes],
                "gap": school.gap,
                "narrowed": step.narrowed if step and not school.core else None,
                "gap_message": step.message if step and not school.core else "",
            }
        )
    return jsonify(
        {
            "test": jsonable(shown.test),
            "min_group": shown.min_group,
            "community": _shown(shown.community),
            "schools": schools,
        }
    )


@assessment(
    "POST",
    "/assessment/tests/<test_id>/scores",
    summary="Upload a class's scores (multipart: `json` part and a `file` .xlsx or .csv)",
    body=ClassFile,
    multipart=True,
    answer=Open,
    errors=(413,),
)
def upload_scores(test_id: str, body: ClassFile) -> ResponseReturnValue:
    """Columns 学号, 姓名 (optional, checked against the roster), 成绩, 缺考. Uploading a class
    again replaces it as a new `version`."""
    filename, data = _file()
    result = services().assessment.upload_scores(
        actor(), parse_id(test_id), class_name=body.class_name, filename=filename, data=data
    )
    if not result.ok:
        return _row_errors(result.errors)
    return jsonify(
        {
            "version": result.version,
            "tested": result.tested,
            "absent": result.absent,
            "position": result.position,
        }
    )


@assessment(
    "GET",
    "/assessment/tests/<test_id>/schools/<school_id>/classes/<class_name>",
    summary="A class's scores with names: its school's admin and its uploading teacher only",
    path={"class_name": {"type": "string", "examples": ["1班"]}},
    answer=Open,
)
def class_sheet(test_id: str, school_id: str, class_name: str) -> ResponseReturnValue:
    sheet = services().assessment.class_sheet(
        actor(), parse_id(test_id), parse_id(school_id), class_name
    )
    return jsonify(
        {
            "test": jsonable(sheet.test),
            "upload": jsonable(sheet.upload),
            "items": jsonable(sheet.lines),
        }
    )


# The roster and the settings ---------------------------------------------------------------------


@assessment(
    "GET",
    "/schools/<school_id>/roster",
    summary="The school's student roster (its admin only)",
    answer=Open,
)
def school_roster(school_id: str) -> ResponseReturnValue:
    students = services().assessment.students(actor(), parse_id(school_id))
    # The pseudonymous key stays inside the platform: it is what links a name to the log.
    return items([{k: v for k, v in jsonable(s).items() if k != "key"} for s in students])


@assessment(
    "POST",
    "/schools/<school_id>/roster",
    summary="Import a class's roster (multipart: `json` part and a `file` with 学号, 姓名)",
    body=RosterFile,
    multipart=True,
    answer=Open,
    errors=(413,),
)
def import_roster(school_id: str, body: RosterFile) -> ResponseReturnValue:
    filename, data = _file()
    result = services().assessment.import_roster(
        actor(),
        parse_id(school_id),
        grade=body.grade,
        class_name=body.class_name,
        filename=filename,
        data=data,
    )
    if not result.ok:
        return _row_errors(result.errors)
    return jsonify({"imported": result.imported})


@assessment(
    "POST",
    "/schools/<school_id>/roster/erase",
    summary="Erase a student's 学号 and name (the scores stay in the statistics)",
    body=Erasure,
    answer=Open,
)
def erase_student(school_id: str, body: Erasure) -> ResponseReturnValue:
    services().assessment.erase_student(actor(), parse_id(school_id), body.number)
    return jsonify({"erased": True})


@assessment(
    "PUT",
    "/schools/<school_id>/targets",
    summary="A school's targets for a grade (the bureau's admin or the school's)",
    body=Targets,
    answer=Done,
)
def set_targets(school_id: str, body: Targets) -> ResponseReturnValue:
    chosen = GradeTargets(
        body.pass_rate / 100, body.excellence_rate / 100, body.low_rate / 100, body.average
    )
    return done(services().assessment.set_targets(actor(), parse_id(school_id), body.grade, chosen))


@assessment(
    "PUT",
    "/assessment/settings",
    summary="The smallest group shown as a figure (the bureau's admin)",
    body=MinGroup,
    answer=Done,
)
def set_min_group(body: MinGroup) -> ResponseReturnValue:
    return done(services().assessment.set_min_group(actor(), body.min_group))


# The bundled evaluation ------------------------------------------------------------------------


def _evaluation() -> BundledEvaluation:
    return BundledEvaluation(services().assessment, services().progress)


@assessment(
    "GET",
    "/assessment/bundled",
    summary="The bundled ranking of the bureau's communities as of a date",
    query=RatingQuery,
    answer=Open,
    errors=(422,),
)
def bundled_rating(query: RatingQuery) -> ResponseReturnValue:
    year, as_of = _when(query.year, query.as_of)
    rating = _evaluation().rating(actor(), year=year, as_of=as_of)
    sealed = rating.sealed
    return jsonify(
        {
            "year": year,
            "as_of": as_of.isoformat(),
            "formula": jsonable(rating.formula),
            "items": [
                {
                    **jsonable(r.components),
                    "score": r.score,
                    "rank": r.rank,
                    "excellent": r.excellent,
                }
                for r in rating.ranking
            ],
            "sealed": None
            if sealed is None
            else {
                "as_of": sealed.as_of.isoformat(),
                "sealed_at": sealed.sealed_at.isoformat(),
                "items": sealed.rows,
            },
        }
    )


@assessment(
    "GET",
    "/assessment/bundled/communities/<community_id>",
    summary="What a community's bundled score is made of (the drill-down)",
    query=RatingQuery,
    answer=Open,
    errors=(422,),
)
def bundled_community(community_id: str, query: RatingQuery) -> ResponseReturnValue:
    year, as_of = _when(query.year, query.as_of)
    detail = _evaluation().detail(actor(), parse_id(community_id), year=year, as_of=as_of)
    return jsonify(
        {
            "community": jsonable(detail.community),
            "components": jsonable(detail.components),
            "tests": jsonable(detail.tests),
            "schools": [
                {
                    "school_id": str(s.school_id),
                    "name": s.name,
                    "steps": [
                        {"test_id": str(t.id), "gap": gap, "targets_met": met}
                        for t, gap, met in s.steps
                    ],
                    "narrowing": s.narrowing,
                    "targets_movement": s.targets_movement,
                }
                for s in detail.schools
            ],
        }
    )


@assessment(
    "POST",
    "/assessment/bundled/seal",
    summary="Seal the year's ranking as of a date, once (the bureau's admin)",
    body=Sealing,
    answer=Done,
)
def seal_bundled(body: Sealing) -> ResponseReturnValue:
    return done(_evaluation().seal(actor(), year=body.year, as_of=body.as_of))


@assessment(
    "PUT",
    "/assessment/bundled/formula",
    summary="The bundled evaluation's formula (the bureau's admin)",
    body=Weights,
    answer=Done,
)
def set_formula(body: Weights) -> ResponseReturnValue:
    chosen = Formula(body.completion, body.narrowing, body.targets, body.excellent_share)
    return done(_evaluation().set_formula(actor(), chosen))
