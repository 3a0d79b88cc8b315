"""Fake LRM (SAMU regulation software): INT_L02 consumer (:mod:`mocks.lrm.service`) and a small
web app (:mod:`mocks.lrm.app`) to inspect what it received and open INT_L01 search links.
"""

from __future__ import annotations

from mocks.lrm.app import LrmSettings, create_app
from mocks.lrm.service import FakeLrm, HistoryEntry, LrmAppointment

__all__ = ["FakeLrm", "HistoryEntry", "LrmAppointment", "LrmSettings", "create_app"]
