"""Reading an editor's answer into slot offers — the tolerant reader (digest §2, §13).

An editor's searchset is checked against the SAS profiles in **tolerant** mode (rule violations
are counted and reported, not fatal) and walked by reference into an offer graph
(:func:`sasref.search.walk_searchset`); each free slot becomes a flat :class:`SlotOffer` that the
consolidation can attach to a card. A document is *unusable* only when it is not a Bundle or
cannot be walked at all.

Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sasref.clock import PARIS
from sasref.profiles import validation_issues

#: How many violation messages a reading keeps.
MAX_MESSAGES = 3


@dataclass(frozen=True, slots=True)
class SlotOffer:
    """One free slot an editor offers, flattened with what a card needs.

    PS/CPTS slots carry ``practitioner_id`` (prefixed IDNPS), ``structure_id`` (IDNST of the
    PractitionerRole's organization: the place's national identity, FAQ 7) and ``place_id``
    (the editor's Location id, meaningful to that editor only);
    CPTS slots also ``cpts`` (prefixed FINESS of the CPTS they are opened to); SOS slots carry
    ``sos_siret`` and ``fixed_point_id``. ``booking_url`` is ``Slot.comment`` as sent.
    """

    editor: str
    kind: str  # "ps" | "cpts" | "sos"
    slot_id: str
    start: datetime
    end: datetime
    types: tuple[str, ...] = ()  # TRE_R314: PUBLIC, PRO, SNP, CPTS
    consultation_types: tuple[str, ...] = ()  # AMB, VR, HH
    motifs: tuple[str, ...] = ()
    reason: str | None = None  # ROUTINE | WALKIN
    booking_url: str | None = None
    practitioner_id: str | None = None
    place_id: str | None = None
    structure_id: str | None = None
    place_name: str | None = None
    cpts: tuple[str, ...] = ()
    sos_siret: str | None = None
    fixed_point_id: str | None = None

    @property
    def day(self) -> Any:
        return self.start.astimezone(PARIS).date()


@dataclass(frozen=True, slots=True)
class BundleReading:
    """What one editor answer gave: offers, who it answered for, and profile violations."""

    offers: tuple[SlotOffer, ...] = ()
    #: IDNPS (ps/cpts) or SIRETs (sos) the editor answered for (a slot, or the resource).
    answered_ids: frozenset[str] = frozenset()
    violations: int = 0
    messages: tuple[str, ...] = ()
    unusable: bool = False


def read_bundle(document: Any, *, editor: str, kind: str, validate: bool = True) -> BundleReading:
    """Check (tolerant) and walk one editor answer."""
    # sasref.aggregator.walk imports this module; a module (not package) import is cheap
    from sasref.aggregator.walk import offers_of

    if not isinstance(document, dict):
        return BundleReading(
            unusable=True, messages=(f"not a JSON object: {type(document).__name__}",)
        )
    resource_type = document.get("resourceType")
    if resource_type != "Bundle":
        return BundleReading(
            unusable=True, messages=(f"resourceType {resource_type!r}, not Bundle",)
        )
    entries = document.get("entry", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        return BundleReading(unusable=True, messages=("unusable searchset: entry is not a list",))
    violations, messages = check_profiles(document) if validate else (0, ())
    try:
        offers, answered = offers_of(document, editor=editor, kind=kind)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        detail = f"unusable searchset: {exc}"[:200]
        return BundleReading(
            unusable=True, violations=violations, messages=(detail, *messages)[:MAX_MESSAGES]
        )
    slot_entries = 0 if offers else sum(
        1 for e in entries if isinstance(e.get("resource"), dict)
        and e["resource"].get("resourceType") == "Slot"
    )  # fmt: skip
    if slot_entries:
        detail = f"none of the {slot_entries} Slot entries is usable (Schedule, actor, dates)"
        return BundleReading(
            unusable=True, violations=violations, messages=(detail, *messages)[:MAX_MESSAGES]
        )
    return BundleReading(
        offers=tuple(offers),
        answered_ids=frozenset(answered),
        violations=violations,
        messages=messages,
    )


def check_profiles(document: dict[str, Any]) -> tuple[int, tuple[str, ...]]:
    """Error-level profile issues in tolerant mode: ``(count, first messages)``."""
    # validate()'s issues without building (and sorting) the OperationOutcome: the errors in
    # its order (fatal first, then error, each as found).
    issues = validation_issues(document, mode="tolerant")
    errors = [i for i in issues if i["severity"] == "fatal"]
    errors += [i for i in issues if i["severity"] == "error"]
    messages = []
    for issue in errors[:MAX_MESSAGES]:
        text = issue.get("diagnostics") or (issue.get("details") or {}).get("text") or ""
        where = ", ".join(issue.get("expression") or ())
        messages.append(f"{where}: {text}"[:200] if where else str(text)[:200])
    return len(errors), tuple(messages)
