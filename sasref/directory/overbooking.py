"""Who accepts patients "en sus des disponibilités", and who receives the orientation.

Spec ``sas-platform-search.md`` §6.3 (surnuméraire opt-in), §1.12 (how ``bs_sas_overbooking`` is
indexed), §4.6 (the orientation's ``recipient``), §6.1-6.2 (SOS, CPTS); IG digest §5.4 and §10
(the LRM's ``orientationCategory``). Pure: directory objects in, answers out.

**Accepts extra patients** (:func:`place_accepts`, :func:`accepts`):

* a practitioner at one place: takes part in the SAS, has opted in
  (:attr:`~sasref.directory.model.Practitioner.overbooking`), takes part through their own office
  or a CPTS — through an MSP or SOS Médecins the structure carries it — and the place's structure
  is not a centre de santé (forced off there: the centre itself takes part);
* an MSP or a centre de santé: its own settings
  (:attr:`~sasref.directory.model.HealthStructure.overbooking`);
* an SOS Médecins fixed point: its association's participation;
* a CPTS: when one of its members takes part through it and accepts.

**Recipient** (:class:`Recipient`): type 1 "effector" (RPPS/ADELI) for a practitioner through
their own office; type 2 "structure" otherwise — the CPTS's FINESS for a member through the CPTS
(as the platform does) or a CPTS card, the MSP/CDS FINESS, the SOS association's SIRET. The
category sent to the LRM follows: ``PS``, ``CPTS``, ``MSP``, ``CDS``, ``SOS``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum
from typing import TYPE_CHECKING, Any

from sasref.directory.cards import Card, CptsCard, PractitionerCard, SosCard, StructureCard
from sasref.directory.model import (
    Address,
    Cpts,
    HealthStructure,
    ParticipationVia,
    Place,
    Practitioner,
    SosAssociation,
    StructureKind,
)
from sasref.errors import InvalidInput

if TYPE_CHECKING:
    from sasref.directory.directory import Directory

#: The LRM category of each structure kind (digest §5.4; TRE_R66 603 / 124).
STRUCTURE_CATEGORY = {StructureKind.MSP: "MSP", StructureKind.CDS: "CDS"}


class RecipientType(IntEnum):
    """``recipient.type`` of the platform's orientation payload (spec §4.6)."""

    EFFECTOR = 1  # a practitioner, by RPPS/ADELI
    STRUCTURE = 2  # a CPTS, MSP, centre de santé (FINESS) or SOS association (SIRET)


class RecipientError(InvalidInput):
    """A recipient that cannot be oriented to; ``field`` names the offending request field."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


class UnknownRecipient(RecipientError):
    """No practitioner, place or structure with that identifier in the directory."""


class NotAcceptingExtraPatients(RecipientError):
    """The recipient exists but does not accept patients en sus des disponibilités."""


@dataclass(frozen=True, slots=True)
class Recipient:
    """Who an orientation en surnuméraire goes to, with what the SAS shows and sends about it."""

    type: RecipientType
    category: str  # PS | CPTS | MSP | CDS | SOS (the LRM's orientationCategory)
    name: str
    address: str
    effector: str | None = None  # prefixed IDNPS (type 1, or the member a CPTS is oriented for)
    structure: str | None = None  # prefixed FINESS or SIRET (type 2)
    place: str | None = None  # the practitioner's place, or the SOS fixed point
    speciality: str | None = None  # TRE_R38 of the effector
    phone: str = ""

    def target(self) -> dict[str, Any]:
        """The ``recipient`` of an orientation request naming this recipient (the API body)."""
        out: dict[str, Any] = {"type": int(self.type)}
        for key in ("effector", "structure", "place"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.target(),
            "category": self.category,
            "name": self.name,
            "address": self.address,
            "speciality": self.speciality,
            "phone": self.phone,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Recipient:
        """Back from :meth:`as_dict` (what storage keeps)."""
        return cls(
            type=RecipientType(int(data["type"])),
            category=str(data["category"]),
            name=str(data["name"]),
            address=str(data["address"]),
            effector=data.get("effector"),
            structure=data.get("structure"),
            place=data.get("place"),
            speciality=data.get("speciality"),
            phone=str(data.get("phone") or ""),
        )


def _text(address: Address) -> str:
    line = f"{address.line}, " if address.line else ""
    return f"{line}{address.postal_code} {address.city}"


def place_accepts(
    practitioner: Practitioner, place: Place, structures: Mapping[str, HealthStructure]
) -> bool:
    """Whether this practitioner accepts extra patients at this place (``bs_sas_overbooking``)."""
    if not (practitioner.sas_participant and practitioner.overbooking):
        return False
    if practitioner.participation_via not in (ParticipationVia.OWN_OFFICE, ParticipationVia.CPTS):
        return False
    structure = structures.get(place.structure_id)
    return structure is None or structure.kind is not StructureKind.CDS


def via_cpts(practitioner: Practitioner) -> str | None:
    """The CPTS (FINESS) a practitioner takes part through, if any."""
    if practitioner.participation_via is ParticipationVia.CPTS and practitioner.cpts:
        return practitioner.cpts[0]
    return None


def _practitioner_recipient(directory: Directory, p: Practitioner, place: Place) -> Recipient:
    finess = via_cpts(p)
    cpts = directory.cpts.get(finess) if finess else None
    if cpts is not None:
        return _cpts_recipient(cpts, effector=p, place=place)
    title = f"Dr {p.given} {p.family}" if p.profession == "10" else f"{p.given} {p.family}"
    return Recipient(
        type=RecipientType.EFFECTOR,
        category="PS",
        name=title.strip(),
        address=f"{place.name}, {_text(place.address)}" if place.name else _text(place.address),
        effector=p.id,
        place=place.id,
        speciality=p.speciality,
        phone=place.phone or p.phone,
    )


def _cpts_recipient(
    cpts: Cpts, *, effector: Practitioner | None = None, place: Place | None = None
) -> Recipient:
    return Recipient(
        type=RecipientType.STRUCTURE,
        category="CPTS",
        name=cpts.name,
        address=_text(place.address)
        if place is not None
        else f"CPTS, département {cpts.department}",
        effector=effector.id if effector is not None else None,
        structure=cpts.finess,
        place=place.id if place is not None else None,
        speciality=effector.speciality if effector is not None else None,
        phone=cpts.phone,
    )


def _structure_recipient(structure: HealthStructure) -> Recipient:
    return Recipient(
        type=RecipientType.STRUCTURE,
        category=STRUCTURE_CATEGORY[structure.kind],
        name=structure.name,
        address=_text(structure.address),
        structure=structure.id,
        phone=structure.phone,
    )


def _sos_recipient(sos: SosAssociation, fixed_point_id: str | None) -> Recipient:
    point = next((f for f in sos.fixed_points if f.id == fixed_point_id), None)
    return Recipient(
        type=RecipientType.STRUCTURE,
        category="SOS",
        name=sos.name if point is None else f"{sos.name} — {point.name}",
        address=point.address.city if point is not None else f"département {sos.department}",
        structure=sos.siret,
        place=point.id if point is not None else None,
        phone=(point.phone if point is not None else "") or sos.phone,
    )


def cpts_accepting_members(directory: Directory, finess: str) -> list[tuple[Practitioner, Place]]:
    """Members taking part through this CPTS who accept extra patients, with their places."""
    out = []
    for pid in directory.cpts_members(finess):
        p = directory.practitioners.get(pid)
        if p is None or via_cpts(p) != finess:
            continue
        out += [(p, pl) for pl in p.places if place_accepts(p, pl, directory.structures)]
    return out


def card_recipient(directory: Directory, card: Card) -> Recipient | None:
    """The recipient of a card's "Surnuméraire" action; ``None`` when it does not accept."""
    if isinstance(card, PractitionerCard):
        p, place = card.practitioner, card.place
        if not place_accepts(p, place, directory.structures):
            return None
        return _practitioner_recipient(directory, p, place)
    if isinstance(card, CptsCard):
        if not cpts_accepting_members(directory, card.finess):
            return None
        return _cpts_recipient(card.cpts)
    if isinstance(card, StructureCard):
        return _structure_recipient(card.structure) if card.structure.overbooking else None
    if isinstance(card, SosCard):
        if not card.association.overbooking:
            return None
        return _sos_recipient(card.association, card.fixed_point.id)
    return None  # pragma: no cover - every card kind is handled above


def resolve_recipient(
    directory: Directory,
    *,
    type: int,
    effector: str | None = None,
    structure: str | None = None,
    place: str | None = None,
) -> Recipient:
    """The recipient an orientation request names, checked against the directory.

    Raises :class:`UnknownRecipient`, :class:`NotAcceptingExtraPatients`, or their base
    :class:`RecipientError` for a malformed request; each carries the offending ``field``.
    """
    if type == RecipientType.EFFECTOR:
        return _resolve_effector(directory, effector, place)
    if type == RecipientType.STRUCTURE:
        return _resolve_structure(directory, structure, effector, place)
    raise RecipientError(
        f"recipient.type must be 1 (effector) or 2 (structure), not {type!r}", "recipient.type"
    )


def _resolve_effector(
    directory: Directory, effector: str | None, place_id: str | None
) -> Recipient:
    if not effector:
        raise RecipientError(
            "recipient.effector (RPPS or ADELI) is required for type 1", "recipient.effector"
        )
    p = directory.practitioner(effector)
    if p is None:
        raise UnknownRecipient(
            f"no practitioner {effector!r} in the directory", "recipient.effector"
        )
    places = p.places
    if place_id is not None:
        places = tuple(pl for pl in p.places if pl.id == place_id)
        if not places:
            raise UnknownRecipient(
                f"practitioner {p.id} has no place {place_id!r}", "recipient.place"
            )
    accepting = [pl for pl in places if place_accepts(p, pl, directory.structures)]
    if not accepting:
        raise NotAcceptingExtraPatients(
            f"practitioner {p.id} does not accept patients en sus des disponibilités"
            + (f" at place {place_id}" if place_id else ""),
            "recipient.effector",
        )
    finess = via_cpts(p)
    if finess is not None and finess in directory.cpts:
        raise NotAcceptingExtraPatients(
            f"practitioner {p.id} takes part in the SAS through the CPTS {finess}: orient to the "
            f"structure (type 2, structure {finess}, effector {p.id})",
            "recipient.type",
        )
    return _practitioner_recipient(directory, p, accepting[0])


def _resolve_structure(
    directory: Directory, structure: str | None, effector: str | None, place_id: str | None
) -> Recipient:
    if not structure:
        raise RecipientError(
            "recipient.structure (FINESS or SIRET) is required for type 2", "recipient.structure"
        )
    cpts = directory.cpts.get(structure)
    if cpts is not None:
        members = cpts_accepting_members(directory, structure)
        if effector is not None:
            wanted = directory.practitioner(effector)
            members = [(p, pl) for p, pl in members if wanted is not None and p.id == wanted.id]
            if place_id is not None:
                members = [(p, pl) for p, pl in members if pl.id == place_id]
            if not members:
                raise NotAcceptingExtraPatients(
                    f"{effector} does not accept patients en sus des disponibilités through the "
                    f"CPTS {structure}" + (f" at place {place_id}" if place_id else ""),
                    "recipient.effector",
                )
            return _cpts_recipient(cpts, effector=members[0][0], place=members[0][1])
        if not members:
            raise NotAcceptingExtraPatients(
                f"no member of the CPTS {structure} accepts patients en sus des disponibilités",
                "recipient.structure",
            )
        return _cpts_recipient(cpts)
    found = directory.structures.get(structure)
    if found is not None:
        if not found.overbooking:
            raise NotAcceptingExtraPatients(
                f"{found.name} ({structure}) does not accept patients en sus des disponibilités",
                "recipient.structure",
            )
        return _structure_recipient(found)
    sos = directory.sos.get(structure)
    if sos is not None:
        if place_id is not None and all(f.id != place_id for f in sos.fixed_points):
            raise UnknownRecipient(f"{sos.name} has no fixed point {place_id!r}", "recipient.place")
        if not sos.overbooking:
            raise NotAcceptingExtraPatients(
                f"{sos.name} does not accept patients en sus des disponibilités",
                "recipient.structure",
            )
        return _sos_recipient(sos, place_id)
    raise UnknownRecipient(
        f"no CPTS, MSP, centre de santé or SOS association {structure!r} in the directory",
        "recipient.structure",
    )


__all__ = [
    "STRUCTURE_CATEGORY",
    "NotAcceptingExtraPatients",
    "Recipient",
    "RecipientError",
    "RecipientType",
    "UnknownRecipient",
    "card_recipient",
    "cpts_accepting_members",
    "place_accepts",
    "resolve_recipient",
    "via_cpts",
]
