"""FHIR models: the one module that imports ``fhir.resources`` (ruff bans it elsewhere).

IG digest §0 (FHIR 4.0.1) and §12 (examples). The SAS IG is FHIR **R4 (4.0.1)**; ``fhir.resources``
8 ships R4B (4.3.0) models, which we use. Checked against the IG's own snapshots
(``tests/conformance/test_roundtrip_examples.py``): for the 9 resource types the SAS profiles
constrain, R4 and R4B have the same elements, and every official example of the IG package
round-trips through :func:`parse_resource` / :func:`to_json` unchanged. (R4B mostly adds
resources, e.g. ``SubscriptionTopic``, ``Citation``; none is used by the SAS.)

Importing this module costs about 0.3 s (pydantic model building): ``import sasref.fhir`` does
not import it. Hot paths keep FHIR JSON as plain dicts; models serve round-trips and base
(structure, primitive type) validation. Code values are not checked by ``fhir.resources``: that
is the job of ``sasref.profiles``.

Why :func:`to_json` is not a bare ``model_dump``: ``fhir.resources`` parses ``instant`` and
``dateTime`` into ``datetime`` objects and writes them back in its own style, so
``2021-11-05T09:00:00.000+00:00`` (``Bundle-ExampleBundlePSIndiv``) comes back as
``2021-11-05T09:00:00Z`` and ``2024-06-12T16:40:00.000+02:00`` loses its milliseconds. Same instant,
other text: signatures, hashes and diff-based tests break. :func:`parse_resource` therefore
remembers the source dict of each model it returns, and :func:`to_json` puts back the source text
of every date-time or number whose *value* did not change. Date-times without a source are written
the IG way (:func:`sasref.fhir.datetimes.format_instant`).
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Mapping
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any, Final, TypeVar

from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.address import Address
from fhir.resources.R4B.appointment import Appointment, AppointmentParticipant
from fhir.resources.R4B.bundle import Bundle, BundleEntry, BundleEntrySearch, BundleLink
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.codesystem import CodeSystem
from fhir.resources.R4B.coding import Coding
from fhir.resources.R4B.contactpoint import ContactPoint
from fhir.resources.R4B.extension import Extension
from fhir.resources.R4B.healthcareservice import HealthcareService
from fhir.resources.R4B.humanname import HumanName
from fhir.resources.R4B.identifier import Identifier
from fhir.resources.R4B.location import Location
from fhir.resources.R4B.meta import Meta
from fhir.resources.R4B.operationoutcome import OperationOutcome, OperationOutcomeIssue
from fhir.resources.R4B.organization import Organization
from fhir.resources.R4B.parameters import Parameters
from fhir.resources.R4B.period import Period
from fhir.resources.R4B.practitioner import Practitioner
from fhir.resources.R4B.practitionerrole import PractitionerRole
from fhir.resources.R4B.reference import Reference
from fhir.resources.R4B.schedule import Schedule
from fhir.resources.R4B.searchparameter import SearchParameter
from fhir.resources.R4B.slot import Slot
from fhir.resources.R4B.structuredefinition import StructureDefinition
from fhir.resources.R4B.valueset import ValueSet
from fhir_core.fhirabstractmodel import FHIRAbstractModel
from pydantic import ValidationError
from pydantic_core import to_jsonable_python

from sasref.errors import InvalidDateTime, NotFhir
from sasref.fhir.datetimes import format_instant, parse_datetime

__all__ = [
    "FHIR_RELEASE",
    "Address",
    "Appointment",
    "AppointmentParticipant",
    "Bundle",
    "BundleEntry",
    "BundleEntrySearch",
    "BundleLink",
    "CapabilityStatement",
    "CodeSystem",
    "CodeableConcept",
    "Coding",
    "ContactPoint",
    "Extension",
    "FHIRAbstractModel",
    "HealthcareService",
    "HumanName",
    "Identifier",
    "Location",
    "Meta",
    "OperationOutcome",
    "OperationOutcomeIssue",
    "Organization",
    "Parameters",
    "Period",
    "Practitioner",
    "PractitionerRole",
    "Reference",
    "Schedule",
    "SearchParameter",
    "Slot",
    "StructureDefinition",
    "ValueSet",
    "model_class",
    "parse_as",
    "parse_resource",
    "to_json",
]

#: The FHIR release of the models (the IG itself is R4 4.0.1, see the module docstring).
FHIR_RELEASE: Final = "R4B"

M = TypeVar("M", bound=FHIRAbstractModel)

_RESOURCE_TYPE = re.compile(r"[A-Z][A-Za-z]{1,63}")
_MAX_ERRORS_SHOWN = 3
# id(model) -> the dict it was parsed from; entries go away with their model (weakref.finalize).
_SOURCES: dict[int, Mapping[str, Any]] = {}


def model_class(resource_type: str) -> type[FHIRAbstractModel]:
    """The R4B model class of ``resource_type``; raises :class:`NotFhir` when there is none."""
    if not isinstance(resource_type, str) or not _RESOURCE_TYPE.fullmatch(resource_type):
        raise NotFhir(f"resourceType {resource_type!r} is not a FHIR resource type")
    try:
        cls: type[FHIRAbstractModel] = get_fhir_model_class(resource_type)
    except (ValueError, ImportError, AttributeError):
        raise NotFhir(f"resourceType {resource_type!r} is not a FHIR R4B resource") from None
    return cls


def _summary(resource_type: str, exc: ValidationError) -> str:
    errors = exc.errors()
    shown = "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or '(root)'}: {e['msg']}"
        for e in errors[:_MAX_ERRORS_SHOWN]
    )
    more = f" (+{len(errors) - _MAX_ERRORS_SHOWN} more)" if len(errors) > _MAX_ERRORS_SHOWN else ""
    return f"not a valid FHIR {resource_type}: {len(errors)} error(s): {shown}{more}"


def _remember(model: Any, source: Mapping[str, Any]) -> None:
    key = id(model)
    _SOURCES[key] = source
    weakref.finalize(model, _SOURCES.pop, key, None)
    # Bundle entries and contained resources are serialised on their own too.
    for entry, src in zip(
        getattr(model, "entry", None) or (), source.get("entry") or (), strict=False
    ):
        res, res_src = (
            getattr(entry, "resource", None),
            src.get("resource") if isinstance(src, dict) else None,
        )
        if res is not None and isinstance(res_src, dict):
            _remember(res, res_src)
    for res, res_src in zip(
        getattr(model, "contained", None) or (), source.get("contained") or (), strict=False
    ):
        if isinstance(res_src, dict):
            _remember(res, res_src)


def parse_resource(data: Mapping[str, Any]) -> FHIRAbstractModel:
    """Parse FHIR JSON (a dict) into the R4B model named by its ``resourceType``.

    Raises :class:`NotFhir` (one line: resource type, error count, first errors) when ``data``
    is not a JSON object, lacks a known ``resourceType`` or breaks the base FHIR structure.
    """
    if not isinstance(data, Mapping):
        raise NotFhir(f"a FHIR resource is a JSON object, not {type(data).__name__}")
    if "resourceType" not in data:
        raise NotFhir("not a FHIR resource: no resourceType")
    resource_type = data["resourceType"]
    cls = model_class(resource_type)
    try:
        model = cls.model_validate(dict(data))
    except ValidationError as exc:
        raise NotFhir(_summary(resource_type, exc)) from None
    _remember(model, data)
    return model


def parse_as(cls: type[M], data: Mapping[str, Any]) -> M:
    """:func:`parse_resource`, checking the result is a ``cls`` (e.g. ``parse_as(Slot, d)``)."""
    model = parse_resource(data)
    if not isinstance(model, cls):
        raise NotFhir(f"expected a {cls.__name__}, got resourceType {data.get('resourceType')!r}")
    return model


def _same_instant(text: str, value: datetime) -> bool:
    try:
        # In UTC: PEP 495 makes == False across zones for ambiguous (fold) wall times.
        return parse_datetime(text).astimezone(UTC) == value.astimezone(UTC)
    except InvalidDateTime:
        return False


def _restore(py: Any, src: Any) -> Any:
    """JSON form of the python-mode dump ``py``, walking the source ``src`` alongside.

    One python-mode dump converted here costs half of a JSON dump plus a python dump (the
    ``fhir_core`` serializer dominates: ~0.4 s for a large StructureDefinition).
    """
    if isinstance(py, dict):
        sub = src if isinstance(src, dict) else {}
        return {k: _restore(v, sub.get(k)) for k, v in py.items()}
    if isinstance(py, list):
        srcs = src if isinstance(src, list) else []
        return [_restore(v, srcs[i] if i < len(srcs) else None) for i, v in enumerate(py)]
    if py is None or isinstance(py, str | bool | int | float):
        return py
    if isinstance(py, datetime):
        if py.tzinfo is None:
            return py.isoformat()
        if isinstance(src, str) and _same_instant(src, py):
            return src
        return format_instant(py)
    if isinstance(py, date | time):
        return py.isoformat()
    if isinstance(py, bytes):
        return py.decode("ascii")
    if isinstance(py, Decimal):
        if isinstance(src, int | float) and not isinstance(src, bool) and Decimal(str(src)) == py:
            return src
        return int(py) if py == py.to_integral_value() else float(py)
    return to_jsonable_python(py)


def to_json(model: FHIRAbstractModel) -> dict[str, Any]:
    """FHIR JSON of ``model``: no ``None``/empty elements, source text of unchanged values kept."""
    py = model.model_dump(mode="python", by_alias=True, exclude_none=True)
    restored: dict[str, Any] = _restore(py, _SOURCES.get(id(model)))
    return restored
