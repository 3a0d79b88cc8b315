"""The INT_R03 FHIR endpoints as a FastAPI router (IG digest §4.1-4.2).

``appointments_router(service, prefix="/fhir", base_url=None)``:

- ``POST {prefix}/Appointment`` — create (upsert on ``identifier``): 201 + ``Location``;
- ``PUT {prefix}/Appointment?identifier=system|value`` (also ``?Identifier=``, the IG table's
  spelling) — conditional update, creation when unknown: 200 / 201 + ``Location``;
- ``GET {prefix}/Appointment/{id}`` — read back what was stored.

Errors are OperationOutcomes with 400/422 (see :mod:`sasref.appointments.service`).
``base_url`` is the public FHIR base written in ``Location``; by default the request's own
``{scheme}://{host}{prefix}``.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from sasref.appointments.service import AppointmentService, Reply

FHIR_JSON = "application/fhir+json"


def _response(reply: Reply) -> Response:
    headers = {"Location": reply.location} if reply.location else None
    return JSONResponse(
        reply.body, status_code=reply.status_code, headers=headers, media_type=FHIR_JSON
    )


def appointments_router(
    service: AppointmentService, *, prefix: str = "/fhir", base_url: str | None = None
) -> APIRouter:
    router = APIRouter(prefix=prefix)

    def base(request: Request) -> str:
        if base_url:
            return base_url
        return str(request.base_url).rstrip("/") + prefix

    @router.post("/Appointment", status_code=201)
    async def create_appointment(request: Request) -> Response:
        return _response(await service.receive(await request.body(), base_url=base(request)))

    @router.put("/Appointment")
    async def update_appointment(request: Request) -> Response:
        params = request.query_params
        identifier = params.get("identifier") or params.get("Identifier")
        reply = await service.receive(
            await request.body(), base_url=base(request), query_identifier=identifier, put=True
        )
        return _response(reply)

    @router.get("/Appointment/{appointment_id}")
    async def read_appointment(appointment_id: str) -> Response:
        return _response(await service.read(appointment_id))

    return router
