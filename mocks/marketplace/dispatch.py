"""How a marketplace's pool answers a care request, and the switches that break it. Pure.

When a request is filed, :func:`plan_answers` decides — from a ``random.Random`` seeded with the
marketplace's seed and the request id, so the same request always gets the same story — who the
platform offers it to and what each professional answers, and when:

* the candidates are the pool members able to take the care type (their profession), in a seeded
  order, at most :data:`MAX_CANDIDATES`; the request is offered to them one after the other;
* each answers after a realistic delay (2 to 12 minutes, times ``time_scale``; plus
  ``slow_minutes``): the ones before the taker decline, the taker accepts;
* with probability ``no_taker_rate`` nobody takes it: every candidate declines (the request is
  **refused** at the last answer);
* an answer after the request's deadline does not count: the request **expires** at the deadline.

:class:`MarketplaceBehaviour` holds the switches of ``/admin/behaviour`` (like the editors'):
``never_answers`` (the pool stays silent: every request expires, visibly), ``answers_twice``
(every answer and every INT_R03 push is sent twice: the SAS and the LRM must not duplicate
anything), ``slow_minutes`` (answers come that much later), ``no_taker_rate``.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, Field

from mocks.marketplace.fleet import PoolMember
from mocks.population.common import stable_seed

__all__ = ["MAX_CANDIDATES", "Answer", "MarketplaceBehaviour", "deadline", "plan_answers"]

#: At most this many professionals are asked, one after the other.
MAX_CANDIDATES: Final = 4
_ANSWER_MINUTES: Final = (2.0, 12.0)


class MarketplaceBehaviour(BaseModel):
    """The fault switches of one marketplace (``GET``/``PUT /admin/behaviour``)."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    never_answers: bool = False
    answers_twice: bool = False
    slow_minutes: float = Field(0.0, ge=0, le=24 * 60)
    no_taker_rate: float = Field(0.15, ge=0, le=1)

    def merged(self, patch: dict[str, Any]) -> MarketplaceBehaviour:
        """A new behaviour with ``patch`` (a partial JSON object) merged in; validates."""
        return MarketplaceBehaviour.model_validate({**self.model_dump(), **patch})


@dataclass(frozen=True, slots=True)
class Answer:
    """A professional's answer, due at ``at``."""

    at: datetime
    practitioner: str  # IDNPS
    accepted: bool


def deadline(created: datetime, window_end: datetime, duration: timedelta,
             timeout: timedelta) -> datetime:  # fmt: skip
    """When an unanswered request expires: ``timeout`` after it was filed, and never so late
    that the visit could not end inside the wished window (at least a minute after filing)."""
    return max(created + timedelta(minutes=1), min(created + timeout, window_end - duration))


def plan_answers(
    request_id: str,
    created: datetime,
    candidates: Sequence[PoolMember],
    behaviour: MarketplaceBehaviour,
    *,
    seed: int,
    time_scale: float = 1.0,
) -> list[Answer]:
    """The pool's answers to a request filed at ``created`` (see the module docstring)."""
    if behaviour.never_answers or not candidates:
        return []
    rng = random.Random(stable_seed(seed, "dispatch", request_id))
    asked = sorted(candidates, key=lambda m: m.idnps)
    rng.shuffle(asked)
    asked = asked[:MAX_CANDIDATES]
    nobody = rng.random() < behaviour.no_taker_rate
    taker = len(asked) if nobody else int(rng.random() * len(asked))
    answers = []
    at = created
    for i, member in enumerate(asked[: taker + 1]):
        minutes = rng.uniform(*_ANSWER_MINUTES) + behaviour.slow_minutes
        at += timedelta(minutes=minutes * time_scale)
        answers.append(Answer(at.replace(microsecond=0), member.idnps, accepted=i == taker))
    if behaviour.answers_twice and answers:
        last = answers[-1]
        answers.append(Answer(last.at + timedelta(seconds=1), last.practitioner, last.accepted))
    return answers
