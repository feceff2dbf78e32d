"""Every row of every view, comparable across a rebuild (surrogate ids left out)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, Integer, Table, select

from infra.views.base import SQLView


def _surrogate(column: Column[Any]) -> bool:
    # An autoincrement integer key numbers rows in insertion order: a rebuild renumbers them.
    return (
        bool(column.primary_key)
        and isinstance(column.type, Integer)
        and (column.autoincrement in (True, "auto"))
        and len(column.table.primary_key.columns) == 1
    )


def table_rows(view: SQLView, table: Table) -> list[tuple[Any, ...]]:
    columns = [c for c in table.columns if not _surrogate(c)]
    with view.transaction(commit=False) as session:
        rows = [tuple(r) for r in session.execute(select(*columns)).all()]
    return sorted(rows, key=repr)


def view_rows(view: SQLView) -> dict[str, list[tuple[Any, ...]]]:
    return {table.name: table_rows(view, table) for table in view.view_tables}


def all_rows(views: dict[str, SQLView]) -> dict[str, dict[str, list[tuple[Any, ...]]]]:
    return {name: view_rows(view) for name, view in views.items()}
