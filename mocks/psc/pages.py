"""HTML of the fake PSC: the "wallet" login page (one button per persona, a manual form, Deny)."""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

from mocks.psc.personas import Persona

__all__ = ["error_page", "logged_out_page", "login_page"]

_STYLE = """
body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;color:#161616}
h1{color:#000091;font-size:1.5rem} .persona{margin:.4rem 0}
button{padding:.4rem .8rem;border:1px solid #000091;background:#fff;color:#000091;cursor:pointer}
button.primary{background:#000091;color:#fff} small{color:#666} fieldset{margin-top:1.2rem}
label{display:block;margin:.3rem 0}
"""


def _page(title: str, body: str) -> str:
    return (
        f'<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f"<style>{_STYLE}</style></head><body>{body}</body></html>"
    )


def login_page(
    *, action: str, session_code: str, client_id: str, personas: Iterable[Persona]
) -> str:
    hidden = f'<input type="hidden" name="session_code" value="{escape(session_code)}">'
    buttons = "".join(
        f'<form class="persona" method="post" action="{escape(action)}">{hidden}'
        f'<input type="hidden" name="persona" value="{escape(p.key)}">'
        f'<button class="primary" type="submit" data-persona="{escape(p.key)}">{escape(p.label)}'
        f"</button> <small>{escape(p.description)} — {escape(p.claims['SubjectNameID'])}</small>"
        "</form>"
        for p in personas
    )
    manual = (
        f'<form method="post" action="{escape(action)}">{hidden}'
        '<input type="hidden" name="persona" value="manual"><fieldset>'
        "<legend>Saisie manuelle</legend>"
        '<label>SubjectNameID <input name="SubjectNameID" placeholder="8 + RPPS"></label>'
        '<label>Prénom <input name="given_name"></label>'
        '<label>Nom <input name="family_name"></label>'
        '<label>E-mail <input name="Email"></label>'
        '<label>codeProfession <input name="codeProfession" placeholder="10"></label>'
        '<label>SubjectOrganization <input name="SubjectOrganization"></label>'
        '<label><input type="checkbox" name="Acces_Regulation_Medicale" value="VRAI"> '
        "Acces_Regulation_Medicale</label>"
        '<button type="submit">Se connecter</button></fieldset></form>'
    )
    deny = (
        f'<form method="post" action="{escape(action)}">{hidden}'
        '<input type="hidden" name="action" value="deny">'
        '<button type="submit" data-action="deny">Refuser</button></form>'
    )
    body = (
        "<h1>Pro Santé Connect (fake)</h1>"
        f"<p>Application <code>{escape(client_id)}</code> demande votre identité "
        "(<code>openid scope_all</code>, niveau <code>eidas1</code>).</p>"
        f"<h2>Identités de test</h2>{buttons}{manual}<p>{deny}</p>"
    )
    return _page("Pro Santé Connect — connexion", body)


def error_page(error: str, description: str) -> str:
    return _page(
        "Pro Santé Connect — erreur",
        f"<h1>Erreur</h1><p><code>{escape(error)}</code></p><p>{escape(description)}</p>",
    )


def logged_out_page() -> str:
    return _page("Pro Santé Connect — déconnecté", "<h1>Vous êtes déconnecté.</h1>")
