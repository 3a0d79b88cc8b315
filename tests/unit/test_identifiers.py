"""National identifiers: keys, prefixes, tolerant normalisation, FHIR Identifier builders.

Facts about the IG 1.2.0 example ids, checked here once so nobody has to re-derive them:

* RPPS ``10002909371`` (Dr FORET) passes its Luhn key; ``10100050075`` (Dr THOMAS) and
  ``10002673899`` (Dr MARCEL) do **not**: the IG invents them.
* FINESS ``950047225`` and ``950046227`` (CPTS) pass; ``810004421`` and ``810004956`` (PS
  organisations) do not.
* SIRET ``34173748400020`` (SOS Rennes, IG writes ``334173748400020``) and ``92080466300010``
  (SOS Lorient) pass the SIRET key, and so do their SIRENs ``341737484`` and ``920804663``.
* The regulator staff id ``3456780581/11242343`` carries FINESS ``456780581`` (bad key);
  ``3620100057/70326SR`` carries ``620100057`` (good key).
* RPPS rang ``412345678912345``: its RPPS part ``12345678912`` is not Luhn-valid.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sasref.errors import InvalidIdentifier
from sasref.fhir import systems
from sasref.fhir.identifiers import (
    PREFIX,
    IdKind,
    has_valid_key,
    is_adeli,
    is_finess,
    is_idnps,
    is_idnst,
    is_rpps,
    is_rpps_rang,
    is_siren,
    is_siret,
    is_staff_id,
    is_uuid,
    location_internal_identifier,
    luhn_is_valid,
    luhn_key,
    make_finess,
    make_rpps,
    make_siren,
    make_siret,
    normalize_idnps,
    normalize_idnst,
    practitioner_identifier,
    prefixed,
    regulator_technical_identifier,
    split_prefixed_idnps,
    split_prefixed_idnst,
    structure_identifier,
)

digits = st.text(alphabet="0123456789", min_size=1, max_size=20)


def _digits(n: int) -> st.SearchStrategy[str]:
    return st.text(alphabet="0123456789", min_size=n, max_size=n)


# --- Luhn ---------------------------------------------------------------------------------
def test_luhn_textbook_value() -> None:
    assert luhn_key("7992739871") == "3"
    assert luhn_is_valid("79927398713")
    assert not luhn_is_valid("79927398710")


@pytest.mark.parametrize("bad", ["", "12a4", "١٢٣", " 123"])
def test_luhn_rejects_non_ascii_digits(bad: str) -> None:
    assert not luhn_is_valid(bad)


def test_luhn_key_rejects_letters() -> None:
    with pytest.raises(InvalidIdentifier, match="ASCII digits"):
        luhn_key("12A")


@given(digits)
def test_luhn_key_makes_valid(body: str) -> None:
    assert luhn_is_valid(body + luhn_key(body))


@given(digits, st.data())
def test_single_digit_change_breaks_luhn(body: str, data: st.DataObject) -> None:
    number = body + luhn_key(body)
    i = data.draw(st.integers(0, len(number) - 1))
    new = data.draw(st.sampled_from([d for d in "0123456789" if d != number[i]]))
    assert not luhn_is_valid(number[:i] + new + number[i + 1 :])


@given(digits, st.data())
def test_adjacent_transposition_breaks_luhn_except_09(body: str, data: st.DataObject) -> None:
    number = body + luhn_key(body)
    if len(number) < 2:
        return
    i = data.draw(st.integers(0, len(number) - 2))
    a, b = number[i], number[i + 1]
    swapped = number[:i] + b + a + number[i + 2 :]
    if a == b or {a, b} == {"0", "9"}:  # the one blind spot of Luhn
        return
    assert not luhn_is_valid(swapped)


# --- Individual ids -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "valid"),
    [("10002909371", True), ("10100050075", False), ("10002673899", False), ("1000290937", False)],
)
def test_rpps_ig_examples(value: str, valid: bool) -> None:
    assert is_rpps(value) is valid


@given(_digits(10))
def test_make_rpps_valid_and_prefix_roundtrip(body: str) -> None:
    rpps = make_rpps(body)
    assert is_rpps(rpps)
    assert normalize_idnps(rpps, check_key=True) == "8" + rpps
    assert split_prefixed_idnps("8" + rpps) == (IdKind.RPPS, rpps)


def test_make_rpps_rejects_wrong_length() -> None:
    with pytest.raises(InvalidIdentifier, match="10 digits"):
        make_rpps("123")


@pytest.mark.parametrize("value", ["751234567", "2A1234567", "2B0000001", "971234567"])
def test_adeli_format(value: str) -> None:
    assert is_adeli(value)
    assert normalize_idnps(value) == "0" + value
    assert normalize_idnps("0" + value) == "0" + value


@pytest.mark.parametrize("value", ["75123456", "2C1234567", "7512345678", "75A234567"])
def test_adeli_bad_format(value: str) -> None:
    assert not is_adeli(value)


@pytest.mark.parametrize(
    ("value", "valid"),
    [("950047225", True), ("950046227", True), ("810004421", False), ("810004956", False)],
)
def test_finess_ig_examples(value: str, valid: bool) -> None:
    assert is_finess(value) is valid


def test_corsican_finess() -> None:
    finess = make_finess("2A000015")
    assert finess == "2A0000154"
    assert is_finess(finess)
    assert not is_finess("2A0000155")
    assert is_finess(make_finess("2B000002"))
    assert normalize_idnst(finess, check_key=True) == "1" + finess
    assert split_prefixed_idnst("1" + finess) == (IdKind.FINESS, finess)


@given(st.sampled_from(["01", "13", "2A", "2B", "75", "95", "97"]), _digits(6))
def test_make_finess_valid(dept: str, body: str) -> None:
    finess = make_finess(dept + body)
    assert is_finess(finess)
    assert normalize_idnst(finess) == "1" + finess


def test_siren_and_siret_textbook() -> None:
    assert is_siren("732829320")
    assert is_siret("73282932000074")
    assert not is_siret("73282932000075")
    assert make_siret("732829320", "0007") == "73282932000074"


@pytest.mark.parametrize("raw", ["34173748400020", "92080466300010"])
def test_sos_ig_sirets_pass(raw: str) -> None:
    assert is_siret(raw)
    assert is_siren(raw[:9])
    assert normalize_idnst(raw, check_key=True) == "3" + raw


def test_la_poste_siret_rule() -> None:
    # La Poste (SIREN 356000000): digit sum multiple of 5, Luhn not required.
    assert is_siren("356000000")
    siret = make_siret("356000000", "0484")
    assert sum(map(int, siret)) % 5 == 0
    assert is_siret(siret)
    assert is_siret("35600000049837")  # digit sum 45, Luhn-invalid
    assert not luhn_is_valid("35600000049837")
    # The head office is the one La Poste SIRET numbered under Luhn (digit sum 26).
    assert is_siret("35600000000048")
    assert not is_siret("35600000000049")  # neither Luhn nor a multiple of 5


@given(_digits(8), _digits(4))
def test_make_siret_valid(body8: str, nic: str) -> None:
    siren = make_siren(body8)
    assert is_siren(siren)
    siret = make_siret(siren, nic)
    assert is_siret(siret)
    assert normalize_idnst(siret, check_key=True) == "3" + siret


def test_rpps_rang() -> None:
    assert is_rpps_rang("12345678912345")
    assert not is_rpps_rang("412345678912345")  # prefixed: use split_prefixed_idnst
    assert split_prefixed_idnst("412345678912345") == (IdKind.RPPS_RANG, "12345678912345")
    assert is_idnst("412345678912345", check_key=True)


def test_raw_14_digits_is_rpps_rang_only_when_siret_key_fails_and_rpps_is_valid() -> None:
    rpps = make_rpps("1000290937")
    rang = next(rpps + f"{n:03}" for n in range(1, 20) if not is_siret(rpps + f"{n:03}"))
    assert normalize_idnst(rang) == "4" + rang
    assert normalize_idnst("73282932000074") == "373282932000074"


# --- Staff ids (regulators) --------------------------------------------------------------------
@pytest.mark.parametrize("value", ["3456780581/11242343", "3620100057/70326SR"])
def test_regulator_staff_ids(value: str) -> None:
    assert is_staff_id(value)
    assert is_idnps(value)
    assert normalize_idnps(value) == value
    assert normalize_idnps(value[1:]) == value  # raw FINESS/number gets prefix 3
    assert split_prefixed_idnps(value) == (IdKind.STAFF_FINESS, value[1:])


def test_staff_id_key_check_follows_structure() -> None:
    assert not has_valid_key(IdKind.STAFF_FINESS, "456780581/11242343")
    assert has_valid_key(IdKind.STAFF_FINESS, "620100057/70326SR")
    assert is_idnps("3620100057/70326SR", check_key=True)
    assert not is_idnps("3456780581/11242343", check_key=True)


def test_siret_staff_id() -> None:
    value = "573282932000074/ABC"
    assert split_prefixed_idnps(value) == (IdKind.STAFF_SIRET, "73282932000074/ABC")
    assert normalize_idnps("73282932000074/ABC") == value


@pytest.mark.parametrize("value", ["3456780581/", "3456780581/a b", "9456780581/1", "3/1"])
def test_bad_staff_ids(value: str) -> None:
    assert not is_staff_id(value)
    assert not is_idnps(value)


# --- Envelopes ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("810100050075", "810100050075"),
        ("10100050075", "810100050075"),
        (" 810002909371 ", "810002909371"),
        ("0751234567", "0751234567"),
    ],
)
def test_normalize_idnps(value: str, expected: str) -> None:
    assert normalize_idnps(value) == expected


@pytest.mark.parametrize("value", ["", "123", "abcdefghijk", "9" * 12, "8" + "1" * 12])
def test_normalize_idnps_rejects_with_a_message(value: str) -> None:
    with pytest.raises(InvalidIdentifier, match="is not an IDNPS") as exc:
        normalize_idnps(value)
    assert repr(value) in str(exc.value)


def test_normalize_idnps_check_key_names_the_rule() -> None:
    with pytest.raises(InvalidIdentifier, match="check key of the RPPS '10100050075'"):
        normalize_idnps("810100050075", check_key=True)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1810004421", "1810004421"),
        ("810004421", "1810004421"),
        ("950047225", "1950047225"),
        ("334173748400020", "334173748400020"),
        ("34173748400020", "334173748400020"),
        ("412345678912345", "412345678912345"),
        ("0751234567012", "0751234567012"),
    ],
)
def test_normalize_idnst(value: str, expected: str) -> None:
    assert normalize_idnst(value) == expected


@pytest.mark.parametrize("value", ["", "12", "5123456789", "1234567890123456", "2C1234567"])
def test_normalize_idnst_rejects(value: str) -> None:
    with pytest.raises(InvalidIdentifier, match="is not an IDNST"):
        normalize_idnst(value)


def test_prefix_table() -> None:
    assert {k: PREFIX[k] for k in (IdKind.RPPS, IdKind.ADELI, IdKind.FINESS, IdKind.SIRET)} == {
        IdKind.RPPS: "8",
        IdKind.ADELI: "0",
        IdKind.FINESS: "1",
        IdKind.SIRET: "3",
    }
    assert PREFIX[IdKind.RPPS_RANG] == "4"
    assert PREFIX[IdKind.ADELI_RANG] == "0"
    assert prefixed(IdKind.FINESS, "950047225") == "1950047225"
    assert set(PREFIX) == set(IdKind)


@given(_digits(10), st.booleans())
def test_normalize_idnps_idempotent(body: str, prefix_first: bool) -> None:
    rpps = make_rpps(body)
    once = normalize_idnps("8" + rpps if prefix_first else rpps)
    assert normalize_idnps(once) == once == "8" + rpps


def test_is_uuid() -> None:
    assert is_uuid("1ef1c748-01a3-6180-b098-73283ce4e5b1")
    assert is_uuid("B6E39355-8A61-4556-B340-36F7B95FEC6A")
    assert not is_uuid("1ef1c74801a36180b09873283ce4e5b1")  # canonical form only
    assert not is_uuid("not-a-uuid")


# --- Builders: shapes of the IG examples --------------------------------------------------
def test_practitioner_identifier_matches_ig() -> None:
    assert practitioner_identifier("10002909371") == {
        "type": {
            "coding": [
                {"system": "http://interopsante.org/fhir/CodeSystem/fr-v2-0203", "code": "IDNPS"}
            ]
        },
        "system": "urn:oid:1.2.250.1.71.4.2.1",
        "value": "810002909371",
    }
    assert practitioner_identifier("3456780581/11242343")["value"] == "3456780581/11242343"


def test_regulator_technical_identifier_matches_ig() -> None:
    assert regulator_technical_identifier("1ef1c748-01a3-6180-b098-73283ce4e5b1") == {
        "type": {
            "coding": [
                {"system": "http://interopsante.org/fhir/CodeSystem/fr-v2-0203", "code": "INTRN"}
            ]
        },
        "system": "urn:oid:1.2.250.1.213.3.6",
        "value": "1ef1c748-01a3-6180-b098-73283ce4e5b1",
    }
    with pytest.raises(InvalidIdentifier, match="UUID"):
        regulator_technical_identifier("LORIDON")


@pytest.mark.parametrize(
    ("type_system", "raw", "value"),
    [
        ("http://interopsante.org/fhir/CodeSystem/fr-v2-0203", "810004421", "1810004421"),
        (
            "http://interopsante.org/fhir/CodeSystem/fr-location-identifier-type",
            "34173748400020",
            "334173748400020",
        ),
        ("https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-v2-0203", "1950047225", "1950047225"),
    ],
)
def test_structure_identifier_per_profile(type_system: str, raw: str, value: str) -> None:
    assert structure_identifier(raw, type_system=type_system) == {
        "type": {"coding": [{"system": type_system, "code": "IDNST"}]},
        "system": "urn:oid:1.2.250.1.71.4.2.2",
        "value": value,
    }


def test_structure_identifier_default_type_system() -> None:
    ident = structure_identifier("950047225")
    assert ident["type"]["coding"][0]["system"] == systems.FR_V2_0203


def test_location_internal_identifier_matches_ig() -> None:
    assert location_internal_identifier("1111111111", "https://editeur.com") == {
        "type": {
            "coding": [
                {
                    "system": "http://interopsante.org/fhir/CodeSystem/fr-location-identifier-type",
                    "code": "INTRN",
                }
            ]
        },
        "system": "https://editeur.com",
        "value": "1111111111",
    }
    with pytest.raises(InvalidIdentifier):
        location_internal_identifier("", "https://editeur.com")
