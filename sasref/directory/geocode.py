"""Geocoding with the embedded geography (spec ``sas-platform-search.md`` §1.2-1.3).

The real platform geocodes with the national address base (BAN) and classifies the place as an
``address``, a ``city`` or a ``county`` (département); the kind decides the search circle
(département ``cityDefaultRadius`` around the point, or the département barycentre and its
``countyRadius``) and the order (distance for an address, random otherwise). sasref has no
network geocoder: precision is the **commune** (its town centre); the street number and name are
kept for display only. Unknown places raise :class:`GeocodingError` (the platform's "zone not
recognised").

Accepted inputs of :func:`geocode`: a département code (``"33"``, ``"2A"``, ``"971"``) or name
(``"Gironde"``); an INSEE code (``"33063"``); a postcode (``"33000"``); a commune name
(``"Saint-Étienne"``); a postal address (``"12 rue Sainte-Catherine 33000 Bordeaux"``, the commune
found by its postcode and/or name). :func:`geocode_parts` takes the LRM's split fields.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from sasref.directory import geo
from sasref.errors import InvalidInput


class GeocodingError(InvalidInput):
    """The place cannot be located with the embedded geography."""


class PlaceKind(StrEnum):
    ADDRESS = "address"  # sorted by distance
    CITY = "city"  # random order
    COUNTY = "county"  # département: barycentre + countyRadius, random order


@dataclass(frozen=True, slots=True)
class GeoPoint:
    """A located search place: the circle centre and what it was found from."""

    latitude: float
    longitude: float
    kind: PlaceKind
    department: str
    radius_km: float  # the default search radius for this kind of place (Appendix A)
    label: str
    insee: str | None = None
    city: str | None = None
    postal_code: str | None = None
    street_number: str | None = None
    street_name: str | None = None


_STREET_NUMBER = re.compile(r"^\s*(\d{1,5})\s*(bis|ter|quater|[a-d])?\b[\s,]*", re.IGNORECASE)
_POSTCODE = re.compile(r"\b(\d{5})\b")
_DEPARTMENT_CODE = re.compile(r"\d{1,3}|20?[abAB]")


def _commune_point(
    commune: geo.Commune,
    kind: PlaceKind,
    *,
    street_number: str | None = None,
    street_name: str | None = None,
    postal_code: str | None = None,
) -> GeoPoint:
    postcode = postal_code if postal_code in commune.postcodes else commune.postcode
    street = " ".join(p for p in (street_number, street_name) if p)
    label = f"{street}, {postcode} {commune.name}" if street else f"{commune.name} ({postcode})"
    return GeoPoint(
        latitude=commune.latitude,
        longitude=commune.longitude,
        kind=kind,
        department=commune.department,
        radius_km=geo.search_radius_km(
            commune.department, "county" if kind is PlaceKind.COUNTY else "city"
        ),
        label=label,
        insee=commune.insee,
        city=commune.name,
        postal_code=postcode,
        street_number=street_number,
        street_name=street_name,
    )


def department_point(code: str) -> GeoPoint:
    """A département-level search: barycentre (or prefecture) and ``countyRadius``."""
    try:
        dep = geo.department(code)
    except InvalidInput as exc:
        raise GeocodingError(f"unknown département {code!r}") from exc
    lat, lon = geo.search_centre(dep.code)
    return GeoPoint(
        latitude=lat,
        longitude=lon,
        kind=PlaceKind.COUNTY,
        department=dep.code,
        radius_km=geo.search_radius_km(dep.code, "county"),
        label=f"{dep.name} ({dep.code})",
    )


def point_at(latitude: float, longitude: float, *, radius_km: float | None = None) -> GeoPoint:
    """A point given by coordinates (the map's "relaunch here"): typed ``city`` as the platform
    does after a reverse geocoding, in the nearest embedded commune's département."""
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise GeocodingError(f"invalid coordinates {latitude}, {longitude}")
    nearest = min(
        geo.COMMUNES.values(),
        key=lambda c: geo.distance_km(latitude, longitude, c.latitude, c.longitude),
    )
    default = geo.search_radius_km(nearest.department, "city")
    return GeoPoint(
        latitude=latitude,
        longitude=longitude,
        kind=PlaceKind.CITY,
        department=nearest.department,
        radius_km=float(radius_km) if radius_km is not None else default,
        label=f"{latitude:.5f}, {longitude:.5f}",
        insee=nearest.insee,
        city=nearest.name,
        postal_code=nearest.postcode,
    )


@cache
def _departments_by_name() -> dict[str, geo.Department]:
    return {geo.normalize_name(d.name): d for d in geo.DEPARTMENTS.values()}


def _department_by_name(text: str) -> geo.Department | None:
    return _departments_by_name().get(geo.normalize_name(text))


def _commune_in_text(text: str) -> tuple[geo.Commune, str] | None:
    """The commune whose exact name ends ``text`` (longest match) and the text before it."""
    words = text.replace(",", " , ").split()
    for size in range(min(6, len(words)), 0, -1):
        tail = " ".join(w for w in words[-size:] if w != ",")
        if not tail:
            continue
        needle = geo.normalize_name(tail)
        hits = [c for c in geo.find_communes(tail) if geo.normalize_name(c.name) == needle]
        if hits:
            head = " ".join(words[:-size]).strip(" ,")
            return hits[0], head
    return None


def geocode(query: str) -> GeoPoint:
    """Locate a search place; :class:`GeocodingError` with a readable message when unknown."""
    text = " ".join(query.split())
    if not text:
        raise GeocodingError("empty place: give an address, a commune, a postcode or a département")
    compact = text.replace(" ", "")
    # Département code ("33", "2A", "971").
    if _DEPARTMENT_CODE.fullmatch(compact):
        return department_point(compact)
    # INSEE code, then postcode.
    if len(compact) == 5 and (compact.isdigit() or compact[:2].upper() in ("2A", "2B")):
        commune = geo.commune_by_insee(compact.upper())
        if commune is not None:
            return _commune_point(commune, PlaceKind.CITY)
        if compact.isdigit():
            found = geo.find_communes(compact)
            if found:
                return _commune_point(found[0], PlaceKind.CITY, postal_code=compact)
        raise GeocodingError(f"{text!r}: no commune with this INSEE code or postcode")
    # A commune or département name alone.
    exact = [
        c for c in geo.find_communes(text) if geo.normalize_name(c.name) == geo.normalize_name(text)
    ]
    if exact:
        return _commune_point(exact[0], PlaceKind.CITY)
    dep = _department_by_name(text)
    if dep is not None:
        return department_point(dep.code)
    return _geocode_address(text)


def _geocode_address(text: str) -> GeoPoint:
    number_match = _STREET_NUMBER.match(text)
    street_number = None
    rest = text
    if number_match:
        street_number = number_match.group(1) + (number_match.group(2) or "").lower()
        rest = text[number_match.end() :]
    postcode_match = _POSTCODE.search(rest)
    if postcode_match:
        postcode = postcode_match.group(1)
        candidates = geo.find_communes(postcode)
        if not candidates:
            raise GeocodingError(f"{text!r}: unknown postcode {postcode}")
        after = geo.normalize_name(rest[postcode_match.end() :])
        commune = next(
            (c for c in candidates if after and geo.normalize_name(c.name) == after), candidates[0]
        )
        street = rest[: postcode_match.start()].strip(" ,") or None
        return _commune_point(
            commune,
            PlaceKind.ADDRESS if street else PlaceKind.CITY,
            street_number=street_number if street else None,
            street_name=street,
            postal_code=postcode,
        )
    found = _commune_in_text(rest)
    if found is None:
        partial = geo.find_communes(text)
        if partial and street_number is None:
            return _commune_point(partial[0], PlaceKind.CITY)
        raise GeocodingError(f"{text!r}: no known commune in this place")
    commune, street = found
    return _commune_point(
        commune,
        PlaceKind.ADDRESS if street else PlaceKind.CITY,
        street_number=street_number if street else None,
        street_name=street or None,
    )


def geocode_parts(
    *,
    street_number: str | None = None,
    street_name: str | None = None,
    postal_code: str | None = None,
    insee: str | None = None,
    city: str | None = None,
) -> GeoPoint:
    """Locate the LRM's split address (§3.1): INSEE code first, else postcode, else city name.

    An address with a street name is an ``address`` search (distance order), else a ``city`` one.
    """
    commune: geo.Commune | None = None
    if insee:
        commune = geo.commune_by_insee(insee.strip())
        if commune is None:
            raise GeocodingError(f"unknown INSEE code {insee!r}")
    elif postal_code:
        found = geo.find_communes(postal_code.strip())
        if city:
            named = [c for c in found if geo.normalize_name(c.name) == geo.normalize_name(city)]
            found = named or found
        commune = found[0] if found else None
    elif city:
        found = geo.find_communes(city)
        commune = found[0] if found else None
    if commune is None:
        raise GeocodingError("the address gives no known commune (INSEE code, postcode or city)")
    number = "".join(ch for ch in street_number or "" if ch.isdigit()) or None
    name = " ".join((street_name or "").split()) or None
    return _commune_point(
        commune,
        PlaceKind.ADDRESS if name else PlaceKind.CITY,
        street_number=number if name else None,
        street_name=name,
        postal_code=postal_code,
    )
