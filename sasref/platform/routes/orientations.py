"""``/api/v1/orientations``: orientations en surnuméraire, JSON (spec §4.6, §6.3; INT_L02 §5.4).

The body follows the platform's own orientation payload (``POST /v2/orientation``): an
``orientation_type`` (2, the default), ``slot`` null, a ``date`` and a ``time`` (Europe/Paris,
15-minute steps), and a ``recipient`` — ``{"type": 1, "effector": <RPPS/ADELI>, "place": …}`` or
``{"type": 2, "structure": <FINESS/SIRET>, …}``, exactly what each card of a surnuméraire search
carries under ``orientation.recipient``. The SAS fills in the rest from its directory and the
login. ``idempotency_key`` (or the ``Idempotency-Key`` header) makes a repeated request answer the
first orientation (200 instead of 201).

Errors are JSON ``{"error", "message", "field"}`` like the rest of ``/api/v1``: 400 a missing or
invalid field (a date in the past, a time off the 15-minute steps…), 422 an unknown recipient or
one that does not accept extra patients, 409 an idempotency key already used for another
orientation, 404 an unknown orientation.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from sasref.orientations import (
    Orientation,
    OrientationError,
    OrientationRequest,
    appointment_resource,
)
from sasref.platform.deps import RegulatorDep, ServiceDep

router = APIRouter(prefix="/api/v1", tags=["orientations"])

#: HTTP status and ``error`` code of each refusal reason (:class:`~sasref.orientations.
#: OrientationError`), in the words of the rest of ``/api/v1``.
STATUS = {"invalid": 400, "unknown": 422, "refused": 422, "conflict": 409, "not_found": 404}
ERROR_CODES = {
    "invalid": "bad_request",
    "unknown": "unknown_recipient",
    "refused": "not_accepting_extra_patients",
    "conflict": "conflict",
    "not_found": "not_found",
}


class RecipientIn(BaseModel):
    type: int = Field(description="1: an effector (RPPS/ADELI), 2: a structure (FINESS/SIRET)")
    effector: str | None = Field(None, description="Prefixed RPPS (8…) or ADELI (0…)")
    structure: str | None = Field(
        None, description="CPTS, MSP or centre de santé FINESS (1…), SOS association SIRET (3…)"
    )
    place: str | None = Field(None, description="The practitioner's place, or the SOS fixed point")


class OrientationIn(BaseModel):
    recipient: RecipientIn
    date: str | None = Field(None, description="YYYY-MM-DD (Europe/Paris), not in the past")
    time: str | None = Field(None, description="HH:MM on a 15-minute step, 00:00 to 23:45")
    orientation_type: int | None = Field(2, description="2: surnuméraire (the only one here)")
    slot: Any = Field(None, description="Always null: an orientation en surnuméraire has none")
    idempotency_key: str | None = Field(None, max_length=200)


def refusal(exc: OrientationError) -> JSONResponse:
    return JSONResponse(
        {"error": ERROR_CODES.get(exc.reason, exc.reason), "message": str(exc), "field": exc.field},
        status_code=STATUS.get(exc.reason, 400),
    )


def orientation_json(orientation: Orientation) -> dict[str, Any]:
    """The orientation with its FHIR Appointment (what the LRM is told about)."""
    return {**orientation.to_json(), "appointment": appointment_resource(orientation)}


_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "A missing or invalid field (JSON: error, message, field)"},
    422: {"description": "Unknown recipient, or one not accepting extra patients"},
    409: {"description": "Idempotency key already used for another orientation"},
}


@router.post(
    "/orientations",
    status_code=201,
    summary="Orient a patient en surnuméraire (no slot); the LRM is told through INT_L02",
    responses={200: {"description": "Repeated request: the first orientation"}, **_ERRORS},
)
async def create_orientation(
    body: OrientationIn,
    service: ServiceDep,
    regulator: RegulatorDep,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> JSONResponse:
    request = OrientationRequest(
        recipient_type=body.recipient.type,
        effector=body.recipient.effector,
        structure=body.recipient.structure,
        place=body.recipient.place,
        date=body.date,
        time=body.time,
        orientation_type=body.orientation_type,
        slot=body.slot,
        idempotency_key=body.idempotency_key or idempotency_key,
    )
    try:
        orientation, created = await service.orientations.create(request, regulator)
    except OrientationError as exc:
        return refusal(exc)
    return JSONResponse(orientation_json(orientation), status_code=201 if created else 200)


@router.get("/orientations", summary="Orientations en surnuméraire, most recent first")
async def list_orientations(
    service: ServiceDep,
    regulator: RegulatorDep,
    status: Annotated[Literal["booked", "cancelled"] | None, Query()] = None,
    category: Annotated[Literal["PS", "CPTS", "MSP", "CDS", "SOS"] | None, Query()] = None,
    recipient: Annotated[
        str | None, Query(description="An effector (RPPS/ADELI) or structure (FINESS/SIRET)")
    ] = None,
    regulator_id: Annotated[
        str | None,
        Query(alias="regulator", description="A regulator's SAS technical id, or 'me'"),
    ] = None,
    date: Annotated[str | None, Query(description="YYYY-MM-DD: orientations for that day")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> JSONResponse:
    if regulator_id == "me":
        regulator_id = regulator.technical_id if regulator is not None else None
    try:
        found = await service.orientations.list(
            status=status,
            category=category,
            recipient=recipient,
            regulator_id=regulator_id,
            day=date,
            limit=limit,
            offset=offset,
        )
    except OrientationError as exc:
        return refusal(exc)
    return JSONResponse({"count": len(found), "orientations": [o.to_json() for o in found]})


@router.get(
    "/orientations/{orientation_id}",
    summary="One orientation, with its FHIR Appointment",
    responses={404: {"description": "Unknown orientation"}},
)
async def read_orientation(
    orientation_id: str, service: ServiceDep, _: RegulatorDep
) -> JSONResponse:
    try:
        return JSONResponse(orientation_json(await service.orientations.get(orientation_id)))
    except OrientationError as exc:
        return refusal(exc)


@router.post(
    "/orientations/{orientation_id}/cancel",
    summary="Cancel an orientation (once); the LRM gets UpdateAppointment 'cancelled'",
    responses={404: {"description": "Unknown orientation"}},
)
async def cancel_orientation(
    orientation_id: str, service: ServiceDep, _: RegulatorDep
) -> JSONResponse:
    try:
        orientation, changed = await service.orientations.cancel(orientation_id)
    except OrientationError as exc:
        return refusal(exc)
    return JSONResponse({**orientation_json(orientation), "changed": changed})


__all__ = ["STATUS", "orientation_json", "refusal", "router"]
