"""Embedded geography: départements, communes, distances, search radius (platform §1.3, App. A)."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sasref.directory import geo
from sasref.errors import InvalidInput

SHARED = Path(__file__).parents[2] / ".." / "shared"
EXPECTED_CODES = (
    [f"{i:02d}" for i in range(1, 20)]
    + ["2A", "2B"]
    + [f"{i:02d}" for i in range(21, 96)]
    + ["971", "972", "973", "974", "976"]
)
#: Territory boxes (lat_min, lat_max, lon_min, lon_max) for the overseas départements.
OVERSEAS_BOXES = {
    "971": (15.8, 16.6, -61.9, -61.0),
    "972": (14.3, 14.95, -61.3, -60.8),
    "973": (2.1, 5.8, -54.6, -51.6),
    "974": (-21.4, -20.85, 55.2, 55.85),
    "976": (-13.1, -12.6, 44.95, 45.35),
}
#: The §1.3 summary table of the platform spec: cityDefaultRadius → départements.
RADIUS_SUMMARY = {
    5: "69 75 92 93 94 95",
    10: "06 13 14 29 30 31 33 34 35 38 42 44 54 57 59 62 66 67 68 74 76 77 78 83 84 90 91 "
    "971 972 974",
    20: "01 17 21 22 25 26 27 37 45 49 50 51 56 60 63 64 72 73 80 81 82 85 86 87",
    30: "02 03 07 08 11 16 2A 28 39 40 41 43 47 53 65 71 79 88",
    40: "05 09 10 18 19 2B 24 32 46 61 70 89",
    50: "04 12 15 23 36 48 52 55 58",
    0: "973 976",
}


def test_all_101_departments() -> None:
    assert sorted(geo.DEPARTMENTS) == sorted(EXPECTED_CODES)
    assert len(geo.DEPARTMENTS) == 101
    assert {d.code for d in geo.DEPARTMENTS.values() if d.overseas} == set(OVERSEAS_BOXES)


def test_every_department_has_its_prefecture_commune() -> None:
    for dep in geo.DEPARTMENTS.values():
        commune = geo.commune_by_insee(dep.prefecture_insee)
        assert commune is not None, dep
        assert commune.department == dep.code
        assert commune.name == dep.prefecture_name
        assert commune.postcode == dep.prefecture_postcode
        assert (commune.latitude, commune.longitude) == (dep.latitude, dep.longitude)


@pytest.mark.parametrize(
    ("code", "insee", "name"),
    [
        ("33", "33063", "Bordeaux"),
        ("75", "75056", "Paris"),
        ("69", "69123", "Lyon"),
        ("13", "13055", "Marseille"),
        ("2A", "2A004", "Ajaccio"),
        ("2B", "2B033", "Bastia"),
        ("971", "97105", "Basse-Terre"),
        ("973", "97302", "Cayenne"),
        ("976", "97611", "Mamoudzou"),
        ("91", "91228", "Évry-Courcouronnes"),
    ],
)
def test_known_prefectures(code: str, insee: str, name: str) -> None:
    dep = geo.department(code)
    assert (dep.prefecture_insee, dep.prefecture_name) == (insee, name)


def test_at_least_300_communes_spread_over_every_department() -> None:
    assert len(geo.COMMUNES) >= 300
    for code in EXPECTED_CODES:
        expected = 1 if code == "75" else 3  # Paris is a single commune
        assert len(geo.communes_in_department(code)) >= expected, code


def test_insee_codes_belong_to_their_department() -> None:
    for insee, c in geo.COMMUNES.items():
        assert insee == c.insee
        assert re.fullmatch(r"\d{5}|2[AB]\d{3}", insee), insee
        assert c.department in geo.DEPARTMENTS
        assert geo.department_of_insee(insee) == c.department, insee
        assert insee.startswith(c.department)


def test_postcodes_are_consistent_with_the_department() -> None:
    for c in geo.COMMUNES.values():
        assert c.postcodes and c.postcode == c.postcodes[0]
        for pc in c.postcodes:
            assert re.fullmatch(r"\d{5}", pc), (c.insee, pc)
            assert geo.department_of_postcode(pc) == c.department, (c.insee, pc)
            if c.department in ("2A", "2B"):
                assert pc.startswith("20")
            if len(c.department) == 3:
                assert pc.startswith(c.department)


def test_coordinates_are_plausible() -> None:
    for c in geo.COMMUNES.values():
        if c.department in OVERSEAS_BOXES:
            lat0, lat1, lon0, lon1 = OVERSEAS_BOXES[c.department]
            assert lat0 <= c.latitude <= lat1 and lon0 <= c.longitude <= lon1, c
            continue
        assert 41.3 <= c.latitude <= 51.1 and -5.2 <= c.longitude <= 9.6, c
        rule = geo.radius_rule(c.department)
        assert rule.barycentre is not None
        # the département-wide search circle covers its communes (with a margin)
        d = geo.distance_km(c.latitude, c.longitude, *rule.barycentre)
        assert d <= rule.county_radius_km * 1.1 + 5, (c, d)


def test_populations_are_positive() -> None:
    assert all(c.population > 0 for c in geo.COMMUNES.values())
    assert geo.commune_by_insee("75056").population > 2_000_000  # type: ignore[union-attr]


def test_normalize_department_code() -> None:
    assert geo.normalize_department_code("1") == "01"
    assert geo.normalize_department_code(" 01 ") == "01"
    assert geo.normalize_department_code("20A") == "2A"
    assert geo.normalize_department_code("2b") == "2B"
    assert geo.normalize_department_code("974") == "974"
    for bad in ("", "XX", "96", "975", "977", "100", "2C"):
        with pytest.raises(InvalidInput):
            geo.normalize_department_code(bad)
    with pytest.raises(InvalidInput):
        geo.department("20")  # the pre-1976 Corsica code is not a département any more


def test_department_of_postcode() -> None:
    assert geo.department_of_postcode("20000") == "2A"
    assert geo.department_of_postcode("20137") == "2A"
    assert geo.department_of_postcode("20200") == "2B"
    assert geo.department_of_postcode("20600") == "2B"
    assert geo.department_of_postcode("97600") == "976"
    assert geo.department_of_postcode("01000") == "01"
    with pytest.raises(InvalidInput):
        geo.department_of_postcode("1000")


@pytest.mark.parametrize("query", ["Saint-Étienne", "saint etienne", "ST ETIENNE", "St-Etienne"])
def test_find_communes_by_name_ignores_case_accents_and_saint(query: str) -> None:
    assert geo.find_communes(query)[0].insee == "42218"


def test_find_communes_by_postcode_and_partial_name() -> None:
    assert [c.insee for c in geo.find_communes("33000")] == ["33063"]
    assert geo.find_communes("75011")[0].insee == "75056"
    assert geo.find_communes("20000")[0].insee == "2A004"
    assert geo.find_communes("vandoeuvre")[0].insee == "54547"
    found = geo.find_communes("Saint-Denis")
    assert {c.insee for c in found[:2]} == {"93066", "97411"}
    assert found[0].population >= found[1].population
    names = [c.name for c in geo.find_communes("bour")]
    assert names[0].startswith("Bour")  # prefix matches before substring matches
    assert geo.find_communes("") == []
    assert geo.find_communes("Zzyzx") == []


def test_distance_km() -> None:
    paris, marseille = geo.COMMUNES["75056"], geo.COMMUNES["13055"]
    d = geo.distance_km(paris.latitude, paris.longitude, marseille.latitude, marseille.longitude)
    assert 655 <= d <= 665
    assert geo.distance_km(45.0, 4.0, 45.0, 4.0) == 0
    # one degree of latitude is ~111 km
    assert math.isclose(geo.distance_km(45.0, 4.0, 46.0, 4.0), 111.2, abs_tol=0.5)


def test_communes_within() -> None:
    paris = geo.COMMUNES["75056"]
    near = geo.communes_within(paris.latitude, paris.longitude, 10)
    assert near[0].insee == "75056"
    insees = {c.insee for c in near}
    assert {"92012", "93066", "94041"} <= insees
    assert "78646" not in insees  # Versailles is ~17 km away
    distances = [
        geo.distance_km(paris.latitude, paris.longitude, c.latitude, c.longitude) for c in near
    ]
    assert distances == sorted(distances)


@settings(max_examples=40, deadline=None)
@given(
    lat=st.floats(min_value=-22, max_value=51.5),
    lon=st.floats(min_value=-62, max_value=56),
    radius=st.floats(min_value=0, max_value=300),
)
def test_communes_within_matches_brute_force(lat: float, lon: float, radius: float) -> None:
    expected = {
        c.insee
        for c in geo.COMMUNES.values()
        if geo.distance_km(lat, lon, c.latitude, c.longitude) <= radius
    }
    assert {c.insee for c in geo.communes_within(lat, lon, radius)} == expected


def test_radius_table_has_every_row_of_appendix_a() -> None:
    assert sorted(geo.RADIUS_RULES) == sorted(EXPECTED_CODES)
    for code, rule in geo.RADIUS_RULES.items():
        assert rule.department == code
        assert rule.enlargement_km == math.ceil(rule.city_default_radius_km / 2)
    by_radius: dict[int, set[str]] = {}
    for code, rule in geo.RADIUS_RULES.items():
        by_radius.setdefault(rule.city_default_radius_km, set()).add(code)
    assert by_radius == {k: set(v.split()) for k, v in RADIUS_SUMMARY.items()}
    assert geo.RADIUS_RULES["75"].county_radius_km == 14
    assert geo.RADIUS_RULES["33"].county_radius_km == 143
    assert geo.RADIUS_RULES["971"].barycentre is None


def test_radius_table_matches_the_spec_file() -> None:
    spec = SHARED / "spec" / "sas-platform-search.md"
    if not spec.exists():
        pytest.skip("../shared is absent: cannot compare with Appendix A")
    text = spec.read_text(encoding="utf-8").split("## Appendix A", 1)[1].split("## Appendix B")[0]
    rows = [line for line in text.splitlines() if re.match(r"\| \d", line)]
    assert len(rows) == 101
    for line in rows:
        code, label, area, county, bary, city, enl = (x.strip() for x in line.strip("|").split("|"))
        rule = geo.radius_rule(code)
        assert rule.label == label
        assert (rule.area_km2, rule.county_radius_km) == (int(area), int(county))
        assert (rule.city_default_radius_km, rule.enlargement_km) == (int(city), int(enl))
        lat, lon = map(float, bary.split(","))
        assert rule.barycentre == (None if (lat, lon) == (0, 0) else (lat, lon))


def test_search_radius_km() -> None:
    assert geo.search_radius_km("75") == 5
    assert geo.search_radius_km("33") == 10
    assert geo.search_radius_km("1") == 20
    assert geo.search_radius_km("20A") == 30
    assert geo.search_radius_km("2B", "city") == 40
    assert geo.search_radius_km("48") == 50
    assert geo.search_radius_km("33", "county") == 143
    # no data for Guyane and Mayotte: documented fallbacks
    assert not geo.radius_rule("973").has_data
    assert geo.search_radius_km("973") == geo.NO_DATA_CITY_RADIUS_KM
    assert geo.search_radius_km("976", "county") == geo.NO_DATA_COUNTY_RADIUS_KM["976"]
    assert geo.search_radius_km("971", "county") > 0
    with pytest.raises(InvalidInput):
        geo.search_radius_km("99")


def test_search_centre() -> None:
    assert geo.search_centre("75") == (48.856667, 2.342222)
    cayenne = geo.COMMUNES["97302"]
    assert geo.search_centre("973") == (cayenne.latitude, cayenne.longitude)


def test_radius_estimate_and_buckets() -> None:
    # dense city: 20,000 inh/km², 150 GPs per 100k → tiny radius → 5 km bucket
    assert geo.bucket_radius_km(geo.estimate_radius_km(20_000, 150)) == 5
    # rural: 30 inh/km², 80 GPs per 100k → ~117 km → capped at 50
    assert geo.estimate_radius_km(30, 80) == pytest.approx(117.5, abs=0.5)
    assert geo.bucket_radius_km(117.5) == 50
    edges = {
        4.99: 5,
        5: 10,
        24.9: 10,
        25: 20,
        49.9: 20,
        50: 30,
        74.9: 30,
        75: 40,
        100: 40,
        100.1: 50,
    }
    for estimate, radius in edges.items():
        assert geo.bucket_radius_km(estimate) == radius, estimate
    with pytest.raises(InvalidInput):
        geo.estimate_radius_km(0, 100)
