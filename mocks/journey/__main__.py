"""``python -m mocks.journey``: the journey demo alone (see :func:`mocks.journey.demo.main`)."""

from __future__ import annotations

from mocks.journey.demo import main

raise SystemExit(main())
