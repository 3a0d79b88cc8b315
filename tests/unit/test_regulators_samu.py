"""Which SAMU a regulator works for: the SAS's directory, the account it fills at login, and the
INT_L02 recipient derived from it (sasref.regulators.samu, sasref.appointments.forward)."""

from __future__ import annotations

import pytest

from sasref.appointments.forward import recipient_of, regulator_info
from sasref.auth import Regulator, Role
from sasref.errors import InvalidInput
from sasref.regulators import RegulatorAccount, RegulatorRegistry, SamuDirectory

TECH = "0b3f7c58-4f0e-4a55-9d4c-1a2b3c4d5e6f"


def login(national_id: str | None = None, email: str = "Camille.Roux@SAMU69.test") -> Regulator:
    return Regulator(
        technical_id=TECH, national_id=national_id, psc_sub="f:x:y", given_name="Camille",
        family_name="ROUX", email=email, roles=(Role.MEDECIN_REGULATEUR,),
        organization="SAMU 75 - Centre 15",  # what PSC says; the SAS does not route on it
    )  # fmt: skip


def test_directory_finds_by_national_id_then_technical_id_then_email() -> None:
    samus = SamuDirectory({"810002673899": "69", TECH: "2a", "camille.roux@samu69.test": "33"})
    assert samus.department_of(login("810002673899")) == "69"
    assert samus.department_of(login(None)) == "2A"  # technical id, normalised code
    other = Regulator("x", None, "", "", "", "CAMILLE.ROUX@samu69.test")
    assert samus.department_of(other) == "33"  # e-mail, case-insensitive
    assert samus.department_of(Regulator("y", "899999999999", "", "", "", "n@x.test")) is None
    assert samus.departments() == {"69", "2A", "33"} and len(samus) == 3


@pytest.mark.parametrize("bad", ["99", "2C", "", "samu69", "1"])
def test_directory_refuses_what_is_not_a_departement(bad: str) -> None:
    with pytest.raises(InvalidInput):
        SamuDirectory({"810002673899": bad})


def test_login_creates_the_account_with_the_directory_s_samu_not_psc_s() -> None:
    registry = RegulatorRegistry()
    samus = SamuDirectory({"810002673899": "69"})
    account = registry.login(login("810002673899"), samus)
    assert (account.technical_id, account.national_id, account.samu_department) == (
        TECH, "810002673899", "69",
    )  # fmt: skip
    assert account.samu_client_id == "fr.health.samu690"
    assert recipient_of(account) == "fr.health.samu690"
    assert registry.get(TECH) is account and account.version == 1


def test_login_follows_the_directory_and_links_a_new_national_id() -> None:
    registry = RegulatorRegistry()
    samus = SamuDirectory({"camille.roux@samu69.test": "69"})
    account = registry.login(login(None), samus)
    assert account.samu_department == "69" and account.national_id is None
    samus.assign("camille.roux@samu69.test", "01")  # moved to SAMU 01 by the SAS's admins
    again = registry.login(login("810002673899"), samus)
    assert again is account
    assert (account.samu_department, account.national_id, account.version) == (
        "01", "810002673899", 2,  # the national id is news for the editors; the SAMU is not
    )  # fmt: skip
    registry.login(login("810002673899"), SamuDirectory())  # forgotten: keeps what it had
    assert account.samu_department == "01"


def test_an_account_without_samu_has_no_recipient() -> None:
    account = RegulatorAccount(
        TECH, "ROUX", "Camille", "c@x.test", national_id="3620100057/70326SR"
    )
    assert account.samu_client_id is None and recipient_of(account) is None
    info = regulator_info(account)
    assert (info.regulator_id, info.name, info.first_name) == (
        "3620100057/70326SR",
        "ROUX",
        "Camille",
    )
    assert TECH not in str(info.to_json())  # the SAS technical id never goes to the LRM
