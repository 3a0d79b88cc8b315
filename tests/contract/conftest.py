"""Fixtures shared by the contract tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sasref.storage.testing import backend_params, isolated_engine


@pytest.fixture(params=backend_params())
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, Any]]:
    """Platform settings naming one database: a SQLite URL, or a PostgreSQL engine (a schema)."""
    if request.param == "sqlite":
        yield {"database_url": f"sqlite:///{tmp_path / 'platform.sqlite3'}"}
        return
    with isolated_engine("postgres", tmp_path) as engine:
        yield {"engine": engine}
