"""Asking an outside gateway again (the Russian Post, the credit bureau) when it fails in a way that may pass.

A network error or a 5xx answer is often gone a moment later, so the request is repeated after
``backoff``, ``2 * backoff``, ``4 * backoff``... seconds. Anything else the gateway says (a result,
a refusal) ends the loop at once: asking again would not change it. After the last attempt the
caller's own "unavailable" error is raised; its work stays in the database and a later run of the
job tries again (ARCHITECTURE rule 7). Both clients keep their own error texts, logging and
counters; only the policy lives here, so the two gateways cannot drift apart on it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

Answer = TypeVar("Answer")


class TransientFailure(Exception):
    """One attempt failed in a way that asking again may cure; the text says what happened (never a secret)."""


def call_with_backoff(
    attempt: Callable[[], Answer],
    *,
    attempts: int,
    backoff: float,
    on_failure: Callable[[int, str, bool], None],
    unavailable: Callable[[str], Exception],
    sleep: Callable[[float], None] | None = None,
) -> Answer:
    """``attempt()`` up to ``attempts`` times (at least once) while it raises ``TransientFailure``.

    ``on_failure(number, problem, last)`` hears of every failed attempt before the wait (``last``:
    no attempt follows); ``unavailable(problem)`` builds the error raised after the last one.
    ``sleep`` defaults to ``time.sleep`` looked up at the time of the wait.
    """
    problem = ""
    total = max(1, attempts)
    for number in range(1, total + 1):
        try:
            return attempt()
        except TransientFailure as failure:
            problem = str(failure)
        last = number == total
        on_failure(number, problem, last)
        if not last:
            (sleep or time.sleep)(backoff * 2 ** (number - 1))
    raise unavailable(problem)
