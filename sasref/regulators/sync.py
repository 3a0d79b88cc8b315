"""The INT_R02 client: push regulator accounts to the connected editors (IG digest §3.1-3.4).

``RegulatorSync(http, editors)`` keeps, per (account, editor), an :class:`EditorSyncState`:
``pending`` (something to send), ``synced`` (the editor has the current version) or ``failed``
(+ the last error), and the identifier the editor knows the account by.

- :meth:`RegulatorSync.on_login`: create/update are **lazy**, sent when the regulator logs in:
  ``POST [base]/Practitioner`` the first time, then ``PUT [base]/Practitioner?identifier=<the
  identifier the editor knows>`` — so the technical → national identifier change is a PUT with
  the *old* identifier in the query and the *new* one in the body;
- :meth:`RegulatorSync.deactivate`: deactivation is sent **immediately** (PUT ``active=false``)
  to every editor that has the account;
- failures: transport errors, ``408``/``429``/``5xx`` are retried with exponential backoff
  (bounded, ``sleep`` injected for tests); any other ``4xx`` (``400``/``422``: the editor refuses
  the body) fails at once, with the OperationOutcome's diagnostics as the last error.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import httpx

from sasref.fhir.outcome import describe_error_body
from sasref.regulators.bodies import identifier_query, practitioner_regul_body
from sasref.regulators.model import RegulatorAccount

FHIR_JSON = "application/fhir+json"
RETRYABLE = frozenset({408, 429, 500, 502, 503, 504})


class SyncStatus(StrEnum):
    PENDING = "pending"
    SYNCED = "synced"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class EditorTarget:
    name: str
    base_url: str  # the editor's FHIR base (same endpoint as INT_R01)


@dataclass(slots=True)
class EditorSyncState:
    status: SyncStatus = SyncStatus.PENDING
    known_as: tuple[str, str] | None = None  # identifier the editor has the account under
    synced_version: int = 0
    attempts: int = 0
    last_error: str | None = None
    location: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status.value,
            "knownAs": "|".join(self.known_as) if self.known_as else None,
            "syncedVersion": self.synced_version,
            "attempts": self.attempts,
            "lastError": self.last_error,
            "location": self.location,
        }


class _Retryable(Exception):
    pass


class RegulatorSync:
    def __init__(
        self,
        http: httpx.AsyncClient,
        editors: Iterable[EditorTarget],
        *,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        max_attempts: int = 4,
        base_delay: float = 0.5,
        factor: float = 2.0,
        timeout: float = 7.0,
    ) -> None:
        self.http = http
        self.editors = {e.name: e for e in editors}
        self._sleep = sleep
        self.max_attempts = max_attempts
        self.base_delay = base_delay
        self.factor = factor
        self.timeout = timeout
        self._states: dict[tuple[str, str], EditorSyncState] = {}

    # --- state ---------------------------------------------------------------------------
    def _state(self, account: RegulatorAccount, editor: str) -> EditorSyncState:
        return self._states.setdefault((account.technical_id.lower(), editor), EditorSyncState())

    def state(self, account: RegulatorAccount) -> dict[str, EditorSyncState]:
        """Per editor: pending / synced / failed, with the last error."""
        result: dict[str, EditorSyncState] = {}
        for name in self.editors:
            st = self._state(account, name)
            if st.status is SyncStatus.SYNCED and st.synced_version < account.version:
                st.status = SyncStatus.PENDING
            result[name] = st
        return result

    def pending(self, account: RegulatorAccount) -> list[str]:
        return [n for n, st in self.state(account).items() if st.status is not SyncStatus.SYNCED]

    # --- triggers ------------------------------------------------------------------------
    async def on_login(self, account: RegulatorAccount) -> dict[str, EditorSyncState]:
        """Send what is pending for this account to every editor (lazy create/update)."""
        for name in self.pending(account):
            st = self._state(account, name)
            if st.known_as is None and not account.active:
                # never created there and now inactive: nothing to tell this editor
                st.status, st.synced_version = SyncStatus.SYNCED, account.version
                continue
            await self._push(account, self.editors[name], st)
        return self.state(account)

    async def deactivate(self, account: RegulatorAccount) -> dict[str, EditorSyncState]:
        """Remove the habilitation now, everywhere the account exists (PUT active=false)."""
        if account.active:
            account.active = False
            account.version += 1
        return await self.on_login(account)

    def link_national_id(self, account: RegulatorAccount, national_id: str) -> None:
        """Record the national id; editors learn it (PUT with the old identifier) at next login."""
        if account.national_id != national_id:
            account.national_id = national_id
            account.version += 1

    # --- HTTP ----------------------------------------------------------------------------
    async def _push(
        self, account: RegulatorAccount, editor: EditorTarget, st: EditorSyncState
    ) -> None:
        body = practitioner_regul_body(account)
        base = editor.base_url.rstrip("/")
        for attempt in range(1, self.max_attempts + 1):
            st.attempts = attempt
            try:
                response = await self._send(base, body, st.known_as)
            except (httpx.TransportError, _Retryable) as exc:
                st.last_error = _describe(exc)
                if attempt == self.max_attempts:
                    break
                await self._sleep(self.base_delay * self.factor ** (attempt - 1))
                continue
            if response.is_success:
                st.status = SyncStatus.SYNCED
                st.known_as = account.identifier
                st.synced_version = account.version
                st.last_error = None
                st.location = response.headers.get("location")
                return
            st.last_error = f"HTTP {response.status_code}: {describe_error_body(response.text)}"
            break  # a 4xx the editor will answer again: do not hammer it
        st.status = SyncStatus.FAILED

    async def _send(
        self, base: str, body: dict[str, Any], known_as: tuple[str, str] | None
    ) -> httpx.Response:
        headers = {"Content-Type": FHIR_JSON, "Accept": FHIR_JSON}
        if known_as is None:
            response = await self.http.post(
                f"{base}/Practitioner", json=body, headers=headers, timeout=self.timeout
            )
        else:
            response = await self.http.put(
                f"{base}/Practitioner",
                params={"identifier": identifier_query(*known_as)},
                json=body,
                headers=headers,
                timeout=self.timeout,
            )
        if response.status_code in RETRYABLE:
            raise _Retryable(f"HTTP {response.status_code}: {describe_error_body(response.text)}")
        return response


def _describe(exc: Exception) -> str:
    return str(exc) or type(exc).__name__
