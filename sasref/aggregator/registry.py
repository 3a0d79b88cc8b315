"""The editor registry and the learned practitioner → editor mapping (architecture.md, aggregator).

The SAS platform never knows which editor holds a practitioner's agenda; the aggregator does
(platform spec §2.5). sasref's aggregator learns it: an identifier it has never seen is sent to
every editor of the use case, and the editors that answer with a slot or the Practitioner are
remembered. A practitioner's own declaration (the directory's ``editor`` hint, the real
``practitioner-editors/{id}/bulk``) seeds the mapping. An identifier nobody knew is not asked to
the whole fleet again before ``negative_ttl`` has passed.

Pure state, no I/O; times come from the caller so the clock stays injected. A
:class:`RoutingListener` may observe what is learned (the write-behind persistence of
:mod:`sasref.aggregator.persistence` is one); :meth:`Routing.restore` reloads a saved state.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol
from urllib.parse import urlsplit

from sasref.aggregator.outcome import EditorOutcome
from sasref.directory.model import EditorInfo
from sasref.errors import ConfigurationError

#: Identifiers per editor call: the IG's 1..25 (digest §2.1).
MAX_IDS_PER_CALL = 25

USE_CASES = frozenset({"ps", "cpts", "sos"})


def parse_editor_option(text: str, *, use_cases: Iterable[str] = USE_CASES) -> EditorInfo:
    """Read ``NAME=URL`` (the ``--editor`` option) into an :class:`EditorInfo`.

    >>> parse_editor_option("mine=http://127.0.0.1:9000/fhir").base_url
    'http://127.0.0.1:9000/fhir'
    """
    name, sep, url = text.partition("=")
    name, url = name.strip(), url.strip()
    if not sep or not name or not url:
        raise ConfigurationError(f"--editor expects NAME=URL, got {text!r}")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigurationError(f"--editor {name}: {url!r} is not an http(s) URL")
    return EditorInfo(
        name=name, software=name, base_url=url.rstrip("/"), use_cases=frozenset(use_cases)
    )


class EditorRegistry:
    """The editors the SAS platform queries, by name (insertion order kept)."""

    def __init__(self, editors: Iterable[EditorInfo] = ()) -> None:
        self._editors: dict[str, EditorInfo] = {}
        for editor in editors:
            self.add(editor)

    @classmethod
    def from_config(cls, config: Mapping[str, str] | Iterable[str]) -> EditorRegistry:
        """From ``{"name": "url"}`` or an iterable of ``"NAME=URL"`` strings."""
        if isinstance(config, Mapping):
            return cls(parse_editor_option(f"{k}={v}") for k, v in config.items())
        return cls(parse_editor_option(item) for item in config)

    def add(self, editor: EditorInfo) -> None:
        """Add or replace an editor (same name = same editor)."""
        self._editors[editor.name] = editor

    def remove(self, name: str) -> None:
        self._editors.pop(name, None)

    def get(self, name: str) -> EditorInfo | None:
        return self._editors.get(name)

    def for_use_case(self, use_case: str) -> list[EditorInfo]:
        return [e for e in self._editors.values() if use_case in e.use_cases]

    def __iter__(self) -> Iterator[EditorInfo]:
        return iter(list(self._editors.values()))

    def __len__(self) -> int:
        return len(self._editors)

    def __contains__(self, name: object) -> bool:
        return name in self._editors


def batches(ids: Iterable[str], size: int = MAX_IDS_PER_CALL) -> list[list[str]]:
    """Split identifiers into lists of at most ``size``, order kept, duplicates dropped."""
    if size < 1:
        raise ValueError("batch size must be >= 1")
    unique = list(dict.fromkeys(ids))
    return [unique[i : i + size] for i in range(0, len(unique), size)]


class EditorGate(Protocol):
    """Which editors a search may call, told of every call's outcome (the editor monitoring,
    :class:`sasref.monitoring.EditorMonitor`). Both are called synchronously in the search:
    they must not block or raise."""

    def asks(self, editor: str) -> bool: ...

    def record(self, outcomes: Sequence[EditorOutcome]) -> None: ...


class RoutingListener(Protocol):
    """Told of each *new* routing fact (called synchronously: must not block or raise)."""

    def learned(self, identifier: str, editor: str) -> None: ...

    def nobody(self, identifier: str, until: datetime) -> None: ...


@dataclass
class Routing:
    """Learned identifier → editors mapping for one use case (``ps`` ids, ``sos`` SIRETs...)."""

    negative_ttl: timedelta = timedelta(minutes=10)
    #: Observer of new facts (persistence); ``None``: nobody listens.
    listener: RoutingListener | None = field(default=None, repr=False, compare=False)
    _known: dict[str, set[str]] = field(default_factory=dict)
    _nobody_until: dict[str, datetime] = field(default_factory=dict)

    def declare(self, identifier: str, editor: str) -> None:
        """Seed: this identifier is served by this editor (a declaration, or learned)."""
        known = self._known.get(identifier)
        if known is None:
            known = self._known[identifier] = set()
        elif editor in known:
            return  # already known: nothing new (and a known identifier has no negative entry)
        known.add(editor)
        self._nobody_until.pop(identifier, None)
        if self.listener is not None:
            self.listener.learned(identifier, editor)

    def learn(self, editor: str, identifiers: Iterable[str]) -> None:
        """The editor answered for these identifiers (slots, or the resource itself)."""
        for identifier in identifiers:
            self.declare(identifier, editor)

    def nobody(self, identifiers: Iterable[str], now: datetime) -> None:
        """Every editor answered and none knew these identifiers: stop asking for a while."""
        until = now + self.negative_ttl
        for identifier in identifiers:
            if identifier not in self._known:
                self._nobody_until[identifier] = until
                if self.listener is not None:
                    self.listener.nobody(identifier, until)

    def restore(
        self, known: Mapping[str, Iterable[str]], nobody_until: Mapping[str, datetime]
    ) -> None:
        """Merge a saved state (listener not told: it is already saved). A negative entry for
        an identifier with a known editor is ignored, as :meth:`declare` would have cleared it."""
        for identifier, editors in known.items():
            self._known.setdefault(identifier, set()).update(editors)
        for identifier, until in nobody_until.items():
            if identifier not in self._known:
                current = self._nobody_until.get(identifier)
                self._nobody_until[identifier] = until if current is None else max(current, until)

    def forget_editor(self, editor: str) -> int:
        """Drop an editor from every identifier (it left the registry); returns how many
        identifiers it served. Identifiers it alone served become unknown again."""
        count = 0
        for identifier in [i for i, names in self._known.items() if editor in names]:
            names = self._known[identifier]
            names.discard(editor)
            if not names:
                del self._known[identifier]
            count += 1
        return count

    def negative_until(self, identifier: str) -> datetime | None:
        """Until when nobody is asked about this identifier (``None``: no negative entry)."""
        return self._nobody_until.get(identifier)

    def editors_of(self, identifier: str) -> frozenset[str]:
        return frozenset(self._known.get(identifier, ()))

    def identifiers_of(self, editor: str) -> list[str]:
        """The identifiers ``editor`` is known to serve, sorted (the monitoring probes a
        deactivated editor with a real search for the first)."""
        return sorted(i for i, names in self._known.items() if editor in names)

    def is_known(self, identifier: str) -> bool:
        return identifier in self._known

    def route(
        self, identifiers: Iterable[str], editors: Iterable[str], now: datetime
    ) -> tuple[dict[str, list[str]], list[str]]:
        """Plan the calls: ``({editor: [ids]}, unknown_ids)``.

        Known identifiers go to their editors (those still registered); unknown ones to every
        editor, unless recently answered by nobody. Editors with nothing to ask are omitted.
        """
        names = list(dict.fromkeys(editors))
        plan: dict[str, list[str]] = {name: [] for name in names}
        unknown: list[str] = []
        for identifier in dict.fromkeys(identifiers):
            known = self._known.get(identifier)
            targets = [n for n in names if known and n in known]
            if targets:
                for name in targets:
                    plan[name].append(identifier)
                continue
            until = self._nobody_until.get(identifier)
            if until is not None and until > now:
                continue
            unknown.append(identifier)
            for name in names:
                plan[name].append(identifier)
        return {name: ids for name, ids in plan.items() if ids}, unknown
