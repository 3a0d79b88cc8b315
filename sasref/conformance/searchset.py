"""What the kit checks in one searchset answer (IG digest §2, §7, §9, §13). Pure.

An :class:`Answer` is an exchange whose body is a searchset Bundle, with the offer graph the
SAS's tolerant reader makes of it (:func:`sasref.search.walk_searchset`: its problems name the
§13 traps). Each ``*_findings`` function returns the :data:`Finding`\\ s of one check on one
answer — a message naming the bad value and the JSON element at fault — and nothing when the
answer is right. :mod:`sasref.conformance.search` runs them over every answer of a use case.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from sasref.conformance.exchange import Exchange
from sasref.conformance.plan import SearchPlan
from sasref.fhir.codes import TRE_R38_SPECIALITE, V2_0276
from sasref.fhir.identifiers import is_idnps, is_idnst
from sasref.fhir.systems import IDNPS_SYSTEM, IDNST_SYSTEM, PROFILE_RESOURCE_TYPES
from sasref.profiles import validation_issues
from sasref.profiles.common import parse_instant
from sasref.search import OfferGraph, walk_searchset

__all__ = ["FINDERS", "Answer", "Finding", "SearchContext", "owned_keys"]

Json = dict[str, Any]
#: (message naming the bad value, the JSON element at fault or ``None``)
Finding = tuple[str, Any]
_REFERENCE_PROBLEMS = frozenset(
    {"unresolved-reference", "orphan-slot", "cpts-without-reference", "invalid-entry"}
)


@dataclass(slots=True)
class Entry:
    index: int
    resource: Json
    mode: Any

    @property
    def key(self) -> str:
        return f"{self.resource.get('resourceType')}/{self.resource.get('id')}"


@dataclass
class Answer:
    """A 200 searchset answer of use case ``use_case`` (``ps``, ``cpts``, ``sos``)."""

    exchange: Exchange
    bundle: Json
    use_case: str
    entries: list[Entry] = field(init=False)

    def __post_init__(self) -> None:
        self.entries = []
        raw = self.bundle.get("entry")
        for i, entry in enumerate(raw if isinstance(raw, list) else []):
            resource = entry.get("resource") if isinstance(entry, dict) else None
            if isinstance(resource, dict):
                search = entry.get("search")
                mode = search.get("mode") if isinstance(search, dict) else None
                self.entries.append(Entry(i, resource, mode))

    @property
    def target(self) -> str:
        return "Schedule" if self.use_case == "sos" else "Slot"

    @cached_property
    def graph(self) -> OfferGraph:
        return walk_searchset(self.bundle)

    def problems(self, *codes: str) -> list[Finding]:
        return [(f"{p.message}" + (f" ({p.where})" if p.where else ""), None)
                for p in self.graph.problems if p.code in codes]  # fmt: skip

    def of_type(self, resource_type: str) -> Iterator[Entry]:
        return (e for e in self.entries if e.resource.get("resourceType") == resource_type)

    @property
    def slots(self) -> Iterator[Entry]:
        return self.of_type("Slot")

    def keys(self, *types: str) -> set[str]:
        """``Type/id`` of the entries (of ``types`` when given)."""
        return {e.key for e in self.entries if not types or e.resource.get("resourceType") in types}


class SearchContext:
    """The exchanges of one use case's plan, by step name, and those that are searchsets."""

    def __init__(self, plan: SearchPlan, exchanges: dict[str, Exchange]) -> None:
        self.plan = plan
        self.uc = plan.use_case
        self.exchanges = {name: exchanges[name] for name in plan.steps if name in exchanges}
        self.answers: dict[str, Answer] = {}
        for name, ex in self.exchanges.items():
            bundle = ex.resource("Bundle") if ex.status == 200 else None
            if bundle is not None and bundle.get("type") == "searchset":
                self.answers[name] = Answer(ex, bundle, self.uc)
        self.option = "--siret" if self.uc == "sos" else "--rpps"

    def id(self, name: str) -> str:
        """The check id of ``name`` in this use case (``ps.total``)."""
        return f"{self.uc}.{name}"

    def no_ids(self) -> str:
        return f"needs identifiers with free slots: give {self.option}"


def owned_keys(answer: Answer, identifier: str) -> set[str]:
    """The ``Slot/id`` (and, SOS, ``Schedule/id``) keys the answer gives ``identifier``."""
    graph = answer.graph
    if answer.use_case == "sos":
        association = graph.associations.get(identifier)
        if association is None:
            return set()
        keys = set(association.fixed_points)
        keys |= {f"Slot/{s.id}" for fp in association.fixed_points.values() for s in fp.slots}
        return keys
    offer = graph.practitioners.get(identifier)
    return {f"Slot/{s.id}" for s in offer.slots} if offer else set()


# --- one function per check ------------------------------------------------------------------
def total_findings(a: Answer) -> list[Finding]:
    part = {"total": a.bundle.get("total")}
    return [(message, part) for message, _ in a.problems("missing-total", "wrong-total")]


def search_mode_findings(a: Answer) -> list[Finding]:
    out: list[Finding] = []
    for e in a.entries:
        rtype = e.resource.get("resourceType")
        expected = "match" if rtype == a.target else "outcome" if rtype == "OperationOutcome" \
            else "include"  # fmt: skip
        if e.mode is None:
            out.append(
                (f"entry {e.index} ({e.key}) has no search.mode ({expected} expected)", None)
            )
        elif e.mode != expected:
            out.append((f"entry {e.index} ({e.key}) has search.mode {e.mode!r}, {expected!r} "
                        f"expected", {"search": {"mode": e.mode}}))  # fmt: skip
    return out


def _query_params(url: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name, value in parse_qsl(urlsplit(url).query, keep_blank_values=True):
        out.setdefault(name, []).append(value)
    return {k: sorted(v) for k, v in out.items()}


def self_link_findings(a: Answer) -> list[Finding]:
    links = a.bundle.get("link")
    urls = [
        link.get("url") for link in (links if isinstance(links, list) else [])
        if isinstance(link, dict) and link.get("relation") == "self"
    ]  # fmt: skip
    if not urls or not isinstance(urls[0], str):
        return [("the Bundle has no self link", links)]
    asked, echoed = _query_params(a.exchange.step.url), _query_params(urls[0])
    out: list[Finding] = []
    for name, values in asked.items():
        got = echoed.get(name)
        if got == values:
            continue
        if got is None:
            out.append((f"the self link lacks the parameter {name}", {"url": urls[0]}))
            continue
        hint = ""
        if any(" " in g for g in got) and any("+" in v for v in values):
            hint = " (a raw '+' in a query reads as a space: write it %2B)"
        out.append((f"the self link gives {name}={got}, the request {values}{hint}",
                    {"url": urls[0]}))  # fmt: skip
    return out


def meta_profile_findings(a: Answer) -> list[Finding]:
    out: list[Finding] = []
    for where, resource in [("the Bundle", a.bundle)] + [(e.key, e.resource) for e in a.entries]:
        meta = resource.get("meta")
        profiles = meta.get("profile") if isinstance(meta, dict) else None
        rtype = resource.get("resourceType")
        if not profiles or not isinstance(profiles, list):
            out.append((f"{where} declares no meta.profile", meta))
            continue
        canonicals = [p.split("|", 1)[0] for p in profiles if isinstance(p, str)]
        if not any(PROFILE_RESOURCE_TYPES.get(c) == rtype for c in canonicals):
            out.append((f"{where} declares meta.profile {profiles}: no SAS profile of a {rtype}",
                        meta))  # fmt: skip
    return out


def profile_findings(mode: str) -> Callable[[Answer], list[Finding]]:
    def findings(a: Answer) -> list[Finding]:
        issues = validation_issues(a.bundle, mode="strict" if mode == "strict" else "tolerant")
        return [
            (f"{(i.get('expression') or ['Bundle'])[0]}: {i.get('diagnostics')}", None)
            for i in issues if i.get("severity") in ("error", "fatal")
        ]  # fmt: skip

    return findings


def references_findings(a: Answer) -> list[Finding]:
    return a.problems(*_REFERENCE_PROBLEMS)


def _identifiers(resource: Json) -> Iterator[Json]:
    for ident in resource.get("identifier") or []:
        if isinstance(ident, dict):
            yield ident
    for key in ("organization", "managingOrganization", "providedBy"):
        ref = resource.get(key)
        ident = ref.get("identifier") if isinstance(ref, dict) else None
        if isinstance(ident, dict):
            yield ident


def prefixed_ids_findings(a: Answer) -> list[Finding]:
    out: list[Finding] = []
    for e in a.entries:
        for ident in _identifiers(e.resource):
            system, value = ident.get("system"), ident.get("value")
            if not isinstance(value, str):
                continue
            if system == IDNPS_SYSTEM and not is_idnps(value):
                out.append((f"{e.key}: IDNPS {value!r} is not prefixed (RPPS 8+11 digits, "
                            "ADELI 0+9)", ident))  # fmt: skip
            elif system == IDNST_SYSTEM and not is_idnst(value):
                out.append((f"{e.key}: IDNST {value!r} is not prefixed (FINESS 1+9, SIRET "
                            "3+14, RPPS rang 4+14)", ident))  # fmt: skip
    return out


def instants_findings(a: Answer) -> list[Finding]:
    out: list[Finding] = []
    for e in a.slots:
        for key in ("start", "end"):
            value = e.resource.get(key)
            if parse_instant(value) is None:
                hint = " ('+' of the offset decoded to a space)" if " " in str(value) else ""
                out.append((f"{e.key}.{key} {value!r} is not a FHIR instant{hint}",
                            {key: value}))  # fmt: skip
    return out


def specialty_findings(a: Answer) -> list[Finding]:
    out: list[Finding] = []
    for e in a.slots:
        for i, cc in enumerate(e.resource.get("specialty") or []):
            codings = cc.get("coding") if isinstance(cc, dict) else None
            if not any(isinstance(c, dict) and c.get("system") == TRE_R38_SPECIALITE
                       for c in codings or []):  # fmt: skip
                out.append((f"{e.key}.specialty[{i}] has no TRE_R38 coding: {cc}", cc))
    return out


def status_findings(a: Answer) -> list[Finding]:
    return [(f"{e.key} has status {e.resource.get('status')!r}, not 'free'",
             {"status": e.resource.get("status")})
            for e in a.slots if e.resource.get("status") != "free"]  # fmt: skip


def window_findings(a: Answer) -> list[Finding]:
    bounds = a.exchange.step.window
    if bounds is None:
        return []
    ge, le = bounds
    out: list[Finding] = []
    for e in a.slots:
        start = parse_instant(e.resource.get("start"))
        if start is not None and not ge <= start <= le:
            out.append(
                (
                    f"{e.key} starts at {e.resource.get('start')}, outside "
                    f"[{ge.isoformat()}, {le.isoformat()}]",
                    {"start": e.resource["start"]},
                )
            )
    return out  # fmt: skip


def identifier_filter_findings(a: Answer) -> list[Finding]:
    asked = set(a.exchange.step.ids)
    found = set(a.graph.associations if a.use_case == "sos" else a.graph.practitioners)
    return [(f"slots of {who}, which the request did not ask for", None)
            for who in sorted(found - asked)]  # fmt: skip


def booking_url_findings(a: Answer) -> list[Finding]:
    out: list[Finding] = []
    for e in a.slots:
        if a.use_case == "sos":
            kind = e.resource.get("appointmentType")
            codings = kind.get("coding") if isinstance(kind, dict) else None
            routine = any(isinstance(c, dict) and c.get("system") == V2_0276
                          and c.get("code") == "ROUTINE" for c in codings or [])  # fmt: skip
            if not routine:
                continue
        url = e.resource.get("comment")
        parts = urlsplit(url) if isinstance(url, str) else None
        if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
            out.append((f"{e.key}.comment {url!r} is not a booking URL", {"comment": url}))
    return out


#: The per-answer checks, by check name (the id without its use case).
FINDERS: dict[str, Callable[[Answer], list[Finding]]] = {
    "total": total_findings,
    "search-mode": search_mode_findings,
    "meta-profile": meta_profile_findings,
    "references": references_findings,
    "prefixed-ids": prefixed_ids_findings,
    "instants": instants_findings,
    "specialty-coded": specialty_findings,
    "status-free": status_findings,
    "window": window_findings,
    "identifier-filter": identifier_filter_findings,
    "booking-url": booking_url_findings,
}
