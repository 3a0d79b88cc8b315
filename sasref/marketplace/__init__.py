"""The marketplace ("place de marché", PDM) on the SAS side: the fourth use case's
complementary care offer (seed slides; digest §0, §5, §10; spec ``sas-platform-search.md`` §6.4).

* :mod:`sasref.marketplace.care` — the care types a marketplace takes (French labels, TRE_G15);
* :mod:`sasref.marketplace.registry` — :class:`MarketplaceRegistry` of the marketplace editors
  and the filters of ``GET /marketplace/api/v1/editors``;
* :mod:`sasref.marketplace.links` — the results page's redirect links (place + ``origin=sas``).

The routes are :mod:`sasref.platform.routes.marketplace`. What the SAS receives from a
marketplace is an ordinary INT_R03 Appointment categorised ``002`` (:mod:`sasref.appointments`),
forwarded to the LRM as ``orientationCategory = PDM``; docs/marketplace.md has the whole flow.
"""

from __future__ import annotations

from sasref.marketplace.care import CARE_TYPES, CareType
from sasref.marketplace.links import MarketplaceOffer, SearchPlace, marketplace_offers, request_link
from sasref.marketplace.registry import (
    FORMAT_FULL,
    FORMAT_SHORT,
    EditorsQuery,
    MarketplaceEditor,
    MarketplaceRegistry,
    parse_editors_query,
)

__all__ = [
    "CARE_TYPES",
    "FORMAT_FULL",
    "FORMAT_SHORT",
    "CareType",
    "EditorsQuery",
    "MarketplaceEditor",
    "MarketplaceOffer",
    "MarketplaceRegistry",
    "SearchPlace",
    "marketplace_offers",
    "parse_editors_query",
    "request_link",
]
