"""The mock editor's booking web pages and INT_R03 appointment push (issue 5 items 4-5).

``EditorBooking(BookingSettings(...), app.state.editor, http).install(app)`` adds to a
:func:`mocks.editor.create_app` app the booking page reached from ``Slot.comment`` (SSO without a
password, both modes, regulator permissions only with ``origin=sas``), the booking itself, and
the outbox that reports the Appointment to the SAS until acknowledged. See
:mod:`mocks.editor_booking.router` and docs/booking-journey.md.
"""

from __future__ import annotations

from mocks.editor_booking.accounts import find_regulator_account
from mocks.editor_booking.appointment import STATUS_CHANGES, Booking, Patient, appointment_resource
from mocks.editor_booking.outbox import AppointmentOutbox, Push, PushState
from mocks.editor_booking.router import BookingSettings, EditorBooking, booking_router

__all__ = [
    "STATUS_CHANGES",
    "AppointmentOutbox",
    "Booking",
    "BookingSettings",
    "EditorBooking",
    "Patient",
    "Push",
    "PushState",
    "appointment_resource",
    "booking_router",
    "find_regulator_account",
]
