"""``sasref mocks editor``: serve one editor of the seeded mock fleet on a socket (issue 3).

``sasref mocks editor --port 8081 [--seed 7] [--host 127.0.0.1] [--name editeur-03]
[--editors 40] [--practitioners N]`` generates the population, picks the editor ``--name``
(default: the first), and serves it with uvicorn. The FHIR base keeps the path of the
editor's population URL (``/fhir``) on ``http://HOST:PORT``; quirks and faults are switched at
``/admin/behaviour``.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any
from urllib.parse import urlsplit


def register(sub: Any) -> None:
    """Add ``editor`` to the ``sasref mocks`` sub-subparsers ``sub``."""
    parser = sub.add_parser(
        "editor",
        help="serve one fake agenda-software editor (INT_R01/R04, SOS, INT_R02)",
        description=__doc__.split("\n\n", 1)[1] if __doc__ else None,
    )
    parser.add_argument("--port", type=int, required=True, help="TCP port to listen on")
    parser.add_argument("--host", default="127.0.0.1", help="interface (default 127.0.0.1)")
    parser.add_argument("--seed", type=int, default=0, help="population seed (default 0)")
    parser.add_argument("--name", default=None, help="which editor of the fleet (default: first)")
    parser.add_argument("--editors", type=int, default=40, help="fleet size (default 40)")
    parser.add_argument(
        "--practitioners", type=int, default=None, help="population size (default: generator's)"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from mocks.editor import EditorSettings, create_app
    from mocks.editor.shards import population_shards
    from mocks.population import generate_population
    from sasref.clock import SystemClock

    if not 0 < args.port < 65536:
        print(f"sasref mocks editor: bad --port {args.port}", file=sys.stderr)
        return 2
    clock = SystemClock()
    kwargs: dict[str, Any] = {"editors": args.editors}
    if args.practitioners is not None:
        kwargs["practitioners"] = args.practitioners
    population = generate_population(args.seed, clock, **kwargs)
    shards = {s.editor.name: s for s in population_shards(population)}
    if not shards:
        print("sasref mocks editor: the population has no editor", file=sys.stderr)
        return 2
    name = args.name or next(iter(shards))
    if name not in shards:
        known = ", ".join(list(shards)[:10])
        print(f"sasref mocks editor: no editor {name!r} (e.g. {known})", file=sys.stderr)
        return 2
    shard = shards[name]
    path = urlsplit(shard.editor.base_url).path.rstrip("/")
    base_url = f"http://{args.host}:{args.port}{path}"
    settings = EditorSettings.from_shard(shard, base_url=base_url, clock=clock, seed=args.seed)
    app = create_app(settings)
    source = shard.source()
    free = sum(len(list(source.practitioner_slots(p.id))) for p in shard.practitioners)
    free += sum(len(list(source.association_slots(a.siret))) for a in shard.associations)
    print(
        f"{name} ({shard.editor.software}): {len(shard.practitioners)} practitioners, "
        f"{len(shard.associations)} SOS associations, {free} free slots now, "
        f"use cases {sorted(settings.use_cases)}\n"
        f"FHIR base {base_url}  ·  behaviour http://{args.host}:{args.port}/admin/behaviour",
        flush=True,
    )
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0
