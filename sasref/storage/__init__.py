"""Persistence of sasref (issue 4 item 5): SQLAlchemy 2, SQLite file by default, PostgreSQL by URL.

Repositories are synchronous, with keyword-only methods, each call in its own transaction; async
code calls them in a worker thread (``await anyio.to_thread.run_sync(partial(repo.get, ...))``).
"""

from __future__ import annotations

from sasref.storage.agenda import AgendaRepository
from sasref.storage.appointments import (
    AppointmentRecord,
    AppointmentRepository,
    StatusChange,
    UpsertResult,
)
from sasref.storage.editors import EditorRecord, EditorRepository
from sasref.storage.engine import (
    DEFAULT_DATABASE_URL,
    create_engine_from_url,
    default_database_url,
    drop_db,
    init_db,
)
from sasref.storage.indicators import IndicatorRepository, IndicatorRow
from sasref.storage.monitoring import MonitoringRepository
from sasref.storage.orientations import OrientationEntry, OrientationRepository
from sasref.storage.regulators import RegulatorRecord, RegulatorRepository, SyncState
from sasref.storage.routing import LearnedRoute, NobodyRoute, RoutingRepository, RoutingState
from sasref.storage.searchlog import SearchLogEntry, SearchLogRepository

__all__ = [
    "DEFAULT_DATABASE_URL",
    "AgendaRepository",
    "AppointmentRecord",
    "AppointmentRepository",
    "EditorRecord",
    "EditorRepository",
    "IndicatorRepository",
    "IndicatorRow",
    "LearnedRoute",
    "MonitoringRepository",
    "NobodyRoute",
    "OrientationEntry",
    "OrientationRepository",
    "RegulatorRecord",
    "RegulatorRepository",
    "RoutingRepository",
    "RoutingState",
    "SearchLogEntry",
    "SearchLogRepository",
    "StatusChange",
    "SyncState",
    "UpsertResult",
    "create_engine_from_url",
    "default_database_url",
    "drop_db",
    "init_db",
]
