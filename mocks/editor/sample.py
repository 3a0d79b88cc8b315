"""A small hand-built editor shard: three practitioners (one with two places, two in CPTS, one in
two CPTS), two CPTS, one SOS Médecins association with two fixed points, and free slots over
the next three days from the clock. Deterministic; for tests, docs and the notebook when the
full population is not needed.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from mocks.editor.store import EditorShard
from sasref.clock import PARIS, Clock
from sasref.directory.model import (
    Address,
    AgendaKind,
    Cpts,
    EditorInfo,
    FixedPoint,
    OpeningHours,
    Place,
    Practitioner,
    SosAssociation,
)
from sasref.fhir.identifiers import make_finess, make_rpps, make_siret
from sasref.search import SlotView

_BORDEAUX = Address(
    "12 cours de l'Intendance", "33000", "Bordeaux", "33063", "33", 44.8418, -0.5765
)
_PESSAC = Address("3 avenue Jean Jaurès", "33600", "Pessac", "33318", "33", 44.8067, -0.6311)
_RENNES = Address(
    "320 avenue Général Georges Patton", "35700", "Rennes", "35238", "35", 48.1355, -1.6619
)
_CESSON = Address(
    "1 rue de la Rigourdière", "35510", "Cesson-Sévigné", "35051", "35", 48.1210, -1.6030
)

RPPS_A = "8" + make_rpps("1000260105")
RPPS_B = "8" + make_rpps("1000391877")
RPPS_C = "8" + make_rpps("1000555123")
FINESS_CPTS_1 = "1" + make_finess("33004712")
FINESS_CPTS_2 = "1" + make_finess("33004745")
SIRET_SOS = "3" + make_siret("334173748", "0002")


def sample_shard(
    clock: Clock, name: str = "editeur-01", base_url: str | None = None
) -> EditorShard:
    """The sample shard, slots from the clock's next full hour over 72 hours."""
    base = base_url or f"https://{name}.test/fhir"
    info = EditorInfo(name, "Agenda Exemple", base, frozenset({"ps", "cpts", "sos"}))
    p_a = Practitioner(
        RPPS_A,
        "MARTIN",
        "Claire",
        "female",
        "SM54",
        "Médecine générale (SM)",
        "10",
        (
            Place(
                "pl-a1",
                "Cabinet Intendance",
                _BORDEAUX,
                "1" + make_finess("33000123"),
                "Cabinet Intendance",
                "+33556000001",
            ),
            Place(
                "pl-a2",
                "Maison de santé Pessac",
                _PESSAC,
                "3" + make_siret("123456782", "0001"),
                "MSP Pessac",
                "+33556000002",
            ),
        ),
        "+33600000001",
        AgendaKind.EDITOR,
        name,
        True,
        (FINESS_CPTS_1, FINESS_CPTS_2),
    )
    p_b = Practitioner(
        RPPS_B,
        "DUBOIS",
        "Marc",
        "male",
        "SM41",
        "Pneumologie (SM)",
        "10",
        (
            Place(
                "pl-b1",
                "Cabinet Dubois",
                _BORDEAUX,
                "4" + RPPS_B[1:] + "001",
                "Cabinet Dubois",
                "+33556000003",
            ),
        ),
        "+33600000002",
        AgendaKind.EDITOR,
        name,
        True,
        (FINESS_CPTS_1,),
    )
    p_c = Practitioner(
        RPPS_C,
        "PETIT",
        "Léa",
        "female",
        "SM54",
        "Médecine générale (SM)",
        "10",
        (
            Place(
                "pl-c1",
                "Cabinet Petit",
                _PESSAC,
                "1" + make_finess("33000456"),
                "Cabinet Petit",
                "+33556000004",
            ),
        ),
        "+33600000003",
        AgendaKind.EDITOR,
        name,
    )
    cpts = (
        Cpts(
            FINESS_CPTS_1,
            "CPTS Bordeaux Centre",
            "+33557000001",
            "33",
            ("33063",),
            (RPPS_A, RPPS_B),
            name,
        ),
        Cpts(
            FINESS_CPTS_2, "CPTS Pessac Graves", "+33557000002", "33", ("33318",), (RPPS_A,), name
        ),
    )
    hours = (OpeningHours(("mon", "tue", "wed", "thu", "fri", "sat", "sun"), time(8), time(20)),)
    sos = SosAssociation(
        SIRET_SOS,
        "SOS Médecins Rennes",
        "+33299000000",
        "35",
        (
            FixedPoint(
                "pfg-1", "Centre de consultation Rennes Nord", _RENNES, "+33299000001", hours
            ),
            FixedPoint("pfg-2", "Centre de consultation Cesson", _CESSON, "+33299000002", hours),
        ),
        name,
    )
    start = clock.now().astimezone(PARIS).replace(minute=0, second=0, microsecond=0)
    start += timedelta(hours=1)
    slots = _slots(start, base, (p_a, p_b, p_c), sos)
    return EditorShard(info, (p_a, p_b, p_c), cpts, (sos,), tuple(slots))


_TYPES = (("PUBLIC",), ("PUBLIC", "PRO"), ("SNP",), ("PUBLIC", "CPTS"), ("CPTS",), ("PRO",))
_CONSULT = (("AMB",), ("AMB", "VR"), ("HH",), ("VR",))
_MOTIFS = ((), ("Visite de contrôle",), ("Consultation de suivi",))


def _slots(
    start: datetime, base: str, practitioners: tuple[Practitioner, ...], sos: SosAssociation
) -> list[SlotView]:
    out: list[SlotView] = []
    n = 0
    for day in range(3):
        for hour in (9, 10, 11, 14, 15, 16, 17):
            for p in practitioners:
                for place in p.places:
                    at = (start + timedelta(days=day)).replace(hour=hour, minute=0)
                    if (n + hour) % 3 == 0 or at < start:
                        n += 1
                        continue
                    types = _TYPES[n % len(_TYPES)]
                    out.append(
                        SlotView(
                            id=f"slot-{place.id}-{at:%Y%m%d%H%M}",
                            start=at,
                            end=at + timedelta(minutes=(15, 20, 30)[n % 3]),
                            types=types
                            if p.cpts
                            else tuple(t for t in types if t != "CPTS") or ("PUBLIC",),
                            consultation_types=_CONSULT[n % len(_CONSULT)],
                            motifs=_MOTIFS[n % len(_MOTIFS)],
                            reason="WALKIN" if n % 7 == 0 else "ROUTINE",
                            booking_url=f"{base.rsplit('/fhir', 1)[0]}/agenda/{p.id}?slot={n}",
                            practitioner_id=p.id,
                            place_id=place.id,
                            cpts=p.cpts if "CPTS" in types else (),
                        )
                    )
                    n += 1
            for fp in sos.fixed_points:
                at = (start + timedelta(days=day)).replace(hour=hour, minute=30)
                if at < start:
                    continue
                out.append(
                    SlotView(
                        id=f"slot-{fp.id}-{at:%Y%m%d%H%M}",
                        start=at,
                        end=at + timedelta(minutes=30),
                        types=("PUBLIC", "SNP") if hour % 2 else ("PUBLIC",),
                        consultation_types=("AMB",),
                        reason="ROUTINE" if hour < 16 else "WALKIN",
                        booking_url=f"{base.rsplit('/fhir', 1)[0]}/pfg/{fp.id}?at={at:%Y%m%d%H%M}",
                        sos_siret=sos.siret,
                        fixed_point_id=fp.id,
                    )
                )
    return out
