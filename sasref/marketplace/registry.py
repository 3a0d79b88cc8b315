"""The SAS's registry of marketplace editors ("place de marché", PDM) and its JSON API's query.

spec ``sas-platform-search.md`` §6.4: the real platform's search page fetches
``/aggregator/marketplace/api/v1/editors?enabled=1&format=marketplace_short_description`` (a
list nothing in the published code reads); the seed slides describe what it is for: from the
search, a redirect link to each marketplace's solution, opened without re-authenticating, where
the regulator files a care request for the patient. The IG has no API for it (digest §0).

A :class:`MarketplaceEditor` is one platform: its name (also its SSO client id unless told
otherwise), French label and description, the care types it takes (:mod:`sasref.marketplace.care`),
its territory (départements), whether it is enabled, and the URL of its care-request page.
:class:`MarketplaceRegistry` holds them; :func:`parse_editors_query` reads the API's filters
(``enabled``, ``department``, ``format``) and raises :class:`~sasref.errors.InvalidInput` with a
readable message on anything else. Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import urlsplit

from sasref.directory import geo
from sasref.errors import ConfigurationError, InvalidInput
from sasref.marketplace.care import CARE_TYPES

__all__ = [
    "FORMAT_FULL",
    "FORMAT_SHORT",
    "EditorsQuery",
    "MarketplaceEditor",
    "MarketplaceRegistry",
    "parse_editors_query",
]

#: ``format=marketplace_short_description``: what the real search page asks for (spec §6.4).
FORMAT_SHORT: Final = "marketplace_short_description"
FORMAT_FULL: Final = "full"
_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
_TRUE, _FALSE = frozenset({"1", "true"}), frozenset({"0", "false"})
_QUERY_PARAMS: Final = ("enabled", "department", "format")


@dataclass(frozen=True, slots=True)
class MarketplaceEditor:
    """One marketplace platform known to the SAS. ``departments`` are normalised and sorted on
    creation; a wrong value raises :class:`~sasref.errors.ConfigurationError`."""

    name: str
    label: str
    request_url: str  # the care-request page the SAS links to (origin=sas and the place added)
    care_types: tuple[str, ...]
    departments: tuple[str, ...]
    description: str = ""
    enabled: bool = True
    #: Its OpenID client id at the SAS IdP / ProSanté Connect (default: ``name``).
    sso_client_id: str = field(default="")

    def __post_init__(self) -> None:
        if not _NAME.fullmatch(self.name):
            raise ConfigurationError(
                f"marketplace name {self.name!r}: lower-case letters, digits and '-' expected"
            )
        if not self.label.strip():
            raise ConfigurationError(f"marketplace {self.name}: a label is required")
        url = urlsplit(self.request_url)
        if url.scheme not in ("http", "https") or not url.netloc:
            raise ConfigurationError(
                f"marketplace {self.name}: request_url {self.request_url!r} is not an http(s) URL"
            )
        unknown = [c for c in self.care_types if c not in CARE_TYPES]
        if not self.care_types or unknown:
            raise ConfigurationError(
                f"marketplace {self.name}: care types {unknown or '(none)'} — known: "
                f"{', '.join(CARE_TYPES)}"
            )
        try:
            departments = sorted({geo.department(d).code for d in self.departments})
        except InvalidInput as exc:
            raise ConfigurationError(f"marketplace {self.name}: {exc}") from None
        if not departments:
            raise ConfigurationError(f"marketplace {self.name}: at least one département")
        object.__setattr__(self, "departments", tuple(departments))
        object.__setattr__(self, "care_types", tuple(dict.fromkeys(self.care_types)))
        object.__setattr__(self, "sso_client_id", self.sso_client_id or self.name)

    @property
    def national(self) -> bool:
        """Whether it covers every département."""
        return len(self.departments) == len(geo.DEPARTMENTS)

    def serves(self, department: str) -> bool:
        return department in self.departments

    def as_json(self, format: str = FORMAT_FULL) -> dict[str, Any]:
        """The API's representation: the short one for the search page, else everything."""
        short: dict[str, Any] = {
            "name": self.name,
            "label": self.label,
            "description": self.description,
            "care_types": [{"code": c, "label": CARE_TYPES[c].label} for c in self.care_types],
            "request_url": self.request_url,
        }
        if format == FORMAT_SHORT:
            return short
        return {
            **short,
            "enabled": self.enabled,
            "national": self.national,
            "departments": list(self.departments),
            "sso_client_id": self.sso_client_id,
        }


@dataclass(frozen=True, slots=True)
class EditorsQuery:
    """``GET /marketplace/api/v1/editors`` filters, validated."""

    enabled: bool | None = None
    department: str | None = None
    format: str = FORMAT_FULL


def parse_editors_query(pairs: Iterable[tuple[str, str]]) -> EditorsQuery:
    """Read the API's query string (its ``(name, value)`` pairs); :class:`InvalidInput` names
    the first problem: an unknown or repeated parameter, a value out of its domain."""
    params: dict[str, str] = {}
    for key, value in pairs:
        if key not in _QUERY_PARAMS:
            raise InvalidInput(f"unknown parameter {key!r} (known: {', '.join(_QUERY_PARAMS)})")
        if key in params:
            raise InvalidInput(f"parameter {key!r} is given more than once")
        params[key] = value
    enabled: bool | None = None
    if "enabled" in params:
        text = params["enabled"].strip().lower()
        if text not in _TRUE | _FALSE:
            raise InvalidInput(f"enabled={params['enabled']!r}: 1, 0, true or false expected")
        enabled = text in _TRUE
    department = None
    if "department" in params:
        try:
            department = geo.department(params["department"]).code
        except InvalidInput:
            raise InvalidInput(
                f"department={params['department']!r} is not a French département code "
                "(01…95, 2A, 2B, 971…976)"
            ) from None
    wanted = params.get("format", FORMAT_FULL).strip() or FORMAT_FULL
    if wanted not in (FORMAT_SHORT, FORMAT_FULL):
        raise InvalidInput(f"format={wanted!r}: {FORMAT_SHORT} or {FORMAT_FULL} expected")
    return EditorsQuery(enabled, department, wanted)


class MarketplaceRegistry:
    """The marketplace editors, in their configured order; names are unique."""

    def __init__(self, editors: Iterable[MarketplaceEditor] = ()) -> None:
        self._editors: dict[str, MarketplaceEditor] = {}
        for editor in editors:
            if editor.name in self._editors:
                raise ConfigurationError(f"marketplace {editor.name!r} is configured twice")
            self._editors[editor.name] = editor

    def __len__(self) -> int:
        return len(self._editors)

    def __iter__(self) -> Iterator[MarketplaceEditor]:
        return iter(list(self._editors.values()))

    def __contains__(self, name: object) -> bool:
        return name in self._editors

    def get(self, name: str) -> MarketplaceEditor | None:
        return self._editors.get(name)

    def select(self, query: EditorsQuery | None = None) -> list[MarketplaceEditor]:
        """The editors matching ``query`` (every one without)."""
        query = query or EditorsQuery()
        return [
            e
            for e in self._editors.values()
            if (query.enabled is None or e.enabled is query.enabled)
            and (query.department is None or e.serves(query.department))
        ]
