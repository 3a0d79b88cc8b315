"""``sasref mocks editor``: serve one editor of the seeded mock fleet on a socket (issue 3).

``sasref mocks editor --port 8081 [--seed 7] [--host 127.0.0.1] [--name editeur-03]
[--editors 40] [--practitioners N] [--tls-dir DIR]`` generates the population, picks the editor
``--name`` (default: the first), and serves it with uvicorn. The FHIR base keeps the path of the
editor's population URL (``/fhir``) on ``http://HOST:PORT``; quirks and faults are switched at
``/admin/behaviour``.

``--tls-dir DIR`` serves the FHIR API over mTLS instead (``https://HOST:PORT``): a fake
IGC-Santé PKI is written to ``DIR`` (:class:`mocks.serving.FleetTls`: the server certificate,
the SAS platform's client certificate the editor requires — CN/OU checked — and the CA). The
banner prints a ready ``sasref check`` command line with identifiers that have free slots.
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
    parser.add_argument(
        "--tls-dir",
        default=None,
        metavar="DIR",
        help="serve over mTLS with a fake IGC-Santé PKI written to DIR (the SAS client "
        "certificate required)",
    )
    parser.set_defaults(run=run)


def check_ids(shard: Any) -> dict[str, list[str]]:
    """Identifiers ``sasref check`` can use on this editor now: up to 3 practitioners with free
    slots (those with CPTS slots first) as ``rpps``, the CPTS of those slots as ``finess``, the
    SOS associations with free slots as ``siret``."""
    source = shard.source()
    rpps: list[str] = []
    finess: list[str] = []
    ranked = sorted(
        ((list(source.practitioner_slots(p.id)), p.id) for p in shard.practitioners),
        key=lambda item: not any("CPTS" in s.types for s in item[0]),
    )
    for slots, practitioner in ranked:
        if slots and len(rpps) < 3:
            rpps.append(practitioner)
            finess += [f for s in slots for f in s.cpts if f not in finess]
    siret = [a.siret for a in shard.associations if any(source.association_slots(a.siret))]
    return {"rpps": rpps, "siret": siret[:3], "finess": finess[:1]}


def check_hint(shard: Any, base_url: str, tls_files: Any = None) -> str:
    """A ``sasref check`` command line for this editor (:func:`check_ids`; with mTLS, the SAS
    client certificate of ``tls_files``)."""
    parts = [f"sasref check {base_url}"]
    for option, values in check_ids(shard).items():
        if values:
            parts.append(f"--{option} {','.join(values)}")
    if tls_files is not None:
        from mocks.serving import SAS_CLIENT_CERT

        cert = tls_files.certs[SAS_CLIENT_CERT]
        parts.append(f"--cert {cert.cert} --key {cert.key} --ca {tls_files.ca}")
    return " ".join(parts)


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
    scheme = "https" if args.tls_dir else "http"
    base_url = f"{scheme}://{args.host}:{args.port}{path}"
    options: dict[str, Any] = {}
    tls = None
    overrides: dict[str, Any] = {}
    if args.tls_dir:
        from mocks.serving import FleetTls, TlsHttpProtocol

        tls = FleetTls.create(args.tls_dir, host=args.host)
        context = tls.server_context()
        options = {"http": TlsHttpProtocol, "ssl_context_factory": lambda _c, _d: context}
        overrides["expected_client"] = tls.expected
    settings = EditorSettings.from_shard(
        shard, base_url=base_url, clock=clock, seed=args.seed, **overrides
    )
    app = create_app(settings)
    source = shard.source()
    free = sum(len(list(source.practitioner_slots(p.id))) for p in shard.practitioners)
    free += sum(len(list(source.association_slots(a.siret))) for a in shard.associations)
    print(
        f"{name} ({shard.editor.software}): {len(shard.practitioners)} practitioners, "
        f"{len(shard.associations)} SOS associations, {free} free slots now, "
        f"use cases {sorted(settings.use_cases)}\n"
        f"FHIR base {base_url}  ·  behaviour {scheme}://{args.host}:{args.port}/admin/behaviour"
        f"{'  ·  mTLS, PKI in ' + args.tls_dir if tls else ''}\n"
        f"check it: {check_hint(shard, base_url, tls.files if tls else None)}",
        flush=True,
    )
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", **options)
    return 0
