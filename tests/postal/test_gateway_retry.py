"""The retry policy both gateway clients (the post, the credit bureau) share: waits, giving up, refusals."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from core.gateway_retry import TransientFailure, call_with_backoff


class Unavailable(Exception):
    pass


class Refused(Exception):
    pass


@dataclass
class ScriptedGateway:
    """Each attempt plays the next outcome (an exception is raised, anything else answered); waits are kept."""

    outcomes: list[object]
    calls: int = 0
    waits: list[float] = field(default_factory=list)
    heard: list[tuple[int, str, bool]] = field(default_factory=list)

    def attempt(self) -> object:
        outcome = self.outcomes[self.calls]
        self.calls += 1
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def call(self, attempts: int, backoff: float, unavailable: Callable[[str], Exception] = Unavailable) -> object:
        return call_with_backoff(
            self.attempt,
            attempts=attempts,
            backoff=backoff,
            on_failure=lambda number, problem, last: self.heard.append((number, problem, last)),
            unavailable=unavailable,
            sleep=self.waits.append,
        )


def test_passing_failures_are_retried_with_doubling_waits() -> None:
    gateway = ScriptedGateway([TransientFailure("ConnectError"), TransientFailure("HTTP 503"), "answer"])
    assert gateway.call(attempts=4, backoff=0.5) == "answer"
    assert gateway.calls == 3
    assert gateway.waits == [0.5, 1.0]
    assert gateway.heard == [(1, "ConnectError", False), (2, "HTTP 503", False)]


def test_after_the_last_attempt_the_callers_error_names_the_last_problem() -> None:
    gateway = ScriptedGateway(
        [TransientFailure("HTTP 500"), TransientFailure("HTTP 502"), TransientFailure("HTTP 504")]
    )
    with pytest.raises(Unavailable, match="gateway down: HTTP 504"):
        gateway.call(attempts=3, backoff=1.0, unavailable=lambda problem: Unavailable(f"gateway down: {problem}"))
    assert gateway.calls == 3
    assert gateway.waits == [1.0, 2.0]  # no wait after the last attempt
    assert [last for _, _, last in gateway.heard] == [False, False, True]


def test_a_refusal_ends_at_once_without_waiting() -> None:
    gateway = ScriptedGateway([TransientFailure("HTTP 503"), Refused("HTTP 401"), "never asked"])
    with pytest.raises(Refused):
        gateway.call(attempts=5, backoff=0.25)
    assert gateway.calls == 2
    assert gateway.waits == [0.25]


def test_no_attempts_configured_still_asks_once() -> None:
    gateway = ScriptedGateway([TransientFailure("ReadTimeout")])
    with pytest.raises(Unavailable, match="ReadTimeout"):
        gateway.call(attempts=0, backoff=1.0)
    assert gateway.calls == 1
    assert gateway.waits == []
