"""HTML of the mock editor's booking pages: plain forms with real ``<label>``\\ s (accessible, and
what a browser test fills by label), no JavaScript."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from html import escape
from typing import Any

from mocks.editor_booking.appointment import STATUS_CHANGES, Booking
from sasref.clock import PARIS
from sasref.search import SlotView

__all__ = [
    "AGENDA_EDITOR",
    "booking_page",
    "bookings_page",
    "confirmation_page",
    "form_error",
    "input_field",
    "login_page",
    "message_page",
    "page",
    "permissions_note",
    "who",
]

_STYLE = """
body{font-family:system-ui,sans-serif;max-width:44rem;margin:2rem auto;color:#1b1b1b}
h1{font-size:1.4rem;color:#6a1b9a} label{display:block;margin:.5rem 0 .1rem}
input{padding:.3rem;min-width:16rem} button{margin-top:.8rem;padding:.4rem 1rem}
.note{background:#f3e5f5;padding:.5rem} .error{color:#b00020} table{border-collapse:collapse}
td,th{border:1px solid #ccc;padding:.2rem .5rem} .who{float:right;font-size:.9rem;color:#555}
"""


#: How the booking editors present themselves (a marketplace says otherwise).
AGENDA_EDITOR = "éditeur de logiciel d'agenda, maquette"


def page(title: str, body: str, editor: str, kind: str = AGENDA_EDITOR, style: str = "") -> str:
    """A whole page: ``kind`` says what the editor is, ``style`` adds CSS rules."""
    return (
        f'<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>{escape(title)} — '
        f"{escape(editor)}</title><style>{_STYLE}{style}</style></head><body>"
        f"<p><small>{escape(editor)} ({escape(kind)})</small></p>"
        f"{body}</body></html>"
    )


def _when(slot: SlotView | Booking) -> str:
    start, end = slot.start.astimezone(PARIS), slot.end.astimezone(PARIS)
    return f"{start:%d/%m/%Y} de {start:%H:%M} à {end:%H:%M}"


def who(user: Mapping[str, Any], local: str = "compte éditeur") -> str:
    """Who is connected, and how (``local``: what a password login is called)."""
    name = f"{user.get('given_name', '')} {user.get('family_name', '')}".strip()
    via = local if user.get("local") else f"SSO {user.get('issuer', '')}"
    return f'<p class="who" id="who">Connecté : {escape(name or str(user.get("sub")))} ({via})</p>'


def input_field(
    name: str, label: str, kind: str, value: str, error: str | None, extra: str = ""
) -> str:
    described = f' aria-describedby="{name}-error" aria-invalid="true"' if error else ""
    message = f'<span class="error" id="{name}-error">{escape(error)}</span>' if error else ""
    return (
        f'<label for="{name}">{label}</label>'
        f'<input id="{name}" name="{name}" type="{kind}" value="{escape(value)}" required'
        f"{described}{extra}>{message}"
    )


def permissions_note(granted: bool, refused: str = "") -> str:
    """Whether the regulator-only permissions are on (IG digest §3.4); when they are not, why,
    and that ``refused`` (what the page would have offered) is unavailable."""
    if granted:
        return (
            '<p class="note" id="permissions">Droits régulateur SAS actifs (arrivée depuis le '
            "SAS).</p>"
        )
    return (
        '<p class="note" id="permissions">Droits régulateur non accordés : ils ne le sont '
        "que pour un lien ouvert depuis la plateforme SAS (<code>origin=sas</code>) avec une "
        f"session ouverte par SSO. {escape(refused)} pour le compte du SAS indisponible.</p>"
    )


def form_error(errors: Mapping[str, str]) -> str:
    """The error about the whole form (key ``form``), if any."""
    text = errors.get("form")
    return f'<p class="error" role="alert">{escape(text)}</p>' if text else ""


def booking_page(
    *,
    editor: str,
    user: Mapping[str, Any],
    slot: SlotView,
    owner_label: str,
    action: str,
    csrf: str,
    regulator: bool,
    account_note: str | None,
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
) -> str:
    values, errors = values or {}, errors or {}
    head = (
        f"{who(user)}<h1>Réservation d'un créneau</h1>"
        f'<p id="slot">{escape(owner_label)} — <strong>{_when(slot)}</strong>'
        f" <small>({escape(', '.join(slot.types))}; {escape(', '.join(slot.motifs))})</small></p>"
    )
    if not regulator:
        return page("Réservation", head + permissions_note(False, "Réservation"), editor)
    note = f'<p class="note" id="account">{escape(account_note)}</p>' if account_note else ""
    form = (
        f'<form method="post" action="{escape(action)}" aria-label="Patient">'
        f'<input type="hidden" name="csrf_token" value="{escape(csrf)}">'
        '<fieldset><legend>Patient</legend>'
        + input_field("family", "Nom du patient", "text", values.get("family", ""),
                      errors.get("family"))
        + input_field("given", "Prénom du patient", "text", values.get("given", ""),
                      errors.get("given"))
        + input_field("birth_date", "Date de naissance", "date", values.get("birth_date", ""),
                 errors.get("birth_date"))
        + input_field("phone", "Téléphone", "tel", values.get("phone", ""), errors.get("phone"),
                 ' autocomplete="tel"')
        + "</fieldset>"
        + form_error(errors)
        + '<button type="submit">Réserver ce créneau</button></form>'
    )  # fmt: skip
    return page("Réservation", head + permissions_note(True) + note + form, editor)


def confirmation_page(
    *, editor: str, user: Mapping[str, Any], booking: Booking, delivery: str, csrf: str
) -> str:
    buttons = "".join(
        f'<form method="post" action="/appointments/{escape(booking.id)}/status">'
        f'<input type="hidden" name="csrf_token" value="{escape(csrf)}">'
        f'<input type="hidden" name="status" value="{s}">'
        f'<button type="submit">Marquer « {s} »</button></form>'
        for s in STATUS_CHANGES
        if booking.status != s and booking.status != "cancelled"
    )
    title = "Rendez-vous confirmé" if booking.status == "booked" else "Rendez-vous"
    body = (
        f"{who(user)}<h1>{title}</h1>"
        f'<dl><dt>Patient</dt><dd id="patient">{escape(booking.patient.family)} '
        f"{escape(booking.patient.given)} (né·e le {booking.patient.birth_date:%d/%m/%Y}, "
        f"{escape(booking.patient.phone)})</dd>"
        f"<dt>Créneau</dt><dd>{_when(booking)}</dd>"
        f'<dt>Statut</dt><dd id="status">{escape(booking.status)}</dd>'
        f'<dt>Identifiant</dt><dd><code id="identifier">{escape(booking.identifier_system)}|'
        f"{escape(booking.id)}</code></dd>"
        f'<dt>Transmission au SAS (INT_R03)</dt><dd id="delivery">{escape(delivery)}</dd></dl>'
        f"{buttons}"
        '<p><a href="/appointments">Tous les rendez-vous</a></p>'
    )
    return page(title, body, editor)


def bookings_page(*, editor: str, user: Mapping[str, Any], bookings: Iterable[Booking]) -> str:
    rows = "".join(
        f'<tr><td><a href="/appointments/{escape(b.id)}">{_when(b)}</a></td>'
        f"<td>{escape(b.patient.family)} {escape(b.patient.given)}</td>"
        f"<td>{escape(b.status)}</td></tr>"
        for b in bookings
    )
    body = (
        f"{who(user)}<h1>Rendez-vous pris</h1><table><thead><tr><th>Créneau</th>"
        f"<th>Patient</th><th>Statut</th></tr></thead><tbody>{rows}</tbody></table>"
    )
    return page("Rendez-vous", body, editor)


def login_page(
    *, editor: str, next_path: str, error: str | None = None, kind: str = AGENDA_EDITOR
) -> str:
    message = f'<p class="error" role="alert">{escape(error)}</p>' if error else ""
    body = (
        "<h1>Connexion</h1>"
        '<p id="login-reason">Aucune session : connectez-vous avec votre compte éditeur. '
        "(Un régulateur arrive ici quand ni ProSanté Connect ni le SAS n'ont de session.)</p>"
        f'{message}<form method="post" action="/login" aria-label="Connexion">'
        f'<input type="hidden" name="next" value="{escape(next_path)}">'
        '<label for="username">Identifiant</label><input id="username" name="username" required>'
        '<label for="password">Mot de passe</label>'
        '<input id="password" name="password" type="password" required>'
        '<button type="submit">Se connecter</button></form>'
    )
    return page("Connexion", body, editor, kind)


def message_page(*, editor: str, title: str, message: str, kind: str = AGENDA_EDITOR) -> str:
    body = f'<h1>{escape(title)}</h1><p role="alert" id="message">{escape(message)}</p>'
    return page(title, body, editor, kind)
