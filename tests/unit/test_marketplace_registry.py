"""The SAS's marketplace registry, its API filters and the results page's links (pure)."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest

from sasref.directory import geocode
from sasref.directory.geo import DEPARTMENTS
from sasref.errors import ConfigurationError, InvalidInput
from sasref.marketplace import (
    FORMAT_SHORT,
    EditorsQuery,
    MarketplaceEditor,
    MarketplaceRegistry,
    SearchPlace,
    marketplace_offers,
    parse_editors_query,
    request_link,
)


def editor(name: str = "pdm-01", **changes: object) -> MarketplaceEditor:
    values: dict[str, object] = {
        "name": name,
        "label": "Soins Martin",
        "request_url": f"https://{name}.test/care-request",
        "care_types": ("soins-infirmiers", "prise-de-sang"),
        "departments": ("33", "24"),
    }
    values.update(changes)
    return MarketplaceEditor(**values)  # type: ignore[arg-type]


def test_an_editor_is_normalised_on_creation() -> None:
    e = editor(departments=("33", "2a", "33", "1"), care_types=("pansement", "pansement"))
    assert e.departments == ("01", "2A", "33")
    assert e.care_types == ("pansement",)
    assert e.sso_client_id == "pdm-01"
    assert not e.national and e.serves("2A") and not e.serves("2B")
    assert editor(departments=tuple(DEPARTMENTS)).national


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"name": "PDM 1"}, "lower-case"),
        ({"label": "  "}, "label"),
        ({"request_url": "ftp://pdm.test/x"}, "http(s)"),
        ({"request_url": "/care-request"}, "http(s)"),
        ({"care_types": ("massage",)}, "massage"),
        ({"care_types": ()}, "care types"),
        ({"departments": ("99",)}, "99"),
        ({"departments": ()}, "at least one"),
    ],
)
def test_a_wrong_editor_is_a_configuration_error(changes: dict[str, object], words: str) -> None:
    with pytest.raises(ConfigurationError, match=words.replace("(", r"\(").replace(")", r"\)")):
        editor(**changes)


def test_the_registry_selects_by_enabled_and_department() -> None:
    registry = MarketplaceRegistry(
        [editor("pdm-01"), editor("pdm-02", enabled=False), editor("pdm-03", departments=("75",))]
    )
    assert [e.name for e in registry.select()] == ["pdm-01", "pdm-02", "pdm-03"]
    assert [e.name for e in registry.select(EditorsQuery(enabled=True))] == ["pdm-01", "pdm-03"]
    assert [e.name for e in registry.select(EditorsQuery(enabled=False))] == ["pdm-02"]
    on_33 = registry.select(EditorsQuery(enabled=True, department="33"))
    assert [e.name for e in on_33] == ["pdm-01"]
    with pytest.raises(ConfigurationError, match="twice"):
        MarketplaceRegistry([editor(), editor()])


def test_the_api_query_is_validated() -> None:
    query = parse_editors_query([("enabled", "1"), ("department", "2a"), ("format", FORMAT_SHORT)])
    assert query == EditorsQuery(True, "2A", FORMAT_SHORT)
    assert parse_editors_query([("enabled", "false")]).enabled is False
    assert parse_editors_query([]) == EditorsQuery()
    for pairs, words in [
        ([("enabled", "yes")], "enabled='yes'"),
        ([("department", "99")], "département"),
        ([("format", "long")], "format='long'"),
        ([("enabled", "1"), ("enabled", "0")], "more than once"),
        ([("city", "Bordeaux")], "unknown parameter 'city'"),
    ]:
        with pytest.raises(InvalidInput, match=words):
            parse_editors_query(pairs)


def test_short_and_full_representations() -> None:
    e = editor()
    short = e.as_json(FORMAT_SHORT)
    assert set(short) == {"name", "label", "description", "care_types", "request_url"}
    assert short["care_types"][0] == {"code": "soins-infirmiers",
                                      "label": "Soins infirmiers à domicile"}  # fmt: skip
    full = e.as_json()
    assert full["departments"] == ["24", "33"] and full["enabled"] is True
    assert full["sso_client_id"] == "pdm-01" and full["national"] is False


def test_the_link_carries_the_commune_and_origin_but_no_street() -> None:
    place = SearchPlace.of(geocode("12 rue Sainte-Catherine 33000 Bordeaux"))
    link = request_link(editor(request_url="https://pdm-01.test/care-request?lang=fr"), place)
    parts = urlsplit(link)
    assert parts.netloc == "pdm-01.test" and parts.path == "/care-request"
    assert parse_qsl(parts.query) == [
        ("lang", "fr"), ("department", "33"), ("insee", "33063"), ("postcode", "33000"),
        ("city", "Bordeaux"), ("origin", "sas"),
    ]  # fmt: skip
    assert "Catherine" not in link and "12" not in parts.query
    assert place.label == "Bordeaux (33000)"


def test_a_departement_search_links_with_the_departement_only() -> None:
    place = SearchPlace.of(geocode("Gironde"))
    stale = "https://pdm-01.test/care-request?insee=75056&origin=lrm"
    link = request_link(editor(request_url=stale), place)
    assert parse_qsl(urlsplit(link).query) == [("department", "33"), ("origin", "sas")]
    assert place.label == "Gironde (33)"


def test_offers_are_the_enabled_marketplaces_of_the_place() -> None:
    registry = MarketplaceRegistry([
        editor("pdm-01"), editor("pdm-02", enabled=False), editor("pdm-03", departments=("75",)),
    ])  # fmt: skip
    offers = marketplace_offers(registry, SearchPlace("33", "33063", "33000", "Bordeaux"))
    assert [o.editor.name for o in offers] == ["pdm-01"]
    assert offers[0].care_labels == ["Soins infirmiers à domicile", "Prise de sang à domicile"]
    assert offers[0].link.endswith("origin=sas")
    assert marketplace_offers(registry, SearchPlace("69")) == []
