"""Administration pages (French): editor supervision and the indicators dashboard (issue 12).

* ``/admin/supervision`` — every editor's flux state and sliding-window figures, the open and
  recent alerts, the transitions with their reasons, and a form per editor to force its flux
  (or give it back to the thresholds); the form is CSRF-protected when the app has a login;
* ``/admin/indicateurs?from=&to=`` — searches, slots shown, orientations and appointments per
  day, SAMU, use case and editor, drawn with plotly.js **served by the platform** (from the
  ``plotly`` package, ``/admin/assets/plotly.min.js``: no CDN), with CSV links.

Both need the administrator role (:func:`~sasref.platform.deps.require_admin`).
"""

from __future__ import annotations

import asyncio
import json
from functools import lru_cache
from typing import Annotated, Any, cast
from urllib.parse import urlencode

from fastapi import APIRouter, FastAPI, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from sasref.auth import csrf_token, login_enabled, require_csrf
from sasref.errors import InvalidInput
from sasref.indicators import GROUPINGS, fill_days, parse_indicator_query
from sasref.monitoring import FluxState
from sasref.monitoring.model import ALERT_LABELS, STATE_LABELS
from sasref.platform.deps import AdminDep, ServiceDep
from sasref.platform.routes.pages import error_page, render

router = APIRouter(prefix="/admin", tags=["administration pages"], include_in_schema=False)

_STATES = {"active": FluxState.ACTIVE, "deactivated": FluxState.DEACTIVATED, "auto": None}


def _csrf(request: Request) -> str:
    app = cast(FastAPI, request.app)
    return csrf_token(request) if login_enabled(app) else ""


@router.get("", name="admin_home")
async def admin_home() -> RedirectResponse:
    return RedirectResponse("/admin/supervision", status_code=303)


@router.get("/supervision", name="admin_supervision", response_class=HTMLResponse)
async def supervision(request: Request, service: ServiceDep, _: AdminDep) -> HTMLResponse:
    monitor = service.activity.monitor
    recent_alerts = await asyncio.to_thread(monitor.repository.alerts, limit=50)
    recent_moves = await asyncio.to_thread(monitor.repository.transitions, limit=50)
    return render(
        request,
        "admin_supervision.html",
        {
            "statuses": monitor.statuses(),
            "alerts": recent_alerts,
            "transitions": recent_moves,
            "settings": monitor.settings,
            "state_labels": STATE_LABELS,
            "alert_labels": ALERT_LABELS,
            "csrf_token": _csrf(request),
            "now": service.clock.now(),
        },
    )


@router.post("/supervision/{name}", name="admin_force")
async def force(
    request: Request,
    name: str,
    service: ServiceDep,
    admin: AdminDep,
    state: Annotated[str, Form()],
    reason: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    if login_enabled(cast(FastAPI, request.app)):
        try:
            await require_csrf(request)
        except HTTPException:
            return error_page(request, "Jeton CSRF absent ou invalide.", None, 403)
    monitor = service.activity.monitor
    if name not in monitor.editor_names():
        return error_page(request, f"Éditeur inconnu : {name}", None, 404)
    if state not in _STATES:
        return error_page(request, f"État inconnu : {state}", None, 400)
    actor = admin.display_name if admin is not None else "administrateur"
    await monitor.force(name, _STATES[state], actor=actor, reason=" ".join(reason.split()))
    return RedirectResponse("/admin/supervision", status_code=303)


@lru_cache(maxsize=1)
def _plotly_js() -> bytes:
    from plotly.offline import get_plotlyjs  # the library ships it; imported on first use

    return str(get_plotlyjs()).encode()


@router.get("/assets/plotly.min.js", name="plotly_js")
async def plotly_js() -> Response:
    body = await asyncio.to_thread(_plotly_js)
    return Response(
        body,
        media_type="application/javascript",
        headers={"Cache-Control": "public, max-age=86400"},
    )


@router.get("/indicateurs", name="admin_indicators", response_class=HTMLResponse)
async def indicators_page(request: Request, service: ServiceDep, _: AdminDep) -> HTMLResponse:
    params = request.query_params
    try:
        query = parse_indicator_query(
            start=params.get("from"),
            end=params.get("to"),
            group_by="day",
            today=service.clock.now().date(),
        )
    except InvalidInput as exc:
        return error_page(request, str(exc), None)
    recorder = service.activity.indicators
    await recorder.flush()
    data: dict[str, Any] = {}
    for grouping in GROUPINGS:
        rows = await asyncio.to_thread(
            recorder.repository.totals, start=query.start, end=query.end, group_by=grouping
        )
        if grouping == "day":
            rows = fill_days(query, rows)
        data[grouping] = [r.as_dict() for r in rows]
    days = data["day"]
    totals = {m: sum(r[m] for r in days) for m in ("searches", "slots_shown", "orientations",
                                                  "appointments")}  # fmt: skip
    span = {"from": query.start.isoformat(), "to": query.end.isoformat()}
    csv_links = {g: f"/api/v1/indicators?{urlencode({**span, 'group_by': g, 'format': 'csv'})}"
                 for g in GROUPINGS}  # fmt: skip
    return render(
        request,
        "admin_indicators.html",
        {
            "query": query,
            "totals": totals,
            "data_json": json.dumps(data, ensure_ascii=False),
            "csv_links": csv_links,
        },
    )
