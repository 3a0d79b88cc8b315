"""The "Place de marché" links of the regulator's results page (seed slides: "lien de
redirection vers les solutions éditeurs offrant un service type place de marché").

Each link is the marketplace's care-request page with what the marketplace needs from the
search — **the place at commune level** (département, and for a commune or an address the INSEE
code, postcode and commune name) — and ``origin=sas``, the parameter that grants regulator
permissions after the silent SSO (digest §0, §3.4; the same rule as the booking links). The
street of an address search is left out: it may be the patient's own address, and the booking
links carry no personal data either. Pure.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from sasref.auth.sso import booking_url_with_origin
from sasref.directory import GeoPoint, geo
from sasref.marketplace.care import CARE_TYPES
from sasref.marketplace.registry import EditorsQuery, MarketplaceEditor, MarketplaceRegistry

__all__ = ["MarketplaceOffer", "SearchPlace", "marketplace_offers", "request_link"]

#: The link's place parameters, in this order.
PLACE_PARAMS = ("department", "insee", "postcode", "city")


@dataclass(frozen=True, slots=True)
class SearchPlace:
    """Where the regulator searched, at the precision a marketplace link carries."""

    department: str
    insee: str | None = None
    postcode: str | None = None
    city: str | None = None

    @classmethod
    def of(cls, point: GeoPoint) -> SearchPlace:
        return cls(point.department, point.insee, point.postal_code, point.city)

    @property
    def label(self) -> str:
        if self.city:
            return f"{self.city} ({self.postcode or self.department})"
        return f"{geo.department(self.department).name} ({self.department})"

    def params(self) -> list[tuple[str, str]]:
        values = (self.department, self.insee, self.postcode, self.city)
        return [(k, v) for k, v in zip(PLACE_PARAMS, values, strict=True) if v]


def request_link(editor: MarketplaceEditor, place: SearchPlace) -> str:
    """``editor.request_url`` with the place and ``origin=sas`` (its own parameters kept; place
    parameters it already had are replaced)."""
    parts = urlsplit(editor.request_url)
    kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
            if k not in PLACE_PARAMS]  # fmt: skip
    url = urlunsplit(parts._replace(query=urlencode(kept + place.params())))
    return booking_url_with_origin(url)


@dataclass(frozen=True, slots=True)
class MarketplaceOffer:
    """One line of the results page's "Place de marché" block."""

    editor: MarketplaceEditor
    link: str

    @property
    def care_labels(self) -> list[str]:
        return [CARE_TYPES[c].label for c in self.editor.care_types]


def marketplace_offers(registry: MarketplaceRegistry, place: SearchPlace) -> list[MarketplaceOffer]:
    """The enabled marketplaces serving the place's département, with their links."""
    selected = registry.select(EditorsQuery(enabled=True, department=place.department))
    return [MarketplaceOffer(e, request_link(e, place)) for e in selected]
