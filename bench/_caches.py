"""Emptying the reader's caches, for the benchmark rows about answers never seen before.

The profile check and the Bundle walk keep per-distinct-entry verdicts, slot readings and parsed
instants (an editor sends mostly the same resources search after search). A row measuring a
document seen for the first time empties them before each run.
"""

from __future__ import annotations


def forget_reader_caches() -> None:
    """Empty the caches that make a known answer cheap to re-read (entry verdicts, reference
    lookup keys, instants, slot readings, instant texts)."""
    from sasref.aggregator import consolidate
    from sasref.profiles import common, entries, references
    from sasref.search import walk

    entries.ENTRY_VERDICTS.clear()
    references.lookup_keys.cache_clear()
    common._parse_instant_text.cache_clear()
    walk._parse_datetime.cache_clear()
    walk._SLOTS.clear()
    consolidate._iso_ms.cache_clear()
