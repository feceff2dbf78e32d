"""Evidence blob stores: content named by its SHA-256 and written once, on disk or in the database.

The embedded default keeps files under ``var/blobs/``. With several web hosts, a file on one host's disk
is missing on the others, so a deployment on PostgreSQL keeps them in a table of the same database
(``JGT_BLOB_STORE``; at county scale a few GB of bytea is ordinary for PostgreSQL). Both are
content-addressed, so storing a file twice, or from two hosts at once, stores it once.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Column, DateTime, Integer, LargeBinary, MetaData, String, Table, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

_HEX = re.compile(r"^[0-9a-f]{64}$")

_metadata = MetaData()
blobs_table = Table(
    "jgt_blobs",
    _metadata,
    Column("sha256", String(64), primary_key=True),
    Column("size", Integer, nullable=False),
    Column("data", LargeBinary, nullable=False),
    Column("stored_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)


class FileBlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def put(self, data: bytes) -> str:
        sha256 = hashlib.sha256(data).hexdigest()
        path = self._path(sha256)
        if path.exists():
            return sha256
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write then rename: a reader never sees half a file, and two writers of one file agree.
        fd, tmp = tempfile.mkstemp(dir=path.parent)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
        return sha256

    def get(self, sha256: str) -> bytes | None:
        if not _HEX.match(sha256):
            return None
        path = self._path(sha256)
        return path.read_bytes() if path.exists() else None

    def names(self) -> Iterator[str]:
        """The SHA-256 of every stored file (what ``jgt evidence migrate`` copies)."""
        if not self.root.is_dir():
            return
        for path in sorted(self.root.glob("??/*")):
            if _HEX.match(path.name) and path.parent.name == path.name[:2]:
                yield path.name


class DatabaseBlobStore:
    """Blobs in the ``jgt_blobs`` table of the store's own database, so every host reads them."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def create_table(self) -> None:
        _metadata.create_all(self.engine, tables=[blobs_table])

    def put(self, data: bytes) -> str:
        sha256 = hashlib.sha256(data).hexdigest()
        if not self.has(sha256):
            try:
                with self.engine.begin() as connection:
                    connection.execute(
                        blobs_table.insert().values(sha256=sha256, size=len(data), data=data)
                    )
            except IntegrityError:
                pass  # another request stored the same content meanwhile: it is there
        return sha256

    def has(self, sha256: str) -> bool:
        query = select(blobs_table.c.sha256).where(blobs_table.c.sha256 == sha256)
        with self.engine.connect() as connection:
            return connection.execute(query).first() is not None

    def get(self, sha256: str) -> bytes | None:
        if not _HEX.match(sha256):
            return None
        query = select(blobs_table.c.data).where(blobs_table.c.sha256 == sha256)
        with self.engine.connect() as connection:
            found = connection.execute(query).scalar()
        return bytes(found) if found is not None else None


@dataclass(frozen=True)
class Migrated:
    copied: int = 0
    already_there: int = 0
    #: Files whose content no longer matches their name (damaged on disk): left where they are.
    damaged: int = 0


def migrate(source: FileBlobStore, target: DatabaseBlobStore) -> Migrated:
    """Copy every file of the disk store into the database; run again, it copies nothing twice."""
    copied = already = damaged = 0
    for sha256 in source.names():
        if target.has(sha256):
            already += 1
            continue
        data = source.get(sha256)
        if data is None or hashlib.sha256(data).hexdigest() != sha256:
            damaged += 1
            continue
        target.put(data)
        copied += 1
    return Migrated(copied=copied, already_there=already, damaged=damaged)
