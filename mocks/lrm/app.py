"""The web side of an LRM vendor: one app hosting every SAMU it serves, a path per SAMU
(``docs/decisions.md``, "One web app per LRM vendor").

``create_vendor_app(fleet, vendor_key, sas_base_url)``:

- ``GET /`` — the vendor's SAMUs (HTML); ``GET /samus`` — the same as JSON;
- ``GET /{origin}/`` — a SAMU's inspection page (HTML, ``origin`` = its affectation authority,
  ``samu69``): the appointments received through INT_L02 with their history, and a regulation
  file form;
- ``GET /{origin}/appointments`` — every appointment that SAMU received, with its history;
  ``GET /{origin}/appointments/{appointmentId}`` — one (404 when unknown);
- ``POST /{origin}/regulation-files`` — a regulation file (JSON: ``practitioner``, ``specialty``,
  ``streetnumber``, ``streetname``, ``inseecode``, ``city``) → ``{"url": ...}``, the INT_L01
  contextual search link to the SAS (:func:`sasref.lrm.contextual.build_contextual_url`) with
  that SAMU's own ``origin``; ``GET /{origin}/recherche?…`` — the same from the page's form,
  answered by a ``303`` to the SAS.

A SAMU of another vendor (or of no one) is a 404. At application startup the app starts its
SAMUs' consumers (those already attached to a Hub; starting twice is harmless).

:func:`in_process` mounts every vendor's app at ``https://<vendor key>.test`` on one
``httpx.AsyncClient`` (notebooks, tests: no socket).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel

from mocks.lrm.fleet import LrmFleet, Samu
from mocks.lrm.pages import FILE_FIELDS, samu_page, vendor_page
from sasref.lrm.contextual import build_contextual_url

__all__ = ["RegulationFile", "create_vendor_app", "in_process"]


class RegulationFile(BaseModel):
    practitioner: str | None = None
    specialty: str | None = None
    streetnumber: str | None = None
    streetname: str | None = None
    inseecode: str | None = None
    city: str | None = None

    def url(self, sas_base_url: str, origin: str) -> str:
        # an empty form field is a parameter the LRM does not send
        values = {k: (v.strip() or None) if v else None for k, v in self.model_dump().items()}
        return build_contextual_url(sas_base_url, origin=origin, **values)


def create_vendor_app(fleet: LrmFleet, vendor_key: str, sas_base_url: str) -> FastAPI:
    vendor = fleet.vendor(vendor_key)
    mine = {s.origin: s for s in fleet.samus_of(vendor_key)}

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        for samu in mine.values():
            await samu.lrm.start()
        yield

    app = FastAPI(title=f"LRM {vendor.name}", lifespan=lifespan)
    app.state.fleet, app.state.vendor = fleet, vendor

    def samu_at(origin: str) -> Samu:
        found = mine.get(origin)
        if found is None:
            raise HTTPException(404, f"unknown SAMU {origin!r} at LRM vendor {vendor.name}")
        return found

    @app.get("/", response_class=HTMLResponse)
    async def index() -> str:
        return vendor_page(vendor, mine.values())

    @app.get("/samus")
    async def samus() -> list[dict[str, Any]]:
        return [s.to_json() for s in mine.values()]

    @app.get("/{origin}/", response_class=HTMLResponse)
    async def page(origin: str) -> str:
        return samu_page(samu_at(origin), sas_base_url)

    @app.get("/{origin}/appointments")
    async def list_appointments(origin: str) -> list[dict[str, Any]]:
        return [a.to_json() for a in samu_at(origin).lrm.appointments.values()]

    @app.get("/{origin}/appointments/{appointment_id}")
    async def get_appointment(origin: str, appointment_id: str) -> dict[str, Any]:
        stored = samu_at(origin).lrm.appointments.get(appointment_id)
        if stored is None:
            raise HTTPException(404, f"unknown appointmentId {appointment_id} at {origin}")
        return stored.to_json()

    @app.post("/{origin}/regulation-files")
    async def open_regulation_file(origin: str, file: RegulationFile) -> dict[str, str]:
        return {"url": file.url(sas_base_url, samu_at(origin).origin)}

    @app.get("/{origin}/recherche")
    async def search_from_page(origin: str, request: Request) -> RedirectResponse:
        samu = samu_at(origin)
        fields = {name: request.query_params.get(name) for name, _ in FILE_FIELDS}
        return RedirectResponse(RegulationFile(**fields).url(sas_base_url, samu.origin), 303)

    return app


def in_process(fleet: LrmFleet, sas_base_url: str) -> tuple[httpx.AsyncClient, dict[str, str]]:
    """A client reaching every vendor's app in process, and the vendors' roots
    (``{"lrm-01": "https://lrm-01.test", …}``, for :meth:`LrmFleet.url`)."""
    roots = {v.key: f"https://{v.key}.test" for v in fleet.vendors}
    mounts: dict[str, httpx.AsyncBaseTransport] = {
        root: httpx.ASGITransport(app=create_vendor_app(fleet, key, sas_base_url))
        for key, root in roots.items()
    }
    return httpx.AsyncClient(mounts=mounts), roots
