"""``sasref check``: the conformance kit an editor runs against its own FHIR server (issue 11).

Organised like the ANS's Inferno test kit (style anchors §4, lesson 10): checks with stable ids
(:data:`CHECKS`), each tied to the IG requirements it verifies (:data:`REQUIREMENTS`), results
as data (:class:`Report`: verdict, a message naming the bad value, evidence).

* :mod:`.plan`, :mod:`.accounts` — the requests, planned (pure);
* :mod:`.searchset`, :mod:`.search`, :mod:`.variants`, :mod:`.metadata`, :mod:`.accounts` —
  the verdicts (pure);
* :mod:`.runner` — sends the requests on an injected ``httpx.AsyncClient`` (:func:`run_checks`);
* :mod:`.tls` — the TLS and mTLS probes (their own connections);
* :mod:`.reports` — terminal table, JSON, JUnit XML, self-contained HTML;
* :mod:`.coverage` — the requirement coverage table of ``docs/check.md``.

Usage::

    report = await run_checks(client, CheckConfig("https://editeur.example/fhir", rpps=(...)))
    report.exit_code, report.result("ps.total").message
"""

from __future__ import annotations

from sasref.conformance.catalog import CHECKS, check
from sasref.conformance.model import CheckResult, CheckSpec, Evidence, Report, Verdict
from sasref.conformance.requirements import REQUIREMENTS, Requirement
from sasref.conformance.runner import USE_CASES, CheckConfig, Unreachable, run_checks
from sasref.conformance.tls import TlsOptions

__all__ = [
    "CHECKS",
    "REQUIREMENTS",
    "USE_CASES",
    "CheckConfig",
    "CheckResult",
    "CheckSpec",
    "Evidence",
    "Report",
    "Requirement",
    "TlsOptions",
    "Unreachable",
    "Verdict",
    "check",
    "run_checks",
]
