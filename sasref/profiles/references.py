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
from functools import lru_cache
from typing import Any, Final

from sasref.profiles.common import as_dict, split_reference

_HISTORY: Final = re.compile(r"/_history/[^/]*$")
_RESTFUL: Final = re.compile(r"^(.*)/[A-Z][A-Za-z]+/[A-Za-z0-9\-.]{1,64}$")


@lru_cache(maxsize=16384)
def lookup_keys(literal: str, from_full_url: str | None) -> tuple[tuple[bool, str], ...]:
    """Where ``literal`` (seen from the entry at ``from_full_url``) may be found, in order:
    ``(True, fullUrl)`` or ``(False, "Type/id")`` keys of a :class:`BundleIndex`.

    A pure function of two strings, cached: an editor's answers repeat the same references
    and fullUrls search after search (the regular expressions are the cost of a resolution).
    """
    if literal.startswith("#"):
        return ()
    if "/_history/" in literal:
        literal = _HISTORY.sub("", literal)
    keys = [(True, literal)]
    absolute = "://" in literal or literal.startswith("urn:")
    if not absolute and from_full_url is not None:
        base = _restful_base(from_full_url)
        if base is not None:
            keys.append((True, f"{base}/{literal}"))
    parts = split_reference(literal)
    if parts is not None:
        keys.append((False, f"{parts[0]}/{parts[1]}"))
    return tuple(keys)


_TYPE_ID: Final = re.compile(r"[A-Z][A-Za-z]+/[A-Za-z0-9\-.]{1,64}")


def _restful_base(url: str) -> str | None:
    """``_RESTFUL.match(url).group(1)`` without the backtracking of its leading ``(.*)``: the
    type and id hold no ``/``, so they are the last two segments."""
    if "\n" in url:  # ``.`` and ``$`` treat newlines apart: the regular expression decides
        m = _RESTFUL.match(url)
        return m.group(1) if m else None
    i = url.rfind("/")
    j = url.rfind("/", 0, i) if i > 0 else -1
    if j < 0 or _TYPE_ID.fullmatch(url, j + 1) is None:
        return None
    return url[:j]


class BundleIndex:
    """Entries of a Bundle indexed by ``fullUrl`` and by ``Type/id``."""

    __slots__ = ("by_type_id", "by_url", "entries")

    def __init__(self, entries: list[Any], *, index: bool = True) -> None:
        self.entries = entries
        self.by_url: dict[str, int] = {}
        self.by_type_id: dict[str, int] = {}
        if not index:  # the caller fills by_url and by_type_id (same rules as below)
            return
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
        keys = lookup_keys(literal, from_full_url if isinstance(from_full_url, str) else None)
        by_url, by_type_id = self.by_url, self.by_type_id
        for is_url, key in keys:
            hit = by_url.get(key) if is_url else by_type_id.get(key)
            if hit is not None:
                return hit
        return None

    def resource(self, index: int) -> dict[str, Any]:
        return as_dict(as_dict(self.entries[index]).get("resource"))
