"""The origin rule of the SSO into editors (IG digest §0, §3.4)."""

from __future__ import annotations

import pytest

from sasref.auth.sso import (
    SsoMode,
    booking_url_with_origin,
    editor_oidc_settings,
    regulator_permissions_allowed,
)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://ed.test/rdv/42", "https://ed.test/rdv/42?origin=sas"),
        ("https://ed.test/rdv?slot=42&pro=8100", "https://ed.test/rdv?slot=42&pro=8100&origin=sas"),
        ("https://ed.test/rdv?origin=web&slot=42", "https://ed.test/rdv?slot=42&origin=sas"),
        ("https://ed.test/rdv?slot=42#top", "https://ed.test/rdv?slot=42&origin=sas#top"),
        ("https://ed.test/rdv?flag=&a=b%20c", "https://ed.test/rdv?flag=&a=b+c&origin=sas"),
        ("  https://ed.test/x  ", "https://ed.test/x?origin=sas"),
    ],
)
def test_booking_url_with_origin(url: str, expected: str) -> None:
    assert booking_url_with_origin(url) == expected


def test_origin_is_idempotent() -> None:
    once = booking_url_with_origin("https://ed.test/rdv?slot=1")
    assert booking_url_with_origin(once) == once


@pytest.mark.parametrize(
    ("origin", "session", "allowed"),
    [
        ("sas", {"sub": "u1"}, True),
        (None, {"sub": "u1"}, False),
        ("web", {"sub": "u1"}, False),
        ("SAS", {"sub": "u1"}, False),
        ("sas", None, False),
        ("sas", {}, False),
        ("sas-preprod", {"sub": "u1"}, False),
    ],
)
def test_regulator_permissions_only_with_origin_sas_and_a_session(
    origin: str | None, session: dict[str, str] | None, allowed: bool
) -> None:
    assert regulator_permissions_allowed(origin, session) is allowed


def test_preprod_origin_when_the_editor_opts_in() -> None:
    assert regulator_permissions_allowed(
        "sas-preprod", {"sub": "u1"}, allowed_origins=("sas", "sas-preprod")
    )


def test_editor_settings_per_mode() -> None:
    psc, sas = (
        editor_oidc_settings(
            mode,
            issuer="https://x.test",
            client_id="c",
            client_secret="s",
            redirect_uri="https://ed.test/cb",
        )
        for mode in (SsoMode.PSC, SsoMode.SAS)
    )
    assert (psc.scope, psc.acr) == ("openid scope_all", "eidas1")
    assert (sas.scope, sas.acr) == ("openid", None)
