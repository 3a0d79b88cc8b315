"""The reader's per-entry shortcuts are invisible (aggregator reading of an editor answer).

``read_bundle`` checks an answer in tolerant mode and walks it; to keep that cheap the profile
check keeps one verdict per distinct entry (and derives the "no empty element" screen of the
whole Bundle from them), the walk one reading per distinct Slot, the consolidation one text per
distinct instant. None of this may change a result: these tests compare cold and warm runs,
moved entries, and the shortcuts against the plain rules.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from sasref.aggregator.consolidate import iso_ms
from sasref.aggregator.offers import check_profiles
from sasref.clock import PARIS
from sasref.fhir.systems import EXT_SLOT_SERVICE_TYPE_R5, Profile
from sasref.profiles import entries as profile_entries
from sasref.profiles import validate
from sasref.profiles.common import _has_empty
from sasref.search import walk as search_walk
from sasref.search import walk_searchset

_BASE = "https://e.test/fhir"


def _entry(resource: dict[str, Any], mode: str = "include") -> dict[str, Any]:
    return {
        "fullUrl": f"{_BASE}/{resource['resourceType']}/{resource['id']}",
        "resource": resource,
        "search": {"mode": mode},
    }


def _slot(sid: str, schedule: str, hcs: str | None = None) -> dict[str, Any]:
    slot: dict[str, Any] = {
        "resourceType": "Slot",
        "id": sid,
        "schedule": {"reference": schedule},
        "status": "free",
        "start": "2024-06-12T11:00:00.000+02:00",
        "end": "2024-06-12T11:20:00.000+02:00",
        "specialty": [{"text": "Médecine générale"}],  # text only: a walker problem
    }
    if hcs is not None:
        slot["serviceType"] = [
            {"extension": [{"url": EXT_SLOT_SERVICE_TYPE_R5, "valueReference": {"reference": hcs}}]}
        ]
    return slot


def _bundle(*entries: dict[str, Any]) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": sum(1 for e in entries if e["resource"]["resourceType"] == "Slot"),
        "link": [{"relation": "self", "url": f"{_BASE}/Slot?x=1"}],
        "entry": list(entries),
    }


def _ps_answer(schedule: str = "Schedule/s1") -> dict[str, Any]:
    return _bundle(
        _entry(_slot("a", schedule), "match"),
        _entry(_slot("b", schedule, hcs="HealthcareService/h1"), "match"),
        _entry(
            {
                "resourceType": "Schedule",
                "id": "s1",
                "actor": [{"reference": "Practitioner/p1"}, {"reference": "PractitionerRole/r1"}],
            }
        ),
        _entry(
            {
                "resourceType": "Practitioner",
                "id": "p1",
                "identifier": [{"system": "urn:oid:1.2.250.1.71.4.2.1", "value": "10003000002"}],
            }
        ),
        _entry(
            {
                "resourceType": "PractitionerRole",
                "id": "r1",
                "practitioner": {"reference": "Practitioner/p1"},
            }
        ),
        _entry({"resourceType": "HealthcareService", "id": "h1", "name": "CPTS"}),
    )


def _forget() -> None:
    profile_entries.ENTRY_VERDICTS.clear()
    search_walk._SLOTS.clear()


def test_validation_is_the_same_cold_warm_and_moved() -> None:
    answer = _ps_answer()
    for mode in ("strict", "tolerant"):
        _forget()
        cold = validate(answer, mode=mode)
        warm = validate(answer, mode=mode)
        assert json.dumps(cold) == json.dumps(warm)
    moved = copy.deepcopy(answer)
    moved["entry"].reverse()  # every known entry now sits at another index
    _forget()
    cold_moved = validate(moved, mode="tolerant")
    validate(answer, mode="tolerant")
    assert json.dumps(validate(moved, mode="tolerant")) == json.dumps(cold_moved)
    assert not any("\x00" in json.dumps(i) for i in cold_moved["issue"])


def test_a_repeated_entry_is_reported_at_each_place() -> None:
    answer = _ps_answer()
    answer["entry"].append(copy.deepcopy(answer["entry"][0]))  # same fullUrl twice: bdl-7
    _forget()
    outcome = validate(answer, mode="tolerant")
    where = [e for i in outcome["issue"] for e in i.get("expression", ())]
    assert "Bundle.entry[6].fullUrl" in where
    assert json.dumps(validate(answer, mode="tolerant")) == json.dumps(outcome)


def test_check_profiles_reads_the_outcome_errors() -> None:
    """Counted and quoted as from validate()'s OperationOutcome (its order: by severity)."""
    answer = _ps_answer()
    answer["entry"][2]["resource"]["actor"].append({"reference": "Location/nowhere"})
    del answer["entry"][1]["fullUrl"]
    outcome = validate(answer, mode="tolerant")
    errors = [i for i in outcome["issue"] if i["severity"] in ("error", "fatal")]
    expected = tuple(f"{', '.join(i['expression'])}: {i['diagnostics']}"[:200] for i in errors[:3])
    assert len(errors) >= 2
    assert check_profiles(answer) == (len(errors), expected)


_JSON = st.recursive(
    st.one_of(st.none(), st.sampled_from(["", "x", "null", "[]"]), st.integers(-3, 3)),
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(st.sampled_from(["a", "b", "_c"]), children, max_size=3),
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(
    top=st.dictionaries(st.sampled_from(["meta", "link", "total", "id"]), _JSON, max_size=3),
    entries=st.lists(st.dictionaries(st.sampled_from(["fullUrl", "x"]), _JSON), max_size=3),
    resources=st.lists(_JSON, max_size=3),
)
def test_the_empty_screen_from_verdicts_is_the_plain_rule(
    top: dict[str, Any], entries: list[dict[str, Any]], resources: list[Any]
) -> None:
    for entry, resource in zip(entries, resources, strict=False):
        entry["resource"] = resource
    bundle = {"resourceType": "Bundle", **top, "entry": entries}
    verdicts = profile_entries.entry_verdicts(entries, Profile.BUNDLE_PS, False)
    assert profile_entries.bundle_has_empty(bundle, verdicts) is _has_empty(bundle)


def test_the_walk_is_the_same_cold_and_warm() -> None:
    _forget()
    cold = repr(walk_searchset(_ps_answer()))
    assert search_walk._SLOTS
    assert repr(walk_searchset(_ps_answer())) == cold
    assert "text-only-specialty" in cold


def test_a_known_slot_follows_its_own_answer() -> None:
    """A Slot's reading is cached; what it points to is resolved in each answer."""
    _forget()
    walk_searchset(_ps_answer())
    other = _ps_answer()
    other["entry"][5]["resource"]["providedBy"] = {"reference": "Organization/nowhere"}
    del other["entry"][4]  # no PractitionerRole: the slots' place changes
    warm = walk_searchset(other)
    _forget()
    assert repr(walk_searchset(other)) == repr(warm)
    problems = [p.code for p in warm.problems]
    assert problems.count("unresolved-reference") >= 1


def test_instants_are_formatted_as_isoformat() -> None:
    summer = datetime(2024, 6, 12, 11, 0, tzinfo=PARIS)
    same_instant = summer.astimezone(UTC)  # equal, another text
    assert summer == same_instant
    assert iso_ms(summer) == "2024-06-12T11:00:00.000+02:00"
    assert iso_ms(same_instant) == "2024-06-12T09:00:00.000+00:00"
    first = datetime(2024, 10, 27, 2, 30, tzinfo=PARIS)  # the hour that happens twice
    second = first.replace(fold=1)
    assert iso_ms(first) == first.isoformat(timespec="milliseconds")
    assert iso_ms(second) == second.isoformat(timespec="milliseconds")
    assert iso_ms(first) != iso_ms(second)
    fixed = datetime(2024, 6, 12, 11, 0, 0, 123456, tzinfo=timezone(timedelta(hours=2)))
    assert iso_ms(fixed) == "2024-06-12T11:00:00.123+02:00"


def test_python_values_do_not_share_a_reading_with_their_json_twin() -> None:
    """A datetime serialises like its text: it must not reuse the text's verdict or reading."""
    text = "2024-06-12T11:00:00+02:00"
    as_text = _ps_answer()
    as_text["entry"][0]["resource"]["start"] = text
    as_object = copy.deepcopy(as_text)
    as_object["entry"][0]["resource"]["start"] = datetime.fromisoformat(text)
    _forget()
    cold_outcome = json.dumps(validate(as_object, mode="tolerant"), default=str)
    cold_walk = repr(walk_searchset(as_object))
    _forget()
    validate(as_text, mode="tolerant")
    walk_searchset(as_text)
    assert json.dumps(validate(as_object, mode="tolerant"), default=str) == cold_outcome
    assert repr(walk_searchset(as_object)) == cold_walk
    assert "invalid-date" in cold_walk
