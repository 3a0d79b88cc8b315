"""The journey's settings, URLs and small value types (:mod:`mocks.journey`)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from mocks.editor_booking import Booking
from mocks.editor_booking.driver import Browser
from mocks.lrm.fleet import DEFAULT_VENDORS
from mocks.marketplace import CareRequest
from mocks.pki import EDITOR_CLIENT_OU, SAS_CLIENT, ClientName
from sasref.auth import SsoMode
from sasref.clock import PARIS, Clock, FixedClock
from sasref.directory.model import EditorInfo, Practitioner
from sasref.monitoring import MonitoringSettings
from sasref.search import SlotView

#: The patient the demo helpers book for (the booking form's four fields).
DEMO_PATIENT = {"family": "Martin", "given": "Léa", "birth_date": "1984-02-03",
                "phone": "06 12 34 56 78"}  # fmt: skip
#: The care request the demo helpers file (besides the patient; the place comes from the link).
DEMO_CARE = {"care_type": "soins-infirmiers", "details": "Injection d'anticoagulant, 2 j",
             "line": "12 rue Sainte-Catherine"}  # fmt: skip

PSC_REALM = "/auth/realms/esante-wallet"
SAS_CLIENT_ID_OIDC = "sas-platform"


def default_clock() -> FixedClock:
    """A Tuesday morning in Paris: editors' agendas are open, results are reproducible."""
    return FixedClock(datetime(2026, 6, 16, 9, 0, tzinfo=PARIS))


@dataclass(frozen=True)
class TlsSettings:
    """mTLS on sockets (digest §11; :mod:`mocks.journey.tls`): a fake IGC-Santé PKI written to
    ``directory``; the editors' FHIR API and the platform's INT_R03 endpoint on second,
    mTLS-only ports. ``sas_client``: the CN/OU of the SAS client certificate, required by every
    editor; each editor presents ``CN=<its name>, OU=<editor_ou>`` to the platform, which
    requires a registered editor's name with that OU (assumed defaults, :mod:`mocks.pki`).
    ``editor_clients`` overrides the certificate an editor presents (tests: a wrong CN)."""

    directory: str | os.PathLike[str]
    sas_client: ClientName = SAS_CLIENT
    editor_ou: str = EDITOR_CLIENT_OU
    editor_clients: Mapping[str, ClientName] = field(default_factory=dict)

    def editor_client(self, editor: str) -> ClientName:
        """The CN/OU editor ``editor`` presents for INT_R03."""
        return self.editor_clients.get(editor) or ClientName(cn=editor, ou=self.editor_ou)


@dataclass
class JourneySettings:
    seed: int = 7
    editors: int = 3
    practitioners: int = 800
    #: How editors authenticate the regulator: (a) PSC relying party, (b) SAS IdP.
    sso_mode: SsoMode = SsoMode.SAS
    clock: Clock = field(default_factory=default_clock)
    #: The SAMU of the default regulator personas (``regulateur``, ``arm``, ``osnp``); every
    #: other SAMU has its own médecin régulateur persona (``regulateur-69``, …).
    samu_department: str = "33"
    #: LRM vendors sharing the 101 SAMUs (:class:`mocks.lrm.LrmFleet`).
    lrm_vendors: int = DEFAULT_VENDORS
    secret_key: str = "journey-sas-secret-key-change-me"
    #: Run the outboxes' periodic flushes (the demo); tests flush by hand.
    background: bool = False
    flush_interval: float = 0.5
    #: Users' own editor servers added to the platform's aggregator registry (``--editor``).
    extra_editors: tuple[EditorInfo, ...] = ()
    #: The platform's database (``sasref.storage``): in memory by default, a file for the demo.
    database_url: str = "sqlite:///:memory:"
    log_searches: bool = False
    #: ``Authorization: Bearer <api_token>`` stands for a regulator login on the platform's
    #: search routes (scripts and live notebooks; the browser logs in through PSC). ``None``: off.
    api_token: str | None = None
    #: The aggregator's per-call deadline in seconds (``None``: the platform's default, 7 s).
    call_deadline: float | None = None
    #: mTLS for the FHIR flows when served on sockets (``None``: plain http everywhere; in
    #: process it is ignored: there is no TLS without sockets).
    tls: TlsSettings | None = None
    #: Marketplace platforms ("places de marché", :mod:`mocks.marketplace`), 0 to 40.
    marketplaces: int = 0
    #: Multiplies the marketplaces' dispatch delays (the demo: a dispatch minute in a second).
    marketplace_time_scale: float = 1.0
    #: The platform's editor monitoring (windows, thresholds, probes; issue 12).
    monitoring: MonitoringSettings = field(default_factory=MonitoringSettings)


@dataclass(frozen=True)
class JourneyUrls:
    psc: str  # PSC host root
    sas: str  # SAS platform root (no trailing slash)
    #: The LRM of the default personas' SAMU (``<vendor root>/samu33``; its JSON at
    #: ``/appointments``); every SAMU's is :meth:`Journey.lrm_url <mocks.journey.Journey.lrm_url>`.
    lrm: str
    editors: dict[str, str]  # editor name → web root (booking pages); FHIR base = root + /fhir
    #: mTLS: the platform's INT_R03 root (``https://…``; ``None``: the FHIR base is on ``sas``).
    sas_api: str | None = None
    #: mTLS: editor name → its FHIR API root (``https://…``; absent: on the web root).
    editor_apis: dict[str, str] = field(default_factory=dict)
    #: LRM vendor key (``lrm-01``) → the root of its app (a path per SAMU).
    lrm_vendors: dict[str, str] = field(default_factory=dict)
    #: Marketplace name → its web root (care-request pages; its FHIR base is root + /fhir).
    marketplaces: dict[str, str] = field(default_factory=dict)
    #: mTLS: marketplace name → the root of its INT_R02 API (``https://…``).
    marketplace_apis: dict[str, str] = field(default_factory=dict)

    @property
    def psc_issuer(self) -> str:
        return self.psc + PSC_REALM

    @property
    def sas_fhir(self) -> str:
        return (self.sas_api or self.sas) + "/fhir"

    @property
    def sas_idp(self) -> str:
        return self.sas + "/idp"

    def editor_fhir(self, name: str) -> str:
        return self.editor_apis.get(name, self.editors[name]) + "/fhir"

    def marketplace_fhir(self, name: str) -> str:
        return self.marketplace_apis.get(name, self.marketplaces[name]) + "/fhir"

    def all_hosts(self) -> list[str]:
        return [
            self.psc, self.sas, *self.lrm_vendors.values(), *self.editors.values(),
            *self.marketplaces.values(),
        ]  # fmt: skip


@dataclass(frozen=True)
class SlotTarget:
    """A free editor slot to book, and the search that shows it (for tests and the demo)."""

    practitioner: Practitioner
    editor: str
    slot: SlotView
    address: str  # the préfecture of the practitioner's département (the search's place)

    @property
    def search_path(self) -> str:
        return "/recherche?" + urlencode(
            {"address": self.address, "practitioner": self.practitioner.raw_id}
        )


@dataclass
class JourneyCareRequest:
    """What :meth:`Journey.request_care_as` did: the browser, the marketplace, the request's
    page URL and the marketplace-side request."""

    browser: Browser
    marketplace: str
    page_url: str
    request: CareRequest


@dataclass
class JourneyBooking:
    """What :meth:`Journey.book_as` did: the browser (with its exchange log), the slot, the
    editor's confirmation page URL and the editor-side booking."""

    browser: Browser
    target: SlotTarget
    confirmation_url: str
    booking: Booking


class FhirOutage:
    """ASGI wrapper of the SAS app: while ``down``, ``/fhir/...`` answers 503 (an INT_R03
    outage for the editors' outboxes to ride out); the pages, login and IdP keep working."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.down = False
        self.refused = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if self.down and scope["type"] == "http" and str(scope["path"]).startswith("/fhir/"):
            self.refused += 1
            body = (
                b'{"resourceType":"OperationOutcome","issue":[{"severity":"error",'
                b'"code":"transient","diagnostics":"SAS unavailable (simulated outage)"}]}'
            )
            headers = [(b"content-type", b"application/fhir+json"), (b"retry-after", b"1")]
            await send({"type": "http.response.start", "status": 503, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)
