"""Switchable quirks and faults of a mock editor (issue 3; digest §13 for the quirks).

**Quirks** are the traps real editors set for the SAS aggregator; the answer stays a parseable
searchset but strays from the IG:

=========================  ====================================================================
``unprefixed_ids``         identifiers stored and answered without their type prefix (RPPS 11
                           digits, FINESS 9, SIRET 14); matching on prefixed queries still works
``text_only_specialities`` ``Slot.specialty`` as ``{"text": …}`` only (the FAQ's advice, which the
                           required binding rejects)
``raw_plus_offsets``       the ``self`` link echoes the query unencoded (raw ``+``) and slot
                           instants carry the ``+`` of their offset decoded to a space
``missing_search_mode``    included entries without ``search.mode``
``wrong_total``            ``total`` counts every entry (PS/CPTS) or the Slots (SOS, as the IG
                           example does) instead of the matches
=========================  ====================================================================

**Faults** break the exchange: a latency distribution, errors (500/503 with an
OperationOutcome), hangs (the answer never comes; the request stays cancellable), malformed
JSON, invalid FHIR (a searchset breaking the profiles) and a wrong ``Content-Type``. Rates are
probabilities drawn from the editor's seeded ``random.Random``.
"""

from __future__ import annotations

import json
import math
import random
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from sasref.fhir.systems import IDNPS_SYSTEM, IDNST_SYSTEM

Json = dict[str, Any]


class Quirks(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    unprefixed_ids: bool = False
    text_only_specialities: bool = False
    raw_plus_offsets: bool = False
    missing_search_mode: bool = False
    wrong_total: bool = False

    def any(self) -> bool:
        return any(self.model_dump().values())


class Latency(BaseModel):
    """Added delay before answering, in milliseconds."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    kind: Literal["none", "fixed", "uniform", "lognormal"] = "none"
    ms: float = Field(0.0, ge=0)  # fixed
    low_ms: float = Field(0.0, ge=0)  # uniform
    high_ms: float = Field(0.0, ge=0)
    median_ms: float = Field(0.0, ge=0)  # lognormal: exp(mu) = median
    sigma: float = Field(0.5, ge=0)

    def draw(self, rng: random.Random) -> float:
        """A delay in seconds."""
        if self.kind == "fixed":
            ms = self.ms
        elif self.kind == "uniform":
            ms = rng.uniform(self.low_ms, max(self.low_ms, self.high_ms))
        elif self.kind == "lognormal" and self.median_ms > 0:
            ms = rng.lognormvariate(math.log(self.median_ms), self.sigma)
        else:
            ms = 0.0
        return ms / 1000.0


class Faults(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    latency: Latency = Field(default_factory=Latency)
    error_rate: float = Field(0.0, ge=0, le=1)
    error_statuses: list[Literal[500, 503]] = Field(default_factory=lambda: [500, 503])  # type: ignore[arg-type]
    hang_rate: float = Field(0.0, ge=0, le=1)
    hang_seconds: float = Field(3600.0, gt=0)
    malformed_json_rate: float = Field(0.0, ge=0, le=1)
    invalid_fhir_rate: float = Field(0.0, ge=0, le=1)
    wrong_content_type_rate: float = Field(0.0, ge=0, le=1)


class Behaviour(BaseModel):
    """What ``GET/PUT /admin/behaviour`` reads and writes."""

    model_config = ConfigDict(extra="forbid")

    quirks: Quirks = Field(default_factory=Quirks)
    faults: Faults = Field(default_factory=Faults)

    def merged(self, patch: Json) -> Behaviour:
        """A new behaviour with ``patch`` (a partial JSON object) merged in; validates."""
        return Behaviour.model_validate(_deep_merge(self.model_dump(), patch))


def _deep_merge(base: Json, patch: Json) -> Json:
    out = dict(base)
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


# --- quirks applied to a conformant searchset ------------------------------------------------
_PREFIXED = {IDNPS_SYSTEM: {"8": 12, "0": 10}, IDNST_SYSTEM: {"1": 10, "3": 15, "4": 0}}


def _unprefix(identifier: Json) -> None:
    value, rules = identifier.get("value"), _PREFIXED.get(identifier.get("system", ""))
    if not isinstance(value, str) or rules is None or not value:
        return
    length = rules.get(value[0])
    if length is not None and (length == 0 or len(value) == length):
        identifier["value"] = value[1:]


def apply_quirks(
    bundle: Json, quirks: Quirks, *, raw_self_url: str, specialities: dict[str, str]
) -> Json:
    """Apply ``quirks`` in place to a searchset built by :func:`sasref.search.build_searchset`."""
    entries: list[Json] = bundle.get("entry") or []
    if quirks.raw_plus_offsets:
        bundle["link"] = [{"relation": "self", "url": raw_self_url}]
    for entry in entries:
        resource = entry["resource"]
        rtype = resource["resourceType"]
        if quirks.unprefixed_ids:
            for ident in resource.get("identifier") or []:
                _unprefix(ident)
            org = (resource.get("organization") or {}).get("identifier")
            if isinstance(org, dict):
                _unprefix(org)
        if rtype == "Slot":
            if quirks.text_only_specialities and resource.get("specialty"):
                resource["specialty"] = [
                    {"text": specialities.get(c["code"], c["code"])}
                    for cc in resource["specialty"]
                    for c in cc.get("coding") or []
                ]
            if quirks.raw_plus_offsets:
                for key in ("start", "end"):
                    resource[key] = resource[key].replace("+", " ")
        if quirks.missing_search_mode and entry.get("search", {}).get("mode") == "include":
            entry.pop("search", None)
    if quirks.wrong_total and entries:
        is_sos = any(
            e["resource"]["resourceType"] == "Location" and "managingOrganization" in e["resource"]
            for e in entries
        )
        slots = sum(1 for e in entries if e["resource"]["resourceType"] == "Slot")
        bundle["total"] = slots if is_sos else len(entries)
    return bundle


# --- output faults ---------------------------------------------------------------------------
def break_fhir(bundle: Json) -> Json:
    """A searchset that breaks the profiles: slots not free and detached from their Schedule."""
    broken: Json = json.loads(json.dumps(bundle))
    slots = [
        e["resource"] for e in broken.get("entry") or [] if e["resource"]["resourceType"] == "Slot"
    ]
    for slot in slots:
        slot["status"] = "busy"
        slot.pop("schedule", None)
    if not slots:  # nothing to spoil: spoil the Bundle itself
        broken["type"] = "collection"
        broken.pop("link", None)
    return broken


def malformed(body: bytes) -> bytes:
    """A truncated JSON document."""
    return body[: max(1, len(body) // 2)]
