"""Settings, read once from the environment. The README's configuration table lists them."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    database_url: str
    redis_url: str | None
    secret_key: str
    var_dir: Path
    #: Run the projections in the web process (the embedded default) instead of in workers.
    embedded_projections: bool
    login_attempts: int
    login_window_seconds: int
    read_your_writes_timeout: float
    password_time_cost: int
    password_memory_cost: int
    #: How long a projection worker's lease outlives the worker if it dies without releasing it.
    lease_ttl_seconds: float = 15.0
    #: Prefix of every Redis key (leases, rate limits, cached figures), so deployments can share
    #: one Redis.
    redis_prefix: str = "jgt:"

    #: Reverse proxies in front of the app whose X-Forwarded-For/-Proto headers are trusted.
    proxy_hops: int = 0
    #: Writes (POST, PUT, PATCH, DELETE) one user may make through the JSON API in the window.
    api_writes: int = 120
    api_write_window_seconds: int = 60
    #: Where evidence files live: "files" (under var/blobs, one host) or "database" (the store's
    #: own database, which every host reads). Default: "database" on PostgreSQL, "files" on SQLite.
    blob_store: str = "files"
    #: Failed sign-ins per login name, and per address, from anywhere in the window: backstops far
    #: above ``login_attempts`` (per name *and* address), so guessing at a name slows the guesser
    #: and nobody can lock a colleague or a school's shared address out with five wrong tries.
    login_name_attempts: int = 50
    login_address_attempts: int = 100

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def _secret_key(var_dir: Path) -> str:
    # The embedded default keeps a generated key under var/ so sessions survive a restart.
    path = var_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


def _at_least_one(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name, str(default))
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise ValueError(
            f"{name} 应为不小于1的整数 / {name} must be a whole number of at least 1, not {raw!r}"
        )
    return value


def _blob_store(env: dict[str, str], database_url: str) -> str:
    default = "files" if database_url.startswith("sqlite") else "database"
    value = env.get("JGT_BLOB_STORE") or default
    if value not in ("files", "database"):
        raise ValueError(
            f"JGT_BLOB_STORE 应为 files 或 database / JGT_BLOB_STORE is files or database, "
            f"not {value!r}"
        )
    return value


def load_settings(env: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ if env is None else env)
    var_dir = Path(env.get("JGT_VAR_DIR", "var")).resolve()
    database_url = env.get("JGT_DATABASE_URL") or f"sqlite:///{var_dir / 'jgt.sqlite3'}"
    redis_url = env.get("JGT_REDIS_URL") or None
    embedded = env.get("JGT_EMBEDDED_PROJECTIONS")
    return Settings(
        database_url=database_url,
        redis_url=redis_url,
        secret_key=env.get("JGT_SECRET_KEY") or _secret_key(var_dir),
        var_dir=var_dir,
        embedded_projections=(
            embedded.lower() in {"1", "true", "yes"}
            if embedded
            else database_url.startswith("sqlite")
        ),
        login_attempts=int(env.get("JGT_LOGIN_ATTEMPTS", "5")),
        proxy_hops=int(env.get("JGT_PROXY_HOPS", "0")),
        login_window_seconds=int(env.get("JGT_LOGIN_WINDOW_SECONDS", "300")),
        read_your_writes_timeout=float(env.get("JGT_READ_YOUR_WRITES_TIMEOUT", "3.0")),
        password_time_cost=int(env.get("JGT_PASSWORD_TIME_COST", "2")),
        password_memory_cost=int(env.get("JGT_PASSWORD_MEMORY_COST", "19456")),
        lease_ttl_seconds=float(env.get("JGT_LEASE_TTL_SECONDS", "15")),
        redis_prefix=env.get("JGT_REDIS_PREFIX", "jgt:"),
        api_writes=_at_least_one(env, "JGT_API_WRITES", 120),
        api_write_window_seconds=_at_least_one(env, "JGT_API_WRITE_WINDOW_SECONDS", 60),
        blob_store=_blob_store(env, database_url),
        login_name_attempts=_at_least_one(env, "JGT_LOGIN_NAME_ATTEMPTS", 50),
        login_address_attempts=_at_least_one(env, "JGT_LOGIN_ADDRESS_ATTEMPTS", 100),
    )
