"""``sasref validate FILE... [--json] [--profile URL] [--strict]``: check FHIR JSON files
against the SAS IG 1.2.0 profiles (:mod:`sasref.profiles`).

Default mode is ``tolerant`` (what the SAS platform accepts from editors); ``--strict`` is what
the ANS validator reports, plus the base-spec validation through ``fhir.resources``.

Exit codes: 0 no error-level issue; 1 at least one; 2 a file that cannot be validated at all
(unreadable, larger than 20 MB, not JSON, nested too deeply, not a FHIR resource, or not the
resource type ``--profile`` constrains) — one line on stderr, never a traceback.

``--json`` prints the OperationOutcome of a single file, or a JSON object ``{file: outcome}``
for several files (a file that could not be read gets a ``fatal`` OperationOutcome).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any, Final

#: Files above this size are refused before being read (a search Bundle is a few hundred kB).
MAX_BYTES: Final = 20 * 1024 * 1024
_SEVERITIES: Final = ("fatal", "error", "warning", "information")
_LOCATION_WIDTH: Final = 56


class InputProblem(Exception):
    """A file that cannot be validated at all (exit code 2)."""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "validate",
        help="validate FHIR JSON files against the SAS IG profiles",
        description="Validate FHIR JSON files (a Bundle, Slot, Appointment, ...) against the "
        "SAS IG 1.2.0 profiles. The profile comes from meta.profile, else from the shape, "
        "unless --profile is given. Exit 0 = no error, 1 = errors, 2 = unusable input.",
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help="JSON file(s); - for stdin")
    parser.add_argument(
        "--json",
        action="store_true",
        help="print the OperationOutcome (several files: {file: outcome})",
    )
    parser.add_argument("--profile", metavar="URL", help="validate against this profile canonical")
    parser.add_argument(
        "--strict",
        action="store_true",
        help="strict mode (the ANS validator's reading) plus base FHIR validation; "
        "default: tolerant mode (what the SAS platform accepts)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from sasref.errors import InvalidInput
    from sasref.profiles import known_profile

    profile: str | None = None
    if args.profile is not None:
        try:
            profile = known_profile(args.profile)
        except InvalidInput as exc:
            _fail(f"--profile: {exc}")
            return 2
    mode = "strict" if args.strict else "tolerant"
    outcomes: dict[str, dict[str, Any]] = {}
    worst = 0
    for name in args.files:
        try:
            outcome = _validate_file(name, profile, args.strict)
        except InputProblem as exc:
            _fail(f"{name}: {exc}")
            outcomes[name] = _fatal(str(exc))
            worst = 2
            continue
        except Exception as exc:  # a bug must still give one line and exit 2, not a traceback
            _fail(f"{name}: internal error ({type(exc).__name__}: {exc})")
            outcomes[name] = _fatal(f"internal error: {exc}")
            worst = 2
            continue
        if worst < 1 and _count(outcome, "error") + _count(outcome, "fatal"):
            worst = 1
        outcomes[name] = outcome
        if not args.json:
            _print_table(name, outcome, mode)
    if args.json:
        payload: Any = outcomes[args.files[0]] if len(args.files) == 1 else outcomes
        print(json.dumps(payload, ensure_ascii=False, indent=2))  # noqa: T201
    elif len(args.files) > 1:
        errors = sum(_count(o, "error") + _count(o, "fatal") for o in outcomes.values())
        warnings = sum(_count(o, "warning") for o in outcomes.values())
        summary = f"{len(outcomes)} files: {_plural(errors, 'error')}, "
        print(summary + _plural(warnings, "warning"))  # noqa: T201
    return worst


def _validate_file(name: str, profile: str | None, strict: bool) -> dict[str, Any]:
    from sasref.fhir.systems import PROFILE_RESOURCE_TYPES
    from sasref.profiles import validate
    from sasref.profiles.base import RESOURCE_TYPES

    resource = _load(name)
    if not isinstance(resource, dict):
        raise InputProblem(
            f"not a FHIR resource: the JSON is a {type(resource).__name__}, not an object"
        )
    rtype = resource.get("resourceType")
    if not isinstance(rtype, str):
        raise InputProblem("not a FHIR resource: no resourceType")
    if rtype not in RESOURCE_TYPES:
        raise InputProblem(f"not a FHIR resource: unknown resourceType {rtype!r}")
    if profile is not None and PROFILE_RESOURCE_TYPES[profile] != rtype:
        raise InputProblem(
            f"is a {rtype}; --profile {profile} constrains {PROFILE_RESOURCE_TYPES[profile]}"
        )
    try:
        return validate(
            resource, profile=profile, mode="strict" if strict else "tolerant", base=strict
        )
    except RecursionError:
        raise InputProblem("nested too deeply to validate") from None


def _load(name: str) -> Any:
    try:
        if name == "-":
            data = sys.stdin.buffer.read(MAX_BYTES + 1)
        else:
            path = Path(name)
            size = os.stat(path).st_size
            if size > MAX_BYTES:
                raise InputProblem(f"too big ({size} bytes > {MAX_BYTES} bytes): refused")
            with path.open("rb") as handle:
                data = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise InputProblem(f"cannot read: {exc.strerror or exc}") from None
    if len(data) > MAX_BYTES:
        raise InputProblem(f"too big (> {MAX_BYTES} bytes): refused")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputProblem(f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputProblem(f"not JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})") from None
    except RecursionError:
        raise InputProblem("not usable JSON: nested too deeply") from None
    except ValueError as exc:  # e.g. an integer longer than Python's digit limit
        raise InputProblem(f"not usable JSON: {exc}") from None


def _fail(message: str) -> None:
    print(f"sasref validate: {message}", file=sys.stderr)  # noqa: T201


def _fatal(message: str) -> dict[str, Any]:
    from sasref.fhir.outcome import operation_outcome

    return operation_outcome("invalid", message, severity="fatal")


def _count(outcome: dict[str, Any], severity: str) -> int:
    return sum(1 for i in outcome.get("issue", ()) if i.get("severity") == severity)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 or word == "information" else f"{n} {word}s"


def _print_table(name: str, outcome: dict[str, Any], mode: str) -> None:
    from sasref.profiles import issues_table

    rows = [
        r
        for r in issues_table(outcome)
        if not (r["severity"] == "information" and r["message"] in ("OK",))
    ]
    counts = ", ".join(_plural(_count(outcome, s), s) for s in _SEVERITIES[1:])
    print(f"{name} [{mode}]: {counts}")  # noqa: T201
    if not rows:
        return
    loc_width = min(_LOCATION_WIDTH, max(len("LOCATION"), *(len(r["location"]) for r in rows)))
    print(f"  {'SEVERITY':<11} {'LOCATION':<{loc_width}}  MESSAGE")  # noqa: T201
    for r in rows:
        location = r["location"] or "-"
        if len(location) > loc_width:
            location = "…" + location[-(loc_width - 1) :]
        print(f"  {r['severity']:<11} {location:<{loc_width}}  {r['message']}")  # noqa: T201
