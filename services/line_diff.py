"""Two texts compared line by line, as the joint preparation's revisions are shown side by side."""

from __future__ import annotations

import difflib
from dataclasses import dataclass


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "same", "removed" (only in the older text) or "added" (only in the newer)
    text: str


def line_diff(older: str, newer: str) -> list[DiffLine]:
    """Every line of both texts in order; a changed line is the old one removed, the new added."""
    found: list[DiffLine] = []
    old, new = older.splitlines(), newer.splitlines()
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, a0, a1, b0, b1 in matcher.get_opcodes():
        if tag == "equal":
            found += [DiffLine("same", line) for line in old[a0:a1]]
            continue
        found += [DiffLine("removed", line) for line in old[a0:a1]]
        found += [DiffLine("added", line) for line in new[b0:b1]]
    return found
