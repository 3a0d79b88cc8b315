"""A self-contained HTML page of a report: inline CSS, no script, no external asset (it opens
from a CI artifact or an e-mail). Labels in French, for the editors' teams; the checks' own
words (titles, messages, evidence) as the kit writes them. Everything shown is escaped.
"""

from __future__ import annotations

from html import escape

from sasref.conformance.catalog import GROUP_TITLES, GROUPS
from sasref.conformance.model import CheckResult, Report, Verdict
from sasref.conformance.reports import is_warning
from sasref.conformance.requirements import REQUIREMENTS

__all__ = ["html_report"]

_LABELS = {Verdict.PASS: "réussi", Verdict.FAIL: "échec", Verdict.SKIP: "non testé",
           Verdict.ERROR: "erreur"}  # fmt: skip
_CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:72rem;color:#1d1d1f;
padding:0 1rem}
h1{font-size:1.5rem;margin:0 0 .3rem}h2{font-size:1.15rem;margin:2rem 0 .5rem}
.meta{color:#555}.badge{display:inline-block;padding:.2rem .7rem;border-radius:1rem;
font-weight:700;color:#fff}.ok{background:#1a7f37}.ko{background:#c62828}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.35rem .5rem;
text-align:left;vertical-align:top}th{background:#f5f5f7}
.v{font-weight:700;white-space:nowrap}.pass{color:#1a7f37}.fail{color:#c62828}
.skip{color:#777}.error{color:#8e24aa}.warn{color:#b26a00}code{font-size:.92em}
details pre{white-space:pre-wrap;word-break:break-all;background:#f5f5f7;padding:.5rem;
margin:.3rem 0;font-size:.85em}.msg{color:#333}.opt{color:#777;font-size:.85em}
"""


def _requirements(result: CheckResult) -> str:
    links = []
    for rid in result.check.requirements:
        req = REQUIREMENTS.get(rid)
        if req is None:
            links.append(escape(rid))
        else:
            links.append(f'<a href="{escape(req.url)}" title="{escape(req.statement)}">'
                         f"{escape(rid)}</a>")  # fmt: skip
    return ", ".join(links)


def _evidence(result: CheckResult) -> str:
    if not result.evidence:
        return ""
    parts = []
    for e in result.evidence:
        status = e.status if e.status is not None else (e.error or "pas de réponse")
        lines = [f"{e.request}", f"→ {status}" + (f" ({e.elapsed_ms:.0f} ms)" if e.elapsed_ms
                 is not None else "") + (f" — {e.note}" if e.note else "")]  # fmt: skip
        if e.request_body:
            lines.append(f"corps envoyé : {e.request_body}")
        if e.excerpt:
            lines.append(e.excerpt)
        parts.append(f"<pre>{escape(chr(10).join(lines))}</pre>")
    return f"<details><summary>preuves ({len(result.evidence)})</summary>{''.join(parts)}</details>"


def _row(result: CheckResult, strict: bool) -> str:
    verdict = result.verdict
    css, label = verdict.value, _LABELS[verdict]
    if is_warning(result, strict):
        css, label = "warn", f"{label} (facultatif)"
    optional = "" if result.check.mandatory else ' <span class="opt">facultatif</span>'
    return (f'<tr id="{escape(result.id)}"><td class="v {css}">{escape(label)}</td>'
            f"<td><code>{escape(result.id)}</code>{optional}</td>"
            f"<td>{escape(result.check.title)}<div class=\"msg\">{escape(result.message)}</div>"
            f"{_evidence(result)}</td><td>{_requirements(result)}</td></tr>")  # fmt: skip


def html_report(report: Report) -> str:
    """The report as one HTML document."""
    counts = report.counts()
    badge = '<span class="badge ok">CONFORME</span>' if report.ok else (
        '<span class="badge ko">NON CONFORME</span>')  # fmt: skip
    summary = ", ".join(f"{counts[v.value]} {_LABELS[v]}" for v in Verdict if counts[v.value])
    sections = []
    for group in GROUPS:
        rows = [r for r in report.results if r.check.group == group]
        if rows:
            body = "".join(_row(r, report.strict) for r in rows)
            sections.append(f"<h2>{escape(GROUP_TITLES[group])}</h2><table><tr><th>résultat</th>"
                            f"<th>vérification</th><th>détail</th><th>exigences</th></tr>"
                            f"{body}</table>")  # fmt: skip
    items = "".join(f"<li>{escape(n)}</li>" for n in report.notes)
    notes = f'<ul class="meta">{items}</ul>' if items else ""
    failing = ", ".join(f'<a href="#{escape(r.id)}">{escape(r.id)}</a>' for r in report.failures)
    return (
        '<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">'
        f"<title>sasref check — {escape(report.base_url)}</title><style>{_CSS}</style></head>"
        f"<body><h1>sasref check {badge}</h1>"
        f'<p class="meta">Serveur <code>{escape(report.base_url)}</code> — cas d\'usage '
        f"{escape(', '.join(report.use_cases) or 'aucun')} — "
        f"{escape(report.started.isoformat(timespec='seconds'))} — "
        f"{report.duration_s:.1f} s{' — mode strict' if report.strict else ''}</p>"
        f"<p>{escape(summary)}{'. Échecs : ' + failing if failing else ''}</p>"
        f"{notes}"
        f"{''.join(sections)}</body></html>\n"
    )
