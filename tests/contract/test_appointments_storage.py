"""The INT_R03 service on the SQL storage (``sasref.storage.AppointmentRepository``, SQLite):
what was accepted survives a restart of the service (a new store on the same database)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from _shared import require_shared

from sasref.appointments.service import AppointmentService
from sasref.appointments.store import RepositoryAppointmentStore
from sasref.clock import PARIS, FixedClock
from sasref.lrm.from_fhir import sas_appointment_id
from sasref.regulators import RegulatorAccount, RegulatorRegistry
from sasref.storage import AppointmentRepository, create_engine_from_url, init_db

EDITOR_SYSTEM = "urn:oid:1.1.111.1.11.1.1.1"
APPT_ID = "b6e39355-8a61-4556-b340-36f7b95fec6a"


async def test_upsert_persists_across_restart(tmp_path: Path) -> None:
    folder = require_shared("ig", "ans.fhir.fr.sas-1.2.0", "example")
    created = (folder / "Appointment-1.json").read_bytes()
    cancelled = (folder / "Appointment-2.json").read_bytes()
    engine = create_engine_from_url(f"sqlite:///{tmp_path / 'sas.sqlite3'}")
    init_db(engine)
    clock = FixedClock(datetime(2022, 9, 4, 10, 5, tzinfo=PARIS))
    regulators = RegulatorRegistry(
        [RegulatorAccount("0b3f7c58-4f0e-4a55-9d4c-1a2b3c4d5e6f", "RICART", "Pauline",
                          "p@ghsas.fr", national_id="3456780581/11242343")]
    )  # fmt: skip

    def service() -> AppointmentService:
        store = RepositoryAppointmentStore(AppointmentRepository(engine, clock=clock))
        return AppointmentService(store, regulators, clock)

    first = await service().receive(created, base_url="https://sas.test/fhir")
    assert first.status_code == 201
    # the SAS restarts: a new service, same database; the update is an update, not a create
    restarted = service()
    second = await restarted.receive(
        cancelled, base_url="https://sas.test/fhir",
        query_identifier=f"{EDITOR_SYSTEM}|{APPT_ID}", put=True,
    )  # fmt: skip
    assert second.status_code == 200
    assert second.location == first.location
    stored = await restarted.store.get(EDITOR_SYSTEM, APPT_ID)
    assert stored is not None
    assert stored.id == sas_appointment_id(EDITOR_SYSTEM, APPT_ID)
    assert (stored.status, stored.version) == ("cancelled", 2)
    assert [s for s, _ in stored.status_history] == ["booked", "cancelled"]
    assert json.loads(cancelled)["status"] == stored.resource["status"]
    # GET by the SAS id works after yet another restart (the id is derived from the key)
    read = await service().read(stored.id)
    assert read.status_code == 200 and read.body["status"] == "cancelled"
    assert (await service().read("00000000-0000-0000-0000-000000000000")).status_code == 404
    engine.dispose()
