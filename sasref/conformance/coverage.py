"""The tables of ``docs/check.md``, generated from the catalog so they cannot drift: every check
(id → title, requirements, mandatory) and the requirement coverage (requirement → the checks
verifying it, or why none can). A test compares them with the file.

``python -m sasref.conformance.coverage`` prints both; ``--write docs/check.md`` rewrites the
parts between the ``<!-- checks:… -->`` and ``<!-- coverage:… -->`` markers.
"""

from __future__ import annotations

import sys
from pathlib import Path

from sasref.conformance.catalog import CHECKS
from sasref.conformance.requirements import REQUIREMENTS

__all__ = ["checks_markdown", "coverage_markdown", "update_document"]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def checks_markdown() -> str:
    """One row per check: id, mandatory or not, title, requirement ids."""
    lines = ["| check | kind | verifies | requirements |", "|---|---|---|---|"]
    for spec in CHECKS.values():
        kind = "mandatory" if spec.mandatory else "optional"
        reqs = ", ".join(spec.requirements)
        lines.append(f"| `{spec.id}` | {kind} | {_cell(spec.title)} | {reqs} |")
    return "\n".join(lines)


def coverage_markdown() -> str:
    """One row per requirement: level, statement with its source, the checks (or why none)."""
    by_requirement: dict[str, list[str]] = {rid: [] for rid in REQUIREMENTS}
    for spec in CHECKS.values():
        for rid in spec.requirements:
            by_requirement[rid].append(spec.id)
    lines = ["| requirement | level | statement (source) | verified by |", "|---|---|---|---|"]
    for rid, req in REQUIREMENTS.items():
        checks = by_requirement[rid]
        shown = ", ".join(f"`{c}`" for c in checks) if checks else f"not tested: {req.not_tested}"
        source = f"[{_cell(req.source)}]({req.url})"
        lines.append(f"| `{rid}` | {req.level} | {_cell(req.statement)} ({source}) | "
                     f"{_cell(shown)} |")  # fmt: skip
    return "\n".join(lines)


_SECTIONS = {"checks": checks_markdown, "coverage": coverage_markdown}


def update_document(text: str) -> str:
    """``text`` with each ``<!-- name:start -->…<!-- name:end -->`` part regenerated."""
    for name, make in _SECTIONS.items():
        start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
        head, found, rest = text.partition(start)
        if not found or end not in rest:
            raise ValueError(f"markers {start} … {end} not found")
        text = f"{head}{start}\n{make()}\n{end}{rest.split(end, 1)[1]}"
    return text


def main(argv: list[str]) -> int:
    if argv[:1] == ["--write"] and len(argv) == 2:
        path = Path(argv[1])
        path.write_text(update_document(path.read_text(encoding="utf-8")), encoding="utf-8")
        return 0
    print(checks_markdown(), coverage_markdown(), sep="\n\n")  # noqa: T201
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv[1:]))
