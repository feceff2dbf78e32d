"""The event store: eventsourcing-sqlalchemy over PostgreSQL (psycopg2) or a SQLite file.

Tables are created only by ``jgt db init``; web and projection workers start with table creation
off, because concurrent DDL from several processes races.
"""

from __future__ import annotations

from typing import Any

from eventsourcing.persistence import InfrastructureFactory
from eventsourcing.utils import Environment
from eventsourcing_sqlalchemy.datastore import SQLAlchemyDatastore
from eventsourcing_sqlalchemy.factory import SQLAlchemyFactory

from infra.settings import Settings
from services.platform import Platform


def engine_options(url: str) -> dict[str, Any]:
    if url.startswith("postgresql"):
        # Small pools: several gunicorn workers and projection workers share one server.
        return {"pool_size": 3, "max_overflow": 4, "pool_pre_ping": True, "pool_recycle": 1800}
    return {}


class StoreFactory(SQLAlchemyFactory):
    """The adapter's factory with our engine options (pool sizes) instead of the defaults."""

    def __init__(self, env: Environment) -> None:
        InfrastructureFactory.__init__(self, env)
        self._schema_name = self.env.get(self.SQLALCHEMY_SCHEMA)
        url = self.env.get(self.SQLALCHEMY_URL)
        self.datastore = self.datastore_class(url=url, **engine_options(url or ""))


def store_env(database_url: str, *, create_tables: bool = False) -> dict[str, str]:
    return {
        "PERSISTENCE_MODULE": f"{StoreFactory.__module__}:{StoreFactory.__qualname__}",
        "SQLALCHEMY_URL": database_url,
        "CREATE_TABLE": "yes" if create_tables else "no",
    }


def open_platform(settings: Settings, *, create_tables: bool = False) -> Platform:
    return Platform(env=store_env(settings.database_url, create_tables=create_tables))


def datastore_of(platform: Platform) -> SQLAlchemyDatastore:
    datastore = platform.factory.datastore  # type: ignore[attr-defined]
    assert isinstance(datastore, SQLAlchemyDatastore)
    return datastore
