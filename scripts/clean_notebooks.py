"""Strip volatile metadata from notebooks, keeping their outputs (nbval compares them).

``python scripts/clean_notebooks.py [--check] notebooks/*.ipynb``: with ``--check`` nothing is
written and the exit status is 1 when a notebook would change (``make check`` runs it that way).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

_VOLATILE_CELL_KEYS = ("execution", "collapsed", "scrolled", "ExecuteTime")


def clean(nb: dict[str, Any]) -> dict[str, Any]:
    for cell in nb.get("cells", []):
        meta = cell.get("metadata", {})
        for key in _VOLATILE_CELL_KEYS:
            meta.pop(key, None)
    nb["metadata"] = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    return nb


def main(argv: list[str]) -> int:
    check = "--check" in argv
    dirty = []
    for name in (a for a in argv if a != "--check"):
        path = Path(name)
        before = path.read_text(encoding="utf-8")
        after = json.dumps(clean(json.loads(before)), indent=1, ensure_ascii=False) + "\n"
        if after != before:
            dirty.append(name)
            if not check:
                path.write_text(after, encoding="utf-8")
    if check and dirty:
        print("notebooks with volatile metadata (run `make format`):", *dirty, sep="\n  ")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
