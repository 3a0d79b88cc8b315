"""PSC claims → SAS regulator and roles (sasref.auth.roles, docs/sso.md)."""

from __future__ import annotations

from typing import Any

import pytest

from sasref.auth.roles import Regulator, Role, RoleEntry, regulator_from_claims, roles_from_claims


def claims(
    *, name_id: str = "810002673899", profession: str = "10", regulation: str = "VRAI"
) -> dict[str, Any]:
    return {
        "sub": "f:idp:" + name_id,
        "SubjectNameID": name_id,
        "preferred_username": name_id,
        "given_name": "Jeanne",
        "family_name": "DURAND",
        "Email": "Jeanne.Durand@example.test",
        "Acces_Regulation_Medicale": regulation,
        "SubjectOrganization": "SAMU 75",
        "SubjectRefPro": {
            "codeCivilite": "MME",
            "exercices": [{"codeProfession": profession, "activities": []}] if profession else [],
        },
    }


@pytest.mark.parametrize(
    ("profession", "regulation", "expected"),
    [
        ("10", "VRAI", (Role.MEDECIN_REGULATEUR,)),
        ("10", "FAUX", ()),
        ("21", "VRAI", ()),  # not a médecin: the PSC flag alone grants nothing
        ("", "VRAI", ()),
        ("10", "", ()),
    ],
)
def test_medecin_regulateur_needs_profession_10_and_the_psc_flag(
    profession: str, regulation: str, expected: tuple[Role, ...]
) -> None:
    assert roles_from_claims(claims(profession=profession, regulation=regulation)) == expected


def test_role_table_by_name_id_and_by_email() -> None:
    arm = claims(name_id="ANS20210107161422", profession="")
    assert roles_from_claims(arm, {"ANS20210107161422": RoleEntry(frozenset({Role.ARM}))}) == (
        Role.ARM,
    )
    by_mail = {"jeanne.durand@example.test": RoleEntry(frozenset({Role.OSNP}))}
    assert roles_from_claims(arm, by_mail) == (Role.OSNP,)
    both = {"810002673899": RoleEntry(frozenset({Role.OSNP}))}
    assert roles_from_claims(claims(), both) == (Role.MEDECIN_REGULATEUR, Role.OSNP)


def test_national_id_only_for_idnps_rpps() -> None:
    assert regulator_from_claims(claims()).national_id == "810002673899"
    assert regulator_from_claims(claims(name_id="ANS20210107161422")).national_id is None
    assert regulator_from_claims(claims(name_id="10002673899")).national_id is None


def test_technical_id_from_table_else_stable_uuid5() -> None:
    table = {
        "810002673899": RoleEntry(frozenset(), technical_id="b6e39355-8a61-4556-b340-36f7b95fec6a")
    }
    assert regulator_from_claims(claims(), table).technical_id == table["810002673899"].technical_id
    derived = regulator_from_claims(claims())
    assert derived.technical_id == regulator_from_claims(claims()).technical_id
    assert (
        derived.technical_id != regulator_from_claims(claims(name_id="810002673881")).technical_id
    )
    assert len(derived.technical_id) == 36


def test_regulator_round_trips_through_the_session() -> None:
    regulator = regulator_from_claims(claims())
    assert Regulator.from_dict(regulator.as_dict()) == regulator
    assert regulator.is_regulator and regulator.display_name == "Jeanne DURAND"
    assert regulator.email == "Jeanne.Durand@example.test"
    assert not regulator_from_claims(claims(regulation="FAUX")).is_regulator
