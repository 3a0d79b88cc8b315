"""The verdicts of one slot-search use case (INT_R01 ``ps``, INT_R04 ``cpts``, ``sos``). Pure.

:func:`evaluate_search` reads the exchanges of a :class:`~sasref.conformance.plan.SearchPlan`:
the transport checks over every answer (status, JSON, media type, searchset, time), the
per-answer checks of :mod:`sasref.conformance.searchset` over every searchset answered, and
the comparisons of each variant with the IG's query (``basic``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any

from sasref.conformance.catalog import CHECKS
from sasref.conformance.exchange import Exchange
from sasref.conformance.model import CheckResult, Evidence, Verdict
from sasref.conformance.plan import SearchPlan
from sasref.conformance.searchset import (
    FINDERS,
    Answer,
    Finding,
    owned_keys,
    profile_findings,
    self_link_findings,
)

__all__ = ["SearchSettings", "evaluate_search", "judged"]

_SHOWN = 3  # evidence kept per verdict
_FHIR_TYPES = ("application/fhir+json", "application/json+fhir")
#: Checks reading the Slots themselves: skipped, not passed, when no answer has one.
_SLOT_CHECKS = frozenset(
    {"instants", "specialty-coded", "status-free", "window", "identifier-filter", "booking-url"}
)
#: Variant checks comparing answers with the IG's query: name → steps compared.
_SAME_SLOTS = {
    "id-pipe": ("id-pipe",),
    "id-unprefixed": ("id-unprefixed",),
    "id-spaces": ("id-spaces",),
    "date-offsets": ("date-utc", "date-no-millis"),
    "date-no-offset": ("date-no-offset",),
}
#: The answers whose self link is checked: the IG's own query forms (the variants' self links
#: may legitimately be normalised).
_IG_FORMS = ("basic", "unknown", "id-25")
_SAME_ENTRIES = {
    "include-order": "include-order",
    "include-plain-actor": "include-plain-actor",
    "include-casing": "include-casing",
}


@dataclass(frozen=True, slots=True)
class SearchSettings:
    strict: bool = False
    time_limit: float = 1.0
    finess: tuple[str, ...] = ()  # CPTS expected in INT_R04 answers (--finess)


def judged(
    check_id: str, verdict: Verdict, message: str, evidence: Iterable[Evidence] = ()
) -> CheckResult:
    return CheckResult(CHECKS[check_id], verdict, message, tuple(evidence))


class _Context:
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
        return f"{self.uc}.{name}"

    def no_ids(self) -> str:
        return f"needs identifiers with free slots: give {self.option}"


def evaluate_search(
    plan: SearchPlan, exchanges: dict[str, Exchange], settings: SearchSettings
) -> list[CheckResult]:
    """Every check of ``plan.use_case``, in catalog order."""
    ctx = _Context(plan, exchanges)
    mode = "strict" if settings.strict else "tolerant"
    judges: dict[str, Callable[[], CheckResult]] = {
        "http-200": partial(_http_200, ctx),
        "json": partial(_json, ctx),
        "content-type": partial(_content_type, ctx),
        "searchset": partial(_searchset, ctx),
        "response-time": partial(_response_time, ctx, settings.time_limit),
        "self-link": partial(_over_answers, ctx, "self-link", self_link_findings, _IG_FORMS),
        "profiles": partial(_over_answers, ctx, "profiles", profile_findings(mode)),
        "unknown-id-empty": partial(_unknown_empty, ctx),
        "id-one": partial(_id_one, ctx),
        "id-25": partial(_id_25, ctx),
        "id-26": partial(_refused, ctx, "id-26"),
        "bad-request": partial(_refused, ctx, "bad-request"),
        "include-none": partial(_include_none, ctx),
        "accept-legacy": partial(_accept_legacy, ctx),
        "cpts-link": partial(_cpts_link, ctx),
        "finess": partial(_finess, ctx, settings.finess),
        "has-filter": partial(_has_filter, ctx),
    }
    for name, finder in FINDERS.items():
        judges[name] = partial(_over_answers, ctx, name, finder)
    for name, steps in _SAME_SLOTS.items():
        judges[name] = partial(_same, ctx, name, steps, _matches)
    for name, step in _SAME_ENTRIES.items():
        judges[name] = partial(_same, ctx, name, (step,), _all_keys)
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
    ctx: _Context,
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


def _http_200(ctx: _Context) -> CheckResult:
    wanted = [ex for ex in ctx.exchanges.values()
              if ex.step.expect == "200" and not ex.step.optional]  # fmt: skip
    bad = [(ex, ex.describe()) for ex in wanted if ex.status != 200]
    return _failing(ctx, "http-200", bad, len(wanted), "searches answered 200")


def _answered(ctx: _Context) -> list[Exchange]:
    return [ex for ex in ctx.exchanges.values() if ex.has_answer]


def _json(ctx: _Context) -> CheckResult:
    answered = [ex for ex in _answered(ctx) if ex.body.strip() or ex.status == 200]
    bad = [(ex, ex.json_error or "") for ex in answered if ex.json_error]
    return _failing(ctx, "json", bad, len(answered), "answers are JSON")


def _content_type(ctx: _Context) -> CheckResult:
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


def _searchset(ctx: _Context) -> CheckResult:
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


def _response_time(ctx: _Context, limit: float) -> CheckResult:
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
    ctx: _Context,
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


# --- comparisons with the IG's query ---------------------------------------------------------
def _matches(a: Answer) -> set[str]:
    """The Slots (and SOS Schedules) an answer offers."""
    return a.keys("Slot", "Schedule") if a.use_case == "sos" else a.keys("Slot")


def _all_keys(a: Answer) -> set[str]:
    return a.keys()


def _diff(got: set[str], want: set[str]) -> str:
    parts = []
    if want - got:
        parts.append(f"missing {sorted(want - got)[:3]}")
    if got - want:
        parts.append(f"extra {sorted(got - want)[:3]}")
    return ", ".join(parts)


def _basic(ctx: _Context, check_id: str) -> Answer | CheckResult:
    if "basic" not in ctx.plan.steps:
        return judged(check_id, Verdict.SKIP, ctx.no_ids())
    basic = ctx.answers.get("basic")
    if basic is None:
        ex = ctx.exchanges.get("basic")
        why = ex.describe_searchset() if ex is not None else "not sent"
        return judged(check_id, Verdict.SKIP, f"the IG's query itself failed: {why}")
    return basic


def _same(
    ctx: _Context, name: str, steps: tuple[str, ...], keys: Callable[[Answer], set[str]]
) -> CheckResult:
    check_id = ctx.id(name)
    basic = _basic(ctx, check_id)
    if isinstance(basic, CheckResult):
        return basic
    planned = [s for s in steps if s in ctx.plan.steps]
    if not planned:
        return judged(check_id, Verdict.SKIP, "not applicable to the identifiers given "
                      "(a single one, or none with an unprefixed form)")  # fmt: skip
    want = keys(basic)
    for step in planned:
        ex = ctx.exchanges[step]
        answer = ctx.answers.get(step)
        if answer is None:
            return judged(check_id, Verdict.FAIL, f"{ex.step.purpose}: {ex.describe_searchset()}",
                          [ex.evidence(ex.step.purpose)])  # fmt: skip
        got = keys(answer)
        if got != want:
            message = (f"{ex.step.purpose}: {len(got)} entries where the IG's query gives "
                       f"{len(want)} ({_diff(got, want)})")  # fmt: skip
            return judged(
                check_id,
                Verdict.FAIL,
                message,
                [ex.evidence(message), basic.exchange.evidence("the IG's query")],
            )
    return judged(check_id, Verdict.PASS, f"same {len(want)} entries as the IG's query "
                  f"({', '.join(ctx.plan.steps[s].purpose for s in planned)})")  # fmt: skip


def _unknown_empty(ctx: _Context) -> CheckResult:
    check_id, ex = ctx.id("unknown-id-empty"), ctx.exchanges.get("unknown")
    if ex is None:
        return judged(check_id, Verdict.SKIP, "not sent")
    answer = ctx.answers.get("unknown")
    if answer is None:
        return judged(check_id, Verdict.FAIL, f"{ex.describe_searchset()}, not an empty "
                      "searchset", [ex.evidence()])  # fmt: skip
    problems = []
    if answer.bundle.get("total") != 0:
        problems.append(f"total {answer.bundle.get('total')!r}, not 0")
    if answer.entries:
        problems.append(f"{len(answer.entries)} entries ({sorted(answer.keys())[:3]})")
    if not self_link_present(answer.bundle):
        problems.append("no self link")
    if problems:
        return judged(check_id, Verdict.FAIL, "; ".join(problems), [ex.evidence()])
    return judged(check_id, Verdict.PASS, "200, total 0, no entry, a self link")


def self_link_present(bundle: dict[str, Any]) -> bool:
    links = bundle.get("link")
    return any(isinstance(link, dict) and link.get("relation") == "self"
               for link in (links if isinstance(links, list) else []))  # fmt: skip


def _with_basic(ctx: _Context, name: str) -> tuple[Answer, Answer] | CheckResult:
    """The IG query's answer and step ``name``'s, or the verdict when either is missing."""
    check_id = ctx.id(name)
    basic = _basic(ctx, check_id)
    if isinstance(basic, CheckResult):
        return basic
    ex, answer = ctx.exchanges[name], ctx.answers.get(name)
    if answer is None:
        return judged(check_id, Verdict.FAIL, ex.describe_searchset(), [ex.evidence()])
    return basic, answer


def _id_one(ctx: _Context) -> CheckResult:
    check_id = ctx.id("id-one")
    pair = _with_basic(ctx, "id-one")
    if isinstance(pair, CheckResult):
        return pair
    basic, answer = pair
    ex = answer.exchange
    if len(ctx.plan.ids) > 1 and basic.problems("orphan-slot", "unresolved-reference"):
        return judged(check_id, Verdict.SKIP, "the IG query's answer does not tie its Slots to "
                      f"their owners (see {ctx.id('references')})")  # fmt: skip
    one = ctx.plan.ids[0]
    want = owned_keys(basic, one) if len(ctx.plan.ids) > 1 else _matches(basic)
    got = _matches(answer)
    if got != want:
        message = (f"{one} alone: {len(got)} entries, {len(want)} in the IG's query "
                   f"({_diff(got, want)})")  # fmt: skip
        return judged(check_id, Verdict.FAIL, message, [ex.evidence(message)])
    return judged(check_id, Verdict.PASS, f"{one} alone: the same {len(want)} entries")


def _id_25(ctx: _Context) -> CheckResult:
    check_id = ctx.id("id-25")
    ex, answer = ctx.exchanges.get("id-25"), ctx.answers.get("id-25")
    if ex is None:
        return judged(check_id, Verdict.SKIP, "not sent")
    if answer is None:
        return judged(check_id, Verdict.FAIL, f"25 identifiers: {ex.describe_searchset()}",
                      [ex.evidence()])  # fmt: skip
    if "basic" not in ctx.plan.steps:
        return judged(check_id, Verdict.PASS, "25 unknown identifiers accepted (no identifier "
                      f"given to compare slots: {ctx.option})")  # fmt: skip
    return _same(ctx, "id-25", ("id-25",), _matches)


def _refused(ctx: _Context, name: str) -> CheckResult:
    check_id, ex = ctx.id(name), ctx.exchanges.get(name)
    if ex is None:
        return judged(check_id, Verdict.SKIP, "not sent")
    if ex.status is not None and 400 <= ex.status < 500:
        if ex.resource("OperationOutcome") is not None:
            return judged(check_id, Verdict.PASS, f"{ex.describe()}")
        return judged(check_id, Verdict.FAIL, f"{ex.status} without an OperationOutcome body",
                      [ex.evidence()])  # fmt: skip
    return judged(check_id, Verdict.FAIL, f"{ex.step.purpose}: {ex.describe()}, a 4xx "
                  "OperationOutcome expected", [ex.evidence()])  # fmt: skip


def _include_none(ctx: _Context) -> CheckResult:
    check_id = ctx.id("include-none")
    pair = _with_basic(ctx, "include-none")
    if isinstance(pair, CheckResult):
        return pair
    basic, answer = pair
    ex = answer.exchange
    target = answer.target
    want, got = basic.keys(target), answer.keys(target)
    others = answer.keys() - got
    if got != want or others:
        message = (f"without _include: {len(got)} {target}s ({_diff(got, want)}) and "
                   f"{len(others)} other entries {sorted(others)[:3]}")  # fmt: skip
        return judged(check_id, Verdict.FAIL, message, [ex.evidence(message)])
    return judged(check_id, Verdict.PASS, f"the {len(want)} {target}s alone")


def _accept_legacy(ctx: _Context) -> CheckResult:
    check_id, ex = ctx.id("accept-legacy"), ctx.exchanges.get("accept-legacy")
    if ex is None:
        return judged(check_id, Verdict.SKIP, "not sent")
    if "accept-legacy" in ctx.answers:
        return judged(check_id, Verdict.PASS, "answered 200 with a searchset")
    return judged(check_id, Verdict.FAIL, f"Accept: application/json+fhir: "
                  f"{ex.describe_searchset()}", [ex.evidence()])  # fmt: skip


def _ig_answers(ctx: _Context) -> list[Answer]:
    return [a for n, a in ctx.answers.items() if n != "include-none"]


def _cpts_link(ctx: _Context) -> CheckResult:
    check_id = ctx.id("cpts-link")
    cpts_slots = [(a, s) for a in _ig_answers(ctx) for s in a.graph.slots if "CPTS" in s.types]
    if not cpts_slots:
        return judged(check_id, Verdict.SKIP, "no CPTS slot in the answers: give --rpps of a "
                      "practitioner with CPTS slots")  # fmt: skip
    bad = [(a, s) for a, s in cpts_slots if not s.cpts or any(c.finess is None for c in s.cpts)]
    if bad:
        a, s = bad[0]
        message = f"Slot/{s.id} is a CPTS slot that leads to no CPTS Organization with a FINESS"
        return judged(check_id, Verdict.FAIL, f"{message} ({len(bad)} such slots)",
                      [a.exchange.evidence(message)])  # fmt: skip
    found = sorted({c.finess or "" for _, s in cpts_slots for c in s.cpts})
    return judged(check_id, Verdict.PASS, f"{len(cpts_slots)} CPTS slots reach {found}")


def discovered_finess(answers: Iterable[Answer]) -> list[str]:
    return sorted({c.finess for a in answers for s in a.graph.slots for c in s.cpts if c.finess})


def _finess(ctx: _Context, expected: tuple[str, ...]) -> CheckResult:
    check_id = ctx.id("finess")
    found = discovered_finess(_ig_answers(ctx))
    if not expected:
        return judged(check_id, Verdict.SKIP, f"no --finess given (found in the answers: "
                      f"{', '.join(found) or 'none'})")  # fmt: skip
    missing = [f for f in expected if f not in found]
    if missing:
        return judged(check_id, Verdict.FAIL, f"CPTS {missing} not in the answers (found "
                      f"{found or 'none'})")  # fmt: skip
    return judged(check_id, Verdict.PASS, f"CPTS {list(expected)} found")


def _has_filter(ctx: _Context) -> CheckResult:
    check_id = ctx.id("has-filter")
    answers = _ig_answers(ctx)
    if not any(a.entries for a in answers):
        return judged(check_id, Verdict.SKIP, f"no Schedule in the answers: {ctx.no_ids()}")
    for a in answers:
        for association in a.graph.associations.values():
            for key, point in association.fixed_points.items():
                if not point.slots:
                    message = f"{key} is matched but no free Slot of the window references it"
                    return judged(check_id, Verdict.FAIL, message, [a.exchange.evidence(message)])
    schedules = sum(1 for a in answers for _ in a.of_type("Schedule"))
    return judged(check_id, Verdict.PASS, f"{schedules} Schedules, each with its Slots")
