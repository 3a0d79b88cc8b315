"""The SAS platform (FastAPI): search API, regulator pages, LRM contextual entry.

``create_app(PlatformSettings(...))`` builds one; see :mod:`.app`.
"""

from __future__ import annotations

from sasref.platform.app import create_app
from sasref.platform.settings import PlatformSettings, default_lrm_origins

__all__ = ["PlatformSettings", "create_app", "default_lrm_origins"]
