"""Repositories of sasref.storage on SQLite and PostgreSQL (issue 4 item 5)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import Engine

from sasref.clock import PARIS, FixedClock
from sasref.directory.model import EditorInfo
from sasref.errors import ConfigurationError, InvalidInput
from sasref.sasagenda import AgendaSlot, Leave, Modality, SasAgenda, SlotFull, Window
from sasref.storage import (
    AgendaRepository,
    AppointmentRepository,
    EditorRepository,
    RegulatorRepository,
    SearchLogRepository,
    SyncState,
    create_engine_from_url,
    init_db,
)
from sasref.storage.engine import normalize_url

SYSTEM = "urn:oid:1.2.250.1.999.1"


def _appointment(status: str) -> dict[str, object]:
    return {
        "resourceType": "Appointment",
        "status": status,
        "identifier": [{"system": SYSTEM, "value": "rdv-1"}],
        "start": "2026-03-27T14:00:00.000+01:00",
    }


def test_appointment_upsert_keeps_history(engine: Engine, clock: FixedClock) -> None:
    repo = AppointmentRepository(engine, clock=clock)
    first = repo.upsert(
        identifier_system=SYSTEM,
        identifier_value="rdv-1",
        resource_json=_appointment("booked"),
        practitioner_id="810002345678",
        editor="editeur-01",
    )
    assert first.created and first.status_changed
    clock.advance(timedelta(minutes=5))
    same = repo.upsert(
        identifier_system=SYSTEM, identifier_value="rdv-1", resource_json=_appointment("booked")
    )
    assert not same.created and not same.status_changed
    assert same.record.version == 2
    clock.advance(timedelta(minutes=5))
    cancelled = repo.upsert(
        identifier_system=SYSTEM,
        identifier_value="rdv-1",
        resource_json=_appointment("cancelled"),
        note="patient cancelled",
    )
    assert cancelled.status_changed
    got = repo.get(identifier_system=SYSTEM, identifier_value="rdv-1")
    assert got is not None
    assert got.status == "cancelled" and got.version == 3
    assert got.practitioner_id == "810002345678" and got.editor == "editeur-01"
    assert [h.status for h in got.history] == ["booked", "cancelled"]
    assert got.history[1].note == "patient cancelled"
    assert got.history[1].at == clock.now()
    assert got.resource["status"] == "cancelled"
    assert got.created_at.tzinfo is not None


def test_appointment_identity_is_system_and_value(engine: Engine, clock: FixedClock) -> None:
    repo = AppointmentRepository(engine, clock=clock)
    repo.upsert(
        identifier_system=SYSTEM, identifier_value="a", resource_json=_appointment("booked")
    )
    repo.upsert(
        identifier_system="urn:other", identifier_value="a", resource_json=_appointment("booked")
    )
    clock.advance(timedelta(minutes=1))
    repo.upsert(
        identifier_system=SYSTEM, identifier_value="b", resource_json=_appointment("fulfilled")
    )
    assert repo.get(identifier_system=SYSTEM, identifier_value="zzz") is None
    all_ = repo.list()
    assert len(all_) == 3
    assert all_[0].identifier_value == "b"  # most recently updated first
    assert [r.identifier_value for r in repo.list(status="fulfilled")] == ["b"]
    assert len(repo.list(limit=2)) == 2
    assert len(repo.list(updated_since=clock.now())) == 1
    with pytest.raises(InvalidInput):
        repo.upsert(identifier_system="", identifier_value="x", resource_json={})


def test_regulators_and_sync_state(engine: Engine, clock: FixedClock) -> None:
    repo = RegulatorRepository(engine, clock=clock)
    reg = repo.upsert(national_id="810001234567", family="Martin", given="Anne", email="a@sas.fr")
    assert reg.active and reg.technical_id
    repo.set_sync_state(regulator_id=reg.id, editor="e1", state=SyncState.SYNCED, remote_id="r1")
    repo.set_sync_state(regulator_id=reg.id, editor="e2", state=SyncState.FAILED, error="HTTP 500")
    got = repo.get(national_id="810001234567")
    assert got is not None and got.sync_state("e1") is SyncState.SYNCED
    assert [r.national_id for r in repo.pending_for(editor="e1")] == []
    assert [r.national_id for r in repo.pending_for(editor="e2")] == ["810001234567"]
    # A change of identity data must be pushed again to every editor.
    repo.upsert(national_id="810001234567", family="Martin", given="Anne", email="new@sas.fr")
    assert repo.get(id=reg.id).sync_state("e1") is SyncState.PENDING  # type: ignore[union-attr]
    assert repo.set_active(national_id="810001234567", active=False)
    assert not repo.set_active(national_id="unknown", active=False)
    assert repo.list(active=True) == []
    assert repo.get(technical_id=reg.technical_id) is not None
    with pytest.raises(InvalidInput):
        repo.set_sync_state(regulator_id="nope", editor="e1", state=SyncState.SYNCED)


def test_editor_registry_and_learned_mapping(engine: Engine, clock: FixedClock) -> None:
    repo = EditorRepository(engine, clock=clock)
    n = repo.upsert_many(
        editors=[
            EditorInfo("e1", "Soft 1", "http://e1/fhir"),
            EditorInfo("e2", "Soft 2", "http://e2/fhir", frozenset({"ps", "sos"})),
        ]
    )
    assert n == 2
    assert [e.name for e in repo.list(use_case="sos")] == ["e2"]
    repo.upsert(name="e1", software="Soft 1b", base_url="http://e1b/fhir", enabled=False)
    assert [e.name for e in repo.list(enabled=True)] == ["e2"]
    e1 = repo.get(name="e1")
    assert e1 is not None and e1.info().base_url == "http://e1b/fhir"
    repo.learn(practitioner_id="810000000001", editor="e1")
    repo.learn(practitioner_id="810000000001", editor="e2")
    repo.learn(practitioner_id="810000000001", editor="e2")  # idempotent
    repo.learn(practitioner_id="810000000002", editor="e2")
    ids = [f"8100000{i:05d}" for i in range(1200)]  # more than one IN chunk
    mapping = repo.mapping(practitioner_ids=ids)
    assert mapping == {"810000000001": ["e1", "e2"], "810000000002": ["e2"]}
    assert repo.forget(practitioner_id="810000000001", editor="e1") == 1
    assert repo.editors_for(practitioner_id="810000000001") == ["e2"]
    assert repo.remove(name="e2")
    assert repo.editors_for(practitioner_id="810000000002") == []
    assert repo.get(name="e2") is None


def test_search_log(engine: Engine, clock: FixedClock) -> None:
    repo = SearchLogRepository(engine, clock=clock)
    repo.record(query={"commune": "33063"}, total=12, duration_ms=3.5)
    clock.advance(timedelta(seconds=1))
    repo.record(query={"commune": "75056"}, total=0, regulator_id="r1", outcome={"e1": "timeout"})
    recent = repo.recent()
    assert [e.query["commune"] for e in recent] == ["75056", "33063"]
    assert recent[0].outcome == {"e1": "timeout"}


def _agenda() -> SasAgenda:
    return SasAgenda(
        id="ag-1",
        owner_id="810000000001",
        place_id="place-1",
        slots=(
            AgendaSlot("s1", date(2026, 3, 27), time(14), time(15), max_patients=2),
            AgendaSlot(
                "r1",
                date(2026, 3, 2),
                time(9),
                time(9, 30),
                modalities=(Modality.PHYSICAL, Modality.TELECONSULTATION),
                weekday=6,  # Saturdays
            ),
        ),
        leaves=(Leave(datetime(2026, 4, 10, tzinfo=PARIS), datetime(2026, 4, 20, tzinfo=PARIS)),),
        additional_info="Sonner deux fois",
    )


def test_agenda_round_trip_and_orientation(engine: Engine, clock: FixedClock) -> None:
    repo = AgendaRepository(engine, clock=clock)
    repo.save(agenda=_agenda())
    loaded = repo.get(agenda_id="ag-1")
    assert loaded == _agenda()
    assert repo.get(agenda_id="missing") is None
    # Capacity: a plage for 2 patients takes two orientations, then is full.
    assert repo.orient(agenda_id="ag-1", slot_id="s1", day=date(2026, 3, 27)) == 1
    assert repo.orient(agenda_id="ag-1", slot_id="s1", day=date(2026, 3, 27), regulator_id="r") == 0
    with pytest.raises(SlotFull):
        repo.orient(agenda_id="ag-1", slot_id="s1", day=date(2026, 3, 27))
    with pytest.raises(InvalidInput):
        repo.orient(agenda_id="nope", slot_id="s1", day=date(2026, 3, 27))
    with pytest.raises(InvalidInput):  # not a Saturday
        repo.orient(agenda_id="ag-1", slot_id="r1", day=date(2026, 3, 27))
    window = Window(clock.now(), datetime(2026, 3, 29, 23, 59, 59, tzinfo=PARIS))
    free = repo.free_slots(window=window, owner_ids=["810000000001"])
    assert [(f.slot_id, f.day) for f in free[("810000000001", "place-1")]] == [
        ("r1", date(2026, 3, 28))
    ]
    # Saving the definition again keeps the orientations.
    repo.save(agenda=_agenda())
    assert repo.get(agenda_id="ag-1").booked("s1", date(2026, 3, 27)) == 2  # type: ignore[union-attr]


def test_agenda_editing_operations(engine: Engine, clock: FixedClock) -> None:
    repo = AgendaRepository(engine, clock=clock)
    repo.save(agenda=_agenda())
    repo.disable_occurrence(agenda_id="ag-1", slot_id="r1", day=date(2026, 3, 28))
    repo.add_slot(agenda_id="ag-1", slot=AgendaSlot("d2", date(2026, 3, 29), time(10), time(11)))
    with pytest.raises(InvalidInput):
        repo.add_slot(
            agenda_id="ag-1", slot=AgendaSlot("d2", date(2026, 3, 29), time(10), time(11))
        )
    window = Window(clock.now(), datetime(2026, 3, 29, 23, 59, 59, tzinfo=PARIS))
    free = repo.free_slots(window=window, place_ids=["place-1"])[("810000000001", "place-1")]
    assert [f.slot_id for f in free] == ["s1", "d2"]
    repo.disable_occurrence(
        agenda_id="ag-1", slot_id="r1", day=date(2026, 4, 4), all_following=True
    )
    agenda = repo.get(agenda_id="ag-1")
    assert agenda is not None and agenda.slot("r1").until == date(2026, 4, 4)
    with pytest.raises(InvalidInput):
        repo.disable_occurrence(
            agenda_id="ag-1", slot_id="s1", day=date(2026, 3, 27), all_following=True
        )
    repo.add_leave(
        agenda_id="ag-1",
        leave=Leave(datetime(2026, 3, 29, 0, tzinfo=UTC), datetime(2026, 3, 30, tzinfo=UTC)),
    )
    free = repo.free_slots(window=window)[("810000000001", "place-1")]
    assert [f.slot_id for f in free] == ["s1"]
    repo.set_vacation_mode(agenda_id="ag-1", on=True)
    assert repo.free_slots(window=window) == {}
    repo.remove_slot(agenda_id="ag-1", slot_id="d2")
    assert [s.id for s in repo.get(agenda_id="ag-1").slots] == ["s1", "r1"]  # type: ignore[union-attr]
    assert repo.delete(agenda_id="ag-1")
    assert not repo.delete(agenda_id="ag-1")
    assert repo.find() == []


def test_init_db_is_idempotent_and_urls_are_checked(tmp_path: object) -> None:
    eng = create_engine_from_url("sqlite://")
    init_db(eng)
    init_db(eng)
    eng.dispose()
    assert normalize_url("postgresql://u:p@h/db") == "postgresql+psycopg://u:p@h/db"
    with pytest.raises(ConfigurationError):
        normalize_url("mysql://u@h/db")
    with pytest.raises(ConfigurationError):
        normalize_url("not a url")


def test_concurrent_orientations_never_overbook(engine: Engine, clock: FixedClock) -> None:
    from concurrent.futures import ThreadPoolExecutor

    repo = AgendaRepository(engine, clock=clock)
    repo.save(agenda=_agenda())  # slot s1: a plage for 2 patients on 27 March

    def book(_: int) -> str:
        try:
            repo.orient(agenda_id="ag-1", slot_id="s1", day=date(2026, 3, 27))
        except SlotFull:
            return "full"
        return "ok"

    with ThreadPoolExecutor(max_workers=6) as pool:
        outcomes = sorted(pool.map(book, range(6)))
    assert outcomes == ["full"] * 4 + ["ok"] * 2
    assert repo.get(agenda_id="ag-1").booked("s1", date(2026, 3, 27)) == 2  # type: ignore[union-attr]
