"""Engines and sessions: a SQLite file by default, PostgreSQL by URL (issue 4 item 5).

Why a *sync* SQLAlchemy engine: the async drivers would be ``aiosqlite`` (not installed) and
psycopg's async mode (PostgreSQL only); a single sync code path serves both databases, the
repositories stay small and testable, and the FastAPI layer calls them through
``anyio.to_thread.run_sync`` / ``starlette.concurrency.run_in_threadpool`` (each repository
call opens and closes its own short session, so calls are thread-safe).

URLs: ``sqlite:///./sasref.sqlite3`` (the default, or ``$SASREF_DATABASE_URL``), ``sqlite://``
(in memory, one shared connection), ``postgresql+psycopg://user:pw@host/db`` (a bare
``postgresql://`` is rewritten to use psycopg 3, the driver installed).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import StaticPool
from sqlalchemy.types import TypeDecorator

from sasref.errors import ConfigurationError

DEFAULT_DATABASE_URL = "sqlite:///./sasref.sqlite3"
DATABASE_URL_ENV = "SASREF_DATABASE_URL"


class Base(DeclarativeBase):
    """Declarative base of every sasref table (names prefixed ``sas_`` by the tables module)."""

    metadata = MetaData()


class UtcDateTime(TypeDecorator[datetime]):
    """Aware datetimes stored as UTC; SQLite (no time zone support) gets them back aware too."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("sasref stores aware datetimes only")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def default_database_url() -> str:
    """``$SASREF_DATABASE_URL`` or the SQLite file ``./sasref.sqlite3``."""
    return os.environ.get(DATABASE_URL_ENV) or DEFAULT_DATABASE_URL


def normalize_url(url: str) -> str:
    """Pick the installed driver for a PostgreSQL URL; refuse unknown back-ends clearly."""
    try:
        parsed = make_url(url)
    except Exception as exc:
        raise ConfigurationError(f"not a database URL: {url!r}") from exc
    backend = parsed.get_backend_name()
    if backend == "postgresql":
        if parsed.drivername in ("postgresql", "postgresql+psycopg2", "postgres"):
            parsed = parsed.set(drivername="postgresql+psycopg")
    elif backend != "sqlite":
        raise ConfigurationError(f"unsupported database {backend!r}: use sqlite or postgresql")
    return parsed.render_as_string(hide_password=False)


def create_engine_from_url(url: str | None = None, *, echo: bool = False) -> Engine:
    """An engine for ``url`` (default :func:`default_database_url`), SQLite with foreign keys on."""
    url = normalize_url(url or default_database_url())
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database in ("", ":memory:"):
            engine = create_engine(
                url,
                echo=echo,
                poolclass=StaticPool,
                connect_args={"check_same_thread": False},
            )
        else:
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(url, echo=echo, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def init_db(engine: Engine) -> None:
    """Create the missing tables (idempotent)."""
    from sasref.storage import tables  # noqa: F401  (registers the tables on Base.metadata)

    Base.metadata.create_all(engine)


def drop_db(engine: Engine) -> None:
    """Drop every sasref table (tests, ``reset`` commands)."""
    from sasref.storage import tables  # noqa: F401

    Base.metadata.drop_all(engine)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions whose objects stay readable after commit (repositories return plain records)."""
    return sessionmaker(engine, expire_on_commit=False)
