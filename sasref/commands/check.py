"""``sasref check BASE_URL``: the conformance kit an editor runs against its FHIR server
(:mod:`sasref.conformance`; ``docs/check.md``).

``sasref check https://editeur.example/fhir --rpps 810002673899 --siret 33417374800024
[--use-case ps|cpts|sos|accounts|all] [--finess …] [--cert FILE --key FILE --ca FILE]
[--accounts] [--strict] [--timeout S] [--max-response-time S] [--json | --junit FILE |
--html FILE]``

Exit codes: 0 every mandatory check passed (or was skipped), 1 one failed, 2 the server cannot
be reached or the command line is wrong — one line on stderr, never a traceback. The kit only
reads (``GET``), unless ``--accounts`` allows the INT_R02 writes (``POST``/``PUT
Practitioner``: test accounts, deactivated at the end).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    import httpx

    from sasref.conformance import CheckConfig, Report

_USE_CASES = ("ps", "cpts", "sos", "accounts", "all")


class UsageError(Exception):
    """A command line the kit cannot run (exit code 2)."""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "check",
        help="check an editor's FHIR server against the SAS IG (conformance kit)",
        description="Run the SAS IG 1.2.0 conformance checks against an editor's FHIR base "
        "(INT_R01, INT_R04, SOS searches, /metadata, TLS/mTLS; INT_R02 with --accounts). "
        "Exit 0 = every mandatory check passed, 1 = one failed, 2 = server unreachable or "
        "bad usage.",
    )
    parser.add_argument("base_url", metavar="BASE_URL", help="the FHIR base, e.g. "
                        "https://editeur.example/fhir")  # fmt: skip
    parser.add_argument("--use-case", action="append", default=[], metavar="CASE",
                        help="ps, cpts, sos, accounts or all (repeatable, or comma-separated; "
                        "default all: what the CapabilityStatement declares)")  # fmt: skip
    ids = parser.add_argument_group("identifiers (prefixed or not; comma-separated or repeated)")
    ids.add_argument(
        "--rpps",
        action="append",
        default=[],
        metavar="ID",
        help="practitioners with free slots (RPPS/ADELI), up to 25: INT_R01/R04",
    )
    ids.add_argument(
        "--siret",
        action="append",
        default=[],
        metavar="ID",
        help="SOS Médecins associations (SIRET), up to 25",
    )
    ids.add_argument(
        "--finess",
        action="append",
        default=[],
        metavar="ID",
        help="CPTS the --rpps practitioners belong to (checked in INT_R04 answers)",
    )
    parser.add_argument("--accounts", action="store_true",
                        help="allow the INT_R02 writes: create, update and deactivate test "
                        "regulator accounts (never done otherwise)")  # fmt: skip
    tls = parser.add_argument_group("mTLS (PEM files)")
    tls.add_argument("--cert", metavar="FILE", help="client certificate (the SAS's, for mTLS)")
    tls.add_argument("--key", metavar="FILE", help="its private key (default: in --cert)")
    tls.add_argument("--ca", metavar="FILE", help="CA bundle to trust the server (default: the "
                     "system's)")  # fmt: skip
    parser.add_argument("--strict", action="store_true",
                        help="validate answers as the ANS validator does (strict profiles) and "
                        "let optional (SHOULD) checks fail the run")  # fmt: skip
    parser.add_argument("--timeout", type=float, default=7.0, metavar="S",
                        help="seconds after which a request has no answer (default 7, the "
                        "IG's: the SAS ignores later answers)")  # fmt: skip
    parser.add_argument("--max-response-time", type=float, default=1.0, metavar="S",
                        help="per-search limit of the response-time checks (default 1 s, the "
                        "ANS test kit's)")  # fmt: skip
    out = parser.add_argument_group("reports")
    out.add_argument("--json", action="store_true", help="print the report as JSON (stdout)")
    out.add_argument("--junit", metavar="FILE", help="write a JUnit XML report (for CI)")
    out.add_argument("--html", metavar="FILE", help="write a self-contained HTML report")
    out.add_argument(
        "--verbose",
        "-v",
        action="store_true",
        help="show every check's message and evidence, not only the failures",
    )
    parser.set_defaults(run=run)


def _split(values: list[str]) -> list[str]:
    return [v.strip() for value in values for v in value.split(",") if v.strip()]


def _ids(values: list[str], option: str, normalize: Any) -> tuple[str, ...]:
    from sasref.errors import InvalidIdentifier

    out = []
    for value in _split(values):
        try:
            out.append(normalize(value))
        except InvalidIdentifier as exc:
            raise UsageError(f"{option}: {exc}") from None
    if len(out) > 25:
        raise UsageError(f"{option}: {len(out)} identifiers, at most 25 (one search)")
    return tuple(dict.fromkeys(out))


def _readable(path: str | None, option: str) -> str | None:
    if path is not None and not os.access(path, os.R_OK):
        raise UsageError(f"{option} {path}: cannot read the file")
    return path


def config_from_args(args: argparse.Namespace) -> CheckConfig:
    """The :class:`~sasref.conformance.CheckConfig` of a command line (:class:`UsageError`)."""
    from sasref.conformance import USE_CASES, CheckConfig, TlsOptions
    from sasref.fhir.identifiers import normalize_idnps, normalize_idnst

    base = args.base_url.strip().rstrip("/")
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UsageError(f"{args.base_url!r} is not an http(s) URL of a FHIR base")
    cases = _split(args.use_case)
    unknown = [c for c in cases if c not in _USE_CASES]
    if unknown:
        raise UsageError(f"--use-case {unknown[0]!r}: one of {', '.join(_USE_CASES)}")
    use_cases = () if not cases or "all" in cases else tuple(c for c in USE_CASES if c in cases)
    if args.key and not args.cert:
        raise UsageError("--key needs --cert")
    for name in ("timeout", "max_response_time"):
        if getattr(args, name) <= 0:
            raise UsageError(f"--{name.replace('_', '-')} must be positive")
    tls = TlsOptions(_readable(args.ca, "--ca"), _readable(args.cert, "--cert"),
                     _readable(args.key, "--key"))  # fmt: skip
    return CheckConfig(
        base_url=base,
        use_cases=use_cases,
        rpps=_ids(args.rpps, "--rpps", normalize_idnps),
        siret=_ids(args.siret, "--siret", normalize_idnst),
        finess=_ids(args.finess, "--finess", normalize_idnst),
        accounts=args.accounts,
        strict=args.strict,
        timeout=args.timeout,
        time_limit=args.max_response_time,
        tls=tls,
    )


def run(args: argparse.Namespace) -> int:
    import ssl

    import httpx

    from sasref import __version__

    try:
        config = config_from_args(args)
        tls = config.tls
        verify: Any = True
        if tls is not None and urlsplit(config.base_url).scheme == "https":
            verify = tls.context(tls.pair)
    except UsageError as exc:
        return _fail(str(exc))
    except (ssl.SSLError, OSError) as exc:  # unreadable or mismatched PEM files
        return _fail(f"TLS files: {exc}")
    headers = {"User-Agent": f"sasref-check/{__version__}"}

    async def main() -> int:
        async with httpx.AsyncClient(verify=verify, headers=headers, timeout=config.timeout,
                                     follow_redirects=False) as client:  # fmt: skip
            return await execute(args, client, config)

    return asyncio.run(main())


async def execute(
    args: argparse.Namespace, client: httpx.AsyncClient, config: CheckConfig | None = None
) -> int:
    """Run the kit on ``client`` and report as ``args`` asks; the exit code."""
    from rich.console import Console

    from sasref.conformance import Unreachable, run_checks
    from sasref.conformance.reports.terminal import print_report

    try:
        config = config or config_from_args(args)
    except UsageError as exc:
        return _fail(str(exc))
    try:
        with _Progress() as progress:
            report = await run_checks(client, config, progress)
    except Unreachable as exc:
        return _fail(str(exc))
    if args.json:
        import json

        print(json.dumps(report.to_json(), ensure_ascii=False, indent=2))  # noqa: T201
    else:
        print_report(report, Console(highlight=False), verbose=args.verbose)
    try:
        _write_files(args, report)
    except OSError as exc:
        return _fail(f"cannot write the report: {exc.strerror or exc} ({exc.filename})")
    return report.exit_code


def _write_files(args: argparse.Namespace, report: Report) -> None:
    if args.junit:
        from sasref.conformance.reports.junit import junit_xml

        Path(args.junit).write_bytes(junit_xml(report))
    if args.html:
        from sasref.conformance.reports.html import html_report

        Path(args.html).write_text(html_report(report), encoding="utf-8")


class _Progress:
    """A rich progress bar on stderr, fed by the runner (:class:`ProgressSink`)."""

    def __enter__(self) -> _Progress:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        console = Console(stderr=True)
        self.bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            console=console,
            transient=True,
            disable=not console.is_terminal,
        )
        self.bar.__enter__()  # fmt: skip
        self.task = self.bar.add_task("sasref check", total=0)
        return self

    def __exit__(self, *exc: object) -> None:
        self.bar.__exit__(None, None, None)

    def planned(self, steps: int) -> None:
        total = self.bar.tasks[0].total or 0
        self.bar.update(self.task, total=total + steps)

    def done(self, description: str) -> None:
        self.bar.update(self.task, advance=1, description=description)


def _fail(message: str) -> int:
    print(f"sasref check: {message}", file=sys.stderr)  # noqa: T201
    return 2
