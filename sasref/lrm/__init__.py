"""The SAS ↔ LRM (SAMU regulation software) flows.

- INT_L02 "redescente" (IG digest §5): :mod:`sasref.lrm.messages` (EDXL-DE envelope, RC-DE
  header, final acks, hub and LRM errors; re-exports :mod:`sasref.lrm.payload`, the
  ``RS-SAS-RDV`` appointment payload),
  :mod:`sasref.lrm.schema` (the Hub's checks), :mod:`sasref.lrm.transport` (the Hub Santé queues,
  :class:`~sasref.lrm.transport.HubTransport`), :mod:`sasref.lrm.amqp` (AMQP 0-9-1 with aio-pika),
  :mod:`sasref.lrm.outbox` and :mod:`sasref.lrm.publisher` (the SAS side: nothing lost until
  acknowledged), :mod:`sasref.lrm.from_fhir` (INT_R03 Appointment → INT_L02 payload).
- INT_L01 (contextual search URL) lives in ``sasref.lrm.contextual``.

This package initialiser imports nothing so that each module can be used on its own.
"""

from __future__ import annotations
