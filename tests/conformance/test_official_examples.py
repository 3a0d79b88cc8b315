"""Every official example of the IG package validated in both modes (IG digest §12).

Valid examples give no error; Slot-ExampleSlotPSIndiv3/5 and Bundle-ExampleBundlePSIndiv break
the required specialty binding (text-only specialty) in strict mode and pass with a warning in
tolerant mode. Skips loudly when ``../shared`` is absent (fails under CI).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from sasref.fhir.systems import Profile
from sasref.profiles import detect_profile, has_errors, validate
from sasref.profiles.detect import shape_profile
from tests._shared import IG_PACKAGE, require_shared

EXAMPLES = IG_PACKAGE / "example"
NAMES = sorted(p.name for p in EXAMPLES.glob("*.json")) or ["<../shared absent>"]
#: file → the (mode-independent) location of its text-only specialty.
TEXT_SPECIALTY = {
    "Slot-ExampleSlotPSIndiv3.json": "Slot.specialty[1]",
    "Slot-ExampleSlotPSIndiv5.json": "Slot.specialty[0]",
    "Bundle-ExampleBundlePSIndiv.json": "Bundle.entry[7].resource.specialty[1]",
}
#: SOS slots look like PS slots: only meta.profile tells them apart.
SHAPE_AMBIGUOUS = {f"Slot-ExampleSlotSOS{i}.json" for i in range(1, 5)}


def load(name: str) -> dict[str, Any]:
    require_shared("ig", "ans.fhir.fr.sas-1.2.0", "example")
    data: dict[str, Any] = json.loads((EXAMPLES / name).read_text("utf-8"))
    return data


def errors(outcome: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (i["code"], i.get("expression", [""])[0])
        for i in outcome["issue"]
        if i["severity"] in ("error", "fatal")
    ]


@pytest.mark.parametrize("mode", ["strict", "tolerant"])
@pytest.mark.parametrize("name", NAMES)
def test_example(name: str, mode: str) -> None:
    resource = load(name)
    outcome = validate(resource, mode=mode)  # type: ignore[arg-type]
    if name in TEXT_SPECIALTY and mode == "strict":
        assert errors(outcome) == [("code-invalid", TEXT_SPECIALTY[name])], outcome
    else:
        assert errors(outcome) == [], outcome
    applied = outcome["issue"]
    assert any("chosen from meta.profile" in i["diagnostics"] for i in applied), applied


@pytest.mark.parametrize("name", sorted(TEXT_SPECIALTY))
def test_text_only_specialty_is_a_warning_in_tolerant_mode(name: str) -> None:
    outcome = validate(load(name), mode="tolerant")
    warnings = [
        i.get("expression", [""])[0] for i in outcome["issue"] if i["severity"] == "warning"
    ]
    assert TEXT_SPECIALTY[name] in warnings
    assert not has_errors(outcome)


@pytest.mark.parametrize("name", NAMES)
def test_detected_profile_is_the_declared_one(name: str) -> None:
    resource = load(name)
    declared = resource["meta"]["profile"][0]
    assert detect_profile(resource) == declared
    if name not in SHAPE_AMBIGUOUS:
        assert shape_profile(resource) == declared


def test_every_profile_has_an_example() -> None:
    require_shared("ig", "ans.fhir.fr.sas-1.2.0", "example")
    declared = {load(n)["meta"]["profile"][0] for n in NAMES}
    contained = Profile.LOCATION_PS  # only inside PractitionerRole examples
    assert declared | {contained} >= {
        Profile.SLOT_PS,
        Profile.SLOT_CPTS,
        Profile.SLOT_SOS,
        Profile.BUNDLE_PS,
        Profile.BUNDLE_CPTS,
        Profile.BUNDLE_SOS,
        Profile.APPOINTMENT,
        Profile.APPOINTMENT_SOS,
        Profile.PRACTITIONER_REGUL,
    }


def test_sos_bundle_total_counting_slots_is_only_a_warning() -> None:
    bundle = load("Bundle-ExampleBundleAgregateurSOS.json")
    strict = validate(bundle, mode="strict")["issue"]
    tolerant = validate(bundle, mode="tolerant")["issue"]
    assert ("warning", ["Bundle.total"]) in [(i["severity"], i.get("expression")) for i in strict]
    assert ("information", ["Bundle.total"]) in [
        (i["severity"], i.get("expression")) for i in tolerant
    ]
