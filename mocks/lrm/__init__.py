"""Fake LRMs (SAMU regulation software): a fleet of vendors serving every SAMU
(:mod:`mocks.lrm.fleet`), each SAMU's INT_L02 consumer (:mod:`mocks.lrm.service`), and one web
app per vendor (:mod:`mocks.lrm.app`, pages in :mod:`mocks.lrm.pages`) to inspect what each SAMU
received and open INT_L01 search links with its own ``origin``.
"""

from __future__ import annotations

from mocks.lrm.app import RegulationFile, create_vendor_app, in_process
from mocks.lrm.fleet import DEFAULT_VENDORS, MAX_VENDORS, LrmFleet, LrmVendor, Samu, share_out
from mocks.lrm.service import FakeLrm, HistoryEntry, LrmAppointment

__all__ = [
    "DEFAULT_VENDORS",
    "MAX_VENDORS",
    "FakeLrm",
    "HistoryEntry",
    "LrmAppointment",
    "LrmFleet",
    "LrmVendor",
    "RegulationFile",
    "Samu",
    "create_vendor_app",
    "in_process",
    "share_out",
]
