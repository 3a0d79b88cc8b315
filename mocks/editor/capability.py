"""``GET [base]/metadata``: the CapabilityStatement of what this mock editor really serves.

Built from its settings (digest §8): the use cases it supports decide the searched resources,
includes and search parameters; INT_R02 account management (``SAS-GestionnaireStructure``) is
always on. Unlike the IG's ``kind = requirements`` statements this is an ``instance``
statement, and it names the chained parameters actually accepted, which the IG leaves undeclared.
"""

from __future__ import annotations

from typing import Any

from mocks.editor.settings import EditorSettings
from sasref.fhir.datetimes import format_instant
from sasref.fhir.systems import (
    FHIR_VERSION,
    IG_CANONICAL,
    SP_CPTS_SERVICE_TYPE,
    SP_SLOT_START,
    Profile,
)
from sasref.search.query import PS_ID_PARAM, SOS_ID_PARAM, SOS_START, SOS_STATUS

Json = dict[str, Any]
_CS = IG_CANONICAL + "/CapabilityStatement/"


def _param(name: str, type_: str, definition: str | None = None, doc: str | None = None) -> Json:
    out: Json = {"name": name, "type": type_}
    if definition:
        out["definition"] = definition
    if doc:
        out["documentation"] = doc
    return out


_SEARCH = [{"code": "search-type"}]
_COMMON = [_param("_format", "token"), _param("_count", "number")]


def capability_statement(settings: EditorSettings) -> Json:
    cases = settings.use_cases
    resources: list[Json] = []
    instantiates = [_CS + "SAS-GestionnaireStructure"]
    if cases & {"ps", "cpts"}:
        includes = ["Slot:schedule", "Schedule:actor"]
        profiles = []
        if "ps" in cases:
            instantiates.append(_CS + "SAS-GestionnaireAgenda-PsIndiv")
            profiles.append(Profile.SLOT_PS)
        if "cpts" in cases:
            instantiates.append(_CS + "SAS-GestionnaireAgenda-CPTS")
            includes += ["Slot:service-type-reference", "HealthcareService:organization"]
            profiles.append(Profile.SLOT_CPTS)
        params = [
            _param("start", "date", SP_SLOT_START, "ge and le, both required"),
            _param(PS_ID_PARAM, "token", None, "1 to 25 IDNPS, comma-separated (OR)"),
            _param("status", "token", None, "free"),
        ]
        if "cpts" in cases:
            params.append(_param("service-type-reference", "reference", SP_CPTS_SERVICE_TYPE))
        resources.append(
            {
                "type": "Slot",
                "profile": profiles[0],
                "supportedProfile": profiles,
                "interaction": _SEARCH,
                "searchInclude": includes,
                "searchParam": params + _COMMON,
            }
        )
    if "sos" in cases:
        instantiates.append(_CS + "SAS-GestionnaireAgenda-SOS")
        resources.append(
            {
                "type": "Schedule",
                "profile": Profile.SCHEDULE_SOS,
                "interaction": _SEARCH,
                "searchInclude": ["Schedule:actor:Location", "Location:organization"],
                "searchRevInclude": ["Slot:schedule"],
                "searchParam": [
                    _param(SOS_START, "special", SP_SLOT_START, "ge and le, both required"),
                    _param(SOS_STATUS, "special", None, "free"),
                    _param(SOS_ID_PARAM, "token", None, "1 to 25 SIRET, comma-separated (OR)"),
                    *_COMMON,
                ],
            }
        )
    resources.append(
        {
            "type": "Practitioner",
            "profile": Profile.PRACTITIONER_REGUL,
            "interaction": [{"code": "create"}, {"code": "update"}, {"code": "read"}, *_SEARCH],
            "updateCreate": True,
            "conditionalCreate": False,
            "conditionalUpdate": True,
            "searchParam": [
                _param(
                    "identifier",
                    "token",
                    "http://hl7.org/fhir/SearchParameter/Practitioner-identifier",
                ),
                _param("_format", "token"),
            ],
        }
    )
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": format_instant(settings.clock.now()),
        "publisher": settings.software,
        "kind": "instance",
        "instantiates": instantiates,
        "software": {"name": settings.software},
        "implementation": {
            "description": f"{settings.name} (sasref mock editor)",
            "url": settings.base_url,
        },
        "fhirVersion": FHIR_VERSION,
        "format": ["application/fhir+json", "json"],
        "implementationGuide": [IG_CANONICAL],
        "rest": [{"mode": "server", "resource": resources}],
    }
