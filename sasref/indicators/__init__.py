"""Activity indicators of the platform, stored per day (issue 12; seed slides' key figures).

* :mod:`.recorder` — :class:`IndicatorRecorder`: ``record_search``, ``record_orientation``,
  ``record_appointment`` (memory, then the database behind the requests);
* :mod:`.query` — the ``/api/v1/indicators`` parameters and the CSV rendering;
* the rollups themselves: :class:`sasref.storage.IndicatorRepository`.
"""

from __future__ import annotations

from sasref.indicators.query import (
    GROUPINGS,
    MAX_DAYS,
    IndicatorQuery,
    fill_days,
    parse_indicator_query,
    to_csv,
)
from sasref.indicators.recorder import (
    CARD_USE_CASES,
    CATEGORY_USE_CASES,
    SAS_AGENDA,
    UNKNOWN_SAMU,
    USE_CASES,
    IndicatorRecorder,
    samu_key,
)

__all__ = [
    "CARD_USE_CASES",
    "CATEGORY_USE_CASES",
    "GROUPINGS",
    "MAX_DAYS",
    "SAS_AGENDA",
    "UNKNOWN_SAMU",
    "USE_CASES",
    "IndicatorQuery",
    "IndicatorRecorder",
    "fill_days",
    "parse_indicator_query",
    "samu_key",
    "to_csv",
]
