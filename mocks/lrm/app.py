"""The fake LRM's web side: inspect received appointments, open a regulation file.

``create_app(settings, lrm=None)``:

- ``GET /appointments`` — every appointment received through INT_L02, with its history;
- ``GET /appointments/{appointmentId}`` — one (404 when unknown);
- ``POST /regulation-files`` — a regulation file (JSON: ``practitioner``, ``specialty``,
  ``streetnumber``, ``streetname``, ``inseecode``, ``city``) → ``{"url": ...}``, the INT_L01
  contextual search link to the SAS (:func:`sasref.lrm.contextual.build_contextual_url`),
  with ``origin`` = the LRM's ``affectation_authority`` from the settings.

When the app is given an :class:`~mocks.lrm.service.FakeLrm` with a transport, it starts
consuming at application startup.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel

from mocks.lrm.service import FakeLrm
from sasref.clock import Clock, SystemClock
from sasref.lrm.contextual import build_contextual_url


@dataclass(frozen=True, slots=True)
class LrmSettings:
    client_id: str = "fr.health.samu330"
    sas_base_url: str = "http://127.0.0.1:8000"
    affectation_authority: str = "samu33"
    title: str = "Fake LRM"


class RegulationFile(BaseModel):
    practitioner: str | None = None
    specialty: str | None = None
    streetnumber: str | None = None
    streetname: str | None = None
    inseecode: str | None = None
    city: str | None = None


def create_app(
    settings: LrmSettings, lrm: FakeLrm | None = None, clock: Clock | None = None
) -> FastAPI:
    service = lrm or FakeLrm(settings.client_id, clock or SystemClock())

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await service.start()
        yield

    app = FastAPI(title=settings.title, lifespan=lifespan)
    app.state.lrm = service

    @app.get("/appointments")
    async def list_appointments() -> list[dict[str, Any]]:
        return [a.to_json() for a in service.appointments.values()]

    @app.get("/appointments/{appointment_id}")
    async def get_appointment(appointment_id: str) -> dict[str, Any]:
        stored = service.appointments.get(appointment_id)
        if stored is None:
            raise HTTPException(404, f"unknown appointmentId {appointment_id}")
        return stored.to_json()

    @app.post("/regulation-files")
    async def open_regulation_file(file: RegulationFile) -> dict[str, str]:
        url = build_contextual_url(
            settings.sas_base_url,
            origin=settings.affectation_authority,
            **file.model_dump(),
        )
        return {"url": url}

    return app
