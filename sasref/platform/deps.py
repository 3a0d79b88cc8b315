"""FastAPI dependencies of the platform app (one place for what routes receive)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, HTTPException, Request

from sasref.auth import (
    Regulator,
    csrf_token,
    login_enabled,
    require_csrf,
    require_regulator_when_enabled,
)

if TYPE_CHECKING:
    from sasref.platform.service import PlatformService


def get_service(request: Request) -> PlatformService:
    """The platform's services, built by the app factory (``app.state.service``)."""
    service: PlatformService = request.app.state.service
    return service


def require_regulator(request: Request) -> Regulator | None:
    """Gate of every regulator page and API route.

    **A no-op for now**: the platform app does not include the PSC login router yet, so this
    answers ``None`` (open access). The booking-journey issue adds login: once
    ``sasref.auth.login_router`` is included in the app, the same dependency enforces it
    (redirect to ``/login`` for a browser, 401/403 otherwise) without touching the routes.
    """
    return require_regulator_when_enabled(request)


async def csrf_rejected(request: Request) -> bool:
    """Whether a page's state-changing POST form lacks the session's CSRF token (the page then
    answers 403), as on the login's own forms. Without a login there is no session to protect
    (apps built without PSC: tests, benchmarks)."""
    if not login_enabled(request.app):
        return False
    try:
        await require_csrf(request)
    except HTTPException:
        return True
    return False


def page_csrf_token(request: Request) -> str:
    """The token to put in a page's POST forms (empty without a login)."""
    return csrf_token(request) if login_enabled(request.app) else ""


ServiceDep = Annotated["PlatformService", Depends(get_service)]
RegulatorDep = Annotated[Regulator | None, Depends(require_regulator)]


def require_admin(regulator: RegulatorDep) -> Regulator | None:
    """Gate of the administration (editor monitoring, flux switches, indicators): a regulator
    holding :attr:`~sasref.auth.Role.ADMIN` (403 otherwise). Open, like every route, when the
    app has no login (``None``)."""
    if regulator is not None and not regulator.is_admin:
        raise HTTPException(status_code=403, detail="the administrator role is required")
    return regulator


AdminDep = Annotated[Regulator | None, Depends(require_admin)]
