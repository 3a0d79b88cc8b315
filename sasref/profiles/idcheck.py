"""Check keys and prefixes of national identifiers, as warnings (IG digest §9, FAQ 7).

The IG's own examples fail some check keys (``810100050075``, FINESS ``810004421``): a key or
format problem is never more than a ``warning``. Results are cached: the same practitioners come
back in every search answer.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sasref.errors import InvalidIdentifier
from sasref.fhir import identifiers as ids
from sasref.profiles.outcome import Issues


@lru_cache(maxsize=8192)
def idnps_problem(value: str) -> str | None:
    """Why a prefixed IDNPS is suspicious (format or key), None when fine."""
    try:
        kind, raw = ids.split_prefixed_idnps(value)
    except InvalidIdentifier:
        return "is not a prefixed IDNPS (8+RPPS, 0+ADELI or structure staff id)"
    if not ids.has_valid_key(kind, raw):
        return f"fails the check key of its {kind.value}"
    return None


@lru_cache(maxsize=8192)
def idnst_problem(value: str) -> str | None:
    """Why a prefixed IDNST is suspicious (format or key), None when fine."""
    try:
        kind, raw = ids.split_prefixed_idnst(value)
    except InvalidIdentifier:
        return "is not a prefixed IDNST (1+FINESS, 3+SIRET, 4+RPPS rang, 0+ADELI rang)"
    if not ids.has_valid_key(kind, raw):
        return f"fails the check key of its {kind.value}"
    return None


def warn_idnps(value: Any, name: str, path: str, out: Issues) -> None:
    if isinstance(value, str):
        problem = idnps_problem(value)
        if problem:
            out.warning("value", f"{name}: IDNPS {value!r} {problem}", path)


def warn_idnst(value: Any, name: str, path: str, out: Issues) -> None:
    if isinstance(value, str):
        problem = idnst_problem(value)
        if problem:
            out.warning("value", f"{name}: IDNST {value!r} {problem}", path)
