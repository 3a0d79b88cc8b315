"""A fake agenda-software editor serving the SAS IG's editor-side flows (issue 3).

``create_app(settings)`` builds a FastAPI app answering INT_R01/INT_R04 (``GET Slot``), the SOS
search (``GET Schedule``), INT_R02 regulator accounts (``Practitioner``) and ``metadata``, with
switchable quirks and faults (``/admin/behaviour``). See :mod:`mocks.editor.app`.
"""

from __future__ import annotations

from mocks.editor.app import create_app
from mocks.editor.behaviour import Behaviour, Faults, Latency, Quirks
from mocks.editor.settings import EditorSettings, EditorState
from mocks.editor.store import AccountStore, EditorShard, SlotStore

__all__ = [
    "AccountStore",
    "Behaviour",
    "EditorSettings",
    "EditorShard",
    "EditorState",
    "Faults",
    "Latency",
    "Quirks",
    "SlotStore",
    "create_app",
]
