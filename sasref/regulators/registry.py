"""An in-memory registry of regulator accounts, looked up by national id or technical UUID.

The platform may back it by ``sasref.storage.RegulatorRepository``; appointments (INT_R03) use
:meth:`RegulatorRegistry.find` to check the ``FrAppointmentOperator`` identifier;
:meth:`RegulatorRegistry.login` keeps an account in step with each login (IG digest §3.4), its
SAMU included (:mod:`sasref.regulators.samu`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Protocol

from sasref.errors import InvalidInput
from sasref.regulators.model import RegulatorAccount

if TYPE_CHECKING:
    from sasref.auth.roles import Regulator
    from sasref.regulators.samu import SamuDirectory


class RegulatorLookup(Protocol):
    def find(self, system: str, value: str) -> RegulatorAccount | None: ...


class RegulatorRegistry:
    def __init__(self, accounts: Iterable[RegulatorAccount] = ()) -> None:
        self._accounts: dict[str, RegulatorAccount] = {}
        for account in accounts:
            self.add(account)

    def add(self, account: RegulatorAccount) -> RegulatorAccount:
        self._accounts[account.technical_id.lower()] = account
        return account

    def get(self, technical_id: str) -> RegulatorAccount | None:
        return self._accounts.get(technical_id.lower())

    def find(self, system: str, value: str) -> RegulatorAccount | None:
        for account in self._accounts.values():
            if account.matches(system, value):
                return account
        return None

    def by_national_id(self, national_id: str) -> RegulatorAccount | None:
        return next((a for a in self._accounts.values() if a.national_id == national_id), None)

    def all(self) -> list[RegulatorAccount]:
        return list(self._accounts.values())

    def login(self, regulator: Regulator, samus: SamuDirectory | None = None) -> RegulatorAccount:
        """The account of a regulator who just logged in: created the first time (SAS technical
        id, names, e-mail), its national id linked when the login brings one (a version bump: the
        editors must learn it), its SAMU refreshed from the SAS's directory ``samus`` — never
        from the request. A regulator the directory does not know keeps the SAMU it had."""
        account = self.get(regulator.technical_id)
        if account is None:
            account = self.add(
                RegulatorAccount(
                    technical_id=regulator.technical_id,
                    family=regulator.family_name,
                    given=regulator.given_name,
                    email=regulator.email,
                    national_id=regulator.national_id,
                )
            )
        elif regulator.national_id and account.national_id != regulator.national_id:
            self.link_national_id(account.technical_id, regulator.national_id)
        department = samus.department_of(account) if samus is not None else None
        if department is not None:
            account.samu_department = department
        return account

    def link_national_id(self, technical_id: str, national_id: str) -> RegulatorAccount:
        account = self.get(technical_id)
        if account is None:
            raise InvalidInput(f"unknown regulator account {technical_id}")
        other = self.by_national_id(national_id)
        if other is not None and other is not account:
            raise InvalidInput(f"national id {national_id} already belongs to another account")
        if account.national_id != national_id:
            account.national_id = national_id
            account.version += 1
        return account
