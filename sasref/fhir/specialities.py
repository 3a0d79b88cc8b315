"""Specialities (TRE_R38) and professions (TRE_G15) the SAS works with, embedded.

IG digest §7.1 (``Slot.specialty`` bound to TRE_R38), §10 (external terminologies) and §13 FAQ 9
("all specialties, coded, else ``text``"). The SAS SNP list is the value set JDV_J239
(``JDV_J239_SpecialitesSNP_SAS.json`` of the SAS terminology, version 20240126120000): 17 TRE_R38
médecin specialities and 9 TRE_G15 professions. The data lives in ``data/specialities.json``
(package data: nothing is read from outside the package at run time); each entry records where its
label comes from. Labels outside J239 and the IG narrative are marked *unverified* there.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Any, Final

from sasref.fhir.codes import (
    JDV_J239_SPECIALITES_SNP,
    TRE_G15_PROFESSION,
    TRE_R38_SPECIALITE,
    Concept,
    ValueSet,
)

__all__ = [
    "PROFESSIONS",
    "SNP_SPECIALITIES",
    "SPECIALITIES",
    "VS_SPECIALITES_SNP",
    "lookup_speciality",
    "normalize_label",
    "speciality_display",
    "speciality_source",
]


def _load() -> dict[str, Any]:
    text = resources.files("sasref.fhir").joinpath("data/specialities.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


_DATA: Final = _load()
if _DATA["systems"] != {"speciality": TRE_R38_SPECIALITE, "profession": TRE_G15_PROFESSION}:
    raise RuntimeError("data/specialities.json systems disagree with sasref.fhir.codes")


def _concepts(rows: list[dict[str, Any]], system: str) -> dict[str, Concept]:
    return {r["code"]: Concept(system, r["code"], r["display"]) for r in rows}


#: TRE_R38 specialities known to sasref, by code (``SPECIALITIES["SM54"].display``).
SPECIALITIES: Final[Mapping[str, Concept]] = MappingProxyType(
    _concepts(_DATA["specialities"], TRE_R38_SPECIALITE)
)
#: TRE_G15 professions known to sasref, by code (``"10"`` Médecin, ``"60"`` Infirmier, ...).
PROFESSIONS: Final[Mapping[str, Concept]] = MappingProxyType(
    _concepts(_DATA["professions"], TRE_G15_PROFESSION)
)
_ALL: Final[dict[str, Concept]] = {**SPECIALITIES, **PROFESSIONS}
_ROWS: Final[dict[str, dict[str, Any]]] = {
    r["code"]: r for r in (*_DATA["specialities"], *_DATA["professions"])
}
#: JDV_J239 "Spécialités SNP SAS": the TRE_R38 and TRE_G15 concepts, by code (codes don't clash).
SNP_SPECIALITIES: Final[Mapping[str, Concept]] = MappingProxyType(
    {code: c for code, c in _ALL.items() if _ROWS[code]["snp"]}
)
VS_SPECIALITES_SNP: Final = ValueSet(
    JDV_J239_SPECIALITES_SNP, "JDV_J239 Spécialités SNP SAS", tuple(SNP_SPECIALITIES.values())
)


def speciality_display(code: str) -> str:
    """The display of a TRE_R38 speciality or TRE_G15 profession code; ``KeyError`` if unknown."""
    try:
        return _ALL[code].display
    except KeyError:
        raise KeyError(
            f"unknown speciality/profession code {code!r} (TRE_R38 SMxx or TRE_G15 code)"
        ) from None


def speciality_source(code: str) -> str:
    """Where the label of ``code`` comes from (J239 file, IG narrative, or *unverified*)."""
    source: str = _ROWS[code]["source"]
    return source


def normalize_label(text: str) -> str:
    """Case-, accent- and punctuation-insensitive form of a label (``"Médecine générale"`` →
    ``"medecine generale"``)."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"[^0-9a-z]+", " ", bare.casefold()).strip()


@cache
def _index() -> tuple[dict[str, Concept], list[tuple[str, Concept]]]:
    exact: dict[str, Concept] = {}
    labels: list[tuple[str, Concept]] = []
    for code, concept in _ALL.items():
        for label in (concept.display, *_ROWS[code]["aliases"]):
            key = normalize_label(label)
            exact.setdefault(key, concept)
            labels.append((key, concept))
    return exact, labels


def lookup_speciality(text_or_code: str) -> Concept | None:
    """The concept a user's filter text means, or ``None``.

    Tries, in order: a code (``"sm54"``, ``"60"``), an exact label or alias ignoring case,
    accents and punctuation (``"medecine generale"``, ``"ORL"``, ``"kiné"``), then a fragment
    contained in exactly one concept's labels (``"pneumo"``). Ambiguous fragments give ``None``.
    """
    text = text_or_code.strip()
    if not text:
        return None
    if text.upper() in _ALL:
        return _ALL[text.upper()]
    key = normalize_label(text)
    exact, labels = _index()
    if key in exact:
        return exact[key]
    if len(key) < 3:
        return None
    found = {c.code: c for label, c in labels if key in label}
    return next(iter(found.values())) if len(found) == 1 else None
