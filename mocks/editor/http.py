"""HTTP plumbing of the mock editor: FHIR JSON responses, OperationOutcome errors, body limits,
content negotiation, and the request-side faults (latency, hangs, errors).

Digest §2.1: ``application/fhir+json`` is answered; ``application/json+fhir`` (the IG's legacy
header), ``application/json`` and ``_format=json`` are accepted. Every error is an
OperationOutcome with a 4xx — a 5xx only when a fault asks for one.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from mocks.editor.settings import EditorState
from sasref.fhir.outcome import operation_outcome

Json = dict[str, Any]
FHIR_JSON = "application/fhir+json"
_JSON_TYPES = ("json", "*/*", "application/*")


class FhirError(Exception):
    """Answered as ``status`` + an OperationOutcome naming the problem."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        expression: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.expression = expression
        self.headers = headers or {}


def dumps(body: Json) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def fhir_response(
    body: Json | bytes,
    status: int = 200,
    headers: dict[str, str] | None = None,
    media_type: str = FHIR_JSON,
) -> Response:
    content = body if isinstance(body, bytes) else dumps(body)
    return Response(
        content, status_code=status, headers=headers, media_type=f"{media_type}; charset=utf-8"
    )


def error_response(exc: FhirError) -> Response:
    return fhir_response(
        operation_outcome(exc.code, exc.message, expression=exc.expression), exc.status, exc.headers
    )


def check_accept(request: Request) -> None:
    """406 when the client accepts only non-JSON formats (XML, HTML…), by header or ``_format``."""
    accept = request.headers.get("accept", "").lower()
    if accept and not any(t in accept for t in _JSON_TYPES):
        raise FhirError(406, "not-supported", f"cannot answer Accept: {accept}: JSON only")
    for fmt in request.query_params.getlist("_format"):
        if "json" not in fmt.lower():
            raise FhirError(406, "not-supported", f"_format={fmt}: JSON only", "_format")


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, or 413 beyond ``limit`` bytes (checked before reading when declared)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise FhirError(
            413, "too-costly", f"request body of {declared} bytes exceeds {limit} bytes"
        )
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise FhirError(413, "too-costly", f"request body exceeds {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def parse_json_body(body: bytes, content_type: str) -> Json:
    """The body as a JSON object: 415 for XML, 400 when not JSON or not a FHIR resource."""
    if "xml" in content_type.lower():
        raise FhirError(415, "not-supported", f"Content-Type {content_type}: JSON only")
    if not body.strip():
        raise FhirError(400, "required", "empty request body: a FHIR resource is expected")
    try:
        data = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise FhirError(400, "structure", f"request body is not JSON: {exc}") from None
    if not isinstance(data, dict) or "resourceType" not in data:
        raise FhirError(400, "structure", "request body is not a FHIR resource (no resourceType)")
    return data


async def apply_request_faults(request: Request, state: EditorState) -> None:
    """Latency, then maybe a hang, then maybe an error (all drawn from the seeded rng)."""
    faults = state.behaviour.faults
    delay = faults.latency.draw(state.rng)
    if delay > 0:
        await asyncio.sleep(delay)
    if faults.hang_rate and state.rng.random() < faults.hang_rate:
        await _hang(request, faults.hang_seconds)
    if faults.error_rate and state.rng.random() < faults.error_rate:
        status = state.rng.choice(faults.error_statuses or [500])
        if status == 503:
            raise FhirError(
                503,
                "transient",
                "service temporarily unavailable (injected fault)",
                headers={"Retry-After": "1"},
            )
        raise FhirError(500, "exception", "internal error (injected fault)")


async def _hang(request: Request, seconds: float) -> None:
    """Sleep until ``seconds`` pass or the client goes away; cancellation ends it at once."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while loop.time() < deadline:
        if await request.is_disconnected():
            return
        await asyncio.sleep(min(0.25, max(0.0, deadline - loop.time())))
