"""Reference resolution inside a searchset Bundle — by reference, never by entry order.

IG digest §2.2-§2.4 (Slot.schedule → Schedule; Schedule.actor → Practitioner + PractitionerRole
(PS/CPTS) or Location (SOS); PractitionerRole.practitioner → Practitioner; CPTS serviceType
extension → HealthcareService → providedBy Organization; Location.managingOrganization →
Organization). FHIR R4 Bundle rules: an absolute reference matches an entry ``fullUrl``; a
relative ``Type/id`` is resolved against the base of the referring entry's RESTful ``fullUrl``;
as a fallback (entries without ``fullUrl``) it matches the entry whose resource is ``Type/id``.
"""

from __future__ import annotations

import re
from typing import Any, Final

from sasref.profiles.common import as_dict, split_reference

_HISTORY: Final = re.compile(r"/_history/[^/]*$")
_RESTFUL: Final = re.compile(r"^(.*)/[A-Z][A-Za-z]+/[A-Za-z0-9\-.]{1,64}$")


class BundleIndex:
    """Entries of a Bundle indexed by ``fullUrl`` and by ``Type/id``."""

    __slots__ = ("by_type_id", "by_url", "entries")

    def __init__(self, entries: list[Any]) -> None:
        self.entries = entries
        self.by_url: dict[str, int] = {}
        self.by_type_id: dict[str, int] = {}
        for i, entry in enumerate(entries):
            entry = as_dict(entry)
            full_url = entry.get("fullUrl")
            if isinstance(full_url, str):
                self.by_url.setdefault(full_url, i)
            res = as_dict(entry.get("resource"))
            rtype, rid = res.get("resourceType"), res.get("id")
            if isinstance(rtype, str) and isinstance(rid, str):
                self.by_type_id.setdefault(f"{rtype}/{rid}", i)

    def resolve(self, literal: str, from_full_url: Any = None) -> int | None:
        """Index of the entry ``literal`` points to (from the entry at ``from_full_url``)."""
        if literal.startswith("#"):
            return None
        if "/_history/" in literal:
            literal = _HISTORY.sub("", literal)
        hit = self.by_url.get(literal)
        if hit is not None:
            return hit
        absolute = "://" in literal or literal.startswith("urn:")
        if not absolute and isinstance(from_full_url, str):
            m = _RESTFUL.match(from_full_url)
            if m:
                hit = self.by_url.get(f"{m.group(1)}/{literal}")
                if hit is not None:
                    return hit
        parts = split_reference(literal)
        if parts is None:
            return None
        return self.by_type_id.get(f"{parts[0]}/{parts[1]}")

    def resource(self, index: int) -> dict[str, Any]:
        return as_dict(as_dict(self.entries[index]).get("resource"))
