"""Editor side: render the searchset Bundle answering a slot search (digest §2.1–§2.4, §7, §13).

The caller (an editor's store) selects the slots matching the query — :func:`slot_matches`
tells whether one does — and :func:`build_searchset` renders them with exactly the includes
that were asked for (:func:`render_searchset` renders the same answer straight to JSON bytes,
reusing serialised entries kept in an :class:`EntryCache`: the editor's hot path):

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
from operator import attrgetter
from typing import Any, Protocol

import orjson

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

__all__ = ["EntryCache", "build_searchset", "empty_searchset", "render_searchset", "slot_matches"]

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
    out = _Entries(base_url, cache)
    profile = _fill(query, catalog, slots, system, out)
    if not out.entries:
        return empty_searchset(self_url)
    return _bundle(profile, self_url, out.entries, out.matches)


def render_searchset(
    query: SlotQuery,
    catalog: OfferCatalog,
    slots: Iterable[SlotView],
    *,
    base_url: str,
    self_url: str,
    location_system: str | None = None,
    cache: EntryCache | None = None,
) -> bytes:
    """:func:`build_searchset` serialised: compact UTF-8 JSON, byte for byte
    ``json.dumps(bundle, ensure_ascii=False, separators=(",", ":")).encode()``.

    The editor's hot path: ``cache`` (owned by the caller, one per editor, base URL and
    location system) keeps each entry serialised between calls — rendered Slots are immutable
    per id, and so are the included resources per model id — so a warm answer only orders
    the slots, looks their entries up and joins bytes.
    """
    system = location_system or base_url
    out = _Blobs(base_url, cache if cache is not None else EntryCache())
    profile = _fill(query, catalog, slots, system, out)
    if not out.parts:
        return _dumps(empty_searchset(self_url))
    head = _dumps(_bundle(profile, self_url, [], out.matches))
    parts = out.parts  # each blob starts with its separating comma: one copy joins them all
    parts[0] = parts[0][1:]
    return b"".join((head[:-1], b',"entry":[', *parts, b"]}"))


class EntryCache:
    """Serialised searchset entries (each with a leading comma) kept between answers.

    Slot entries are keyed by use case then slot id, included resources by (kind, model id).
    Bounded: past ``limit`` entries it starts afresh (a long-running editor must not grow).
    """

    def __init__(self, limit: int = 100_000) -> None:
        self.limit = limit
        # use case -> slot id -> (resource id, entry, (practitioner id, place id))
        self.slots: dict[str, dict[str, tuple[str, bytes, tuple[str, str]]]] = {}
        self.includes: dict[tuple[str, str], bytes] = {}
        # (place key, schedule wanted, actor wanted) -> the place and its includes, in order
        self.places: dict[
            tuple[tuple[str, str], bool, bool],
            tuple[tuple[Practitioner, Place], tuple[tuple[tuple[str, str], bytes], ...]],
        ] = {}

    def __len__(self) -> int:
        return len(self.includes) + sum(len(v) for v in self.slots.values())

    def trim(self) -> None:
        if len(self) > self.limit:
            self.slots.clear()
            self.includes.clear()
            self.places.clear()


def _in_order(slots: Iterable[SlotView]) -> list[SlotView]:
    """``slots`` sorted by (start, id): two stable sorts on one attribute each, twice as fast
    as one on a (datetime, str) tuple."""
    ordered = sorted(slots, key=_BY_ID)
    ordered.sort(key=_BY_START)
    return ordered


_BY_ID, _BY_START = attrgetter("id"), attrgetter("start")
_UNSEEN: Any = object()
_PS_TYPES = frozenset(res.PS_SLOT_TYPES)


def _dumps(value: Json) -> bytes:
    """Compact UTF-8 JSON, no ASCII escaping (what :mod:`json` writes with those options)."""
    return orjson.dumps(value)


def _entry(base: str, resource: Json, mode: str) -> Json:
    return {
        "fullUrl": f"{base}/{resource['resourceType']}/{resource['id']}",
        "resource": resource,
        "search": {"mode": mode},
    }


class _Out(Protocol):
    """Where :func:`_ps` and :func:`_sos` put the entries, in order, each resource once."""

    def has(self, resource_type: str, resource_id: str) -> bool: ...

    def slot_adder(self, use_case: str, mode: str, build: Build) -> Callable[..., None]:
        """``add(slot, *args)``: the entry of ``slot``, rendered by ``build(slot, *args)``."""

    def include(
        self, kind: str, model_id: str, rtype: str, rid: str, mode: str, build: Build, *args: Any
    ) -> None:
        """The entry of resource ``rtype/rid`` built from model ``model_id`` by ``build``."""


Build = Callable[..., Json]

#: Included resources the dict cache keeps (the others are cheap or rare).
_DICT_CACHED = {
    "ps-schedule": "Schedule",
    "practitioner": "Practitioner",
    "role": "PractitionerRole",
}


class _Entries:
    """Entries (dicts) in first-seen order, each resource once."""

    def __init__(self, base_url: str, cache: MutableMapping[tuple[str, str], Json] | None) -> None:
        self.base = base_url.rstrip("/")
        self.entries: list[Json] = []
        self.seen: set[tuple[str, str]] = set()
        self.matches = 0
        self.cache = cache

    def has(self, resource_type: str, resource_id: str) -> bool:
        return (resource_type, resource_id) in self.seen

    def slot_adder(self, use_case: str, mode: str, build: Build) -> Callable[..., None]:
        cache = self.cache

        def add(slot: SlotView, *args: Any) -> None:
            key = (use_case, slot.id)
            entry = cache.get(key) if cache is not None else None
            if entry is None:
                entry = _entry(self.base, build(slot, *args), mode)
                if cache is not None:
                    cache[key] = entry
            self._add(("Slot", entry["resource"]["id"]), entry)

        return add

    def include(
        self, kind: str, model_id: str, rtype: str, rid: str, mode: str, build: Build, *args: Any
    ) -> None:
        if (rtype, rid) in self.seen:
            return
        cache, cache_type = self.cache, _DICT_CACHED.get(kind)
        if cache is None or cache_type is None:
            resource = build(*args)
        else:
            found = cache.get((cache_type, model_id))
            resource = (
                found
                if found is not None
                else cache.setdefault((cache_type, model_id), build(*args))
            )
        self._add((resource["resourceType"], resource["id"]), _entry(self.base, resource, mode))

    def _add(self, key: tuple[str, str], entry: Json) -> None:
        if key in self.seen:
            return
        self.seen.add(key)
        self.matches += entry["search"]["mode"] == "match"
        self.entries.append(entry)


class _Blobs:
    """Serialised entries in first-seen order, each resource once (cached across calls)."""

    def __init__(self, base_url: str, cache: EntryCache) -> None:
        self.base = base_url.rstrip("/")
        self.parts: list[bytes] = []
        self.seen: set[tuple[str, str]] = set()  # included resources
        self.slot_ids: set[str] = set()
        self.matches = 0
        self.cache = cache

    def has(self, resource_type: str, resource_id: str) -> bool:
        if resource_type == "Slot":
            return resource_id in self.slot_ids
        return (resource_type, resource_id) in self.seen

    def slot_adder(self, use_case: str, mode: str, build: Build) -> Callable[..., None]:
        # The hot loop of a warm answer: one cache hit and one id check per slot.
        seen, append = self.slot_ids, self.parts.append
        cached = self.cache.slots.setdefault(use_case, {})
        match = mode == "match"

        def add(slot: SlotView, *args: Any) -> None:
            hit = cached.get(slot.id)
            if hit is None:
                rid = res.fhir_id(slot.id)
                blob = self._render(("Slot", rid), mode, build(slot, *args))
                place_key = (slot.practitioner_id or "", slot.place_id or "")
                hit = cached[slot.id] = (rid, blob, place_key)
            if hit[0] in seen:
                return
            seen.add(hit[0])
            append(hit[1])
            if match:
                self.matches += 1

        return add

    def include(
        self, kind: str, model_id: str, rtype: str, rid: str, mode: str, build: Build, *args: Any
    ) -> None:
        key = (rtype, rid)
        if key in self.seen:
            return
        self.seen.add(key)
        includes = self.cache.includes
        blob = includes.get((kind, model_id))
        if blob is None:
            blob = includes[(kind, model_id)] = self._render(key, mode, build(*args))
        self.matches += mode == "match"
        self.parts.append(blob)

    def cache_place(
        self,
        place_key: tuple[str, str],
        want_schedule: bool,
        want_actor: bool,
        practitioner: Practitioner,
        place: Place,
    ) -> None:
        """Keep the includes a place brings into an INT_R01 answer (just added: cached)."""
        includes = self.cache.includes
        found: list[tuple[tuple[str, str], bytes]] = []
        if want_schedule:
            found.append(
                (("Schedule", res.schedule_id(place)), includes[("ps-schedule", place.id)])
            )
        if want_actor:
            found.append(
                (("Practitioner", res.practitioner_id(practitioner)),
                 includes[("practitioner", practitioner.id)])
            )  # fmt: skip
            found.append((("PractitionerRole", res.role_id(place)), includes[("role", place.id)]))
        self.cache.places[(place_key, want_schedule, want_actor)] = (
            (practitioner, place),
            tuple(found),
        )

    def _render(self, key: tuple[str, str], mode: str, resource: Json) -> bytes:
        if (resource["resourceType"], resource["id"]) != key:  # pragma: no cover - a bug
            raise AssertionError(f"{key} rendered as {resource['resourceType']}/{resource['id']}")
        return b"," + _dumps(_entry(self.base, resource, mode))


def _fill(
    query: SlotQuery, catalog: OfferCatalog, slots: Iterable[SlotView], system: str, out: _Out
) -> str:
    """Add the answer's entries to ``out`` in order; return the Bundle profile it follows."""
    ordered = _in_order(slots)
    if query.target == "Schedule":
        _sos(query, catalog, ordered, system, out)
        return Profile.BUNDLE_SOS
    _ps(query, catalog, ordered, system, out)
    return Profile.BUNDLE_CPTS if query.use_case == "cpts" else Profile.BUNDLE_PS


def _ps(
    query: SlotQuery,
    catalog: OfferCatalog,
    slots: list[SlotView],
    system: str,
    out: _Out,
) -> None:
    use_case = query.use_case
    is_cpts = use_case == "cpts"
    want_schedule = query.wants(INC_SLOT_SCHEDULE)
    want_actor = want_schedule and query.wants(INC_SCHEDULE_ACTOR)
    want_hcs = is_cpts and query.wants(INC_SERVICE_TYPE)
    want_org = want_hcs and query.wants(INC_HCS_ORGANIZATION)
    places: dict[tuple[str, str], tuple[Practitioner, Place] | None] = {}
    add_slot = out.slot_adder(use_case, "match", _ps_slot)
    ps_types = _PS_TYPES
    # Warm INT_R01 answers: a slot already served is one cached blob, and the first slot of
    # each place brings the place's cached includes (CPTS includes are INT_R04's: not here).
    blobs = out if isinstance(out, _Blobs) and not is_cpts else _Blobs("", EntryCache())
    known = blobs.cache.slots.setdefault(use_case, {})  # for dicts or INT_R04: empty, no hit
    place_includes, seen, slot_ids = blobs.cache.places, blobs.seen, blobs.slot_ids
    append = blobs.parts.append
    fast = 0
    for slot in slots:
        hit = known.get(slot.id)
        if hit is not None:
            place_key = hit[2]
            fresh = (
                None
                if place_key in places
                else place_includes.get((place_key, want_schedule, want_actor))
            )
            if fresh is not None or place_key in places:
                if hit[0] not in slot_ids:
                    slot_ids.add(hit[0])
                    append(hit[1])
                    fast += 1
                if fresh is not None:  # the first slot of its place: the place's includes
                    places[place_key] = fresh[0]
                    for key, blob in fresh[1]:
                        if key not in seen:
                            seen.add(key)
                            append(blob)
                continue
            # else: a place seen for the first time: the general path caches its includes
        practitioner_id, place_id = slot.practitioner_id, slot.place_id
        if practitioner_id is None or place_id is None:
            continue
        if not is_cpts and ps_types.isdisjoint(slot.types):
            continue  # a CPTS-only slot is not an INT_R01 slot
        place_key = (practitioner_id, place_id)
        found = places.get(place_key, _UNSEEN)
        first_time = found is _UNSEEN
        if first_time:
            practitioner = catalog.practitioners.get(practitioner_id)
            place = catalog.place(practitioner_id, place_id)
            found = places[place_key] = (practitioner, place) if practitioner and place else None
        if found is None:
            continue  # a slot the catalogue cannot describe is not served
        practitioner, place = found
        cpts: tuple[str, ...] | None = None
        if is_cpts:
            members = slot.cpts or practitioner.cpts
            cpts = tuple(f for f in members if f in catalog.cpts) if "CPTS" in slot.types else ()
        add_slot(slot, practitioner, place, cpts)
        # Included resources are built once each: most slots share them.
        if first_time and want_schedule:
            out.include(
                "ps-schedule", place.id, "Schedule", res.schedule_id(place), "include",
                res.schedule, practitioner, place,
            )  # fmt: skip
            if want_actor:
                out.include(
                    "practitioner", practitioner.id, "Practitioner",
                    res.practitioner_id(practitioner), "include", res.practitioner, practitioner,
                )  # fmt: skip
                out.include(
                    "role", place.id, "PractitionerRole", res.role_id(place), "include",
                    res.practitioner_role, practitioner, place, system,
                )  # fmt: skip
        if first_time and blobs is out:
            blobs.cache_place(place_key, want_schedule, want_actor, practitioner, place)
        if cpts:
            _cpts_includes(out, catalog, cpts, want_hcs, want_org)
    blobs.matches += fast


def _cpts_includes(
    out: _Out, catalog: OfferCatalog, cpts: tuple[str, ...], want_hcs: bool, want_org: bool
) -> None:
    for finess in cpts:
        if want_hcs:
            out.include(
                "hcs", finess, "HealthcareService", res.healthcare_service_id(finess),
                "include", res.cpts_healthcare_service, catalog.cpts[finess],
            )  # fmt: skip
        if want_org:
            out.include(
                "cpts-org", finess, "Organization", res.cpts_organization_id(finess),
                "include", res.cpts_organization, catalog.cpts[finess],
            )  # fmt: skip


def _ps_slot(
    slot: SlotView, practitioner: Practitioner, place: Place, cpts: tuple[str, ...] | None
) -> Json:
    return res.ps_slot(slot, practitioner, place, cpts=cpts)


def _sos(
    query: SlotQuery,
    catalog: OfferCatalog,
    slots: list[SlotView],
    system: str,
    out: _Out,
) -> None:
    want_slots = query.wants(REV_SLOT_SCHEDULE)
    want_location = query.wants(INC_SCHEDULE_LOCATION)
    want_org = want_location and query.wants(INC_LOCATION_ORGANIZATION)
    add_slot = out.slot_adder("sos", "include", res.sos_slot)
    for slot in slots:
        if slot.sos_siret is None or slot.fixed_point_id is None:
            continue
        association = catalog.associations.get(slot.sos_siret)
        fp = catalog.fixed_point(slot.sos_siret, slot.fixed_point_id)
        if association is None or fp is None:
            continue
        if want_slots:
            add_slot(slot, fp)
        schedule_id = res.sos_schedule_id(fp)
        if out.has("Schedule", schedule_id):
            continue  # its Location and Organization are in already
        out.include("sos-schedule", fp.id, "Schedule", schedule_id, "match", res.sos_schedule, fp)
        if want_location:
            out.include(
                "sos-location", fp.id, "Location", res.sos_location_id(fp), "include",
                res.sos_location, fp, association, system,
            )  # fmt: skip
        if want_org:
            out.include(
                "sos-org", association.siret, "Organization",
                res.sos_organization_id(association.siret), "include", res.sos_organization,
                association,
            )  # fmt: skip


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
