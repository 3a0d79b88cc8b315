"""Where the read-only project material lives for tests: ``../shared`` beside the repository.

A user's clone has no ``../shared``: tests that need it call :func:`require_shared`, which skips
loudly, or fails when the ``CI`` environment variable is set (CI must run everything).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
IG_PACKAGE = SHARED / "ig" / "ans.fhir.fr.sas-1.2.0"


def require_shared(*parts: str) -> Path:
    """``SHARED / parts``, or skip (fail under ``CI``) with a clear reason when it is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        reason = f"../shared is absent: {path} not found (official IG material needed)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return path


#: What the tests that start ``sasref demo`` or ``sasref mocks editor`` as a process give
#: ``--clock``: a Tuesday morning, so the agendas they search are open whatever the hour or the day
#: the suite runs (a Friday evening's search with the system clock finds the weekend's empty days).
SOCKET_CLOCK = "2026-06-16T09:00"
