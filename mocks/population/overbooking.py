"""Surnuméraire settings of the mock population (spec §6.1-6.3): who takes part how, who opts in.

Drawn from their own random stream (``stable_rng(seed, "overbooking")``), after CPTS membership is
known, so the rest of the population is the same as before these settings existed:

* how a participating practitioner takes part (``participation_sas_via``): through the MSP where
  they practise (≈ 40 % of those practising in one), else through their CPTS (≈ 50 % of members),
  else through their own office;
* the opt-in "accepte des patients en sus des disponibilités": ≈ 45 % of participants;
* MSP and centres de santé take part as structures (and so accept extra patients) ≈ 50 % of the
  time; SOS associations take part (they are listed because they do), so accept.

Whether a place's card is then listed by the surnuméraire search follows the platform's rules
(:func:`sasref.directory.overbooking.place_accepts`: not through an MSP or SOS, never in a centre
de santé).
"""

from __future__ import annotations

from collections.abc import Sequence

from mocks.population.common import stable_rng
from mocks.population.people import Draft, SharedStructure
from sasref.directory import Directory, DirectorySearch, SearchRequest
from sasref.directory.geo import COMMUNES
from sasref.directory.model import AgendaKind, HealthStructure, ParticipationVia, StructureKind

__all__ = ["OPT_IN_SHARE", "STRUCTURE_SHARE", "draw_overbooking", "quiet_communes"]

OPT_IN_SHARE = 0.45
STRUCTURE_SHARE = 0.5
VIA_MSP_SHARE = 0.4
VIA_CPTS_SHARE = 0.5


def draw_overbooking(
    seed: int, drafts: Sequence[Draft], shared: Sequence[SharedStructure]
) -> tuple[HealthStructure, ...]:
    """Fill each draft's ``participation_via`` / ``overbooking``; the structures' settings."""
    rng = stable_rng(seed, "overbooking")
    kinds = {s.finess: s.kind for s in shared}
    for draft in drafts:
        if not draft.sas_participant:
            continue
        in_msp = any(kinds.get(p.structure_id) is StructureKind.MSP for p in draft.places)
        if in_msp and rng.random() < VIA_MSP_SHARE:
            draft.participation_via = ParticipationVia.MSP
        elif draft.cpts and rng.random() < VIA_CPTS_SHARE:
            draft.participation_via = ParticipationVia.CPTS
        draft.overbooking = rng.random() < OPT_IN_SHARE
    return tuple(
        HealthStructure(
            id=s.finess,
            kind=s.kind,
            name=s.name,
            address=s.address,
            phone=s.phone,
            overbooking=rng.random() < STRUCTURE_SHARE,
        )
        for s in shared
    )


def quiet_communes(directory: Directory, *, limit: int = 3) -> list[str]:
    """INSEE codes (largest communes first) where a with-slots search can show no slot — no
    offer in its perimeter has an agenda the SAS sees — while some offer accepts patients en sus
    des disponibilités: the "empty search, then switch" scenario of notebooks and tests."""
    search = DirectorySearch(directory)
    found: list[str] = []
    for commune in sorted(COMMUNES.values(), key=lambda c: (-c.population, c.insee)):
        listed = search.search(SearchRequest(commune=commune.insee))
        if any(card.agenda is not AgendaKind.NONE for card in listed.ordered):
            continue
        if search.search(SearchRequest(commune=commune.insee, overbooking=True)).total:
            found.append(commune.insee)
            if len(found) >= limit:
                break
    return found
