"""Base FHIR R4 checks that matter before any SAS rule: is it a resource, of a known type.

IG digest §0 (FHIR 4.0.1). The light checks here run on plain dicts (fast path). The full
base-spec validation through ``fhir.resources`` (:func:`sasref.fhir.models.parse_resource`) is
opt-in (``validate(..., base=True)``, the CLI's ``--strict``): it builds pydantic models and is
two orders of magnitude slower.
"""

from __future__ import annotations

from typing import Any, Final

from sasref.profiles.common import check_id, check_no_empty
from sasref.profiles.outcome import Issues

_RESOURCE_TYPE_NAMES: Final = """
    Account ActivityDefinition AdministrableProductDefinition AdverseEvent AllergyIntolerance
    Appointment AppointmentResponse AuditEvent Basic Binary BiologicallyDerivedProduct
    BodyStructure Bundle CapabilityStatement CarePlan CareTeam CatalogEntry ChargeItem
    ChargeItemDefinition Citation Claim ClaimResponse ClinicalImpression ClinicalUseDefinition
    CodeSystem Communication CommunicationRequest CompartmentDefinition Composition ConceptMap
    Condition Consent Contract Coverage CoverageEligibilityRequest CoverageEligibilityResponse
    DetectedIssue Device DeviceDefinition DeviceMetric DeviceRequest DeviceUseStatement
    DiagnosticReport DocumentManifest DocumentReference EffectEvidenceSynthesis Encounter Endpoint
    EnrollmentRequest EnrollmentResponse EpisodeOfCare EventDefinition Evidence EvidenceReport
    EvidenceVariable ExampleScenario ExplanationOfBenefit FamilyMemberHistory Flag Goal
    GraphDefinition Group GuidanceResponse HealthcareService ImagingStudy Immunization
    ImmunizationEvaluation ImmunizationRecommendation ImplementationGuide Ingredient InsurancePlan
    Invoice Library Linkage List Location ManufacturedItemDefinition Measure MeasureReport Media
    Medication MedicationAdministration MedicationDispense MedicationKnowledge MedicationRequest
    MedicationStatement MedicinalProduct MedicinalProductAuthorization
    MedicinalProductContraindication MedicinalProductDefinition MedicinalProductIndication
    MedicinalProductIngredient MedicinalProductInteraction MedicinalProductManufactured
    MedicinalProductPackaged MedicinalProductPharmaceutical MedicinalProductUndesirableEffect
    MessageDefinition MessageHeader MolecularSequence NamingSystem NutritionOrder NutritionProduct
    Observation ObservationDefinition OperationDefinition OperationOutcome Organization
    OrganizationAffiliation PackagedProductDefinition Parameters Patient PaymentNotice
    PaymentReconciliation Person PlanDefinition Practitioner PractitionerRole Procedure Provenance
    Questionnaire QuestionnaireResponse RegulatedAuthorization RelatedPerson RequestGroup
    ResearchDefinition ResearchElementDefinition ResearchStudy ResearchSubject RiskAssessment
    RiskEvidenceSynthesis Schedule SearchParameter ServiceRequest Slot Specimen
    SpecimenDefinition StructureDefinition StructureMap Subscription SubscriptionStatus
    SubscriptionTopic Substance SubstanceDefinition SubstanceNucleicAcid SubstancePolymer
    SubstanceProtein SubstanceReferenceInformation SubstanceSourceMaterial
    SubstanceSpecification SupplyDelivery SupplyRequest Task TerminologyCapabilities TestReport
    TestScript ValueSet VerificationResult VisionPrescription"""
#: Every resource type of FHIR R4 (4.0.1) and R4B.
RESOURCE_TYPES: Final = frozenset(_RESOURCE_TYPE_NAMES.split())


_COMMON_ARRAYS: Final = ("identifier", "contained", "extension", "modifierExtension")
#: FHIR R4 elements that are arrays (0..*) / objects (complex 0..1) in the resources the SAS
#: profiles constrain; a wrong JSON shape there would make the profile rules silently skip.
_ARRAYS: Final[dict[str, tuple[str, ...]]] = {
    "Slot": ("serviceCategory", "serviceType", "specialty"),
    "Schedule": ("serviceCategory", "serviceType", "specialty", "actor"),
    "Practitioner": ("name", "telecom", "address", "qualification", "communication"),
    "PractitionerRole": (
        "code",
        "specialty",
        "location",
        "healthcareService",
        "telecom",
        "availableTime",
        "notAvailable",
        "endpoint",
    ),
    "Location": ("alias", "type", "telecom", "hoursOfOperation", "endpoint"),
    "Organization": ("type", "alias", "telecom", "address", "contact", "endpoint"),
    "HealthcareService": (
        "category",
        "type",
        "specialty",
        "location",
        "telecom",
        "coverageArea",
        "endpoint",
    ),
    "Appointment": (
        "serviceCategory",
        "serviceType",
        "specialty",
        "reasonCode",
        "reasonReference",
        "supportingInformation",
        "slot",
        "basedOn",
        "participant",
        "requestedPeriod",
    ),
    "Bundle": ("link", "entry"),
}
_OBJECTS: Final[dict[str, tuple[str, ...]]] = {
    "Slot": ("appointmentType", "schedule"),
    "Schedule": ("planningHorizon",),
    "PractitionerRole": ("practitioner", "organization", "period"),
    "Location": ("address", "position", "managingOrganization", "partOf", "physicalType"),
    "HealthcareService": ("providedBy",),
    "Appointment": ("appointmentType", "cancelationReason"),
    "Bundle": ("identifier", "signature"),
}


#: Per resource type: the array keys (in report order) and the object keys, precomputed.
_SHAPES: Final[dict[str, tuple[tuple[str, ...], tuple[str, ...]]]] = {
    rtype: (
        (() if rtype == "Bundle" else _COMMON_ARRAYS) + _ARRAYS.get(rtype, ()),
        _OBJECTS.get(rtype, ()),
    )
    for rtype in RESOURCE_TYPES
}
_NO_SHAPES: Final[tuple[tuple[str, ...], tuple[str, ...]]] = (_COMMON_ARRAYS, ())


def check_shapes(res: dict[str, Any], rtype: str, p: str, out: Issues) -> None:
    """Arrays must be arrays and complex elements objects (base FHIR JSON)."""
    get = res.get
    meta = get("meta")
    if meta is not None:
        if meta.__class__ is not dict:
            out.error("structure", "FHIR: meta must be an object", f"{p}.meta")
        else:
            for key in ("profile", "security", "tag"):
                value = meta.get(key)
                if value is not None and value.__class__ is not list:
                    out.error("structure", f"FHIR: meta.{key} must be an array", f"{p}.meta.{key}")
    arrays, objects = _SHAPES.get(rtype, _NO_SHAPES)
    for key in arrays:
        value = get(key)
        if value is not None and value.__class__ is not list:
            out.error("structure", f"FHIR: {rtype}.{key} must be an array", f"{p}.{key}")
    for key in objects:
        value = get(key)
        if value is not None and value.__class__ is not dict:
            out.error("structure", f"FHIR: {rtype}.{key} must be an object", f"{p}.{key}")


def resource_type_of(resource: Any) -> str | None:
    """The ``resourceType`` of a FHIR JSON resource when it is a known one, else None."""
    if not isinstance(resource, dict):
        return None
    rtype = resource.get("resourceType")
    return rtype if isinstance(rtype, str) and rtype in RESOURCE_TYPES else None


def check_envelope(res: dict[str, Any], p: str, out: Issues) -> None:
    """id syntax, JSON shapes and the no-empty-element rule, on the top-level resource."""
    check_id(res, p, out)
    check_shapes(res, str(res.get("resourceType")), p, out)
    check_no_empty(res, p, out)


def check_base_models(resource: dict[str, Any], out: Issues) -> None:
    """Full base-spec validation with ``fhir.resources`` (opt-in, slow)."""
    try:
        from sasref.fhir.models import parse_resource
    except ImportError:  # pragma: no cover - depends on the build
        out.info("not-supported", "FHIR: base validation unavailable (sasref.fhir.models)", None)
        return
    try:
        parse_resource(resource)
    except Exception as exc:  # pydantic.ValidationError and friends: report, never raise
        errors = getattr(exc, "errors", None)
        details = errors() if callable(errors) else None
        if not details:
            where = resource.get("resourceType")
            out.error(
                "structure",
                f"FHIR base: {exc}".splitlines()[0][:300],
                where if isinstance(where, str) else None,
            )
            return
        for err in details[:50]:
            loc = ".".join(str(x) for x in err.get("loc", ()) if x != "__root__")
            rtype = resource.get("resourceType", "Resource")
            out.error(
                "structure",
                f"FHIR base (fhir.resources): {err.get('msg', 'invalid')}",
                f"{rtype}.{loc}" if loc else str(rtype),
            )
