"""The embedded vocabulary agrees with the official artefacts (IG package, JDV_J239).

Checks ``sasref.fhir.systems`` (profile canonicals), ``sasref.fhir.codes`` (IG value sets, code
system) and ``sasref.fhir.specialities`` (J239, TRE_R38 labels the IG narrative shows).
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from _shared import IG_PACKAGE, require_shared

from sasref.fhir import codes, systems
from sasref.fhir.specialities import (
    PROFESSIONS,
    SNP_SPECIALITIES,
    SPECIALITIES,
    VS_SPECIALITES_SNP,
    lookup_speciality,
    normalize_label,
    speciality_display,
    speciality_source,
)


def _ig(kind: str) -> list[dict[str, Any]]:
    require_shared("ig", "ans.fhir.fr.sas-1.2.0")
    docs = (json.loads(p.read_text("utf-8")) for p in sorted(IG_PACKAGE.glob(f"{kind}-*.json")))
    return [d for d in docs if d.get("resourceType") == kind]


# --- systems.py -----------------------------------------------------------------------------
def test_every_ig_profile_is_known_with_its_type() -> None:
    sds = {sd["url"]: sd["type"] for sd in _ig("StructureDefinition")}
    resource_profiles = {url: t for url, t in sds.items() if t != "Extension"}
    assert resource_profiles == systems.PROFILE_RESOURCE_TYPES
    assert set(systems.ALL_PROFILES) == set(resource_profiles)
    profile_values = {v for k, v in vars(systems.Profile).items() if not k.startswith("_")}
    assert set(sds) <= profile_values


def test_identifier_systems() -> None:
    assert systems.IDNPS_SYSTEM == "urn:oid:1.2.250.1.71.4.2.1"
    assert systems.IDNST_SYSTEM == "urn:oid:1.2.250.1.71.4.2.2"
    assert systems.SAS_SYSTEM == "urn:oid:1.2.250.1.213.3.6"


# --- codes.py -------------------------------------------------------------------------------
def test_ig_value_sets_match_the_package() -> None:
    package = {vs["url"]: vs for vs in _ig("ValueSet")}
    assert set(package) == set(codes.IG_VALUE_SETS)
    cs = {c["code"] for d in _ig("CodeSystem") for c in d["concept"]}
    for url, vs in package.items():
        ours = codes.IG_VALUE_SETS[url]
        theirs: set[tuple[str, str]] = set()
        for inc in vs["compose"]["include"]:
            concepts = inc.get("concept") or [{"code": c} for c in sorted(cs)]
            theirs |= {(inc["system"], c["code"]) for c in concepts}
            for c in inc.get("concept", []):
                concept = ours.get(c["code"], inc["system"])
                assert concept is not None and concept.display == c.get("display", concept.display)
        assert {(c.system, c.code) for c in ours.concepts} == theirs, url


def test_ig_code_system_displays() -> None:
    (cs,) = _ig("CodeSystem")
    assert cs["url"] == codes.CS_CATEGORIE_ORIENTATION
    ours = {c.code: c.display for c in codes.CS_CATEGORIE_ORIENTATION_CONCEPTS}
    assert ours == {c["code"]: c["display"] for c in cs["concept"]}


def test_value_set_membership() -> None:
    assert "PUBLIC" in codes.VS_TYPE_CRENEAU_SOS
    assert "PRO" not in codes.VS_TYPE_CRENEAU_SOS
    assert (codes.TRE_R314_TYPE_CRENEAU, "CPTS") in codes.VS_TYPE_CRENEAU_CPTS
    assert ("http://other", "CPTS") not in codes.VS_TYPE_CRENEAU_CPTS
    assert codes.SLOT_PUBLIC.coding() == {
        "system": "https://mos.esante.gouv.fr/NOS/TRE_R314-TypeCreneau/FHIR/TRE-R314-TypeCreneau",
        "code": "PUBLIC",
        "display": "Créneau accessible par le grand public",
    }


# --- specialities.py ------------------------------------------------------------------------
def test_j239_embedded_copy_matches_the_official_file() -> None:
    path = require_shared("terminology", "JDV_J239_SpecialitesSNP_SAS.json")
    vs = json.loads(path.read_text("utf-8"))
    assert vs["url"] == codes.JDV_J239_SPECIALITES_SNP == VS_SPECIALITES_SNP.url
    official = {
        (inc["system"], c["code"], c["display"])
        for inc in vs["compose"]["include"]
        for c in inc["concept"]
    }
    ours = {(c.system, c.code, c.display) for c in SNP_SPECIALITIES.values()}
    assert ours == official
    assert len(SNP_SPECIALITIES) == 26


def test_tre_r38_labels_shown_by_the_ig_narrative() -> None:
    require_shared("ig", "ans.fhir.fr.sas-1.2.0", "example")
    pattern = re.compile(r"TRE-R38-SpecialiteOrdinale (SM\d+)}\\?\">([^<(]+) \(SM\)<")
    seen: dict[str, str] = {}
    for path in IG_PACKAGE.glob("example/*.json"):
        for code, label in pattern.findall(path.read_text("utf-8")):
            seen[code] = label
    assert seen == {
        "SM05": "Chirurgie générale",
        "SM41": "Pneumologie",
        "SM54": "Médecine générale",
    }
    for code, label in seen.items():
        assert speciality_display(code) == label


def test_required_codes_are_present() -> None:
    assert {"SM05", "SM41", "SM54"} <= set(SPECIALITIES)
    assert PROFESSIONS["10"].display == "Médecin"
    assert SPECIALITIES["SM54"].system == codes.TRE_R38_SPECIALITE
    assert PROFESSIONS["60"].system == codes.TRE_G15_PROFESSION
    assert "SM41" not in SNP_SPECIALITIES
    assert "SM54" in VS_SPECIALITES_SNP


def test_every_label_records_its_source() -> None:
    for code in (*SPECIALITIES, *PROFESSIONS):
        source = speciality_source(code)
        assert source.startswith(("JDV_J239", "SAS IG 1.2.0")) or "unverified" in source


def test_speciality_display_unknown_code() -> None:
    with pytest.raises(KeyError, match="unknown speciality/profession code 'SM99'"):
        speciality_display("SM99")


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("SM54", "SM54"),
        ("sm54", "SM54"),
        (" Médecine générale ", "SM54"),
        ("MEDECINE GENERALE", "SM54"),
        ("généraliste", "SM54"),
        ("ORL", "SM39"),
        ("oto-rhino-laryngologie", "SM39"),
        ("Pédiatrie", "SM40"),
        ("pediatre", "SM40"),
        ("pneumo", "SM41"),
        ("Cardio et maladies vasculaires", "SM04"),
        ("kine", "70"),
        ("sage-femme", "50"),
        ("Infirmier", "60"),
        ("10", "10"),
    ],
)
def test_lookup_speciality(query: str, code: str) -> None:
    found = lookup_speciality(query)
    assert found is not None and found.code == code


@pytest.mark.parametrize("query", ["", "  ", "zz", "chirurgie", "xyzzy", "SM99", "gyneco"])
def test_lookup_speciality_unknown_or_ambiguous(query: str) -> None:
    assert lookup_speciality(query) is None


def test_normalize_label() -> None:
    assert normalize_label("Dermatologie, Vénéréologie") == "dermatologie venereologie"
    assert normalize_label("  Sage-Femme ") == "sage femme"
    assert normalize_label("Psychiatrie, opt enfant et ado") == "psychiatrie opt enfant et ado"
