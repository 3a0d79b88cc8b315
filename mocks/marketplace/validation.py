"""Reading the care-request form: per-field French errors, or a :class:`CareRequestDraft`. Pure.

Rules (issue 9, "Bad input and faults"):

* the patient's four fields as on the booking pages (:func:`mocks.editor_booking.read_patient`);
* the care type is one of the platform's; the details are optional (500 characters at most);
* the address: a street line, a postcode and a commune **the geography knows**
  (:mod:`sasref.directory.geo`: the postcode must be one of that commune's), inside the
  platform's territory;
* the wished window (``datetime-local``, Europe/Paris): both ends, end after start, not in the
  past (the start may be up to 15 minutes ago: the page pre-fills "now"), long enough for the
  care, starting within 14 days.

:func:`validation_outcome` turns the errors into an OperationOutcome (one issue per field,
``expression`` = the field) for clients that ask for FHIR JSON.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from mocks.editor_booking import Patient
from mocks.editor_booking.router import read_patient
from mocks.marketplace.fleet import MarketplaceProfile
from mocks.marketplace.model import PatientAddress
from sasref.clock import PARIS
from sasref.directory import geo
from sasref.marketplace import CARE_TYPES

__all__ = ["FIELDS", "CareRequestDraft", "read_care_request", "validation_outcome"]

#: The form's fields, in page order.
FIELDS: Final = (
    "family", "given", "birth_date", "phone", "care_type", "details", "line", "postcode", "city",
    "window_start", "window_end",
)  # fmt: skip
_MAX_DETAILS = 500
_MAX_LINE = 100
_PAST_TOLERANCE = timedelta(minutes=15)
_HORIZON = timedelta(days=14)


@dataclass(frozen=True, slots=True)
class CareRequestDraft:
    """A valid form, before the marketplace gives it an id and a regulator."""

    patient: Patient
    address: PatientAddress
    care_type: str
    details: str
    window_start: datetime
    window_end: datetime


def _address(form: Mapping[str, str], profile: MarketplaceProfile, errors: dict[str, str]
             ) -> PatientAddress | None:  # fmt: skip
    line = " ".join(form.get("line", "").split())
    postcode = form.get("postcode", "").strip()
    city = " ".join(form.get("city", "").split())
    if not line:
        errors["line"] = "Indiquez l'adresse (numéro et voie)."
    elif len(line) > _MAX_LINE:
        errors["line"] = f"Adresse : {_MAX_LINE} caractères au plus."
    if not city:
        errors["city"] = "Indiquez la commune."
    if not (len(postcode) == 5 and postcode.isdigit()):
        errors["postcode"] = "Code postal attendu : 5 chiffres."
        return None
    known = geo.find_communes(postcode)
    if not known:
        errors["postcode"] = f"Code postal {postcode} inconnu : adresse hors de France ou erronée."
        return None
    if not city:
        return None
    named = [c for c in known if geo.normalize_name(c.name) == geo.normalize_name(city)]
    if not named:
        names = ", ".join(c.name for c in known[:5])
        errors["city"] = f"La commune « {city} » n'a pas le code postal {postcode} ({names})."
        return None
    commune = named[0]
    if not profile.national and commune.department not in profile.departments:
        errors["city"] = (
            f"{commune.name} ({commune.department}) est hors du territoire de {profile.label} "
            f"(départements {', '.join(profile.departments)})."
        )
        return None
    if "line" in errors:
        return None
    return PatientAddress(line, postcode, commune.name, commune.insee, commune.department)


def _when(text: str) -> datetime | None:
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return value.replace(tzinfo=PARIS) if value.tzinfo is None else value.astimezone(PARIS)


def _window(form: Mapping[str, str], care: str | None, now: datetime, errors: dict[str, str]
            ) -> tuple[datetime, datetime] | None:  # fmt: skip
    start, end = _when(form.get("window_start", "")), _when(form.get("window_end", ""))
    for key, value, label in (("window_start", start, "le début"), ("window_end", end, "la fin")):
        if value is None:
            errors[key] = f"Indiquez {label} de la fenêtre souhaitée (date et heure)."
    if start is None or end is None:
        return None
    if end <= now:
        errors["window_end"] = "La fenêtre souhaitée est déjà passée."
    elif start < now - _PAST_TOLERANCE:
        errors["window_start"] = "Le début de la fenêtre est passé : au plus tôt maintenant."
    elif end <= start:
        errors["window_end"] = "La fin de la fenêtre doit suivre son début."
    elif start > now + _HORIZON:
        errors["window_start"] = "Fenêtre trop lointaine : elle doit commencer sous 14 jours."
    elif care is not None and end - max(start, now) < CARE_TYPES[care].duration:
        minutes = int(CARE_TYPES[care].duration.total_seconds() // 60)
        errors["window_end"] = f"Fenêtre trop courte pour ce soin ({minutes} min au moins)."
    if "window_start" in errors or "window_end" in errors:
        return None
    return start, end


def read_care_request(
    form: Mapping[str, str], *, now: datetime, profile: MarketplaceProfile
) -> tuple[CareRequestDraft | None, dict[str, str]]:
    """The draft, or the errors by field (``form`` for what concerns the whole form)."""
    patient, errors = read_patient(form, now.date())
    care: str | None = form.get("care_type", "").strip()
    if not care:
        errors["care_type"] = "Choisissez le type de soins."
        care = None
    elif care not in profile.care_types:
        errors["care_type"] = f"{profile.label} ne propose pas ce type de soins ({care})."
        care = None
    details = form.get("details", "").strip()
    if len(details) > _MAX_DETAILS:
        errors["details"] = f"Précisions : {_MAX_DETAILS} caractères au plus."
    address = _address(form, profile, errors)
    window = _window(form, care, now, errors)
    if errors or patient is None or care is None or address is None or window is None:
        return None, errors
    return CareRequestDraft(patient, address, care, details, *window), errors


def validation_outcome(errors: Mapping[str, str], form: Mapping[str, str]) -> dict[str, Any]:
    """The errors as an OperationOutcome, one issue per field in page order: ``required`` for
    an empty field, ``invalid`` otherwise."""
    order = {name: i for i, name in enumerate(FIELDS)}
    issues = [
        {"severity": "error", "code": "invalid" if form.get(name, "").strip() else "required",
         "diagnostics": text, "expression": [name]}
        for name, text in sorted(errors.items(), key=lambda kv: order.get(kv[0], len(order)))
    ]  # fmt: skip
    return {"resourceType": "OperationOutcome", "issue": issues}
