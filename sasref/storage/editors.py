"""The editor registry and the learned practitioner → editor mapping (issue 4 item 2).

The platform saves here the editors added through ``POST /api/v1/editors`` (and forgets those
removed by ``DELETE``), and loads them at start beside the configured ones. An unknown
practitioner is asked to every editor; the editors that answer are remembered (routing scope
``ps`` of :mod:`sasref.storage.routing`, which the platform writes in batches) so the next
search only asks them: the ``learn``/``mapping`` methods here are the practitioner view of it.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select

from sasref.directory.model import EditorInfo
from sasref.storage.base import Repository
from sasref.storage.tables import EditorRow, RoutingRow

_CHUNK = 500  # ids per IN (...) clause
#: The routing scope of practitioners (INT_R01 and INT_R04 share it).
PRACTITIONER_SCOPE = "ps"


@dataclass(frozen=True, slots=True)
class EditorRecord:
    name: str
    software: str
    base_url: str
    use_cases: frozenset[str]
    enabled: bool
    updated_at: datetime

    def info(self) -> EditorInfo:
        return EditorInfo(
            name=self.name, software=self.software, base_url=self.base_url, use_cases=self.use_cases
        )


def _record(row: EditorRow) -> EditorRecord:
    return EditorRecord(
        row.name, row.software, row.base_url, frozenset(row.use_cases), row.enabled, row.updated_at
    )


class EditorRepository(Repository):
    def upsert(
        self,
        *,
        name: str,
        software: str,
        base_url: str,
        use_cases: Iterable[str] = ("ps",),
        enabled: bool = True,
        at: datetime | None = None,
    ) -> EditorRecord:
        with self._tx() as s:
            row = s.get(EditorRow, name)
            if row is None:
                row = EditorRow(name=name)
                s.add(row)
            row.software = software
            row.base_url = base_url
            row.use_cases = sorted(set(use_cases))
            row.enabled = enabled
            row.updated_at = self._now(at)
            s.flush()
            return _record(row)

    def upsert_many(self, *, editors: Iterable[EditorInfo]) -> int:
        n = 0
        for info in editors:
            self.upsert(
                name=info.name,
                software=info.software,
                base_url=info.base_url,
                use_cases=info.use_cases,
            )
            n += 1
        return n

    def get(self, *, name: str) -> EditorRecord | None:
        with self._tx() as s:
            row = s.get(EditorRow, name)
            return None if row is None else _record(row)

    def list(
        self, *, enabled: bool | None = None, use_case: str | None = None
    ) -> list[EditorRecord]:
        q = select(EditorRow).order_by(EditorRow.name)
        if enabled is not None:
            q = q.where(EditorRow.enabled == enabled)
        with self._tx() as s:
            records = [_record(r) for r in s.scalars(q)]
        return [r for r in records if use_case is None or use_case in r.use_cases]

    def remove(self, *, name: str) -> bool:
        """Delete the editor and every route learned to it; ``False`` if it was not saved."""
        with self._tx() as s:
            row = s.get(EditorRow, name)
            if row is None:
                return False
            s.delete(row)
            s.execute(delete(RoutingRow).where(RoutingRow.editor == name))
            return True

    # --- learned mapping (routing scope "ps") -----------------------------------------------
    def learn(self, *, practitioner_id: str, editor: str, at: datetime | None = None) -> None:
        """Remember that ``editor`` serves ``practitioner_id`` (idempotent, refreshes the date)."""
        with self._tx() as s:
            row = s.get(RoutingRow, (PRACTITIONER_SCOPE, practitioner_id, editor))
            if row is None:
                s.add(
                    RoutingRow(
                        scope=PRACTITIONER_SCOPE,
                        identifier=practitioner_id,
                        editor=editor,
                        learned_at=self._now(at),
                    )
                )
            else:
                row.learned_at = self._now(at)

    def forget(self, *, practitioner_id: str, editor: str | None = None) -> int:
        q = delete(RoutingRow).where(
            RoutingRow.scope == PRACTITIONER_SCOPE, RoutingRow.identifier == practitioner_id
        )
        if editor is not None:
            q = q.where(RoutingRow.editor == editor)
        with self._tx() as s:
            return int(s.execute(q).rowcount)  # type: ignore[attr-defined]

    def editors_for(self, *, practitioner_id: str) -> builtins.list[str]:
        return self.mapping(practitioner_ids=[practitioner_id]).get(practitioner_id, [])

    def mapping(self, *, practitioner_ids: Iterable[str]) -> dict[str, builtins.list[str]]:
        """Known editors of each practitioner (absent key: never learned)."""
        ids = list(dict.fromkeys(practitioner_ids))
        out: dict[str, builtins.list[str]] = {}
        with self._tx() as s:
            for i in range(0, len(ids), _CHUNK):
                rows = s.execute(
                    select(RoutingRow.identifier, RoutingRow.editor)
                    .where(
                        RoutingRow.scope == PRACTITIONER_SCOPE,
                        RoutingRow.identifier.in_(ids[i : i + _CHUNK]),
                    )
                    .order_by(RoutingRow.identifier, RoutingRow.editor)
                )
                for pid, editor in rows:
                    out.setdefault(pid, []).append(editor)
        return out
