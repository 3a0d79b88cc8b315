"""Orientations en surnuméraire (spec §4.6, §6.3; INT_L02 digest §5.4): a regulator sends a
patient to an offer that accepts patients "en sus des disponibilités", without a slot.

:mod:`~sasref.orientations.model` (the orientation), :mod:`~sasref.orientations.rules` (what a
request must satisfy, pure), :mod:`~sasref.orientations.fhir` (the orientation as a FHIR
Appointment for the INT_L02 forwarder), :mod:`~sasref.orientations.service` (record, cancel,
list, forward). Who accepts extra patients and who receives the orientation is the directory's
business: :mod:`sasref.directory.overbooking`.
"""

from __future__ import annotations

from sasref.orientations.fhir import appointment_resource
from sasref.orientations.model import (
    SURNUMERAIRE,
    Orientation,
    OrientationStatus,
    OrientingRegulator,
)
from sasref.orientations.rules import OrientationError, OrientationRequest, parse_start
from sasref.orientations.service import OrientationService

__all__ = [
    "SURNUMERAIRE",
    "Orientation",
    "OrientationError",
    "OrientationRequest",
    "OrientationService",
    "OrientationStatus",
    "OrientingRegulator",
    "appointment_resource",
    "parse_start",
]
