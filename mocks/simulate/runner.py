"""The activity simulator: regulators log in, search, book; an editor breaks, then recovers.

Everything goes through the ecosystem's HTTP interfaces, as people and scripts would: the fake
ProSanté Connect login (each regulator the médecin régulateur persona of a SAMU), the platform's
JSON search API with the regulator's session, the editors' booking pages (SSO) for bookings, the
editors' ``/admin/behaviour`` for the fault, and the administration API (API token) to watch the
broken editor's flux. In process (:class:`~mocks.simulate.targets.InProcessTarget`) a day takes
seconds on the injected clock; live (:class:`~mocks.simulate.targets.LiveTarget`) it takes the
time it says.

A search meant to book that shows no slot takes the switch the answer suggests: the
surnuméraire list, then an orientation en surnuméraire (``POST /api/v1/orientations``). The
platform counts a booked editor slot as an appointment and an orientation, an orientation en
surnuméraire as an orientation.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from html import unescape
from typing import Any

import httpx

from mocks.editor_booking.driver import Browser, csrf_of, form_action
from mocks.psc.personas import samu_persona_key
from mocks.simulate.plan import (
    FAULT_PATCHES,
    HEAL_PATCH,
    Plan,
    PlannedSearch,
    SimulationSettings,
    make_plan,
)
from mocks.simulate.targets import Target
from sasref.clock import PARIS

_SESSION_CODE = r'name="session_code" value="([^"]+)"'
_PSC_ACTION = r'<form[^>]*method="post" action="([^"]+)"'
_FIRST_NAMES = ("Camille", "Louis", "Inès", "Hugo", "Chloé", "Jules", "Léa", "Adam", "Zoé", "Noah")
_LAST_NAMES = ("MARTIN", "BERNARD", "PETIT", "DURAND", "LEROY", "MOREAU", "SIMON", "LAURENT")


@dataclass(frozen=True, slots=True)
class FluxSnapshot:
    """The broken editor's health as the administration API showed it."""

    minute: float
    at: datetime
    state: str
    control: str
    alerts: tuple[str, ...]


@dataclass
class SimulationReport:
    settings: SimulationSettings
    started: datetime
    ended: datetime | None = None
    searches: int = 0
    failed_searches: int = 0
    slots_shown: int = 0
    bookings: int = 0
    failed_bookings: int = 0
    #: Searches per SAMU of the regulator who ran them (the with-slots and surnuméraire lists).
    searches_by_samu: Counter[str] = field(default_factory=Counter)
    #: Surnuméraire lists opened from a with-slots search that had no slot to book.
    switches: int = 0
    #: Orientations en surnuméraire, made when a search meant to book showed no slot.
    orientations: int = 0
    failed_orientations: int = 0
    editor: str | None = None  # the broken one
    broken_at: datetime | None = None
    healed_at: datetime | None = None
    #: The broken editor's flux each time it changed (state, control or open alerts).
    flux: list[FluxSnapshot] = field(default_factory=list)
    transitions: list[dict[str, Any]] = field(default_factory=list)
    alerts: list[dict[str, Any]] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    #: Every editor call of every search: (minute of the run, editor, outcome status).
    calls: list[tuple[float, str, str]] = field(default_factory=list)

    def first(self, state: str) -> FluxSnapshot | None:
        return next((s for s in self.flux if s.state == state), None)

    def _moved(self, state: str, after: str | None = None) -> str | None:
        for move in self.transitions:
            if move["to_state"] == state and (after is None or move["at"] > after):
                return str(move["at"])
        return None

    def summary(self) -> dict[str, Any]:
        """The run in a few figures; times of the broken editor's alert and transitions come
        from the platform's stored history."""
        deactivated = self._moved("deactivated")
        reactivated = self._moved("active", deactivated) if deactivated else None
        first_alert = min((str(a["opened_at"]) for a in self.alerts), default=None)
        return {
            "searches": self.searches,
            "failed searches": self.failed_searches,
            "slots shown": self.slots_shown,
            "bookings": self.bookings,
            "failed bookings": self.failed_bookings,
            "orientations": self.orientations,
            "failed orientations": self.failed_orientations,
            "broken editor": self.editor,
            "broken at": _hm(self.broken_at),
            "first alert at": _hm(_parse(first_alert)),
            "deactivated at": _hm(_parse(deactivated)),
            "healed at": _hm(self.healed_at),
            "reactivated at": _hm(_parse(reactivated)),
        }


def _parse(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text).astimezone(PARIS)


def _hm(moment: datetime | None) -> str | None:
    return None if moment is None else moment.strftime("%d/%m %H:%M")


Progress = Callable[[float, SimulationReport], None]


class Simulator:
    """Runs one :class:`SimulationSettings` against a :class:`Target` (see the module)."""

    def __init__(
        self,
        target: Target,
        settings: SimulationSettings,
        *,
        on_progress: Progress | None = None,
        plan: Plan | None = None,
    ) -> None:
        self.target = target
        self.settings = settings
        self.plan = plan or make_plan(settings)
        self.on_progress = on_progress
        self.rng = random.Random(settings.seed + 1)
        self.report = SimulationReport(settings, started=target.now())
        self.browsers: dict[int, Browser] = {}
        self.admin = target.client()
        self.editor_roots: dict[str, str] = {}
        self.slots_by_editor: Counter[str] = Counter()
        self.places_by_editor: dict[str, list[str]] = {}
        self.broken = False

    # -- set up ---------------------------------------------------------------------------------
    async def _editors(self) -> None:
        response = await self.admin.get(
            f"{self.target.sas_url}/api/v1/editors", headers=self.target.api_headers
        )
        response.raise_for_status()
        for editor in response.json():
            base = str(editor["base_url"])
            self.editor_roots[editor["name"]] = base.removesuffix("/fhir")

    async def _login(self, regulator: int) -> Browser:
        """The médecin régulateur persona of the regulator's SAMU on the fake PSC page (the SAS
        knows their SAMU: the indicators count them there, INT_L02 reaches their LRM); without
        that persona (a PSC of other personas), the manual form: a médecin régulateur
        (codeProfession 10, regulation rights) the SAS has no SAMU for."""
        import re

        browser = Browser(self.target.client())
        sas = self.target.sas_url
        start = await browser.request("GET", f"{sas}/login")
        authorize = str(httpx.URL(f"{sas}/login").join(start.headers["location"]))
        page = await browser.request("GET", authorize)
        code, action = re.search(_SESSION_CODE, page.text), re.search(_PSC_ACTION, page.text)
        if code is None or action is None:
            raise RuntimeError(f"no PSC login page at {authorize} ({page.status_code})")
        samu = self.plan.samu_of(regulator)
        persona = samu_persona_key(samu) if samu is not None else None
        if persona is not None and f'data-persona="{persona}"' in page.text:
            target = str(httpx.URL(authorize).join(unescape(action.group(1))))
            data = {"session_code": unescape(code.group(1)), "persona": persona}
            page, _ = await browser.follow(target, method="POST", data=data)
            if page.status_code != 200:
                raise RuntimeError(f"login of {persona} failed ({page.status_code})")
            return browser
        seed = self.settings.seed
        data = {
            "session_code": unescape(code.group(1)),
            "persona": "manual",
            "SubjectNameID": f"ANS2026{seed % 10_000:04d}{regulator:06d}",
            "given_name": _FIRST_NAMES[(seed + regulator) % len(_FIRST_NAMES)],
            "family_name": f"{_LAST_NAMES[regulator % len(_LAST_NAMES)]}-{regulator + 1}",
            "Email": f"regulateur-{seed}-{regulator + 1}@sas.test",
            "codeProfession": "10",
            "Acces_Regulation_Medicale": "VRAI",
        }
        target = str(httpx.URL(authorize).join(unescape(action.group(1))))
        page, _ = await browser.follow(target, method="POST", data=data)
        if page.status_code != 200:
            raise RuntimeError(f"login of regulator {regulator} failed ({page.status_code})")
        return browser

    async def _browser(self, regulator: int) -> Browser:
        if regulator not in self.browsers:
            self.browsers[regulator] = await self._login(regulator)
        return self.browsers[regulator]

    # -- actions --------------------------------------------------------------------------------
    async def _search(self, planned: PlannedSearch) -> None:
        browser = await self._browser(planned.regulator)
        insee = self._steer(planned.insee)
        url = f"{self.target.sas_url}/api/v1/search"
        response = await browser.http.get(url, params={"insee": insee})
        if response.status_code == 401:  # the session expired: log in again
            self.browsers.pop(planned.regulator, None)
            browser = await self._browser(planned.regulator)
            response = await browser.http.get(url, params={"insee": insee})
        self._count_search(planned.regulator)
        if response.status_code != 200:
            self.report.failed_searches += 1
            return
        body = response.json()
        for e in body["diagnostics"]["editors"]:
            self.report.statuses[e["status"]] += 1
            self.report.calls.append((planned.minute, e["editor"], e["status"]))
        slots = [
            slot for card in body["cards"] for day in card["slots"]["days"] for slot in day["slots"]
        ]
        self.report.slots_shown += len(slots)
        for slot in slots:
            if slot.get("editor"):
                self.slots_by_editor[slot["editor"]] += 1
                seen = self.places_by_editor.setdefault(slot["editor"], [])
                if insee not in seen:
                    seen.append(insee)
        bookable = [s for s in slots if s.get("source") == "editor" and s.get("booking_url")]
        if planned.book and bookable:
            await self._book(browser, self.rng.choice(bookable)["booking_url"], planned.regulator)
        elif planned.book and body.get("suggestion"):  # no slot to book: the switch
            await self._orient(browser, str(body["suggestion"]["url"]), planned.regulator)

    def _count_search(self, regulator: int) -> None:
        self.report.searches += 1
        self.report.searches_by_samu[self.plan.samu_of(regulator) or "inconnu"] += 1

    async def _orient(self, browser: Browser, surnumeraire_url: str, regulator: int) -> None:
        """The surnuméraire list the with-slots answer suggested (a search too), then an
        orientation en surnuméraire to one of its offers, in two hours (or tomorrow morning)."""
        listed = await browser.http.get(self.target.sas_url + surnumeraire_url)
        self._count_search(regulator)
        self.report.switches += 1
        cards = listed.json().get("cards", []) if listed.status_code == 200 else []
        targets = [c["orientation"] for c in cards if c.get("orientation")]
        if not targets:
            return
        when = self.target.now() + timedelta(hours=2)
        if when.date() != self.target.now().date() or when.hour >= 23:
            when = (self.target.now() + timedelta(days=1)).replace(hour=9, minute=0)
        body = {
            **self.rng.choice(targets),
            "date": when.date().isoformat(),
            "time": f"{when.hour:02d}:{when.minute // 15 * 15:02d}",
        }
        made = await browser.http.post(f"{self.target.sas_url}/api/v1/orientations", json=body)
        if made.status_code == 201:
            self.report.orientations += 1
        else:
            self.report.failed_orientations += 1

    def _steer(self, insee: str) -> str:
        """While an editor is broken, half the searches go where it showed slots (so its
        failures are seen often enough to be judged)."""
        places = self.places_by_editor.get(self.report.editor or "")
        if self.broken and places and self.rng.random() < 0.5:
            return self.rng.choice(places)
        return insee

    async def _book(self, browser: Browser, link: str, regulator: int) -> None:
        page, url = await browser.follow(link)
        try:
            action, token = form_action(page.text, url), csrf_of(page.text)
        except LookupError:
            self.report.failed_bookings += 1  # taken meanwhile, or the editor is failing
            return
        patient = {
            "family": self.rng.choice(_LAST_NAMES),
            "given": self.rng.choice(_FIRST_NAMES),
            "birth_date": f"19{self.rng.randrange(40, 99)}-0{self.rng.randrange(1, 9)}-1"
            f"{regulator % 9}",
            "phone": f"06 {self.rng.randrange(10, 99)} {self.rng.randrange(10, 99)} "
            f"{self.rng.randrange(10, 99)} {self.rng.randrange(10, 99)}",
            "csrf_token": token,
        }
        done, _ = await browser.follow(action, method="POST", data=patient)
        if done.status_code == 200:
            self.report.bookings += 1
        else:
            self.report.failed_bookings += 1

    async def _behaviour(self, patch: dict[str, Any]) -> None:
        editor = self.report.editor
        assert editor is not None
        response = await self.admin.put(f"{self.editor_roots[editor]}/admin/behaviour", json=patch)
        response.raise_for_status()

    async def _break(self) -> None:
        editor = self.settings.editor
        if editor is None:
            ranked = self.slots_by_editor.most_common(1)
            editor = ranked[0][0] if ranked else sorted(self.editor_roots)[0]
        if editor not in self.editor_roots:
            raise ValueError(f"no editor named {editor!r} on the platform")
        self.report.editor = editor
        await self._behaviour(FAULT_PATCHES[self.settings.fault])
        self.broken, self.report.broken_at = True, self.target.now()

    async def _heal(self) -> None:
        await self._behaviour(HEAL_PATCH)
        self.broken, self.report.healed_at = False, self.target.now()

    async def _watch(self, minute: float) -> None:
        editor = self.report.editor
        if editor is None:
            return
        response = await self.admin.get(
            f"{self.target.sas_url}/api/v1/monitoring/editors/{editor}",
            headers=self.target.api_headers,
        )
        if response.status_code != 200:
            return
        health = response.json()
        snapshot = FluxSnapshot(
            minute,
            self.target.now(),
            health["state"],
            health["control"],
            tuple(sorted(a["kind"] for a in health["open_alerts"])),
        )
        last = self.report.flux[-1] if self.report.flux else None
        if last is None or (last.state, last.control, last.alerts) != (
            snapshot.state,
            snapshot.control,
            snapshot.alerts,
        ):
            self.report.flux.append(snapshot)

    # -- the run --------------------------------------------------------------------------------
    async def run(self) -> SimulationReport:
        await self._editors()
        plan = self.plan
        events: list[tuple[float, int, str, PlannedSearch | None]] = [
            (s.minute, 1, "search", s) for s in plan.searches
        ]
        if plan.break_at is not None and plan.heal_at is not None:
            events += [(plan.break_at, 0, "break", None), (plan.heal_at, 0, "heal", None)]
        events.append((self.settings.minutes, 2, "end", None))
        events.sort(key=lambda e: (e[0], e[1]))
        for minute, _, kind, planned in events:
            await self.target.advance_to(minute)
            if kind == "break":
                await self._break()
            elif kind == "heal":
                await self._heal()
            elif planned is not None:
                await self._search(planned)
                if planned.book:
                    await self.target.settle()
            await self._watch(minute)
            if self.on_progress is not None:
                self.on_progress(minute, self.report)
        await self.target.settle()
        await self._history()
        self.report.ended = self.target.now()
        return self.report

    async def _history(self) -> None:
        if self.report.editor is None:
            return
        params = {"editor": self.report.editor}
        base, headers = self.target.sas_url, self.target.api_headers
        moves = await self.admin.get(
            f"{base}/api/v1/monitoring/transitions", params=params, headers=headers
        )
        alerts = await self.admin.get(
            f"{base}/api/v1/monitoring/alerts", params=params, headers=headers
        )
        if moves.status_code == 200:
            self.report.transitions = list(reversed(moves.json()))
        if alerts.status_code == 200:
            self.report.alerts = list(reversed(alerts.json()))


__all__ = ["FluxSnapshot", "SimulationReport", "Simulator"]
