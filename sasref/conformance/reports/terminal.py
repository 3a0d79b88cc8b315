"""The terminal face of a report: one rich table per group (a group skipped for one reason is
one line), then the evidence of what failed, the discovery notes and the summary."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from sasref.conformance.catalog import GROUP_TITLES, GROUPS
from sasref.conformance.model import CheckResult, Report, Verdict
from sasref.conformance.reports import fails_run, is_warning

__all__ = ["print_report"]

_STYLE = {Verdict.PASS: "green", Verdict.FAIL: "bold red", Verdict.SKIP: "dim",
          Verdict.ERROR: "bold magenta"}  # fmt: skip


def _verdict(result: CheckResult, strict: bool) -> Text:
    if is_warning(result, strict):
        return Text("WARN", style="yellow")
    return Text(result.verdict.value.upper(), style=_STYLE[result.verdict])


def print_report(report: Report, console: Console, *, verbose: bool = False) -> None:
    """The tables (``verbose``: every check's message and evidence), notes and summary."""
    cases = ", ".join(report.use_cases) or "none"
    console.print(
        Text.assemble(
            ("sasref check ", "bold"),
            report.base_url,
            f"  use cases: {cases}",
            "  (strict)" if report.strict else "",
        )
    )
    for group in GROUPS:  # fmt: skip
        rows = [r for r in report.results if r.check.group == group]
        if not rows:
            continue
        reasons = {r.message for r in rows}
        if all(r.verdict is Verdict.SKIP for r in rows) and len(reasons) == 1 and not verbose:
            console.print(Text.assemble(f"\n{GROUP_TITLES[group]}: ", ("SKIP", "dim"),
                                        f" {len(rows)} checks — {rows[0].message}"))  # fmt: skip
            continue
        table = Table(title=GROUP_TITLES[group], title_justify="left", expand=True)
        table.add_column("verdict", no_wrap=True)
        table.add_column("check", no_wrap=True)
        table.add_column("result", ratio=1)
        for r in rows:
            name = Text(r.id)
            if not r.check.mandatory:
                name.append(" (opt.)", style="dim")
            detail = Text(r.check.title)
            if verbose or r.verdict is not Verdict.PASS:
                detail = Text(r.message, style="dim" if r.verdict is Verdict.SKIP else "")
            table.add_row(_verdict(r, report.strict), name, detail)
        console.print(table)
    for r in report.results:
        if (verbose and r.evidence) or r.verdict in (Verdict.FAIL, Verdict.ERROR):
            _evidence(console, r, report.strict)
    for note in report.notes:
        console.print(Text(f"note: {note}", style="dim"))
    style = "bold green" if report.ok else "bold red"
    console.print(Text.assemble((report.summary(), style), f"  ({report.duration_s:.1f} s)"))


def _evidence(console: Console, r: CheckResult, strict: bool) -> None:
    head = "FAIL" if fails_run(r, strict) else _verdict(r, strict).plain
    console.print(Text.assemble("\n", (f"{head} {r.id}", "bold"), f" — {r.check.title}"))
    console.print(Text(f"  {r.message}"))
    console.print(Text(f"  requirements: {', '.join(r.check.requirements)}", style="dim"))
    for e in r.evidence:
        status = e.status if e.status is not None else (e.error or "no answer")
        console.print(Text(f"  → {e.request}"), soft_wrap=True)
        console.print(Text(f"    {status}" + (f" — {e.note}" if e.note else "")))
        if e.excerpt:
            console.print(Text("    " + e.excerpt[:300].replace("\n", "\n    "), style="dim"))
