"""The slot-search query contract: IG parameter names out, tolerant parsing in (digest §2, §13)."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import parse_qsl, quote, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sasref.clock import PARIS
from sasref.fhir.systems import IDNPS_SYSTEM, IDNST_SYSTEM
from sasref.search import (
    MAX_IDENTIFIERS,
    QueryError,
    SlotQuery,
    parse_schedule_query,
    parse_slot_query,
)
from sasref.search.query import quote_value

GE = datetime(2024, 6, 12, 16, 20, tzinfo=PARIS)
LE = datetime(2024, 6, 15, 16, 20, tzinfo=PARIS)


def _params(url: str) -> list[tuple[str, str]]:
    """What a server (Starlette) hands over: the query decoded, ``+`` becoming a space."""
    return parse_qsl(urlsplit(url).query, keep_blank_values=True)


# --- the IG's literal example URLs (digest §2.2-§2.4) -------------------------------------------
IG_PS = (
    "https://editeur.fr/Slot?_include=Slot:schedule&_include:iterate=Schedule:actor"
    "&start=ge2021-01-02T10:00:00&start=le2021-01-06T10:00:00"
    "&schedule.actor:Practitioner.identifier=urn:oid:1.2.250.1.71.4.2.1|810101288385,"
    " urn:oid:1.2.250.1.71.4.2.1|800001288385,urn:oid:1.2.250.1.71.4.2.1|810106738385&status=free"
)
IG_PS_SELF = (
    "https://exemple.com/ans-sas/Slot/?_include=Slot:schedule&_include:iterate=Schedule:actor"
    "&status=free&start=ge2021-11-04T14:19:35.760+00:00&start=le2021-11-06T23:59:59.999+00:00"
    "&schedule.actor:Practitioner.identifier=urn:oid:1.2.250.1.71.4.2.1%7C810002673899,"
    "urn:oid:1.2.250.1.71.4.2.1%7C810100050075&_count=1000"
)
IG_CPTS = (
    "https://editeur.fr/Slot?_include=Slot:schedule&_include:iterate=Schedule:actor"
    "&_include=Slot:service-type-reference&_include:iterate=HealthcareService:organization"
    "&start=ge2024-06-12T16:20:00.000+02:00&start=le2024-06-15T16:20:00.000+02:00"
    "&schedule.actor:Practitioner.identifier=urn:oid:1.2.250.1.71.4.2.1|810002909371,"
    "urn:oid:1.2.250.1.71.4.2.1|810001288385&status=free"
)
IG_SOS = (
    "https://editeur.fr/Schedule?_revinclude=Slot:schedule&_include=Schedule:actor:Location"
    "&_include:iterate=Location:organization&_has:Slot:schedule:start=ge2023-08-18T09:00:00+02:00"
    "&_has:Slot:schedule:start=le2023-08-20T08:00:00+02:00&_has:Slot:schedule:status=free"
    "&actor:Location.organization.identifier=urn:oid:1.2.250.1.71.4.2.2%7C334173748400020,"
    "urn:oid:1.2.250.1.71.4.2.2%7C392080466300010&_count=1000"
)


def test_ig_ps_example_with_spaces_after_commas_and_no_offsets() -> None:
    q = parse_slot_query(_params(IG_PS))
    assert q.use_case == "ps"
    assert q.ids == ("810101288385", "800001288385", "810106738385")
    assert q.start_ge == datetime(2021, 1, 2, 10, tzinfo=PARIS)  # no offset: Paris wall time
    assert q.start_le == datetime(2021, 1, 6, 10, tzinfo=PARIS)
    assert q.includes == ("Slot:schedule",) and q.iterate_includes == ("Schedule:actor",)


def test_ig_ps_self_link_with_percent_7c_and_plus_offsets() -> None:
    q = parse_slot_query(_params(IG_PS_SELF))
    assert q.ids == ("810002673899", "810100050075")
    assert q.start_ge == datetime.fromisoformat("2021-11-04T14:19:35.760+00:00")
    assert q.count == 1000


def test_ig_cpts_example_with_raw_plus_decoded_to_space() -> None:
    q = parse_slot_query(_params(IG_CPTS))
    assert q.use_case == "cpts"
    assert q.start_ge == GE and q.start_le == LE
    assert "Slot:service-type-reference" in q.includes
    assert "HealthcareService:organization" in q.iterate_includes


def test_ig_sos_example() -> None:
    q = parse_schedule_query(_params(IG_SOS))
    assert q.use_case == "sos" and q.target == "Schedule"
    assert q.identifiers == (
        (IDNST_SYSTEM, "334173748400020"),
        (IDNST_SYSTEM, "392080466300010"),
    )
    assert q.revincludes == ("Slot:schedule",)


def test_sos_narrative_typos_are_tolerated() -> None:
    url = IG_SOS.replace("Location:organization", "Location:Organization").replace(
        "4.2.2%7C334173748400020", "4.2.27C334173748400020"
    )
    q = parse_schedule_query(_params(url))
    assert q.ids[0] == "334173748400020"
    assert q.iterate_includes == ("Location:organization",)
    assert q.notes  # the tolerated deviation is recorded


def test_builder_writes_exactly_the_ig_parameter_names() -> None:
    ps = SlotQuery.cpts(GE, LE, ["810002909371", "810001288385"]).to_params()
    assert ps == [
        ("_include", "Slot:schedule"),
        ("_include:iterate", "Schedule:actor"),
        ("_include", "Slot:service-type-reference"),
        ("_include:iterate", "HealthcareService:organization"),
        ("start", "ge2024-06-12T16:20:00.000+02:00"),
        ("start", "le2024-06-15T16:20:00.000+02:00"),
        (
            "schedule.actor:Practitioner.identifier",
            "urn:oid:1.2.250.1.71.4.2.1|810002909371,urn:oid:1.2.250.1.71.4.2.1|810001288385",
        ),
        ("status", "free"),
    ]
    sos = dict(SlotQuery.sos(GE, LE, ["334173748400020"]).to_params())
    assert sos["_revinclude"] == "Slot:schedule"
    assert sos["_include"] == "Schedule:actor:Location"
    assert sos["_include:iterate"] == "Location:organization"
    assert sos["_has:Slot:schedule:status"] == "free"
    assert sos["actor:Location.organization.identifier"] == (
        "urn:oid:1.2.250.1.71.4.2.2|334173748400020"
    )


@pytest.mark.parametrize(
    "query",
    [
        SlotQuery.ps(GE, LE, ["810002909371"]),
        SlotQuery.cpts(GE, LE, ["810002909371", "0123456789"], count=1000),
        SlotQuery.sos(GE, LE, ["334173748400020", "392080466300010"]),
    ],
)
def test_url_round_trip(query: SlotQuery) -> None:
    url = query.to_url("https://editeur.test/fhir")
    assert "%2B02:00" in url and "%7C" in url  # '+' and '|' are encoded
    parsed = (parse_schedule_query if query.target == "Schedule" else parse_slot_query)(
        _params(url)
    )
    assert parsed == query


def test_unprefixed_identifiers_are_prefixed() -> None:
    params = [
        ("start", "ge2024-06-12"),
        ("start", "le2024-06-12"),
        (
            "schedule.actor:Practitioner.identifier",
            "10002909371,urn:oid:1.2.250.1.71.4.2.1|123456789",
        ),
        ("status", "free"),
    ]
    q = parse_slot_query(params)
    assert q.identifiers == ((IDNPS_SYSTEM, "810002909371"), (IDNPS_SYSTEM, "0123456789"))
    # date-only upper bound covers the whole day
    assert q.start_le - q.start_ge > timedelta(hours=23)


def _base(**overrides: str) -> list[tuple[str, str]]:
    values = {
        "start_ge": "ge2024-06-12T16:20:00+02:00",
        "start_le": "le2024-06-15T16:20:00+02:00",
        "ids": "urn:oid:1.2.250.1.71.4.2.1|810002909371",
        "status": "free",
    }
    values.update(overrides)
    out = [("start", values["start_ge"]), ("start", values["start_le"])]
    if values["ids"] != "-":
        out.append(("schedule.actor:Practitioner.identifier", values["ids"]))
    if values["status"] != "-":
        out.append(("status", values["status"]))
    return out


@pytest.mark.parametrize(
    ("params", "code", "param", "text"),
    [
        (_base(ids="-"), "required", "schedule.actor:Practitioner.identifier", "missing"),
        (_base(status="-"), "required", "status", "missing"),
        (_base(status="busy"), "not-supported", "status", "free"),
        (_base()[1:], "required", "start", "ge"),
        (_base(ids=""), "required", "schedule.actor:Practitioner.identifier", "no identifier"),
        (_base(start_ge="ge2024-06-16T00:00:00+02:00"), "invalid", "start", "after"),
        (_base(start_ge="ge2024-13-45"), "invalid", "start", "unreadable"),
        (_base(start_ge="gt2024-06-12"), "not-supported", "start", "prefix 'gt'"),
        (_base(start_ge="2024-06-12"), "invalid", "start", "prefix"),
        (
            _base(ids="http://other|810002909371"),
            "invalid",
            "schedule.actor:Practitioner.identifier",
            "system",
        ),
        ([*_base(), ("_include", "Slot:nonsense")], "not-supported", "_include", "Slot:nonsense"),
        (
            [*_base(), ("_include:iterate", "Practitioner:organization")],
            "not-supported",
            "_include:iterate",
            "unknown",
        ),
        (
            [*_base(), ("name", "MARTIN")],
            "not-supported",
            "name",
            "unsupported search parameter 'name'",
        ),
        ([*_base(), ("_format", "xml")], "not-supported", "_format", "JSON only"),
        ([*_base(), ("_count", "many")], "invalid", "_count", "integer"),
        ([*_base(), ("status", "free")], "invalid", "status", "2 times"),
        (
            [*_base(), ("schedule.actor:Practitioner.identifier", "810002909371")],
            "invalid",
            "schedule.actor:Practitioner.identifier",
            "times",
        ),
    ],
)
def test_bad_queries_name_the_problem(
    params: list[tuple[str, str]], code: str, param: str, text: str
) -> None:
    with pytest.raises(QueryError) as err:
        parse_slot_query(params)
    assert err.value.code == code
    assert err.value.param == param
    assert text in err.value.message


def test_identifier_count_bounds() -> None:
    ids = [f"8{10000000000 + i}" for i in range(MAX_IDENTIFIERS + 1)]
    ok = _base(ids=",".join(f"urn:oid:1.2.250.1.71.4.2.1|{i}" for i in ids[:MAX_IDENTIFIERS]))
    assert len(parse_slot_query(ok).identifiers) == MAX_IDENTIFIERS
    with pytest.raises(QueryError, match="26 identifiers") as err:
        parse_slot_query(_base(ids=",".join(ids)))
    assert err.value.code == "too-costly"


def test_sos_accepts_25_sirets_and_refuses_slot_parameters() -> None:
    sirets = ",".join(f"urn:oid:1.2.250.1.71.4.2.2|3{33417374800000 + i}" for i in range(25))
    params = [
        ("_has:Slot:schedule:start", "ge2023-08-18T09:00:00+02:00"),
        ("_has:Slot:schedule:start", "le2023-08-20T08:00:00+02:00"),
        ("_has:Slot:schedule:status", "free"),
        ("actor:Location.organization.identifier", sirets),
    ]
    assert len(parse_schedule_query(params).identifiers) == 25
    with pytest.raises(QueryError) as err:
        parse_schedule_query([*params, ("schedule.actor:Practitioner.identifier", "810002909371")])
    assert err.value.param == "schedule.actor:Practitioner.identifier"
    with pytest.raises(QueryError):
        parse_slot_query(params)  # SOS parameters are not Slot parameters


def test_accepted_format_spellings() -> None:
    for fmt in ("json", "application/fhir+json", "application/fhir json", "application/json+fhir"):
        assert parse_slot_query([*_base(), ("_format", fmt)]).format is not None


@given(st.text() | st.text(alphabet="|+:,-.~_ /%aZ09é"))
def test_quote_value_is_urllib_quote(value: str) -> None:
    assert quote_value(value) == quote(value, safe=":,")
