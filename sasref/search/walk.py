"""SAS side: walk an editor's searchset Bundle into an offer graph (digest §2, §13, §16).

A tolerant reader. Resources are resolved **by reference** (``Slot.schedule`` →
``Schedule.actor`` → ``Practitioner``/``PractitionerRole`` → contained ``#Location``; CPTS
``serviceType`` extension → ``HealthcareService.providedBy`` → ``Organization``; SOS
``Schedule.actor`` → ``Location.managingOrganization`` → ``Organization``), never by entry
order. The §13 traps are absorbed and reported as :class:`Problem`\\ s rather than errors:
missing ``search.mode``, a ``total`` that disagrees with the matches, text-only specialties,
any IDNST type system, unprefixed identifiers, ``+`` offsets decoded to a space.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from functools import lru_cache
from typing import Any, Final

import orjson

from sasref.errors import InvalidDateTime
from sasref.fhir.codes import (
    TRE_R38_SPECIALITE,
    TRE_R66_CATEGORIE_ETABLISSEMENT,
    TRE_R314_TYPE_CRENEAU,
    V2_0276,
    V3_ACT_CODE,
)
from sasref.fhir.datetimes import parse_datetime
from sasref.fhir.systems import EXT_SLOT_SERVICE_TYPE_R5, IDNPS_SYSTEM, IDNST_SYSTEM
from sasref.search.graph import (
    CptsLink,
    FixedPointOffer,
    OfferedSlot,
    OfferGraph,
    PlaceOffer,
    PractitionerOffer,
    Problem,
    SosOffer,
)
from sasref.search.query import prefix_practitioner_id, prefix_structure_id

__all__ = ["walk_searchset"]

Json = dict[str, Any]

#: An editor sends the same slot times search after search (and the same instants in start/end
#: of neighbouring slots): parsing each distinct string once is a large share of the walk.
#: datetimes are immutable, so sharing them is safe; failures are not cached (lru_cache).
_parse_datetime = lru_cache(maxsize=16384)(parse_datetime)


class _Walker:
    def __init__(self, bundle: Json) -> None:
        self.problems: list[Problem] = []
        self.by_ref: dict[str, Json] = {}
        self.modes: dict[str, str | None] = {}
        #: of_type() answers, memoised: by_ref is complete once built, the walk asks twice.
        self._of_type: dict[str, list[tuple[str, Json]]] = {}
        #: CPTS links read without a problem, by HealthcareService reference (_cpts_links)
        self.links: dict[str, CptsLink] = {}
        by_ref, modes = self.by_ref, self.modes
        for i, entry in enumerate(bundle.get("entry") or []):
            resource = entry.get("resource") if isinstance(entry, dict) else None
            if not isinstance(resource, dict) or "resourceType" not in resource:
                self.problem("invalid-entry", f"entry {i} has no resource")
                continue
            key = f"{resource['resourceType']}/{resource.get('id')}"
            by_ref[key] = resource
            full_url = entry.get("fullUrl")
            if isinstance(full_url, str):
                by_ref.setdefault(full_url, resource)
            mode = (entry.get("search") or {}).get("mode")
            modes[key] = mode
            if mode is None:
                self.problem("missing-search-mode", "entry without search.mode", key)

    def problem(self, code: str, message: str, where: str | None = None) -> None:
        self.problems.append(Problem(code, message, where))

    def resolve(self, ref: Json | None, where: str) -> Json | None:
        reference = (ref or {}).get("reference")
        if not isinstance(reference, str):
            return None
        found = self.by_ref.get(reference)
        if found is None:
            # "https://editor/fhir/Practitioner/1" or "Practitioner/1/_history/2"
            parts = reference.split("/")
            for n in (2, 4):
                if len(parts) >= n:
                    tail = "/".join(parts[-2:]) if n == 2 else "/".join(parts[-4:-2])
                    found = self.by_ref.get(tail)
                    if found is not None:
                        break
        if found is None:
            self.problem("unresolved-reference", f"'{reference}' is not in the Bundle", where)
        return found

    def of_type(self, resource_type: str) -> Iterable[tuple[str, Json]]:
        found = self._of_type.get(resource_type)
        if found is None:
            found = self._of_type[resource_type] = [
                (k, r)
                for k, r in self.by_ref.items()
                if r["resourceType"] == resource_type and not k.startswith(("http", "urn"))
            ]
        return found

    def when(self, text: Any, where: str) -> datetime | None:
        if not isinstance(text, str):
            self.problem("invalid-date", f"missing date-time {text!r}", where)
            return None
        if " " in text:
            self.problem(
                "raw-plus-offset", f"'{text}': '+' of the offset decoded to a space", where
            )
        try:
            return _parse_datetime(text)
        except (InvalidDateTime, ValueError):
            self.problem("invalid-date", f"unreadable date-time '{text}'", where)
            return None


def walk_searchset(bundle: Json) -> OfferGraph:
    """Read a searchset into an :class:`OfferGraph` (never raises on content; see problems)."""
    w = _Walker(bundle)
    total = bundle.get("total")
    declared = total if isinstance(total, int) else None
    if declared is None:
        w.problem("missing-total", "Bundle.total is absent")
    graph = OfferGraph(kind="empty", declared_total=declared)
    sos = any(
        str(a.get("reference", "")).startswith("Location/")
        for _, s in w.of_type("Schedule")
        for a in s.get("actor") or []
    )
    slots = list(w.of_type("Slot"))
    if sos:
        graph.kind = "sos"
        _walk_sos(w, graph, slots)
        matched = sum(1 for _ in w.of_type("Schedule"))
    elif slots:
        _walk_ps(w, graph, slots)
        graph.kind = "cpts" if any(s.cpts for s in graph.slots) else "ps"
        matched = len(slots)
    else:
        matched = 0
    if declared is not None and declared != matched:
        hint = " (counts Slots, as the IG SOS example)" if sos and declared == len(slots) else ""
        w.problem("wrong-total", f"total {declared} but {matched} matches{hint}")
    graph.problems = w.problems
    return graph


def _codes(concepts: Iterable[Json], system: str) -> tuple[str, ...]:
    found = [
        c["code"]
        for cc in concepts
        for c in (cc.get("coding") or ())
        if c.get("system") == system and "code" in c
    ]
    return tuple(found) if found else ()


def _slot(w: _Walker, key: str, slot: Json, cpts_links: tuple[CptsLink, ...]) -> OfferedSlot | None:
    start, end = w.when(slot.get("start"), key), w.when(slot.get("end"), key)
    if start is None or end is None:
        return None
    # Hot path (one call per slot of every answer): no work for the elements a slot lacks.
    service_types = slot.get("serviceType") or ()
    specialties = slot.get("specialty") or ()
    texts: tuple[str, ...] = ()
    codes: tuple[str, ...] = ()
    if specialties:
        texts = tuple(s["text"] for s in specialties if "text" in s and not (s.get("coding") or []))
        if texts:
            w.problem("text-only-specialty", f"specialties as text only: {list(texts)}", key)
        codes = _codes(specialties, TRE_R38_SPECIALITE)
    consultation: tuple[str, ...] = ()
    motifs: tuple[str, ...] = ()
    if service_types:
        consultation = _codes(service_types, V3_ACT_CODE)
        motifs = tuple(s["text"] for s in service_types if "text" in s and not s.get("extension"))
    appointment_type = slot.get("appointmentType")
    reasons = _codes((appointment_type,), V2_0276) if appointment_type else ()
    security = (slot.get("meta") or {}).get("security")
    return OfferedSlot(
        id=str(slot.get("id")),
        start=start,
        end=end,
        types=tuple(
            s["code"] for s in security if s.get("system") == TRE_R314_TYPE_CRENEAU and "code" in s
        )
        if security
        else (),
        consultation_types=consultation,
        motifs=motifs,
        reason=reasons[0] if reasons else None,
        booking_url=slot.get("comment"),
        specialties=codes,
        specialty_texts=texts,
        cpts=cpts_links,
        schedule=(slot.get("schedule") or {}).get("reference"),
    )


def _identifier(resource: Json, system: str) -> str | None:
    for ident in resource.get("identifier") or []:
        if ident.get("system") == system and ident.get("value"):
            return str(ident["value"])
    return None


def _cpts_links(w: _Walker, key: str, slot: Json) -> tuple[CptsLink, ...]:
    links: list[CptsLink] = []
    for st in slot.get("serviceType") or []:
        for ext in st.get("extension") or []:
            if ext.get("url") != EXT_SLOT_SERVICE_TYPE_R5:
                continue
            ref = (ext.get("valueReference") or {}).get("reference", "")
            # the link is a function of the reference alone: once per walk when it reads
            # without a problem (a problem names the slot: then read it for every slot)
            known = w.links.get(ref) if ref.__class__ is str else None
            if known is not None:
                links.append(known)
                continue
            before = len(w.problems)
            hcs = w.resolve(ext.get("valueReference"), key)
            org = w.resolve(hcs.get("providedBy"), ref) if hcs else None
            finess = _identifier(org, IDNST_SYSTEM) if org else None
            telecom = next(
                (
                    t.get("value")
                    for t in (org or {}).get("telecom") or []
                    if t.get("system") == "phone"
                ),
                None,
            )
            link = CptsLink(
                finess=prefix_structure_id(finess) if finess else None,
                name=(org or {}).get("name"),
                phone=telecom,
                healthcare_service=ref,
            )
            if len(w.problems) == before and ref.__class__ is str:
                w.links[ref] = link
            links.append(link)
        if _codes([st], TRE_R66_CATEGORIE_ETABLISSEMENT) and not st.get("extension"):
            w.problem("cpts-without-reference", "604 serviceType without its extension", key)
    return tuple(links)


def _prefixed(w: _Walker, value: str, where: str, structure: bool = False) -> str:
    fixed = prefix_structure_id(value) if structure else prefix_practitioner_id(value)
    if fixed != value:
        w.problem("unprefixed-identifier", f"'{value}' read as '{fixed}'", where)
    return fixed


#: What a Slot alone gives (:func:`_slot` and, without a CPTS reference, :func:`_cpts_links`),
#: by the Slot's JSON and the key it is known by (``Slot/<id>``, or a relative fullUrl):
#: ``(CPTS references to follow, problems before, problems of _slot, the OfferedSlot without
#: its CPTS links)``. A pure function of those: an editor sends mostly the same Slots search
#: after search (as for the instants above); what depends on other entries (the CPTS links)
#: is resolved at every walk.
_SLOTS: dict[
    tuple[bytes, bool, str],
    tuple[bool, tuple[Problem, ...], tuple[Problem, ...], OfferedSlot | None],
] = {}
_SLOTS_MAX: Final = 20_000
_DUMPS: Final = orjson.dumps
#: A key must be the JSON of plain JSON values: datetimes and subclasses of str/int/dict/list
#: (serialised like their base, checked differently) make orjson raise, and go uncached.
_EXACT: Final = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_SUBCLASS
_JSON_ERRORS: Final = (TypeError, orjson.JSONEncodeError)


def _with_cpts(o: OfferedSlot, cpts: tuple[CptsLink, ...]) -> OfferedSlot:
    """``dataclasses.replace(o, cpts=cpts)``, without its introspection (hot path)."""
    return OfferedSlot(
        o.id,
        o.start,
        o.end,
        o.types,
        o.consultation_types,
        o.motifs,
        o.reason,
        o.booking_url,
        o.specialties,
        o.specialty_texts,
        cpts,
        o.schedule,
    )


def _read_slot(w: _Walker, key: str, slot: Json, cpts: bool) -> OfferedSlot | None:
    """``_slot(w, key, slot, _cpts_links(w, key, slot) if cpts else ())``, at most once per
    distinct Slot (see :data:`_SLOTS`): same result, same problems in the same order."""
    try:
        cache_key: tuple[bytes, bool, str] | None = (_DUMPS(slot, option=_EXACT), cpts, key)
    except _JSON_ERRORS:  # not plain JSON: no key, read directly
        cache_key = None
    known = _SLOTS.get(cache_key) if cache_key is not None else None
    problems = w.problems
    if known is not None:
        linked, before, own, offered = known
        links: tuple[CptsLink, ...] = ()
        if linked:
            links = _cpts_links(w, key, slot)
        else:
            problems.extend(before)
        problems.extend(own)
        return _with_cpts(offered, links) if links and offered is not None else offered
    p0 = len(problems)
    links = _cpts_links(w, key, slot) if cpts else ()
    p1 = len(problems)
    offered = _slot(w, key, slot, links)
    if cache_key is not None:
        if len(_SLOTS) >= _SLOTS_MAX:
            _SLOTS.clear()
        _SLOTS[cache_key] = (
            bool(links),
            () if links else tuple(problems[p0:p1]),
            tuple(problems[p1:]),
            _with_cpts(offered, ()) if links and offered is not None else offered,
        )
    return offered


def _walk_ps(w: _Walker, graph: OfferGraph, slots: list[tuple[str, Json]]) -> None:
    #: schedule reference → the place its slots go to, when reaching it raised no problem
    #: (then every slot of that Schedule reaches the same place the same way).
    places: dict[str, PlaceOffer] = {}
    for key, slot in slots:
        offered = _read_slot(w, key, slot, True)
        if offered is None:
            continue
        schedule_ref = slot.get("schedule")
        literal = schedule_ref.get("reference") if schedule_ref.__class__ is dict else None
        known = places.get(literal) if literal.__class__ is str else None
        if known is not None:
            known.slots.append(offered)
            continue
        before = len(w.problems)
        schedule = w.resolve(slot.get("schedule"), key)
        if schedule is None:
            w.problem("orphan-slot", "slot without a resolvable Schedule", key)
            continue
        practitioner: Json | None = None
        role: Json | None = None
        role_ref = ""
        for actor in schedule.get("actor") or []:
            target = w.resolve(actor, key)
            if target is None:
                continue
            if target["resourceType"] == "Practitioner":
                practitioner = target
            elif target["resourceType"] == "PractitionerRole":
                role, role_ref = target, actor["reference"]
        if practitioner is None and role is not None:
            practitioner = w.resolve(role.get("practitioner"), role_ref)
        idnps = _identifier(practitioner, IDNPS_SYSTEM) if practitioner else None
        if idnps is None:
            w.problem("orphan-slot", "no practitioner with an IDNPS for this slot", key)
            continue
        idnps = _prefixed(
            w, idnps, f"Practitioner/{practitioner.get('id') if practitioner else ''}"
        )
        offer = graph.practitioners.get(idnps)
        if offer is None:
            names = (practitioner or {}).get("name") or [{}]
            offer = PractitionerOffer(
                idnps, names[0].get("family"), " ".join(names[0].get("given") or []) or None
            )
            graph.practitioners[idnps] = offer
        place_key = role_ref or str(schedule.get("id"))
        clean = len(w.problems) == before
        place = offer.places.get(place_key)
        if place is None:
            place = _place(w, place_key, role)
            offer.places[place_key] = place
        if clean and literal.__class__ is str:
            places[literal] = place
        place.slots.append(offered)


def _place(w: _Walker, ref: str, role: Json | None) -> PlaceOffer:
    place = PlaceOffer(role=ref)
    if role is None:
        return place
    org_id = ((role.get("organization") or {}).get("identifier") or {}).get("value")
    place.structure_id = _prefixed(w, str(org_id), ref, structure=True) if org_id else None
    place.phone = next(
        (t.get("value") for t in role.get("telecom") or [] if t.get("system") == "phone"), None
    )
    contained = {f"#{c.get('id')}": c for c in role.get("contained") or []}
    for loc_ref in role.get("location") or []:
        location = contained.get(str(loc_ref.get("reference")))
        if location is None:
            location = w.resolve(loc_ref, ref)  # tolerated: a bundled, not contained, Location
        if location is None:
            continue
        address = location.get("address") or {}
        place.location_id = location.get("id")
        place.name = location.get("name")
        place.line = " ".join(address.get("line") or []) or None
        place.postal_code = address.get("postalCode")
        place.city = address.get("city")
        break
    return place


def _walk_sos(w: _Walker, graph: OfferGraph, slots: list[tuple[str, Json]]) -> None:
    for key, schedule in w.of_type("Schedule"):
        for actor in schedule.get("actor") or []:
            location = w.resolve(actor, key)
            if location is None or location["resourceType"] != "Location":
                continue
            org = w.resolve(location.get("managingOrganization"), actor["reference"])
            siret = _identifier(org, IDNST_SYSTEM) if org else None
            siret = _prefixed(w, siret, key, structure=True) if siret else None
            association = graph.associations.get(siret or "?")
            if association is None:
                association = SosOffer(siret, (org or {}).get("name"))
                association.phone = next(
                    (
                        t.get("value")
                        for t in (org or {}).get("telecom") or []
                        if t.get("system") == "phone"
                    ),
                    None,
                )
                graph.associations[siret or "?"] = association
            address = location.get("address") or {}
            association.fixed_points[key] = FixedPointOffer(
                location=actor["reference"],
                identifier=next((i.get("value") for i in location.get("identifier") or []), None),
                name=location.get("name"),
                line=" ".join(address.get("line") or []) or None,
                postal_code=address.get("postalCode"),
                city=address.get("city"),
                phone=next(
                    (
                        t.get("value")
                        for t in location.get("telecom") or []
                        if t.get("system") == "phone"
                    ),
                    None,
                ),
                hours=list(location.get("hoursOfOperation") or []),
            )
    by_schedule = {k: fp for a in graph.associations.values() for k, fp in a.fixed_points.items()}
    for key, slot in slots:
        offered = _read_slot(w, key, slot, False)
        if offered is None:
            continue
        ref = offered.schedule or ""
        fp = by_schedule.get(ref) or by_schedule.get("/".join(ref.split("/")[-2:]))
        if fp is None:
            w.problem("orphan-slot", f"slot schedule '{ref}' is not an SOS Schedule", key)
            continue
        fp.slots.append(offered)
