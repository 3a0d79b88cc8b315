"""INT_L01 LRM contextual search URL (platform spec §3.1): parsing, building, error codes."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest

from sasref.lrm.contextual import (
    DEFAULT_SPECIALTY,
    SAS_PF_001,
    SAS_PF_002,
    DoctorParamKind,
    InvalidLrmAddress,
    SpecialtyKind,
    UnknownOrigin,
    build_contextual_url,
    department_code_of,
    is_contextual,
    parse_contextual_url,
    read_address,
    read_preferred_doctor,
    read_specialty,
    rpps_param,
)

COMMUNES = {"33063": "Bordeaux", "97411": "Saint-Denis"}
DEPARTMENTS = {"33": "Gironde", "974": "La Réunion", "69": "Rhône", "13": "Bouches-du-Rhône"}


def parse(params: dict[str, str], origins: tuple[str, ...] | None = ("SAMU33",)):  # type: ignore[no-untyped-def]
    return parse_contextual_url(
        params,
        known_origins=origins,
        commune_name=COMMUNES.get,
        department_name=DEPARTMENTS.get,
    )


def test_full_url_is_read() -> None:
    search = parse(
        {
            "origin": "SAMU33",
            "practitioner": "urn:oid:1.2.250.1.71.4.2.1|810002909371",
            "specialty": "médecine générale",
            "streetnumber": "12 bis",
            "streetname": "rue sainte-catherine",
            "inseecode": "33063",
            "city": "ignored when the INSEE code is known",
        }
    )
    assert search.origin == "SAMU33"
    assert search.practitioner.kind is DoctorParamKind.RPPS
    assert search.practitioner.value == "10002909371"
    assert search.practitioner.idnps == "810002909371"
    assert search.practitioner.error_code is None
    assert search.specialty.kind is SpecialtyKind.TEXT
    assert search.address.text == "12 Rue Sainte-catherine, Bordeaux, Gironde"
    assert search.url_formats()["LrmPractitionerUrlFormat"] == {
        "notTransmitted": 0,
        "fullText": 0,
        "normed": 1,
    }


@pytest.mark.parametrize("origin", [None, "", "SAMU99"])
def test_unknown_or_missing_origin_is_rejected(origin: str | None) -> None:
    params = {"inseecode": "33063"}
    if origin is not None:
        params["origin"] = origin
    with pytest.raises(UnknownOrigin):
        parse(params)


def test_any_origin_accepted_without_registry() -> None:
    assert parse({"origin": "ANY", "city": "Lille"}, origins=None).address.city == "Lille"


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        (None, DoctorParamKind.MISSING),
        ("  ", DoctorParamKind.MISSING),
        ("urn:oid:1.2.250.1.71.4.2.1|810002909371", DoctorParamKind.RPPS),
        ("urn:oid:1.2.250.1.71.4.2.1|10002909371", DoctorParamKind.INVALID),  # no 8 prefix
        ("urn:oid:1.2.250.1.71.4.2.1|8100029093", DoctorParamKind.INVALID),  # too short
        ("urn:oid:1.2.250.1.71.4.2.1", DoctorParamKind.INVALID),  # no value
        ("urn:oid:1.2.250.1.71.4.2.2|810002909371", DoctorParamKind.INVALID),  # structure OID
        ("oid 123", DoctorParamKind.INVALID),
        ("RPPS:10002909371", DoctorParamKind.INVALID),
        ("Dr Martin", DoctorParamKind.TEXT),
        ("10002909371", DoctorParamKind.TEXT),
    ],
)
def test_preferred_doctor_semantics(value: str | None, kind: DoctorParamKind) -> None:
    doctor = read_preferred_doctor(value)
    assert doctor.kind is kind
    expected_code = {DoctorParamKind.INVALID: SAS_PF_001, DoctorParamKind.MISSING: SAS_PF_002}
    assert doctor.error_code == expected_code.get(kind)


def test_preferred_doctor_errors_do_not_stop_the_search() -> None:
    search = parse({"origin": "SAMU33", "inseecode": "33063", "practitioner": "urn:bad"})
    assert search.practitioner.error_code == SAS_PF_001
    assert parse({"origin": "SAMU33", "inseecode": "33063"}).practitioner.error_code == SAS_PF_002


def test_specialty_default_code_and_text() -> None:
    assert read_specialty(None).text == DEFAULT_SPECIALTY
    assert read_specialty("").kind is SpecialtyKind.DEFAULT
    coded = read_specialty(
        "urn:oid:1.2.250.1.213.1.6.1.38|SM54", label_of=lambda oid, code: f"{oid}/{code}"
    )
    assert coded.kind is SpecialtyKind.CODE
    assert (coded.oid, coded.code, coded.text) == ("1.2.250.1.213.1.6.1.38", "SM54", coded.text)
    assert coded.text == "1.2.250.1.213.1.6.1.38/SM54"
    unknown = read_specialty("urn:oid:1.2.3|ZZ", label_of=lambda oid, code: None)
    assert unknown.text == DEFAULT_SPECIALTY
    assert read_specialty("urn:oid:1.2.3|Z-Z").kind is SpecialtyKind.TEXT  # not a code shape
    assert read_specialty("pédiatre").text == "pédiatre"


@pytest.mark.parametrize(
    ("insee", "city"),
    [("75056", "Paris"), ("75112", "Paris"), ("69383", "Lyon"), ("13207", "Marseille")],
)
def test_big_cities_by_arrondissement(insee: str, city: str) -> None:
    address = read_address(
        {"inseecode": insee, "streetname": "x"},
        commune_name=lambda _: None,
        department_name=DEPARTMENTS.get,
    )
    assert address.city == city
    if city == "Paris":
        assert address.text == "X, Paris"  # no department name for Paris
    else:
        assert address.department_name


def test_address_rules() -> None:
    overseas = read_address(
        {"inseecode": "97411"}, commune_name=COMMUNES.get, department_name=DEPARTMENTS.get
    )
    assert overseas.text == "Saint-Denis, La Réunion"
    padded = read_address(
        {"inseecode": "1053", "city": "Bourg"},
        commune_name=lambda _: None,
        department_name=lambda _: None,
    )
    assert padded.insee == "01053"
    assert padded.city == "Bourg"
    with pytest.raises(InvalidLrmAddress, match="no city"):
        read_address({"streetname": "rue x"}, commune_name=COMMUNES.get)
    with pytest.raises(InvalidLrmAddress, match="street"):
        read_address({"streetnumber": "3", "city": "Lille"}, commune_name=COMMUNES.get)


def test_department_code_of() -> None:
    assert department_code_of("33063") == "33"
    assert department_code_of("97411") == "974"
    assert department_code_of("2A004") == "2A"


def test_build_round_trips() -> None:
    url = build_contextual_url(
        "http://127.0.0.1:8000/",
        origin="SAMU33",
        practitioner=rpps_param("10002909371"),
        specialty="urn:oid:1.2.250.1.213.1.6.1.38|SM54",
        streetnumber="3",
        streetname="cours de l'intendance",
        inseecode="33063",
    )
    parts = urlsplit(url)
    assert parts.path == "/sas/recherche"
    assert "%7C" in parts.query  # "|" is percent-encoded
    params = dict(parse_qsl(parts.query))
    assert list(params) == [
        "origin",
        "practitioner",
        "specialty",
        "streetnumber",
        "streetname",
        "inseecode",
    ]
    assert is_contextual(params)
    search = parse(params)
    assert search.practitioner.idnps == "810002909371"
    assert search.address.text == "3 Cours De L'intendance, Bordeaux, Gironde"
    assert rpps_param("810002909371") == "urn:oid:1.2.250.1.71.4.2.1|810002909371"
