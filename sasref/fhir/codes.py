"""Code systems and value sets of the SAS IG 1.2.0, with their displays (IG digest §10).

Each :class:`ValueSet` lists its concepts as :class:`Concept` (system, code, display). The
``display`` is the one the IG gives in the value set; where the official terminology server
uses another label, it is kept in ``official_display``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

_VS: Final = "https://interop.esante.gouv.fr/ig/fhir/sas/ValueSet/"

# --- Code systems -----------------------------------------------------------------------
CS_CATEGORIE_ORIENTATION: Final = (
    "https://interop.esante.gouv.fr/ig/fhir/sas/CodeSystem/categorie-orientation-sas-codesystem"
)
TRE_R314_TYPE_CRENEAU: Final = (
    "https://mos.esante.gouv.fr/NOS/TRE_R314-TypeCreneau/FHIR/TRE-R314-TypeCreneau"
)
JDV_J165_TYPE_CRENEAU_SAS: Final = (
    "https://mos.esante.gouv.fr/NOS/JDV_J165-TypeCreneau-SAS/FHIR/JDV-J165-TypeCreneau-SAS"
)
TRE_R38_SPECIALITE: Final = (
    "https://mos.esante.gouv.fr/NOS/TRE_R38-SpecialiteOrdinale/FHIR/TRE-R38-SpecialiteOrdinale"
)
JDV_J239_SPECIALITES_SNP: Final = (
    "https://mos.esante.gouv.fr/NOS/JDV_J239-SpecialitesSNP-SAS/FHIR/JDV-J239-SpecialitesSNP-SAS"
)
TRE_R66_CATEGORIE_ETABLISSEMENT: Final = "https://mos.esante.gouv.fr/NOS/TRE_R66-CategorieEtablissement/FHIR/TRE-R66-CategorieEtablissement"
TRE_G15_PROFESSION: Final = (
    "https://mos.esante.gouv.fr/NOS/TRE_G15-ProfessionSante/FHIR/TRE-G15-ProfessionSante"
)
V3_ACT_CODE: Final = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
V3_ACT_ENCOUNTER_CODE_VS: Final = "http://terminology.hl7.org/ValueSet/v3-ActEncounterCode"
V2_0276: Final = "http://terminology.hl7.org/CodeSystem/v2-0276"
V2_0276_VS: Final = "http://terminology.hl7.org/ValueSet/v2-0276"
V3_PARTICIPATION_TYPE: Final = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
PARTICIPATION_STATUS: Final = "http://hl7.org/fhir/participationstatus"
APPOINTMENT_STATUS: Final = "http://hl7.org/fhir/appointmentstatus"
SLOT_STATUS: Final = "http://hl7.org/fhir/slotstatus"
DAYS_OF_WEEK: Final = "http://hl7.org/fhir/days-of-week"
FR_PRACTITIONER_SPECIALTY_VS: Final = (
    "http://interopsante.org/fhir/ValueSet/fr-practitioner-specialty"
)


@dataclass(frozen=True, slots=True)
class Concept:
    """One code of a code system, with the display the IG uses."""

    system: str
    code: str
    display: str
    official_display: str | None = None

    def coding(self) -> dict[str, str]:
        """The FHIR ``Coding`` JSON for this concept."""
        return {"system": self.system, "code": self.code, "display": self.display}


@dataclass(frozen=True, slots=True)
class ValueSet:
    """A value set of the IG: canonical URL and the concepts it allows."""

    url: str
    title: str
    concepts: tuple[Concept, ...] = field(default_factory=tuple)

    def __contains__(self, item: object) -> bool:
        """``(system, code) in vs`` or ``code in vs`` (any system)."""
        if isinstance(item, tuple) and len(item) == 2:
            return any(c.system == item[0] and c.code == item[1] for c in self.concepts)
        return any(c.code == item for c in self.concepts)

    def get(self, code: str, system: str | None = None) -> Concept | None:
        for c in self.concepts:
            if c.code == code and (system is None or c.system == system):
                return c
        return None

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(c.code for c in self.concepts)

    @property
    def systems(self) -> frozenset[str]:
        return frozenset(c.system for c in self.concepts)


# --- Slot types (TRE_R314) ---------------------------------------------------------------
SLOT_PUBLIC = Concept(
    TRE_R314_TYPE_CRENEAU, "PUBLIC", "Créneau accessible par le grand public", "Créneau public"
)
SLOT_PRO = Concept(
    TRE_R314_TYPE_CRENEAU,
    "PRO",
    "Créneau accessible par les professionnels de santé",
    "Créneau professionnel",
)
SLOT_SNP = Concept(
    TRE_R314_TYPE_CRENEAU,
    "SNP",
    "Créneau accessible par les Régulateurs et Organisateurs de Soins Non Programmés",
    "Créneau soins non programmé",
)
SLOT_CPTS = Concept(
    TRE_R314_TYPE_CRENEAU, "CPTS", "Créneau accessible par les CPTS", "Créneau de structure CPTS"
)

#: JDV_J165 (PS individuel binding: "public, pro, SNP").
VS_TYPE_CRENEAU_PS = ValueSet(
    JDV_J165_TYPE_CRENEAU_SAS, "JDV_J165 TypeCreneau SAS", (SLOT_PUBLIC, SLOT_PRO, SLOT_SNP)
)
VS_TYPE_CRENEAU_CPTS = ValueSet(
    _VS + "sas-cpts-valueset-typecreneau",
    "Types de créneau CPTS",
    (SLOT_PUBLIC, SLOT_SNP, SLOT_PRO, SLOT_CPTS),
)
VS_TYPE_CRENEAU_SOS = ValueSet(
    _VS + "sas-sos-valueset-typecreneau", "Types de créneau SOS", (SLOT_PUBLIC, SLOT_SNP)
)

# --- Consultation types (v3-ActCode) -------------------------------------------------------
CONSULT_AMB = Concept(V3_ACT_CODE, "AMB", "Consultation au cabinet", "ambulatory")
CONSULT_HH = Concept(V3_ACT_CODE, "HH", "Consultation à domicile", "home health")
CONSULT_VR = Concept(V3_ACT_CODE, "VR", "Téléconsultation", "virtual")
VS_TYPE_CONSULTATION = ValueSet(
    _VS + "sas-valueset-typeconsultation",
    "Types de consultation",
    (CONSULT_AMB, CONSULT_HH, CONSULT_VR),
)
#: The v3-ActEncounterCode value set the PS and CPTS slot profiles bind to (SAS uses 3 codes of
#: it; the others are legal per the binding).
ACT_ENCOUNTER_CODES: Final = frozenset(
    {"AMB", "EMER", "FLD", "HH", "IMP", "ACUTE", "NONAC", "OBSENC", "PRENC", "SS", "VR"}
)

# --- Appointment reason (v2-0276) ----------------------------------------------------------
REASON_ROUTINE = Concept(
    V2_0276, "ROUTINE", "Créneau avec prise de RDV possible", "Routine appointment"
)
#: The IG display says "à domicile", a copy error: WALKIN means no booking is possible.
REASON_WALKIN = Concept(
    V2_0276,
    "WALKIN",
    "Créneau sans prise de RDV possible à domicile",
    "A previously unscheduled walk-in visit",
)
VS_APPOINTMENT_REASON = ValueSet(
    _VS + "sas-valueset-appointmentreason",
    "Motifs de RDV (avec/sans RDV)",
    (REASON_ROUTINE, REASON_WALKIN),
)
#: All of v2-0276 (the PS profile binds appointmentType *preferred* to it).
V2_0276_CODES: Final = frozenset({"CHECKUP", "EMERGENCY", "FOLLOWUP", "ROUTINE", "WALKIN"})

# --- Structure category (TRE_R66) ----------------------------------------------------------
CATEGORY_CPTS = Concept(
    TRE_R66_CATEGORIE_ETABLISSEMENT,
    "604",
    "Communauté Professionnelle Territoriale de Santé (CPTS)",
)
CATEGORY_MSP = Concept(TRE_R66_CATEGORIE_ETABLISSEMENT, "603", "Maison de santé (L.6223-3)")
CATEGORY_CDS = Concept(TRE_R66_CATEGORIE_ETABLISSEMENT, "124", "Centre de Santé")
VS_CATEGORIE_ETABLISSEMENT = ValueSet(
    _VS + "sas-valueset-categorieetablissement",
    "Catégorie d'établissement (CPTS)",
    (CATEGORY_CPTS,),
)

# --- Orientation category ------------------------------------------------------------------
ORIENTATION_PS = Concept(CS_CATEGORIE_ORIENTATION, "001", "PS")
ORIENTATION_PDM = Concept(CS_CATEGORIE_ORIENTATION, "002", "PDM")
ORIENTATION_SOS = Concept(CS_CATEGORIE_ORIENTATION, "003", "SOS")
CS_CATEGORIE_ORIENTATION_CONCEPTS: Final = (ORIENTATION_PS, ORIENTATION_PDM, ORIENTATION_SOS)
#: Definitions of the IG's own code system.
CATEGORIE_ORIENTATION_DEFINITIONS: Final = {
    "001": "Catégorie PS à titre individuel",
    "002": "Catégorie Place de marché",
    "003": "Catégorie SOS Médecins",
}
VS_CATEGORIE_ORIENTATION = ValueSet(
    _VS + "categorie-orientation-sas-valueset",
    "Catégories d'orientation SAS",
    (ORIENTATION_PS, ORIENTATION_PDM, ORIENTATION_SOS, CATEGORY_CPTS, CATEGORY_MSP, CATEGORY_CDS),
)

# --- Participant status / type -------------------------------------------------------------
PARTICIPANT_ACCEPTED = Concept(
    PARTICIPATION_STATUS, "accepted", "RDV accepté par le PS effecteur de soins"
)
PARTICIPANT_NEEDS_ACTION = Concept(
    PARTICIPATION_STATUS,
    "needs-action",
    "RDV en attente de confirmation par le PS effecteur de soins",
)
VS_PARTICIPANT_STATUS = ValueSet(
    _VS + "sas-valueset-participant-status",
    "Statut du participant",
    (PARTICIPANT_ACCEPTED, PARTICIPANT_NEEDS_ACTION),
)
PARTICIPANT_TYPE_ADM = Concept(V3_PARTICIPATION_TYPE, "ADM", "admitter")
VS_APPOINTMENT_PARTICIPANT_TYPE = ValueSet(
    _VS + "sas-valueset-appointmentparticipanttype", "Type de participant", (PARTICIPANT_TYPE_ADM,)
)

# --- Identifier types ----------------------------------------------------------------------
_FR_V2_0203 = "http://interopsante.org/fhir/CodeSystem/fr-v2-0203"
ID_TYPE_IDNPS = Concept(_FR_V2_0203, "IDNPS", "Identifiant National de Professionnel de Santé")
ID_TYPE_IDNST = Concept(_FR_V2_0203, "IDNST", "Identifiant National de Structure")
ID_TYPE_INTRN = Concept(_FR_V2_0203, "INTRN", "Identifiant interne")
VS_TYPE_IDENTIFIANT = ValueSet(
    _VS + "sas-valueset-typeidentifiant", "Type d'identifiant", (ID_TYPE_IDNPS, ID_TYPE_INTRN)
)

# --- Statuses ------------------------------------------------------------------------------
#: AppointmentStatus codes (the required binding of Appointment.status).
APPOINTMENT_STATUSES: Final = frozenset(
    {
        "proposed",
        "pending",
        "booked",
        "arrived",
        "fulfilled",
        "cancelled",
        "noshow",
        "entered-in-error",
        "checked-in",
        "waitlist",
    }
)
#: The statuses the SAS uses (§4.3).
SAS_APPOINTMENT_STATUSES: Final = ("booked", "fulfilled", "noshow", "cancelled", "pending")
DAYS: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

#: Every value set defined by the IG, by canonical URL.
IG_VALUE_SETS: Final[dict[str, ValueSet]] = {
    vs.url: vs
    for vs in (
        VS_TYPE_CRENEAU_CPTS,
        VS_TYPE_CRENEAU_SOS,
        VS_TYPE_CONSULTATION,
        VS_APPOINTMENT_REASON,
        VS_CATEGORIE_ETABLISSEMENT,
        VS_CATEGORIE_ORIENTATION,
        VS_PARTICIPANT_STATUS,
        VS_APPOINTMENT_PARTICIPANT_TYPE,
        VS_TYPE_IDENTIFIANT,
    )
}
