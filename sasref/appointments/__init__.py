"""INT_R03 appointment information, SAS side (IG digest §4): the pure upsert rules
(:mod:`sasref.appointments.core`), storage (:mod:`sasref.appointments.store`), the service
(:mod:`sasref.appointments.service`), the FastAPI router (:mod:`sasref.appointments.router`) and
the INT_L02 forwarding hook (:mod:`sasref.appointments.forward`).
"""

from __future__ import annotations
