"""The RabbitMQ the tests may use: ``SASREF_TEST_AMQP_URL`` (``scripts/system-deps`` writes it to
``scripts/services.env``). Without it the tests skip loudly, or fail when
``SASREF_REQUIRE_SERVICES=1`` (CI must run everything)."""

from __future__ import annotations

import os
import uuid

import pytest


def amqp_url() -> str:
    url = os.environ.get("SASREF_TEST_AMQP_URL")
    if not url:
        reason = (
            "!!! RabbitMQ NOT TESTED: SASREF_TEST_AMQP_URL is not set "
            "(run `sudo bash scripts/system-deps; source scripts/services.env`) !!!"
        )
        if os.environ.get("SASREF_REQUIRE_SERVICES") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    return url


def run_tag() -> str:
    """A fresh tag for the exchange, dispatch queue and queue namespace of one test: runs of the
    suite sharing the broker (other worktrees, CI) never see each other's messages."""
    return uuid.uuid4().hex[:8]
