"""Domain events between domains, inside the caller's transaction.

A domain that must react to another's change subscribes in its ``core/<domain>/hooks.py``
(discovered automatically, like workflow hooks), so the publisher does not import it. The
subscriber runs in the same transaction: a rollback leaves none of its rows (the bureau outbox
relies on this, Federal Law 218-FZ reporting must not lose or invent a change).

Event names and payload keys (each payload a dict; a publish call carries a list of them):

- ``payment.posted``: case_id, entry_id, amount (Decimal), effective_date (date)
- ``debt.repaid``: case_id, effective_date — the balance reached zero
- ``debt.written_off``: case_id, amount, effective_date
- ``debtor.changed``: debtor_id, case_ids (list[int]), fields (list[str])
- ``claim.acquired``: case_id, agreement_id, effective_date — the company took the claim over
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy.orm import Session

from core.auth.permissions import Actor
from core.cases.hooks import load_domain_hooks

Subscriber = Callable[[Session, "Actor | None", Sequence[dict[str, Any]]], None]
_subscribers: dict[str, list[Subscriber]] = defaultdict(list)


def subscribe(event: str) -> Callable[[Subscriber], Subscriber]:
    def register(fn: Subscriber) -> Subscriber:
        if fn not in _subscribers[event]:
            _subscribers[event].append(fn)
        return fn

    return register


def publish(session: Session, actor: Actor | None, event: str, payloads: Sequence[dict[str, Any]]) -> None:
    load_domain_hooks()
    if not payloads:
        return
    for fn in _subscribers.get(event, []):
        fn(session, actor, payloads)
