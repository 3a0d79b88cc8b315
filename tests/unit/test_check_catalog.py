"""The catalog of ``sasref check``: stable, unique ids tied to known requirements, every
requirement verified or explained, every check judged, and ``docs/check.md`` generated from it
(``python -m sasref.conformance.coverage --write docs/check.md``)."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest

from sasref.clock import PARIS
from sasref.conformance import CHECKS, REQUIREMENTS
from sasref.conformance.catalog import GROUPS, SEARCH_USE_CASES
from sasref.conformance.coverage import checks_markdown, coverage_markdown, update_document
from sasref.conformance.plan import search_plan
from sasref.conformance.search import SearchSettings, evaluate_search

DOC = Path(__file__).resolve().parents[2] / "docs" / "check.md"
_ID = re.compile(r"^(metadata|ps|cpts|sos|accounts|tls)\.[a-z0-9]+(-[a-z0-9]+)*$")


def test_ids_are_stable_shaped_and_grouped() -> None:
    for check_id, spec in CHECKS.items():
        assert _ID.match(check_id), check_id
        assert spec.id == check_id and check_id.startswith(spec.group + ".")
        assert spec.title and not spec.title.endswith("."), check_id
    groups = [spec.group for spec in CHECKS.values()]
    assert groups == sorted(groups, key=GROUPS.index)  # report order


def test_every_check_cites_known_requirements() -> None:
    for spec in CHECKS.values():
        assert spec.requirements, spec.id
        unknown = [r for r in spec.requirements if r not in REQUIREMENTS]
        assert unknown == [], spec.id


def test_every_requirement_is_verified_or_says_why_not() -> None:
    verified = {r for spec in CHECKS.values() for r in spec.requirements}
    for rid, req in REQUIREMENTS.items():
        assert (rid in verified) != (req.not_tested is not None), rid
        assert req.level in ("SHALL", "SHOULD") and req.url.startswith("http"), rid


@pytest.mark.parametrize("use_case", SEARCH_USE_CASES)
def test_every_search_check_is_judged(use_case: str) -> None:
    # no exchange at all: every check of the use case still gets a verdict, none errors
    now = datetime(2024, 6, 12, 8, tzinfo=PARIS)
    plan = search_plan(use_case, "https://e.test/fhir", ("810002673899",), now)
    results = evaluate_search(plan, {}, SearchSettings())
    expected = [c for c in CHECKS if c.startswith(use_case + ".")]
    assert [r.id for r in results] == expected
    assert {r.verdict.value for r in results} <= {"skip", "fail", "pass"}


def test_docs_check_md_holds_the_generated_tables() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert update_document(text) == text, "run: python -m sasref.conformance.coverage --write "
    assert checks_markdown() in text and coverage_markdown() in text
    assert all(f"`{check_id}`" in text for check_id in CHECKS)


def test_update_document_needs_its_markers() -> None:
    with pytest.raises(ValueError, match="markers"):
        update_document("# no markers here\n")
