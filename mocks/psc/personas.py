"""Test identities of the fake ProSanté Connect with PSC's userinfo claims (psc-hub-libraries
§1.4).

Every persona carries the claims PSC returns for ``scope_all`` — ``SubjectNameID`` (``8`` + RPPS, or
an EDIT test id for people without RPPS), ``SubjectRefPro`` (RASS exercices and activities),
``SubjectOrganization``, ``Acces_Regulation_Medicale`` as the French string ``"VRAI"``/``"FAUX"``,
``otherIds`` ... — and, like PSC, empty values come back as ``""``, not omitted.

Names and numbers are drawn from ``Faker("fr_FR")`` seeded per call, so a seed gives the same
personas on every run.

Regulators belong to a SAMU (:attr:`Persona.samu`, a département code): the default regulator
personas to ``samu`` (``"33"`` unless told), and :func:`samu_regulators` gives one médecin
régulateur per SAMU (``regulateur-69`` …) for a fleet of LRMs (:mod:`mocks.lrm.fleet`). PSC does
not tell the SAS which SAMU someone works for; the SAS keeps that in its own directory
(:class:`sasref.regulators.SamuDirectory`), which the mock ecosystem seeds from these personas
(:func:`samu_assignments`).
"""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass
from typing import Any

from faker import Faker

from sasref.auth.provider import Subject
from sasref.directory.geo import department

__all__ = [
    "Persona",
    "default_personas",
    "manual_persona",
    "samu_assignments",
    "samu_persona_key",
    "samu_regulators",
]

#: Keycloak's federated ids look like ``f:<identity-provider uuid>:<username>``.
_IDP_UUID = "550dc1c8-d97b-4b1b-ac8c-8eb0471ba7fd"


@dataclass(frozen=True)
class Persona:
    """One button of the authorize page."""

    key: str
    label: str
    description: str
    claims: dict[str, Any]  # userinfo claims without ``sub``
    #: Département of the SAMU a regulator works for ("" for everyone else).
    samu: str = ""

    @property
    def sub(self) -> str:
        return f"f:{_IDP_UUID}:{self.claims['preferred_username']}"

    def subject(self) -> Subject:
        c = self.claims
        return Subject(
            sub=self.sub,
            userinfo_claims=dict(c),
            id_token_claims={
                "given_name": c["given_name"],
                "family_name": c["family_name"],
                "preferred_username": c["preferred_username"],
                "idp": "PSC",
                "amr": ["CARD"] if c.get("authMode") == "CARD" else ["MOBILE"],
            },
            access_token_claims={
                "SubjectNameID": c["SubjectNameID"],
                "preferred_username": c["preferred_username"],
            },
        )


def _luhn_complete(body: str) -> str:
    """``body`` + its Luhn check digit (RPPS numbers are 11 digits with a Luhn key)."""
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            d -= 9 if d > 9 else 0
        total += d
    return body + str((10 - total % 10) % 10)


def _rpps(rng: random.Random) -> str:
    return _luhn_complete("10" + "".join(str(rng.randrange(10)) for _ in range(8)))


def _activity(fake: Faker, *, finess: str, name: str, sector: str) -> dict[str, Any]:
    return {
        "codeModeExercice": "S",
        "codeSecteurDactivite": sector,
        "codeSectionPharmacien": "",
        "codeRole": "",
        "numeroSiretSite": "",
        "numeroSirenSite": "",
        "numeroFinessSite": finess,
        "numeroFinessetablissementJuridique": "",
        "identifiantTechniqueDeLaStructure": f"F{finess}",
        "raisonSocialeSite": name,
        "enseigneCommercialeSite": "",
        "complementDestinataire": "",
        "complementPointGeographique": "",
        "numeroVoie": str(fake.building_number()),
        "indiceRepetitionVoie": "",
        "codeTypeDeVoie": "R",
        "libelleVoie": fake.street_name(),
        "mentionDistribution": "",
        "bureauCedex": "",
        "codePostal": fake.postcode(),
        "codeCommune": "",
        "codePays": "",
        "telephone": "",
        "telephone2": "",
        "telecopie": "",
        "adresseEMail": "",
        "codeDepartement": "",
        "ancienIdentifiantDeLaStructure": "",
        "autoriteEnregistrement": "",
    }


def _claims(
    fake: Faker,
    *,
    name_id: str,
    given: str,
    family: str,
    profession: str,
    category: str,
    savoir_faire: str,
    regulation: bool,
    organization: str,
    activities: list[dict[str, Any]],
    other_ids: list[dict[str, Any]],
    civility: str,
) -> dict[str, Any]:
    exercices = (
        [
            {
                "codeProfession": profession,
                "codeCategorieProfessionnelle": category,
                "codeCiviliteDexercice": "DR" if profession == "10" else "",
                "nomDexercice": family,
                "prenomDexercice": given,
                "codeTypeSavoirFaire": "S" if savoir_faire else "",
                "codeSavoirFaire": savoir_faire,
                "activities": activities,
            }
        ]
        if profession
        else []
    )
    return {
        "SubjectNameID": name_id,
        "preferred_username": name_id,
        "given_name": given,
        "family_name": family,
        "email_verified": False,
        "Email": f"{given}.{family}@example.test".lower().replace(" ", "-"),
        "SubjectRole": [f"{profession}^1.2.250.1.213.1.1.5.5"] if profession else [],
        "Secteur_Activite": "SA07^1.2.250.1.71.4.2.4" if activities else "",
        "SubjectOrganization": organization,
        "SubjectOrganizationID": "",
        "Palier_Authentification": "APPPRIP3^1.2.250.1.213.1.5.1.1.1",
        "PSI_Locale": "1.2.250.1.213.1.3.1.1",
        "Acces_Regulation_Medicale": "VRAI" if regulation else "FAUX",
        "Mode_Acces_Raison": "",
        "UITVersion": "1.0",
        "authMode": "CARD" if profession else "MOBILE",
        "otherIds": other_ids,
        "SubjectRefPro": {"codeCivilite": civility, "exercices": exercices},
    }


def _medecin_regulateur(
    fake: Faker, rpps: str, given: str, family: str, civility: str, samu_name: str, finess: str
) -> dict[str, Any]:
    """The claims of a médecin régulateur (RPPS, regulation rights) working at ``samu_name``."""
    return _claims(
        fake,
        name_id="8" + rpps,
        given=given,
        family=family,
        profession="10",
        category="C",
        savoir_faire="SM54",
        regulation=True,
        organization=samu_name,
        activities=[_activity(fake, finess="1" + finess, name=samu_name, sector="SA01")],
        other_ids=[{"identifiant": "8" + rpps, "origine": "RPPS", "qualite": 1}],
        civility=civility,
    )


def _samu_name(code: str) -> str:
    return f"SAMU {code} - Centre 15"


@functools.lru_cache(maxsize=16)
def default_personas(seed: int = 0, samu: str = "33") -> tuple[Persona, ...]:
    """Regulators with and without RPPS (of the SAMU of département ``samu``), a practitioner,
    and a user without regulation rights.

    Cached per seed (building a ``Faker("fr_FR")`` is slow); treat the claims as read-only."""
    fake = Faker("fr_FR")
    fake.seed_instance(seed)
    rng = random.Random(seed)
    finess = f"{rng.randrange(10**8):08d}"
    # drawn by earlier versions (a random SAMU number): keeps every later draw as it was
    rng.randrange(1, 96)
    samu_name = _samu_name(samu)
    out: list[Persona] = []

    def person(female: bool) -> tuple[str, str, str]:
        given = fake.first_name_female() if female else fake.first_name_male()
        return given, fake.last_name().upper(), "MME" if female else "M"

    given, family, civ = person(True)
    rpps = _rpps(rng)
    out.append(
        Persona(
            "regulateur",
            f"Dr {given} {family}",
            "médecin régulateur, RPPS, Acces_Regulation_Medicale=VRAI",
            _medecin_regulateur(fake, rpps, given, family, civ, samu_name, finess),
            samu,
        )
    )
    for key, role in (("arm", "assistant de régulation médicale"), ("osnp", "OSNP")):
        given, family, civ = person(rng.random() < 0.5)
        edit_id = f"ANS2021{rng.randrange(10**10):010d}"
        out.append(
            Persona(
                key,
                f"{given} {family}",
                f"{role}, sans RPPS (identité EDIT), Acces_Regulation_Medicale=VRAI",
                _claims(
                    fake,
                    name_id=edit_id,
                    given=given,
                    family=family,
                    profession="",
                    category="",
                    savoir_faire="",
                    regulation=True,
                    organization=samu_name,
                    activities=[],
                    other_ids=[{"identifiant": edit_id, "origine": "EDIT", "qualite": 1}],
                    civility=civ,
                ),
                samu,
            )
        )
    given, family, civ = person(False)
    rpps = _rpps(rng)
    cabinet = f"CABINET DR {family}"
    out.append(
        Persona(
            "medecin",
            f"Dr {given} {family}",
            "médecin généraliste, RPPS, sans droit de régulation",
            _claims(
                fake,
                name_id="8" + rpps,
                given=given,
                family=family,
                profession="10",
                category="C",
                savoir_faire="SM54",
                regulation=False,
                organization=cabinet,
                activities=[_activity(fake, finess="", name=cabinet, sector="SA07")],
                other_ids=[{"identifiant": "8" + rpps, "origine": "RPPS", "qualite": 1}],
                civility=civ,
            ),
        )
    )
    given, family, civ = person(True)
    rpps = _rpps(rng)
    officine = f"PHARMACIE {fake.last_name().upper()}"
    out.append(
        Persona(
            "pharmacien",
            f"{given} {family}",
            "pharmacienne, RPPS, aucun droit de régulation",
            _claims(
                fake,
                name_id="8" + rpps,
                given=given,
                family=family,
                profession="21",
                category="C",
                savoir_faire="",
                regulation=False,
                organization=officine,
                activities=[_activity(fake, finess="", name=officine, sector="SA33")],
                other_ids=[{"identifiant": "8" + rpps, "origine": "RPPS", "qualite": 1}],
                civility=civ,
            ),
        )
    )
    return tuple(out)


def samu_persona_key(code: str) -> str:
    """The persona key of the médecin régulateur of the SAMU of département ``code``."""
    return f"regulateur-{code.lower()}"


@functools.lru_cache(maxsize=16)
def samu_regulators(seed: int = 0, departments: tuple[str, ...] = ()) -> tuple[Persona, ...]:
    """One médecin régulateur (RPPS, ``Acces_Regulation_Medicale=VRAI``) per SAMU of
    ``departments``, keyed :func:`samu_persona_key` (``regulateur-69``), with a login e-mail of
    their SAMU (unique, unlike names)."""
    fake = Faker("fr_FR")
    fake.seed_instance(seed + 15)  # Centre 15: a stream of its own, the defaults stay as they are
    rng = random.Random(f"samu-regulators-{seed}")
    out: list[Persona] = []
    seen: set[str] = set()
    for code in departments:
        female = rng.random() < 0.5
        given = fake.first_name_female() if female else fake.first_name_male()
        family = fake.last_name().upper()
        rpps = _rpps(rng)
        while rpps in seen:
            rpps = _rpps(rng)
        seen.add(rpps)
        name = _samu_name(code)
        finess = f"{rng.randrange(10**8):08d}"
        civility = "MME" if female else "M"
        claims = _medecin_regulateur(fake, rpps, given, family, civility, name, finess)
        local = f"{given}.{family}".lower().replace(" ", "-").replace("'", "")
        claims["Email"] = f"{local}@samu{code.lower()}.example.test"
        out.append(
            Persona(
                samu_persona_key(code),
                f"Dr {given} {family}",
                f"médecin régulateur du SAMU {code} ({department(code).name}), RPPS, "
                "Acces_Regulation_Medicale=VRAI",
                claims,
                code,
            )
        )
    return tuple(out)


def samu_assignments(personas: tuple[Persona, ...]) -> dict[str, str]:
    """What the SAS's administrators would enter in its SAMU directory for these personas
    (:class:`sasref.regulators.SamuDirectory`): national id (RPPS holders) or login e-mail →
    département of their SAMU."""
    out: dict[str, str] = {}
    for persona in personas:
        if persona.samu:
            name_id = str(persona.claims["SubjectNameID"])
            key = name_id if name_id.startswith("8") else str(persona.claims["Email"])
            out[key] = persona.samu
    return out


def manual_persona(form: dict[str, str]) -> Persona:
    """A persona typed into the authorize page's manual form."""
    fake = Faker("fr_FR")
    fake.seed_instance(0)
    name_id = form.get("SubjectNameID", "").strip() or "ANS20210000000000"
    given = form.get("given_name", "").strip() or "Camille"
    family = form.get("family_name", "").strip().upper() or "MARTIN"
    profession = form.get("codeProfession", "").strip()
    claims = _claims(
        fake,
        name_id=name_id,
        given=given,
        family=family,
        profession=profession,
        category="C" if profession else "",
        savoir_faire="",
        regulation=form.get("Acces_Regulation_Medicale") in {"VRAI", "on", "true"},
        organization=form.get("SubjectOrganization", "").strip(),
        activities=[],
        other_ids=[],
        civility="",
    )
    if form.get("Email", "").strip():
        claims["Email"] = form["Email"].strip()
    return Persona("manual", f"{given} {family}", "saisie manuelle", claims)
