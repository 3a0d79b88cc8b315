"""``sasref mocks``: the fake SAS ecosystem from the command line (issue 3 §4).

``sasref mocks population --seed S [--editors N] [--practitioners N] [--days D] [--at ISO]
[--json] [--with-slots]`` prints the seeded mock health offer: with ``--json`` the editors (base
URLs and the RPPS/ADELI, CPTS FINESS and SOS SIRET each serves), practitioners with places,
CPTS and SOS associations (and every free slot with ``--with-slots``); without it a readable
summary. ``--at`` fixes the clock (slot window start), else the system clock is used.

``sasref mocks editor`` is :mod:`mocks.commands.mocks_editor`.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from typing import TYPE_CHECKING, Any

from mocks.commands import mocks_editor

if TYPE_CHECKING:
    from mocks.population import Population


def register(subparsers: Any) -> None:
    """Add ``mocks`` and its sub-subcommands to the ``sasref`` parser."""
    parser = subparsers.add_parser(
        "mocks",
        help="the fake ecosystem: mock population, mock editors",
        description="The fake SAS ecosystem (issue 3).",
    )
    sub = parser.add_subparsers(dest="mocks_command", metavar="MOCK")
    parser.set_defaults(run=lambda _args: _help(parser))
    _register_population(sub)
    mocks_editor.register(sub)


def _help(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def _register_population(sub: Any) -> None:
    parser = sub.add_parser(
        "population",
        help="print the seeded mock health offer (editors, practitioners, CPTS, SOS, slots)",
        description=(__doc__ or "").split("\n\n", 2)[1],
    )
    parser.add_argument("--seed", type=int, required=True, help="population seed")
    parser.add_argument("--editors", type=int, default=40, help="number of editors (default 40)")
    parser.add_argument(
        "--practitioners", type=int, default=4000, help="number of practitioners (default 4000)"
    )
    parser.add_argument("--days", type=int, default=3, help="slot window in days (default 3)")
    parser.add_argument(
        "--at", default=None, help="fixed clock, ISO 8601 (default: now; no offset = Paris time)"
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a summary")
    parser.add_argument("--with-slots", action="store_true", help="include the free slots")
    parser.set_defaults(run=run_population)


def _fail(message: str) -> int:
    print(f"sasref mocks population: {message}", file=sys.stderr)
    return 2


def run_population(args: argparse.Namespace) -> int:
    from mocks.population import generate_population
    from sasref.clock import Clock, FixedClock, SystemClock
    from sasref.errors import InvalidDateTime
    from sasref.fhir.datetimes import parse_datetime

    if args.editors < 1 or args.practitioners < 0 or args.days < 1:
        return _fail("--editors and --days must be >= 1, --practitioners >= 0")
    clock: Clock = SystemClock()
    if args.at:
        try:
            clock = FixedClock(parse_datetime(args.at))
        except (InvalidDateTime, ValueError) as exc:
            return _fail(f"bad --at {args.at!r}: {exc}")
    population = generate_population(
        args.seed, clock, editors=args.editors, practitioners=args.practitioners, days=args.days
    )
    if args.json:
        payload = population.to_json(with_slots=args.with_slots)
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=1) + "\n")
        return 0
    for line in summary_lines(population, with_slots=args.with_slots):
        print(line)
    return 0


def summary_lines(population: Population, *, with_slots: bool = False) -> list[str]:
    """A readable summary: per editor, per speciality, agenda kinds, CPTS, SOS."""
    start, end = population.window()
    pract = population.practitioners
    lines = [
        f"Mock population seed={population.seed}: {len(population.editors)} editors, "
        f"{len(pract)} practitioners, {len(population.cpts)} CPTS, "
        f"{len(population.sos)} SOS Médecins associations",
        f"Slot window: {start.isoformat(timespec='minutes')} → {end.isoformat(timespec='minutes')}",
        "",
        f"{'EDITOR':<14} {'SOFTWARE':<18} {'USE CASES':<13} {'BASE URL':<34} "
        f"{'PS':>6} {'CPTS':>5} {'SOS':>4}" + (f" {'SLOTS':>7}" if with_slots else ""),
    ]
    for e in population.editors:
        shard = population.by_editor(e.name)
        row = (
            f"{e.name:<14} {e.software:<18} {','.join(sorted(e.use_cases)):<13} "
            f"{e.base_url:<34} {len(shard.practitioners):>6} {len(shard.cpts):>5} "
            f"{len(shard.sos):>4}"
        )
        if with_slots:
            row += f" {sum(1 for _ in shard.iter_slots()):>7}"
        lines.append(row)
    agendas = Counter(p.agenda.value for p in pract)
    lines += [
        "",
        "Agendas: " + ", ".join(f"{k} {agendas.get(k, 0)}" for k in ("editor", "sas", "none")),
        f"SAS participants: {sum(p.sas_participant for p in pract)}",
        f"ADELI (no RPPS): {sum(p.id.startswith('0') for p in pract)}",
        "",
        f"{'SPECIALITY':<8} {'LABEL':<34} {'COUNT':>6} {'SHARE':>6}",
    ]
    total = max(1, len(pract))
    specialities = Counter((p.speciality, p.speciality_display) for p in pract)
    for (code, label), n in sorted(specialities.items(), key=lambda kv: (-kv[1], kv[0])):
        lines.append(f"{code:<8} {label:<34} {n:>6} {n / total:>6.1%}")
    lines += ["", f"{'CPTS FINESS':<12} {'DEPT':<4} {'ZONE':>4} {'MEMBERS':>7}  EDITOR        NAME"]
    for c in population.cpts:
        lines.append(
            f"{c.finess:<12} {c.department:<4} {len(c.zone):>4} {len(c.members):>7}  "
            f"{c.editor or '-':<13} {c.name}"
        )
    lines += ["", f"{'SOS SIRET':<16} {'DEPT':<4} {'PFG':>3}  EDITOR        NAME"]
    for s in population.sos:
        lines.append(
            f"{s.siret:<16} {s.department:<4} {len(s.fixed_points):>3}  "
            f"{s.editor or '-':<13} {s.name}"
        )
    if with_slots:
        lines += ["", f"Free slots in the window: {sum(1 for _ in population.iter_slots())}"]
    return lines
