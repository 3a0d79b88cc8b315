"""The three searchset Bundle profiles and the checks across their entries.

IG digest §2.1 (searchset, ``total``, self link, empty Bundle with ``total: 0`` when nothing is
found), §7.6 BundleAgregateur (entries sliced by *type*: every Slot/Schedule/Practitioner/
PractitionerRole entry must follow the PS profile), §7.7/§7.8 CPTS and SOS bundles (``total``
1..1, ``link`` 1..1, ``entry`` min 4 sliced by *profile*, ``fullUrl`` 1..1), §13 (empty
CPTS/SOS Bundle, ``total`` counting Slots, missing ``search.mode``). Base FHIR R4 Bundle
invariants bdl-3/4/5/7/8.
"""

from __future__ import annotations

from typing import Any, Final

from sasref.fhir.systems import Profile
from sasref.profiles.base import check_shapes
from sasref.profiles.common import (
    _report_empty,
    as_dict,
    as_list,
    check_id,
    check_meta_profile,
)
from sasref.profiles.entries import (
    HERE,
    Verdict,
    bundle_has_empty,
    entry_verdicts,
    replay,
)
from sasref.profiles.outcome import Issues
from sasref.profiles.references import BundleIndex
from sasref.profiles.registry import profile_name

#: Bundle profile → its required slices (name, entry profile).
_SLICES: Final[dict[str, tuple[tuple[str, str], ...]]] = {
    Profile.BUNDLE_CPTS: (
        ("slotAgregateurCPTS", Profile.SLOT_CPTS),
        ("scheduleAgregateurCPTS", Profile.SCHEDULE_PS),
        ("practitionerAgregateur", Profile.PRACTITIONER_PS),
        ("practitionerRole", Profile.PRACTITIONER_ROLE_PS),
    ),
    Profile.BUNDLE_SOS: (
        ("slotAgregateurSOS", Profile.SLOT_SOS),
        ("scheduleAgregateurSOS", Profile.SCHEDULE_SOS),
        ("locationAgregateurSOS", Profile.LOCATION_SOS),
        ("organizationAgregateurSOS", Profile.ORGANIZATION_SOS),
    ),
}


def check_bundle_resource(
    res: dict[str, Any], profile: str, out: Issues, p: str = "Bundle"
) -> None:
    """The envelope checks (:func:`sasref.profiles.base.check_envelope`: id, shapes, no empty
    element) then :func:`check_bundle`, sharing the per-entry work between them.

    Same issues, in the same order, as ``check_envelope(res, p, out)`` followed by
    ``check_bundle(res, profile, out)`` (``p`` = the resourceType): the "no empty element"
    screen of the whole Bundle is derived from the entries' cached verdicts instead of
    serialising the Bundle once more.
    """
    raw = res.get("entry")
    verdicts = entry_verdicts(raw, profile, out.strict) if raw.__class__ is list else None
    check_id(res, p, out)
    check_shapes(res, str(res.get("resourceType")), p, out)
    if bundle_has_empty(res, verdicts):
        _report_empty(res, p, out)
    check_bundle(res, profile, out, verdicts)


def check_bundle(
    res: dict[str, Any],
    profile: str,
    out: Issues,
    verdicts: list[Verdict | None] | None = None,
) -> None:
    """A searchset Bundle against BundleAgregateur / sas-cpts-bundle / sas-sos-bundle."""
    name = profile_name(profile)
    p = "Bundle"
    check_meta_profile(res, profile, name, p, out)
    strict_bundle = profile != Profile.BUNDLE_PS
    btype = res.get("type")
    if btype is None:
        out.error("required", f"{name}: type is required", f"{p}.type")
    elif btype != "searchset":
        out.error(
            "value",
            f"{name}: Bundle.type is fixed by pattern to searchset (found {btype})",
            f"{p}.type",
        )
    total = res.get("total")
    if total is None:
        if strict_bundle:
            out.error("required", f"{name}: total is required (1..1)", f"{p}.total")
    elif not isinstance(total, int) or isinstance(total, bool) or total < 0:
        out.error("value", f"{name}: total must be an unsignedInt (found {total!r})", f"{p}.total")
        total = None
    _check_links(res, name, p, out, strict_bundle)
    entries = as_list(res.get("entry"))
    if res.get("entry") is not None and not isinstance(res.get("entry"), list):
        out.error("structure", f"{name}: entry must be an array", f"{p}.entry")
    if verdicts is None:
        verdicts = entry_verdicts(entries, profile, out.strict)
    index = BundleIndex(entries, index=False)
    by_url, by_type_id = index.by_url, index.by_type_id
    chosen: list[str | None] = []
    matches = slots = 0
    seen_urls: dict[str, int] = {}
    add = out.add
    for i, v in enumerate(verdicts):
        if v is None:
            out.error("structure", f"{name}: entry[{i}] must be an object", f"{p}.entry[{i}]")
            chosen.append(None)
            continue
        full_url = v.full_url
        if full_url is not None:
            by_url.setdefault(full_url, i)
        if v.type_id is not None:
            by_type_id.setdefault(v.type_id, i)
        if v.before:
            replay(add, v.before, v.templated, i)
        if v.has_resource:
            if full_url is not None:
                if full_url in seen_urls:
                    out.error(
                        "invariant",
                        f"{name}: bdl-7 fullUrl {full_url} is repeated "
                        f"(entry {seen_urls[full_url]})",
                        f"{p}.entry[{i}].fullUrl",
                    )
                else:
                    seen_urls[full_url] = i
            if v.after:
                replay(add, v.after, v.templated, i)
            matches += v.match
            slots += v.slot
        chosen.append(v.target)
    _check_cardinalities(profile, name, entries, chosen, total, out)
    _check_total(name, total, matches, slots, out)
    _check_references(name, index, verdicts, out)


def _check_links(res: dict[str, Any], name: str, p: str, out: Issues, strict_bundle: bool) -> None:
    links = as_list(res.get("link"))
    if strict_bundle and len(links) != 1:
        out.error(
            "required" if not links else "structure",
            f"{name}: link is 1..1 (found {len(links)})",
            f"{p}.link",
        )
    for i, link in enumerate(links):
        link = as_dict(link)
        for key in ("relation", "url"):
            if link.get(key) is None:
                out.error("required", f"{name}: link.{key} is required", f"{p}.link[{i}].{key}")
    if not any(as_dict(link).get("relation") == "self" for link in links) and not strict_bundle:
        out.warning("required", f"{name}: a self link is expected (§2.1)", f"{p}.link")


def _check_cardinalities(
    profile: str,
    name: str,
    entries: list[Any],
    chosen: list[str | None],
    total: int | None,
    out: Issues,
) -> None:
    if profile not in _SLICES:
        return
    if not entries:
        out.relaxed(
            "required",
            f"{name}: entry is min 4 (one Slot, Schedule, ... each); an empty searchset "
            f"breaks the profile (total {total})",
            "Bundle.entry",
            "FAQ 13 mandates an empty searchset with total 0 when nothing is found",
        )
        return
    if len(entries) < 4:
        out.error("required", f"{name}: entry is min 4 (found {len(entries)})", "Bundle.entry")
    for slice_name, slice_profile in _SLICES[profile]:
        if slice_profile not in chosen:
            out.error(
                "required",
                f"{name}: slice entry:{slice_name} is 1..* (no {profile_name(slice_profile)} "
                "entry)",
                "Bundle.entry",
            )


def _check_total(name: str, total: int | None, matches: int, slots: int, out: Issues) -> None:
    if total is None or total == matches:
        return
    if total == slots:
        message = (
            f"{name}: total {total} counts the Slots, not the {matches} match entries "
            "(the SOS example does so)"
        )
        if out.strict:
            out.warning("value", message, "Bundle.total")
        else:
            out.info("value", message, "Bundle.total")
        return
    out.warning(
        "value",
        f"{name}: total {total} but {matches} match entries and {slots} Slots",
        "Bundle.total",
    )


def _check_references(
    name: str, index: BundleIndex, verdicts: list[Verdict | None], out: Issues
) -> None:
    """Resolve every reference the SAS flows follow; unresolved or mistyped → error."""
    by_url, by_type_id = index.by_url, index.by_type_id
    for i, v in enumerate(verdicts):
        if v is None or not v.follow:
            continue
        targets: list[int | None] = []
        for literal, keys, types, path, strict_type in v.follow:
            hit = None
            for is_url, key in keys:  # BundleIndex.resolve, with the keys known
                hit = by_url.get(key) if is_url else by_type_id.get(key)
                if hit is not None:
                    break
            targets.append(hit)
            if not literal:
                continue
            if hit is None:
                out.error(
                    "not-found",
                    f"{name}: reference {literal!r} does not resolve to an entry of the Bundle",
                    _at(path, v, i) + ".reference",
                )
                continue
            target = verdicts[hit]
            target_type = target.rtype if target is not None else None
            if types and target_type not in types:
                report = out.error if strict_type else out.warning
                report(
                    "value",
                    f"{name}: {literal!r} resolves to a {target_type}, expected "
                    f"{' or '.join(types)}",
                    _at(path, v, i) + ".reference",
                )
        if v.pair:
            _check_ps_schedule_pair(
                index, verdicts, targets, name, f"Bundle.entry[{i}].resource", out
            )


def _at(path: str, v: Verdict, i: int) -> str:
    return path.replace(HERE, str(i)) if v.templated else path


def _check_ps_schedule_pair(
    index: BundleIndex,
    verdicts: list[Verdict | None],
    targets: list[int | None],
    name: str,
    rp: str,
    out: Issues,
) -> None:
    """§2.2 / GAP: Schedule.actor = the Practitioner AND its PractitionerRole (FAQ 12)."""
    resolved = [(t, verdicts[t]) for t in targets if t is not None]
    practitioners = [t for t, r in resolved if r is not None and r.rtype == "Practitioner"]
    roles = [r for _, r in resolved if r is not None and r.rtype == "PractitionerRole"]
    if resolved and (not practitioners or not roles):
        out.warning(
            "required",
            f"{name}: Schedule.actor should reference both the Practitioner "
            "and the PractitionerRole (§2.2)",
            f"{rp}.actor",
        )
        return
    for role in roles:
        literal = role.role_practitioner
        if literal is None:
            continue
        # the role is looked up again by Type/id: its first entry gives the fullUrl
        role_entry = index.by_type_id.get(role.role_key)
        role_verdict = verdicts[role_entry] if role_entry is not None else None
        role_url = role_verdict.full_url if role_verdict is not None else None
        if index.resolve(literal, role_url) not in practitioners:
            out.warning(
                "value",
                f"{name}: the PractitionerRole of this Schedule belongs to "
                "another Practitioner than its Practitioner actor (FAQ 12)",
                f"{rp}.actor",
            )
