"""The comparisons of each planned variant with the IG's query (``basic``), and the checks of
one step (``unknown``, ``id-one``, ``id-25``, ``id-26``, ``bad-request``, ``include-none``,
``accept-legacy``) or one use case (CPTS links, ``--finess``, the SOS ``_has`` filter). Pure.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sasref.conformance.catalog import judged
from sasref.conformance.model import CheckResult, Verdict
from sasref.conformance.searchset import Answer, SearchContext, owned_keys

__all__ = [
    "SAME_ENTRIES",
    "SAME_SLOTS",
    "accept_legacy",
    "all_keys",
    "cpts_link",
    "discovered_finess",
    "finess",
    "has_filter",
    "id_25",
    "id_one",
    "include_none",
    "matches",
    "refused",
    "same",
    "unknown_empty",
]

#: Variant checks comparing the slots (and SOS Schedules) with the IG's query: name → steps.
SAME_SLOTS = {
    "id-pipe": ("id-pipe",),
    "id-unprefixed": ("id-unprefixed",),
    "id-spaces": ("id-spaces",),
    "date-offsets": ("date-utc", "date-no-millis"),
    "date-no-offset": ("date-no-offset",),
}
#: Variant checks comparing every entry with the IG's query (each reads the step of its name).
SAME_ENTRIES = ("include-order", "include-plain-actor", "include-casing")


def matches(a: Answer) -> set[str]:
    """The Slots (and SOS Schedules) an answer offers."""
    return a.keys("Slot", "Schedule") if a.use_case == "sos" else a.keys("Slot")


def all_keys(a: Answer) -> set[str]:
    return a.keys()


def _diff(got: set[str], want: set[str]) -> str:
    parts = []
    if want - got:
        parts.append(f"missing {sorted(want - got)[:3]}")
    if got - want:
        parts.append(f"extra {sorted(got - want)[:3]}")
    return ", ".join(parts)


def _basic(ctx: SearchContext, check_id: str) -> Answer | CheckResult:
    if "basic" not in ctx.plan.steps:
        return judged(check_id, Verdict.SKIP, ctx.no_ids())
    basic = ctx.answers.get("basic")
    if basic is None:
        ex = ctx.exchanges.get("basic")
        why = ex.describe_searchset() if ex is not None else "not sent"
        return judged(check_id, Verdict.SKIP, f"the IG's query itself failed: {why}")
    return basic


def same(
    ctx: SearchContext, name: str, steps: tuple[str, ...], keys: Callable[[Answer], set[str]]
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


def unknown_empty(ctx: SearchContext) -> CheckResult:
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


def _with_basic(ctx: SearchContext, name: str) -> tuple[Answer, Answer] | CheckResult:
    """The IG query's answer and step ``name``'s, or the verdict when either is missing."""
    check_id = ctx.id(name)
    basic = _basic(ctx, check_id)
    if isinstance(basic, CheckResult):
        return basic
    ex, answer = ctx.exchanges[name], ctx.answers.get(name)
    if answer is None:
        return judged(check_id, Verdict.FAIL, ex.describe_searchset(), [ex.evidence()])
    return basic, answer


def id_one(ctx: SearchContext) -> CheckResult:
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
    want = owned_keys(basic, one) if len(ctx.plan.ids) > 1 else matches(basic)
    got = matches(answer)
    if got != want:
        message = (f"{one} alone: {len(got)} entries, {len(want)} in the IG's query "
                   f"({_diff(got, want)})")  # fmt: skip
        return judged(check_id, Verdict.FAIL, message, [ex.evidence(message)])
    return judged(check_id, Verdict.PASS, f"{one} alone: the same {len(want)} entries")


def id_25(ctx: SearchContext) -> CheckResult:
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
    return same(ctx, "id-25", ("id-25",), matches)


def refused(ctx: SearchContext, name: str) -> CheckResult:
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


def include_none(ctx: SearchContext) -> CheckResult:
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


def accept_legacy(ctx: SearchContext) -> CheckResult:
    check_id, ex = ctx.id("accept-legacy"), ctx.exchanges.get("accept-legacy")
    if ex is None:
        return judged(check_id, Verdict.SKIP, "not sent")
    if "accept-legacy" in ctx.answers:
        return judged(check_id, Verdict.PASS, "answered 200 with a searchset")
    return judged(check_id, Verdict.FAIL, f"Accept: application/json+fhir: "
                  f"{ex.describe_searchset()}", [ex.evidence()])  # fmt: skip


def _ig_answers(ctx: SearchContext) -> list[Answer]:
    return [a for n, a in ctx.answers.items() if n != "include-none"]


def cpts_link(ctx: SearchContext) -> CheckResult:
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


def finess(ctx: SearchContext, expected: tuple[str, ...]) -> CheckResult:
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


def has_filter(ctx: SearchContext) -> CheckResult:
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
