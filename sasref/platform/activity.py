"""What the platform watches and counts around its searches (issue 12), in one place.

:class:`PlatformActivity` holds the editor monitoring (:class:`~sasref.monitoring.EditorMonitor`,
the aggregator's gate), the activity indicators (:class:`~sasref.indicators.IndicatorRecorder`)
and the ``/metrics`` registry, and the few platform-specific pieces they need:

* the probe of a deactivated editor (its learned or declared practitioner, through a one-editor
  aggregator: :mod:`sasref.monitoring.probe`);
* the "flux éditeur désactivé" label of the result cards (:mod:`sasref.monitoring.cards`);
* who to count an event for: the SAMU (the regulator account's, else the LRM that launched the
  search, else unknown), the use case (card kind, orientation category), the editor;
* :meth:`on_appointment`, the appointment stack's hook (INT_R03 appointments counted).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace

from sqlalchemy import Engine

from sasref.aggregator import Aggregator, EditorOutcome, EditorRegistry, SearchWindow
from sasref.appointments.service import Accepted
from sasref.auth import Regulator
from sasref.clock import Clock
from sasref.directory import Card, Directory
from sasref.indicators import CARD_USE_CASES, CATEGORY_USE_CASES, SAS_AGENDA, IndicatorRecorder
from sasref.lrm.from_fhir import effector_idnps
from sasref.monitoring import EditorMonitor, MonitoringSettings, flux_notice, probe, probe_target
from sasref.monitoring.metrics import platform_registry
from sasref.platform.results import CardView, SearchResult
from sasref.storage import IndicatorRepository, MonitoringRepository

#: A regulator's technical id → the département of their SAMU (``None``: unknown).
SamuLookup = Callable[[str], str | None]


class PlatformActivity:
    """See the module docstring. Built before the aggregator (the monitor is its gate), then
    :meth:`attach`-ed to it."""

    def __init__(
        self,
        engine: Engine,
        *,
        clock: Clock,
        registry: EditorRegistry,
        directory: Directory,
        monitoring: MonitoringSettings,
        indicators_interval: float | None,
        regulator_samu: SamuLookup | None = None,
    ) -> None:
        self.clock = clock
        self.registry = registry
        self.directory = directory
        self.regulator_samu = regulator_samu
        self._aggregator: Aggregator | None = None
        self.monitor = EditorMonitor(
            MonitoringRepository(engine, clock=clock),
            monitoring,
            clock=clock,
            prober=self._probe,
            editors=lambda: [e.name for e in registry],
        )
        self.monitor.restore()
        self.indicators = IndicatorRecorder(
            IndicatorRepository(engine, clock=clock), clock=clock, interval=indicators_interval
        )
        self.metrics = platform_registry(self.monitor, self.indicators)

    def attach(self, aggregator: Aggregator) -> None:
        self._aggregator = aggregator

    @property
    def aggregator(self) -> Aggregator:
        if self._aggregator is None:
            raise RuntimeError("PlatformActivity.attach(aggregator) was not called")
        return self._aggregator

    async def aclose(self) -> None:
        await self.monitor.aclose()
        await self.indicators.aclose()

    # -- monitoring -----------------------------------------------------------------------------
    def flux_notices(self, cards: Sequence[Card], views: Iterable[CardView]) -> list[CardView]:
        """The views of ``cards``, those whose editor's flux is deactivated saying so."""
        routing, asks = self.aggregator.routing, self.monitor.asks
        out = []
        for card, view in zip(cards, views, strict=True):
            notice = flux_notice(card, routing, asks)
            out.append(view if notice is None else replace(view, details=(*view.details, notice)))
        return out

    async def _probe(self, name: str) -> EditorOutcome | None:
        editor = self.registry.get(name)
        if editor is None:
            return None
        target = probe_target(editor, self.aggregator.routing, self.directory)
        if target is None:
            return None
        window = SearchWindow.from_now(self.clock.now())
        return await probe(self.aggregator, editor, *target, window)

    # -- indicators -----------------------------------------------------------------------------
    def samu_of(self, regulator: Regulator | None, lrm_origin: str | None = None) -> str | None:
        """The SAMU an event is counted for: the regulator account's, else the LRM that launched
        the search (``samu33``), else ``None`` (counted as unknown)."""
        if regulator is not None and self.regulator_samu is not None:
            department = self.regulator_samu(regulator.technical_id)
            if department:
                return department
        return lrm_origin

    def editor_of(self, practitioner_id: str | None) -> str | None:
        """The editor serving a practitioner: learned routing, else the directory."""
        if not practitioner_id:
            return None
        learned = sorted(self.aggregator.routing["ps"].editors_of(practitioner_id))
        if learned:
            return learned[0]
        p = self.directory.practitioners.get(practitioner_id)
        return p.editor if p is not None else None

    def count_search(self, result: SearchResult, regulator: Regulator | None) -> None:
        """A search shown: per SAMU, per use case on the page, per editor asked (slots shown
        from each; SAS-agenda slots under :data:`~sasref.indicators.SAS_AGENDA`)."""
        by_use_case: dict[str, int] = {}
        by_editor: dict[str, int] = {e.editor: 0 for e in result.editors}
        for card in result.cards:
            use_case = CARD_USE_CASES.get(card.kind, card.kind)
            by_use_case[use_case] = by_use_case.get(use_case, 0) + card.slots.total
            for day in card.slots.days:
                for slot in day.slots:
                    editor = slot.editor if slot.source == "editor" and slot.editor else SAS_AGENDA
                    by_editor[editor] = by_editor.get(editor, 0) + 1
        self.indicators.record_search(
            samu=self.samu_of(regulator, result.lrm_origin),
            slots_by_use_case=by_use_case,
            slots_by_editor=by_editor,
        )

    async def on_appointment(self, accepted: Accepted) -> None:
        """The appointment stack's hook: an INT_R03 appointment (first version) counted for the
        regulator's SAMU, its orientation category and the practitioner's editor."""
        if not accepted.created:
            return
        appointment = accepted.appointment
        category = appointment.orientation_category or "PS"
        self.indicators.record_appointment(
            samu=accepted.regulator.samu_department,
            use_case=CATEGORY_USE_CASES.get(category, category.lower()),
            editor=self.editor_of(effector_idnps(appointment.resource)),
        )


__all__ = ["PlatformActivity", "SamuLookup"]
