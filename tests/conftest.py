"""Project-wide test fixtures (kept thin: path helpers live in ``tests/_shared.py``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from _shared import require_shared


@pytest.fixture
def shared_dir() -> Path:
    """The ``../shared`` directory; the test skips (fails under ``CI``) when it is absent."""
    return require_shared()
