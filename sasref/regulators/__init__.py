"""Regulator accounts and their push to editors (INT_R02, IG digest §3).

:mod:`sasref.regulators.model` (accounts keyed by national id or SAS technical UUID),
:mod:`sasref.regulators.bodies` (``FrPractitionerRegul`` bodies), :mod:`sasref.regulators.registry`
(an in-memory account registry), :mod:`sasref.regulators.samu` (which SAMU each regulator works
for: the SAS's own directory, INT_L02 routing), :mod:`sasref.regulators.sync` (the INT_R02 client:
lazy create/update at login, immediate deactivation, identifier change, retries, per-editor state).
"""

from __future__ import annotations

from sasref.regulators.bodies import practitioner_regul_body
from sasref.regulators.model import RegulatorAccount
from sasref.regulators.registry import RegulatorRegistry
from sasref.regulators.samu import SamuDirectory
from sasref.regulators.sync import EditorSyncState, EditorTarget, RegulatorSync, SyncStatus

__all__ = [
    "EditorSyncState",
    "EditorTarget",
    "RegulatorAccount",
    "RegulatorRegistry",
    "RegulatorSync",
    "SamuDirectory",
    "SyncStatus",
    "practitioner_regul_body",
]
