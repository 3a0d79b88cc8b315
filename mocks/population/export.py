"""JSON export of a population (``sasref mocks population --json``, issue 3 §4).

Enough for anyone to script requests against the mock editors: each editor's base URL and the
ids it serves (RPPS/ADELI, CPTS FINESS, SOS SIRET), the practitioners with their places (address,
structure id, opening hours), the CPTS and SOS associations; slots only on request.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sasref.directory.jsonformat import (
    address_json,
    cpts_json,
    hours_json,
    practitioner_json,
    sos_json,
    structure_json,
)
from sasref.fhir.datetimes import format_instant

if TYPE_CHECKING:
    from mocks.population.population import Population
    from mocks.population.slots import SlotRecord

__all__ = ["address_json", "hours_json", "population_json", "slot_json"]


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
    practitioners = []
    for p in pop.practitioners:
        entry = practitioner_json(p)
        # The mock population also knows each place's opening hours: handy for scripting.
        for place_json, place in zip(entry["places"], p.places, strict=True):
            place_json["hours"] = hours_json(pop.place_hours(place.id))
        practitioners.append(entry)
    cpts = [cpts_json(c) for c in pop.cpts]
    sos = [sos_json(s) for s in pop.sos]
    out: dict[str, Any] = {
        "seed": pop.seed,
        "window": {"start": format_instant(start), "end": format_instant(end)},
        "counts": {
            "editors": len(pop.editors),
            "practitioners": len(pop.practitioners),
            "cpts": len(pop.cpts),
            "sos": len(pop.sos),
            "structures": len(pop.structures),
        },
        "editors": editors,
        "practitioners": practitioners,
        "cpts": cpts,
        "structures": [structure_json(s) for s in pop.structures],
        "sos": sos,
    }
    if with_slots:
        out["slots"] = [slot_json(s) for s in pop.iter_slots()]
        out["counts"]["slots"] = len(out["slots"])
    return out
