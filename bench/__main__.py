"""Run every benchmark module and print one results table (also written to bench/results/).

``python -m bench`` runs them all; ``python -m bench validate editor`` runs a selection.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import sys
import time
from pathlib import Path
from typing import Any

import bench


def _modules(selection: list[str]) -> list[str]:
    names = sorted(
        m.name for m in pkgutil.iter_modules(bench.__path__) if m.name.startswith("bench_")
    )
    if selection:
        names = [n for n in names if n.removeprefix("bench_") in selection]
    return names


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}" if value < 100 else f"{value:,.1f}"
    return str(value)


def main(argv: list[str]) -> int:
    rows: list[dict[str, Any]] = []
    for name in _modules(argv):
        print(f"running {name} ...", file=sys.stderr, flush=True)
        started = time.perf_counter()
        module = importlib.import_module(f"bench.{name}")
        try:
            rows.extend(module.run())
        except Exception as exc:  # a broken benchmark must not hide the others' figures
            rows.append(
                {
                    "benchmark": name,
                    "metric": "error",
                    "value": repr(exc),
                    "target": "",
                    "ok": False,
                }
            )
        print(f"  done in {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
    headers = ("benchmark", "metric", "value", "target", "ok")
    table = [[_fmt(r.get(h, "")) for h in headers] for r in rows]
    widths = [max(len(h), *(len(row[i]) for row in table)) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))
    print(line)
    print("  ".join("-" * w for w in widths))
    for row in table:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "latest.json").write_text(json.dumps(rows, indent=2, default=str), encoding="utf-8")
    return 0 if all(r.get("ok", True) for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
