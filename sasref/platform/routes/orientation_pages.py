"""The regulator's orientation pages (spec §4.6, §6.3): server-rendered forms, no JavaScript.

* ``GET /orientations/nouvelle?recipient_type=&effector=&structure=&place=`` — the form a
  surnuméraire card's "Surnuméraire" button opens: who receives it, a date (not in the past) and a
  time (quarters of an hour, 00:00 to 23:45);
* ``POST /orientations`` — records it (CSRF token of the session, and a one-time
  ``idempotency_key`` per form so a double submit records one orientation), then redirects to
  its page; bad input re-renders the form with the message beside the field (400/409/422);
* ``GET /orientations`` (the list), ``GET /orientations/{id}`` (one), ``POST
  /orientations/{id}/annuler`` (cancel: the LRM gets the update).
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from sasref.clock import PARIS
from sasref.directory.overbooking import Recipient, RecipientError, resolve_recipient
from sasref.orientations import OrientationError, OrientationRequest
from sasref.orientations.rules import STEP_MINUTES, quarter_floor
from sasref.platform.deps import RegulatorDep, ServiceDep, csrf_rejected, page_csrf_token
from sasref.platform.routes.orientations import STATUS
from sasref.platform.routes.pages import render

router = APIRouter(tags=["pages"], include_in_schema=False)

#: The time picker: every quarter of an hour of a day (the platform's stops at 23h59).
QUARTERS = tuple(f"{m // 60:02d}:{m % 60:02d}" for m in range(0, 24 * 60, STEP_MINUTES))
RECIPIENT_FIELDS = ("recipient_type", "effector", "structure", "place")


def _message_page(request: Request, title: str, message: str, status_code: int) -> HTMLResponse:
    context = {"heading": title, "message": message, "form": None}
    return render(request, "error.html", context, status_code)


def _safe_back(value: Any) -> str | None:
    """Only a same-site path (the results page the form came from)."""
    if isinstance(value, str) and value.startswith("/") and not value.startswith("//"):
        return value if "\\" not in value else None
    return None


def _resolve(service: Any, values: dict[str, Any]) -> Recipient:
    kind = str(values.get("recipient_type") or "")
    if not kind.isdigit():
        raise RecipientError("recipient.type must be 1 or 2", "recipient.type")
    recipient: Recipient = resolve_recipient(
        service.directory,
        type=int(kind),
        effector=values.get("effector") or None,
        structure=values.get("structure") or None,
        place=values.get("place") or None,
    )
    return recipient


def _form(
    request: Request,
    recipient: Recipient,
    values: dict[str, Any],
    *,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    now = request.app.state.service.clock.now().astimezone(PARIS)
    soon = quarter_floor(now) + timedelta(minutes=STEP_MINUTES)
    context = {
        "recipient": recipient,
        "values": {
            # a re-rendered form shows what was sent, even empty
            "date": values.get("date", soon.date().isoformat()),
            "time": values.get("time", soon.strftime("%H:%M")),
            **{k: values.get(k) or "" for k in RECIPIENT_FIELDS},
        },
        "today": now.date().isoformat(),
        "quarters": QUARTERS,
        "errors": errors or {},
        "key": values.get("idempotency_key") or uuid.uuid4().hex,
        "csrf": page_csrf_token(request),
        "back": _safe_back(values.get("back")),
    }
    return render(request, "orientation_form.html", context, status_code)


@router.get("/orientations/nouvelle", name="orientation_form", response_class=HTMLResponse)
async def orientation_form(request: Request, service: ServiceDep, _: RegulatorDep) -> HTMLResponse:
    values = dict(request.query_params)
    try:
        recipient = _resolve(service, values)
    except RecipientError as exc:
        return _message_page(request, "Orientation impossible", str(exc), 422)
    return _form(request, recipient, values)


@router.post("/orientations", name="orientation_create", response_class=HTMLResponse)
async def orientation_create(
    request: Request, service: ServiceDep, regulator: RegulatorDep
) -> Response:
    if await csrf_rejected(request):
        return _message_page(request, "Requête refusée", "Jeton CSRF absent ou invalide.", 403)
    values = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    try:
        orientation, _ = await service.orientations.create(
            OrientationRequest(
                recipient_type=values.get("recipient_type"),
                effector=values.get("effector") or None,
                structure=values.get("structure") or None,
                place=values.get("place") or None,
                date=values.get("date"),
                time=values.get("time"),
                idempotency_key=values.get("idempotency_key"),
            ),
            regulator,
        )
    except OrientationError as exc:
        status = STATUS.get(exc.reason, 400)
        field = exc.field if exc.field in ("date", "time") else "form"
        try:
            recipient = _resolve(service, values)
        except RecipientError:
            return _message_page(request, "Orientation impossible", exc.french, status)
        return _form(request, recipient, values, errors={field: exc.french}, status_code=status)
    return RedirectResponse(f"/orientations/{orientation.id}", status_code=303)


@router.get("/orientations", name="orientations_page", response_class=HTMLResponse)
async def orientations_page(request: Request, service: ServiceDep, _: RegulatorDep) -> HTMLResponse:
    found = await service.orientations.list(limit=100)
    return render(request, "orientations.html", {"orientations": found})


@router.get("/orientations/{orientation_id}", name="orientation_page", response_class=HTMLResponse)
async def orientation_page(
    request: Request, orientation_id: str, service: ServiceDep, _: RegulatorDep
) -> HTMLResponse:
    try:
        orientation = await service.orientations.get(orientation_id)
    except OrientationError as exc:
        return _message_page(request, "Orientation introuvable", exc.french, 404)
    context = {
        "o": orientation,
        "csrf": page_csrf_token(request),
        "forwarded": service.orientations.forward is not None,
    }
    return render(request, "orientation.html", context)


@router.post("/orientations/{orientation_id}/annuler", response_class=HTMLResponse)
async def orientation_cancel(
    request: Request, orientation_id: str, service: ServiceDep, _: RegulatorDep
) -> Response:
    if await csrf_rejected(request):
        return _message_page(request, "Requête refusée", "Jeton CSRF absent ou invalide.", 403)
    try:
        await service.orientations.cancel(orientation_id)
    except OrientationError as exc:
        return _message_page(request, "Orientation introuvable", exc.french, 404)
    return RedirectResponse(f"/orientations/{orientation_id}", status_code=303)
