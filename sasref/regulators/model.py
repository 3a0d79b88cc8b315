"""A regulator's SAS account (IG digest §3.3-3.4).

Many regulators have no CPx card, hence no national id (IDNPS) at first: the SAS gives every
account a technical UUID (system ``urn:oid:1.2.250.1.213.3.6``) and links the national id later.
The account is known to editors by its *current* identifier: the national one when present,
else the technical one. ``version`` grows on every change so the sync knows what is pending.

``samu_department`` is the département of the regulator's SAMU, from the SAS's own directory
(:class:`~sasref.regulators.samu.SamuDirectory`, refreshed at each login): INT_L02 messages about
the appointments this regulator takes go to :attr:`RegulatorAccount.samu_client_id` (IG digest
§5). It is not sent to editors, so changing it does not bump ``version``.
"""

from __future__ import annotations

from dataclasses import dataclass

from sasref.fhir.systems import IDNPS_SYSTEM, SAS_SYSTEM
from sasref.lrm.messages import samu_client_id


@dataclass(slots=True)
class RegulatorAccount:
    technical_id: str  # UUID
    family: str
    given: str
    email: str  # the SAS login e-mail
    national_id: str | None = None  # IDNPS, prefixed (e.g. "810002673899" or "3620100057/70326SR")
    active: bool = True
    samu_department: str | None = None  # département of the regulator's SAMU (INT_L02 routing)
    version: int = 1

    @property
    def identifier(self) -> tuple[str, str]:
        """``(system, value)`` the editors should know the account by now."""
        if self.national_id:
            return IDNPS_SYSTEM, self.national_id
        return SAS_SYSTEM, self.technical_id

    @property
    def samu_client_id(self) -> str | None:
        """The Hub Santé client id of the regulator's SAMU (``fr.health.samu690``), if known."""
        return samu_client_id(self.samu_department) if self.samu_department else None

    def matches(self, system: str, value: str) -> bool:
        if system == IDNPS_SYSTEM:
            return self.national_id is not None and self.national_id == value
        if system == SAS_SYSTEM:
            return self.technical_id.lower() == value.lower()
        return False
