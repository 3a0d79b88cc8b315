"""The directory JSON format: a user's own directory file, and what the mock population emits.

The shape is the one of ``sasref mocks population --json`` (``Population.to_json()``), so that
output loads as is; the reader also accepts snake_case keys (``postal_code`` for ``postalCode``)
and ignores unknown keys (the population's ``seed``, ``window``, ``counts``, slots, hours of
places, editors' id lists):

```json
{
  "format": "sasref-directory", "version": 1,
  "editors": [{"name": "editeur-01", "software": "Agenda+", "baseUrl": "http://…/fhir",
               "useCases": ["ps", "cpts", "sos"]}],
  "practitioners": [{
      "id": "810001234567", "family": "Martin", "given": "Anne", "gender": "female",
      "speciality": "SM54", "specialityDisplay": "Médecine générale", "profession": "10",
      "phone": "+33556000000", "agenda": "editor", "editor": "editeur-01",
      "sasParticipant": true, "cpts": ["1330000017"], "participationVia": 1,
      "overbooking": true,
      "places": [{"id": "pl-1", "name": "Cabinet Martin", "structureId": "3…",
                  "structureName": "Cabinet Martin", "phone": "+33556000000",
                  "address": {"line": "12 rue Sainte-Catherine", "postalCode": "33000",
                              "city": "Bordeaux", "insee": "33063", "department": "33",
                              "latitude": 44.84, "longitude": -0.57}}]}],
  "cpts": [{"finess": "1330000017", "name": "CPTS Bordeaux Centre", "phone": "+33…",
            "department": "33", "zone": ["33063"], "members": ["810001234567"],
            "editor": "editeur-01"}],
  "structures": [{"id": "1330000025", "kind": "msp", "name": "Maison de santé …",
                  "phone": "+33…", "overbooking": true, "address": {…}}],
  "sos": [{"siret": "3…", "name": "SOS Médecins Bordeaux", "phone": "+33…", "department": "33",
           "editor": "editeur-02", "overbooking": true,
           "fixedPoints": [{"id": "pfg-1", "name": "PFG Bordeaux", "phone": "+33…",
                            "address": {…},
                            "hours": [{"daysOfWeek": ["mon", "tue"], "openingTime": "08:00:00",
                                       "closingTime": "20:00:00"}]}]}]
}
```

Identifiers are prefixed (RPPS ``8…``, ADELI ``0…``, FINESS ``1…``, SIRET ``3…``). Required:
ids, ``family``, ``speciality`` (TRE_R38 code), at least one place with a full address
(``line`` optional). Optional: ``agenda`` (``editor`` | ``sas`` | ``none``, default ``none``),
``editor``, ``sasParticipant`` (false), ``cpts`` ([]), ``gender``, ``profession`` ("10"),
``specialityDisplay`` (the code), phones (""), ``useCases`` (["ps"]); ``format``/``version``.
CPTS membership may be given on either side (``cpts`` of a practitioner, ``members`` of a CPTS).

Surnuméraire (spec §6.3, :mod:`sasref.directory.overbooking`): a practitioner's ``overbooking``
(false) is the opt-in "accepte des patients en sus des disponibilités", effective through
``participationVia`` 1 (own office, the default) or 2 (CPTS), not 3 (MSP) or 4 (SOS Médecins);
``structures`` lists the MSP (``kind`` ``msp``) and centres de santé (``cds``) by the FINESS the
places name in ``structureId``, with their own ``overbooking`` (false); a practitioner's place in
a centre de santé never accepts extra patients. An SOS association's ``overbooking`` defaults to
true (it takes part in the SAS).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import time
from typing import Any, Final

from sasref.directory.model import (
    Address,
    AgendaKind,
    Cpts,
    EditorInfo,
    FixedPoint,
    HealthStructure,
    OpeningHours,
    ParticipationVia,
    Place,
    Practitioner,
    SosAssociation,
    StructureKind,
)
from sasref.errors import InvalidInput

FORMAT: Final = "sasref-directory"
VERSION: Final = 1


# --- to JSON -----------------------------------------------------------------------------------
def address_json(a: Address) -> dict[str, Any]:
    return {
        "line": a.line,
        "postalCode": a.postal_code,
        "city": a.city,
        "insee": a.insee,
        "department": a.department,
        "latitude": a.latitude,
        "longitude": a.longitude,
    }


def practitioner_json(p: Practitioner) -> dict[str, Any]:
    return {
        "id": p.id,
        "family": p.family,
        "given": p.given,
        "gender": p.gender,
        "speciality": p.speciality,
        "specialityDisplay": p.speciality_display,
        "profession": p.profession,
        "phone": p.phone,
        "agenda": p.agenda.value,
        "editor": p.editor,
        "sasParticipant": p.sas_participant,
        "cpts": list(p.cpts),
        "participationVia": int(p.participation_via),
        "overbooking": p.overbooking,
        "places": [
            {
                "id": pl.id,
                "name": pl.name,
                "structureId": pl.structure_id,
                "structureName": pl.structure_name,
                "phone": pl.phone,
                "address": address_json(pl.address),
            }
            for pl in p.places
        ],
    }


def cpts_json(c: Cpts) -> dict[str, Any]:
    return {
        "finess": c.finess,
        "name": c.name,
        "phone": c.phone,
        "department": c.department,
        "zone": list(c.zone),
        "members": list(c.members),
        "editor": c.editor,
    }


def _hhmm(t: time) -> str:
    return t.strftime("%H:%M:%S")


def hours_json(hours: Iterable[OpeningHours]) -> list[dict[str, Any]]:
    """``hoursOfOperation``-shaped opening hours."""
    return [
        {
            "daysOfWeek": list(h.days),
            "openingTime": _hhmm(h.opening),
            "closingTime": _hhmm(h.closing),
        }
        for h in hours
    ]


def sos_json(s: SosAssociation) -> dict[str, Any]:
    return {
        "siret": s.siret,
        "name": s.name,
        "phone": s.phone,
        "department": s.department,
        "editor": s.editor,
        "overbooking": s.overbooking,
        "fixedPoints": [
            {
                "id": f.id,
                "name": f.name,
                "phone": f.phone,
                "address": address_json(f.address),
                "hours": hours_json(f.hours),
            }
            for f in s.fixed_points
        ],
    }


def structure_json(s: HealthStructure) -> dict[str, Any]:
    return {
        "id": s.id,
        "kind": s.kind.value,
        "name": s.name,
        "phone": s.phone,
        "overbooking": s.overbooking,
        "address": address_json(s.address),
    }


def editor_json(e: EditorInfo) -> dict[str, Any]:
    return {
        "name": e.name,
        "software": e.software,
        "baseUrl": e.base_url,
        "useCases": sorted(e.use_cases),
    }


def directory_json(
    *,
    practitioners: Iterable[Practitioner],
    cpts: Iterable[Cpts] = (),
    sos: Iterable[SosAssociation] = (),
    editors: Iterable[EditorInfo] = (),
    structures: Iterable[HealthStructure] = (),
) -> dict[str, Any]:
    """The whole document (what ``Directory.to_json()`` and the mock population emit)."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "editors": [editor_json(e) for e in editors],
        "practitioners": [practitioner_json(p) for p in practitioners],
        "cpts": [cpts_json(c) for c in cpts],
        "structures": [structure_json(s) for s in structures],
        "sos": [sos_json(s) for s in sos],
    }


# --- from JSON ---------------------------------------------------------------------------------
def _snake(key: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", r"_\1", key).lower()


def _opt(d: Mapping[str, Any], key: str, default: Any = None) -> Any:
    """``d[key]``, or its snake_case spelling (``postalCode`` / ``postal_code``), or default."""
    if key in d:
        return d[key]
    return d.get(_snake(key), default)


def _req(d: Mapping[str, Any], key: str, where: str) -> Any:
    if not isinstance(d, Mapping):
        raise InvalidInput(f"directory JSON: {where}: expected an object")
    value = _opt(d, key)
    if value is None:
        raise InvalidInput(f"directory JSON: {where} lacks {key!r}")
    return value


def _address(d: Mapping[str, Any], where: str) -> Address:
    try:
        return Address(
            line=str(_opt(d, "line", "")),
            postal_code=str(_req(d, "postalCode", where)),
            city=str(_req(d, "city", where)),
            insee=str(_req(d, "insee", where)),
            department=str(_req(d, "department", where)),
            latitude=float(_req(d, "latitude", where)),
            longitude=float(_req(d, "longitude", where)),
        )
    except (TypeError, ValueError) as exc:
        raise InvalidInput(f"directory JSON: bad address in {where}: {exc}") from None


def practitioner_from_json(d: Mapping[str, Any]) -> Practitioner:
    pid = str(_req(d, "id", "a practitioner"))
    where = f"practitioner {pid}"
    places = tuple(
        Place(
            id=str(_req(pl, "id", where)),
            name=str(_opt(pl, "name", "")),
            address=_address(_req(pl, "address", where), where),
            structure_id=str(_opt(pl, "structureId", "")),
            structure_name=str(_opt(pl, "structureName", "")),
            phone=str(_opt(pl, "phone", "")),
        )
        for pl in _req(d, "places", where)
    )
    if not places:
        raise InvalidInput(f"directory JSON: {where} has no place")
    try:
        agenda = AgendaKind(_opt(d, "agenda") or AgendaKind.NONE)
    except ValueError:
        raise InvalidInput(f"directory JSON: {where}: agenda must be editor|sas|none") from None
    speciality = str(_req(d, "speciality", where))
    raw_via = _opt(d, "participationVia")
    try:
        via = ParticipationVia.OWN_OFFICE if raw_via is None else ParticipationVia(int(raw_via))
    except (TypeError, ValueError):
        raise InvalidInput(
            f"directory JSON: {where}: participationVia must be 1 (own office), 2 (CPTS), "
            "3 (MSP) or 4 (SOS Médecins)"
        ) from None
    return Practitioner(
        id=pid,
        family=str(_req(d, "family", where)),
        given=str(_opt(d, "given", "")),
        gender=str(_opt(d, "gender", "unknown")),
        speciality=speciality,
        speciality_display=str(_opt(d, "specialityDisplay") or speciality),
        profession=str(_opt(d, "profession", "10")),
        places=places,
        phone=str(_opt(d, "phone", "")),
        agenda=agenda,
        editor=_opt(d, "editor"),
        sas_participant=bool(_opt(d, "sasParticipant", False)),
        cpts=tuple(str(c) for c in _opt(d, "cpts", ())),
        participation_via=via,
        overbooking=_flag(d, "overbooking", False, where),
    )


def cpts_from_json(d: Mapping[str, Any]) -> Cpts:
    finess = str(_req(d, "finess", "a CPTS"))
    return Cpts(
        finess=finess,
        name=str(_opt(d, "name", finess)),
        phone=str(_opt(d, "phone", "")),
        department=str(_opt(d, "department", "")),
        zone=tuple(str(z) for z in _opt(d, "zone", ())),
        members=tuple(str(m) for m in _opt(d, "members", ())),
        editor=_opt(d, "editor"),
    )


def _time(text: Any, where: str) -> time:
    try:
        return time.fromisoformat(str(text))
    except ValueError:
        raise InvalidInput(f"directory JSON: {where}: bad time {text!r} (HH:MM)") from None


def sos_from_json(d: Mapping[str, Any]) -> SosAssociation:
    siret = str(_req(d, "siret", "an SOS association"))
    where = f"SOS association {siret}"
    return SosAssociation(
        siret=siret,
        name=str(_opt(d, "name", siret)),
        phone=str(_opt(d, "phone", "")),
        department=str(_opt(d, "department", "")),
        editor=_opt(d, "editor"),
        overbooking=_flag(d, "overbooking", True, where),
        fixed_points=tuple(
            FixedPoint(
                id=str(_req(f, "id", where)),
                name=str(_opt(f, "name", "")),
                address=_address(_req(f, "address", where), where),
                phone=str(_opt(f, "phone", "")),
                hours=tuple(
                    OpeningHours(
                        days=tuple(_opt(h, "daysOfWeek") or _opt(h, "days", ())),
                        opening=_time(_opt(h, "openingTime") or _req(h, "opening", where), where),
                        closing=_time(_opt(h, "closingTime") or _req(h, "closing", where), where),
                    )
                    for h in _opt(f, "hours", ())
                ),
            )
            for f in _opt(d, "fixedPoints", ())
        ),
    )


def structure_from_json(d: Mapping[str, Any]) -> HealthStructure:
    sid = str(_req(d, "id", "a structure"))
    where = f"structure {sid}"
    try:
        kind = StructureKind(str(_req(d, "kind", where)).lower())
    except ValueError:
        raise InvalidInput(f"directory JSON: {where}: kind must be msp or cds") from None
    return HealthStructure(
        id=sid,
        kind=kind,
        name=str(_opt(d, "name", sid)),
        address=_address(_req(d, "address", where), where),
        phone=str(_opt(d, "phone", "")),
        overbooking=_flag(d, "overbooking", False, where),
    )


def _flag(d: Mapping[str, Any], key: str, default: bool, where: str) -> bool:
    value = _opt(d, key, default)
    if not isinstance(value, bool):
        raise InvalidInput(f"directory JSON: {where}: {key} must be true or false")
    return value


def editor_from_json(d: Mapping[str, Any]) -> EditorInfo:
    return EditorInfo(
        name=str(_req(d, "name", "an editor")),
        software=str(_opt(d, "software") or d["name"]),
        base_url=str(_req(d, "baseUrl", f"editor {d['name']}")),
        use_cases=frozenset(_opt(d, "useCases", ("ps",))),
    )
