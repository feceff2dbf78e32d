"""The demo's joint assessment (联合质量检测): two grade-5 unified tests of 狮岭—博达 this year.

Every grade-5 class of 狮岭 (3) and 博达 (2) has 40 generated students: pseudonymous names made
up from common surnames and given-name characters, 学号 by school, grade and class. Their roster
goes into each school's private roster store, never into the log. 语文 in April, then 数学 in June,
when 博达 is nearer 狮岭: the test page shows "差距缩小了…分". 博达's 1班 数学 is uploaded by
its teacher 付开萍, who then sees her class's sheet; everything else by the schools' admins.
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import date, datetime
from uuid import UUID

from domain.assessment import Lines
from infra.wiring import Runtime
from services.actor import Actor

CLASS_SIZE = 40
LINES = Lines(full_mark=100, pass_line=60, excellence_line=85, low_line=40)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
GIVEN = "子涵欣怡梓轩浩宇雨萱一诺思远俊杰语桐可馨博文佳琪明轩晨曦若汐天佑锦程嘉怡泽宇书瑶安然"
#: (subject, day, 狮岭's mean, 博达's mean): 博达 closes part of its gap on the second test.
TESTS = (("语文", (4, 22), 86.0, 73.0), ("数学", (6, 18), 85.0, 76.5))
CLASSES = {"SL": ("1班", "2班", "3班"), "BD": ("1班", "2班")}

History = Callable[[Runtime, datetime], AbstractContextManager[None]]


def generated_class(code: str, class_name: str) -> list[tuple[str, str]]:
    """(学号, name) of a generated class; the same each run, so the demo reads the same."""
    rng = random.Random(f"roster:{code}:{class_name}")
    number = class_name.removesuffix("班")
    return [
        (
            f"{code}5{int(number):02d}{i:02d}",
            rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
        )
        for i in range(1, CLASS_SIZE + 1)
    ]


def _csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode("utf-8-sig")  # as Excel saves "CSV UTF-8"


def _scores(students: list[tuple[str, str]], mean: float, seed: str) -> bytes:
    rng = random.Random(seed)
    rows = [["学号", "成绩", "缺考"]]
    for number, _ in students:
        if rng.random() < 0.02:
            rows.append([number, "", "是"])
            continue
        score = min(100.0, max(20.0, rng.gauss(mean, 9.0)))
        rows.append([number, f"{round(score * 2) / 2:g}", ""])
    return _csv(rows)


def seed_assessment(
    runtime: Runtime,
    history_at: History,
    at: Callable[[date, int], datetime],
    year: int,
    fusion: UUID,
    schools: dict[str, UUID],
    actors: dict[str, Actor],
) -> list[UUID]:
    """Rosters, the two tests and every class's scores; returns the tests' ids."""
    assessment = runtime.services.assessment
    admins = {"SL": actors["sl-admin"], "BD": actors["bd-admin"]}
    rosters: dict[tuple[str, str], list[tuple[str, str]]] = {}
    with history_at(runtime, at(date(year, 3, 2), 9)):
        for code, class_names in CLASSES.items():
            for class_name in class_names:
                students = generated_class(code, class_name)
                rosters[(code, class_name)] = students
                imported = assessment.import_roster(
                    admins[code],
                    schools[code],
                    grade=5,
                    class_name=class_name,
                    filename="五年级名册.csv",
                    data=_csv([["学号", "姓名"], *[[num, name] for num, name in students]]),
                )
                assert imported.ok, imported.errors
    test_ids: list[UUID] = []
    for subject, (month, day), sl_mean, bd_mean in TESTS:
        held_on = date(year, month, day)
        with history_at(runtime, at(held_on, 8)):
            test_id = assessment.define_test(
                admins["SL"], fusion, subject=subject, grade=5, held_on=held_on, lines=LINES
            ).id
        test_ids.append(test_id)
        with history_at(runtime, at(date(year, month, day + 3), 15)):
            for (code, class_name), students in _each(rosters):
                uploader = admins[code]
                if (code, class_name, subject) == ("BD", "1班", "数学"):
                    uploader = actors["bd-fukp"]
                mean = sl_mean if code == "SL" else bd_mean
                uploaded = assessment.upload_scores(
                    uploader,
                    test_id,
                    class_name=class_name,
                    filename=f"{subject}成绩.csv",
                    data=_scores(students, mean, seed=f"scores:{subject}:{code}:{class_name}"),
                )
                assert uploaded.ok, uploaded.errors
    runtime.catch_up()
    return test_ids


def _each(
    rosters: dict[tuple[str, str], list[tuple[str, str]]],
) -> Iterator[tuple[tuple[str, str], list[tuple[str, str]]]]:
    yield from sorted(rosters.items())
