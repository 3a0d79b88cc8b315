"""INT_R02 regulator accounts, the editor side (IG digest §3): the writes the kit makes, only
with ``--accounts``, and their verdicts. Pure.

:func:`accounts_plan` follows one account through its life — create (technical id), duplicate
create, update, identifier change (technical → national id, then an update by the new id, which
must match: 200, not 201), deactivation — plus an upsert of an unknown account and four invalid
bodies, each under fresh identifiers. The last step deactivates the upserted account, so a run
leaves only inactive test accounts behind (there is no DELETE in INT_R02).
"""

from __future__ import annotations

import dataclasses
import random
import uuid
from typing import Any
from urllib.parse import quote

import orjson

from sasref.conformance.catalog import judged
from sasref.conformance.exchange import FHIR_JSON, Exchange, Step
from sasref.conformance.model import CheckResult, Verdict
from sasref.fhir.identifiers import make_rpps
from sasref.fhir.systems import IDNPS_SYSTEM, SAS_SYSTEM
from sasref.regulators.bodies import identifier_query, practitioner_regul_body
from sasref.regulators.model import RegulatorAccount

__all__ = ["AccountsPlan", "accounts_plan", "evaluate_accounts"]

Json = dict[str, Any]
_HEADERS = (("Accept", FHIR_JSON), ("Content-Type", FHIR_JSON))


@dataclasses.dataclass(frozen=True, slots=True)
class AccountsPlan:
    base_url: str
    technical_id: str
    national_id: str
    steps: dict[str, Step]


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _body(account: RegulatorAccount, drop: str | None = None) -> bytes:
    body = practitioner_regul_body(account)
    if drop is not None:
        body.pop(drop)
    return orjson.dumps(body)


def accounts_plan(base_url: str, rng: random.Random | None = None) -> AccountsPlan:
    """The INT_R02 steps, under identifiers drawn from ``rng`` (default: fresh random ones, so
    two runs against the same server never collide)."""
    rng = rng or random.Random()
    base = base_url.rstrip("/")
    tech, other, bad = _uuid(rng), _uuid(rng), _uuid(rng)
    national = "8" + make_rpps(f"99{rng.randrange(10**8):08d}")
    account = RegulatorAccount(tech, "CONFORMITE", "Test", f"sasref-check-{tech[:8]}@example.org")

    def post(key: str, body: bytes, purpose: str, expect: str) -> Step:
        return Step(f"accounts:{key}", "POST", f"{base}/Practitioner", purpose, _HEADERS, body,
                    expect)  # fmt: skip

    def put(key: str, system: str, value: str, body: bytes, purpose: str, expect: str) -> Step:
        query = quote(identifier_query(system, value), safe=":")
        return Step(f"accounts:{key}", "PUT", f"{base}/Practitioner?identifier={query}",
                    purpose, _HEADERS, body, expect)  # fmt: skip

    def changed(**fields: Any) -> RegulatorAccount:
        return dataclasses.replace(account, **fields)

    updated = changed(email=f"sasref-check-{tech[:8]}@example.net")
    renamed = dataclasses.replace(updated, national_id=national)  # technical → national id
    edited = dataclasses.replace(renamed, given="Test2")
    upserted = changed(technical_id=other)
    steps = [
        post("create", _body(account), "create an account (technical id)", "201"),
        post("duplicate", _body(account), "create it again", "4xx"),
        put("update", SAS_SYSTEM, tech, _body(updated), "change its e-mail", "200"),
        put("identifier-change", SAS_SYSTEM, tech, _body(renamed),
            "give it a national id (query: the old id)", "200"),
        put("by-new-identifier", IDNPS_SYSTEM, national, _body(edited),
            "update it by its new id", "200"),
        put("deactivation", IDNPS_SYSTEM, national,
            _body(dataclasses.replace(edited, active=False)), "deactivate it", "200"),
        put("upsert", SAS_SYSTEM, other, _body(upserted),
            "update an account that does not exist", "201"),
        post("invalid-json", b'{"resourceType": "Practitioner", ', "a body that is not JSON",
             "400"),
        post("invalid-type", orjson.dumps({"resourceType": "Patient", "active": True}),
             "a Patient", "4xx"),
        post("invalid-no-identifier", _body(changed(technical_id=bad), drop="identifier"),
             "a Practitioner without identifier", "4xx"),
        post("invalid-no-active", _body(changed(technical_id=bad), drop="active"),
             "a Practitioner without active", "4xx"),
        put("cleanup", SAS_SYSTEM, other, _body(dataclasses.replace(upserted, active=False)),
            "deactivate the upserted account (cleanup)", "200"),
    ]  # fmt: skip
    return AccountsPlan(base, tech, national, {s.key.split(":", 1)[1]: s for s in steps})


def _location_ok(exchange: Exchange, base: str) -> bool:
    location = exchange.headers.get("location", "")
    return location.startswith((f"{base}/Practitioner/", "Practitioner/"))


def _outcome_4xx(ex: Exchange, statuses: tuple[int, ...] | None = None) -> str | None:
    """Why ``ex`` is not the refusal expected (``None``: it is)."""
    if ex.status is None or not 400 <= ex.status < 500:
        return f"{ex.describe()}, a 4xx expected"
    if statuses and ex.status not in statuses:
        return f"{ex.status}, {' or '.join(map(str, statuses))} expected"
    if ex.resource("OperationOutcome") is None:
        return f"{ex.status} without an OperationOutcome"
    return None


def evaluate_accounts(plan: AccountsPlan, exchanges: dict[str, Exchange]) -> list[CheckResult]:
    ex = exchanges
    base = plan.base_url
    out = []

    def status(key: str, want: int, location: bool = False) -> str | None:
        got = ex[key]
        if got.status != want:
            return f"{got.step.purpose}: {got.describe()}, {want} expected"
        if location and not _location_ok(got, base):
            shown = got.headers.get("location") or "none"
            return f"{got.step.purpose}: Location {shown!r}, {base}/Practitioner/<id> expected"
        return None

    def verdict(check_id: str, problem: str | None, keys: tuple[str, ...], ok: str) -> None:
        evidence = [ex[k].evidence(ex[k].step.purpose) for k in keys]
        if problem is None:
            out.append(judged(check_id, Verdict.PASS, ok, evidence))
        else:
            out.append(judged(check_id, Verdict.FAIL, problem, evidence))

    created = status("create", 201, location=True)
    location = ex["create"].headers.get("location")
    verdict("accounts.create", created, ("create",), f"201, Location {location}")
    if ex["create"].status == 201:
        verdict("accounts.duplicate", _outcome_4xx(ex["duplicate"]), ("duplicate",),
                f"refused: {ex['duplicate'].describe()}")  # fmt: skip
    else:
        out.append(judged("accounts.duplicate", Verdict.SKIP, "the account was not created"))
    verdict("accounts.conditional-update", status("update", 200, location=True), ("update",),
            "200 with a Location")  # fmt: skip
    changed = status("identifier-change", 200) or status("by-new-identifier", 200)
    verdict("accounts.identifier-change", changed, ("identifier-change", "by-new-identifier"),
            "200, then 200 when updated by the new identifier")  # fmt: skip
    verdict("accounts.deactivation", status("deactivation", 200), ("deactivation",),
            "active=false accepted (200)")  # fmt: skip
    verdict("accounts.upsert", status("upsert", 201), ("upsert",), "201: created")
    invalid = ("invalid-json", "invalid-type", "invalid-no-identifier", "invalid-no-active")
    wanted: dict[str, tuple[int, ...] | None] = {
        "invalid-json": (400,),
        "invalid-type": None,
        "invalid-no-identifier": (400, 422),
        "invalid-no-active": (400, 422),
    }
    problems = [f"{ex[k].step.purpose}: {why}" for k in invalid
                if (why := _outcome_4xx(ex[k], wanted[k])) is not None]  # fmt: skip
    verdict("accounts.invalid-bodies", "; ".join(problems) or None, invalid,
            ", ".join(f"{ex[k].status}" for k in invalid) + ": each refused")  # fmt: skip
    return out
