"""The sasref tables (SQLAlchemy 2 declarative mapping), all prefixed ``sas_``.

* SAS agenda (spec ``sas-platform-search.md`` §4): agendas, slots (dated / weekly recurring),
  disabled occurrences, leave periods, orientations (bookings consuming capacity).
* Appointments received through INT_R03 (digest §2), keyed by identifier system + value, with
  their status history.
* Orientations "en surnuméraire" made by regulators (spec §4.6, §6.3): no slot, a recipient, a
  date-time; what the SAS forwards to the LRM (INT_L02).
* Regulator accounts and their per-editor synchronisation state.
* The editor registry (editors added through the API) and the aggregator's learned routing
  (identifier → editors, and the negative "nobody knew" entries).
* A search log (audit of searches run on the platform).
* Editor monitoring: flux transitions and alerts; daily activity indicators.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sasref.storage.engine import Base, UtcDateTime

JsonType = JSON().with_variant(JSONB(), "postgresql")


# --- SAS agenda -----------------------------------------------------------------------------
class AgendaRow(Base):
    __tablename__ = "sas_agenda"
    __table_args__ = (UniqueConstraint("owner_id", "place_id", name="uq_sas_agenda_owner_place"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    owner_id: Mapped[str] = mapped_column(String(32), index=True)
    place_id: Mapped[str] = mapped_column(String(64))
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Paris")
    vacation_mode: Mapped[bool] = mapped_column(Boolean, default=False)
    additional_info: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())

    slots: Mapped[list[AgendaSlotRow]] = relationship(
        cascade="all, delete-orphan", order_by="AgendaSlotRow.position"
    )
    disabled: Mapped[list[DisabledOccurrenceRow]] = relationship(cascade="all, delete-orphan")
    leaves: Mapped[list[LeaveRow]] = relationship(
        cascade="all, delete-orphan", order_by="LeaveRow.start"
    )
    orientations: Mapped[list[OrientationRow]] = relationship(cascade="all, delete-orphan")


class AgendaSlotRow(Base):
    __tablename__ = "sas_agenda_slot"

    agenda_id: Mapped[str] = mapped_column(
        ForeignKey("sas_agenda.id", ondelete="CASCADE"), primary_key=True
    )
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)  # keeps the agenda's slot order
    day: Mapped[date] = mapped_column(Date)
    start: Mapped[time] = mapped_column(Time)
    end: Mapped[time] = mapped_column(Time)
    modalities: Mapped[list[str]] = mapped_column(JsonType)
    max_patients: Mapped[int] = mapped_column(Integer, default=-1)
    weekday: Mapped[int | None] = mapped_column(Integer, nullable=True)
    until: Mapped[date | None] = mapped_column(Date, nullable=True)


class DisabledOccurrenceRow(Base):
    __tablename__ = "sas_agenda_disabled"

    agenda_id: Mapped[str] = mapped_column(
        ForeignKey("sas_agenda.id", ondelete="CASCADE"), primary_key=True
    )
    slot_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)


class LeaveRow(Base):
    __tablename__ = "sas_agenda_leave"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    agenda_id: Mapped[str] = mapped_column(
        ForeignKey("sas_agenda.id", ondelete="CASCADE"), index=True
    )
    start: Mapped[datetime] = mapped_column(UtcDateTime())
    end: Mapped[datetime] = mapped_column(UtcDateTime())


class OrientationRow(Base):
    __tablename__ = "sas_orientation"
    __table_args__ = (Index("ix_sas_orientation_occurrence", "agenda_id", "slot_id", "day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    agenda_id: Mapped[str] = mapped_column(ForeignKey("sas_agenda.id", ondelete="CASCADE"))
    slot_id: Mapped[str] = mapped_column(String(64))
    day: Mapped[date] = mapped_column(Date)
    patients: Mapped[int] = mapped_column(Integer, default=1)
    regulator_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


# --- Appointments (INT_R03) -----------------------------------------------------------------
class AppointmentRow(Base):
    __tablename__ = "sas_appointment"
    __table_args__ = (
        UniqueConstraint("identifier_system", "identifier_value", name="uq_sas_appointment_ident"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    identifier_system: Mapped[str] = mapped_column(String(255))
    identifier_value: Mapped[str] = mapped_column(String(255))
    resource: Mapped[dict[str, Any]] = mapped_column(JsonType)
    status: Mapped[str] = mapped_column(String(32), index=True)
    practitioner_id: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    editor: Mapped[str | None] = mapped_column(String(128), nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)

    history: Mapped[list[AppointmentStatusRow]] = relationship(
        cascade="all, delete-orphan", order_by="AppointmentStatusRow.id"
    )


class AppointmentStatusRow(Base):
    __tablename__ = "sas_appointment_status"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    appointment_id: Mapped[int] = mapped_column(
        ForeignKey("sas_appointment.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    note: Mapped[str | None] = mapped_column(Text, nullable=True)


# --- Orientations en surnuméraire -------------------------------------------------------------
class RegulatorOrientationRow(Base):
    """An orientation made by a regulator without a slot (``sasref.orientations``).

    The orientation itself is ``data`` (JSON); the columns are what lists filter on.
    ``idempotency_key`` (regulator-scoped) makes a repeated request return the first orientation.
    """

    __tablename__ = "sas_regulator_orientation"

    row: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)  # order made
    id: Mapped[str] = mapped_column(String(64), unique=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(400), nullable=True, unique=True)
    orientation_type: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), index=True)
    category: Mapped[str] = mapped_column(String(8), index=True)
    recipient_id: Mapped[str] = mapped_column(String(64), index=True)  # effector or structure
    effector_id: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    start: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    regulator_id: Mapped[str] = mapped_column(String(64), index=True)
    data: Mapped[dict[str, Any]] = mapped_column(JsonType)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


# --- Regulators -----------------------------------------------------------------------------
class RegulatorRow(Base):
    __tablename__ = "sas_regulator"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    national_id: Mapped[str] = mapped_column(String(64), unique=True)
    technical_id: Mapped[str] = mapped_column(String(64), unique=True)
    family: Mapped[str] = mapped_column(String(255))
    given: Mapped[str] = mapped_column(String(255))
    email: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())

    sync: Mapped[list[RegulatorSyncRow]] = relationship(
        cascade="all, delete-orphan", order_by="RegulatorSyncRow.editor"
    )


class RegulatorSyncRow(Base):
    __tablename__ = "sas_regulator_sync"

    regulator_id: Mapped[str] = mapped_column(
        ForeignKey("sas_regulator.id", ondelete="CASCADE"), primary_key=True
    )
    editor: Mapped[str] = mapped_column(String(128), primary_key=True)
    state: Mapped[str] = mapped_column(String(32))
    remote_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    last_attempt: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)


# --- Editors --------------------------------------------------------------------------------
class EditorRow(Base):
    __tablename__ = "sas_editor"

    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    software: Mapped[str] = mapped_column(String(255))
    base_url: Mapped[str] = mapped_column(String(1024))
    use_cases: Mapped[list[str]] = mapped_column(JsonType)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class RoutingRow(Base):
    """Learned routing: ``editor`` answered for ``identifier`` (slots, or the resource itself).

    ``scope`` is the aggregator's routing table: ``ps`` (practitioners, INT_R01 and INT_R04
    share it) or ``sos`` (SIRETs of SOS associations).
    """

    __tablename__ = "sas_routing"

    scope: Mapped[str] = mapped_column(String(16), primary_key=True)
    identifier: Mapped[str] = mapped_column(String(64), primary_key=True)
    # No foreign key: the aggregator learns for editors known only from its configuration.
    editor: Mapped[str] = mapped_column(String(128), primary_key=True, index=True)
    learned_at: Mapped[datetime] = mapped_column(UtcDateTime())


class RoutingNobodyRow(Base):
    """Negative routing entry: every editor answered and none knew ``identifier``; it is not
    asked to the whole fleet again before ``until``."""

    __tablename__ = "sas_routing_nobody"

    scope: Mapped[str] = mapped_column(String(16), primary_key=True)
    identifier: Mapped[str] = mapped_column(String(64), primary_key=True)
    until: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


# --- Search log -----------------------------------------------------------------------------
class SearchLogRow(Base):
    __tablename__ = "sas_search_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    regulator_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    query: Mapped[dict[str, Any]] = mapped_column(JsonType)
    total: Mapped[int] = mapped_column(Integer)
    duration_ms: Mapped[float | None] = mapped_column(nullable=True)
    outcome: Mapped[dict[str, Any] | None] = mapped_column(JsonType, nullable=True)


# --- Editor monitoring (sasref.monitoring) ----------------------------------------------------
class EditorTransitionRow(Base):
    """One change of an editor's flux state, with its reason (automatic, or forced by an admin).

    ``control`` says who decides after it: ``auto`` (thresholds and probes) or ``forced``."""

    __tablename__ = "sas_editor_transition"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    editor: Mapped[str] = mapped_column(String(128), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    from_state: Mapped[str] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    control: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    actor: Mapped[str | None] = mapped_column(String(128), nullable=True)


class EditorAlertRow(Base):
    """An alert on an editor's interface (errors, time-outs, latency, invalid Bundles, flux
    deactivated): open while ``resolved_at`` is null."""

    __tablename__ = "sas_editor_alert"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    editor: Mapped[str] = mapped_column(String(128), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    severity: Mapped[str] = mapped_column(String(16))
    message: Mapped[str] = mapped_column(Text)
    value: Mapped[float | None] = mapped_column(nullable=True)
    threshold: Mapped[float | None] = mapped_column(nullable=True)
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    resolution: Mapped[str | None] = mapped_column(Text, nullable=True)


# --- Activity indicators (sasref.indicators) --------------------------------------------------
class IndicatorDayRow(Base):
    """Activity counts of one day for one member of one dimension (``samu`` → ``"33"``,
    ``use_case`` → ``"cpts"``, ``editor`` → ``"editeur-07"``): one-dimensional daily rollups,
    incremented behind the searches and appointments (:mod:`sasref.indicators`)."""

    __tablename__ = "sas_indicator_day"

    dimension: Mapped[str] = mapped_column(String(16), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    item: Mapped[str] = mapped_column(String(128), primary_key=True)
    searches: Mapped[int] = mapped_column(BigInteger, default=0)
    slots_shown: Mapped[int] = mapped_column(BigInteger, default=0)
    orientations: Mapped[int] = mapped_column(BigInteger, default=0)
    appointments: Mapped[int] = mapped_column(BigInteger, default=0)
