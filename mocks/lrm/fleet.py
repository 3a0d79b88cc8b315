"""A fleet of LRMs: every SAMU runs the regulation software of one of a handful of LRM vendors.

One SAMU per département (101, :data:`sasref.directory.geo.DEPARTMENTS`), each a client of the
Hub Santé of its own (``fr.health.samu690``, :func:`sasref.lrm.messages.samu_client_id`, with its
three queues, IG digest §5.1) consuming its ``message`` queue with a :class:`~mocks.lrm.service.
FakeLrm`, and each with its INT_L01 ``origin`` (its affectation authority, ``samu69``: platform
spec §3.1). The vendors (default :data:`DEFAULT_VENDORS`, at most :data:`MAX_VENDORS`) are named
by ``Faker("fr_FR")`` seeded per instance; the SAMUs are shared out among them by a seeded draw
with uneven market shares (a few large vendors, a tail of small ones), every vendor serving at
least one SAMU. Each vendor hosts its SAMUs in one web app (:func:`mocks.lrm.app.create_vendor_app`,
a path per SAMU).

``LrmFleet(clock, seed=7, vendors=6)``; ``fleet.attach(hub.connect)`` gives every SAMU its Hub
connection (in memory: :meth:`mocks.hub.InMemoryHub.connect`; AMQP: one
:class:`~sasref.lrm.amqp.AmqpHubTransport` per SAMU, opened first), ``await fleet.start()``
starts the consumers. ``departments=("33",)`` makes the one-SAMU LRM of the simple cases.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from faker import Faker

from mocks.lrm.service import FakeLrm
from sasref.clock import Clock
from sasref.directory.geo import DEPARTMENTS, department
from sasref.errors import ConfigurationError
from sasref.lrm.contextual import affectation_authority
from sasref.lrm.messages import samu_client_id
from sasref.lrm.transport import HubTransport
from sasref.regulators.samu import normalize_department

__all__ = ["DEFAULT_VENDORS", "MAX_VENDORS", "LrmFleet", "LrmVendor", "Samu", "share_out"]

DEFAULT_VENDORS = 6
#: The demo gives each vendor a port in ``port+10 … port+29``.
MAX_VENDORS = 20


@dataclass(frozen=True, slots=True)
class LrmVendor:
    key: str  # "lrm-01": host name in process, server name on sockets
    name: str  # the company, Faker fr_FR
    departments: tuple[str, ...]  # the SAMUs it serves


@dataclass(slots=True)
class Samu:
    """One SAMU of the fleet and its LRM."""

    department: str  # "69", "2A", "971"
    name: str  # "SAMU 69 — Rhône"
    vendor: LrmVendor
    lrm: FakeLrm

    @property
    def client_id(self) -> str:
        return self.lrm.client_id

    @property
    def origin(self) -> str:
        """Its INT_L01 ``origin`` (affectation authority): ``samu69``."""
        return affectation_authority(self.department)

    def to_json(self) -> dict[str, Any]:
        return {
            "department": self.department,
            "name": self.name,
            "vendor": self.vendor.key,
            "clientId": self.client_id,
            "origin": self.origin,
            "appointments": len(self.lrm.appointments),
            "received": len(self.lrm.received),
        }


def share_out(seed: int, vendors: int, departments: Iterable[str]) -> tuple[LrmVendor, ...]:
    """Name ``vendors`` LRM vendors and give each département's SAMU to one of them (seeded)."""
    codes = [normalize_department(code) for code in departments]
    if not 1 <= vendors <= min(MAX_VENDORS, len(codes)):
        raise ConfigurationError(
            f"LRM vendors: {vendors} asked, between 1 and {min(MAX_VENDORS, len(codes))} "
            f"possible for {len(codes)} SAMU(s)"
        )
    fake = Faker("fr_FR")
    fake.seed_instance(seed)
    names: list[str] = []
    while len(names) < vendors:
        name = fake.company()
        if name not in names:
            names.append(name)
    rng = random.Random(f"lrm-fleet-{seed}")
    order = list(codes)
    rng.shuffle(order)
    # Zipf-like market shares; the first draws give every vendor at least one SAMU.
    weights = [1 / (rank + 1) for rank in range(vendors)]
    owned: list[list[str]] = [[] for _ in range(vendors)]
    for i, code in enumerate(order):
        owner = i if i < vendors else rng.choices(range(vendors), weights=weights)[0]
        owned[owner].append(code)
    position = {code: i for i, code in enumerate(codes)}
    return tuple(
        LrmVendor(f"lrm-{i + 1:02d}", names[i], tuple(sorted(owned[i], key=position.__getitem__)))
        for i in range(vendors)
    )


class LrmFleet:
    """The SAMUs of ``departments`` (all 101 by default) shared out among ``vendors`` vendors."""

    def __init__(
        self,
        clock: Clock,
        *,
        seed: int = 7,
        vendors: int = DEFAULT_VENDORS,
        departments: Iterable[str] = DEPARTMENTS,
    ) -> None:
        self.clock = clock
        codes = [normalize_department(code) for code in departments]
        self.vendors = share_out(seed, vendors, codes)
        self._vendors = {v.key: v for v in self.vendors}
        owner = {code: v for v in self.vendors for code in v.departments}
        #: By département, in the order of ``departments``.
        self.samus: dict[str, Samu] = {
            code: Samu(
                code,
                f"SAMU {code} — {department(code).name}",
                owner[code],
                FakeLrm(samu_client_id(code), clock),
            )
            for code in codes
        }
        self._by_client = {s.client_id: s for s in self.samus.values()}
        self._by_origin = {s.origin: s for s in self.samus.values()}

    # --- lookups ----------------------------------------------------------------------------
    def samu(self, department: str) -> Samu:
        found = self.samus.get(department.strip().upper())
        if found is None:
            raise LookupError(f"no SAMU of département {department!r} in this fleet")
        return found

    def by_client_id(self, client_id: str) -> Samu | None:
        return self._by_client.get(client_id)

    def by_origin(self, origin: str) -> Samu | None:
        return self._by_origin.get(origin)

    def vendor(self, key: str) -> LrmVendor:
        return self._vendors[key]

    def samus_of(self, vendor: str) -> list[Samu]:
        return [self.samus[code] for code in self._vendors[vendor].departments]

    def url(self, department: str, roots: Mapping[str, str]) -> str:
        """The page of ``department``'s SAMU, given the root URL of each vendor's app."""
        samu = self.samu(department)
        return f"{roots[samu.vendor.key].rstrip('/')}/{samu.origin}"

    @property
    def origins(self) -> frozenset[str]:
        """The registered INT_L01 origins: what the SAS's ``known_origins`` must hold."""
        return frozenset(self._by_origin)

    @property
    def client_ids(self) -> list[str]:
        return list(self._by_client)

    def __iter__(self) -> Any:
        return iter(self.samus.values())

    def __len__(self) -> int:
        return len(self.samus)

    # --- Hub --------------------------------------------------------------------------------
    def attach(self, connect: Callable[[str], HubTransport]) -> None:
        """Give every SAMU's LRM its connection to the Hub (``connect(client_id)``)."""
        for samu in self.samus.values():
            samu.lrm.transport = connect(samu.client_id)

    async def start(self) -> None:
        """Every LRM starts consuming its ``message`` queue."""
        for samu in self.samus.values():
            await samu.lrm.start()

    async def close(self) -> None:
        for samu in self.samus.values():
            if samu.lrm.transport is not None:
                await samu.lrm.transport.close()

    def delivered(self) -> dict[str, list[str]]:
        """Per SAMU client id, the ``appointmentId`` of every message its LRM received."""
        out: dict[str, list[str]] = {}
        for samu in self.samus.values():
            ids = []
            for doc in samu.lrm.received:
                message = doc["content"][0]["jsonContent"]["embeddedJsonContent"]["message"]
                ids.append(str((message.get("appointment") or {}).get("appointmentId", "")))
            out[samu.client_id] = ids
        return out
