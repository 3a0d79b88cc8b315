"""Editor side: render the searchset Bundle answering a slot search (digest §2.1–§2.4, §7, §13).

The caller (an editor's store) selects the slots matching the query — :func:`slot_matches`
tells whether one does — and :func:`build_searchset` renders them with exactly the includes
that were asked for:

* PS (INT_R01): ``Slot`` (match); ``Slot:schedule`` → ``Schedule``; ``Schedule:actor`` →
  ``Practitioner`` + ``PractitionerRole`` (Location contained). Slots only open to CPTS are not
  INT_R01 slots (``meta.security`` is bound to JDV_J165 "public, pro, SNP") and are left out.
* CPTS (INT_R04): the same, profiled ``sas-cpts-*``; ``Slot:service-type-reference`` →
  ``HealthcareService``; ``HealthcareService:organization`` → the CPTS ``Organization``.
* SOS: ``Schedule`` (match, one per fixed point having a matching slot);
  ``_revinclude=Slot:schedule`` → the matching ``Slot``\\ s; ``Schedule:actor:Location`` →
  ``Location``; ``Location:organization`` → the association ``Organization``.

Decisions on the IG's inconsistencies:

* ``total`` is the number of **match** entries (FHIR rule). For SOS that is the number of
  Schedules; the IG example counts Slots (``total`` 4 for 3 Schedules) — a client must not rely
  on either (§13).
* ``_include=Schedule:actor`` (plain, as GAP writes it) is served like ``_include:iterate``.
* An empty result is the FAQ's empty searchset (``total: 0`` + self link). The CPTS and SOS
  Bundle profiles reject an empty Bundle (entry min 4), so an empty answer claims the PS
  ``BundleAgregateur`` profile, the only aggregator Bundle profile that admits it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, MutableMapping
from typing import Any

from sasref.directory.model import Place, Practitioner
from sasref.fhir.systems import IDNPS_SYSTEM, IDNST_SYSTEM, Profile
from sasref.search import resources as res
from sasref.search.query import (
    INC_HCS_ORGANIZATION,
    INC_LOCATION_ORGANIZATION,
    INC_SCHEDULE_ACTOR,
    INC_SCHEDULE_LOCATION,
    INC_SERVICE_TYPE,
    INC_SLOT_SCHEDULE,
    REV_SLOT_SCHEDULE,
    SlotQuery,
)
from sasref.search.views import OfferCatalog, SlotView

__all__ = ["build_searchset", "empty_searchset", "slot_matches"]

Json = dict[str, Any]


def slot_matches(query: SlotQuery, slot: SlotView) -> bool:
    """Whether ``slot`` satisfies the query's window, identifiers and use case (free assumed)."""
    if not query.start_ge <= slot.start <= query.start_le:
        return False
    if query.target == "Schedule":
        return slot.sos_siret is not None and (IDNST_SYSTEM, slot.sos_siret) in query.identifiers
    if slot.practitioner_id is None or (IDNPS_SYSTEM, slot.practitioner_id) not in (
        query.identifiers
    ):
        return False
    if query.use_case == "ps":
        return any(t in res.PS_SLOT_TYPES for t in slot.types)
    return True


def empty_searchset(self_url: str) -> Json:
    """The FAQ's "nothing found" answer: ``total: 0`` and the self link."""
    return _bundle(Profile.BUNDLE_PS, self_url, [], 0)


def build_searchset(
    query: SlotQuery,
    catalog: OfferCatalog,
    slots: Iterable[SlotView],
    *,
    base_url: str,
    self_url: str,
    location_system: str | None = None,
    cache: MutableMapping[tuple[str, str], Json] | None = None,
) -> Json:
    """The searchset for ``slots`` (already selected by :func:`slot_matches`).

    ``base_url`` builds each ``fullUrl``; ``self_url`` is echoed as the ``self`` link;
    ``location_system`` is the editor's system for internal Location ids (default its base).
    ``cache`` (owned by the caller, one per editor and base URL) keeps rendered Slot entries
    between calls; cached entries are shared, so treat the result as read-only (copy it to
    alter it).
    """
    system = location_system or base_url
    ordered = sorted(slots, key=lambda s: (s.start, s.id))
    if query.target == "Schedule":
        return _sos(query, catalog, ordered, base_url, self_url, system, cache)
    return _ps(query, catalog, ordered, base_url, self_url, system, cache)


def _once(
    cache: MutableMapping[tuple[str, str], Json] | None,
    key: tuple[str, str],
    build: Callable[..., Json],
    *args: Any,
) -> Json:
    """``build(*args)``, kept in ``cache`` under ``key`` when there is one."""
    if cache is None:
        return build(*args)
    found = cache.get(key)
    if found is None:
        found = cache[key] = build(*args)
    return found


def _entry(base: str, resource: Json, mode: str) -> Json:
    return {
        "fullUrl": f"{base}/{resource['resourceType']}/{resource['id']}",
        "resource": resource,
        "search": {"mode": mode},
    }


class _Entries:
    """Entries in first-seen order, each resource once."""

    def __init__(self, base_url: str) -> None:
        self.base = base_url.rstrip("/")
        self.entries: list[Json] = []
        self.seen: set[tuple[str, str]] = set()
        self.matches = 0

    def add(self, resource: Json, mode: str) -> None:
        key = (resource["resourceType"], resource["id"])
        if key in self.seen:
            return
        self.seen.add(key)
        self.matches += mode == "match"
        self.entries.append(_entry(self.base, resource, mode))

    def add_entry(self, key: tuple[str, str], entry: Json) -> None:
        """Add a ready-made entry (a cached one) for resource ``key`` = (type, id)."""
        if key in self.seen:
            return
        self.seen.add(key)
        self.matches += entry["search"]["mode"] == "match"
        self.entries.append(entry)

    def has(self, resource_type: str, resource_id: str) -> bool:
        return (resource_type, resource_id) in self.seen


def _ps(
    query: SlotQuery,
    catalog: OfferCatalog,
    slots: list[SlotView],
    base_url: str,
    self_url: str,
    system: str,
    cache: MutableMapping[tuple[str, str], Json] | None,
) -> Json:
    use_case = query.use_case
    is_cpts = use_case == "cpts"
    want_schedule = query.wants(INC_SLOT_SCHEDULE)
    want_actor = want_schedule and query.wants(INC_SCHEDULE_ACTOR)
    want_hcs = is_cpts and query.wants(INC_SERVICE_TYPE)
    want_org = want_hcs and query.wants(INC_HCS_ORGANIZATION)
    out = _Entries(base_url)
    places: dict[tuple[str, str], tuple[Practitioner, Place] | None] = {}
    for slot in slots:
        if slot.practitioner_id is None or slot.place_id is None:
            continue
        if not is_cpts and not any(t in res.PS_SLOT_TYPES for t in slot.types):
            continue  # a CPTS-only slot is not an INT_R01 slot
        place_key = (slot.practitioner_id, slot.place_id)
        if place_key not in places:
            first_time = True
            practitioner = catalog.practitioners.get(slot.practitioner_id)
            place = catalog.place(slot.practitioner_id, slot.place_id)
            places[place_key] = (practitioner, place) if practitioner and place else None
        else:
            first_time = False
        found = places[place_key]
        if found is None:
            continue  # a slot the catalogue cannot describe is not served
        practitioner, place = found
        cpts: tuple[str, ...] | None = None
        if is_cpts:
            members = slot.cpts or practitioner.cpts
            cpts = tuple(f for f in members if f in catalog.cpts) if "CPTS" in slot.types else ()
        key = (use_case, slot.id)
        entry = cache.get(key) if cache is not None else None
        if entry is None:
            rendered = res.ps_slot(slot, practitioner, place, cpts=cpts)
            entry = _entry(out.base, rendered, "match")
            if cache is not None:
                cache[key] = entry
        out.add_entry(("Slot", entry["resource"]["id"]), entry)
        # Included resources are built once each: most slots share them.
        if first_time and want_schedule:
            out.add(
                _once(cache, ("Schedule", place.id), res.schedule, practitioner, place), "include"
            )
            if want_actor:
                if not out.has("Practitioner", res.practitioner_id(practitioner)):
                    out.add(
                        _once(
                            cache, ("Practitioner", practitioner.id), res.practitioner, practitioner
                        ),
                        "include",
                    )
                role = _once(
                    cache,
                    ("PractitionerRole", place.id),
                    res.practitioner_role,
                    practitioner,
                    place,
                    system,
                )
                out.add(role, "include")
        for finess in cpts or ():
            if want_hcs and not out.has("HealthcareService", res.healthcare_service_id(finess)):
                out.add(res.cpts_healthcare_service(catalog.cpts[finess]), "include")
            if want_org and not out.has("Organization", res.cpts_organization_id(finess)):
                out.add(res.cpts_organization(catalog.cpts[finess]), "include")
    if not out.entries:
        return empty_searchset(self_url)
    profile = Profile.BUNDLE_CPTS if is_cpts else Profile.BUNDLE_PS
    return _bundle(profile, self_url, out.entries, out.matches)


def _sos(
    query: SlotQuery,
    catalog: OfferCatalog,
    slots: list[SlotView],
    base_url: str,
    self_url: str,
    system: str,
    cache: MutableMapping[tuple[str, str], Json] | None,
) -> Json:
    want_slots = query.wants(REV_SLOT_SCHEDULE)
    want_location = query.wants(INC_SCHEDULE_LOCATION)
    want_org = want_location and query.wants(INC_LOCATION_ORGANIZATION)
    out = _Entries(base_url)
    for slot in slots:
        if slot.sos_siret is None or slot.fixed_point_id is None:
            continue
        association = catalog.associations.get(slot.sos_siret)
        fp = catalog.fixed_point(slot.sos_siret, slot.fixed_point_id)
        if association is None or fp is None:
            continue
        if want_slots:
            entry = cache.get(("sos", slot.id)) if cache is not None else None
            if entry is None:
                entry = _entry(out.base, res.sos_slot(slot, fp), "include")
                if cache is not None:
                    cache[("sos", slot.id)] = entry
            out.add_entry(("Slot", entry["resource"]["id"]), entry)
        if out.has("Schedule", res.sos_schedule_id(fp)):
            continue  # its Location and Organization are in already
        out.add(res.sos_schedule(fp), "match")
        if want_location:
            out.add(res.sos_location(fp, association, system), "include")
        if want_org and not out.has("Organization", res.sos_organization_id(association.siret)):
            out.add(res.sos_organization(association), "include")
    if not out.entries:
        return empty_searchset(self_url)
    return _bundle(Profile.BUNDLE_SOS, self_url, out.entries, out.matches)


def _bundle(profile: str, self_url: str, entries: list[Json], total: int) -> Json:
    bundle: Json = {
        "resourceType": "Bundle",
        "meta": {"profile": [profile]},
        "type": "searchset",
        "total": total,
        "link": [{"relation": "self", "url": self_url}],
    }
    if entries:
        bundle["entry"] = entries
    return bundle
