"""Who is the regulator at the editor? Match the SSO session to an INT_R02 account (IG §3.3-3.4).

The SAS pushes regulator accounts to the editor (INT_R02, ``FrPractitionerRegul``) keyed by the
national id (IDNPS) or, for regulators without a CPx card, by the SAS technical UUID. The
booking's ``FrAppointmentOperator`` must carry **that** identifier, so the editor looks the
session up in its account store:

* mode (b) (SAS IdP): the ID token names ``sas_technical_id`` and ``national_id``;
* mode (a) (PSC): ``SubjectNameID`` is the IDNPS of a card holder; a regulator without one
  (an ARM's e-CPS id ``ANS…``) is found by e-mail, the one field PSC and INT_R02 share.

An inactive account (habilitation removed, ``active = false``) matches nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mocks.editor import AccountStore
from sasref.fhir.systems import EMAIL, IDNPS_SYSTEM, SAS_SYSTEM

__all__ = ["account_note", "find_regulator_account"]


def _candidates(user: Mapping[str, Any]) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    technical = user.get("sas_technical_id")
    if isinstance(technical, str) and technical:
        pairs.append((SAS_SYSTEM, technical))
    for key in ("national_id", "SubjectNameID"):
        value = user.get(key)
        if isinstance(value, str) and value[:1] in ("8", "0") and value[1:].isdigit():
            pairs.append((IDNPS_SYSTEM, value))
    return pairs


def _email(user: Mapping[str, Any]) -> str:
    value = user.get("email") or user.get("Email") or ""
    return str(value).strip().lower()


def find_regulator_account(
    accounts: AccountStore, user: Mapping[str, Any]
) -> dict[str, Any] | None:
    """The active INT_R02 account of the session's regulator, or ``None``."""
    for system, value in _candidates(user):
        for account_id in accounts.find(system, value):
            account = accounts.get(account_id)
            if account is not None and account.get("active", True) is not False:
                return account
    email = _email(user)
    if not email:
        return None
    for account in accounts.all():
        mails = {
            str(t.get("value", "")).strip().lower()
            for t in account.get("telecom") or []
            if isinstance(t, dict) and t.get("system") == EMAIL
        }
        if email in mails and account.get("active", True) is not False:
            return account
    return None


def account_note(account: Mapping[str, Any] | None) -> str:
    if account is None:
        return (
            "Aucun compte régulateur actif à votre nom chez cet éditeur (INT_R02) : la "
            "réservation sera refusée."
        )
    ident = (account.get("identifier") or [{}])[0]
    kind = "IDNPS" if ident.get("system") == IDNPS_SYSTEM else "identifiant technique SAS"
    return f"Compte régulateur {account.get('id')} ({kind} {ident.get('value')})."
