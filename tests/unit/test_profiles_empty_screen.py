"""The C-speed screen of the "no empty element" rule (digest §2.1, FAQ 14) never hides one.

``_has_empty`` first looks for ``""``/``null``/``[]``/``{}`` in the compact JSON of the tree and
only walks it when one is there: the screen may send harmless trees to the walk, it must never
answer "nothing empty" for a tree that has an empty string, array, object or a null.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from sasref.profiles.common import _has_empty


def _walk_reference(node: Any) -> bool:
    """The rule, written plainly (the behaviour the fast version must keep)."""
    if node.__class__ is dict:
        values: Any = node.values()
    elif node.__class__ is list:
        values = node
    else:
        return False
    if not values:
        return True
    for value in values:
        if value is None or (value.__class__ is str and not value):
            return True
        if _walk_reference(value):
            return True
    return False


_ATOMS = st.one_of(
    st.sampled_from(["", "a", '""', "[]", "{}", "null", 'x"', "\\", "é"]),
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(allow_nan=True),
    st.tuples(),
)
_TREES = st.recursive(
    _ATOMS,
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(st.sampled_from(["a", "b", "", "c"]), children, max_size=3),
    ),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None)
@given(_TREES)
def test_screen_agrees_with_the_plain_rule(tree: Any) -> None:
    root = {"resourceType": "Slot", "x": tree}
    assert _has_empty(root) is _walk_reference(root)


def test_text_that_merely_looks_empty_is_not_empty() -> None:
    root = {"resourceType": "Slot", "comment": 'texte "" [] {} null', "id": "a"}
    assert _has_empty(root) is False


def test_each_kind_of_empty_is_found() -> None:
    empties: tuple[Any, ...] = ("", [], {}, None)
    for empty in empties:
        assert _has_empty({"resourceType": "Slot", "nested": [{"v": empty}]}) is True
