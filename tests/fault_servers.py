"""PostgreSQL and Redis servers of a test's own, on spare ports, that the test may stop and start.

Fault tests stop the servers they depend on; the shared ones (5432, 6379) serve every other test,
so these start their own. Without the binaries they skip, saying why (in CI they fail: see
``tests.services_available``). PostgreSQL refuses to run as root, so as root the cluster is made
and run as the ``postgres`` user.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.services_available import IN_CI

STARTUP_SECONDS = 30


def _missing(what: str) -> None:
    reason = f"{what} is not installed; the fault tests start their own"
    if IN_CI:
        pytest.fail(f"{reason}, and in CI they must run")
    pytest.skip(reason)


def spare_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _until_open(port: int, process: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the server on port {port} exited at start")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing answered on port {port} within {STARTUP_SECONDS} s")


class OwnRedis:
    def __init__(self, binary: str) -> None:
        self.binary = binary
        self.port = spare_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self._process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _until_open(self.port, self._process)

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            self._process.wait(timeout=10)
        self._process = None


class OwnPostgres:
    def __init__(self, bin_dir: Path, data_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.data_dir = data_dir
        self.port = spare_port()
        self.url = f"postgresql+psycopg2://postgres@127.0.0.1:{self.port}/postgres"
        self._as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def _run(self, *args: str) -> None:
        subprocess.run([*self._as_postgres, *args], check=True, capture_output=True, timeout=120)

    def create(self) -> None:
        self.data_dir.mkdir(parents=True)
        if self._as_postgres:
            owner = pwd.getpwnam("postgres")
            for path in (self.data_dir, self.data_dir.parent):
                os.chown(path, owner.pw_uid, owner.pw_gid)
        self._run(
            str(self.bin_dir / "initdb"), "-D", str(self.data_dir), "--auth=trust",
            "--username=postgres", "--no-sync",
        )  # fmt: skip

    def start(self) -> None:
        options = f"-p {self.port} -k {self.data_dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-o", options,
                  "-w", "-l", str(self.data_dir / "log"), "start")  # fmt: skip
        _until_open(self.port)

    def stop(self) -> None:
        self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-m", "fast",
                  "-w", "stop")  # fmt: skip


@pytest.fixture
def own_redis() -> Iterator[OwnRedis]:
    binary = shutil.which("redis-server")
    if binary is None:
        _missing("redis-server")
    server = OwnRedis(binary)  # type: ignore[arg-type]  # _missing does not return
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def own_postgres() -> Iterator[OwnPostgres]:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        _missing("PostgreSQL (initdb)")
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            _missing("the postgres user (PostgreSQL will not run as root)")
    # Outside pytest's temporary tree, which only root may enter: the postgres user must.
    parent = Path(tempfile.mkdtemp(prefix="jgt-fault-pg-"))
    server = OwnPostgres(Path(found[-1]).parent, parent / "data")
    server.create()
    server.start()
    try:
        yield server
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):
            server.stop()  # unless the test left it stopped
        shutil.rmtree(parent, ignore_errors=True)
