"""The verdicts of one slot-search use case (INT_R01 ``ps``, INT_R04 ``cpts``, ``sos``). Pure.

:func:`evaluate_search` reads the exchanges of a :class:`~sasref.conformance.plan.SearchPlan`:
the transport checks over every answer (status, JSON, media type, searchset, time), the
per-answer checks of :mod:`sasref.conformance.searchset` over every searchset answered, and
the comparisons of each variant with the IG's query (:mod:`sasref.conformance.variants`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from sasref.conformance import variants as v
from sasref.conformance.catalog import CHECKS, judged
from sasref.conformance.exchange import Exchange
from sasref.conformance.model import CheckResult, Verdict
from sasref.conformance.plan import SearchPlan
from sasref.conformance.searchset import (
    FINDERS,
    Answer,
    Finding,
    SearchContext,
    profile_findings,
    self_link_findings,
)

__all__ = ["SearchSettings", "evaluate_search"]

_SHOWN = 3  # evidence kept per verdict
_FHIR_TYPES = ("application/fhir+json", "application/json+fhir")
#: Checks reading the Slots themselves: skipped, not passed, when no answer has one.
_SLOT_CHECKS = frozenset(
    {"instants", "specialty-coded", "status-free", "window", "identifier-filter", "booking-url"}
)
#: The answers whose self link is checked: the IG's own query forms (the variants' self links
#: may legitimately be normalised).
_IG_FORMS = ("basic", "unknown", "id-25")


@dataclass(frozen=True, slots=True)
class SearchSettings:
    strict: bool = False
    time_limit: float = 1.0
    finess: tuple[str, ...] = ()  # CPTS expected in INT_R04 answers (--finess)


def evaluate_search(
    plan: SearchPlan, exchanges: dict[str, Exchange], settings: SearchSettings
) -> list[CheckResult]:
    """Every check of ``plan.use_case``, in catalog order."""
    ctx = SearchContext(plan, exchanges)
    mode = "strict" if settings.strict else "tolerant"
    judges: dict[str, Callable[[], CheckResult]] = {
        "http-200": partial(_http_200, ctx),
        "json": partial(_json, ctx),
        "content-type": partial(_content_type, ctx),
        "searchset": partial(_searchset, ctx),
        "response-time": partial(_response_time, ctx, settings.time_limit),
        "self-link": partial(_over_answers, ctx, "self-link", self_link_findings, _IG_FORMS),
        "profiles": partial(_over_answers, ctx, "profiles", profile_findings(mode)),
        "unknown-id-empty": partial(v.unknown_empty, ctx),
        "id-one": partial(v.id_one, ctx),
        "id-25": partial(v.id_25, ctx),
        "id-26": partial(v.refused, ctx, "id-26"),
        "bad-request": partial(v.refused, ctx, "bad-request"),
        "include-none": partial(v.include_none, ctx),
        "accept-legacy": partial(v.accept_legacy, ctx),
        "cpts-link": partial(v.cpts_link, ctx),
        "finess": partial(v.finess, ctx, settings.finess),
        "has-filter": partial(v.has_filter, ctx),
    }
    for name, finder in FINDERS.items():
        judges[name] = partial(_over_answers, ctx, name, finder)
    for name, steps in v.SAME_SLOTS.items():
        judges[name] = partial(v.same, ctx, name, steps, v.matches)
    for name in v.SAME_ENTRIES:
        judges[name] = partial(v.same, ctx, name, (name,), v.all_keys)
    results = []
    for check_id in CHECKS:
        group, _, name = check_id.partition(".")
        if group != plan.use_case:
            continue
        try:
            results.append(judges[name]())
        except Exception as exc:  # a check must never stop the run: it errors, alone
            why = f"the kit could not judge: {type(exc).__name__}: {exc}"
            results.append(judged(check_id, Verdict.ERROR, why))
    return results


# --- transport checks ------------------------------------------------------------------------
def _failing(
    ctx: SearchContext,
    check: str,
    bad: list[tuple[Exchange, str]],
    total: int,
    what: str,
    none: str = "no answer to examine",
) -> CheckResult:
    if total == 0:
        return judged(ctx.id(check), Verdict.SKIP, none)
    if not bad:
        return judged(ctx.id(check), Verdict.PASS, f"{total} {what}")
    first = "; ".join(f"{ex.step.key}: {why}" for ex, why in bad[:_SHOWN])
    more = f" (+{len(bad) - _SHOWN} more)" if len(bad) > _SHOWN else ""
    return judged(ctx.id(check), Verdict.FAIL, f"{len(bad)} of {total}: {first}{more}",
                  [ex.evidence(why) for ex, why in bad[:_SHOWN]])  # fmt: skip


def _http_200(ctx: SearchContext) -> CheckResult:
    wanted = [ex for ex in ctx.exchanges.values()
              if ex.step.expect == "200" and not ex.step.optional]  # fmt: skip
    bad = [(ex, ex.describe()) for ex in wanted if ex.status != 200]
    return _failing(ctx, "http-200", bad, len(wanted), "searches answered 200")


def _answered(ctx: SearchContext) -> list[Exchange]:
    return [ex for ex in ctx.exchanges.values() if ex.has_answer]


def _json(ctx: SearchContext) -> CheckResult:
    answered = [ex for ex in _answered(ctx) if ex.body.strip() or ex.status == 200]
    bad = [(ex, ex.json_error or "") for ex in answered if ex.json_error]
    return _failing(ctx, "json", bad, len(answered), "answers are JSON")


def _content_type(ctx: SearchContext) -> CheckResult:
    answered = _answered(ctx)
    bad = []
    plain = 0
    for ex in answered:
        media = ex.content_type.split(";", 1)[0].strip().lower()
        if media == "application/json":
            plain += 1
        elif media not in _FHIR_TYPES:
            bad.append((ex, f"Content-Type {ex.content_type or '(none)'!r}"))
    result = _failing(ctx, "content-type", bad, len(answered), "answers are FHIR JSON")
    if result.verdict is Verdict.PASS and plain:
        note = f" ({plain} as application/json: application/fhir+json is the FHIR mime type)"
        return judged(result.id, Verdict.PASS, result.message + note)
    return result


def _searchset(ctx: SearchContext) -> CheckResult:
    ok = [ex for ex in ctx.exchanges.values() if ex.status == 200 and ex.json_error is None]
    bad = []
    for ex in ok:
        doc = ex.document
        rtype = doc.get("resourceType") if isinstance(doc, dict) else type(doc).__name__
        kind = doc.get("type") if isinstance(doc, dict) else None
        if rtype != "Bundle" or kind != "searchset":
            bad.append((ex, f"a {rtype} of type {kind!r}, not a searchset Bundle"))
    return _failing(ctx, "searchset", bad, len(ok), "answers are searchset Bundles",
                    "no 200 JSON answer to examine")  # fmt: skip


def _response_time(ctx: SearchContext, limit: float) -> CheckResult:
    timed = [ex for ex in ctx.exchanges.values() if ex.elapsed is not None]
    late = [ex for ex in ctx.exchanges.values() if not ex.has_answer and ex.error]
    bad = [(ex, ex.describe()) for ex in late]
    bad += [(ex, f"{ex.elapsed * 1000:.0f} ms") for ex in timed
            if ex.has_answer and ex.elapsed is not None and ex.elapsed >= limit]  # fmt: skip
    result = _failing(ctx, "response-time", bad, len(timed), f"searches within {limit:g} s")
    if result.verdict is Verdict.PASS:
        slowest = max(ex.elapsed or 0 for ex in timed)
        return judged(result.id, Verdict.PASS, f"{result.message}, slowest {slowest * 1000:.0f} ms")
    return result


# --- per-answer checks -----------------------------------------------------------------------
def _over_answers(
    ctx: SearchContext,
    name: str,
    finder: Callable[[Answer], list[Finding]],
    steps: tuple[str, ...] | None = None,
) -> CheckResult:
    check_id = ctx.id(name)
    if steps is not None:
        answers = [a for n, a in ctx.answers.items() if n in steps]
    else:  # include-none is not the IG's search: its Slots lack their Schedule on purpose
        answers = [a for n, a in ctx.answers.items() if n != "include-none"]
    if not answers:
        return judged(check_id, Verdict.SKIP, f"no searchset answer to examine (see "
                                              f"{ctx.id('http-200')})")  # fmt: skip
    if name in _SLOT_CHECKS and not any(any(a.slots) for a in answers):
        return judged(check_id, Verdict.SKIP, f"no Slot in the answers: {ctx.no_ids()}")
    found: list[tuple[Answer, list[Finding]]] = []
    for a in answers:
        findings = finder(a)
        if findings:
            found.append((a, findings))
    if not found:
        slots = sum(1 for a in answers for _ in a.slots)
        return judged(check_id, Verdict.PASS, f"{len(answers)} answers, {slots} Slots seen")
    first = found[0][1]
    count = sum(len(f) for _, f in found)
    more = f" — {count} findings in {len(found)} of {len(answers)} answers" if count > 1 else ""
    evidence = [a.exchange.evidence(f[0][0], f[0][1]) for a, f in found[:_SHOWN]]
    return judged(check_id, Verdict.FAIL, f"{first[0][0]}{more}", evidence)
