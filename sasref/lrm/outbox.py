"""The SAS's INT_L02 outbox: every appointment message is kept until the LRM acknowledges it.

IG digest §5.1: the SAS gets a technical ack from the Hub when it publishes, then a *final*
ack (RC-REF) from the LRM on ``fr.health.ptfsas.ack``, or an error on ``.info``. An entry lives
here from submission until that final ack (or until it is superseded by a newer message about
the same appointment, or given up after the bounded retries); it survives a restart of the SAS
when the outbox is persistent (:class:`JsonFileOutbox`).

Each (re)transmission gets a fresh ``distributionID``; the entry remembers all of them so a late
ack for an earlier transmission still counts.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol


class OutboxState(StrEnum):
    PENDING = "pending"  # to (re)send when next_attempt_at is reached
    SENT = "sent"  # accepted by the Hub, waiting for the LRM's final ack
    ACKED = "acked"  # final ack received: done
    SUPERSEDED = "superseded"  # a newer message about the same appointment replaced it
    FAILED = "failed"  # given up (permanent error or retries exhausted): needs a human


@dataclass(slots=True)
class OutboxEntry:
    key: str
    appointment_id: str
    recipient_id: str
    appointment: dict[str, Any]  # the RS-SAS-RDV payload (message.appointment)
    created_at: datetime
    next_attempt_at: datetime
    state: OutboxState = OutboxState.PENDING
    attempts: int = 0  # failed attempts (hub errors, broker down); drives the backoff
    transmissions: int = 0
    distribution_ids: list[str] = field(default_factory=list)
    last_error: str | None = None
    acked_at: datetime | None = None

    @property
    def open(self) -> bool:
        return self.state in (OutboxState.PENDING, OutboxState.SENT)

    def to_json(self) -> dict[str, Any]:
        doc = asdict(self)
        for key in ("created_at", "next_attempt_at", "acked_at"):
            value = doc[key]
            doc[key] = value.isoformat() if value is not None else None
        doc["state"] = self.state.value
        return doc

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> OutboxEntry:
        data = dict(doc)
        for key in ("created_at", "next_attempt_at", "acked_at"):
            if data.get(key) is not None:
                data[key] = datetime.fromisoformat(data[key])
        data["state"] = OutboxState(data["state"])
        return cls(**data)


class Outbox(Protocol):
    """Where the publisher keeps its entries. ``save`` must be durable when it returns."""

    def save(self, entry: OutboxEntry) -> None: ...

    def get(self, key: str) -> OutboxEntry | None: ...

    def find_by_distribution_id(self, distribution_id: str) -> OutboxEntry | None: ...

    def entries(self) -> list[OutboxEntry]: ...

    def open_entries(self) -> list[OutboxEntry]:
        """The entries still to send or waiting for their final ack, oldest first: what the
        publisher works on (acknowledged ones pile up; this must not grow with them)."""
        ...

    def first_recipient(self, appointment_id: str) -> str | None:
        """Where the first message about this appointment was addressed, if any was."""
        ...


class InMemoryOutbox:
    """Dict-backed; survives a publisher restart as long as the object does (tests, demo)."""

    def __init__(self, entries: Iterable[OutboxEntry] = ()) -> None:
        self._entries: dict[str, OutboxEntry] = {}
        self._by_distribution: dict[str, str] = {}
        self._open: dict[str, OutboxEntry] = {}
        self._recipients: dict[str, str] = {}  # appointment id → first recipient
        for entry in entries:
            self.save(entry)

    def save(self, entry: OutboxEntry) -> None:
        self._entries[entry.key] = entry
        for did in entry.distribution_ids:
            self._by_distribution[did] = entry.key
        if entry.open:
            self._open[entry.key] = entry
        else:
            self._open.pop(entry.key, None)
        self._recipients.setdefault(entry.appointment_id, entry.recipient_id)

    def get(self, key: str) -> OutboxEntry | None:
        return self._entries.get(key)

    def find_by_distribution_id(self, distribution_id: str) -> OutboxEntry | None:
        key = self._by_distribution.get(distribution_id)
        return self._entries.get(key) if key else None

    def entries(self) -> list[OutboxEntry]:
        return sorted(self._entries.values(), key=_age)

    def open_entries(self) -> list[OutboxEntry]:
        return sorted(self._open.values(), key=_age)

    def first_recipient(self, appointment_id: str) -> str | None:
        return self._recipients.get(appointment_id)


def _age(entry: OutboxEntry) -> tuple[datetime, str]:
    return entry.created_at, entry.key


class JsonFileOutbox(InMemoryOutbox):
    """An :class:`InMemoryOutbox` written through to a JSON file (atomic replace on each save)."""

    def __init__(self, path: str | Path) -> None:
        super().__init__()
        self.path = Path(path)
        if self.path.exists():
            for doc in json.loads(self.path.read_text("utf-8")):
                InMemoryOutbox.save(self, OutboxEntry.from_json(doc))

    def save(self, entry: OutboxEntry) -> None:
        super().save(entry)
        data = json.dumps([e.to_json() for e in self.entries()], ensure_ascii=False, indent=1)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".outbox-")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.path)
