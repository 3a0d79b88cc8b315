"""The fleet of mock agenda-software editors (issue 3 §2): names, products, base URLs, use cases.

Most editors serve PS individuel (INT_R01), some also CPTS (INT_R04), a few SOS Médecins
(digest §2.2–2.4). At least one editor of each use case exists as soon as the fleet has 3 editors.
"""

from __future__ import annotations

import random

from sasref.directory.model import EditorInfo

__all__ = ["CPTS", "PS", "SOS", "make_editors"]

PS = "ps"
CPTS = "cpts"
SOS = "sos"

_PREFIXES = ("Medi", "Doc", "Santé", "Cabi", "Praxi", "Clini", "Agen", "Consul", "Soin", "Vita")
_SUFFIXES = ("Agenda", "Planning", "RDV", "Flow", "Line", "Book", "Desk", "Connect", "Pro", "Net")


def _use_cases(rng: random.Random, index: int, count: int) -> frozenset[str]:
    if count == 1:
        return frozenset({PS, CPTS, SOS})
    # the first three editors guarantee every use case; the rest follow the realistic mix
    forced = {0: frozenset({PS, CPTS}), 1: frozenset({SOS}), 2: frozenset({PS, SOS})}
    if index in forced and count >= 3:
        return forced[index]
    if count == 2:
        return frozenset({PS, CPTS}) if index == 0 else frozenset({PS, SOS})
    draw = rng.random()
    if draw < 0.06:
        return frozenset({SOS})  # an SOS-only product
    if draw < 0.10:
        return frozenset({PS, SOS})
    if draw < 0.13:
        return frozenset({PS, CPTS, SOS})
    if draw < 0.40:
        return frozenset({PS, CPTS})
    return frozenset({PS})


def make_editors(rng: random.Random, count: int) -> tuple[EditorInfo, ...]:
    """``count`` editors ``editeur-01`` … with distinct product names."""
    if count < 1:
        raise ValueError("a population needs at least one editor")
    width = max(2, len(str(count)))
    products = [p + s for p in _PREFIXES for s in _SUFFIXES]
    rng.shuffle(products)
    editors = []
    for i in range(count):
        name = f"editeur-{i + 1:0{width}d}"
        product = products[i % len(products)]
        if i >= len(products):
            product += f" {i // len(products) + 1}"
        editors.append(
            EditorInfo(
                name=name,
                software=product,
                base_url=f"https://{name}.test/fhir",
                use_cases=_use_cases(rng, i, count),
            )
        )
    return tuple(editors)
