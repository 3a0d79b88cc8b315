"""The fan-out's JSON reader (issue 4 §2, §8)."""

from __future__ import annotations

import json

import pytest

from sasref.aggregator.client import _loads


def test_loads_reads_what_the_standard_library_reads() -> None:
    bundle = {"resourceType": "Bundle", "type": "searchset", "total": 0, "é": "ü"}
    assert _loads(json.dumps(bundle).encode()) == bundle
    # orjson refuses these; the fallback keeps them readable as before
    assert _loads(json.dumps(bundle).encode("utf-16")) == bundle
    assert _loads(b'{"n": 123456789012345678901234567890}') == {"n": 123456789012345678901234567890}


def test_loads_garbage_raises_value_error() -> None:
    with pytest.raises(ValueError):
        _loads(b"<html>oops</html>")
