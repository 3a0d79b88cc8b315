"""The platform's search: directory → fan-out to the editors ∥ SAS agenda → cards (spec §1, §3).

1. the directory answers the page of cards (perimeter, ranking, médecin traitant pinned first,
   CPTS and SOS cards) — :class:`sasref.directory.DirectorySearch`;
2. for that page, in parallel: the editors (INT_R01 for interfaced practitioners, INT_R04 for
   CPTS members, the Schedule search by SIRET for SOS associations) through the aggregator,
   and the SAS agenda (storage) for the others;
3. each card gets its slots by day (editor slots win for a place an editor serves), and the page
   is partitioned as on the platform (§1.6): médecin traitant, then cards with slots
   (participants first), then cards without.

The surnuméraire list (``SearchMode.SURNUMERAIRE``, §6.3) skips steps 2-3: its cards are the
offers accepting patients "en sus des disponibilités", each with the ``recipient`` of an
orientation to it. A with-slots search that shows no slot, or reaches the end of its list, offers
the switch to it (:func:`~sasref.platform.results.switch_suggestion`, §1.8). Orientations are
``PlatformService.orientations`` (:mod:`sasref.orientations`), saved in the platform's database.

Bad parameters raise :class:`~sasref.errors.InvalidInput` (the routes answer 400).

The editor registry is the configured editors plus those saved by the API, and the aggregator's
learned routing is saved behind the searches (:mod:`sasref.aggregator.persistence`): both
survive a restart on the same database.

Every search is also watched and counted (issue 12, :mod:`sasref.platform.activity`): the editor
monitoring is the aggregator's gate (a deactivated editor is not asked, its cards say so), and
the indicators count searches and slots per SAMU, use case, editor and day.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import replace

from sasref.aggregator import (
    Aggregator,
    EditorRegistry,
    FanOutRequest,
    FanOutResult,
    SearchWindow,
    fanout_http_client,
    summarize,
)
from sasref.aggregator.consolidate import (
    OfferIndex,
)
from sasref.aggregator.persistence import RoutingStore, merge_editors
from sasref.auth import Regulator
from sasref.directory import (
    Card,
    CptsCard,
    Directory,
    DirectorySearch,
    GeoPoint,
    PractitionerCard,
    SearchRequest,
    SosCard,
    TreatingStatus,
    UnknownSpeciality,
    geocode_parts,
)
from sasref.directory.model import AgendaKind, EditorInfo
from sasref.errors import InvalidInput
from sasref.lrm.contextual import (
    PREFERRED_DOCTOR_MESSAGES,
    ContextualSearch,
    DoctorParamKind,
    parse_contextual_url,
)
from sasref.orientations import Orientation, OrientationService
from sasref.platform.activity import PlatformActivity
from sasref.platform.agendas import AgendaSource, FreeSlots, StoredAgendas
from sasref.platform.cardviews import card_view, order_page, orientable_view
from sasref.platform.results import (
    SearchMode,
    SearchQuery,
    SearchResult,
    switch_suggestion,
)
from sasref.platform.settings import PlatformSettings, default_lrm_origins
from sasref.sasagenda import Window
from sasref.storage import (
    AgendaRepository,
    EditorRepository,
    OrientationRepository,
    RoutingRepository,
    SearchLogRepository,
    create_engine_from_url,
    init_db,
)

_log = logging.getLogger("sasref.platform")


class PlatformService:
    """Everything a request needs, built once per app from :class:`PlatformSettings`."""

    def __init__(self, settings: PlatformSettings) -> None:
        self.settings = settings
        self.clock = settings.clock
        self.directory = settings.directory or Directory(())
        self.directory_search = DirectorySearch(self.directory)
        self._owns_engine = settings.engine is None
        self.engine = settings.engine or create_engine_from_url(settings.database_url)
        init_db(self.engine)
        self.editor_repository = EditorRepository(self.engine, clock=self.clock)
        merged = merge_editors(
            settings.editors, (r.info() for r in self.editor_repository.list(enabled=True))
        )
        if merged.shadowed:
            _log.warning(
                "saved editors %s are shadowed by the configuration (configuration wins)",
                ", ".join(merged.shadowed),
            )
        #: Names from the configuration: the API may not replace or delete them.
        self.configured_editors = merged.configured
        self.registry = EditorRegistry(merged.editors)
        self._owns_http = settings.http_client is None
        self.http = settings.http_client or fanout_http_client(call_deadline=settings.call_deadline)
        self.activity = PlatformActivity(
            self.engine,
            clock=self.clock,
            registry=self.registry,
            directory=self.directory,
            monitoring=settings.monitoring,
            indicators_interval=settings.indicators_flush_seconds,
            regulator_samu=settings.regulator_samu,
        )
        self.aggregator = Aggregator(
            self.http,
            self.registry,
            clock=self.clock,
            call_deadline=settings.call_deadline,
            overall_deadline=settings.overall_deadline,
            validate=settings.validate_answers,
            gate=self.activity.monitor,
        )
        self.activity.attach(self.aggregator)
        self.routing_store: RoutingStore | None = None
        if settings.persist_routing:
            self.routing_store = RoutingStore(
                RoutingRepository(self.engine, clock=self.clock),
                clock=self.clock,
                interval=settings.routing_flush_seconds,
                max_age=settings.routing_max_age,
            )
            self.routing_store.attach(self.aggregator.routing)
        self.lrm_origins = (
            settings.lrm_origins if settings.lrm_origins is not None else default_lrm_origins()
        )
        self.agenda_repository = AgendaRepository(self.engine, clock=self.clock)
        self.agendas: AgendaSource = settings.agendas or StoredAgendas(self.agenda_repository)
        self.search_log = SearchLogRepository(self.engine, clock=self.clock)
        #: Orientations en surnuméraire; forwarded to the LRM once ``attach_lrm`` is called.
        self.orientations = OrientationService(
            OrientationRepository(self.engine, clock=self.clock),
            self.directory,
            self.clock,
            on_created=self._count_orientation,
            samu_of=settings.regulator_samu,
        )

    def _count_orientation(self, orientation: Orientation) -> None:
        """An orientation en surnuméraire in the indicators: its regulator's SAMU, the
        ``surnumeraire`` use case, no editor."""
        self.activity.indicators.record_orientation(
            samu=orientation.regulator.samu_department,
            use_case="surnumeraire",
            at=orientation.created_at,
        )

    async def aclose(self) -> None:
        await self.activity.aclose()
        if self.routing_store is not None:
            await self.routing_store.aclose()
        if self._owns_http:
            await self.http.aclose()
        if self._owns_engine:
            self.engine.dispose()

    # -- the editor registry (API) -------------------------------------------------------------
    async def save_editor(self, info: EditorInfo) -> None:
        """Add or replace an editor not named by the configuration: saved first, then used."""
        if info.name in self.configured_editors:
            raise ValueError(f"editor {info.name!r} comes from the configuration")
        await asyncio.to_thread(
            self.editor_repository.upsert,
            name=info.name,
            software=info.software,
            base_url=info.base_url,
            use_cases=info.use_cases,
        )
        self.registry.add(info)

    async def delete_editor(self, name: str) -> bool:
        """Remove an editor added through the API, with the routes learned to it."""
        if name in self.configured_editors:
            raise ValueError(f"editor {name!r} comes from the configuration")
        if name not in self.registry:
            return False
        store = self.routing_store
        # Saved first (a failure changes nothing), with no routing batch in flight that could
        # write the editor's routes back; then the memory, without yielding in between.
        async with store.paused() if store is not None else contextlib.nullcontext():
            await asyncio.to_thread(self.editor_repository.remove, name=name)
            self.registry.remove(name)
            if store is not None:
                store.forget_editor(name)
            else:
                for table in {id(t): t for t in self.aggregator.routing.values()}.values():
                    table.forget_editor(name)
        return True

    # -- entry points ---------------------------------------------------------------------------
    async def search(
        self, query: SearchQuery, *, regulator: Regulator | None = None
    ) -> SearchResult:
        """A search from the API or the HTML form (``regulator``: who asked, for the
        indicators)."""
        point = locate(query)
        request = SearchRequest(
            point=point,
            speciality=query.speciality,
            page=query.page,
            per_page=self.settings.page_size,
            seed=session_seed(query),
            treating_practitioner=query.practitioner,
            overbooking=query.mode is SearchMode.SURNUMERAIRE,
        )
        return await self._run(query, request, notices=(), regulator=regulator)

    async def search_contextual(
        self,
        params: Mapping[str, str],
        *,
        page: int = 1,
        mode: SearchMode = SearchMode.SLOTS,
        regulator: Regulator | None = None,
    ) -> SearchResult:
        """The LRM contextual search URL (INT_L01, §3): validated, then searched."""
        contextual = parse_contextual_url(params, known_origins=self.lrm_origins)
        return await self._run_contextual(contextual, page, mode, regulator)

    async def _run_contextual(
        self,
        contextual: ContextualSearch,
        page: int,
        mode: SearchMode = SearchMode.SLOTS,
        regulator: Regulator | None = None,
    ) -> SearchResult:
        address = contextual.address
        point = geocode_parts(
            street_number=address.street_number or None,
            street_name=address.street_name or None,
            insee=address.insee or None,
            city=address.city if not address.insee else None,
        )
        doctor = contextual.practitioner
        treating = doctor.idnps if doctor.kind is DoctorParamKind.RPPS else None
        if doctor.kind is DoctorParamKind.TEXT:
            treating = doctor.value
        query = SearchQuery(
            address=address.text,
            insee=address.insee or None,
            speciality=contextual.specialty.text,
            practitioner=treating,
            page=page,
            lrm_origin=contextual.origin,
            preferred_doctor_error=doctor.error_code,
            mode=mode,
        )
        notices: list[str] = []
        speciality: str | None = contextual.specialty.text
        try:
            self.directory_search.resolve_speciality(speciality)
        except UnknownSpeciality:
            notices.append(f"Spécialité « {speciality} » non reconnue : toutes spécialités.")
            speciality = None
        request = SearchRequest(
            point=point,
            speciality=speciality,
            page=page,
            per_page=self.settings.page_size,
            seed=session_seed(query),
            treating_practitioner=treating,
            overbooking=mode is SearchMode.SURNUMERAIRE,
        )
        return await self._run(query, request, notices=tuple(notices), regulator=regulator)

    # -- the search -----------------------------------------------------------------------------
    async def _run(
        self,
        query: SearchQuery,
        request: SearchRequest,
        *,
        notices: tuple[str, ...],
        regulator: Regulator | None = None,
    ) -> SearchResult:
        started = time.perf_counter()
        found = self.directory_search.search(request)
        window = SearchWindow.from_now(self.clock.now())
        sas: FreeSlots = {}
        if request.overbooking:  # no slots needed: these offers take patients without one
            fan_out = FanOutResult(window, (), (), 0.0)
        else:
            fan_out, sas = await asyncio.gather(
                self.aggregator.search(fanout_request(found.cards, window)),
                asyncio.to_thread(self._sas_slots, found.cards, window),
            )
        index = OfferIndex.build(fan_out.offers)
        views = [card_view(card, fan_out, index, sas) for card in found.cards]
        if request.overbooking:
            views = [
                orientable_view(self.directory, card, view)
                for card, view in zip(found.cards, views, strict=True)
            ]
        else:  # editors were asked: say on a card when its editor's flux is deactivated
            views = self.activity.flux_notices(found.cards, views)
        cards = order_page(views)
        code = query.preferred_doctor_error
        if found.treating is not None and found.treating.status is TreatingStatus.NOT_FOUND:
            code = TreatingStatus.NOT_FOUND.value
        all_notices = list(notices)
        if code in PREFERRED_DOCTOR_MESSAGES:
            all_notices.insert(0, PREFERRED_DOCTOR_MESSAGES[code])
        result = SearchResult(
            query=query,
            point=found.point,
            location=found.point.label,
            speciality=query.speciality or "Toutes spécialités",
            radius_km=found.radius_km,
            window=window,
            page=found.page,
            pages=max(found.pages, 1),
            total_cards=found.total,
            cards=tuple(cards),
            editors=tuple(summarize(fan_out.outcomes)),
            outcomes=fan_out.outcomes,
            notices=tuple(all_notices),
            preferred_doctor_code=code,
            fanout_ms=fan_out.elapsed_ms,
            elapsed_ms=(time.perf_counter() - started) * 1000,
            suggestion=switch_suggestion(query.mode, cards, page=found.page, pages=found.pages),
        )
        self.activity.count_search(result, regulator)
        if self.settings.log_searches:
            await asyncio.to_thread(self._log, result)
        return result

    def _sas_slots(self, cards: Sequence[Card], window: SearchWindow) -> FreeSlots:
        owners = {c.practitioner_id for c in cards if isinstance(c, PractitionerCard)}
        owners |= {c.siret for c in cards if isinstance(c, SosCard)}
        if not owners:
            return {}
        return self.agendas.free_slots(window=Window(window.start, window.end), owner_ids=owners)

    def _log(self, result: SearchResult) -> None:
        self.search_log.record(
            query={**result.query.as_params(), "page": result.page},
            total=result.total_cards,
            duration_ms=result.elapsed_ms,
            outcome={e.editor: e.status.value for e in result.editors if e.status.failed},
        )


# --- pure helpers -------------------------------------------------------------------------------
def locate(query: SearchQuery) -> GeoPoint:
    """The search place from the API's ``address`` / ``insee`` / ``city`` / ``postcode``."""
    from sasref.directory import geocode

    if query.insee:
        return geocode_parts(insee=query.insee, street_name=query.address)
    if query.address:
        extra = " ".join(p for p in (query.postcode, query.city) if p and p not in query.address)
        return geocode(f"{query.address} {extra}".strip())
    if query.postcode or query.city:
        return geocode_parts(postal_code=query.postcode, city=query.city)
    raise InvalidInput("a place is required: address, insee, city or postcode")


def session_seed(query: SearchQuery) -> int:
    """A random-order seed stable for one search (every page), unlike the platform (§8.2)."""
    key = "|".join(f"{k}={v}" for k, v in sorted(replace(query, page=1).as_params().items()))
    return zlib.crc32(key.encode())


def fanout_request(cards: Sequence[Card], window: SearchWindow) -> FanOutRequest:
    """What to ask the editors for a page: interfaced practitioners, CPTS members, SOS SIRETs."""
    practitioners: list[str] = []
    members: list[str] = []
    sirets: list[str] = []
    for card in cards:
        if isinstance(card, PractitionerCard):
            if card.agenda is AgendaKind.EDITOR:
                practitioners.append(card.practitioner_id)
        elif isinstance(card, CptsCard):
            members.extend(m.id for m in card.members if m.agenda is AgendaKind.EDITOR)
        elif isinstance(card, SosCard) and card.agenda is AgendaKind.EDITOR:
            sirets.append(card.siret)
    return FanOutRequest(
        window,
        practitioners=tuple(dict.fromkeys(practitioners)),
        cpts_members=tuple(dict.fromkeys(members)),
        sos_sirets=tuple(dict.fromkeys(sirets)),
    )


__all__ = [
    "PlatformService",
    "fanout_request",
    "locate",
    "session_seed",
]
