"""A mock marketplace platform: ``create_app(settings, http) -> FastAPI`` (issue 9 item 2).

Pages (French; the regulator arrives from the SAS results page's "Place de marché" link):

* ``GET /care-request?origin=sas&department=…&insee=…&postcode=…&city=…`` — the care-request
  form, pre-filled with the place and a window; without a session the browser goes through the
  silent SSO (:mod:`sasref.auth.editor_sso`, either mode) and lands on ``/login`` when it cannot
  authenticate; the form only with regulator permissions (``origin=sas`` + an SSO session,
  IG digest §3.4), as on the booking pages;
* ``POST`` on the same URL — validates (:mod:`mocks.marketplace.validation`; 422 with the
  per-field errors, or an OperationOutcome when the client asks for JSON), files the request,
  reports it to the SAS (INT_R03 ``POST``, ``pending``) and shows it;
* ``GET /care-requests`` (the regulator's requests and their state), ``GET /care-requests/{id}``
  (timeline, professional, INT_R03 delivery), ``POST /care-requests/{id}/cancel``;
* ``GET|POST /login``, ``POST /logout`` — the platform's own password login.

FHIR (``/fhir``, :mod:`mocks.marketplace.fhir`): INT_R02 regulator accounts, the requests as
Appointments, ``POST /AppointmentResponse`` (a professional's answer; 409 + OperationOutcome on
a closed request), ``/metadata``.

JSON for tests and notebooks: ``GET /api/care-requests[/{id}]``; ``GET|PUT /admin/behaviour``
(:class:`~mocks.marketplace.dispatch.MarketplaceBehaviour`), ``GET /admin/outbox``,
``POST /admin/outbox/flush``, ``POST /admin/dispatch`` (apply what is due now).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx
from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from mocks.editor import EditorSettings, EditorState
from mocks.editor.http import FhirError, error_response, fhir_response, read_body
from mocks.editor_booking import find_regulator_account
from mocks.editor_booking.accounts import account_note
from mocks.editor_booking.web import EditorWeb, read_form
from mocks.marketplace import pages
from mocks.marketplace.dispatch import MarketplaceBehaviour
from mocks.marketplace.fhir import MarketplaceFhir
from mocks.marketplace.fleet import MarketplaceProfile
from mocks.marketplace.model import appointment_resource
from mocks.marketplace.service import AnswerRefused, MarketplaceService
from mocks.marketplace.validation import read_care_request, validation_outcome
from sasref.auth.editor_sso import EditorSsoSettings
from sasref.auth.mtls import ClientCertificateCheck, ClientName
from sasref.auth.sso import ORIGIN_SAS
from sasref.clock import PARIS, Clock, SystemClock
from sasref.directory import geo
from sasref.fhir.outcome import operation_outcome

__all__ = ["Marketplace", "MarketplaceSettings", "create_app"]

_MAX_BODY = 100_000


@dataclass(frozen=True)
class MarketplaceSettings:
    """``root``: the platform's web root (pages; the FHIR base is ``root/fhir`` unless
    ``fhir_base`` says where the SAS reaches it); ``sso``: its relying-party settings (mode (a)
    PSC or (b) SAS IdP); ``sas_fhir_base``: where INT_R03 goes. ``time_scale`` multiplies the
    dispatch's delays and timeout (the demo runs a dispatch minute in a second);
    ``expected_client``: with mTLS, the CN/OU INT_R02 requires (the SAS's)."""

    profile: MarketplaceProfile
    root: str
    sso: EditorSsoSettings
    sas_fhir_base: str
    clock: Clock = field(default_factory=SystemClock)
    seed: int = 0
    local_users: Mapping[str, str] = field(default_factory=lambda: {"coordination": "soins"})
    allowed_origins: tuple[str, ...] = (ORIGIN_SAS,)
    time_scale: float = 1.0
    timeout: timedelta = timedelta(hours=1)
    behaviour: MarketplaceBehaviour = field(default_factory=MarketplaceBehaviour)
    fhir_base: str | None = None
    expected_client: ClientName | None = None

    @property
    def identifier_system(self) -> str:
        """The platform's system for its care requests' identifiers (INT_R03 §4.3)."""
        return f"https://{self.profile.name}.test/demande-de-prise-en-charge"


def _wants_json(request: Request) -> bool:
    return "json" in request.headers.get("accept", "").lower()


def _local(moment: datetime) -> str:
    return f"{moment.astimezone(PARIS):%Y-%m-%dT%H:%M}"


class Marketplace(EditorWeb):
    """One marketplace's pages, FHIR API and runtime (``app.state.marketplace``)."""

    def __init__(self, settings: MarketplaceSettings, http: httpx.AsyncClient) -> None:
        profile = settings.profile
        super().__init__(
            profile.name, settings.sso, http, sas_fhir_base=settings.sas_fhir_base,
            clock=settings.clock, local_users=settings.local_users,
            allowed_origins=settings.allowed_origins, home="/care-requests", kind=pages.KIND,
        )  # fmt: skip
        self.settings = settings
        self.profile = profile
        fhir_base = (settings.fhir_base or f"{settings.root.rstrip('/')}/fhir").rstrip("/")
        self.state = EditorState(
            EditorSettings(
                name=profile.name, base_url=fhir_base, software=profile.label,
                use_cases=frozenset(), clock=self.clock, seed=settings.seed,
            )
        )  # fmt: skip
        self.service = MarketplaceService(
            profile, self.outbox, self.clock, identifier_system=settings.identifier_system,
            seed=settings.seed, time_scale=settings.time_scale, timeout=settings.timeout,
            behaviour=settings.behaviour.model_copy(),
        )  # fmt: skip
        r = APIRouter(include_in_schema=False)
        r.include_router(self.sso.router)
        r.add_api_route("/", self.root_page, methods=["GET"])
        r.add_api_route("/care-request", self.form_page, methods=["GET"])
        r.add_api_route("/care-request", self.submit, methods=["POST"])
        r.add_api_route("/care-requests", self.list_page, methods=["GET"])
        r.add_api_route("/care-requests/{request_id}", self.request_page, methods=["GET"])
        r.add_api_route("/care-requests/{request_id}/cancel", self.cancel, methods=["POST"])
        self.add_login_routes(r)
        r.add_api_route("/api/care-requests", self.api_list, methods=["GET"])
        r.add_api_route("/api/care-requests/{request_id}", self.api_get, methods=["GET"])
        r.include_router(MarketplaceFhir(self).router)
        r.add_api_route("/admin/behaviour", self.get_behaviour, methods=["GET"])
        r.add_api_route("/admin/behaviour", self.put_behaviour, methods=["PUT"])
        self.add_outbox_routes(r)
        r.add_api_route("/admin/dispatch", self.admin_dispatch, methods=["POST"])
        self.router = r

    def install(self, app: FastAPI) -> None:
        app.state.marketplace = self
        app.state.sasref_editor_sso = self.sso
        app.include_router(self.router)

    # --- background ------------------------------------------------------------------------
    def start_background(self, interval: float = 1.0) -> None:
        """Dispatch and INT_R03 delivery on the clock (sockets; tests call :meth:`settle`)."""
        self.service.start_background(interval)
        self.outbox.start_background(interval)

    async def stop(self) -> None:
        await self.service.stop()
        await self.outbox.stop()

    async def settle(self) -> int:
        """Apply what is due now and send it (what the background task does each round)."""
        return await self.service.run_due()

    # --- pages ----------------------------------------------------------------------------
    async def root_page(self) -> Response:
        return RedirectResponse("/care-requests", status_code=303)

    def _prefill(self, request: Request) -> dict[str, str]:
        """The place the SAS link carries, and a window from the next quarter hour, 24 h."""
        params = request.query_params
        values = {"postcode": params.get("postcode", ""), "city": params.get("city", "")}
        commune = geo.commune_by_insee(params.get("insee", ""))
        if commune is not None:
            values["city"] = commune.name
            values["postcode"] = values["postcode"] or commune.postcode
        now = self.clock.now().replace(second=0, microsecond=0)
        start = now + timedelta(minutes=-now.minute % 15)
        values["window_start"] = _local(start)
        values["window_end"] = _local(start + timedelta(hours=24))
        return values

    def _form(
        self, request: Request, user: dict[str, Any], csrf: str, values: Mapping[str, str],
        errors: Mapping[str, str] | None = None, status_code: int = 200,
    ) -> HTMLResponse:  # fmt: skip
        regulator = self.regulator_permissions(request, user)
        account = find_regulator_account(self.state.accounts, user) if regulator else None
        body = pages.care_request_page(
            profile=self.profile, user=user, action=self._here(request), csrf=csrf,
            regulator=regulator, account_note=account_note(account) if regulator else None,
            values=values, errors=errors,
        )  # fmt: skip
        return self._html(body, status_code)

    async def form_page(self, request: Request) -> Response:
        user, csrf, fresh = self._user_and_csrf(request)
        if user is None:
            return self._to_sso(request)
        response = self._form(request, user, csrf, self._prefill(request))
        if fresh:
            self._save_csrf(response, user, csrf)
        return response

    async def submit(self, request: Request) -> Response:
        user, csrf, _ = self._user_and_csrf(request)
        if user is None:
            return self._refuse(request, 401, "login", "Session absente",
                                "Connectez-vous avant de déposer une demande.")  # fmt: skip
        form = await read_form(request)
        if not await self._csrf_ok(request, form):
            return self._refuse(request, 403, "security", "Requête refusée",
                                "jeton CSRF absent ou invalide")  # fmt: skip
        if not self.regulator_permissions(request, user):
            return self._refuse(
                request, 403, "forbidden", "Droits régulateur non accordés",
                "La demande pour le compte du SAS demande un lien venu du SAS (origin=sas) et "
                "une session ouverte par SSO.",
            )  # fmt: skip
        draft, errors = read_care_request(form, now=self.clock.now(), profile=self.profile)
        account = find_regulator_account(self.state.accounts, user)
        if account is None:
            errors["form"] = (
                "Compte régulateur inconnu de cette plateforme (INT_R02 non reçu ou désactivé) : "
                "la demande ne pourrait pas être attribuée au régulateur."
            )
        if draft is None or account is None:
            if _wants_json(request):
                return fhir_response(validation_outcome(errors, form), 422)
            return self._form(request, user, csrf, form, errors, 422)
        created = self.service.file(
            draft,
            operator=account["identifier"][0],
            requested_by=f"{user.get('given_name', '')} {user.get('family_name', '')}".strip(),
            requested_by_sub=str(user["sub"]),
        )
        await self.flush_quietly()
        location = f"/care-requests/{created.id}"
        if _wants_json(request):
            return fhir_response(appointment_resource(created), 201, {"Location": location})
        return RedirectResponse(location, status_code=303)

    def _refuse(self, request: Request, status: int, code: str, title: str, text: str
                ) -> Response:  # fmt: skip
        if _wants_json(request):
            return fhir_response(operation_outcome(code, text), status)
        return self._message(title, text, status)

    async def list_page(self, request: Request) -> Response:
        user, _, _ = self._user_and_csrf(request)
        if user is None:
            return self._to_sso(request)
        mine = [
            r for r in self.service.requests.values()
            if user.get("local") or r.requested_by_sub == user["sub"]
        ]  # fmt: skip
        mine.sort(key=lambda r: r.created, reverse=True)
        return self._html(pages.requests_page(profile=self.profile, user=user, requests=mine))

    async def request_page(self, request: Request, request_id: str) -> Response:
        user, csrf, fresh = self._user_and_csrf(request)
        if user is None:
            return self._to_sso(request)
        found = self.service.requests.get(request_id)
        if found is None:
            return self._message("Demande inconnue", request_id, 404)
        body = pages.request_page(
            profile=self.profile, user=user, request=found, csrf=csrf,
            delivery=self.outbox.describe(found.identifier),
        )  # fmt: skip
        response = self._html(body)
        if fresh:
            self._save_csrf(response, user, csrf)
        return response

    async def cancel(self, request: Request, request_id: str) -> Response:
        user, _, _ = self._user_and_csrf(request)
        if user is None:
            return self._message("Session absente", "Connectez-vous.", 401)
        if not await self._csrf_ok(request, await read_form(request)):
            return self._message("Requête refusée", "jeton CSRF absent ou invalide", 403)
        try:
            self.service.cancel(request_id)
        except AnswerRefused as exc:
            title = "Demande inconnue" if exc.status == 404 else "Demande close"
            return self._message(title, exc.message, exc.status)
        await self.flush_quietly()
        return RedirectResponse(f"/care-requests/{quote(request_id)}", status_code=303)

    # --- JSON ------------------------------------------------------------------------------
    async def api_list(self) -> JSONResponse:
        return JSONResponse([r.to_json() for r in self.service.requests.values()])

    async def api_get(self, request_id: str) -> JSONResponse:
        found = self.service.requests.get(request_id)
        if found is None:
            return JSONResponse({"error": "not_found", "message": request_id}, status_code=404)
        return JSONResponse(found.to_json())

    # --- admin -----------------------------------------------------------------------------
    async def get_behaviour(self) -> JSONResponse:
        return JSONResponse(self.service.behaviour.model_dump())

    async def put_behaviour(self, request: Request) -> Response:
        try:
            patch = json.loads(await read_body(request, _MAX_BODY) or b"{}")
        except json.JSONDecodeError as exc:
            raise FhirError(400, "structure", f"behaviour is not JSON: {exc}") from None
        if not isinstance(patch, dict):
            raise FhirError(400, "structure", "behaviour must be a JSON object")
        try:
            self.service.behaviour = self.service.behaviour.merged(patch)
        except ValidationError as exc:
            raise FhirError(422, "invalid", f"invalid behaviour: {exc.errors()}") from None
        return JSONResponse(self.service.behaviour.model_dump())

    async def admin_dispatch(self) -> JSONResponse:
        applied = await self.settle()
        return JSONResponse({"applied": applied, "summary": self.outbox.summary()})


def _install_error_handlers(app: FastAPI, marketplace: Marketplace) -> None:
    """FHIR routes answer OperationOutcomes; pages a French message page."""

    def fhir_path(request: Request) -> bool:
        return request.url.path.startswith("/fhir") or request.url.path.startswith("/admin")

    async def on_fhir_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, FhirError)
        return error_response(exc)

    async def on_http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if fhir_path(request):
            code = {404: "not-found", 405: "not-supported"}.get(exc.status_code, "processing")
            text = f"{request.method} {request.url.path}: {exc.detail}"
            return fhir_response(operation_outcome(code, text), exc.status_code)
        return marketplace._message("Page introuvable" if exc.status_code == 404 else "Erreur",
                                    str(exc.detail), exc.status_code)  # fmt: skip

    async def on_validation_error(request: Request, exc: Exception) -> Response:
        if fhir_path(request):
            return fhir_response(operation_outcome("invalid", f"bad request: {exc}"), 400)
        return marketplace._message("Requête invalide", str(exc), 400)

    app.add_exception_handler(FhirError, on_fhir_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)


def create_app(settings: MarketplaceSettings, http: httpx.AsyncClient) -> FastAPI:
    """The marketplace app; ``http`` reaches its SSO provider and the SAS (INT_R03)."""
    app = FastAPI(title=f"{settings.profile.label} — place de marché", openapi_url=None,
                  docs_url=None, redoc_url=None)  # fmt: skip
    marketplace = Marketplace(settings, http)
    marketplace.install(app)
    _install_error_handlers(app, marketplace)
    if settings.expected_client is not None:
        # mTLS guards the flow the SAS calls (INT_R02); the rest of /fhir is the platform's
        base = marketplace.state.settings.base_path
        app.add_middleware(ClientCertificateCheck, expected=settings.expected_client,
                           path_prefix=f"{base}/Practitioner")  # fmt: skip
    return app
