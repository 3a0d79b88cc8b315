"""INT_R02 request bodies and queries, per ``FrPractitionerRegul`` (digest §3.1-3.3, §7.10). Pure.

The body carries the account's *current* identifier only (the FAQ's identifier-change example
sends just the IDNPS); an identifier change is a conditional PUT whose query names the *old*
identifier (:func:`identifier_query`).
"""

from __future__ import annotations

from typing import Any

from sasref.fhir.identifiers import practitioner_identifier, regulator_technical_identifier
from sasref.fhir.systems import EMAIL, SAS_SYSTEM, Profile
from sasref.regulators.model import RegulatorAccount


def practitioner_regul_body(account: RegulatorAccount) -> dict[str, Any]:
    identifier = (
        practitioner_identifier(account.national_id)
        if account.national_id
        else regulator_technical_identifier(account.technical_id)
    )
    return {
        "resourceType": "Practitioner",
        "meta": {"profile": [Profile.PRACTITIONER_REGUL], "source": SAS_SYSTEM},
        "identifier": [identifier],
        "active": account.active,
        "name": [{"family": account.family, "given": [account.given]}],
        "telecom": [{"system": EMAIL, "value": account.email}],
    }


def identifier_query(system: str, value: str) -> str:
    """The ``identifier`` search value ``system|value`` (URL-encoding is the HTTP client's job)."""
    return f"{system}|{value}"
