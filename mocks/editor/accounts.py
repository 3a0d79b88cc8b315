"""INT_R02 regulator accounts on the mock editor (digest §3, §7.10, §8).

The editor side of ``SAS-GestionnaireStructure``:

* ``POST [base]/Practitioner`` → ``201`` + ``Location``; a body identifier already held by an
  account → **409 Conflict** (the IG allows "409/422"; 409 is HTTP's answer for a create that
  collides with an existing resource, 422 is kept for profile violations);
* ``PUT [base]/Practitioner?identifier=system|value`` (conditional update): match on the
  query identifier, replace the content — identifiers included — from the body (technical →
  national id change); no match → create (**201**, the upsert the IG requires); one match →
  **200**; several → **412**; ``active=false`` is the deactivation;
* ``GET [base]/Practitioner?identifier=…`` (searchset) and ``GET [base]/Practitioner/{id}``.

Bodies: not JSON / not FHIR / not a Practitioner → 400; ``FrPractitionerRegul`` violation
(``sasref.profiles`` strict) → 422 with the validator's OperationOutcome.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from mocks.editor.http import (
    FhirError,
    apply_request_faults,
    check_accept,
    fhir_response,
    parse_json_body,
    read_body,
)
from mocks.editor.settings import EditorState
from mocks.editor.store import Conflict
from sasref.errors import NotFhir
from sasref.fhir.datetimes import format_instant
from sasref.fhir.models import parse_resource
from sasref.fhir.systems import Profile

Json = dict[str, Any]
_SEARCH_PARAMS = frozenset({"identifier", "_format"})


def _identifier_param(value: str) -> tuple[str, str]:
    system, sep, ident = value.replace("%7C", "|").replace("%7c", "|").partition("|")
    if not sep or not system.strip() or not ident.strip():
        raise FhirError(400, "invalid", f"identifier={value}: expected system|value", "identifier")
    return system.strip(), ident.strip()


async def _checked_body(request: Request, state: EditorState) -> Json:
    body = await read_body(request, state.settings.max_body_bytes)
    data = parse_json_body(body, request.headers.get("content-type", ""))
    if data.get("resourceType") != "Practitioner":
        raise FhirError(
            400,
            "invalid",
            f"expected a Practitioner, got resourceType {data.get('resourceType')!r}",
        )
    try:
        parse_resource(data)
    except NotFhir as exc:
        raise FhirError(400, "structure", str(exc)) from None
    from sasref.profiles import has_errors, validate

    outcome = validate(data, profile=Profile.PRACTITIONER_REGUL, mode="strict")
    if has_errors(outcome):
        raise _Unprocessable(outcome)
    return data


class _Unprocessable(Exception):
    def __init__(self, outcome: Json) -> None:
        super().__init__("profile violation")
        self.outcome = outcome


def _only(request: Request, allowed: frozenset[str]) -> None:
    for name in request.query_params:
        if name not in allowed:
            raise FhirError(400, "not-supported", f"unsupported parameter '{name}'", name)


def _location(state: EditorState, stored: Json) -> dict[str, str]:
    return {
        "Location": f"{state.settings.base_url}/Practitioner/{stored['id']}",
        "ETag": f'W/"{stored["meta"]["versionId"]}"',
    }


async def create_practitioner(request: Request, state: EditorState) -> Response:
    await apply_request_faults(request, state)
    _only(request, frozenset({"_format"}))
    check_accept(request)
    try:
        data = await _checked_body(request, state)
    except _Unprocessable as exc:
        return fhir_response(exc.outcome, 422)
    try:
        stored = state.accounts.create(data, now=format_instant(state.settings.clock.now()))
    except Conflict as exc:
        raise FhirError(409, "duplicate", str(exc), "Practitioner.identifier") from None
    return fhir_response(stored, 201, _location(state, stored))


async def update_practitioner(request: Request, state: EditorState) -> Response:
    await apply_request_faults(request, state)
    _only(request, _SEARCH_PARAMS)
    check_accept(request)
    raw = request.query_params.getlist("identifier")
    if len(raw) != 1:
        raise FhirError(
            400,
            "required",
            "conditional update needs exactly one ?identifier=system|value",
            "identifier",
        )
    system, value = _identifier_param(raw[0])
    try:
        data = await _checked_body(request, state)
    except _Unprocessable as exc:
        return fhir_response(exc.outcome, 422)
    matches = state.accounts.find(system, value)
    now = format_instant(state.settings.clock.now())
    if len(matches) > 1:
        raise FhirError(412, "multiple-matches", f"{len(matches)} accounts match {system}|{value}")
    try:
        if matches:
            stored, status = state.accounts.replace(matches[0], data, now=now), 200
        else:
            stored, status = state.accounts.create(data, now=now), 201
    except Conflict as exc:
        raise FhirError(409, "duplicate", str(exc), "Practitioner.identifier") from None
    return fhir_response(stored, status, _location(state, stored))


async def search_practitioners(request: Request, state: EditorState) -> Response:
    await apply_request_faults(request, state)
    check_accept(request)
    _only(request, _SEARCH_PARAMS)
    raw = request.query_params.getlist("identifier")
    if raw:
        ids: list[str] = []
        for token in ",".join(raw).split(","):
            system, value = _identifier_param(token.strip())
            ids += [i for i in state.accounts.find(system, value) if i not in ids]
        found = [a for a in (state.accounts.get(i) for i in ids) if a is not None]
    else:
        found = state.accounts.all()
    base = state.settings.base_url
    bundle: Json = {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(found),
        "link": [{"relation": "self", "url": str(request.url)}],
    }
    if found:
        bundle["entry"] = [
            {
                "fullUrl": f"{base}/Practitioner/{a['id']}",
                "resource": a,
                "search": {"mode": "match"},
            }
            for a in found
        ]
    return fhir_response(bundle)


async def read_practitioner(request: Request, state: EditorState, account_id: str) -> Response:
    await apply_request_faults(request, state)
    check_accept(request)
    found = state.accounts.get(account_id)
    if found is None:
        raise FhirError(404, "not-found", f"Practitioner/{account_id} is not known")
    return fhir_response(found)
