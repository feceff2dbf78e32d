"""The joint-assessment read model as SQL tables. Scores and lines are kept in tenths of a mark
(BIGINT), so sums and comparisons are exact in SQL on both databases."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    DateTime,
    Table,
    Text,
    Uuid,
    case,
    delete,
    func,
    insert,
    select,
)
from sqlalchemy.engine import Row

from domain.assessment import Lines, Scores, Tally
from infra.views.base import SQLView, as_utc, metadata, upsert
from projections.assessment import AssessmentView, ClassTally, TestRow, UploadRow

tests = Table(
    "asm_tests",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("tenant_id", Uuid, nullable=False, index=True),
    Column("community_id", Uuid, nullable=False, index=True),
    Column("core_school_id", Uuid, nullable=False),
    Column("subject", Text, nullable=False),
    Column("grade", BigInteger, nullable=False),
    Column("held_on", Date, nullable=False),
    Column("full_mark", BigInteger, nullable=False),
    Column("pass_line", BigInteger, nullable=False),
    Column("excellence_line", BigInteger, nullable=False),
    Column("low_line", BigInteger, nullable=False),
    Column("defined_at", DateTime(timezone=True), nullable=False),
)
uploads = Table(
    "asm_uploads",
    metadata,
    Column("scores_id", Uuid, primary_key=True),
    Column("test_id", Uuid, nullable=False, index=True),
    Column("tenant_id", Uuid, nullable=False),
    Column("school_id", Uuid, nullable=False),
    Column("grade", BigInteger, nullable=False),
    Column("class_name", Text, nullable=False),
    Column("version", BigInteger, nullable=False),
    Column("uploaded_at", DateTime(timezone=True), nullable=False),
    Column("uploaded_by", Uuid, nullable=True),
)
scores = Table(
    "asm_scores",
    metadata,
    Column("scores_id", Uuid, primary_key=True),
    Column("student_key", Text, primary_key=True),
    Column("test_id", Uuid, nullable=False, index=True),
    Column("school_id", Uuid, nullable=False),
    Column("class_name", Text, nullable=False),
    # Tenths of a mark; NULL for a student absent from the test (缺考).
    Column("points", BigInteger, nullable=True),
)


def _tenths(value: float) -> int:
    return round(value * 10)


def _test(r: Row[Any]) -> TestRow:
    return TestRow(
        id=r.id,
        tenant_id=r.tenant_id,
        community_id=r.community_id,
        core_school_id=r.core_school_id,
        subject=r.subject,
        grade=int(r.grade),
        held_on=r.held_on,
        lines=Lines(r.full_mark / 10, r.pass_line / 10, r.excellence_line / 10, r.low_line / 10),
        defined_at=as_utc(r.defined_at),
    )


def _upload(r: Row[Any]) -> UploadRow:
    return UploadRow(
        scores_id=r.scores_id,
        test_id=r.test_id,
        tenant_id=r.tenant_id,
        school_id=r.school_id,
        grade=int(r.grade),
        class_name=r.class_name,
        version=int(r.version),
        uploaded_at=as_utc(r.uploaded_at),
        uploaded_by=r.uploaded_by,
    )


class SQLAssessmentView(SQLView, AssessmentView):
    name = "assessment"
    view_tables = (tests, uploads, scores)

    def add_test(self, row: TestRow) -> None:
        lines = row.lines
        self._insert(
            tests,
            {
                "id": row.id,
                "tenant_id": row.tenant_id,
                "community_id": row.community_id,
                "core_school_id": row.core_school_id,
                "subject": row.subject,
                "grade": row.grade,
                "held_on": row.held_on,
                "full_mark": _tenths(lines.full_mark),
                "pass_line": _tenths(lines.pass_line),
                "excellence_line": _tenths(lines.excellence_line),
                "low_line": _tenths(lines.low_line),
                "defined_at": row.defined_at,
            },
            key=row.id,
        )

    def put_scores(self, row: UploadRow, class_scores: Scores) -> None:
        # The tests a tally joins are written first, and earlier versions of the class go.
        self._write_buffered(tests)
        with self.transaction(commit=True) as s:
            upsert(
                s,
                uploads,
                {
                    "scores_id": row.scores_id,
                    "test_id": row.test_id,
                    "tenant_id": row.tenant_id,
                    "school_id": row.school_id,
                    "grade": row.grade,
                    "class_name": row.class_name,
                    "version": row.version,
                    "uploaded_at": row.uploaded_at,
                    "uploaded_by": row.uploaded_by,
                },
                ["scores_id"],
            )
            s.execute(delete(scores).where(scores.c.scores_id == row.scores_id))
            s.execute(
                insert(scores),
                [
                    {
                        "scores_id": row.scores_id,
                        "student_key": key,
                        "test_id": row.test_id,
                        "school_id": row.school_id,
                        "class_name": row.class_name,
                        "points": None if score is None else _tenths(score),
                    }
                    for key, score in class_scores.items()
                ],
            )

    def upload(self, scores_id: UUID) -> UploadRow | None:
        with self.transaction(commit=False) as s:
            found = s.execute(select(uploads).where(uploads.c.scores_id == scores_id)).first()
        return _upload(found) if found else None

    def test(self, test_id: UUID) -> TestRow | None:
        with self.transaction(commit=False) as s:
            found = s.execute(select(tests).where(tests.c.id == test_id)).first()
        return _test(found) if found else None

    def tests(self, community_ids: list[UUID]) -> list[TestRow]:
        if not community_ids:
            return []
        query = (
            select(tests)
            .where(tests.c.community_id.in_(community_ids))
            .order_by(tests.c.held_on, tests.c.defined_at)
        )
        with self.transaction(commit=False) as s:
            return [_test(r) for r in s.execute(query)]

    def uploads(self, test_id: UUID, school_id: UUID | None = None) -> list[UploadRow]:
        query = select(uploads).where(uploads.c.test_id == test_id)
        if school_id is not None:
            query = query.where(uploads.c.school_id == school_id)
        with self.transaction(commit=False) as s:
            rows = s.execute(query.order_by(uploads.c.class_name)).all()
        return [_upload(r) for r in rows]

    def tallies(self, test_ids: list[UUID]) -> list[ClassTally]:
        if not test_ids:
            return []
        points = scores.c.points

        def count(condition: Any) -> Any:
            return func.sum(case((condition, 1), else_=0))

        query = (
            select(
                scores.c.test_id,
                scores.c.school_id,
                scores.c.class_name,
                func.count(points).label("tested"),
                count(points.is_(None)).label("absent"),
                func.coalesce(func.sum(points), 0).label("total"),
                count(points >= tests.c.pass_line).label("passed"),
                count(points >= tests.c.excellence_line).label("excellent"),
                count(points < tests.c.low_line).label("low"),
            )
            .join(tests, tests.c.id == scores.c.test_id)
            .where(scores.c.test_id.in_(test_ids))
            .group_by(scores.c.test_id, scores.c.school_id, scores.c.class_name)
        )
        with self.transaction(commit=False) as s:
            rows = s.execute(query).all()
        return [
            ClassTally(
                test_id=r.test_id,
                school_id=r.school_id,
                class_name=r.class_name,
                tally=Tally(
                    tested=int(r.tested),
                    absent=int(r.absent),
                    total=int(r.total) / 10,
                    passed=int(r.passed),
                    excellent=int(r.excellent),
                    low=int(r.low),
                ),
            )
            for r in rows
        ]

    def scores(self, scores_id: UUID) -> list[tuple[str, float | None]]:
        query = select(scores.c.student_key, scores.c.points).where(scores.c.scores_id == scores_id)
        with self.transaction(commit=False) as s:
            rows = s.execute(query.order_by(scores.c.student_key)).all()
        return [(r.student_key, None if r.points is None else r.points / 10) for r in rows]
