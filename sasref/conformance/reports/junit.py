"""JUnit XML for an editor's CI: the common shape every CI reads (Jenkins, GitLab, GitHub
actions) — ``<testsuites>``, one ``<testsuite>`` per group with its counts, one ``<testcase>``
per check (``classname`` = ``sasref.check.<group>``, ``name`` = the check id) holding a
``<failure>``, ``<error>`` or ``<skipped>`` and the message and evidence in ``<system-out>``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from sasref.conformance.catalog import GROUPS
from sasref.conformance.model import CheckResult, Report, Verdict
from sasref.conformance.reports import fails_run, is_warning

__all__ = ["junit_xml"]


def _text(result: CheckResult, message: str) -> str:
    lines = [message, f"requirements: {', '.join(result.check.requirements)}"]
    for e in result.evidence:
        status = e.status if e.status is not None else (e.error or "no answer")
        lines.append(f"{e.request} -> {status}" + (f" ({e.note})" if e.note else ""))
        if e.excerpt:
            lines.append(e.excerpt)
    return "\n".join(lines)


def _case(parent: ET.Element, result: CheckResult, strict: bool) -> None:
    case = ET.SubElement(parent, "testcase", name=result.id,
                         classname=f"sasref.check.{result.check.group}", time="0")  # fmt: skip
    message = result.message
    if fails_run(result, strict):
        tag = "failure" if result.verdict is Verdict.FAIL else "error"
        kind = "mandatory" if result.check.mandatory else "optional"
        ET.SubElement(case, tag, message=message, type=kind).text = _text(result, message)
    elif result.verdict is Verdict.SKIP:
        ET.SubElement(case, "skipped", message=message)
    if is_warning(result, strict):
        message = f"WARNING: optional check {result.verdict.value}: {message}"
    ET.SubElement(case, "system-out").text = f"{result.check.title}\n{_text(result, message)}"


def junit_xml(report: Report) -> bytes:
    """The report as a JUnit XML document (UTF-8, with its XML declaration)."""
    counts = report.counts()
    root = ET.Element("testsuites", name="sasref check", tests=str(len(report.results)),
                      failures="0", errors="0", skipped=str(counts["skip"]),
                      time=f"{report.duration_s:.3f}")  # fmt: skip
    failures = errors = 0
    for group in GROUPS:
        rows = [r for r in report.results if r.check.group == group]
        if not rows:
            continue
        failed = sum(1 for r in rows if fails_run(r, report.strict) and r.verdict is Verdict.FAIL)
        errored = sum(1 for r in rows if fails_run(r, report.strict) and r.verdict is Verdict.ERROR)
        skipped = sum(1 for r in rows if r.verdict is Verdict.SKIP)
        failures, errors = failures + failed, errors + errored
        suite = ET.SubElement(root, "testsuite", name=f"sasref check {group}",
                              tests=str(len(rows)), failures=str(failed), errors=str(errored),
                              skipped=str(skipped), time="0",
                              timestamp=report.started.isoformat(timespec="seconds"))  # fmt: skip
        props = ET.SubElement(suite, "properties")
        ET.SubElement(props, "property", name="baseUrl", value=report.base_url)
        ET.SubElement(props, "property", name="strict", value=str(report.strict).lower())
        for result in rows:
            _case(suite, result, report.strict)
    root.set("failures", str(failures))
    root.set("errors", str(errors))
    ET.indent(root)
    document: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return document
