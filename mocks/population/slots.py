"""Free slots of the mock population, generated lazily (issue 3 §2; digest §2.1–2.4, §10).

A practitioner's week is fixed by a stable random stream of ``(seed, practitioner id)``: opening
hours per place (the working days are split between places, so a practitioner is never in two
places at once), slot length (10–30 min), share of free slots, teleconsultation / home-visit
habits, walk-in mornings. Each day's slots come from a stream of ``(seed, id, date)``: the same
day always yields the same slots whatever the clock, so a rolling window only filters.

Slot types (TRE_R314, ``meta.security``): PUBLIC/PRO for everyone, SNP only for SAS
participants, CPTS only for CPTS members whose editor serves CPTS (with the FINESS of their
CPTS). SOS fixed points offer PUBLIC/SNP slots only (digest §2.4), within their hours.
"""

from __future__ import annotations

import bisect
import itertools
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from mocks.population.common import stable_rng
from sasref.clock import PARIS
from sasref.directory.model import FixedPoint, OpeningHours, Practitioner

__all__ = [
    "DAY_NAMES",
    "SAS_AGENDA_URL",
    "PractitionerWeek",
    "SlotRecord",
    "practitioner_day_slots",
    "practitioner_week",
    "sos_day_slots",
]

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: Where the slots of practitioners using the SAS's own agenda are booked.
SAS_AGENDA_URL = "https://agenda.sas.test"
TYPE_ORDER = ("PUBLIC", "PRO", "SNP", "CPTS")


@dataclass(frozen=True, slots=True)
class SlotRecord:
    """One free slot, ready to be served as a FHIR ``Slot``.

    ``owner`` is ``"ps"`` (a practitioner's place: ``practitioner`` + ``place`` = place id) or
    ``"sos"`` (an SOS fixed point: ``place`` = fixed point id, ``organization`` = SIRET).
    ``booking_url`` goes to ``Slot.comment``; ``cpts`` lists the (prefixed) FINESS of the CPTS a
    CPTS-type slot is offered to.
    """

    id: str
    owner: str
    practitioner: str | None
    place: str
    start: datetime
    end: datetime
    slot_types: tuple[str, ...]
    consultation_types: tuple[str, ...]
    motif: str
    appointment_type: str  # "ROUTINE" | "WALKIN"
    booking_url: str
    cpts: tuple[str, ...] = ()
    organization: str | None = None  # SOS association SIRET (prefixed)
    editor: str | None = None


Session = tuple[time, time]
_TEMPLATES: tuple[dict[str, tuple[Session, ...]], ...] = (
    dict.fromkeys(DAY_NAMES[:5], ((time(8, 30), time(12, 30)), (time(14), time(19)))),
    {
        **dict.fromkeys(DAY_NAMES[:5], ((time(9), time(12)), (time(14), time(18, 30)))),
        "sat": ((time(9), time(12)),),
    },
    {
        **dict.fromkeys(
            ("mon", "tue", "thu", "fri"), ((time(8), time(12)), (time(13, 30), time(19, 30)))
        ),
        "sat": ((time(8, 30), time(12, 30)),),
    },
    dict.fromkeys(DAY_NAMES[:5], ((time(10), time(13)), (time(15), time(20)))),
    dict.fromkeys(DAY_NAMES[:4], ((time(9), time(12, 30)), (time(14), time(17, 30)))),
    {
        **dict.fromkeys(DAY_NAMES[:5], ((time(8), time(12)), (time(14), time(18)))),
        "sat": ((time(8), time(12)),),
    },
)
_GP_TEMPLATE_CUM = (0.35, 0.55, 0.75, 0.85, 0.88, 1.0)
_SPECIALIST_TEMPLATE_CUM = (0.15, 0.30, 0.40, 0.50, 0.95, 1.0)
_TYPES_SAS = (
    (("PUBLIC",), 35),
    (("PUBLIC", "PRO"), 12),
    (("PRO",), 6),
    (("SNP",), 20),
    (("PUBLIC", "SNP"), 17),
    (("PRO", "SNP"), 5),
)
_TYPES_OTHER = ((("PUBLIC",), 60), (("PUBLIC", "PRO"), 25), (("PRO",), 15))
_GP_MOTIFS = (
    "Consultation non programmée",
    "Consultation non programmée",
    "Consultation",
    "Renouvellement d'ordonnance",
    "Consultation de suivi",
    "Certificat médical",
    "Urgence du jour",
)
_SPECIALIST_MOTIFS = (
    "Consultation non programmée",
    "Première consultation",
    "Consultation de suivi",
    "Avis spécialisé",
)


def _cum(
    table: tuple[tuple[tuple[str, ...], int], ...],
) -> tuple[tuple[tuple[str, ...], ...], tuple[int, ...]]:
    return tuple(t for t, _ in table), tuple(itertools.accumulate(w for _, w in table))


_SAS_CHOICES, _SAS_CUM = _cum(_TYPES_SAS)
_OTHER_CHOICES, _OTHER_CUM = _cum(_TYPES_OTHER)


def _pick(rng: random.Random, cum: tuple[float, ...]) -> int:
    return bisect.bisect_right(cum, rng.random() * cum[-1])


@dataclass(frozen=True, slots=True)
class PractitionerWeek:
    """The stable weekly habits of a practitioner."""

    hours: dict[str, tuple[OpeningHours, ...]]  # place id -> opening hours
    duration: int  # minutes
    free_ratio: float
    vr_share: float
    hh_share: float
    walkin_mornings: bool


def _group(sessions: dict[str, tuple[Session, ...]]) -> tuple[OpeningHours, ...]:
    by_session: dict[Session, list[str]] = {}
    for day in DAY_NAMES:
        for session in sessions.get(day, ()):
            by_session.setdefault(session, []).append(day)
    return tuple(OpeningHours(tuple(days), s[0], s[1]) for s, days in sorted(by_session.items()))


def practitioner_week(seed: int, practitioner: Practitioner) -> PractitionerWeek:
    """Opening hours per place and slot habits, stable for ``(seed, practitioner)``."""
    rng = stable_rng(seed, "week", practitioner.id)
    gp = practitioner.speciality == "SM54"
    template = _TEMPLATES[_pick(rng, _GP_TEMPLATE_CUM if gp else _SPECIALIST_TEMPLATE_CUM)]
    days = [d for d in DAY_NAMES if d in template]
    n = len(practitioner.places)
    offset = rng.randrange(n)
    per_place: list[dict[str, tuple[Session, ...]]] = [{} for _ in range(n)]
    for i, day in enumerate(days):
        per_place[(i + offset) % n][day] = template[day]
    durations = (10, 15, 15, 15, 20, 20, 30) if gp else (15, 20, 20, 30, 30)
    return PractitionerWeek(
        hours={p.id: _group(per_place[k]) for k, p in enumerate(practitioner.places)},
        duration=rng.choice(durations),
        free_ratio=rng.uniform(0.10, 0.40),
        vr_share=rng.choice((0.0, 0.0, 0.05, 0.15, 0.3)),
        hh_share=rng.choice((0.0, 0.0, 0.05, 0.1)) if gp else 0.0,
        walkin_mornings=gp and rng.random() < 0.1,
    )


def _at(day: date, t: time) -> datetime:
    return datetime.combine(day, t, tzinfo=PARIS)


#: ``timedelta(minutes=m)`` for every minute of a day (building one per slot is costly).
_OFFSETS = tuple(timedelta(minutes=m) for m in range(24 * 60 + 1))


def _minutes(t: time) -> int:
    return t.hour * 60 + t.minute


def practitioner_day_slots(
    seed: int,
    practitioner: Practitioner,
    week: PractitionerWeek,
    day: date,
    *,
    site: str | None,
    cpts_ok: bool,
) -> tuple[SlotRecord, ...]:
    """The free slots of a practitioner on a local date (``site``: editor web root or None)."""
    rng = stable_rng(seed, "day", practitioner.id, day.isoformat())
    rand = rng.random
    day_name = DAY_NAMES[day.weekday()]
    midnight = _at(day, time(0))
    stamp = f"{day:%Y%m%d}"
    minutes = week.duration
    step = _OFFSETS[minutes]
    motifs = _GP_MOTIFS if practitioner.speciality == "SM54" else _SPECIALIST_MOTIFS
    choices, cum = (
        (_SAS_CHOICES, _SAS_CUM) if practitioner.sas_participant else (_OTHER_CHOICES, _OTHER_CUM)
    )
    with_cpts = cpts_ok and bool(practitioner.cpts)
    raw = practitioner.raw_id
    out: list[SlotRecord] = []
    for place in practitioner.places:
        for hours in week.hours.get(place.id, ()):
            if day_name not in hours.days:
                continue
            first, close = _minutes(hours.opening), _minutes(hours.closing)
            count = (close - first) // minutes
            pause = rng.randrange(max(1, count)) if rand() < 0.4 else -9
            walkin = week.walkin_mornings and hours.closing <= time(13)
            for k in range(count):
                if k in (pause, pause + 1) or rand() >= week.free_ratio:
                    continue  # a break, or an already booked slot
                at = first + k * minutes
                types = choices[_pick(rng, cum)]
                cpts: tuple[str, ...] = ()
                if with_cpts and rand() < 0.25:
                    types = ("CPTS",) if rand() < 0.4 else (*types, "CPTS")
                    cpts = practitioner.cpts
                draw = rand()
                if walkin:
                    consult: tuple[str, ...] = ("AMB",)
                    motif = "Consultation sans rendez-vous"
                elif draw < week.vr_share:
                    consult, motif = ("VR",), "Téléconsultation"
                elif draw < week.vr_share + week.hh_share:
                    consult, motif = ("HH",), "Visite à domicile"
                else:
                    consult = ("AMB", "VR") if rand() < 0.05 else ("AMB",)
                    motif = motifs[int(rand() * len(motifs))]
                slot_id = f"{practitioner.id}-{stamp}{at // 60:02d}{at % 60:02d}"
                if site is None:
                    url = f"{SAS_AGENDA_URL}/agenda/{raw}?slot={slot_id}"
                else:
                    url = f"{site}/booking/{raw}?place={place.id}&slot={slot_id}"
                slot_start = midnight + _OFFSETS[at]
                out.append(
                    SlotRecord(
                        id=slot_id,
                        owner="ps",
                        practitioner=practitioner.id,
                        place=place.id,
                        start=slot_start,
                        end=slot_start + step,
                        slot_types=types,  # choices are in TYPE_ORDER, CPTS comes last
                        consultation_types=consult,
                        motif=motif,
                        appointment_type="WALKIN" if walkin else "ROUTINE",
                        booking_url=url,
                        cpts=cpts,
                        editor=practitioner.editor,
                    )
                )
    out.sort(key=lambda s: s.start)
    return tuple(out)


_SOS_TYPES = ((("PUBLIC", "SNP"), 40), (("PUBLIC",), 30), (("SNP",), 30))
_SOS_CHOICES, _SOS_CUM = _cum(_SOS_TYPES)


def sos_day_slots(
    seed: int, siret: str, point: FixedPoint, day: date, *, site: str, editor: str | None
) -> tuple[SlotRecord, ...]:
    """The free slots of an SOS fixed point on a local date, within its hours."""
    habits = stable_rng(seed, "sos-week", point.id)
    doctors = habits.choice((1, 1, 2, 2, 3))
    step = timedelta(minutes=habits.choice((15, 20, 20, 30)))
    free_ratio = habits.uniform(0.2, 0.5)
    rng = stable_rng(seed, "sos-day", point.id, day.isoformat())
    day_name = DAY_NAMES[day.weekday()]
    out: list[SlotRecord] = []
    for hours in point.hours:
        if day_name not in hours.days:
            continue
        start, close = _at(day, hours.opening), _at(day, hours.closing)
        while start + step <= close:
            slot_start, start = start, start + step
            for doctor in range(doctors):
                if rng.random() >= free_ratio:
                    continue
                slot_id = f"{point.id}-{slot_start:%Y%m%d%H%M}-{doctor + 1}"
                walkin = rng.random() < 0.2
                out.append(
                    SlotRecord(
                        id=slot_id,
                        owner="sos",
                        practitioner=None,
                        place=point.id,
                        start=slot_start,
                        end=slot_start + step,
                        slot_types=_SOS_CHOICES[_pick(rng, _SOS_CUM)],
                        consultation_types=("AMB",),
                        motif="Consultation sans rendez-vous"
                        if walkin
                        else rng.choice(
                            ("Consultation SOS Médecins", "Consultation non programmée")
                        ),
                        appointment_type="WALKIN" if walkin else "ROUTINE",
                        booking_url=f"{site}/booking/sos/{point.id}?slot={slot_id}",
                        organization=siret,
                        editor=editor,
                    )
                )
    out.sort(key=lambda s: (s.start, s.id))
    return tuple(out)
