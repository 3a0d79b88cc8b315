"""The thin HTTP side of ``sasref check``: send the planned steps, one at a time, on an injected
``httpx.AsyncClient`` and hand the exchanges to the pure verdicts.

:func:`run_checks` runs the stages in order — ``/metadata`` (an answer-less server raises
:class:`Unreachable`), discovery of what was not given, each slot-search use case, INT_R02 (only
with ``accounts=True``: the kit never writes otherwise), the TLS probes — and returns the
:class:`~sasref.conformance.model.Report`. Requests go one at a time, so each is timed alone;
after three requests in a row got no answer, the rest of the use case is not sent.

Tests and notebooks pass a client mounted on in-process mock editors (``config.tls=None``: no
TLS to probe); the command line passes one on sockets, with the client certificate.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx

from sasref.clock import Clock, SystemClock
from sasref.conformance import metadata as meta
from sasref.conformance.accounts import accounts_plan, evaluate_accounts
from sasref.conformance.catalog import CHECKS, SEARCH_USE_CASES, judged
from sasref.conformance.exchange import Exchange, Step
from sasref.conformance.model import CheckResult, Report, Verdict
from sasref.conformance.plan import search_plan
from sasref.conformance.search import SearchSettings, evaluate_search
from sasref.conformance.searchset import Answer
from sasref.conformance.tls import TlsOptions, evaluate_tls, run_probes
from sasref.conformance.variants import discovered_finess
from sasref.errors import SasrefError

__all__ = ["USE_CASES", "CheckConfig", "ProgressSink", "Unreachable", "run_checks"]

USE_CASES = (*SEARCH_USE_CASES, "accounts")
_GIVE_UP_AFTER = 3  # requests in a row without an answer


class Unreachable(SasrefError):
    """The server did not answer ``GET [base]/metadata`` at all (connection, DNS, TLS)."""


class ProgressSink(Protocol):
    """Where the runner reports progress (the command line draws a bar on stderr)."""

    def planned(self, steps: int) -> None: ...

    def done(self, description: str) -> None: ...


@dataclass(frozen=True, slots=True)
class CheckConfig:
    """What to check. ``use_cases`` empty = every use case the CapabilityStatement declares
    (all three searches when it declares none); ``rpps``/``siret``/``finess`` are prefixed or
    not; ``accounts`` allows the INT_R02 writes; ``tls`` the PEM files of the probes (``None``:
    no TLS probe, e.g. in process); ``time_limit`` is the per-search limit of
    ``*.response-time``, ``timeout`` the time after which a request has no answer."""

    base_url: str
    use_cases: tuple[str, ...] = ()
    rpps: tuple[str, ...] = ()
    siret: tuple[str, ...] = ()
    finess: tuple[str, ...] = ()
    accounts: bool = False
    strict: bool = False
    timeout: float = 7.0
    time_limit: float = 1.0
    tls: TlsOptions | None = None
    clock: Clock = field(default_factory=SystemClock)
    seed: int | None = None  # INT_R02 identifiers: fixed by a seed, else fresh each run


class _Runner:
    def __init__(self, client: httpx.AsyncClient, config: CheckConfig, progress: Any) -> None:
        self.client, self.config, self.progress = client, config, progress
        self.silent = 0

    async def send(self, step: Step) -> Exchange:
        if self.silent >= _GIVE_UP_AFTER:
            exchange = Exchange(step, not_sent=f"{_GIVE_UP_AFTER} requests in a row got no answer")
        else:
            exchange = await _send(self.client, step, self.config.timeout)
            self.silent = 0 if exchange.has_answer else self.silent + 1
        if self.progress is not None:
            self.progress.done(step.key)
        return exchange

    async def send_all(self, steps: dict[str, Step]) -> dict[str, Exchange]:
        if self.progress is not None:
            self.progress.planned(len(steps))
        self.silent = 0
        return {name: await self.send(step) for name, step in steps.items()}


async def _send(client: httpx.AsyncClient, step: Step, seconds: float) -> Exchange:
    started = time.perf_counter()
    try:
        # asyncio's deadline covers in-process transports too, where httpx timeouts do not apply
        async with asyncio.timeout(seconds):
            response = await client.request(step.method, step.url, headers=dict(step.headers),
                                            content=step.body, timeout=seconds)  # fmt: skip
    except TimeoutError:
        return Exchange(step, elapsed=seconds, error=f"no answer within {seconds:g} s")
    except httpx.HTTPError as exc:
        elapsed = time.perf_counter() - started
        return Exchange(step, elapsed=elapsed, error=f"{type(exc).__name__}: {exc}".rstrip(": "))
    elapsed = time.perf_counter() - started
    return Exchange.answered(step, response.status_code, response.headers, response.content,
                             elapsed)  # fmt: skip


def _prefixed(values: Iterable[str], prefix: Any) -> tuple[str, ...]:
    return tuple(dict.fromkeys(prefix(v.strip()) for v in values if v.strip()))


async def run_checks(
    client: httpx.AsyncClient, config: CheckConfig, progress: ProgressSink | None = None
) -> Report:
    """Run every check of ``config`` against ``config.base_url`` through ``client``."""
    from sasref.search.query import prefix_practitioner_id, prefix_structure_id

    started, clock = time.perf_counter(), config.clock
    runner = _Runner(client, config, progress)
    base = config.base_url.rstrip("/")
    if progress is not None:
        progress.planned(1)
    md = await runner.send(meta.metadata_step(base))
    if not md.has_answer and md.error and not md.error.startswith("no answer within"):
        hint = ""
        if urlsplit(base).scheme == "https" and not (config.tls and config.tls.pair):
            hint = " (an mTLS server refuses a client without a certificate: --cert/--key/--ca)"
        raise Unreachable(f"cannot reach {base}: {md.error}{hint}")
    cs = md.resource("CapabilityStatement") if md.status == 200 else None
    declared = meta.declared_use_cases(cs)
    explicit = bool(config.use_cases)
    if explicit or declared:
        searches = [uc for uc in SEARCH_USE_CASES if uc in (config.use_cases or declared)]
    else:  # no usable CapabilityStatement: every search, the metadata checks say why
        searches = list(SEARCH_USE_CASES)
    with_accounts = "accounts" in config.use_cases if explicit else True
    checked = (*searches, *(["accounts"] if with_accounts else []))
    report = Report(base, clock.now(), checked, config.strict)
    results: list[CheckResult] = [meta.evaluate_capability(md)]
    for uc in SEARCH_USE_CASES:
        if uc not in searches and not explicit:
            report.notes.append(f"{uc}: not declared by the CapabilityStatement, not checked "
                                f"(--use-case {uc} checks it anyway)")  # fmt: skip

    ids = {"ps": _prefixed(config.rpps, prefix_practitioner_id),
           "sos": _prefixed(config.siret, prefix_structure_id)}  # fmt: skip
    finess = _prefixed(config.finess, prefix_structure_id)
    await _discover(runner, cs, base, searches, ids, report)
    ids["cpts"] = ids["ps"]
    served: dict[str, Exchange] = {}
    settings = SearchSettings(config.strict, config.time_limit, finess)
    for uc in searches:
        plan = search_plan(uc, base, ids[uc], clock.now())
        exchanges = await runner.send_all(plan.steps)
        served[uc] = exchanges["unknown"]
        results += evaluate_search(plan, exchanges, settings)
        if uc == "cpts" and not finess:
            bundles = [(ex, ex.resource("Bundle")) for ex in exchanges.values() if ex.status == 200]
            answers = [Answer(ex, b, uc) for ex, b in bundles if b is not None]
            found = discovered_finess(answers)
            report.notes.append(f"cpts: CPTS found in the answers: {', '.join(found) or 'none'}")
    if with_accounts:
        results += await _accounts(runner, config, base)
    results += await _tls(config, base)
    results.append(meta.evaluate_use_cases(declared, checked, explicit, cs is not None))
    results.append(meta.evaluate_matches_served(cs, declared, served))
    results.append(meta.evaluate_ig_profiles(cs))
    order = {check_id: i for i, check_id in enumerate(CHECKS)}
    report.results = sorted(results, key=lambda r: order[r.id])
    report.duration_s = time.perf_counter() - started
    return report


async def _discover(
    runner: _Runner,
    cs: dict[str, Any] | None,
    base: str,
    searches: list[str],
    ids: dict[str, tuple[str, ...]],
    report: Report,
) -> None:
    """Fill in the identifiers not given, when the CapabilityStatement lets a client list them."""
    wanted = {"ps": "ps" in searches or "cpts" in searches, "sos": "sos" in searches}
    steps = meta.discovery_steps(cs, base)
    for uc, option in (("ps", "--rpps"), ("sos", "--siret")):
        if not wanted[uc] or ids[uc]:
            continue
        step = steps.get(uc)
        if step is None:
            report.notes.append(f"{uc}: no {option} given, and the CapabilityStatement declares "
                                "no search listing them: only the checks needing no identifier "
                                "ran")  # fmt: skip
            continue
        found = meta.discovered_ids(await runner.send(step), uc)
        ids[uc] = found
        report.notes.append(f"{uc}: {len(found)} identifiers discovered through {step.url}"
                            + (f": {', '.join(found[:5])}" if found else ""))  # fmt: skip


async def _accounts(runner: _Runner, config: CheckConfig, base: str) -> list[CheckResult]:
    names = [c for c in CHECKS if c.startswith("accounts.")]
    if not config.accounts:
        why = "INT_R02 writes accounts: pass --accounts to allow them (the kit never writes "\
              "otherwise)"  # fmt: skip
        return [judged(c, Verdict.SKIP, why) for c in names]
    rng = random.Random(config.seed) if config.seed is not None else None
    plan = accounts_plan(base, rng)
    return evaluate_accounts(plan, await runner.send_all(plan.steps))


async def _tls(config: CheckConfig, base: str) -> list[CheckResult]:
    scheme = urlsplit(base).scheme
    options = config.tls
    if options is None:
        return evaluate_tls(None, "in process: no TLS connection to examine", False)
    if scheme != "https":
        return evaluate_tls(None, "plain http: the SAS calls editors over https with mTLS; "
                            "check the https endpoint", False)  # fmt: skip
    probes = await run_probes(base, options, config.timeout)
    return evaluate_tls(probes, "", options.pair is not None)
