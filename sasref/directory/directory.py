"""The national directory: practitioners, CPTS, SOS associations and editors, with lookups.

Built from plain iterables, from anything shaped like the mock population (duck-typed through
:class:`PopulationLike`, sasref never imports ``mocks``), or from the JSON format of
:mod:`sasref.directory.jsonformat`. Pure data: searching lives in :mod:`sasref.directory.search`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from sasref.directory import geo
from sasref.directory.jsonformat import (
    cpts_from_json,
    directory_json,
    editor_from_json,
    practitioner_from_json,
    sos_from_json,
    structure_from_json,
)
from sasref.directory.model import (
    Cpts,
    EditorInfo,
    HealthStructure,
    Practitioner,
    SosAssociation,
)
from sasref.errors import InvalidInput


class PopulationLike(Protocol):
    """What the directory reads from a population (``mocks.population.Population``)."""

    @property
    def practitioners(self) -> Iterable[Practitioner]: ...

    @property
    def cpts(self) -> Iterable[Cpts]: ...

    @property
    def sos(self) -> Iterable[SosAssociation]: ...

    @property
    def editors(self) -> Iterable[EditorInfo] | Mapping[str, EditorInfo]: ...

    @property
    def structures(self) -> Iterable[HealthStructure]: ...


def _values(items: Iterable[Any] | Mapping[str, Any]) -> Iterable[Any]:
    return items.values() if isinstance(items, Mapping) else items


class Directory:
    """An immutable, indexed view of the health offer."""

    def __init__(
        self,
        practitioners: Iterable[Practitioner],
        cpts: Iterable[Cpts] = (),
        sos: Iterable[SosAssociation] = (),
        editors: Iterable[EditorInfo] = (),
        structures: Iterable[HealthStructure] = (),
    ) -> None:
        self.practitioners: dict[str, Practitioner] = {}
        for p in practitioners:
            if p.id in self.practitioners:
                raise InvalidInput(f"practitioner {p.id} appears twice in the directory")
            self.practitioners[p.id] = p
        self.cpts: dict[str, Cpts] = {c.finess: c for c in cpts}
        self.sos: dict[str, SosAssociation] = {s.siret: s for s in sos}
        self.editors: dict[str, EditorInfo] = {e.name: e for e in editors}
        #: MSP and centres de santé by prefixed FINESS (a place's ``structure_id``).
        self.structures: dict[str, HealthStructure] = {s.id: s for s in structures}
        # CPTS membership comes from both sides (a practitioner's ``cpts`` and a CPTS's
        # ``members``): a user's file may fill only one of them.
        members: dict[str, set[str]] = {f: set(c.members) for f, c in self.cpts.items()}
        for p in self.practitioners.values():
            for finess in p.cpts:
                members.setdefault(finess, set()).add(p.id)
        self._cpts_of: dict[str, tuple[str, ...]] = {}
        for finess in sorted(members):
            for pid in members[finess]:
                self._cpts_of[pid] = (*self._cpts_of.get(pid, ()), finess)
        self._cpts_members = {f: tuple(sorted(m)) for f, m in members.items()}
        self._cpts_by_insee: dict[str, list[str]] = {}
        for finess in sorted(self.cpts):
            for insee in self.cpts[finess].zone:
                self._cpts_by_insee.setdefault(insee, []).append(finess)
        self._by_name: dict[str, list[str]] | None = None  # built on first name lookup

    def __len__(self) -> int:
        return len(self.practitioners)

    # --- constructors ------------------------------------------------------------------------
    @classmethod
    def from_population(cls, population: PopulationLike) -> Directory:
        return cls(
            practitioners=_values(population.practitioners),
            cpts=_values(population.cpts),
            sos=_values(population.sos),
            editors=_values(population.editors),
            structures=_values(population.structures),
        )

    @classmethod
    def from_json(cls, source: str | Path | Mapping[str, Any]) -> Directory:
        """Load the JSON format (a path, or the already-parsed document)."""
        if isinstance(source, Mapping):
            doc: Any = source
        else:
            try:
                doc = json.loads(Path(source).read_text(encoding="utf-8"))
            except OSError as exc:
                raise InvalidInput(f"cannot read the directory file {source}: {exc}") from exc
            except json.JSONDecodeError as exc:
                raise InvalidInput(f"{source} is not JSON: {exc}") from exc
        if not isinstance(doc, Mapping):
            raise InvalidInput("a directory document is a JSON object")
        fmt = doc.get("format")
        if fmt not in (None, "sasref-directory"):
            raise InvalidInput(f"unknown directory format {fmt!r}")
        return cls(
            practitioners=[practitioner_from_json(p) for p in doc.get("practitioners", ())],
            cpts=[cpts_from_json(c) for c in doc.get("cpts", ())],
            sos=[sos_from_json(s) for s in doc.get("sos", ())],
            editors=[editor_from_json(e) for e in _values(doc.get("editors", ()))],
            structures=[structure_from_json(s) for s in doc.get("structures", ())],
        )

    def to_json(self) -> dict[str, Any]:
        return directory_json(
            practitioners=self.practitioners.values(),
            cpts=self.cpts.values(),
            sos=self.sos.values(),
            editors=self.editors.values(),
            structures=self.structures.values(),
        )

    # --- lookups -----------------------------------------------------------------------------
    def practitioner(self, national_id: str) -> Practitioner | None:
        """By prefixed id (``8…``/``0…``) or raw RPPS (11 digits) / ADELI (9 digits)."""
        value = national_id.strip()
        if value in self.practitioners:
            return self.practitioners[value]
        if value.isdigit() and len(value) == 11:
            return self.practitioners.get("8" + value)
        if value.isdigit() and len(value) == 9:
            return self.practitioners.get("0" + value)
        return None

    def _name_index(self) -> dict[str, list[str]]:
        if self._by_name is None:
            norm = lru_cache(maxsize=None)(geo.normalize_name)  # names repeat a lot
            index: dict[str, list[str]] = {}
            for p in self.practitioners.values():
                family, given = norm(p.family), norm(p.given)
                for key in dict.fromkeys((family, f"{given} {family}", f"{family} {given}")):
                    index.setdefault(key, []).append(p.id)
            self._by_name = index
        return self._by_name

    def practitioners_named(self, name: str) -> list[Practitioner]:
        """Practitioners whose family name, "given family" or "family given" equals ``name``."""
        ids = self._name_index().get(geo.normalize_name(name), [])
        return [self.practitioners[i] for i in dict.fromkeys(ids)]

    def cpts_of(self, practitioner_id: str) -> tuple[str, ...]:
        """FINESS of the CPTS a practitioner belongs to (sorted)."""
        return self._cpts_of.get(practitioner_id, ())

    def cpts_members(self, finess: str) -> tuple[str, ...]:
        return self._cpts_members.get(finess, ())

    def cpts_covering(self, insee: str) -> list[Cpts]:
        """The CPTS whose intervention zone contains this commune (§6.2)."""
        return [self.cpts[f] for f in self._cpts_by_insee.get(insee, [])]

    def editor(self, name: str | None) -> EditorInfo | None:
        return None if name is None else self.editors.get(name)
