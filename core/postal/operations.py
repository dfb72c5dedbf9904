"""What a Russian Post operation means for a court letter.

Operation codes are Russian Post's dictionary (https://tracking.pochta.ru/support/dictionaries/operation_codes):
type 1 acceptance, 2 delivery ("вручение") — except attribute 2, "handed to the sender", which
closes a return; 3 return (3.1 storage time expired, 3.4 refused by the addressee, ...);
5 non-delivery (lost, seized); 12 a failed delivery attempt.
"""

from __future__ import annotations

from core.postal.soap import Operation

DELIVERED = "delivered"
RETURNED = "returned"
REFUSED = "refused"
FAILED_ATTEMPT = "failed_attempt"
ACCEPTED = "accepted"
LOST = "lost"
OTHER = "other"

RETURN_REASONS = {
    1: "the storage time expired",
    2: "at the sender's request",
    3: "the addressee is not at the address",
    4: "the addressee refused it",
    5: "the addressee died",
    6: "the address cannot be read",
    8: "the addressee is unknown",
    9: "other circumstances",
    10: "the address is wrong",
}


def classify(type_id: int, attr_id: int) -> str:
    if type_id == 1:
        return ACCEPTED
    if type_id == 2:
        return RETURNED if attr_id == 2 else DELIVERED
    if type_id == 3:
        return REFUSED if attr_id == 4 else RETURNED
    if type_id == 5:
        return LOST
    if type_id == 12:
        return FAILED_ATTEMPT
    return OTHER


def return_reason(op: Operation) -> str:
    """Words for the clerk's flag: why the letter came back."""
    if op.type_id == 2 and op.attr_id == 2:
        return "the letter was handed back to the sender"
    if op.type_id == 5:
        return f"the letter was not delivered ({op.name or 'lost'})"
    reason = RETURN_REASONS.get(op.attr_id, op.name or "no reason given")
    return f"the letter is being returned: {reason}"
