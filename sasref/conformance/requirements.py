"""The requirements ``sasref check`` verifies, each with the IG page (or base FHIR page) that
states it — the traceability table of Inferno's test kits (``requirements/*.csv``), in our
words. Check specs (:mod:`sasref.conformance.catalog`) cite these ids; requirements the kit
cannot verify from outside carry the reason (:attr:`Requirement.not_tested`), and
:mod:`sasref.conformance.coverage` turns both into the coverage table of ``docs/check.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

__all__ = ["IG", "REQUIREMENTS", "Requirement"]

IG: Final = "https://interop.esante.gouv.fr/ig/fhir/sas/"
_R4: Final = "http://hl7.org/fhir/R4/"
_PS = IG + "specifications_techniques-ps-recherche_creneaux.html"
_CPTS = IG + "specifications_techniques-cpts-recherche_creneaux.html"
_SOS = IG + "specifications_techniques-sos-recherche_creneaux.html"
_R02 = IG + "specifications_techniques-ps-gestion_regulateur.html"
_FAQ = IG + "faq.html"
_SECURITY = IG + "securite.html"
_ANS_KIT = "https://github.com/ansforge/interop-outil-fhir-sas-test-kit"


@dataclass(frozen=True, slots=True)
class Requirement:
    """``level`` is SHALL or SHOULD as the kit reads the source; ``not_tested`` says why a
    requirement no check verifies is out of reach (``None``: some check verifies it)."""

    id: str
    level: str
    statement: str
    source: str
    url: str
    not_tested: str | None = None


def _req(
    rid: str, level: str, statement: str, source: str, url: str, not_tested: str | None = None
) -> Requirement:
    return Requirement(rid, level, statement, source, url, not_tested)


REQUIREMENTS: Final[dict[str, Requirement]] = {
    r.id: r
    for r in (
        # --- base FHIR R4 ------------------------------------------------------------------
        _req(
            "fhir-capabilities",
            "SHALL",
            "GET [base]/metadata answers the server's CapabilityStatement",
            "FHIR R4 RESTful API, capabilities",
            _R4 + "http.html#capabilities",
        ),
        _req(
            "fhir-mime-type",
            "SHALL",
            "answers carry the FHIR JSON mime type application/fhir+json",
            "FHIR R4 RESTful API, mime type",
            _R4 + "http.html#mime-type",
        ),
        _req(
            "fhir-searchset",
            "SHALL",
            "a search answers a Bundle of type searchset",
            "FHIR R4 Search",
            _R4 + "search.html",
        ),
        _req(
            "fhir-total",
            "SHALL",
            "Bundle.total of a searchset counts the matches, not the included resources",
            "FHIR R4 Bundle.total",
            _R4 + "bundle-definitions.html#Bundle.total",
        ),
        _req(
            "fhir-search-mode",
            "SHALL",
            "each searchset entry says whether it is a match "
            "or an include (entry.search.mode); the IG 1.2.0 examples carry it",
            "FHIR R4 Bundle.entry.search.mode; IG 1.2.0 release notes",
            _R4 + "bundle-definitions.html#Bundle.entry.search.mode",
        ),
        _req(
            "fhir-self-link",
            "SHALL",
            "a searchset has a self link giving the search as the server processed it",
            "FHIR R4 Search, self link",
            _R4 + "search.html#conformance",
        ),
        _req(
            "fhir-param-order",
            "SHALL",
            "the order of search parameters does not change the answer",
            "FHIR R4 Search",
            _R4 + "search.html",
        ),
        _req(
            "fhir-include",
            "SHOULD",
            "included resources come only when _include or _revinclude ask for them",
            "FHIR R4 Search, _include",
            _R4 + "search.html#include",
        ),
        _req(
            "fhir-instant",
            "SHALL",
            "Slot.start and Slot.end are FHIR instants (seconds and a time-zone offset or Z)",
            "FHIR R4 datatypes: instant",
            _R4 + "datatypes.html#instant",
        ),
        # --- slot searches (INT_R01, INT_R04, SOS) -----------------------------------------
        _req(
            "sas-search-ps",
            "SHALL",
            "INT_R01: GET [base]/Slot with start=ge/le, "
            "schedule.actor:Practitioner.identifier, status=free, _include=Slot:schedule and "
            "_include:iterate=Schedule:actor is served",
            "IG PS indiv. — Recherche des créneaux",
            _PS,
        ),
        _req(
            "sas-search-cpts",
            "SHALL",
            "INT_R04: the INT_R01 search plus "
            "_include=Slot:service-type-reference and _include:iterate=HealthcareService:"
            "organization is served",
            "IG CPTS — Recherche des créneaux",
            _CPTS,
        ),
        _req(
            "sas-search-sos",
            "SHALL",
            "SOS: GET [base]/Schedule with _has:Slot:schedule:start "
            "ge/le, _has:Slot:schedule:status=free, actor:Location.organization.identifier, "
            "_revinclude=Slot:schedule, _include=Schedule:actor:Location and "
            "_include:iterate=Location:organization is served",
            "IG SOS Médecins — Recherche des créneaux",
            _SOS,
        ),
        _req(
            "sas-ids-count",
            "SHALL",
            "1 to 25 identifiers per search, comma-separated (OR); "
            "more is a request the server refuses (4xx)",
            "IG PS/CPTS/SOS search pages, parameter tables",
            _PS,
        ),
        _req(
            "sas-ids-forms",
            "SHALL",
            "an identifier is written system|value, the '|' raw or "
            "percent-encoded (%7C), as in the IG's examples",
            "IG PS search page, examples",
            _PS,
        ),
        _req(
            "sas-ids-spaces",
            "SHOULD",
            "a space after a comma of the identifier list (as in "
            "the IG's INT_R01 example) is tolerated",
            "IG PS search page, example",
            _PS,
        ),
        _req(
            "sas-ids-prefix",
            "SHALL",
            "identifiers are matched whatever their prefixing and "
            "always answered prefixed (RPPS 8…, ADELI 0…, FINESS 1…, SIRET 3…)",
            "IG FAQ 7",
            _FAQ,
        ),
        _req(
            "sas-sos-ids-10",
            "SHOULD",
            "SOS searches accept up to 25 SIRET (the parameter table; the narrative says 1 to 10)",
            "IG SOS search page",
            _SOS,
        ),
        _req(
            "sas-date-bounds",
            "SHALL",
            "start (ge, le) bounds are date-times with a time-zone "
            "offset, in any valid notation (+hh:mm percent-encoded, Z, with or without "
            "milliseconds); only slots starting inside the window are returned",
            "IG SearchParameter slot-sp-start",
            IG + "SearchParameter-slot-sp-start.html",
        ),
        _req(
            "sas-date-local",
            "SHOULD",
            "bounds without an offset (as in the IG's first "
            "example) are read in the editor's local time, Europe/Paris",
            "IG PS search page, example",
            _PS,
        ),
        _req(
            "sas-status-free",
            "SHALL",
            "only free slots are returned (Slot.status = free)",
            "IG PS search page; FrSlotAgregateur",
            _PS,
        ),
        _req(
            "sas-empty",
            "SHALL",
            "nothing found answers 200 with an empty searchset, total 0 and its self link",
            "IG FAQ 13",
            _FAQ,
        ),
        _req(
            "sas-errors",
            "SHALL",
            "a search that cannot be executed answers 4xx with an OperationOutcome",
            "IG PS search page (failure answers)",
            _PS,
        ),
        _req(
            "sas-response-time",
            "SHALL",
            "each search answers within 1 s (the ANS test kit's "
            "threshold; the SAS ignores answers after 7 s)",
            "ANS SAS test kit, performance group; IG functional specification",
            _ANS_KIT,
        ),
        _req(
            "sas-meta-profile",
            "SHALL",
            "every resource of an answer declares its SAS "
            "profile in meta.profile (the ANS EVS validator needs it)",
            "IG PS search page",
            _PS,
        ),
        _req(
            "sas-profiles",
            "SHALL",
            "every answer conforms to the SAS profiles of its use case",
            "IG Ressources par cas d'usage",
            IG + "ressources_casusage.html",
        ),
        _req(
            "sas-graph-ps",
            "SHALL",
            "each Slot references its Schedule, the Schedule its "
            "Practitioner and PractitionerRole, all bundled; the Location is contained in the "
            "PractitionerRole",
            "IG PS search page; FAQ 4, 5, 12",
            _PS,
        ),
        _req(
            "sas-graph-cpts",
            "SHALL",
            "a CPTS slot carries, per CPTS, a serviceType 604 whose "
            "extension references a bundled HealthcareService provided by the CPTS "
            "Organization (FINESS)",
            "IG CPTS search page; FAQ 6",
            _CPTS,
        ),
        _req(
            "sas-graph-sos",
            "SHALL",
            "the matched Schedules are those with free slots in the "
            "window; their Slots come by _revinclude, their Location and Organization by "
            "_include",
            "IG SOS search page",
            _SOS,
        ),
        _req(
            "sas-identifier-filter",
            "SHALL",
            "only slots of the requested practitioners or associations are returned",
            "IG PS/SOS search pages",
            _PS,
        ),
        _req(
            "sas-specialty",
            "SHALL",
            "Slot.specialty is coded in TRE_R38 (required binding; text alone breaks it)",
            "FrSlotAgregateur",
            IG + "StructureDefinition-FrSlotAgregateur.html",
        ),
        _req(
            "sas-booking-url",
            "SHALL",
            "Slot.comment holds the URL that opens the agenda "
            "(SOS: for slots that can be booked, ROUTINE)",
            "IG PS search page; FAQ 3",
            _FAQ,
        ),
        _req(
            "sas-accept-legacy",
            "SHOULD",
            "the Accept header the IG documents, application/json+fhir, is answered",
            "IG PS search page",
            _PS,
        ),
        _req(
            "sas-capability",
            "SHALL",
            "the editor's CapabilityStatement declares the SAS "
            "searches and includes it serves, and only those",
            "IG CapabilityStatements SAS-GestionnaireAgenda-*",
            IG + "CapabilityStatement-SAS-GestionnaireAgenda-PsIndiv.html",
        ),
        _req(
            "sas-capability-profiles",
            "SHOULD",
            "the CapabilityStatement names the IG's profiles for the resources it serves",
            "IG CapabilityStatements",
            IG + "CapabilityStatement-SAS-GestionnaireAgenda-PsIndiv.html",
        ),
        # --- regulator accounts (INT_R02) ---------------------------------------------------
        _req(
            "sas-r02-create",
            "SHALL",
            "POST [base]/Practitioner creates the account: 201 and "
            "a Location header [base]/Practitioner/<id>",
            "IG Gestion des comptes régulateurs (création)",
            _R02,
        ),
        _req(
            "sas-r02-update",
            "SHALL",
            "PUT [base]/Practitioner?identifier=system|value "
            "updates the matching account: 200 and a Location header",
            "IG Gestion des comptes régulateurs (mise à jour)",
            _R02,
        ),
        _req(
            "sas-r02-upsert",
            "SHALL",
            "a conditional update of an unknown account creates it (201)",
            "IG Gestion des comptes régulateurs (mise à jour)",
            _R02,
        ),
        _req(
            "sas-r02-identifier-change",
            "SHALL",
            "the query names the old identifier, the "
            "body the new one; the account is then known by the new one",
            "IG Gestion des comptes régulateurs; FAQ 15",
            _R02,
        ),
        _req(
            "sas-r02-deactivate",
            "SHALL",
            "a PUT with active=false deactivates the account (there is no DELETE)",
            "IG Gestion des comptes régulateurs; FAQ 15",
            _R02,
        ),
        _req(
            "sas-r02-duplicate",
            "SHALL",
            "creating an account with an identifier already "
            "held is refused (4xx with an OperationOutcome)",
            "ANS SAS test kit, Flux V1",
            _ANS_KIT,
        ),
        _req(
            "sas-r02-errors",
            "SHALL",
            "a malformed body answers 400, a body breaking "
            "FrPractitionerRegul 400 or 422, each with an OperationOutcome",
            "IG Gestion des comptes régulateurs (erreurs)",
            _R02,
        ),
        _req(
            "sas-r02-lazy",
            "SHALL",
            "creations and updates are sent when the regulator logs in, deactivations at once",
            "IG Gestion des comptes régulateurs",
            _R02,
            "the SAS platform's behaviour, not the editor's (see sasref.regulators.sync)",
        ),
        # --- security ----------------------------------------------------------------------
        _req(
            "sas-tls",
            "SHALL",
            "the FHIR API is served over TLS 1.2 or later",
            "IG Sécurité",
            _SECURITY,
        ),
        _req(
            "sas-mtls",
            "SHALL",
            "the server requires a client certificate and accepts the SAS platform's (IGC-Santé)",
            "IG Sécurité",
            _SECURITY,
        ),
        _req(
            "sas-mtls-trust",
            "SHALL",
            "a client certificate from a CA the server does not trust is refused",
            "IG Sécurité",
            _SECURITY,
        ),
        _req(
            "sas-mtls-cn-ou",
            "SHALL",
            "the server checks the CN and OU of the client certificate",
            "IG Sécurité; SAS_SPEC_Securisation-des-echanges-par-mTLS",
            _SECURITY,
            "needs a certificate from the server's CA with another CN/OU: only "
            "the ANS can issue one",
        ),
        _req(
            "sas-mtls-revocation",
            "SHALL",
            "a revoked client certificate is refused",
            "IG Sécurité",
            _SECURITY,
            "needs a revoked certificate from the server's CA",
        ),
        _req(
            "sas-tls-old-versions",
            "SHALL",
            "TLS 1.0 and 1.1 are refused",
            "IG Sécurité",
            _SECURITY,
            "this machine's OpenSSL cannot offer TLS < 1.2: only the negotiated "
            "version is reported",
        ),
        _req(
            "sas-load",
            "SHALL",
            "the editor sustains the SAS load (about 3000 calls an hour)",
            "IG functional specification",
            IG + "specifications_fonctionnelles.html",
            "a load test, not a conformance check (bench/ measures the mocks)",
        ),
        _req(
            "sas-booking-sso",
            "SHALL",
            "the URL of Slot.comment opens the agenda without a new "
            "login when the regulator comes from the SAS (origin parameter)",
            "IG functional specification",
            IG + "specifications_fonctionnelles.html",
            "a browser journey with a SAS session (see docs/sso.md and the booking journey)",
        ),
    )
}
