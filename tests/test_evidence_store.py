"""Evidence every host can read: blobs in the database on PostgreSQL, on disk for the embedded default."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from hashlib import sha256
from pathlib import Path
from uuid import UUID

import pytest
from click.testing import CliRunner

from domain.counting import TaskKind
from infra.blobs import DatabaseBlobStore, FileBlobStore
from infra.cli import main
from infra.settings import Settings
from infra.wiring import Runtime, build_runtime
from services.actor import Actor
from services.errors import DomainError
from services.evidence import MAX_EVIDENCE_BYTES, Upload, check_upload
from tests.conftest import (
    cheap_hasher,
    found_fusion,
    make_bureau,
    open_runtime,
    sqlite_settings,
)
from web import create_app

PHOTO = b"\xff\xd8\xff\xe0" + "公开课照片".encode() * 100


@dataclass
class Recorded:
    teacher: Actor
    community: UUID
    activity: UUID
    sha256: str


def record_with_evidence(runtime: Runtime, title: str = "公开课：古诗词") -> Recorded:
    """A bureau, its community, and one activity with a photo."""
    runtime.services.activities.ctx.clock = lambda: datetime(2025, 3, 5, 10, tzinfo=UTC)
    hn = make_bureau(runtime, "hn", "海宁市教育局")
    runtime.catch_up()
    community = found_fusion(runtime, hn).id
    runtime.catch_up()
    done = runtime.services.activities.record(
        hn.teacher,
        community,
        kind=TaskKind.DEMO_LESSON,
        title=title,
        occurred_on=date(2025, 3, 4),
        uploads=[Upload("公开课.jpg", "image/jpeg", PHOTO)],
    )
    runtime.catch_up()
    (item,) = runtime.services.activities.activity(hn.teacher, done.id).evidence
    return Recorded(hn.teacher, community, done.id, str(item["sha256"]))


@pytest.fixture
def pg_settings(postgres_url: str, tmp_path: Path) -> Settings:
    return sqlite_settings(
        tmp_path / "host-a", JGT_DATABASE_URL=postgres_url, JGT_EMBEDDED_PROJECTIONS="false"
    )


@pytest.fixture
def two_hosts(pg_settings: Settings, tmp_path: Path) -> Iterator[tuple[Runtime, Runtime]]:
    """Two runtimes on one PostgreSQL database, each with its own var directory: two web hosts."""
    first = open_runtime(pg_settings)
    second = build_runtime(replace(pg_settings, var_dir=tmp_path / "host-b"), hasher=cheap_hasher())
    yield first, second
    second.close()
    first.close()


def test_evidence_is_stored_and_read_back_through_the_service(runtime: Runtime) -> None:
    done = record_with_evidence(runtime)
    found = runtime.services.activities.evidence(done.teacher, done.activity, done.sha256)
    assert (found.name, found.content_type, found.data) == ("公开课.jpg", "image/jpeg", PHOTO)
    on_postgres = not runtime.settings.is_sqlite
    blobs = runtime.services.activities.ctx.blobs
    assert isinstance(blobs, DatabaseBlobStore if on_postgres else FileBlobStore)
    # On PostgreSQL nothing of it is on the host's disk; the embedded default keeps it there.
    assert (runtime.settings.var_dir / "blobs").exists() is not on_postgres


@pytest.mark.postgres
def test_two_hosts_on_one_database_read_each_others_evidence(
    two_hosts: tuple[Runtime, Runtime],
) -> None:
    runtime, other_host = two_hosts
    done = record_with_evidence(runtime)
    other_host.catch_up()
    found = other_host.services.activities.evidence(done.teacher, done.activity, done.sha256)
    assert found.data == PHOTO
    assert not (other_host.settings.var_dir / "blobs").exists()


@pytest.mark.postgres
def test_migrate_copies_the_disk_files_into_the_database_once(
    pg_settings: Settings, tmp_path: Path
) -> None:
    store_settings = pg_settings
    on_disk = replace(store_settings, blob_store="files")
    before = open_runtime(on_disk)
    try:
        done = record_with_evidence(before)
    finally:
        before.close()
    assert FileBlobStore(on_disk.var_dir / "blobs").get(done.sha256) == PHOTO
    env = {
        "JGT_DATABASE_URL": store_settings.database_url,
        "JGT_VAR_DIR": str(store_settings.var_dir),
        "JGT_SECRET_KEY": "test-secret",
    }
    first = CliRunner().invoke(main, ["evidence", "migrate"], env=env)
    assert first.exit_code == 0, first.output
    assert "copied 1 files, 0 already in the database" in first.output
    again = CliRunner().invoke(main, ["evidence", "migrate"], env=env)
    assert again.exit_code == 0, again.output
    assert "copied 0 files, 1 already in the database" in again.output
    # Another host, with nothing on its disk, now serves the file from the database.
    after = build_runtime(
        replace(store_settings, var_dir=tmp_path / "new-host"), hasher=cheap_hasher()
    )
    try:
        after.catch_up()
        found = after.services.activities.evidence(done.teacher, done.activity, done.sha256)
        assert found.data == PHOTO
    finally:
        after.close()


def test_a_refused_record_leaves_no_file_behind(runtime: Runtime) -> None:
    done = record_with_evidence(runtime)
    refused_photo = b"\xff\xd8\xff\xe0 a photo of a record that is refused"
    with pytest.raises(DomainError, match="活动需要标题"):
        runtime.services.activities.record(
            done.teacher,
            done.community,
            kind=TaskKind.DEMO_LESSON,
            title="",
            occurred_on=date(2025, 3, 4),
            uploads=[Upload("refused.jpg", "image/jpeg", refused_photo)],
        )
    blobs = runtime.services.activities.ctx.blobs
    assert blobs.get(sha256(refused_photo).hexdigest()) is None
    assert blobs.get(done.sha256) == PHOTO  # the accepted one is kept


def test_an_mp4_must_start_with_its_ftyp_box() -> None:
    real = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 64
    check_upload(Upload("课堂实录.mp4", "video/mp4", real))
    with pytest.raises(DomainError, match="文件内容与类型不符"):
        check_upload(Upload("renamed.mp4", "video/mp4", b"MZ\x90\x00 an executable renamed"))


def test_the_size_the_message_names_is_the_size_a_request_may_carry(runtime: Runtime) -> None:
    app = create_app(runtime=runtime)
    assert app.config["MAX_CONTENT_LENGTH"] > MAX_EVIDENCE_BYTES  # one file and its form fit
    with pytest.raises(DomainError, match=f"{MAX_EVIDENCE_BYTES // (1024 * 1024)} MB"):
        check_upload(
            Upload("big.jpg", "image/jpeg", b"\xff\xd8\xff" * (MAX_EVIDENCE_BYTES // 3 + 1))
        )
