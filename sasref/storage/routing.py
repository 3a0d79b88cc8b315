"""The aggregator's learned routing, saved (issue 4 item 2: "remember who answered").

An identifier nobody has routed yet is asked to every editor; the editors that answer are
remembered (:class:`~sasref.aggregator.registry.Routing`). Saved here, a restarted platform does
not ask the whole fleet again for every practitioner. Two tables: ``sas_routing`` (scope,
identifier, editor) and ``sas_routing_nobody`` (scope, identifier, until) for the negative
entries. The platform writes them behind the searches, in batches
(:mod:`sasref.aggregator.persistence`): :meth:`RoutingRepository.apply` is one transaction of
upserts, the same on SQLite and PostgreSQL (``INSERT … ON CONFLICT DO UPDATE``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from sasref.storage.base import Repository
from sasref.storage.tables import RoutingNobodyRow, RoutingRow

_ROUTES: Table = RoutingRow.__table__  # type: ignore[assignment]
_NOBODY: Table = RoutingNobodyRow.__table__  # type: ignore[assignment]


@dataclass(frozen=True, slots=True)
class LearnedRoute:
    """``editor`` answered for ``identifier`` in routing table ``scope``."""

    scope: str
    identifier: str
    editor: str
    learned_at: datetime


@dataclass(frozen=True, slots=True)
class NobodyRoute:
    """Nobody knew ``identifier`` (``scope``): do not ask the whole fleet before ``until``."""

    scope: str
    identifier: str
    until: datetime


@dataclass(slots=True)
class RoutingState:
    """One scope's saved routing, as :meth:`.Routing.restore` takes it."""

    known: dict[str, set[str]] = field(default_factory=dict)
    nobody_until: dict[str, datetime] = field(default_factory=dict)


class RoutingRepository(Repository):
    def apply(
        self,
        *,
        learned: Sequence[LearnedRoute] = (),
        nobody: Sequence[NobodyRoute] = (),
        purge_before: datetime | None = None,
    ) -> None:
        """Save a batch in one transaction (idempotent: applying it twice changes nothing).

        Negative entries first, then the learned ones, which clear the negative entry of their
        identifier: a learned editor always wins. ``purge_before`` also deletes the negative
        entries that expired before it.
        """
        with self._tx() as s:
            if nobody:
                self._upsert(
                    s,
                    _NOBODY,
                    [
                        {"scope": n.scope, "identifier": n.identifier, "until": n.until}
                        for n in nobody
                    ],
                    keys=("scope", "identifier"),
                    update=("until",),
                )
            if learned:
                rows = [
                    {
                        "scope": r.scope,
                        "identifier": r.identifier,
                        "editor": r.editor,
                        "learned_at": r.learned_at,
                    }
                    for r in learned
                ]
                self._upsert(
                    s, _ROUTES, rows, keys=("scope", "identifier", "editor"), update=("learned_at",)
                )
                pairs = list({(r.scope, r.identifier) for r in learned})
                s.execute(
                    delete(_NOBODY).where(
                        _NOBODY.c.scope == bindparam("b_scope"),
                        _NOBODY.c.identifier == bindparam("b_identifier"),
                    ),
                    [{"b_scope": scope, "b_identifier": ident} for scope, ident in sorted(pairs)],
                )
            if purge_before is not None:
                s.execute(delete(_NOBODY).where(_NOBODY.c.until <= purge_before))

    def _upsert(
        self,
        s: Session,
        table: Table,
        rows: list[dict[str, Any]],
        *,
        keys: tuple[str, ...],
        update: tuple[str, ...],
    ) -> None:
        dialect = s.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        stmt = insert(table)
        stmt = stmt.on_conflict_do_update(
            index_elements=list(keys), set_={c: stmt.excluded[c] for c in update}
        )
        # Sorted: concurrent writers (two platforms on one PostgreSQL) lock rows in one order.
        s.execute(stmt, sorted(rows, key=lambda r: tuple(r[k] for k in keys)))

    def load(
        self, *, scope: str, now: datetime | None = None, learned_since: datetime | None = None
    ) -> RoutingState:
        """What is saved for ``scope``: learned editors (those learned at or after
        ``learned_since`` when given), and the negative entries still valid at ``now``."""
        now = self._now(now)
        state = RoutingState()
        routes = select(_ROUTES.c.identifier, _ROUTES.c.editor).where(_ROUTES.c.scope == scope)
        if learned_since is not None:
            routes = routes.where(_ROUTES.c.learned_at >= learned_since)
        with self._tx() as s:
            for identifier, editor in s.execute(routes):
                state.known.setdefault(identifier, set()).add(editor)
            for identifier, until in s.execute(
                select(_NOBODY.c.identifier, _NOBODY.c.until).where(
                    _NOBODY.c.scope == scope, _NOBODY.c.until > now
                )
            ):
                if identifier not in state.known:
                    state.nobody_until[identifier] = until
        return state

    def editors_of(self, *, scope: str, identifier: str) -> list[str]:
        with self._tx() as s:
            return list(
                s.scalars(
                    select(_ROUTES.c.editor)
                    .where(_ROUTES.c.scope == scope, _ROUTES.c.identifier == identifier)
                    .order_by(_ROUTES.c.editor)
                )
            )

    def forget_editor(self, *, editor: str) -> int:
        """Drop every route to ``editor`` (it left the registry); returns the rows deleted."""
        with self._tx() as s:
            result = s.execute(delete(_ROUTES).where(_ROUTES.c.editor == editor))
            return int(result.rowcount)  # type: ignore[attr-defined]

    def purge_expired(self, *, now: datetime | None = None) -> int:
        """Delete the negative entries no longer valid; returns how many."""
        with self._tx() as s:
            result = s.execute(delete(_NOBODY).where(_NOBODY.c.until <= self._now(now)))
            return int(result.rowcount)  # type: ignore[attr-defined]

    def counts(self) -> dict[str, tuple[int, int]]:
        """Per scope: (learned routes, negative entries, expired included)."""
        out: dict[str, list[int]] = {}
        with self._tx() as s:
            for scope, n in s.execute(
                select(_ROUTES.c.scope, func.count()).group_by(_ROUTES.c.scope)
            ):
                out.setdefault(scope, [0, 0])[0] = int(n)
            for scope, n in s.execute(
                select(_NOBODY.c.scope, func.count()).group_by(_NOBODY.c.scope)
            ):
                out.setdefault(scope, [0, 0])[1] = int(n)
        return {scope: (a, b) for scope, (a, b) in sorted(out.items())}
