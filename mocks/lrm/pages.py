"""HTML of the fake LRMs (French labels: SAMU staff read them): a vendor's list of SAMUs and one
SAMU's inspection page (appointments received through INT_L02 with their history, and a
regulation file that opens the SAS contextual search, INT_L01)."""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from typing import Any

from mocks.lrm.fleet import LrmVendor, Samu

__all__ = ["samu_page", "vendor_page"]

_STYLE = """
body{font-family:system-ui,sans-serif;max-width:72rem;margin:1.5rem auto;color:#161616}
h1{color:#b60000;font-size:1.5rem} h2{font-size:1.15rem;margin-top:1.6rem}
table{border-collapse:collapse;width:100%} th,td{border:1px solid #ccc;padding:.25rem .5rem;
text-align:left;font-size:.9rem} th{background:#f3f3f3} small,.muted{color:#666}
label{display:inline-block;margin:.25rem .8rem .25rem 0} input{padding:.2rem}
button{padding:.4rem .8rem;border:1px solid #b60000;background:#b60000;color:#fff;cursor:pointer}
"""

#: The regulation-file fields, in the INT_L01 URL's order, with their French labels.
FILE_FIELDS = (
    ("practitioner", "Médecin traitant (nom ou urn:oid:…|8RPPS)"),
    ("specialty", "Spécialité"),
    ("streetnumber", "N°"),
    ("streetname", "Voie"),
    ("inseecode", "Code INSEE"),
    ("city", "Commune"),
)


def _page(title: str, body: str) -> str:
    return (
        f'<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>{escape(title)}'
        f"</title><style>{_STYLE}</style></head><body>{body}</body></html>"
    )


def vendor_page(vendor: LrmVendor, samus: Iterable[Samu]) -> str:
    rows = "".join(
        f'<tr><td><a href="/{escape(s.origin)}/">{escape(s.name)}</a></td>'
        f"<td><code>{escape(s.client_id)}</code></td><td><code>{escape(s.origin)}</code></td>"
        f'<td class="count">{len(s.lrm.appointments)}</td></tr>'
        for s in samus
    )
    body = (
        f"<h1>{escape(vendor.name)} — logiciel de régulation médicale</h1>"
        f"<p class=muted>{len(vendor.departments)} SAMU clients de cet éditeur "
        f"(<code>{escape(vendor.key)}</code>).</p>"
        "<table><thead><tr><th>SAMU</th><th>Client Hub Santé</th><th>Origine INT_L01</th>"
        f"<th>Rendez-vous reçus</th></tr></thead><tbody>{rows}</tbody></table>"
    )
    return _page(vendor.name, body)


def _history(appointment: dict[str, Any]) -> str:
    return "<br>".join(
        f"{escape(h['receivedAt'])} {escape(h['method'])} → {escape(h['result'])}"
        for h in appointment["history"]
    )


def _appointment_row(item: dict[str, Any]) -> str:
    appointment = item["appointment"]
    practitioner = appointment.get("practitioner") or {}
    regulator = appointment.get("regulator") or {}
    who = " ".join(p for p in (practitioner.get("firstName"), practitioner.get("lastName")) if p)
    booked_by = " ".join(
        p for p in (regulator.get("regulatorFirstname"), regulator.get("regulatorName")) if p
    )
    cells = (
        f"<code>{escape(item['appointmentId'])}</code>",
        escape(str(appointment.get("status", ""))),
        escape(str(appointment.get("start", ""))),
        escape(who or "—"),
        escape(str(appointment.get("orientationCategory", "—"))),
        escape(booked_by or "—"),
        _history(item),
    )
    return "<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"


def samu_page(samu: Samu, sas_base_url: str) -> str:
    items = [a.to_json() for a in samu.lrm.appointments.values()]
    rows = "".join(_appointment_row(a) for a in items) or (
        '<tr><td colspan="7" class="muted">Aucun rendez-vous reçu.</td></tr>'
    )
    fields = "".join(
        f'<label>{escape(label)} <input name="{name}"></label>' for name, label in FILE_FIELDS
    )
    body = (
        f"<h1>{escape(samu.name)}</h1>"
        f"<p>Logiciel {escape(samu.vendor.name)} · client Hub Santé "
        f"<code>{escape(samu.client_id)}</code> · origine INT_L01 "
        f'<code>{escape(samu.origin)}</code> · <a href="/">tous les SAMU de l\'éditeur</a></p>'
        "<h2>Rendez-vous reçus du SAS (INT_L02)</h2>"
        '<table id="appointments"><thead><tr><th>Identifiant du RDV</th><th>Statut</th>'
        "<th>Début</th><th>Praticien</th><th>Catégorie</th><th>Pris par</th>"
        f"<th>Messages reçus</th></tr></thead><tbody>{rows}</tbody></table>"
        "<h2>Dossier de régulation → recherche dans le SAS (INT_L01)</h2>"
        f'<form method="get" action="/{escape(samu.origin)}/recherche">{fields}'
        '<p><button type="submit">Rechercher une disponibilité dans le SAS</button> '
        f"<small>ouvre {escape(sas_base_url)}/sas/recherche?origin={escape(samu.origin)}&amp;…"
        "</small></p></form>"
    )
    return _page(samu.name, body)
