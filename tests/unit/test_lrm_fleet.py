"""The LRM fleet's layout: vendors, SAMUs, client ids, origins, and the SAMU regulators of PSC."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

import pytest

from mocks.lrm import LrmFleet, share_out
from mocks.psc.personas import (
    default_personas,
    samu_assignments,
    samu_persona_key,
    samu_regulators,
)
from sasref.clock import PARIS, FixedClock
from sasref.directory.geo import DEPARTMENTS
from sasref.errors import ConfigurationError
from sasref.lrm.messages import samu_client_id
from sasref.platform import default_lrm_origins
from sasref.regulators import SamuDirectory

CLOCK = FixedClock(datetime(2024, 6, 12, 9, 0, tzinfo=PARIS))


def test_every_samu_belongs_to_exactly_one_vendor_and_every_vendor_serves_some() -> None:
    vendors = share_out(7, 6, DEPARTMENTS)
    served = [code for v in vendors for code in v.departments]
    assert sorted(served) == sorted(DEPARTMENTS) and len(served) == 101
    assert all(v.departments for v in vendors)
    assert len({v.name for v in vendors}) == 6 and [v.key for v in vendors][:2] == [
        "lrm-01", "lrm-02",
    ]  # fmt: skip
    sizes = sorted(len(v.departments) for v in vendors)
    assert sizes[-1] > sizes[0]  # uneven market shares


def test_the_layout_is_seeded() -> None:
    assert share_out(7, 6, DEPARTMENTS) == share_out(7, 6, DEPARTMENTS)
    assert share_out(7, 6, DEPARTMENTS) != share_out(8, 6, DEPARTMENTS)


@pytest.mark.parametrize("vendors", [0, 21, -1])
def test_a_vendor_count_out_of_range_is_a_clear_error(vendors: int) -> None:
    with pytest.raises(ConfigurationError, match="between 1 and 20"):
        share_out(7, vendors, DEPARTMENTS)
    with pytest.raises(ConfigurationError, match="between 1 and 1"):
        share_out(7, 2, ["33"])


def test_the_fleet_s_samus_are_the_hub_clients_and_the_registered_origins() -> None:
    fleet = LrmFleet(CLOCK, seed=7, vendors=20)
    assert [s.department for s in fleet] == list(DEPARTMENTS)
    assert fleet.client_ids == [samu_client_id(code) for code in DEPARTMENTS]
    assert fleet.origins == default_lrm_origins()  # the platform's registry, one per SAMU
    samu = fleet.samu("2a")
    assert (samu.client_id, samu.origin, samu.name) == (
        "fr.health.samu2A0", "samu2a", "SAMU 2A — Corse-du-Sud",
    )  # fmt: skip
    assert fleet.by_client_id("fr.health.samu690") is fleet.samu("69")
    assert fleet.by_origin("samu971") is fleet.samu("971")
    assert fleet.samu("69") in fleet.samus_of(fleet.samu("69").vendor.key)
    with pytest.raises(LookupError, match="99"):
        fleet.samu("99")
    one = LrmFleet(CLOCK, departments=["33"], vendors=1)
    assert [s.client_id for s in one] == ["fr.health.samu330"]


def test_each_samu_has_a_regulator_persona_the_sas_directory_knows() -> None:
    personas = default_personas(7, "33") + samu_regulators(7, tuple(DEPARTMENTS))
    keys = Counter(p.key for p in personas)
    assert max(keys.values()) == 1 and samu_persona_key("2A") in keys
    regulators = [p for p in personas if p.samu]
    assert Counter(p.samu for p in regulators)["33"] == 4  # regulateur, arm, osnp, regulateur-33
    assert len({p.claims["Email"] for p in regulators}) == len(regulators)
    assert len({p.claims["SubjectNameID"] for p in regulators}) == len(regulators)
    samu69 = next(p for p in personas if p.key == "regulateur-69")
    assert samu69.claims["SubjectOrganization"] == "SAMU 69 - Centre 15"
    assert samu69.claims["Acces_Regulation_Medicale"] == "VRAI"
    directory = SamuDirectory(samu_assignments(personas))
    assert directory.departments() == set(DEPARTMENTS)
    # ARMs and OSNPs have no RPPS: the directory knows them by their login e-mail
    arm = next(p for p in personas if p.key == "arm")
    assert samu_assignments((arm,)) == {arm.claims["Email"]: "33"}


def test_default_personas_keep_their_identities() -> None:
    """The SAMU parameter changes the organisation only: names and RPPS stay those of the seed."""
    a, b = default_personas(3, "33"), default_personas(3, "69")
    assert [p.claims["SubjectNameID"] for p in a] == [p.claims["SubjectNameID"] for p in b]
    assert [p.samu for p in b] == ["69", "69", "69", "", ""]
