"""JSON export of a population (``sasref mocks population --json``, issue 3 §4).

Enough for anyone to script requests against the mock editors: each editor's base URL and the
ids it serves (RPPS/ADELI, CPTS FINESS, SOS SIRET), the practitioners with their places (address,
structure id, opening hours), the CPTS and SOS associations; slots only on request.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sasref.directory.model import Address, OpeningHours
from sasref.fhir.datetimes import format_instant

if TYPE_CHECKING:
    from mocks.population.population import Population
    from mocks.population.slots import SlotRecord

__all__ = ["address_json", "hours_json", "population_json", "slot_json"]


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


def hours_json(hours: tuple[OpeningHours, ...]) -> list[dict[str, Any]]:
    return [
        {
            "daysOfWeek": list(h.days),
            "openingTime": h.opening.strftime("%H:%M:%S"),
            "closingTime": h.closing.strftime("%H:%M:%S"),
        }
        for h in hours
    ]


def slot_json(s: SlotRecord) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": s.id,
        "owner": s.owner,
        "practitioner": s.practitioner,
        "place": s.place,
        "start": format_instant(s.start),
        "end": format_instant(s.end),
        "slotTypes": list(s.slot_types),
        "consultationTypes": list(s.consultation_types),
        "motif": s.motif,
        "appointmentType": s.appointment_type,
        "bookingUrl": s.booking_url,
        "editor": s.editor,
    }
    if s.cpts:
        out["cpts"] = list(s.cpts)
    if s.organization:
        out["organization"] = s.organization
    return out


def population_json(pop: Population, *, with_slots: bool = False) -> dict[str, Any]:
    start, end = pop.window()
    editors = []
    for e in pop.editors:
        shard = pop.by_editor(e.name)
        editors.append(
            {
                "name": e.name,
                "software": e.software,
                "baseUrl": e.base_url,
                "useCases": sorted(e.use_cases),
                "practitioners": [p.id for p in shard.practitioners],
                "cpts": [c.finess for c in shard.cpts],
                "sos": [s.siret for s in shard.sos],
            }
        )
    practitioners = [
        {
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
            "places": [
                {
                    "id": pl.id,
                    "name": pl.name,
                    "structureId": pl.structure_id,
                    "structureName": pl.structure_name,
                    "phone": pl.phone,
                    "address": address_json(pl.address),
                    "hours": hours_json(pop.place_hours(pl.id)),
                }
                for pl in p.places
            ],
        }
        for p in pop.practitioners
    ]
    cpts = [
        {
            "finess": c.finess,
            "name": c.name,
            "phone": c.phone,
            "department": c.department,
            "zone": list(c.zone),
            "members": list(c.members),
            "editor": c.editor,
        }
        for c in pop.cpts
    ]
    sos = [
        {
            "siret": s.siret,
            "name": s.name,
            "phone": s.phone,
            "department": s.department,
            "editor": s.editor,
            "fixedPoints": [
                {
                    "id": fp.id,
                    "name": fp.name,
                    "phone": fp.phone,
                    "address": address_json(fp.address),
                    "hours": hours_json(fp.hours),
                }
                for fp in s.fixed_points
            ],
        }
        for s in pop.sos
    ]
    out: dict[str, Any] = {
        "seed": pop.seed,
        "window": {"start": format_instant(start), "end": format_instant(end)},
        "counts": {
            "editors": len(pop.editors),
            "practitioners": len(pop.practitioners),
            "cpts": len(pop.cpts),
            "sos": len(pop.sos),
        },
        "editors": editors,
        "practitioners": practitioners,
        "cpts": cpts,
        "sos": sos,
    }
    if with_slots:
        out["slots"] = [slot_json(s) for s in pop.iter_slots()]
        out["counts"]["slots"] = len(out["slots"])
    return out
