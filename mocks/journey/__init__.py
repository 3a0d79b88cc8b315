"""The whole booking journey as one ecosystem (issue 5): fake PSC, SAS platform with login, SAS
IdP and INT_R03 server, Hub Santé, the LRMs of the 101 SAMUs, editors with booking pages.

::

    async with Journey(JourneySettings(seed=7, sso_mode=SsoMode.SAS)).in_process() as j:
        browser = j.browser()                          # an httpx client with its own cookies
        ...                                            # j.urls.sas, j.urls.editors["editeur-01"]

    async with Journey(JourneySettings()).serve() as j:  # uvicorn on free loopback ports
        print(j.urls.sas)                              # http://127.0.0.1:<port>/

Wiring (docs/booking-journey.md has the sequence):

* **PSC** (:mod:`mocks.psc`) knows the SAS platform and, in SSO mode (a), every editor;
* **SAS platform** (:func:`sasref.platform.create_app`) + ``login_router`` (PSC relying party;
  the platform's no-op ``require_regulator`` placeholder is overridden with
  :func:`sasref.auth.require_regulator`, so the search pages need a regulator login) + the SAS IdP
  (``/idp``, SSO mode (b)) + the INT_R03 server (``/fhir/Appointment``) whose accepted
  appointments go through the INT_L02 publisher to the in-memory **Hub**; at each login the
  regulator's account is created in :class:`~sasref.regulators.RegulatorRegistry` and pushed
  lazily to every editor (INT_R02, :class:`~sasref.regulators.RegulatorSync`);
* **editors** (:func:`mocks.editor.create_app` + :class:`mocks.editor_booking.EditorBooking`):
  FHIR search, INT_R02 accounts, booking pages, INT_R03 outbox;
* **LRM fleet** (:class:`mocks.lrm.LrmFleet`): every SAMU a Hub client consuming its queue, its
  vendor's app serving ``/<origin>/`` (``settings.lrm_vendors`` vendors); the SAS routes each
  appointment to the SAMU of the regulator who booked, known from its own
  :class:`~sasref.regulators.SamuDirectory` (seeded from the PSC personas: the default ones are
  of SAMU ``settings.samu_department``, ``regulateur-NN`` of SAMU NN).
* **marketplaces** (``JourneySettings(marketplaces=N)``, :mod:`mocks.marketplace`): the SAS
  registry and the results page's "Place de marché" links, SSO like the editors, INT_R02
  accounts, care requests dispatched to each platform's pool, INT_R03 outbox to the SAS
  (``orientationCategory`` PDM at the LRM).

Modules: :mod:`~mocks.journey.model` (settings, URLs, value types), :mod:`~mocks.journey.build`
(the wiring), :mod:`~mocks.journey.core` (:class:`Journey`: life cycle, helpers),
:mod:`~mocks.journey.demo` (fixed ports, ready line, ``python -m mocks.journey``); sockets,
servers and in-process routing are :mod:`mocks.serving`'s, shared with :mod:`mocks.ecosystem`.

**mTLS** (digest §11, ``JourneySettings(tls=TlsSettings(directory))``, sockets only,
:mod:`~mocks.journey.tls`): each editor's FHIR API (searches, INT_R02) also listens on an
mTLS-only ``https`` port requiring the SAS client certificate, which the platform presents; the
platform's INT_R03 ``/fhir/Appointment`` listens on an mTLS port requiring a registered
editor's certificate, which each editor's outbox presents. Pages stay on the http ports (there
``/fhir`` answers 403).

In process every host is an ``httpx.ASGITransport`` (``https://psc.test``, ``https://sas.test``,
``https://editeur-01.test``, ``https://lrm-01.test``). On sockets each app gets its own uvicorn
server on a free port of ``127.0.0.1`` (its URLs, redirect URIs and the ``Slot.comment`` booking
links are rewritten to the real ports; cookies are per host, not per port, so every app uses its
own cookie name).
"""

from __future__ import annotations

from mocks.journey.build import API_REGULATOR, token_or_login
from mocks.journey.core import Journey
from mocks.journey.demo import (
    demo_ports,
    editors_range,
    journey_banner,
    journey_hints,
    last_port,
    main,
    monitoring_hints,
    ready_line,
    run_journey_demo,
    tls_hints,
)
from mocks.journey.model import (
    DEMO_CARE,
    DEMO_PATIENT,
    PSC_REALM,
    SAS_CLIENT_ID_OIDC,
    FhirOutage,
    JourneyBooking,
    JourneyCareRequest,
    JourneySettings,
    JourneyUrls,
    SlotTarget,
    TlsSettings,
    default_clock,
)
from mocks.journey.tls import JourneyTls
from mocks.serving import RebasedSlots

__all__ = [
    "API_REGULATOR",
    "DEMO_CARE",
    "DEMO_PATIENT",
    "PSC_REALM",
    "SAS_CLIENT_ID_OIDC",
    "FhirOutage",
    "Journey",
    "JourneyBooking",
    "JourneyCareRequest",
    "JourneySettings",
    "JourneyTls",
    "JourneyUrls",
    "RebasedSlots",
    "SlotTarget",
    "TlsSettings",
    "default_clock",
    "demo_ports",
    "editors_range",
    "journey_banner",
    "journey_hints",
    "last_port",
    "main",
    "monitoring_hints",
    "ready_line",
    "run_journey_demo",
    "tls_hints",
    "token_or_login",
]
