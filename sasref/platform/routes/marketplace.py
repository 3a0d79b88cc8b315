"""The marketplace ("place de marché") on the platform: the editors' registry API and the
results page's "Place de marché" block (spec ``sas-platform-search.md`` §6.4; seed slides).

* ``GET /marketplace/api/v1/editors?enabled=1[&department=33][&format=…]`` (``format``
  ``marketplace_short_description`` or ``full``) — the registry as a JSON array, also under
  the real platform's reverse-proxied path ``/aggregator/marketplace/api/v1/editors``; behind
  the regulator login like ``/api/v1``; a wrong filter is a 400 ``{"error", "message"}``.
* :func:`marketplace_block` — called by ``_marketplace.html`` (included by ``results.html``): the
  enabled marketplaces serving the search's département, each a link to its care-request page
  with the place and ``origin=sas`` (:func:`sasref.marketplace.request_link`).

:func:`install` puts the registry on ``app.state.marketplaces``, the template helper in the
templates' globals and the router in the app.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import cast

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse

from sasref.errors import InvalidInput
from sasref.marketplace import (
    MarketplaceEditor,
    MarketplaceOffer,
    MarketplaceRegistry,
    SearchPlace,
    marketplace_offers,
    parse_editors_query,
)
from sasref.platform.deps import RegulatorDep
from sasref.platform.results import SearchResult

__all__ = ["MarketplaceBlock", "install", "marketplace_block", "router"]

router = APIRouter(tags=["marketplace"])


def registry_of(app: FastAPI) -> MarketplaceRegistry:
    return cast(MarketplaceRegistry, app.state.marketplaces)


@router.get(
    "/marketplace/api/v1/editors",
    summary="The marketplace editors (place de marché), filtered",
    responses={400: {"description": "Bad filter (JSON: error, message)"}},
)
@router.get("/aggregator/marketplace/api/v1/editors", include_in_schema=False)
async def list_editors(request: Request, _: RegulatorDep) -> JSONResponse:
    """``enabled`` (1/0/true/false), ``department`` (01…976), ``format``
    (``marketplace_short_description`` or ``full``, the default)."""
    try:
        query = parse_editors_query(request.query_params.multi_items())
    except InvalidInput as exc:
        return JSONResponse({"error": "bad_request", "message": str(exc)}, status_code=400)
    selected = registry_of(cast(FastAPI, request.app)).select(query)
    return JSONResponse([e.as_json(query.format) for e in selected])


@dataclass(frozen=True, slots=True)
class MarketplaceBlock:
    place: SearchPlace
    offers: list[MarketplaceOffer]


def marketplace_block(request: Request, result: SearchResult) -> MarketplaceBlock | None:
    """The block for a results page; ``None`` when the platform knows no marketplace."""
    registry = registry_of(cast(FastAPI, request.app))
    if not len(registry) or result.point is None:
        return None
    place = SearchPlace.of(result.point)
    return MarketplaceBlock(place, marketplace_offers(registry, place))


def install(app: FastAPI, marketplaces: Iterable[MarketplaceEditor]) -> None:
    """The registry, the results page's helper and the API on ``app``."""
    app.state.marketplaces = MarketplaceRegistry(marketplaces)
    app.state.templates.env.globals["marketplace_block"] = marketplace_block
    app.include_router(router)
