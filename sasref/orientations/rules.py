"""The orientation request's rules (spec §4.6, §6.3): what is accepted, with clear errors. Pure.

* ``orientation_type`` is 2 (surnuméraire) and ``slot`` is null: type 1 books a SAS-agenda slot
  and type 3 is the IOA's, neither is this flow;
* ``date`` (``YYYY-MM-DD``) is not in the past and at most :data:`MAX_DAYS_AHEAD` days ahead;
* ``time`` (``HH:MM``) is on a 15-minute step, 00:00 to 23:45 (the platform's picker stops at
  23h59); the date-time must exist in Europe/Paris (not in the spring clock-change gap) and not be
  earlier than the current quarter of an hour (a regulator may orient "now").

Each error carries the request ``field`` it is about, a ``reason`` code, an English message (the
JSON API) and a French one (the regulator's page).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Final

from sasref.clock import PARIS
from sasref.directory.overbooking import Recipient
from sasref.errors import InvalidInput
from sasref.orientations.model import SURNUMERAIRE

MAX_DAYS_AHEAD: Final = 30
STEP_MINUTES: Final = 15
_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")


class OrientationError(InvalidInput):
    """A request the SAS refuses. ``reason``: ``invalid`` (a malformed or out-of-rule field),
    ``unknown`` (no such recipient), ``refused`` (the recipient does not accept extra patients),
    ``conflict`` (an idempotency key reused for another orientation), ``not_found``."""

    def __init__(self, field: str, reason: str, message: str, french: str) -> None:
        super().__init__(message)
        self.field = field
        self.reason = reason
        self.french = french


def _invalid(field: str, message: str, french: str) -> OrientationError:
    return OrientationError(field, "invalid", message, french)


def check_type(orientation_type: Any, slot: Any) -> None:
    """``orientation_type`` 2 (default) and no slot."""
    if orientation_type is not None and orientation_type != SURNUMERAIRE:
        raise _invalid(
            "orientation_type",
            f"orientation_type must be 2 (surnuméraire), not {orientation_type!r}: type 1 books "
            "a SAS-agenda slot and type 3 is the IOA's",
            "Seule l'orientation en surnuméraire (type 2) est possible ici.",
        )
    if slot is not None:
        raise _invalid(
            "slot",
            "an orientation en surnuméraire has no slot (slot must be null)",
            "Une orientation en surnuméraire ne porte pas sur un créneau.",
        )


def parse_date(text: Any) -> date:
    if text is None or (isinstance(text, str) and not text.strip()):
        raise _invalid("date", "date is required (YYYY-MM-DD)", "Indiquez la date.")
    try:
        return date.fromisoformat(str(text).strip())
    except ValueError:
        raise _invalid(
            "date",
            f"date {text!r} is not a date (YYYY-MM-DD)",
            "Date invalide (format attendu : AAAA-MM-JJ).",
        ) from None


def parse_time(text: Any) -> time:
    if text is None or (isinstance(text, str) and not text.strip()):
        raise _invalid("time", "time is required (HH:MM)", "Indiquez l'heure.")
    match = _TIME.match(str(text).strip())
    hour, minute = (int(match[1]), int(match[2])) if match else (-1, -1)
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise _invalid(
            "time", f"time {text!r} is not HH:MM", "Heure invalide (format attendu : HH:MM)."
        )
    if minute % STEP_MINUTES:
        raise _invalid(
            "time",
            f"time {text!r} is not on a 15-minute step (minutes 00, 15, 30 or 45)",
            "L'heure se choisit par quart d'heure (00, 15, 30 ou 45 minutes).",
        )
    return time(hour, minute)


def quarter_floor(moment: datetime) -> datetime:
    """The start of the quarter of an hour ``moment`` is in."""
    return moment.replace(
        minute=moment.minute - moment.minute % STEP_MINUTES, second=0, microsecond=0
    )


def parse_start(
    date_text: Any, time_text: Any, now: datetime, *, max_days_ahead: int = MAX_DAYS_AHEAD
) -> datetime:
    """The orientation's date-time (Europe/Paris) from the request's ``date`` and ``time``."""
    day = parse_date(date_text)
    today = now.astimezone(PARIS).date()
    if day < today:
        raise _invalid(
            "date",
            f"date {day.isoformat()} is in the past",
            "La date ne peut pas être dans le passé.",
        )
    if day > today + timedelta(days=max_days_ahead):
        raise _invalid(
            "date",
            f"date {day.isoformat()} is more than {max_days_ahead} days ahead",
            f"La date doit être dans les {max_days_ahead} prochains jours.",
        )
    at = parse_time(time_text)
    start = datetime.combine(day, at, tzinfo=PARIS)
    # A wall time in the spring gap does not survive a round trip through UTC.
    if start.astimezone(UTC).astimezone(PARIS).replace(tzinfo=None) != start.replace(tzinfo=None):
        raise _invalid(
            "time",
            f"{day.isoformat()} {at:%H:%M} does not exist in Europe/Paris (clock change)",
            "Cette heure n'existe pas ce jour-là (changement d'heure).",
        )
    if start < quarter_floor(now.astimezone(PARIS)):
        raise _invalid(
            "time",
            f"{day.isoformat()} {at:%H:%M} is already past",
            "Cette heure est déjà passée.",
        )
    return start


@dataclass(frozen=True, slots=True)
class OrientationRequest:
    """What a regulator asks (the API body, or the page's form), not yet checked."""

    recipient_type: Any
    effector: str | None = None
    structure: str | None = None
    place: str | None = None
    date: Any = None
    time: Any = None
    orientation_type: Any = None
    slot: Any = None
    idempotency_key: str | None = None


def derived_key(regulator_id: str, recipient: Recipient, start: datetime) -> str:
    """The key of a request sent without one: the same regulator orienting to the same recipient
    at the same date-time again is taken as a repeated submission while it stands."""
    target = recipient.target()
    text = "|".join(
        [regulator_id, *(f"{k}={target[k]}" for k in sorted(target)), start.isoformat()]
    )
    return "auto:" + hashlib.sha256(text.encode()).hexdigest()[:32]
