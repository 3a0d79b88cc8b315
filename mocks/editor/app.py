"""The mock editor server: ``create_app(settings) -> FastAPI`` (issue 3; digest §2, §3, §8, §13).

Routes under the FHIR base path (``settings.base_url``'s path, e.g. ``/fhir``):

* ``GET /Slot`` — INT_R01 and INT_R04 (:mod:`sasref.search` parses, selects and renders);
* ``GET /Schedule`` — SOS Médecins;
* ``POST /Practitioner``, ``PUT /Practitioner?identifier=``, ``GET /Practitioner[?identifier=]``,
  ``GET /Practitioner/{id}`` — INT_R02 regulator accounts (:mod:`mocks.editor.accounts`);
* ``GET /metadata`` — the CapabilityStatement of what this editor serves.

Outside it: ``GET/PUT /admin/behaviour`` (quirks and faults, JSON; PUT merges a partial object).
With ``settings.expected_client``, the FHIR routes answer 403 to a client certificate naming
another CN/OU (digest §11, :mod:`mocks.editor.tls`).

Request faults (latency, hang, error) apply to every FHIR route but ``/metadata``; output faults
(malformed JSON, invalid FHIR, wrong content type) to the two searches. Bad input of any kind
is a 4xx OperationOutcome; nothing but an injected fault answers 5xx.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from mocks.editor import accounts
from mocks.editor.behaviour import apply_quirks, break_fhir, malformed
from mocks.editor.capability import capability_statement
from mocks.editor.http import (
    FhirError,
    apply_request_faults,
    check_accept,
    dumps,
    error_response,
    fhir_response,
    read_body,
)
from mocks.editor.settings import EditorSettings, EditorState
from mocks.editor.tls import ClientCertificateCheck
from sasref.fhir.outcome import operation_outcome
from sasref.search import QueryError, build_searchset, parse_query
from sasref.search.bundle import render_searchset
from sasref.search.query import Target

Json = dict[str, Any]


def create_app(settings: EditorSettings) -> FastAPI:
    """A mock editor serving ``settings.data``; its live state is ``app.state.editor``."""
    state = EditorState(settings)
    app = FastAPI(
        title=f"{settings.name} — {settings.software}",
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )
    app.state.editor = state
    base = settings.base_path

    async def get_slot(request: Request) -> Response:
        return await _search(request, state, "Slot")

    async def get_schedule(request: Request) -> Response:
        return await _search(request, state, "Schedule")

    async def post_practitioner(request: Request) -> Response:
        return await accounts.create_practitioner(request, state)

    async def put_practitioner(request: Request) -> Response:
        return await accounts.update_practitioner(request, state)

    async def get_practitioners(request: Request) -> Response:
        return await accounts.search_practitioners(request, state)

    async def get_practitioner(request: Request, account_id: str) -> Response:
        return await accounts.read_practitioner(request, state, account_id)

    async def metadata(request: Request) -> Response:
        check_accept(request)
        return fhir_response(capability_statement(settings))

    async def get_behaviour() -> Response:
        return JSONResponse(state.behaviour.model_dump())

    async def put_behaviour(request: Request) -> Response:
        body = await read_body(request, settings.max_body_bytes)
        try:
            patch = json.loads(body or b"{}")
        except json.JSONDecodeError as exc:
            raise FhirError(400, "structure", f"behaviour is not JSON: {exc}") from None
        if not isinstance(patch, dict):
            raise FhirError(400, "structure", "behaviour must be a JSON object")
        try:
            state.behaviour = state.behaviour.merged(patch)
        except ValidationError as exc:
            raise FhirError(422, "invalid", f"invalid behaviour: {exc.errors()}") from None
        return JSONResponse(state.behaviour.model_dump())

    app.add_api_route(f"{base}/Slot", get_slot, methods=["GET"])
    app.add_api_route(f"{base}/Schedule", get_schedule, methods=["GET"])
    app.add_api_route(f"{base}/Practitioner", post_practitioner, methods=["POST"])
    app.add_api_route(f"{base}/Practitioner", put_practitioner, methods=["PUT"])
    app.add_api_route(f"{base}/Practitioner", get_practitioners, methods=["GET"])
    app.add_api_route(f"{base}/Practitioner/{{account_id}}", get_practitioner, methods=["GET"])
    app.add_api_route(f"{base}/metadata", metadata, methods=["GET"])
    app.add_api_route("/admin/behaviour", get_behaviour, methods=["GET"])
    app.add_api_route("/admin/behaviour", put_behaviour, methods=["PUT"])
    _install_error_handlers(app)
    if settings.expected_client is not None:
        app.add_middleware(
            ClientCertificateCheck, expected=settings.expected_client, path_prefix=base
        )
    return app


async def _search(request: Request, state: EditorState, target: Target) -> Response:
    settings = state.settings
    await apply_request_faults(request, state)
    check_accept(request)
    wanted = {"ps", "cpts"} if target == "Slot" else {"sos"}
    if not settings.use_cases & wanted:
        raise FhirError(404, "not-supported", f"{settings.name} does not serve {target} searches")
    try:
        query = parse_query(request.query_params.multi_items(), target)
    except QueryError as exc:
        raise FhirError(400, exc.code, exc.message, exc.param) from None
    if query.use_case not in settings.use_cases:
        raise FhirError(
            400,
            "not-supported",
            f"{settings.name} does not serve the {query.use_case} use case",
            "_include",
        )
    slots = state.slots.select(query)
    state.trim_caches()
    behaviour = state.behaviour
    faults = behaviour.faults
    rng = state.rng
    if not behaviour.quirks.any() and not faults.invalid_fhir_rate:
        # hot path: entries serialised once, then joined (byte-identical to dumps(bundle))
        content = render_searchset(
            query,
            state.catalog,
            slots,
            base_url=settings.base_url,
            self_url=str(request.url),
            cache=state.entries,
        )
        return _output_faults(content, state)
    bundle = build_searchset(
        query,
        state.catalog,
        slots,
        base_url=settings.base_url,
        self_url=str(request.url),
        cache=state.render_cache,
    )
    bundle = copy.deepcopy(bundle)  # rendered resources are shared with the cache
    if behaviour.quirks.any():
        raw_self = f"{settings.base_url}/{target}?" + "&".join(
            f"{k}={v}" for k, v in query.to_params()
        )
        apply_quirks(
            bundle, behaviour.quirks, raw_self_url=raw_self, specialities=state.specialities
        )
    if faults.invalid_fhir_rate and rng.random() < faults.invalid_fhir_rate:
        bundle = break_fhir(bundle)
    return _output_faults(dumps(bundle), state)


def _output_faults(content: bytes, state: EditorState) -> Response:
    faults = state.behaviour.faults
    rng = state.rng
    media_type = "application/fhir+json"
    if faults.malformed_json_rate and rng.random() < faults.malformed_json_rate:
        content = malformed(content)
    if faults.wrong_content_type_rate and rng.random() < faults.wrong_content_type_rate:
        media_type = "text/html"
    return fhir_response(content, media_type=media_type)


def _install_error_handlers(app: FastAPI) -> None:
    async def on_fhir_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, FhirError)
        return error_response(exc)

    async def on_http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        code = {404: "not-found", 405: "not-supported"}.get(exc.status_code, "processing")
        message = f"{request.method} {request.url.path}: {exc.detail}"
        headers = dict(exc.headers) if exc.headers else None
        return fhir_response(operation_outcome(code, message), exc.status_code, headers)

    async def on_validation_error(request: Request, exc: Exception) -> Response:
        return fhir_response(operation_outcome("invalid", f"bad request: {exc}"), 400)

    app.add_exception_handler(FhirError, on_fhir_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
