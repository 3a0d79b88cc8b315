"""Mock marketplace platforms ("places de marché", issue 9 item 2): the complementary care offer.

A seeded fleet (:func:`make_marketplaces`: home nursing, paramedical, midwives, home medical
visits; each with its pool of professionals and its territory) of FastAPI apps
(:func:`create_app`): the regulator arrives from the SAS results page's "Place de marché" link,
authenticated by SSO like on the booking pages, files a **care request** for the patient; the
platform offers it to its pool on the injected clock and reports it to the SAS through INT_R03
(``pending``, then ``booked`` with the accepting professional, or ``cancelled`` when refused,
expired or withdrawn), categorised ``002`` (PDM); the SAS forwards each version to the LRM.

Modules: :mod:`~mocks.marketplace.fleet` (profiles, pools), :mod:`~mocks.marketplace.model`
(care requests and their Appointment), :mod:`~mocks.marketplace.validation` (the form),
:mod:`~mocks.marketplace.dispatch` (the pool's answers, the fault switches),
:mod:`~mocks.marketplace.service` (requests, dispatch, outbox), :mod:`~mocks.marketplace.app`
(pages, FHIR API, admin), :mod:`~mocks.marketplace.pages` (HTML). docs/marketplace.md.
"""

from __future__ import annotations

from mocks.marketplace.app import Marketplace, MarketplaceSettings, create_app
from mocks.marketplace.dispatch import Answer, MarketplaceBehaviour, plan_answers
from mocks.marketplace.fleet import (
    MAX_MARKETPLACES,
    MarketplaceProfile,
    PoolMember,
    make_marketplaces,
)
from mocks.marketplace.model import (
    STATE_LABELS,
    CareRequest,
    PatientAddress,
    RequestState,
    appointment_resource,
)
from mocks.marketplace.service import AnswerRefused, MarketplaceService
from mocks.marketplace.validation import CareRequestDraft, read_care_request

__all__ = [
    "MAX_MARKETPLACES",
    "STATE_LABELS",
    "Answer",
    "AnswerRefused",
    "CareRequest",
    "CareRequestDraft",
    "Marketplace",
    "MarketplaceBehaviour",
    "MarketplaceProfile",
    "MarketplaceService",
    "MarketplaceSettings",
    "PatientAddress",
    "PoolMember",
    "RequestState",
    "appointment_resource",
    "create_app",
    "make_marketplaces",
    "plan_answers",
    "read_care_request",
]
