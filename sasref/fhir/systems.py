"""Identifier systems, identifier-type code systems and profile canonicals of the SAS IG 1.2.0.

IG digest §7 (profiles), §9 (identifier systems and prefixes). The IG keeps two canonical
families for backward compatibility: the original PS-individuel profiles live under
``http://sas.fr/fhir/StructureDefinition/``; the CPTS, SOS and regulator profiles under
``https://interop.esante.gouv.fr/ig/fhir/sas/StructureDefinition/``. Instances must carry
exactly these URLs in ``meta.profile``.
"""

from __future__ import annotations

from typing import Final

# --- Identifier systems (§9) -------------------------------------------------------------
#: National professional identifier (RPPS prefixed 8, ADELI prefixed 0): IDNPS.
IDNPS_SYSTEM: Final = "urn:oid:1.2.250.1.71.4.2.1"
#: National structure identifier (FINESS 1, SIRET 3, ADELI rang 0, RPPS rang 4): IDNST.
IDNST_SYSTEM: Final = "urn:oid:1.2.250.1.71.4.2.2"
#: The SAS platform itself, and the SAS technical id of a regulator (a UUID).
SAS_SYSTEM: Final = "urn:oid:1.2.250.1.213.3.6"
#: SAS appointment id (FHIR LRM draft only, §14).
SAS_APPOINTMENT_SYSTEM: Final = "urn:oid:1.2.250.1.213.3.6.2"

# --- Identifier type code systems (§9) --------------------------------------------------
FR_V2_0203: Final = "http://interopsante.org/fhir/CodeSystem/fr-v2-0203"
FR_LOCATION_IDENTIFIER_TYPE: Final = (
    "http://interopsante.org/fhir/CodeSystem/fr-location-identifier-type"
)
#: FrCore 2 identifier type system, used by the CPTS Organization profile only.
FR_CORE_V2_0203: Final = "https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-v2-0203"

# --- Other systems ----------------------------------------------------------------------
PHONE: Final = "phone"
EMAIL: Final = "email"

# --- Extensions (§6) --------------------------------------------------------------------
#: R5 cross-version extension carrying the CPTS HealthcareService reference on Slot.serviceType.
EXT_SLOT_SERVICE_TYPE_R5: Final = (
    "http://hl7.org/fhir/5.0/StructureDefinition/extension-Slot.serviceType"
)
EXT_APPOINTMENT_OPERATOR: Final = (
    "http://interopsante.org/fhir/StructureDefinition/FrAppointmentOperator"
)
EXT_CATEGORIE_ORIENTATION: Final = (
    "https://interop.esante.gouv.fr/ig/fhir/sas/StructureDefinition/sas-categorie-orientation"
)

# --- Search parameters (§6) -------------------------------------------------------------
SP_SLOT_START: Final = "https://interop.esante.gouv.fr/ig/fhir/sas/SearchParameter/slot-sp-start"
SP_CPTS_SERVICE_TYPE: Final = (
    "https://interop.esante.gouv.fr/ig/fhir/sas/SearchParameter/cptsslot-sp-servicetype"
)

# --- Canonicals -------------------------------------------------------------------------
IG_CANONICAL: Final = "https://interop.esante.gouv.fr/ig/fhir/sas"
IG_VERSION: Final = "1.2.0"
FHIR_VERSION: Final = "4.0.1"
_SAS_FR: Final = "http://sas.fr/fhir/StructureDefinition/"
_INTEROP: Final = "https://interop.esante.gouv.fr/ig/fhir/sas/StructureDefinition/"


class Profile:
    """Every profile canonical of the IG, by short name."""

    # PS à titre individuel (INT_R01), http://sas.fr family
    BUNDLE_PS: Final = _SAS_FR + "BundleAgregateur"
    SLOT_PS: Final = _SAS_FR + "FrSlotAgregateur"
    SCHEDULE_PS: Final = _SAS_FR + "FrScheduleAgregateur"
    PRACTITIONER_PS: Final = _SAS_FR + "FrPractitionerAgregateur"
    PRACTITIONER_ROLE_PS: Final = _SAS_FR + "FrPractitionerRoleExerciceAgregateur"
    LOCATION_PS: Final = _SAS_FR + "FrLocationAgregateur"
    APPOINTMENT: Final = _SAS_FR + "FrAppointmentSAS"

    # CPTS (INT_R04)
    BUNDLE_CPTS: Final = _INTEROP + "sas-cpts-bundle-aggregator"
    SLOT_CPTS: Final = _INTEROP + "sas-cpts-slot-aggregator"
    HEALTHCARE_SERVICE_CPTS: Final = _INTEROP + "sas-cpts-healthcareservice-aggregator"
    ORGANIZATION_CPTS: Final = _INTEROP + "sas-cpts-organization-aggregator"
    SLOT_SERVICE_TYPE_EXTENSION: Final = EXT_SLOT_SERVICE_TYPE_R5

    # SOS Médecins
    BUNDLE_SOS: Final = _INTEROP + "sas-sos-bundle-aggregator"
    SLOT_SOS: Final = _INTEROP + "sas-sos-slot-aggregator"
    SCHEDULE_SOS: Final = _INTEROP + "sas-sos-schedule-aggregator"
    LOCATION_SOS: Final = _INTEROP + "sas-sos-location-aggregator"
    ORGANIZATION_SOS: Final = _INTEROP + "sas-sos-organization-aggregator"
    APPOINTMENT_SOS: Final = _INTEROP + "sas-sos-appointment"

    # Regulator accounts (INT_R02)
    PRACTITIONER_REGUL: Final = _INTEROP + "FrPractitionerRegul"

    # Extension profile
    CATEGORIE_ORIENTATION: Final = EXT_CATEGORIE_ORIENTATION


#: canonical -> resourceType it constrains.
PROFILE_RESOURCE_TYPES: Final[dict[str, str]] = {
    Profile.BUNDLE_PS: "Bundle",
    Profile.SLOT_PS: "Slot",
    Profile.SCHEDULE_PS: "Schedule",
    Profile.PRACTITIONER_PS: "Practitioner",
    Profile.PRACTITIONER_ROLE_PS: "PractitionerRole",
    Profile.LOCATION_PS: "Location",
    Profile.APPOINTMENT: "Appointment",
    Profile.BUNDLE_CPTS: "Bundle",
    Profile.SLOT_CPTS: "Slot",
    Profile.HEALTHCARE_SERVICE_CPTS: "HealthcareService",
    Profile.ORGANIZATION_CPTS: "Organization",
    Profile.BUNDLE_SOS: "Bundle",
    Profile.SLOT_SOS: "Slot",
    Profile.SCHEDULE_SOS: "Schedule",
    Profile.LOCATION_SOS: "Location",
    Profile.ORGANIZATION_SOS: "Organization",
    Profile.APPOINTMENT_SOS: "Appointment",
    Profile.PRACTITIONER_REGUL: "Practitioner",
}

#: Every profile canonical, sorted.
ALL_PROFILES: Final[tuple[str, ...]] = tuple(sorted(PROFILE_RESOURCE_TYPES))
