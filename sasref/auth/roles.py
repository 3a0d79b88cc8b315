"""Regulators and their roles, from ProSanté Connect claims plus a SAS-side role table.

PSC says who someone is (``SubjectNameID`` = ``8`` + RPPS, or an EDIT id for people without RPPS;
``SubjectRefPro.exercices[].codeProfession``; ``Acces_Regulation_Medicale`` = ``"VRAI"``/``"FAUX"``,
psc-hub-libraries §1.4); the SAS decides what they may do. The mapping (docs/sso.md):

* ``Acces_Regulation_Medicale == "VRAI"`` **and** an exercice with ``codeProfession == "10"``
  (médecin) → :attr:`Role.MEDECIN_REGULATEUR`;
* the SAS role table, keyed by ``SubjectNameID`` (or lower-cased e-mail), adds roles — this is how
  ARMs (assistants de régulation médicale) and OSNPs (opérateurs de soins non programmés), who have
  no RPPS, get theirs; it also carries the SAS technical id (UUID) of the account (INT_R02, §3.3);
* nothing else grants a role: a practitioner without regulation rights is logged in but is not a
  regulator (``require_regulator`` answers 403);
* :attr:`Role.ADMIN` (the platform's administration: editor monitoring, forcing an editor's
  flux, indicators) comes **only** from the SAS role table, never from PSC claims.

Regulators without a national id are keyed by their SAS technical UUID (IG digest §3.3): from the
table when present, else derived deterministically (UUID5) from the PSC ``sub``.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

__all__ = ["Regulator", "Role", "RoleEntry", "regulator_from_claims", "roles_from_claims"]

_IDNPS_RPPS = re.compile(r"^8\d{11}$")
#: Namespace of the technical ids derived from PSC subjects (fixed so ids are stable).
_TECHNICAL_NS = uuid.UUID("6f1d7c2e-2b8a-4c3e-9a51-5a5e0c0d1a7b")


class Role(StrEnum):
    MEDECIN_REGULATEUR = "medecin_regulateur"
    ARM = "arm"
    OSNP = "osnp"
    ADMIN = "admin"


@dataclass(frozen=True)
class RoleEntry:
    """One row of the SAS role table."""

    roles: frozenset[Role]
    technical_id: str | None = None


@dataclass(frozen=True)
class Regulator:
    """A logged-in user of the SAS platform, as the session stores it."""

    technical_id: str
    national_id: str | None
    psc_sub: str
    given_name: str
    family_name: str
    email: str
    roles: tuple[Role, ...] = field(default_factory=tuple)
    organization: str = ""

    @property
    def is_regulator(self) -> bool:
        return bool(self.roles)

    @property
    def is_admin(self) -> bool:
        """May administer the platform (editor monitoring, flux switches, indicators)."""
        return Role.ADMIN in self.roles

    @property
    def display_name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()

    def as_dict(self) -> dict[str, Any]:
        return {
            "technical_id": self.technical_id,
            "national_id": self.national_id,
            "psc_sub": self.psc_sub,
            "given_name": self.given_name,
            "family_name": self.family_name,
            "email": self.email,
            "roles": [r.value for r in self.roles],
            "organization": self.organization,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Regulator:
        return cls(
            technical_id=str(data["technical_id"]),
            national_id=data.get("national_id"),
            psc_sub=str(data.get("psc_sub", "")),
            given_name=str(data.get("given_name", "")),
            family_name=str(data.get("family_name", "")),
            email=str(data.get("email", "")),
            roles=tuple(Role(r) for r in data.get("roles", ())),
            organization=str(data.get("organization", "")),
        )


def _table_entry(claims: Mapping[str, Any], table: Mapping[str, RoleEntry]) -> RoleEntry | None:
    for key in (claims.get("SubjectNameID"), claims.get("preferred_username")):
        if isinstance(key, str) and key in table:
            return table[key]
    email = claims.get("Email") or claims.get("email")
    if isinstance(email, str):
        return table.get(email.lower())
    return None


def _is_medecin(claims: Mapping[str, Any]) -> bool:
    ref = claims.get("SubjectRefPro")
    exercices = ref.get("exercices", []) if isinstance(ref, Mapping) else []
    return any(isinstance(e, Mapping) and e.get("codeProfession") == "10" for e in exercices)


def roles_from_claims(
    claims: Mapping[str, Any], table: Mapping[str, RoleEntry] | None = None
) -> tuple[Role, ...]:
    """The SAS roles of a PSC user (sorted, no duplicates)."""
    roles: set[Role] = set()
    if claims.get("Acces_Regulation_Medicale") == "VRAI" and _is_medecin(claims):
        roles.add(Role.MEDECIN_REGULATEUR)
    entry = _table_entry(claims, table or {})
    if entry is not None:
        roles |= entry.roles
    return tuple(sorted(roles))


def regulator_from_claims(
    claims: Mapping[str, Any], table: Mapping[str, RoleEntry] | None = None
) -> Regulator:
    """A :class:`Regulator` from userinfo (or merged ID-token + userinfo) claims."""
    table = table or {}
    sub = str(claims.get("sub", ""))
    name_id = str(claims.get("SubjectNameID") or claims.get("preferred_username") or "")
    entry = _table_entry(claims, table)
    technical = (entry.technical_id if entry else None) or str(
        uuid.uuid5(_TECHNICAL_NS, sub or name_id)
    )
    email = claims.get("Email") or claims.get("email") or ""
    return Regulator(
        technical_id=technical,
        national_id=name_id if _IDNPS_RPPS.match(name_id) else None,
        psc_sub=sub,
        given_name=str(claims.get("given_name", "")),
        family_name=str(claims.get("family_name", "")),
        email=str(email),
        roles=roles_from_claims(claims, table),
        organization=str(claims.get("SubjectOrganization", "")),
    )
