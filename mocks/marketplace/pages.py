"""HTML of a marketplace's pages (French, real ``<label>``\\ s, no JavaScript): the care-request
form, the regulator's list of requests, one request with its timeline. The page frame, the
login and message pages are the booking editors' (:mod:`mocks.editor_booking.pages`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from html import escape
from typing import Any, Final

from mocks.editor_booking.pages import form_error, input_field, page, permissions_note, who
from mocks.marketplace.fleet import MarketplaceProfile
from mocks.marketplace.model import STATE_LABELS, CareRequest, RequestState
from sasref.clock import PARIS
from sasref.marketplace import CARE_TYPES

__all__ = ["KIND", "care_request_page", "request_page", "requests_page"]

#: How a marketplace presents itself on its pages.
KIND: Final = "plateforme de type place de marché, maquette"
_STYLE = """
select,textarea{padding:.3rem;min-width:16rem;display:block} fieldset{margin:.6rem 0}
.state{font-weight:bold} .state.accepted{color:#18753c} .state.dispatching{color:#b34000}
.state.refused,.state.expired,.state.cancelled{color:#b00020} ol.timeline li{margin:.2rem 0}
"""


def _page(title: str, body: str, profile: MarketplaceProfile) -> str:
    return page(title, body, profile.label, KIND, _STYLE)


def _who(user: Mapping[str, Any]) -> str:
    return who(user, "compte de la plateforme")


def _when(moment: datetime) -> str:
    return f"{moment.astimezone(PARIS):%d/%m/%Y %H:%M}"


def _error(errors: Mapping[str, str], name: str) -> str:
    text = errors.get(name)
    return f'<span class="error" id="{name}-error">{escape(text)}</span>' if text else ""


def _described(errors: Mapping[str, str], name: str) -> str:
    return f' aria-describedby="{name}-error" aria-invalid="true"' if name in errors else ""


def _care_select(profile: MarketplaceProfile, value: str, errors: Mapping[str, str]) -> str:
    options = "".join(
        f'<option value="{c}"{" selected" if c == value else ""}>'
        f"{escape(CARE_TYPES[c].label)}</option>"
        for c in profile.care_types
    )
    return (
        '<label for="care_type">Type de soins</label>'
        f'<select id="care_type" name="care_type" required{_described(errors, "care_type")}>'
        f'<option value="">— choisir —</option>{options}</select>{_error(errors, "care_type")}'
    )


def care_request_page(
    *,
    profile: MarketplaceProfile,
    user: Mapping[str, Any],
    action: str,
    csrf: str,
    regulator: bool,
    account_note: str | None,
    values: Mapping[str, str],
    errors: Mapping[str, str] | None = None,
) -> str:
    """The care-request form (``values`` pre-fill it: the place from the SAS link, the window)."""
    errors = errors or {}
    head = f"{_who(user)}<h1>Demande de prise en charge</h1><p>{escape(profile.description)}</p>"
    if not regulator:
        refused = permissions_note(False, "Demande")
        return _page("Demande de prise en charge", head + refused, profile)

    def text(name: str, label: str, kind: str = "text", extra: str = "") -> str:
        return input_field(name, label, kind, values.get(name, ""), errors.get(name), extra)

    note = f'<p class="note" id="account">{escape(account_note)}</p>' if account_note else ""
    details = values.get("details", "")
    form = (
        f'<form method="post" action="{escape(action)}" aria-label="Demande de prise en charge">'
        f'<input type="hidden" name="csrf_token" value="{escape(csrf)}">'
        "<fieldset><legend>Patient</legend>"
        + text("family", "Nom du patient")
        + text("given", "Prénom du patient")
        + text("birth_date", "Date de naissance", "date")
        + text("phone", "Téléphone", "tel", ' autocomplete="tel"')
        + "</fieldset><fieldset><legend>Besoin</legend>"
        + _care_select(profile, values.get("care_type", ""), errors)
        + '<label for="details">Précisions (facultatif)</label>'
        f'<textarea id="details" name="details" maxlength="500" rows="3"'
        f'{_described(errors, "details")}>{escape(details)}</textarea>{_error(errors, "details")}'
        "</fieldset><fieldset><legend>Adresse du patient</legend>"
        + text("line", "Adresse (numéro et voie)")
        + text("postcode", "Code postal", "text", ' inputmode="numeric" maxlength="5"')
        + text("city", "Commune")
        + "</fieldset><fieldset><legend>Fenêtre souhaitée</legend>"
        + text("window_start", "Au plus tôt", "datetime-local")
        + text("window_end", "Au plus tard", "datetime-local")
        + "</fieldset>"
        + form_error(errors)
        + '<button type="submit">Envoyer la demande</button></form>'
    )  # fmt: skip
    body = head + permissions_note(True) + note + form
    return _page("Demande de prise en charge", body, profile)


def _state(request: CareRequest) -> str:
    return (
        f'<span class="state {request.state.value}" id="state">'
        f"{escape(STATE_LABELS[request.state])}</span>"
    )


def request_page(
    *, profile: MarketplaceProfile, user: Mapping[str, Any], request: CareRequest,
    delivery: str, csrf: str,
) -> str:  # fmt: skip
    """One request: what was asked, its state, the professional, the timeline, INT_R03."""
    r = request
    taker = r.practitioner
    visit = f"le {_when(r.visit_start)}" if r.visit_start is not None and taker is not None else "—"
    cancel = ""
    if r.state in (RequestState.DISPATCHING, RequestState.ACCEPTED):
        cancel = (
            f'<form method="post" action="/care-requests/{escape(r.id)}/cancel">'
            f'<input type="hidden" name="csrf_token" value="{escape(csrf)}">'
            '<button type="submit">Annuler la demande</button></form>'
        )
    timeline = "".join(f"<li><time>{_when(e.at)}</time> — {escape(e.text)}</li>" for e in r.events)
    body = (
        f"{_who(user)}<h1>Demande de prise en charge</h1>"
        f"<dl><dt>État</dt><dd>{_state(r)}</dd>"
        f'<dt>Patient</dt><dd id="patient">{escape(r.patient.family)} {escape(r.patient.given)} '
        f"(né·e le {r.patient.birth_date:%d/%m/%Y}, {escape(r.patient.phone)})</dd>"
        f'<dt>Adresse</dt><dd id="address">{escape(r.address.text)}</dd>'
        f'<dt>Soins</dt><dd id="care">{escape(r.care_label)}'
        f"{' — ' + escape(r.details) if r.details else ''}</dd>"
        f"<dt>Fenêtre souhaitée</dt><dd>du {_when(r.window_start)} au {_when(r.window_end)}</dd>"
        f'<dt>Professionnel</dt><dd id="practitioner">'
        f"{escape(taker.display) if taker else '—'}</dd>"
        f'<dt>Passage</dt><dd id="visit">{visit}</dd>'
        f'<dt>Identifiant</dt><dd><code id="identifier">{escape(r.identifier_system)}|'
        f"{escape(r.id)}</code></dd>"
        f'<dt>Transmission au SAS (INT_R03)</dt><dd id="delivery">{escape(delivery)}</dd></dl>'
        f'<h2>Suivi</h2><ol class="timeline" id="timeline">{timeline}</ol>{cancel}'
        '<p><a href="/care-requests">Toutes mes demandes</a></p>'
    )
    return _page("Demande de prise en charge", body, profile)


def requests_page(
    *, profile: MarketplaceProfile, user: Mapping[str, Any], requests: Iterable[CareRequest]
) -> str:
    """The regulator's requests with their state."""
    rows = "".join(
        f'<tr><td><a href="/care-requests/{escape(r.id)}">{_when(r.created)}</a></td>'
        f"<td>{escape(r.patient.family)} {escape(r.patient.given)}</td>"
        f"<td>{escape(r.care_label)}</td><td>{escape(r.address.city)}</td>"
        f'<td class="state {r.state.value}">{escape(STATE_LABELS[r.state])}</td>'
        f"<td>{escape(r.practitioner.display) if r.practitioner else '—'}</td></tr>"
        for r in requests
    )
    body = (
        f"{_who(user)}<h1>Demandes de prise en charge</h1><table><thead><tr><th>Déposée</th>"
        "<th>Patient</th><th>Soins</th><th>Commune</th><th>État</th><th>Professionnel</th>"
        f"</tr></thead><tbody>{rows}</tbody></table>"
    )
    return _page("Demandes", body, profile)
