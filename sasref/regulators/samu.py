"""Which SAMU each regulator works for: the SAS's own territory settings (INT_L02 routing).

The SAS publishes every appointment a regulator took to **that regulator's SAMU**
(``fr.health.samu<département>``, IG digest §5; the choice is argued in ``docs/ig-decisions.md``).
That fact belongs to the SAS: like the real platform's user accounts, which carry their SAS
territory (platform spec §4.7, §2.8), it is set by the SAS's administrators, never read from
the request, the editor's INT_R03 report or a claim of the identity provider.

:class:`SamuDirectory` holds it, keyed by what identifies a regulator at login: the national id
(IDNPS), the SAS technical id, or the login e-mail (regulators without a CPx card). The login
copies the answer into :attr:`RegulatorAccount.samu_department
<sasref.regulators.model.RegulatorAccount.samu_department>`
(:meth:`RegulatorRegistry.login <sasref.regulators.registry.RegulatorRegistry.login>`), which is
what :class:`~sasref.appointments.forward.LrmForwarder` routes on and what indicators count by.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Protocol

from sasref.directory.geo import DEPARTMENTS
from sasref.errors import InvalidInput

__all__ = ["Identified", "SamuDirectory", "normalize_department"]


class Identified(Protocol):
    """What a :class:`~sasref.auth.Regulator` (a login) and a
    :class:`~sasref.regulators.model.RegulatorAccount` have in common."""

    @property
    def technical_id(self) -> str: ...

    @property
    def national_id(self) -> str | None: ...

    @property
    def email(self) -> str: ...


def normalize_department(department: str) -> str:
    """``"2a"`` → ``"2A"``, ``" 69 "`` → ``"69"``; :class:`~sasref.errors.InvalidInput` when it
    is not one of the 101 départements (each has one SAMU)."""
    code = department.strip().upper()
    if code not in DEPARTMENTS:
        raise InvalidInput(f"not a département with a SAMU: {department!r}")
    return code


def _key(text: str) -> str:
    return text.strip().lower()


class SamuDirectory:
    """Regulator → département of their SAMU. Keys: IDNPS, SAS technical id or login e-mail
    (compared case-insensitively)."""

    def __init__(self, assignments: Mapping[str, str] | Iterable[tuple[str, str]] = ()) -> None:
        self._departments: dict[str, str] = {}
        items = assignments.items() if isinstance(assignments, Mapping) else assignments
        for key, department in items:
            self.assign(key, department)

    def assign(self, key: str, department: str) -> None:
        """Record that the regulator known by ``key`` works for the SAMU of ``department``."""
        if not key.strip():
            raise ValueError("a regulator key cannot be empty")
        self._departments[_key(key)] = normalize_department(department)

    def department_of(self, regulator: Identified) -> str | None:
        """The département of ``regulator``'s SAMU: by national id, then technical id, then
        e-mail; ``None`` when the SAS has no SAMU for them."""
        for key in (regulator.national_id, regulator.technical_id, regulator.email):
            found = self.lookup(key) if key else None
            if found is not None:
                return found
        return None

    def lookup(self, key: str) -> str | None:
        """The département recorded for one key (IDNPS, SAS technical id or e-mail)."""
        return self._departments.get(_key(key))

    def departments(self) -> set[str]:
        """Every département that has at least one regulator."""
        return set(self._departments.values())

    def __len__(self) -> int:
        return len(self._departments)
