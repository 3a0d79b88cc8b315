"""The mock editor's booking web pages and its INT_R03 push (issue 5 items 4-5; IG digest §3.4,
§4): ``EditorBooking(settings, state, http)`` whose ``.router`` an editor app includes::

    app = mocks.editor.create_app(editor_settings)
    booking = EditorBooking(BookingSettings(...), app.state.editor, http)
    booking.install(app)          # or app.include_router(booking_router(...))

Routes (the booking URL is the population's ``Slot.comment``, with ``origin=sas`` appended by
the SAS):

* ``GET  /booking/{rpps}?place=…&slot=…&origin=sas`` and ``GET /booking/sos/{point}?slot=…`` —
  the slot and the patient form; without an editor session the browser is sent into the silent
  SSO (:mod:`sasref.auth.editor_sso`: ``prompt=none`` at PSC in mode (a), at the SAS IdP in mode
  (b)), and lands on ``/login`` when that cannot authenticate. Regulator-only permissions (the
  form, the INT_R03 report) only when ``origin=sas`` **and** the session came by SSO;
* ``POST`` on the same URLs — books the slot (it leaves the editor's FHIR search), then pushes
  the Appointment to the SAS through the :class:`~mocks.editor_booking.outbox.AppointmentOutbox`;
* ``GET /appointments``, ``GET /appointments/{id}``, ``POST /appointments/{id}/status`` — the
  editor's list, the confirmation page, and the later changes (cancelled, fulfilled, noshow →
  conditional PUT);
* ``GET|POST /login``, ``POST /logout`` — the editor's own password login (its own users);
* ``GET /admin/bookings``, ``GET /admin/outbox``, ``POST /admin/outbox/flush`` — JSON for tests.
"""

from __future__ import annotations

import logging
import random
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import httpx
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from mocks.editor import EditorState
from mocks.editor_booking import pages
from mocks.editor_booking.accounts import account_note, find_regulator_account
from mocks.editor_booking.appointment import (
    STATUS_CHANGES,
    Booking,
    Patient,
    appointment_resource,
)
from mocks.editor_booking.web import EditorWeb, read_form
from sasref.auth.editor_sso import EditorSsoSettings
from sasref.auth.sso import ORIGIN_SAS
from sasref.search import SlotQuery, SlotView
from sasref.search.query import prefix_practitioner_id

__all__ = ["BookingSettings", "EditorBooking", "booking_router"]

log = logging.getLogger(__name__)

_WINDOW = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))
_PHONE = re.compile(r"^(?:\+33|0)[1-9]\d{8}$")
_MAX_TEXT = 100


@dataclass(frozen=True)
class BookingSettings:
    """``sso``: the editor's relying-party settings (mode (a) PSC or (b) SAS IdP, built with
    :func:`sasref.auth.editor_oidc_settings`); ``sas_fhir_base``: where INT_R03 goes;
    ``appointment_system``: the editor's identifier system for its appointments (§4.3)."""

    sso: EditorSsoSettings
    sas_fhir_base: str
    appointment_system: str
    #: The editor's own users (username → password) for its login page.
    local_users: Mapping[str, str] = field(default_factory=lambda: {"secretariat": "agenda"})
    allowed_origins: tuple[str, ...] = (ORIGIN_SAS,)
    seed: int = 0
    #: Period of the background outbox flush (seconds), when started.
    outbox_interval: float = 1.0


class EditorBooking(EditorWeb):
    """Booking pages, bookings and the INT_R03 outbox of one mock editor."""

    def __init__(self, settings: BookingSettings, state: EditorState, http: httpx.AsyncClient):
        super().__init__(
            state.settings.name,
            settings.sso,
            http,
            sas_fhir_base=settings.sas_fhir_base,
            clock=state.settings.clock,
            local_users=settings.local_users,
            allowed_origins=settings.allowed_origins,
            home="/appointments",
        )
        self.settings = settings
        self.state = state
        self.bookings: dict[str, Booking] = {}
        self._rng = random.Random(settings.seed)
        r = APIRouter(tags=["booking"], include_in_schema=False)
        r.include_router(self.sso.router)
        r.add_api_route("/booking/sos/{point_id}", self.sos_page, methods=["GET"])
        r.add_api_route("/booking/sos/{point_id}", self.sos_book, methods=["POST"])
        r.add_api_route("/booking/{practitioner}", self.ps_page, methods=["GET"])
        r.add_api_route("/booking/{practitioner}", self.ps_book, methods=["POST"])
        r.add_api_route("/appointments", self.list_page, methods=["GET"])
        r.add_api_route("/appointments/{booking_id}", self.appointment_page, methods=["GET"])
        r.add_api_route("/appointments/{booking_id}/status", self.change_status, methods=["POST"])
        self.add_login_routes(r)
        r.add_api_route("/admin/bookings", self.admin_bookings, methods=["GET"])
        self.add_outbox_routes(r)
        self.router = r

    def install(self, app: FastAPI) -> None:
        """Include the routes; register the runtime on ``app.state`` (``editor_booking``)."""
        app.state.editor_booking = self
        app.state.sasref_editor_sso = self.sso
        app.include_router(self.router)

    # --- slots -----------------------------------------------------------------------------
    def find_free_slot(self, practitioner: str | None, siret: str | None, slot_id: str
                       ) -> SlotView | None:  # fmt: skip
        """The free slot ``slot_id`` of an owner (also makes the slot store know it)."""
        lo, hi = _WINDOW
        if siret is not None:
            query = SlotQuery.sos(lo, hi, [siret])
        elif practitioner is not None:
            query = SlotQuery.cpts(lo, hi, [prefix_practitioner_id(practitioner)])
        else:
            return None
        return next((s for s in self.state.slots.select(query) if s.id == slot_id), None)

    def find_slots(self, practitioner: str) -> list[SlotView]:
        """The free slots of a practitioner (RPPS raw or prefixed) in the current window."""
        lo, hi = _WINDOW
        return self.state.slots.select(
            SlotQuery.cpts(lo, hi, [prefix_practitioner_id(practitioner)])
        )

    def find_sos_slots(self, siret: str) -> list[SlotView]:
        """The free slots of an SOS Médecins association (prefixed SIRET)."""
        lo, hi = _WINDOW
        return self.state.slots.select(SlotQuery.sos(lo, hi, [siret]))

    def _sos_siret(self, point_id: str) -> str | None:
        for siret, association in self.state.catalog.associations.items():
            if any(fp.id == point_id for fp in association.fixed_points):
                return siret
        return None

    def _owner_label(self, slot: SlotView) -> str:
        if slot.sos_siret is not None:
            association = self.state.catalog.associations.get(slot.sos_siret)
            return f"SOS Médecins — {association.name}" if association else "SOS Médecins"
        found = self.state.catalog.practitioners.get(slot.practitioner_id or "")
        if found is None:
            return f"Praticien {slot.practitioner_id}"
        return f"Dr {found.given} {found.family} ({found.speciality_display})"

    # --- the booking page --------------------------------------------------------------------
    async def ps_page(self, request: Request, practitioner: str) -> Response:
        return await self._page(request, practitioner, None)

    async def sos_page(self, request: Request, point_id: str) -> Response:
        siret = self._sos_siret(point_id)
        if siret is None:
            return self._message("Créneau introuvable", f"point fixe {point_id} inconnu", 404)
        return await self._page(request, None, siret)

    async def ps_book(self, request: Request, practitioner: str) -> Response:
        return await self._book(request, practitioner, None)

    async def sos_book(self, request: Request, point_id: str) -> Response:
        siret = self._sos_siret(point_id)
        if siret is None:
            return self._message("Créneau introuvable", f"point fixe {point_id} inconnu", 404)
        return await self._book(request, None, siret)

    async def _page(self, request: Request, practitioner: str | None, siret: str | None
                    ) -> Response:  # fmt: skip
        user, csrf, fresh = self._user_and_csrf(request)
        if user is None:
            return self._to_sso(request)
        slot_id = request.query_params.get("slot", "")
        slot = self.find_free_slot(practitioner, siret, slot_id)
        if slot is None:
            return self._message(
                "Créneau indisponible",
                f"Le créneau {slot_id or '(absent)'} n'est pas (ou plus) libre dans cet agenda.",
                409 if slot_id in self.state.slots.booked else 404,
            )
        response = self._render_form(request, user, slot, csrf)
        if fresh:
            self._save_csrf(response, user, csrf)
        return response

    def _render_form(
        self,
        request: Request,
        user: dict[str, Any],
        slot: SlotView,
        csrf: str,
        values: Mapping[str, str] | None = None,
        errors: Mapping[str, str] | None = None,
        status_code: int = 200,
    ) -> HTMLResponse:
        regulator = self.regulator_permissions(request, user)
        account = find_regulator_account(self.state.accounts, user) if regulator else None
        body = pages.booking_page(
            editor=self.name,
            user=user,
            slot=slot,
            owner_label=self._owner_label(slot),
            action=self._here(request),
            csrf=csrf,
            regulator=regulator,
            account_note=account_note(account) if regulator else None,
            values=values,
            errors=errors,
        )
        return self._html(body, status_code)

    async def _book(self, request: Request, practitioner: str | None, siret: str | None
                    ) -> Response:  # fmt: skip
        user, csrf, _ = self._user_and_csrf(request)
        if user is None:
            return self._message("Session absente", "Connectez-vous avant de réserver.", 401)
        form = await read_form(request)
        if not await self._csrf_ok(request, form):
            return self._message("Requête refusée", "jeton CSRF absent ou invalide", 403)
        if not self.regulator_permissions(request, user):
            return self._message(
                "Droits régulateur non accordés",
                "La réservation pour le SAS demande un lien venu du SAS (origin=sas) et une "
                "session ouverte par SSO.",
                403,
            )
        slot_id = request.query_params.get("slot", "")
        slot = self.find_free_slot(practitioner, siret, slot_id)
        if slot is None:
            return self._message(
                "Créneau indisponible",
                f"Le créneau {slot_id or '(absent)'} n'est pas (ou plus) libre : il a déjà été "
                "réservé ou n'existe pas. Choisissez un autre créneau sur le SAS.",
                409,
            )
        patient, errors = read_patient(form, self.clock.now().date())
        account = find_regulator_account(self.state.accounts, user)
        if account is None:
            errors["form"] = (
                "Compte régulateur inconnu de cet éditeur (INT_R02 non reçu ou désactivé) : "
                "le rendez-vous ne pourrait pas être attribué au régulateur."
            )
        if patient is None or account is None:
            return self._render_form(request, user, slot, csrf, form, errors, 422)
        if not self.state.book_slot(slot.id):
            return self._message("Créneau indisponible", f"Le créneau {slot.id} vient d'être "
                                 "réservé par quelqu'un d'autre.", 409)  # fmt: skip
        booking = self._new_booking(slot, patient, account, user)
        self.outbox.enqueue("POST", booking.identifier, appointment_resource(booking))
        await self.flush_quietly()
        return RedirectResponse(f"/appointments/{booking.id}", status_code=303)

    def _new_booking(
        self, slot: SlotView, patient: Patient, account: dict[str, Any], user: Mapping[str, Any]
    ) -> Booking:
        booking_id = str(uuid.UUID(int=self._rng.getrandbits(128), version=4))
        now = self.clock.now()
        booking = Booking(
            id=booking_id,
            identifier_system=self.settings.appointment_system,
            slot_id=slot.id,
            start=slot.start,
            end=slot.end,
            created=now,
            patient=patient,
            operator=dict(account["identifier"][0]),
            practitioner_id=slot.practitioner_id if slot.sos_siret is None else None,
            sos_siret=slot.sos_siret,
            booked_by=f"{user.get('given_name', '')} {user.get('family_name', '')}".strip(),
            history=[("booked", now)],
        )
        self.bookings[booking_id] = booking
        return booking

    # --- after the booking -----------------------------------------------------------------
    def delivery_text(self, booking: Booking) -> str:
        return self.outbox.describe(booking.identifier)

    async def appointment_page(self, request: Request, booking_id: str) -> Response:
        user, csrf, fresh = self._user_and_csrf(request)
        if user is None:
            return self._to_sso(request)
        booking = self.bookings.get(booking_id)
        if booking is None:
            return self._message("Rendez-vous inconnu", booking_id, 404)
        body = pages.confirmation_page(
            editor=self.name, user=user, booking=booking, delivery=self.delivery_text(booking),
            csrf=csrf,
        )  # fmt: skip
        response = self._html(body)
        if fresh:
            self._save_csrf(response, user, csrf)
        return response

    async def list_page(self, request: Request) -> Response:
        user, _, _ = self._user_and_csrf(request)
        if user is None:
            return self._to_sso(request)
        return self._html(pages.bookings_page(editor=self.name, user=user,
                                              bookings=self.bookings.values()))  # fmt: skip

    async def change_status(self, request: Request, booking_id: str) -> Response:
        user, _, _ = self._user_and_csrf(request)
        if user is None:
            return self._message("Session absente", "Connectez-vous.", 401)
        form = await read_form(request)
        if not await self._csrf_ok(request, form):
            return self._message("Requête refusée", "jeton CSRF absent ou invalide", 403)
        booking = self.bookings.get(booking_id)
        if booking is None:
            return self._message("Rendez-vous inconnu", booking_id, 404)
        status = form.get("status", "")
        if status not in STATUS_CHANGES:
            return self._message("Statut refusé", f"{status!r} : {', '.join(STATUS_CHANGES)}", 400)
        if booking.status == "cancelled":
            return self._message("Rendez-vous annulé", "un rendez-vous annulé ne change plus", 409)
        await self.set_status(booking, status)
        return RedirectResponse(f"/appointments/{booking.id}", status_code=303)

    async def set_status(self, booking: Booking, status: str) -> None:
        """A later change: recorded, then reported with ``PUT Appointment?identifier=``."""
        booking.status = status
        booking.history.append((status, self.clock.now()))
        self.outbox.enqueue("PUT", booking.identifier, appointment_resource(booking))
        await self.flush_quietly()

    # --- JSON for tests and notebooks ------------------------------------------------------
    async def admin_bookings(self) -> JSONResponse:
        return JSONResponse([b.to_json() for b in self.bookings.values()])


def booking_router(
    settings: BookingSettings, state: EditorState, http: httpx.AsyncClient
) -> APIRouter:
    """The booking routes for ``app.include_router`` (``state`` is ``app.state.editor``)."""
    return EditorBooking(settings, state, http).router


def read_patient(form: Mapping[str, str], today: date) -> tuple[Patient | None, dict[str, str]]:
    """The patient of the booking form, or the per-field errors (French, shown by the page)."""
    errors: dict[str, str] = {}
    family, given = form.get("family", "").strip(), form.get("given", "").strip()
    for key, value, label in (("family", family, "le nom"), ("given", given, "le prénom")):
        if not value:
            errors[key] = f"Indiquez {label}."
        elif len(value) > _MAX_TEXT:
            errors[key] = f"{label.capitalize()} : {_MAX_TEXT} caractères au plus."
    birth: date | None = None
    try:
        birth = date.fromisoformat(form.get("birth_date", "").strip())
    except ValueError:
        errors["birth_date"] = "Date de naissance attendue au format AAAA-MM-JJ."
    else:
        if birth > today or birth.year < 1900:
            errors["birth_date"] = "Date de naissance impossible."
    phone = re.sub(r"[\s.\-]", "", form.get("phone", ""))
    if not _PHONE.match(phone):
        errors["phone"] = "Numéro de téléphone français attendu (10 chiffres ou +33…)."
    if errors or birth is None:
        return None, errors
    return Patient(family, given, birth, phone), errors
