"""Storage fixtures: every repository test runs on SQLite and on a real PostgreSQL.

See :mod:`sasref.storage.testing`: without ``$SASREF_TEST_POSTGRES_URL`` the postgres half skips
loudly, and fails when ``SASREF_REQUIRE_SERVICES=1`` (CI). One schema / file per test.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

from sasref.clock import PARIS, FixedClock
from sasref.storage.testing import backend_params, isolated_engine


@pytest.fixture(params=backend_params())
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    with isolated_engine(request.param, tmp_path) as eng:
        yield eng


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 3, 27, 10, 0, tzinfo=PARIS))
