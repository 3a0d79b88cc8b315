"""Layers point one way: :mod:`mocks` uses :mod:`sasref`, never the reverse (issue 13 §2).

``sasref`` must install, import and run its own commands without the mock ecosystem: no module
under ``sasref/`` imports ``mocks`` (not even lazily, inside a function), importing every
``sasref`` module leaves ``mocks`` out of ``sys.modules``, and the mocks' commands reach the
``sasref`` command only through the ``sasref.commands`` entry-point group.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from sasref import cli

ROOT = Path(__file__).resolve().parents[2]
SASREF = ROOT / "sasref"


def _mock_imports(path: Path, root: Path = ROOT) -> list[str]:
    """``file:line`` of every import of ``mocks`` in ``path`` (statements and
    ``importlib.import_module("mocks…")`` / ``__import__("mocks…")`` calls)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            first = node.args[0]
            if called in ("import_module", "__import__") and isinstance(first, ast.Constant):
                names = [str(first.value)]
        if any(n == "mocks" or n.startswith("mocks.") for n in names):
            found.append(f"{path.relative_to(root)}:{node.lineno}")
    return found


def test_no_sasref_module_imports_mocks() -> None:
    offenders = [hit for path in sorted(SASREF.rglob("*.py")) for hit in _mock_imports(path)]
    assert offenders == [], f"sasref imports mocks at {offenders}"


def test_the_scan_finds_an_import_of_mocks(tmp_path: Path) -> None:
    # the scan above must be able to fail: every form it looks for, in a scratch file
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import mocks\nfrom mocks.lrm import FakeLrm\n"
        "def f():\n    import mocks.hub\n    importlib.import_module('mocks.psc')\n"
        "from sasref import mocks_like  # not an import of mocks\n",
        encoding="utf-8",
    )
    hits = _mock_imports(sample, root=tmp_path)
    assert hits == ["sample.py:1", "sample.py:2", "sample.py:4", "sample.py:5"]


def test_importing_every_sasref_module_leaves_mocks_out() -> None:
    code = (
        "import importlib, pkgutil, sys\n"
        "import sasref\n"
        "for m in pkgutil.walk_packages(sasref.__path__, 'sasref.'):\n"
        "    if not m.name.endswith('__main__'):\n"
        "        importlib.import_module(m.name)\n"
        "loaded = sorted(n for n in sys.modules if n == 'mocks' or n.startswith('mocks.'))\n"
        "print(len([n for n in sys.modules if n.startswith('sasref')]), loaded)\n"
        "sys.exit(1 if loaded else 0)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT
    )
    assert done.returncode == 0, done.stdout + done.stderr
    count = int(done.stdout.split()[0])
    assert count > 100, f"only {count} sasref modules imported: the walk missed the package"


def test_python_dash_m_sasref_runs_without_the_mocks() -> None:
    # sasref's own commands work with the mock ecosystem unimportable
    code = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'mocks' or name.startswith('mocks.'):\n"
        "            raise ModuleNotFoundError(f'blocked: {name}', name=name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "import importlib.metadata as md\n"
        "real = md.entry_points\n"
        "md.entry_points = lambda **kw: ["
        "    e for e in real(**kw) if not e.value.startswith('mocks')]\n"
        "from sasref.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, "--help"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "validate" in done.stdout
    assert "demo" not in done.stdout.split("options:")[0]


@pytest.mark.parametrize("command", ["demo", "mocks"])
def test_the_mocks_commands_join_through_the_entry_point_group(command: str) -> None:
    plugins = dict(cli.plugin_commands())
    assert command in plugins
    assert plugins[command].__module__.startswith("mocks.commands.")
