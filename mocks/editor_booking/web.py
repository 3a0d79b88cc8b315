"""What every mock editor's web side shares (the booking pages, the marketplaces' care-request
pages): the editor session opened by SSO (:mod:`sasref.auth.editor_sso`), its CSRF token, the
regulator-permission rule (IG digest §3.4), the editor's own password login and its INT_R03
outbox to the SAS (:class:`~mocks.editor_booking.outbox.AppointmentOutbox`).

:class:`EditorWeb` is the base of :class:`mocks.editor_booking.EditorBooking` and
:class:`mocks.marketplace.Marketplace`; :meth:`EditorWeb.add_login_routes` adds ``GET|POST
/login`` and ``POST /logout`` to a router, :meth:`EditorWeb.add_outbox_routes` ``GET
/admin/outbox`` and ``POST /admin/outbox/flush``.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from mocks.editor_booking import pages
from mocks.editor_booking.outbox import AppointmentOutbox
from sasref.auth.editor_sso import EditorSso, EditorSsoSettings
from sasref.auth.sso import regulator_permissions_allowed
from sasref.clock import Clock

__all__ = ["EditorWeb", "read_form", "safe_next"]

log = logging.getLogger(__name__)


def safe_next(value: str | None, default: str) -> str:
    """A same-site path to go back to, else ``default`` (no open redirect)."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return default


async def read_form(request: Request) -> dict[str, str]:
    """The posted form's text fields (files ignored)."""
    return {k: v for k, v in (await request.form()).items() if isinstance(v, str)}


class EditorWeb:
    """Sessions, CSRF, regulator permissions, the password login and the INT_R03 outbox of one
    editor's pages (``http`` reaches its SSO provider and the SAS's FHIR base)."""

    def __init__(
        self,
        name: str,
        sso: EditorSsoSettings,
        http: httpx.AsyncClient,
        *,
        sas_fhir_base: str,
        clock: Clock,
        local_users: Mapping[str, str],
        allowed_origins: tuple[str, ...],
        home: str,
        kind: str = pages.AGENDA_EDITOR,
    ) -> None:
        self.name = name
        self.clock = clock
        self.sso = EditorSso(sso, http)
        self.outbox = AppointmentOutbox(http, sas_fhir_base, clock)
        self.local_users = local_users
        self.allowed_origins = allowed_origins
        self.home = home  # where a login without ``next`` lands
        self.kind = kind  # how the pages present the editor (French)

    def add_login_routes(self, router: APIRouter) -> None:
        router.add_api_route("/login", self.login_form, methods=["GET"])
        router.add_api_route("/login", self.login, methods=["POST"])
        router.add_api_route("/logout", self.logout, methods=["POST"])

    def add_outbox_routes(self, router: APIRouter) -> None:
        router.add_api_route("/admin/outbox", self.admin_outbox, methods=["GET"])
        router.add_api_route("/admin/outbox/flush", self.admin_flush, methods=["POST"])

    # --- INT_R03 ---------------------------------------------------------------------------
    async def flush_quietly(self) -> None:
        """Send what the outbox holds now; a failure leaves it there for the next flush."""
        try:
            await self.outbox.flush()
        except Exception:  # the outbox keeps the push; the background flush will retry
            log.exception("INT_R03 immediate flush failed")

    async def admin_outbox(self) -> JSONResponse:
        return JSONResponse({"summary": self.outbox.summary(),
                             "pushes": [p.to_json() for p in self.outbox.pushes]})  # fmt: skip

    async def admin_flush(self) -> JSONResponse:
        delivered = await self.outbox.flush()
        return JSONResponse({"delivered": delivered, "summary": self.outbox.summary()})

    # --- sessions ----------------------------------------------------------------------------
    def _session(self, request: Request) -> dict[str, Any]:
        return self.sso.cookie.read(request)

    @staticmethod
    def _here(request: Request) -> str:
        return request.url.path + (f"?{request.url.query}" if request.url.query else "")

    def _to_sso(self, request: Request) -> RedirectResponse:
        start = f"{self.sso.settings.prefix}/start?next={quote(self._here(request), safe='')}"
        return RedirectResponse(start, status_code=303)

    def _html(self, body: str, status_code: int = 200) -> HTMLResponse:
        return HTMLResponse(body, status_code=status_code, headers={"Cache-Control": "no-store"})

    def _message(self, title: str, message: str, status_code: int) -> HTMLResponse:
        body = pages.message_page(editor=self.name, title=title, message=message, kind=self.kind)
        return self._html(body, status_code)

    def _user_and_csrf(self, request: Request) -> tuple[dict[str, Any] | None, str, bool]:
        """(user, csrf token, whether the cookie must be rewritten to store a new token)."""
        session = self._session(request)
        user = session.get("user")
        if not isinstance(user, dict) or not user.get("sub"):
            return None, "", False
        token = session.get("csrf")
        if isinstance(token, str) and token:
            return user, token, False
        return user, secrets.token_urlsafe(24), True

    def _save_csrf(self, response: Response, user: dict[str, Any], token: str) -> None:
        self.sso.cookie.write(response, {"user": user, "csrf": token})

    async def _csrf_ok(self, request: Request, form: Mapping[str, Any]) -> bool:
        expected = self._session(request).get("csrf")
        submitted = form.get("csrf_token")
        return bool(
            isinstance(expected, str) and expected and isinstance(submitted, str)
            and secrets.compare_digest(expected, submitted)
        )  # fmt: skip

    def regulator_permissions(self, request: Request, user: Mapping[str, Any]) -> bool:
        """IG digest §3.4: only from the SAS (``origin``) and with a session opened by SSO."""
        origin = request.query_params.get("origin")
        allowed = regulator_permissions_allowed(origin, user, allowed_origins=self.allowed_origins)
        return allowed and bool(user.get("issuer")) and not user.get("local")

    # --- the editor's own login ------------------------------------------------------------
    async def login_form(self, request: Request, next: str | None = None) -> Response:
        target = safe_next(next, self.home)
        return self._html(pages.login_page(editor=self.name, next_path=target, kind=self.kind))

    async def login(self, request: Request) -> Response:
        form = await read_form(request)
        target = safe_next(form.get("next"), self.home)
        username, password = form.get("username", ""), form.get("password", "")
        expected = self.local_users.get(username)
        if expected is None or not secrets.compare_digest(expected, password):
            body = pages.login_page(editor=self.name, next_path=target, kind=self.kind,
                                    error="Identifiant ou mot de passe incorrect.")  # fmt: skip
            return self._html(body, 401)
        response = RedirectResponse(target, status_code=303)
        user = {"sub": f"local:{username}", "given_name": username, "local": True}
        self.sso.cookie.write(response, {"user": user, "csrf": secrets.token_urlsafe(24)})
        return response

    async def logout(self, request: Request) -> Response:
        response = RedirectResponse("/login", status_code=303)
        self.sso.cookie.clear(response)
        return response
