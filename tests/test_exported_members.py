"""``sasref.fhir`` exports exactly its public vocabulary, sorted, and stays cheap to import."""

from __future__ import annotations

import inspect
import re
import subprocess
import sys
from types import ModuleType

import sasref.fhir
from sasref.fhir import codes, datetimes, identifiers, specialities, systems

_NOT_VOCABULARY = {"annotations", "Final", "Any", "dataclass", "field", "Mapping", "TypeVar"}


def _public(module: ModuleType) -> set[str]:
    explicit = getattr(module, "__all__", None)
    if explicit is not None:
        return set(explicit)
    names = set()
    for name, value in vars(module).items():
        if name.startswith("_") or name in _NOT_VOCABULARY or inspect.ismodule(value):
            continue
        names.add(name)
    return names


def test_all_is_exactly_the_public_vocabulary() -> None:
    expected = set().union(
        *(_public(m) for m in (systems, codes, identifiers, datetimes, specialities))
    )
    assert set(sasref.fhir.__all__) == expected
    assert len(sasref.fhir.__all__) == len(expected)  # no duplicates


def test_all_is_sorted_isort_style() -> None:
    # ruff RUF022: CONSTANTS, then Classes, then functions, numbers compared naturally.
    def key(name: str) -> tuple[int, list[str | int]]:
        kind = 0 if name.isupper() else 1 if name[0].isupper() else 2
        parts = re.split(r"(\d+)", name)
        return kind, [int(p) if i % 2 else p for i, p in enumerate(parts)]

    assert sasref.fhir.__all__ == sorted(sasref.fhir.__all__, key=key)


def test_every_exported_name_resolves_to_the_submodule_object() -> None:
    for name in sasref.fhir.__all__:
        value = getattr(sasref.fhir, name)
        owners = [
            m for m in (systems, codes, identifiers, datetimes, specialities) if name in _public(m)
        ]
        assert len(owners) == 1, name
        assert getattr(owners[0], name) is value, name


def test_submodule_all_lists_resolve() -> None:
    from sasref.fhir import models

    for module in (identifiers, datetimes, specialities, models):
        for name in module.__all__:
            assert hasattr(module, name), f"{module.__name__}.{name}"


def test_import_does_not_load_fhir_models() -> None:
    code = "import sys, sasref.fhir; print('fhir.resources' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "False"
