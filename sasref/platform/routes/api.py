"""``/api/v1``: the search API (JSON) and the editor registry (issue 4 item 4).

``GET /api/v1/search`` answers cards with slots by day and per-editor diagnostics (``mode=
surnumeraire``: the offers accepting patients en sus des disponibilités, each card with the
``orientation.recipient`` to post to ``/api/v1/orientations``; a with-slots search that shows no
slot answers a ``suggestion`` with the URL of that search, spec §1.8, §6.3);
``GET``/``POST /api/v1/editors`` and ``DELETE /api/v1/editors/{name}`` read and change the
editor registry at run time. Editors added through the API are saved in the platform's database
and come back after a restart; editors from the configuration (settings, ``--editor``) win on a
name clash, so the API refuses to replace or delete them (409). Errors are JSON
``{"error", "message"}``: 400 bad input, 404 unknown editor, 409 configured editor.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

import orjson
from fastapi import APIRouter, Query, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import SQLAlchemyError

from sasref.aggregator import parse_editor_option
from sasref.errors import ConfigurationError, InvalidInput
from sasref.platform.deps import RegulatorDep, ServiceDep
from sasref.platform.results import SearchMode, SearchQuery

router = APIRouter(prefix="/api/v1", tags=["search"])


def bad_request(message: str) -> JSONResponse:
    return JSONResponse({"error": "bad_request", "message": message}, status_code=400)


def error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": code, "message": message}, status_code=status)


def _configured(name: str) -> JSONResponse:
    return error(
        409,
        "conflict",
        f"editor {name!r} comes from the platform's configuration (settings or --editor), which "
        "wins over the API: change it there",
    )


def _unavailable(exc: SQLAlchemyError) -> JSONResponse:
    return error(
        503, "unavailable", f"the editor registry could not be saved: {type(exc).__name__}"
    )


@router.get(
    "/search",
    summary="Search the health offer with live slots (today, tomorrow, the day after)",
    responses={400: {"description": "Bad search parameters (JSON: error, message)"}},
)
async def search(
    service: ServiceDep,
    regulator: RegulatorDep,
    address: Annotated[str | None, Query(description="Postal address or commune name")] = None,
    insee: Annotated[str | None, Query(description="INSEE code of the commune")] = None,
    city: Annotated[str | None, Query(description="Commune name")] = None,
    postcode: Annotated[str | None, Query(description="Postcode")] = None,
    speciality: Annotated[
        str | None, Query(description="TRE_R38 code (SM54) or free text; default general practice")
    ] = None,
    practitioner: Annotated[
        str | None,
        Query(description="The médecin traitant: RPPS (11 digits or 8-prefixed) or name"),
    ] = None,
    page: Annotated[int, Query(ge=1, le=1000, description="Page of 5 cards")] = 1,
    mode: Annotated[
        SearchMode,
        Query(
            description="slots: offers with slots (default); surnumeraire: offers accepting "
            "patients en sus des disponibilités (no slots), orientation target on each card"
        ),
    ] = SearchMode.SLOTS,
) -> Any:
    query = SearchQuery(
        address=_clean(address),
        insee=_clean(insee),
        city=_clean(city),
        postcode=_clean(postcode),
        speciality=_clean(speciality),
        practitioner=_clean(practitioner),
        page=page,
        mode=mode,
    )
    try:
        result = await service.search(query, regulator=regulator)
    except InvalidInput as exc:
        return bad_request(str(exc))
    switched = {**query.as_params(), "mode": SearchMode.SURNUMERAIRE.value}
    body = result.as_dict(suggestion_url=f"{router.prefix}/search?{urlencode(switched)}")
    # Already plain JSON types: skip FastAPI's recursive encoder and the standard library's
    # (about 1 ms a search in the throughput benchmark); orjson writes the same JSON.
    return Response(orjson.dumps(body), media_type="application/json")


#: Editor names: they appear in URLs (``DELETE /api/v1/editors/{name}``) and in ``NAME=URL``.
EDITOR_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"


class EditorIn(BaseModel):
    name: str = Field(
        min_length=1,
        max_length=100,
        pattern=EDITOR_NAME_PATTERN,
        description="Letters, digits, '.', '_' and '-' (starting with a letter or digit)",
    )
    url: str = Field(min_length=8, max_length=500, description="FHIR base URL")
    use_cases: list[str] = Field(default=["ps", "cpts", "sos"])


_EDITOR_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "Invalid editor (JSON: error, message)"},
    409: {"description": "The editor comes from the configuration (JSON: error, message)"},
    503: {"description": "The database is unavailable: nothing changed (JSON: error, message)"},
}


@router.get("/editors", tags=["editors"], summary="The editors the platform queries")
async def list_editors(service: ServiceDep, _: RegulatorDep) -> list[dict[str, Any]]:
    return [
        {
            "name": e.name,
            "software": e.software,
            "base_url": e.base_url,
            "use_cases": sorted(e.use_cases),
            "source": "configuration" if e.name in service.configured_editors else "api",
        }
        for e in service.registry
    ]


@router.post(
    "/editors",
    tags=["editors"],
    status_code=201,
    summary="Add or replace an editor (saved: it survives a restart)",
    responses=_EDITOR_ERRORS,
)
async def add_editor(editor: EditorIn, service: ServiceDep, _: RegulatorDep) -> Any:
    unknown = set(editor.use_cases) - {"ps", "cpts", "sos"}
    if unknown:
        return bad_request(f"unknown use cases {sorted(unknown)} (ps, cpts, sos)")
    if not editor.use_cases:
        return bad_request("use_cases must name at least one of ps, cpts, sos")
    try:
        info = parse_editor_option(f"{editor.name}={editor.url}", use_cases=editor.use_cases)
    except ConfigurationError as exc:
        return bad_request(str(exc))
    if info.name in service.configured_editors:
        return _configured(info.name)
    try:
        await service.save_editor(info)
    except SQLAlchemyError as exc:
        return _unavailable(exc)
    return {"name": info.name, "base_url": info.base_url, "use_cases": sorted(info.use_cases)}


@router.delete(
    "/editors/{name}",
    tags=["editors"],
    status_code=204,
    response_class=Response,
    response_model=None,
    summary="Remove an editor added through the API (and what was learned about it)",
    responses={
        **_EDITOR_ERRORS,
        404: {"description": "No editor of that name (JSON: error, message)"},
    },
)
async def delete_editor(name: str, service: ServiceDep, _: RegulatorDep) -> Any:
    if name in service.configured_editors:
        return _configured(name)
    try:
        removed = await service.delete_editor(name)
    except SQLAlchemyError as exc:
        return _unavailable(exc)
    if not removed:
        return error(404, "not_found", f"no editor named {name!r}")
    return Response(status_code=204)


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    text = " ".join(value.split())
    return text or None
