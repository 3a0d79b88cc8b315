"""A marketplace's FHIR API (``/fhir``): what the SAS calls and what its professionals answer.

* INT_R02 regulator accounts, ``POST|PUT|GET /Practitioner[/{id}]``: the editors' handlers
  (:mod:`mocks.editor.accounts`) on the marketplace's account store — the SAS pushes accounts
  to the marketplaces as to the editors (seed slides: "gestion des comptes régulateurs");
* ``GET /Appointment/{id}``, ``GET /Appointment?status=&identifier=``: the care requests as the
  Appointments reported to the SAS (INT_R03);
* ``POST /AppointmentResponse``: a professional's answer (``participantStatus`` ``accepted`` or
  ``declined``, ``actor.identifier`` = the IDNPS) — 201 when it changes the request, 200 when it
  repeats the taker's acceptance, 404 unknown request, 409 closed request, 422 a professional
  outside the pool or unable to take the care, 400 an unusable body; every error an
  OperationOutcome;
* ``GET /metadata``: the CapabilityStatement of all this.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from mocks.editor import accounts
from mocks.editor.capability import capability_statement
from mocks.editor.http import FhirError, fhir_response, parse_json_body, read_body
from mocks.marketplace.model import CareRequest, appointment_resource
from mocks.marketplace.service import AnswerRefused
from sasref.fhir.datetimes import format_instant
from sasref.fhir.systems import IDNPS_SYSTEM

if TYPE_CHECKING:
    from mocks.marketplace.app import Marketplace

__all__ = ["MarketplaceFhir", "read_answer"]

_MAX_BODY = 100_000


class MarketplaceFhir:
    """The ``/fhir`` routes of one marketplace (``.router``)."""

    def __init__(self, marketplace: Marketplace) -> None:
        self.marketplace = marketplace
        self.service = marketplace.service
        self.state = marketplace.state
        self.clock = marketplace.clock
        base = self.state.settings.base_path
        r = APIRouter(include_in_schema=False)
        r.add_api_route(f"{base}/Appointment", self.fhir_search, methods=["GET"])
        r.add_api_route(f"{base}/Appointment/{{request_id}}", self.fhir_read, methods=["GET"])
        r.add_api_route(f"{base}/AppointmentResponse", self.fhir_answer, methods=["POST"])
        r.add_api_route(f"{base}/Practitioner", self.post_account, methods=["POST"])
        r.add_api_route(f"{base}/Practitioner", self.put_account, methods=["PUT"])
        r.add_api_route(f"{base}/Practitioner", self.search_accounts, methods=["GET"])
        r.add_api_route(f"{base}/Practitioner/{{account_id}}", self.read_account, methods=["GET"])
        r.add_api_route(f"{base}/metadata", self.metadata, methods=["GET"])
        self.router = r

    def _fhir_url(self, path: str) -> str:
        return f"{self.state.settings.base_url}/{path}"

    async def fhir_read(self, request_id: str) -> Response:
        found = self.service.requests.get(request_id)
        if found is None:
            raise FhirError(404, "not-found", f"Appointment/{request_id} is unknown")
        return fhir_response(self._appointment(found))

    def _appointment(self, request: CareRequest) -> dict[str, Any]:
        return {**appointment_resource(request), "id": request.id}

    async def fhir_search(self, request: Request) -> Response:
        """``?status=`` (pending, booked, cancelled) and ``?identifier=system|value``."""
        params = request.query_params
        unknown = [k for k in params if k not in ("status", "identifier", "_format")]
        if unknown:
            raise FhirError(400, "not-supported", f"unsupported parameter '{unknown[0]}'")
        found = list(self.service.requests.values())
        if "status" in params:
            found = [r for r in found if r.appointment_status in params["status"].split(",")]
        if "identifier" in params:
            found = [r for r in found if "|".join(r.identifier) == params["identifier"]]
        bundle: dict[str, Any] = {
            "resourceType": "Bundle", "type": "searchset", "total": len(found),
            "link": [{"relation": "self", "url": str(request.url)}],
        }  # fmt: skip
        if found:
            bundle["entry"] = [
                {"fullUrl": self._fhir_url(f"Appointment/{r.id}"),
                 "resource": self._appointment(r), "search": {"mode": "match"}}
                for r in found
            ]  # fmt: skip
        return fhir_response(bundle)

    async def fhir_answer(self, request: Request) -> Response:
        """A professional's ``AppointmentResponse`` to a care request."""
        data = parse_json_body(
            await read_body(request, _MAX_BODY), request.headers.get("content-type", "")
        )
        request_id, idnps, accepted = read_answer(data)
        try:
            found, changed = self.service.answer(request_id, idnps, accepted)
        except AnswerRefused as exc:
            raise FhirError(exc.status, exc.code, exc.message) from None
        await self.marketplace.flush_quietly()
        answer = {
            **data, "id": f"{request_id}-{len(found.events)}",
            "meta": {"lastUpdated": format_instant(self.clock.now())},
        }  # fmt: skip
        location = {"Location": self._fhir_url(f"Appointment/{request_id}")}
        return fhir_response(answer, 201 if changed else 200, location)

    async def post_account(self, request: Request) -> Response:
        return await accounts.create_practitioner(request, self.state)

    async def put_account(self, request: Request) -> Response:
        return await accounts.update_practitioner(request, self.state)

    async def search_accounts(self, request: Request) -> Response:
        return await accounts.search_practitioners(request, self.state)

    async def read_account(self, request: Request, account_id: str) -> Response:
        return await accounts.read_practitioner(request, self.state, account_id)

    async def metadata(self) -> Response:
        """INT_R02 (``SAS-GestionnaireStructure``) plus the marketplace's own resources."""
        statement = capability_statement(self.state.settings)
        resources = statement["rest"][0].setdefault("resource", [])
        resources += [
            {"type": "Appointment", "interaction": [{"code": "read"}, {"code": "search-type"}],
             "searchParam": [{"name": "status", "type": "token"},
                             {"name": "identifier", "type": "token"}]},
            {"type": "AppointmentResponse", "interaction": [{"code": "create"}]},
        ]  # fmt: skip
        return fhir_response(statement)


def read_answer(data: dict[str, Any]) -> tuple[str, str, bool]:
    """``(request id, IDNPS, accepted)`` of an AppointmentResponse; 400/422 when unusable."""
    if data.get("resourceType") != "AppointmentResponse":
        raise FhirError(400, "invalid", f"expected an AppointmentResponse, got "
                        f"{data.get('resourceType')!r}")  # fmt: skip
    reference = (data.get("appointment") or {}).get("reference")
    if not isinstance(reference, str) or not reference.startswith("Appointment/"):
        raise FhirError(400, "required", "appointment.reference 'Appointment/<id>' is required",
                        "AppointmentResponse.appointment")  # fmt: skip
    ident = ((data.get("actor") or {}).get("identifier")) or {}
    if ident.get("system") != IDNPS_SYSTEM or not isinstance(ident.get("value"), str):
        raise FhirError(400, "required", f"actor.identifier: the professional's IDNPS "
                        f"({IDNPS_SYSTEM}) is required", "AppointmentResponse.actor")  # fmt: skip
    status = data.get("participantStatus")
    if status not in ("accepted", "declined"):
        raise FhirError(422, "code-invalid", f"participantStatus {status!r}: accepted or "
                        "declined", "AppointmentResponse.participantStatus")  # fmt: skip
    return reference.removeprefix("Appointment/"), ident["value"], status == "accepted"
