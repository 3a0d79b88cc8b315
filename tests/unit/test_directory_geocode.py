"""Geocoding with the embedded geography (sas-platform-search.md §1.2-1.3)."""

from __future__ import annotations

import pytest

from sasref.directory import GeocodingError, PlaceKind, geocode, geocode_parts, point_at
from sasref.errors import InvalidInput


@pytest.mark.parametrize(
    ("query", "kind", "insee", "department", "radius"),
    [
        ("33", PlaceKind.COUNTY, None, "33", 143),
        ("Gironde", PlaceKind.COUNTY, None, "33", 143),
        ("2a", PlaceKind.COUNTY, None, "2A", 109),
        ("1", PlaceKind.COUNTY, None, "01", 108),
        ("33063", PlaceKind.CITY, "33063", "33", 10),
        ("33000", PlaceKind.CITY, "33063", "33", 10),
        ("75011", PlaceKind.CITY, "75056", "75", 5),
        ("Bordeaux", PlaceKind.CITY, "33063", "33", 10),
        ("saint etienne", PlaceKind.CITY, "42218", "42", 10),
        ("Paris", PlaceKind.CITY, "75056", "75", 5),
        ("12 rue Sainte-Catherine 33000 Bordeaux", PlaceKind.ADDRESS, "33063", "33", 10),
        ("12 bis, rue Sainte-Catherine, Bordeaux", PlaceKind.ADDRESS, "33063", "33", 10),
        ("place du Capitole Toulouse", PlaceKind.ADDRESS, "31555", "31", 10),
        ("4 rue de la Paix 23000 Guéret", PlaceKind.ADDRESS, "23096", "23", 50),
    ],
)
def test_geocode_kinds(
    query: str, kind: PlaceKind, insee: str | None, department: str, radius: int
) -> None:
    point = geocode(query)
    assert point.kind is kind
    assert point.insee == insee
    assert point.department == department
    assert point.radius_km == radius


def test_street_is_kept_for_display_only() -> None:
    point = geocode("12 bis rue Sainte-Catherine 33000 Bordeaux")
    town = geocode("Bordeaux")
    assert (point.latitude, point.longitude) == (town.latitude, town.longitude)
    assert point.street_number == "12bis" and point.street_name == "rue Sainte-Catherine"
    assert point.postal_code == "33000" and point.city == "Bordeaux"
    assert "Sainte-Catherine" in point.label


def test_department_search_uses_the_barycentre() -> None:
    point = geocode("33")
    assert (point.latitude, point.longitude) == (44.825278, -0.575278)


@pytest.mark.parametrize(
    "query", ["", "   ", "99", "Atlantis", "12 rue Nulle Part 99999 Nowhere", "00000", "3306"]
)
def test_unknown_places_raise_geocoding_error(query: str) -> None:
    with pytest.raises(GeocodingError):
        geocode(query)


def test_geocoding_error_is_invalid_input() -> None:
    assert issubclass(GeocodingError, InvalidInput)


def test_lrm_split_address() -> None:
    p = geocode_parts(street_number="12", street_name="rue X", insee="33063")
    assert p.kind is PlaceKind.ADDRESS and p.street_number == "12" and p.insee == "33063"
    assert geocode_parts(city="Bordeaux").kind is PlaceKind.CITY
    assert geocode_parts(postal_code="33700").insee == "33281"
    with pytest.raises(GeocodingError):
        geocode_parts(insee="99999")
    with pytest.raises(GeocodingError):
        geocode_parts(street_name="rue X")


def test_point_at_takes_the_nearest_commune_departement() -> None:
    p = point_at(44.84, -0.58)
    assert p.kind is PlaceKind.CITY and p.department == "33" and p.radius_km == 10
    assert point_at(44.84, -0.58, radius_km=3).radius_km == 3
    with pytest.raises(GeocodingError):
        point_at(95.0, 0.0)
