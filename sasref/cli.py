"""The ``sasref`` command.

Each built-in subcommand lives in its own module of :mod:`sasref.commands` exposing
``register(subparsers)``; modules are imported when the command line is parsed, and heavy
imports stay inside each command's ``run`` so ``sasref --help`` is quick.

Other distributions add subcommands through the ``sasref.commands`` entry-point group: each entry
point names a ``register(subparsers)`` function. The mock ecosystem registers ``sasref mocks`` and
``sasref demo`` that way (``mocks.commands``), so this package never imports :mod:`mocks`: a
``sasref`` installed without the mocks simply has no ``demo`` command.

Exit codes: 0 success, 1 a finding (e.g. a validation error), 2 bad usage or unreadable input,
130 interrupted.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Iterator, Sequence
from importlib.metadata import entry_points
from typing import Any

from sasref import __version__

#: Built-in subcommand modules, in the order ``--help`` lists them (plugins come after).
COMMAND_MODULES: tuple[str, ...] = (
    "sasref.commands.validate",
    "sasref.commands.check",
)
#: The entry-point group through which other distributions add subcommands.
ENTRY_POINT_GROUP = "sasref.commands"

Register = Callable[[Any], None]


def _builtin_commands() -> Iterator[Register]:
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:  # that command is not part of this build yet
                continue
            raise
        yield module.register


def plugin_commands() -> list[tuple[str, Register]]:
    """``(name, register)`` of every subcommand another distribution declares, by name."""
    found = []
    for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        found.append((ep.name, ep.load()))
    return found


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sasref",
        description="Reference implementation and mock ecosystem of the SAS FHIR flows "
        "(ANS SAS IG 1.2.0).",
    )
    parser.add_argument("--version", action="version", version=f"sasref {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for register in _builtin_commands():
        register(sub)
    for _name, register in plugin_commands():
        register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    run: Callable[[argparse.Namespace], int] | None = getattr(args, "run", None)
    if run is None:
        parser.print_help()
        return 2
    try:
        return run(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
