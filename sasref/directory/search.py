"""The directory search as the real SAS platform does it (``sas-platform-search.md`` §1.3-1.8).

* **Perimeter** (§1.3): an address or a commune → circle of the département's
  ``cityDefaultRadius`` around the (commune-level) point; a département → its barycentre and
  ``countyRadius`` (Appendix A). A caller-drawn radius overrides it (the map's relaunch).
* **Order** (§1.4, §1.6): SAS participants first, then distance for an address search, or a
  seeded random order for a commune / département / map search. The seed is kept for the whole
  search session, so pages never overlap (the platform's page-2 reseeding, quirk §8.2, is fixed).
* **Médecin traitant** (§3.2): looked up nationwide (RPPS prefixed or raw, the LRM's
  ``urn:oid:1.2.250.1.71.4.2.1|8…`` form, or a name matching exactly one practitioner with an
  RPPS, as the platform drops documents without one); all his places are pinned first — even
  with no slot and outside the circle — and he is removed from the main list. Not found →
  ``sas_pf_001``.
* **CPTS** (§6.2): the CPTS whose intervention zone contains the searched commune replace their
  member cards by one CPTS card at the first member's position. A département search has no
  commune, so no CPTS substitution (as on the platform, whose CPTS list is keyed by INSEE code).
* **SOS Médecins** (§6.1): fixed points in the circle are cards of their own, ranked as SAS
  participants; shown for a general-practice search (or no speciality).
* **Surnuméraire** (§6.3, ``SearchRequest.overbooking``): only the offers that accept patients
  "en sus des disponibilités" (:mod:`sasref.directory.overbooking`): practitioners' places, the
  MSP and centres de santé taking part as structures (general practice or no speciality, like SOS
  cards), SOS fixed points; CPTS cards stand for the members taking part through their CPTS (the
  platform's ``ss_sas_cpts_finess``). Same perimeter and order; no slots are needed.
* **Few or no results** (§1.8): no automatic widening (the platform's enlargement is dead code);
  an empty result is returned as such, with the radius used, for the UI to say so.
* **Pagination** (§1.7): 5 cards per page by default, with totals.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

from sasref.directory import geo
from sasref.directory.cards import (
    Card,
    CardList,
    CptsCard,
    PractitionerCard,
    SosCard,
    StructureCard,
)
from sasref.directory.directory import Directory
from sasref.directory.geocode import (
    GeoPoint,
    PlaceKind,
    department_point,
    geocode,
    geocode_parts,
)
from sasref.directory.index import GridIndex
from sasref.directory.model import (
    AgendaKind,
    Cpts,
    FixedPoint,
    HealthStructure,
    Place,
    Practitioner,
)
from sasref.directory.model import SosAssociation as Sos
from sasref.directory.overbooking import place_accepts, via_cpts
from sasref.errors import InvalidInput
from sasref.fhir.codes import TRE_G15_PROFESSION

#: TRE_R38 codes of general practice (SOS Médecins cards are shown for these).
GENERAL_PRACTICE = frozenset({"SM26", "SM53", "SM54"})
RPPS_OID = "1.2.250.1.71.4.2.1"
PROFESSION_PREFIX = "G15:"  # a profession filter (TRE_G15 code) rather than a speciality
MAX_PER_PAGE = 100
_STOP_WORDS = frozenset(
    {
        "consultation",
        "consultations",
        "de",
        "des",
        "du",
        "d",
        "la",
        "le",
        "les",
        "l",
        "en",
        "et",
        "un",
        "une",
        "pour",
        "chez",
        "rdv",
        "avec",
        "au",
        "aux",
        "dr",
        "docteur",
    }
)


class UnknownSpeciality(InvalidInput):
    """A speciality text that matches no TRE_R38 code or label."""


class TreatingStatus(StrEnum):
    FOUND = "found"
    NOT_FOUND = "sas_pf_001"  # "Preferred doctor cannot be found."
    MISSING = "sas_pf_002"  # no médecin traitant given (for the LRM URL; never set here)


@dataclass(frozen=True, slots=True)
class TreatingLookup:
    query: str
    status: TreatingStatus
    practitioner: Practitioner | None = None


@dataclass(frozen=True, slots=True)
class SearchRequest:
    """Give exactly one place: ``where`` (free text: address, commune, postcode, INSEE code,
    département), ``point`` (already geocoded), ``commune`` (INSEE code) or ``department``."""

    where: str | None = None
    point: GeoPoint | None = None
    commune: str | None = None
    department: str | None = None
    # TRE_R38 code, TRE_G15 profession ("G15:60"), or free text; None = every speciality.
    speciality: str | None = None
    page: int = 1
    per_page: int = 5
    seed: int = 0  # random order of commune/département searches; keep it for the session
    treating_practitioner: str | None = None
    radius_km: float | None = None  # overrides the département default (map circle)
    include_sos: bool = True
    agenda_only: bool = False  # drop offers whose agenda is invisible to the SAS
    #: The surnuméraire list: only offers accepting patients en sus des disponibilités (§6.3).
    overbooking: bool = False


@dataclass(frozen=True, slots=True)
class SearchResult:
    request: SearchRequest
    point: GeoPoint
    radius_km: float
    sort: Literal["distance", "random"]
    speciality_codes: frozenset[str] | None
    ordered: Sequence[Card]  # every card, in display order (built on access: CardList)
    cards: tuple[Card, ...]  # the requested page
    page: int
    per_page: int
    total: int
    pages: int
    treating: TreatingLookup | None = None
    cpts_in_zone: tuple[Cpts, ...] = ()
    counts: dict[str, int] = field(default_factory=dict)  # per card kind, whole list

    @property
    def empty(self) -> bool:
        return self.total == 0


_MASK = (1 << 64) - 1


def _hash64(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


def _mix(x: int) -> int:
    """A cheap, well-spread permutation of 64-bit integers (a multiply-xorshift round)."""
    x = (x * 0x9E3779B97F4A7C15) & _MASK
    return x ^ (x >> 29)


def seeded_rank(seed: int, key: str) -> int:
    """The position key of ``key`` in the random order of ``seed`` (stable across pages)."""
    return _mix(_hash64(key) ^ _mix(seed & _MASK))


def _words(text: str) -> list[str]:
    return [w for w in geo.normalize_name(text).split() if w not in _STOP_WORDS]


def _word_match(query: str, label: str) -> bool:
    return query == label or (
        min(len(query), len(label)) >= 4 and (label.startswith(query) or query.startswith(label))
    )


def filter_key(practitioner: Practitioner) -> str:
    """What the speciality filter matches: the TRE_R38 speciality of a médecin (profession
    ``10``), ``G15:<profession>`` for other professions (nurse ``G15:60``, midwife ``G15:50``)."""
    if practitioner.profession in ("10", "") and practitioner.speciality:
        return practitioner.speciality
    return PROFESSION_PREFIX + practitioner.profession


_PlaceItem = tuple[Practitioner, Place, str, int]
_FixedItem = tuple[Sos, FixedPoint, str, int]
_StructureItem = tuple[HealthStructure, str, int]


# An entry of the result list: (sort key, kind, distance km, a, b) where (a, b) is
# (practitioner, place), (association, fixed point), or (finess, member entries) for a CPTS.
# The sort key is one number (participants first: non-participants get an offset), so sorting
# compares floats/ints only; ties keep the index order, which is deterministic.
_Entry = tuple[Any, int, float, Any, Any]
_PS, _SOS, _PINNED, _CPTS, _STRUCTURE = 0, 1, 2, 3, 4
_NOT_PARTICIPANT_KM = 1e6  # added to the distance of a non-participant
_NOT_PARTICIPANT_RANK = 1 << 64  # added to the random rank of a non-participant


def _sort_key(entry: _Entry) -> Any:
    return entry[0]


class DirectorySearch:
    """Searches one :class:`Directory`; builds its indexes once (≈ 0.2 s for 40 000 PS)."""

    def __init__(self, directory: Directory) -> None:
        self.directory = directory
        # Items carry their card key and its hash, computed once (seeded order = mix(hash^seed)).
        self._places: GridIndex[_PlaceItem] = GridIndex()
        # The places accepting extra patients, indexed apart: the surnuméraire list scans them only.
        self._extra_places: GridIndex[_PlaceItem] = GridIndex()
        displays: dict[str, str] = {}
        structures = directory.structures
        for p in directory.practitioners.values():
            partition = filter_key(p)
            displays.setdefault(partition, p.speciality_display)
            for place in p.places:
                a, key = place.address, f"ps:{p.id}:{place.id}"
                item = (p, place, key, _hash64(key))
                self._places.add(a.latitude, a.longitude, item, key=partition)
                if place_accepts(p, place, structures):
                    self._extra_places.add(a.latitude, a.longitude, item, key=partition)
        self._structures: GridIndex[_StructureItem] = GridIndex()
        for structure in structures.values():
            if structure.overbooking:
                key = f"structure:{structure.id}"
                a = structure.address
                self._structures.add(a.latitude, a.longitude, (structure, key, _hash64(key)))
        self._fixed: GridIndex[_FixedItem] = GridIndex()
        for sos in directory.sos.values():
            for fp in sos.fixed_points:
                key = f"sos:{sos.siret}:{fp.id}"
                item2 = (sos, fp, key, _hash64(key))
                self._fixed.add(fp.address.latitude, fp.address.longitude, item2)
        try:
            from sasref.fhir.specialities import SPECIALITIES

            for code, concept in SPECIALITIES.items():
                displays.setdefault(code, concept.display)
        except ImportError:  # pragma: no cover - the vocabulary module is part of sasref
            pass
        self._displays = {code: _words(label) for code, label in displays.items()}

    # --- inputs ------------------------------------------------------------------------------
    def locate(self, request: SearchRequest) -> GeoPoint:
        given = [
            x is not None
            for x in (request.where, request.point, request.commune, request.department)
        ]
        if sum(given) != 1:
            raise InvalidInput("give exactly one of where, point, commune or department")
        if request.point is not None:
            return request.point
        if request.commune is not None:
            return geocode_parts(insee=request.commune)
        if request.department is not None:
            return department_point(request.department)
        assert request.where is not None
        return geocode(request.where)

    def resolve_speciality(self, text: str | None) -> frozenset[str] | None:
        """TRE_R38 codes a filter means (``None``: no filter). General practice is one family."""
        if text is None or not text.strip():
            return None
        value = text.strip()
        codes: set[str] = set()
        if value.upper() in self._displays:
            codes.add(value.upper())
        else:
            from sasref.fhir.specialities import lookup_speciality

            concept = lookup_speciality(value)
            if concept is not None and concept.system == TRE_G15_PROFESSION:
                codes.add(PROFESSION_PREFIX + concept.code)
            elif concept is not None:
                codes.add(concept.code)
            else:
                wanted = _words(value)
                for code, label in self._displays.items():
                    if wanted and all(any(_word_match(w, lw) for lw in label) for w in wanted):
                        codes.add(code)
        if not codes:
            raise UnknownSpeciality(f"unknown speciality {text!r} (a TRE_R38 code or its label)")
        if codes & GENERAL_PRACTICE:
            codes |= GENERAL_PRACTICE
        return frozenset(codes)

    def find_treating(self, value: str) -> TreatingLookup:
        """The médecin traitant, nationwide (§3.1-3.2)."""
        text = value.strip()
        lowered = text.lower()
        if lowered.startswith("urn:oid:"):
            oid, _, code = text[len("urn:oid:") :].partition("|")
            if oid != RPPS_OID or len(code) != 12 or not code.startswith("8"):
                return TreatingLookup(value, TreatingStatus.NOT_FOUND)
            text = code
        elif ":" in text or "urn" in lowered or "oid" in lowered:
            return TreatingLookup(value, TreatingStatus.NOT_FOUND)
        found = self.directory.practitioner(text)
        if found is None and not text.isdigit():
            words = text.split()
            if words and geo.normalize_name(words[0]) in ("dr", "docteur"):
                text = " ".join(words[1:])
            named = self.directory.practitioners_named(text) if text else []
            # The platform drops documents without an RPPS, then needs exactly one RPPS left.
            named = [p for p in named if p.id.startswith("8")]
            found = named[0] if len(named) == 1 else None
        if found is None or not found.id.startswith("8"):
            return TreatingLookup(value, TreatingStatus.NOT_FOUND)
        return TreatingLookup(value, TreatingStatus.FOUND, found)

    # --- the search --------------------------------------------------------------------------
    def search(self, request: SearchRequest) -> SearchResult:
        if request.page < 1:
            raise InvalidInput("page starts at 1")
        if not 1 <= request.per_page <= MAX_PER_PAGE:
            raise InvalidInput(f"per_page must be between 1 and {MAX_PER_PAGE}")
        if request.radius_km is not None and not 0 < request.radius_km <= 500:
            raise InvalidInput("radius_km must be in (0, 500]")
        point = self.locate(request)
        radius = float(request.radius_km if request.radius_km is not None else point.radius_km)
        sort: Literal["distance", "random"] = (
            "distance" if point.kind is PlaceKind.ADDRESS else "random"
        )
        codes = self.resolve_speciality(request.speciality)
        treating = (
            self.find_treating(request.treating_practitioner)
            if request.treating_practitioner
            else None
        )
        excluded = treating.practitioner.id if treating and treating.practitioner else None

        by_distance = sort == "distance"
        seed_mix = _mix(request.seed & _MASK)
        # Cards are only built for what is read (the page); the rest on demand (CardList).
        entries: list[_Entry] = []
        append = entries.append
        lat, lon = point.latitude, point.longitude
        agenda_only = request.agenda_only
        overbooking = request.overbooking
        places = self._extra_places if overbooking else self._places
        for d, (practitioner, place, _key, h) in places.within(lat, lon, radius, keys=codes):
            if practitioner.id == excluded:
                continue
            if agenda_only and practitioner.agenda is AgendaKind.NONE:
                continue
            if by_distance:
                rank: float = d if practitioner.sas_participant else d + _NOT_PARTICIPANT_KM
            else:
                rank = _mix(h ^ seed_mix)
                if not practitioner.sas_participant:
                    rank += _NOT_PARTICIPANT_RANK
            append((rank, _PS, d, practitioner, place))
        general = codes is None or bool(codes & GENERAL_PRACTICE)
        if request.include_sos and general:
            for d, (sos, fp, _key, h) in self._fixed.within(lat, lon, radius):
                # Fixed points are listed because their association takes part in the SAS.
                if overbooking and not sos.overbooking:
                    continue
                append((d if by_distance else _mix(h ^ seed_mix), _SOS, d, sos, fp))
        if overbooking and general:
            for d, (structure, _key, h) in self._structures.within(lat, lon, radius):
                append((d if by_distance else _mix(h ^ seed_mix), _STRUCTURE, d, structure, None))
        entries.sort(key=_sort_key)
        zone: tuple[Cpts, ...] = ()
        if point.kind is not PlaceKind.COUNTY and point.insee:
            zone = tuple(self.directory.cpts_covering(point.insee))
        entries = self._group_cpts(entries, zone, via_cpts_only=overbooking)
        if treating is not None and treating.practitioner is not None:
            pinned = self._pinned(treating.practitioner, point)
            if overbooking:
                structures = self.directory.structures
                pinned = [e for e in pinned if place_accepts(e[3], e[4], structures)]
            entries = [*pinned, *entries]
        return self._page(
            request, point, radius, sort, codes, entries, treating, zone
        )  # fmt: skip

    def _group_cpts(
        self, entries: list[_Entry], zone: tuple[Cpts, ...], *, via_cpts_only: bool = False
    ) -> list[_Entry]:
        """Replace the member cards of the zone's CPTS by one card at the first member (§6.2);
        ``via_cpts_only``: only members taking part in the SAS through that CPTS (surnuméraire)."""
        if not zone:
            return entries
        member_of: dict[str, str] = {}
        for cpts in zone:
            for member in self.directory.cpts_members(cpts.finess):
                if via_cpts_only:
                    p = self.directory.practitioners.get(member)
                    if p is None or via_cpts(p) != cpts.finess:
                        continue
                member_of.setdefault(member, cpts.finess)
        out: list[_Entry] = []
        groups: dict[str, list[_Entry]] = {}
        for entry in entries:
            finess = member_of.get(entry[3].id) if entry[1] == _PS else None
            if finess is None:
                out.append(entry)
            elif finess in groups:
                groups[finess].append(entry)
            else:
                groups[finess] = [entry]
                out.append((entry[0], _CPTS, entry[2], finess, groups[finess]))
        return out

    def _build(self, entry: _Entry) -> Card:
        _, kind, d, a, b = entry
        if kind == _PS:
            return PractitionerCard(a, b, d)
        if kind == _SOS:
            return SosCard(a, b, d)
        if kind == _PINNED:
            return PractitionerCard(a, b, d, treating=True)
        if kind == _STRUCTURE:
            return StructureCard(a, d)
        members = tuple(
            self.directory.practitioners[m]
            for m in self.directory.cpts_members(a)
            if m in self.directory.practitioners
        )
        return CptsCard(
            cpts=self.directory.cpts[a],
            members=members,
            replaced=tuple(PractitionerCard(e[3], e[4], e[2]) for e in b),
            distance_km=min(e[2] for e in b),
        )

    @staticmethod
    def _pinned(practitioner: Practitioner, point: GeoPoint) -> list[_Entry]:
        entries: list[_Entry] = [
            (
                (d, place.id),
                _PINNED,
                d,
                practitioner,
                place,
            )
            for place in practitioner.places
            for d in [
                geo.distance_km(
                    point.latitude, point.longitude, place.address.latitude, place.address.longitude
                )
            ]
        ]
        entries.sort(key=_sort_key)
        return entries

    def _page(
        self,
        request: SearchRequest,
        point: GeoPoint,
        radius: float,
        sort: Literal["distance", "random"],
        codes: frozenset[str] | None,
        entries: list[_Entry],
        treating: TreatingLookup | None,
        zone: tuple[Cpts, ...],
    ) -> SearchResult:
        total = len(entries)
        per_page = request.per_page
        start = (request.page - 1) * per_page
        kinds = Counter(entry[1] for entry in entries)
        counts = {
            "practitioner": kinds[_PS] + kinds[_PINNED],
            "cpts": kinds[_CPTS],
            "sos": kinds[_SOS],
            "structure": kinds[_STRUCTURE],
        }
        ordered = CardList(entries, self._build)
        return SearchResult(
            request=request,
            point=point,
            radius_km=radius,
            sort=sort,
            speciality_codes=codes,
            ordered=ordered,
            cards=ordered[start : start + per_page],
            page=request.page,
            per_page=per_page,
            total=total,
            pages=(total + per_page - 1) // per_page,
            treating=treating,
            cpts_in_zone=zone,
            counts=counts,
        )
