"""The regulator's HTML pages: home, results, and the LRM entry ``/sas/recherche`` (INT_L01).

Plain Jinja2 templates and CSS, no JavaScript framework. Slots are links to the editor's booking
page (``Slot.comment`` + ``origin=sas``); editor diagnostics sit in a collapsed ``<details>``.
Every results page has the list switch (``mode``: with slots, or "en sus des disponibilités",
spec §1.10, §6.3) and offers the surnuméraire list when it shows no slot (§1.8); the
surnuméraire cards link to the orientation form (:mod:`.orientation_pages`).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from sasref.errors import InvalidInput
from sasref.lrm.contextual import is_contextual
from sasref.platform.deps import RegulatorDep, ServiceDep
from sasref.platform.results import CardView, SearchMode, SearchQuery, SearchResult

router = APIRouter(tags=["pages"], include_in_schema=False)


def render(
    request: Request, name: str, context: dict[str, Any], status_code: int = 200
) -> HTMLResponse:
    templates = request.app.state.templates
    service = request.app.state.service
    base = {"title": service.settings.title, "form": None}
    response: HTMLResponse = templates.TemplateResponse(
        request, name, {**base, **context}, status_code=status_code
    )
    return response


def error_page(
    request: Request, message: str, form: SearchQuery | None, status_code: int = 400
) -> HTMLResponse:
    return render(request, "error.html", {"message": message, "form": form}, status_code)


def _results(request: Request, result: SearchResult, path: str) -> HTMLResponse:
    params = dict(request.query_params)

    def page_url(page: int) -> str:
        return f"{path}?{urlencode({**params, 'page': str(page)})}"

    def mode_url(mode: str) -> str:
        return f"{path}?{urlencode({**params, 'mode': mode, 'page': '1'})}"

    here = f"{path}?{urlencode(params)}" if params else path

    def orient_url(card: CardView) -> str:
        """The orientation form for a surnuméraire card (its recipient, and the way back)."""
        target = card.orientation or {}
        fields = {
            "recipient_type": target.get("type"),
            "effector": target.get("effector"),
            "structure": target.get("structure"),
            "place": target.get("place"),
            "back": here,
        }
        return "/orientations/nouvelle?" + urlencode({k: v for k, v in fields.items() if v})

    context = {
        "result": result,
        "form": result.query,
        "page_url": page_url,
        "mode_url": mode_url,
        "orient_url": orient_url,
    }
    return render(request, "results.html", context)


def _mode(value: str | None) -> SearchMode | None:
    """The list asked for (default: with slots); ``None`` when the value is not a mode."""
    if value is None or not value.strip():
        return SearchMode.SLOTS
    try:
        return SearchMode(value.strip())
    except ValueError:
        return None


def _bad_mode(value: str | None) -> str:
    return f"mode {value!r}: « slots » ou « surnumeraire » attendu"


@router.get("/", name="home", response_class=HTMLResponse)
async def home(request: Request, service: ServiceDep, _: RegulatorDep) -> HTMLResponse:
    return render(request, "home.html", {"form": SearchQuery(), "editors": len(service.registry)})


@router.get("/recherche", name="results_page", response_class=HTMLResponse)
async def results_page(
    request: Request,
    service: ServiceDep,
    regulator: RegulatorDep,
    address: str | None = None,
    insee: str | None = None,
    city: str | None = None,
    postcode: str | None = None,
    speciality: str | None = None,
    practitioner: str | None = None,
    page: Annotated[str, Query()] = "1",
    mode: str | None = None,
) -> HTMLResponse:
    form = SearchQuery(
        address=_clean(address),
        insee=_clean(insee),
        city=_clean(city),
        postcode=_clean(postcode),
        speciality=_clean(speciality),
        practitioner=_clean(practitioner),
        mode=_mode(mode) or SearchMode.SLOTS,
    )
    if _mode(mode) is None:
        return error_page(request, _bad_mode(mode), form)
    if not (page.isdigit() and 1 <= int(page) <= 1000):
        return error_page(request, f"page {page!r}: a number from 1 to 1000 is expected", form)
    query = replace(form, page=int(page))
    try:
        result = await service.search(query, regulator=regulator)
    except InvalidInput as exc:
        return error_page(request, str(exc), form)
    return _results(request, result, "/recherche")


@router.get("/sas/recherche", name="sas_search", response_class=HTMLResponse)
async def sas_search(
    request: Request, service: ServiceDep, regulator: RegulatorDep
) -> HTMLResponse:
    """The platform's search URL: LRM contextual search when ``origin`` is present (§3.1), else
    the free search ``text`` (speciality) + ``loc`` (place) of the home form (§1.1)."""
    params = dict(request.query_params)
    page_text = params.get("page", "1")
    if not (page_text.isdigit() and 1 <= int(page_text) <= 1000):
        return error_page(request, f"page {page_text!r}: a number from 1 to 1000 is expected", None)
    page = int(page_text)
    mode = _mode(params.get("mode"))
    if mode is None:
        return error_page(request, _bad_mode(params.get("mode")), None)
    if is_contextual(params):
        try:
            result = await service.search_contextual(
                params, page=page, mode=mode, regulator=regulator
            )
        except InvalidInput as exc:
            return error_page(request, str(exc), SearchQuery())
        return _results(request, result, "/sas/recherche")
    form = SearchQuery(
        address=_clean(params.get("loc")), speciality=_clean(params.get("text")), mode=mode
    )
    if form.address is None:
        return render(
            request,
            "home.html",
            {
                "form": form,
                "editors": len(service.registry),
                "message": "Indiquez une adresse ou une commune.",
            },
            status_code=400,
        )
    try:
        result = await service.search(replace(form, page=page), regulator=regulator)
    except InvalidInput as exc:
        return error_page(request, str(exc), form)
    return _results(request, result, "/sas/recherche")


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    text = " ".join(value.split())
    return text or None
