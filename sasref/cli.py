"""The ``sasref`` command.

Each subcommand lives in its own module of :mod:`sasref.commands` exposing
``register(subparsers)``; modules are imported when the command line is parsed, and heavy
imports stay inside each command's ``run`` so ``sasref --help`` is quick.

Exit codes: 0 success, 1 a finding (e.g. a validation error), 2 bad usage or unreadable input,
130 interrupted.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence

from sasref import __version__

#: Subcommand modules, in the order ``--help`` lists them.
COMMAND_MODULES: tuple[str, ...] = (
    "sasref.commands.validate",
    "sasref.commands.mocks",
    "sasref.commands.demo",
    "sasref.commands.check",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sasref",
        description="Reference implementation and mock ecosystem of the SAS FHIR flows "
        "(ANS SAS IG 1.2.0).",
    )
    parser.add_argument("--version", action="version", version=f"sasref {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:  # that command is not part of this build yet
                continue
            raise
        module.register(sub)
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
