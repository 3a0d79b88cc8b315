"""Fake Hub Santé (IG digest §5.1): the routing rules (:mod:`mocks.hub.router`), an in-process
broker (:mod:`mocks.hub.memory`) and a dispatcher for a real RabbitMQ (:mod:`mocks.hub.amqp`).
"""

from __future__ import annotations

from mocks.hub.memory import InMemoryHub, InMemoryTransport
from mocks.hub.router import Delivery, HubRouter

__all__ = ["Delivery", "HubRouter", "InMemoryHub", "InMemoryTransport"]
