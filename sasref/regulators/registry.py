"""An in-memory registry of regulator accounts, looked up by national id or technical UUID.

The platform may back it by ``sasref.storage.RegulatorRepository``; appointments (INT_R03) use
:meth:`RegulatorRegistry.find` to check the ``FrAppointmentOperator`` identifier.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from sasref.errors import InvalidInput
from sasref.regulators.model import RegulatorAccount


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
