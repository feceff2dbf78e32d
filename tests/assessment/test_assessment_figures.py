"""Statistics of a class, computed by hand: the lines' edges, absences, the smallest group."""

from __future__ import annotations

import pytest

from domain.assessment import GradeTargets, Lines, Tally
from domain.base import DomainError
from tests.assessment.world import LINES


def test_a_score_on_a_line_counts_as_reaching_it_and_the_absent_are_left_out_of_every_rate() -> (
    None
):
    # 60 is exactly the pass line, 85 exactly the excellence line, 40 exactly the low line.
    tally = Tally.of([60, 85, 40, 39.5, 100, None, None], LINES)
    figures = tally.figures()
    assert (figures.tested, figures.absent) == (5, 2)
    assert figures.average == round((60 + 85 + 40 + 39.5 + 100) / 5, 2) == 64.9
    assert figures.pass_rate == 3 / 5  # 60, 85, 100
    assert figures.excellence_rate == 2 / 5  # 85, 100
    assert figures.low_rate == 1 / 5  # only 39.5 is below 40


def test_tallies_of_two_classes_add_up_to_the_school() -> None:
    first, second = Tally.of([90, 50], LINES), Tally.of([70, None], LINES)
    school = (first + second).figures()
    assert (school.tested, school.absent, school.average) == (3, 1, 70.0)
    assert school.pass_rate == 2 / 3


def test_a_class_where_everybody_was_absent_has_no_average() -> None:
    figures = Tally.of([None, None], LINES).figures()
    assert figures.average is None
    assert figures.pass_rate is None
    assert GradeTargets(0.9, 0.92, 0.0, 91).met_by(figures) == [False] * 4


def test_the_grade_5_targets_are_met_one_by_one() -> None:
    targets = GradeTargets(pass_rate=0.9, excellence_rate=0.92, low_rate=0.0, average=91)
    figures = Tally.of([95, 95, 95, 95, 95, 95, 95, 95, 95, 80], LINES).figures()
    assert targets.met_by(figures) == [True, False, True, True]  # 90%, 90% < 92%, 0%, 93.5


@pytest.mark.parametrize(
    "lines",
    [
        Lines(100, 60, 50, 40),  # excellence below pass
        Lines(100, 60, 85, 70),  # low above pass
        Lines(100, 60, 120, 40),  # excellence above the full mark
        Lines(0, 0, 0, 0),
    ],
)
def test_lines_out_of_order_are_refused(lines: Lines) -> None:
    with pytest.raises(DomainError):
        lines.check()
