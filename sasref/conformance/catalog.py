"""Every check of ``sasref check``, by stable id (``ps.total``, ``accounts.create``…).

The three slot searches (``ps`` = INT_R01, ``cpts`` = INT_R04, ``sos``) share most checks: they
are written once as :data:`_SEARCH` templates and instantiated per use case, with the use
case's search requirement added. Ids never change meaning: a new check gets a new id.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from sasref.conformance.model import CheckResult, CheckSpec, Evidence, Verdict

__all__ = ["CHECKS", "GROUPS", "GROUP_TITLES", "SEARCH_USE_CASES", "check", "judged"]

SEARCH_USE_CASES: Final = ("ps", "cpts", "sos")
#: The groups, in report order, with the IG's names of their flows.
GROUP_TITLES: Final = {
    "metadata": "CapabilityStatement (GET /metadata)",
    "ps": "INT_R01 — PS à titre individuel (GET Slot)",
    "cpts": "INT_R04 — CPTS (GET Slot)",
    "sos": "SOS Médecins (GET Schedule)",
    "accounts": "INT_R02 — comptes régulateurs (POST/PUT Practitioner)",
    "tls": "TLS / mTLS",
}
GROUPS: Final = tuple(GROUP_TITLES)
_SEARCH_REQUIREMENT = {"ps": "sas-search-ps", "cpts": "sas-search-cpts", "sos": "sas-search-sos"}
_ALL = frozenset(SEARCH_USE_CASES)
_SLOTS = frozenset({"ps", "cpts"})

# name, title, requirements, mandatory, use cases (a title may say {target}: Slot or Schedule)
_SEARCH: Final[tuple[tuple[str, str, tuple[str, ...], bool, frozenset[str]], ...]] = (
    ("http-200", "every search of the kit answers 200", ("sas-errors",), True, _ALL),
    ("json", "every answer is JSON", ("fhir-mime-type",), True, _ALL),
    ("content-type", "answers are application/fhir+json", ("fhir-mime-type",), True, _ALL),
    ("searchset", "answers are Bundles of type searchset", ("fhir-searchset",), True, _ALL),
    ("response-time", "each search answers within the time limit (1 s)",
     ("sas-response-time",), True, _ALL),
    ("total", "Bundle.total counts the matches", ("fhir-total",), True, _ALL),
    ("search-mode", "every entry has search.mode: match for the {target}s, include otherwise",
     ("fhir-search-mode",), True, _ALL),
    ("self-link", "the self link gives back the request's parameters", ("fhir-self-link",),
     True, _ALL),
    ("meta-profile", "every resource declares its SAS profile in meta.profile",
     ("sas-meta-profile",), True, _ALL),
    ("profiles", "every answer validates against the SAS profiles", ("sas-profiles",), True,
     _ALL),
    ("references", "the reference graph of every answer closes inside the Bundle",
     ("sas-graph-ps", "sas-graph-cpts", "sas-graph-sos"), True, _ALL),
    ("prefixed-ids", "national identifiers are answered prefixed (8…, 0…, 1…, 3…, 4…)",
     ("sas-ids-prefix",), True, _ALL),
    ("instants", "Slot.start and Slot.end are FHIR instants", ("fhir-instant",), True, _ALL),
    ("specialty-coded", "Slot.specialty carries its TRE_R38 coding", ("sas-specialty",), True,
     _SLOTS),
    ("status-free", "every Slot is free", ("sas-status-free",), True, _ALL),
    ("window", "every Slot starts inside the requested window, none in the past",
     ("sas-date-bounds",), True, _ALL),
    ("identifier-filter", "only the requested identifiers' slots are answered",
     ("sas-identifier-filter",), True, _ALL),
    ("booking-url", "Slot.comment is the agenda's booking URL", ("sas-booking-url",), True,
     _ALL),
    ("unknown-id-empty", "an unknown identifier answers an empty searchset, total 0",
     ("sas-empty",), True, _ALL),
    ("id-pipe", "'|' raw or percent-encoded (%7C) gives the same slots", ("sas-ids-forms",),
     True, _ALL),
    ("id-unprefixed", "unprefixed identifiers give the same slots as prefixed ones",
     ("sas-ids-prefix",), True, _ALL),
    ("id-spaces", "a space after the commas of the identifier list is tolerated",
     ("sas-ids-spaces",), False, _ALL),
    ("id-one", "one identifier gives exactly that identifier's slots", ("sas-ids-count",),
     True, _ALL),
    ("id-25", "25 identifiers are accepted and give the same slots", ("sas-ids-count",), True,
     _SLOTS),
    ("id-26", "26 identifiers are refused with a 4xx OperationOutcome",
     ("sas-ids-count", "sas-errors"), True, _ALL),
    ("date-offsets", "the same window as Z or without milliseconds gives the same slots",
     ("sas-date-bounds",), True, _ALL),
    ("date-no-offset", "bounds without an offset are read in Europe/Paris time",
     ("sas-date-local",), False, _ALL),
    ("include-order", "the parameters in another order give the same answer",
     ("fhir-param-order",), True, _ALL),
    ("include-none", "without _include the {target}s come alone", ("fhir-include",), False,
     frozenset({"ps", "sos"})),  # without its includes, INT_R04 is INT_R01
    ("include-plain-actor", "_include=Schedule:actor (without :iterate) gives the same answer",
     ("fhir-include",), False, _SLOTS),
    ("bad-request", "an unreadable date answers a 4xx OperationOutcome", ("sas-errors",),
     True, _ALL),
    ("accept-legacy", "Accept: application/json+fhir (the IG's header) is answered",
     ("sas-accept-legacy",), False, _ALL),
)  # fmt: skip

_TARGET = {"ps": "Slot", "cpts": "Slot", "sos": "Schedule"}


def _search_checks() -> list[CheckSpec]:
    out = []
    for use_case in SEARCH_USE_CASES:
        for name, title, requirements, mandatory, cases in _SEARCH:
            if use_case not in cases:
                continue
            req = requirements
            if name in ("http-200", "searchset"):
                req = (_SEARCH_REQUIREMENT[use_case], *requirements)
            elif name == "references":  # the graph of this use case only
                req = (f"sas-graph-{use_case}",)
            text = title.format(target=_TARGET[use_case])
            out.append(CheckSpec(f"{use_case}.{name}", text, req, mandatory, use_case))
    return out


_SPECIFIC: Final = (
    CheckSpec("metadata.capability-statement", "GET /metadata answers a FHIR R4 "
              "CapabilityStatement of a server", ("fhir-capabilities",), True, "metadata"),
    CheckSpec("metadata.use-cases", "the CapabilityStatement declares the use cases checked",
              ("sas-capability",), True, "metadata"),
    CheckSpec("metadata.matches-served", "what the CapabilityStatement declares is what is "
              "served", ("sas-capability",), True, "metadata"),
    CheckSpec("metadata.ig-profiles", "the CapabilityStatement names the IG's profiles",
              ("sas-capability-profiles",), False, "metadata"),
    CheckSpec("cpts.cpts-link", "every CPTS slot leads to its CPTS Organization "
              "(FINESS)", ("sas-graph-cpts",), True, "cpts"),
    CheckSpec("cpts.finess", "the CPTS given with --finess appear in the answers",
              ("sas-graph-cpts",), True, "cpts"),
    CheckSpec("sos.id-25", "25 SIRET are accepted and give the same slots",
              ("sas-sos-ids-10", "sas-ids-count"), False, "sos"),
    CheckSpec("sos.has-filter", "the matched Schedules are those with free Slots in the "
              "window, revincluded", ("sas-graph-sos",), True, "sos"),
    CheckSpec("sos.include-casing", "_include:iterate=Location:Organization (the IG's "
              "casing) gives the same answer", ("fhir-include",), False, "sos"),
    CheckSpec("accounts.create", "POST Practitioner creates an account (201 + "
              "Location)", ("sas-r02-create",), True, "accounts"),
    CheckSpec("accounts.duplicate", "a second account with the same identifier is "
              "refused (4xx)", ("sas-r02-duplicate",), True, "accounts"),
    CheckSpec("accounts.conditional-update", "PUT Practitioner?identifier= updates "
              "the account (200 + Location)", ("sas-r02-update",), True, "accounts"),
    CheckSpec("accounts.identifier-change", "old identifier in the query, new one in "
              "the body; the account is then known by the new one",
              ("sas-r02-identifier-change",), True, "accounts"),
    CheckSpec("accounts.deactivation", "PUT with active=false is accepted (200)",
              ("sas-r02-deactivate",), True, "accounts"),
    CheckSpec("accounts.upsert", "PUT for an unknown identifier creates the account "
              "(201)", ("sas-r02-upsert",), True, "accounts"),
    CheckSpec("accounts.invalid-bodies", "invalid bodies are refused (400/422 + "
              "OperationOutcome)", ("sas-r02-errors",), True, "accounts"),
    CheckSpec("tls.version", "the FHIR API negotiates TLS 1.2 or later", ("sas-tls",), True,
              "tls"),
    CheckSpec("tls.client-cert-accepted", "mTLS: the client certificate given is accepted",
              ("sas-mtls",), True, "tls"),
    CheckSpec("tls.no-cert-refused", "mTLS: a client without a certificate is refused",
              ("sas-mtls",), True, "tls"),
    CheckSpec("tls.foreign-ca-refused", "mTLS: the same subject from an unknown CA is refused",
              ("sas-mtls-trust",), True, "tls"),
)  # fmt: skip


def _catalog() -> dict[str, CheckSpec]:
    specs = [*_SPECIFIC[:4], *_search_checks(), *_SPECIFIC[4:]]
    ordered = sorted(specs, key=lambda s: GROUPS.index(s.group))  # stable: keeps the order
    return {s.id: s for s in ordered}


#: Every check by id, in report order.
CHECKS: Final[dict[str, CheckSpec]] = _catalog()


def check(check_id: str) -> CheckSpec:
    """The spec of ``check_id`` (``KeyError`` for an unknown id: ids are a contract)."""
    return CHECKS[check_id]


def judged(
    check_id: str, verdict: Verdict, message: str, evidence: Iterable[Evidence] = ()
) -> CheckResult:
    """The result of check ``check_id``."""
    return CheckResult(CHECKS[check_id], verdict, message, tuple(evidence))
