"""Hostile documents never make :func:`sasref.profiles.validate` raise: random JSON values are
planted anywhere in valid instances (deterministic seed); wrong JSON shapes are reported."""

from __future__ import annotations

import copy
import random
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from sasref.profiles import has_errors, validate
from sasref.testing_builders import (
    build_appointment,
    build_cpts_bundle,
    build_ps_bundle,
    build_regulator,
    build_sos_bundle,
)

BUILDERS: list[Callable[[], dict[str, Any]]] = [
    lambda: build_ps_bundle(2, 24, slots_per_practitioner=2),
    build_cpts_bundle,
    build_sos_bundle,
    build_appointment,
    lambda: build_appointment(sos=True),
    build_regulator,
]
VALUES: list[Any] = [
    None, "", "x", 0, -1, 1.5, True, [], {}, [None], [1], {"a": 1}, ["x"], [{}], "Slot/x", "#x",
    {"reference": 5}, {"reference": "#nope"}, {"coding": "x"}, {"coding": [1]},
]  # fmt: skip


def _paths(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    items = (
        node.items()
        if isinstance(node, dict)
        else enumerate(node)
        if isinstance(node, list)
        else ()
    )
    for key, value in items:
        yield from _paths(value, (*path, key))


@pytest.mark.parametrize("seed", range(8))
def test_random_values_anywhere_never_raise(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(120):
        doc = rng.choice(BUILDERS)()
        paths = list(_paths(doc))[1:]
        for _ in range(rng.randint(1, 3)):
            path = rng.choice(paths)
            node: Any = doc
            try:
                for key in path[:-1]:
                    node = node[key]
                node[path[-1]] = copy.deepcopy(rng.choice(VALUES))
            except (KeyError, IndexError, TypeError):
                continue
        for mode in ("strict", "tolerant"):
            outcome = validate(doc, mode=mode)
            assert outcome["resourceType"] == "OperationOutcome"


@pytest.mark.parametrize(
    ("key", "value", "expression"),
    [
        pytest.param("specialty", "SM54", "Bundle.entry[0].resource.specialty", id="string-array"),
        pytest.param("schedule", "Schedule/x", "Bundle.entry[0].resource.schedule", id="ref-str"),
        pytest.param("meta", [], "Bundle.entry[0].resource.meta", id="meta-array"),
    ],
)
def test_wrong_json_shapes_are_structure_errors(key: str, value: Any, expression: str) -> None:
    doc = build_ps_bundle(1, 24, slots_per_practitioner=1)
    doc["entry"][0]["resource"][key] = value
    outcome = validate(doc, mode="tolerant")
    assert has_errors(outcome)
    assert ("structure", [expression]) in [
        (i["code"], i.get("expression")) for i in outcome["issue"] if i["severity"] == "error"
    ], outcome
