"""Test helpers: run storage-backed tests on SQLite **and** a real PostgreSQL.

```python
import pytest
from sasref.storage.testing import backend_params, isolated_engine

@pytest.fixture(params=backend_params())
def engine(request, tmp_path):
    with isolated_engine(request.param, tmp_path) as eng:
        yield eng
```

PostgreSQL comes from ``$SASREF_TEST_POSTGRES_URL`` (written to ``scripts/services.env`` by
``scripts/system-deps``). Without it the postgres half skips with a loud reason, unless
``SASREF_REQUIRE_SERVICES=1`` (CI), where it fails. Each PostgreSQL use gets a fresh schema,
dropped afterwards; each SQLite use a fresh file under the given directory. pytest is imported
lazily: this module is for test suites only.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

from sasref.storage.engine import create_engine_from_url, init_db

POSTGRES_ENV = "SASREF_TEST_POSTGRES_URL"
REQUIRE_ENV = "SASREF_REQUIRE_SERVICES"


def backend_params() -> list[Any]:
    """``["sqlite", postgres (marked ``postgres``)]`` for ``@pytest.fixture(params=...)``."""
    import pytest

    return ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def postgres_url_or_skip() -> str:
    """The test PostgreSQL URL; skips loudly without one (fails under SASREF_REQUIRE_SERVICES=1)."""
    import pytest

    url = os.environ.get(POSTGRES_ENV)
    if url:
        return url
    reason = (
        f"!!! PostgreSQL tests SKIPPED: ${POSTGRES_ENV} is not set. Run "
        "`bash scripts/system-deps && source scripts/services.env` (or `make test`) to run them."
    )
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(reason.replace("SKIPPED", f"REQUIRED ({REQUIRE_ENV}=1)"))
    pytest.skip(reason)


@contextmanager
def isolated_engine(backend: str, directory: Path) -> Iterator[Engine]:
    """A migrated, empty database for one test: ``backend`` is ``sqlite`` or ``postgres``."""
    if backend == "sqlite":
        eng = create_engine_from_url(
            f"sqlite:///{directory / f'sasref-{uuid.uuid4().hex}.sqlite3'}"
        )
        try:
            init_db(eng)
            yield eng
        finally:
            eng.dispose()
        return
    if backend != "postgres":
        raise ValueError(f"unknown backend {backend!r}")
    base = create_engine_from_url(postgres_url_or_skip())
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with base.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        eng = base.execution_options(schema_translate_map={None: schema})
        init_db(eng)
        yield eng
    finally:
        with base.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        base.dispose()
