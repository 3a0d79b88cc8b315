"""Settings of the SAS platform app (issue 4 item 4).

Everything the factory needs is here, injected: nothing is read from the environment at import
time, so one process can hold several platforms (tests, notebooks, the demo).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

import httpx

from sasref.aggregator import DEFAULT_CALL_DEADLINE, DEFAULT_OVERALL_DEADLINE, FanOutHttp
from sasref.clock import Clock, SystemClock
from sasref.directory.model import EditorInfo
from sasref.monitoring.settings import MonitoringSettings

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from sasref.directory import Directory
    from sasref.marketplace import MarketplaceEditor
    from sasref.platform.agendas import AgendaSource


def default_lrm_origins() -> frozenset[str]:
    """The registered LRMs: one SAMU per département, ``affectation_authority`` = ``samuNN``."""
    from sasref.directory.geo import DEPARTMENTS

    return frozenset(f"samu{code.lower()}" for code in DEPARTMENTS)


@dataclass
class PlatformSettings:
    """Configuration of :func:`sasref.platform.create_app`.

    ``directory`` is the national directory to search (built by the caller, e.g. from the mock
    population); ``http_client`` the client to the editors: an ``httpx.AsyncClient`` (e.g. on an
    in-process fleet) or a :class:`~sasref.aggregator.FanOutHttp`, ``None`` for the aiohttp
    socket client :func:`~sasref.aggregator.fanout_http_client` made and closed by the app;
    ``database_url`` ``None`` means the SQLite default of :mod:`sasref.storage`.
    ``lrm_origins`` ``None`` means one SAMU per département. ``agendas`` ``None`` reads the SAS
    agendas from the database.

    ``editors`` are the configured editors (settings, ``--editor``); the platform adds those saved
    in the database by ``POST /api/v1/editors``, the configuration winning on a name clash.
    """

    directory: Directory | None = None
    editors: Sequence[EditorInfo] = ()
    database_url: str | None = None
    #: An engine already made (tests, a shared pool); wins over ``database_url``.
    engine: Engine | None = None
    population_seed: int | None = None
    clock: Clock = field(default_factory=SystemClock)
    call_deadline: float = DEFAULT_CALL_DEADLINE
    overall_deadline: float = DEFAULT_OVERALL_DEADLINE
    validate_answers: bool = True
    http_client: httpx.AsyncClient | FanOutHttp | None = None
    lrm_origins: frozenset[str] | None = None
    page_size: int = 5
    title: str = "SAS — recherche de disponibilités"
    #: SAS-agenda slots: ``None`` reads the database (:mod:`sasref.storage`).
    agendas: AgendaSource | None = None
    #: Record each search in the search log (storage); off for benchmarks.
    log_searches: bool = True
    #: Save the aggregator's learned routing in the database (written behind the searches) and
    #: reload it at start; ``False`` keeps it in memory only.
    persist_routing: bool = True
    #: At most this many seconds between two writes of the learned routing.
    routing_flush_seconds: float = 5.0
    #: Saved routes older than this are not reloaded at start (re-asked to the whole fleet
    #: once); ``None`` reloads them all.
    routing_max_age: timedelta | None = timedelta(days=30)
    #: The marketplace editors ("place de marché") the results page links to
    #: (:mod:`sasref.marketplace`, ``GET /marketplace/api/v1/editors``).
    marketplaces: Sequence[MarketplaceEditor] = ()
    #: Editor monitoring: windows, alert and deactivation thresholds, probes (issue 12).
    monitoring: MonitoringSettings = field(default_factory=MonitoringSettings)
    #: At most this many seconds between two writes of the activity indicators (``None``: only
    #: at ``flush()`` and shutdown).
    indicators_flush_seconds: float | None = 2.0
    #: A regulator's technical id → the département of their SAMU, for the indicators
    #: (``None``: the SAMU comes from the LRM origin of a contextual search, else "inconnu").
    regulator_samu: Callable[[str], str | None] | None = None
