"""Administration API: editor monitoring, activity indicators, and ``/metrics`` (issue 12).

* ``GET /api/v1/monitoring/editors`` — every editor's health (flux state, control, sliding
  window figures, open alerts, probes); ``GET …/editors/{name}`` one of them;
* ``PUT /api/v1/monitoring/editors/{name}/flux`` ``{"state": "deactivated" | "active" | "auto",
  "reason": "…"}`` — an administrator forces the flux (``auto``: back to the thresholds);
* ``GET /api/v1/monitoring/alerts?status=open|all&editor=&limit=`` and
  ``GET /api/v1/monitoring/transitions?editor=&limit=`` — the stored history;
* ``GET /api/v1/indicators?from=&to=&group_by=day|samu|use_case|editor&format=json|csv``;
* ``GET /metrics`` — Prometheus text format, for operators (no personal data: counts by SAMU,
  use case and editor).

Every route but ``/metrics`` needs the administrator role (:func:`~sasref.platform.deps.
require_admin`). Errors are JSON ``{"error", "message"}``: 400 bad parameters, 404 unknown
editor, 503 database unavailable.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy.exc import SQLAlchemyError

from sasref.errors import InvalidInput
from sasref.indicators import fill_days, parse_indicator_query, to_csv
from sasref.monitoring import FluxState
from sasref.monitoring.metrics import CONTENT_TYPE, render
from sasref.platform.deps import AdminDep, ServiceDep
from sasref.platform.routes.api import bad_request, error

router = APIRouter(prefix="/api/v1", tags=["administration"])
metrics_router = APIRouter(tags=["administration"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "Bad parameters (JSON: error, message)"},
    403: {"description": "The administrator role is required"},
    404: {"description": "No editor of that name (JSON: error, message)"},
    503: {"description": "The database is unavailable (JSON: error, message)"},
}


def _unknown(name: str) -> Response:
    return error(404, "not_found", f"no editor named {name!r}")


def _unavailable(exc: SQLAlchemyError) -> Response:
    return error(503, "unavailable", f"the monitoring store is unavailable: {type(exc).__name__}")


def _known(service: ServiceDep, name: str) -> bool:
    return name in service.activity.monitor.editor_names()


@router.get("/monitoring/editors", summary="Every editor's health and flux state")
async def editors_health(service: ServiceDep, _: AdminDep) -> list[dict[str, Any]]:
    return [s.as_dict() for s in service.activity.monitor.statuses()]


@router.get("/monitoring/editors/{name}", summary="One editor's health", responses=_ERRORS)
async def editor_health(name: str, service: ServiceDep, _: AdminDep) -> Any:
    if not _known(service, name):
        return _unknown(name)
    return service.activity.monitor.status(name).as_dict()


class FluxIn(BaseModel):
    state: Literal["active", "deactivated", "auto"] = Field(
        description="force the flux active or deactivated, or 'auto': back to the thresholds"
    )
    reason: str = Field(default="", max_length=500, description="why (kept with the transition)")


@router.put(
    "/monitoring/editors/{name}/flux",
    summary="Force an editor's flux (or give it back to the thresholds)",
    responses=_ERRORS,
)
async def force_flux(name: str, body: FluxIn, service: ServiceDep, admin: AdminDep) -> Any:
    if not _known(service, name):
        return _unknown(name)
    state = None if body.state == "auto" else FluxState(body.state)
    actor = admin.display_name if admin is not None else "administrateur"
    try:
        status = await service.activity.monitor.force(
            name, state, actor=actor, reason=" ".join(body.reason.split())
        )
    except SQLAlchemyError as exc:
        return _unavailable(exc)
    return status.as_dict()


@router.get("/monitoring/alerts", summary="Alerts, latest first", responses=_ERRORS)
async def alerts(
    service: ServiceDep,
    _: AdminDep,
    status: Annotated[Literal["open", "all"], Query(description="open ones only, or all")] = "all",
    editor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Any:
    repository = service.activity.monitor.repository
    try:
        records = await asyncio.to_thread(
            repository.alerts, open_only=status == "open", editor=editor, limit=limit
        )
    except SQLAlchemyError as exc:
        return _unavailable(exc)
    return [a.as_dict() for a in records]


@router.get("/monitoring/transitions", summary="Flux transitions, latest first", responses=_ERRORS)
async def transitions(
    service: ServiceDep,
    _: AdminDep,
    editor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Any:
    repository = service.activity.monitor.repository
    try:
        records = await asyncio.to_thread(repository.transitions, editor=editor, limit=limit)
    except SQLAlchemyError as exc:
        return _unavailable(exc)
    return [t.as_dict() for t in records]


@router.get(
    "/indicators",
    summary="Activity indicators per day, SAMU, use case or editor (JSON or CSV)",
    responses={**_ERRORS, 200: {"content": {"application/json": {}, "text/csv": {}}}},
)
async def indicators(
    request: Request,
    service: ServiceDep,
    _: AdminDep,
    start: Annotated[str | None, Query(alias="from", description="first day, YYYY-MM-DD")] = None,
    end: Annotated[str | None, Query(alias="to", description="last day, YYYY-MM-DD")] = None,
    group_by: Annotated[
        str | None, Query(description="day (default), samu, use_case or editor")
    ] = None,
    format: Annotated[str | None, Query(description="json (default) or csv")] = None,
) -> Any:
    wanted = (format or "").strip().lower()
    if wanted not in ("", "json", "csv"):
        return bad_request(f"format={format!r}: json or csv is expected")
    if not wanted:
        wanted = "csv" if "text/csv" in request.headers.get("accept", "") else "json"
    try:
        query = parse_indicator_query(
            start=start, end=end, group_by=group_by, today=service.clock.now().date()
        )
    except InvalidInput as exc:
        return bad_request(str(exc))
    recorder = service.activity.indicators
    try:
        await recorder.flush()  # what was counted a moment ago is in the answer
        rows = await asyncio.to_thread(
            recorder.repository.totals, start=query.start, end=query.end, group_by=query.group_by
        )
    except SQLAlchemyError as exc:
        return _unavailable(exc)
    if query.group_by == "day":
        rows = fill_days(query, rows)
    if wanted == "csv":
        filename = f"indicateurs-{query.group_by}-{query.start}-{query.end}.csv"
        return Response(
            to_csv(query, rows),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
    return {
        "from": query.start.isoformat(),
        "to": query.end.isoformat(),
        "group_by": query.group_by,
        "rows": [r.as_dict() for r in rows],
    }


@metrics_router.get("/metrics", summary="Prometheus metrics", response_class=Response)
async def metrics(service: ServiceDep) -> Response:
    return Response(render(service.activity.metrics), media_type=CONTENT_TYPE)
