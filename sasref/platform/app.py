"""The SAS platform app factory: ``create_app(settings)`` (issue 4 item 4, Appendix C routes).

Routes live in routers (:mod:`.routes.api`, :mod:`.routes.pages`) so the PSC login of the
booking-journey issue can be added as another router plus the ``require_regulator`` dependency.
Bad parameters are a 400 — JSON under ``/api``, an error page elsewhere — never a 422 or a 500.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from sasref import __version__
from sasref.platform.routes import (
    admin,
    api,
    marketplace,
    monitoring,
    orientation_pages,
    orientations,
    pages,
)
from sasref.platform.service import PlatformService
from sasref.platform.settings import PlatformSettings


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error.get("loc", ()) if p not in ("query", "body"))
        parts.append(f"{where}: {error.get('msg', 'invalid')}" if where else str(error.get("msg")))
    return "; ".join(parts) or "invalid parameters"


def create_app(settings: PlatformSettings) -> FastAPI:
    """Build the platform: services from ``settings``, routers, templates, static files."""
    service = PlatformService(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        await service.aclose()

    app = FastAPI(
        title="sasref SAS platform",
        version=__version__,
        description=(
            "Reference SAS platform: directory search with live editor slots (INT_R01, INT_R04, "
            "SOS Médecins), the LRM contextual search (INT_L01), and orientations en "
            "surnuméraire forwarded to the LRM (INT_L02)."
        ),
        lifespan=lifespan,
    )
    app.state.service = service
    package = resources.files("sasref.platform")
    app.state.templates = Jinja2Templates(directory=str(package.joinpath("templates")))
    app.mount("/static", StaticFiles(directory=str(package.joinpath("static"))), name="static")
    app.include_router(api.router)
    app.include_router(orientations.router)
    app.include_router(pages.router)
    app.include_router(orientation_pages.router)
    marketplace.install(app, settings.marketplaces)
    app.include_router(monitoring.router)  # editor monitoring, indicators (issue 12)
    app.include_router(monitoring.metrics_router)
    app.include_router(admin.router)

    @app.exception_handler(RequestValidationError)
    async def bad_parameters(request: Request, exc: RequestValidationError) -> Response:
        message = _validation_message(exc)
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": "bad_request", "message": message}, status_code=400)
        return pages.error_page(request, message, None)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, object]:
        return {"status": "ok", "editors": len(service.registry)}

    return app
