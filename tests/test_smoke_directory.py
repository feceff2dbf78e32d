"""The directory follows the store on SQLite and PostgreSQL."""

from __future__ import annotations

from infra.wiring import Runtime
from tests.conftest import Bureau


def test_each_bureau_sees_only_its_own_schools(
    runtime: Runtime, two_bureaus: tuple[Bureau, Bureau]
) -> None:
    first, second = two_bureaus
    names = [s.name for s in runtime.services.queries.schools(first.admin)]
    assert names == ["海宁市教育局第一小学", "海宁市教育局第二小学"]
    assert all("余姚" not in n for n in names)
    assert {s.id for s in runtime.services.queries.schools(second.admin)}.isdisjoint(
        {first.school_id, first.other_school_id}
    )
