"""Parsing recorded answers of both Russian Post services (files under tests/postal/data/)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from core.postal import soap
from core.postal.operations import DELIVERED, REFUSED, RETURNED, classify

DATA = Path(__file__).parent / "data"


def read(name: str) -> bytes:
    return (DATA / name).read_bytes()


def test_ticket_answer_and_ticket_error() -> None:
    assert soap.parse_ticket_response(read("ticket_ok.xml")).ticket == "20150917162048476CLIENTID"
    err = soap.parse_ticket_response(read("ticket_error_auth.xml"))
    assert err.ticket is None and err.error_code == 3 and "авторизация" in err.error_name


def test_batch_answer_items_operations_and_item_errors() -> None:
    answer = soap.parse_answer_response(read("answer_ok.xml"))
    assert answer.error_code is None
    assert [i.barcode for i in answer.items] == ["45008378901234", "10725878901235", "RA123456785RU", "RA644000001RU"]
    first = answer.items[0]
    assert len(first.operations) == 5
    assert first.operations[0] == soap.Operation(1, 1, "Прием", dt.datetime(2015, 9, 8, 17, 7), "450083")
    delivered = answer.items[1].operations[-1]
    assert (delivered.type_id, delivered.attr_id, delivered.index) == (2, 8, "130203")
    assert classify(delivered.type_id, delivered.attr_id) == DELIVERED
    assert answer.items[2].error_code == 12 and answer.items[2].operations == ()
    refused = answer.items[3].operations[-1]
    assert classify(refused.type_id, refused.attr_id) == REFUSED


@pytest.mark.parametrize(("name", "code"), [("answer_not_ready.xml", 6), ("answer_expired.xml", 17)])
def test_batch_ticket_level_errors(name: str, code: int) -> None:
    answer = soap.parse_answer_response(read(name))
    assert answer.error_code == code and answer.items == ()


def test_single_history_and_its_fault() -> None:
    item = soap.parse_history_response(read("history_ok.xml"), "RA644000001RU")
    assert isinstance(item, soap.ItemResult)
    assert [(o.type_id, o.attr_id, o.index) for o in item.operations] == [(1, 1, "644000"), (2, 1, "125009")]
    # the office's wall clock is kept, whatever its offset
    assert item.operations[0].local_time == dt.datetime(2015, 1, 8, 14, 40)
    fault = soap.parse_history_response(read("history_fault.xml"), "RA644000001RU")
    assert isinstance(fault, soap.SingleFault)
    assert fault.reason == "Authorization failed" and fault.detail == "AuthorizationFaultReason"


def test_operation_meanings() -> None:
    assert classify(2, 1) == DELIVERED
    assert classify(2, 2) == RETURNED  # handed back to the sender
    assert classify(3, 1) == RETURNED
    assert classify(3, 4) == REFUSED
    assert classify(12, 1) == "failed_attempt"


def test_malformed_answers_are_reported_not_guessed() -> None:
    with pytest.raises(soap.SoapFormatError, match="well-formed"):
        soap.parse_answer_response(b"<S:Envelope")
    with pytest.raises(soap.SoapFormatError, match="expected ticketResponse"):
        soap.parse_ticket_response(read("answer_ok.xml"))
    bad_date = read("answer_ok.xml").replace(b"08.09.2015 17:07:00", b"2015-09-08")
    with pytest.raises(soap.SoapFormatError, match=r"dd\.MM\.yyyy"):
        soap.parse_answer_response(bad_date)


def test_requests_escape_credentials_and_round_trip() -> None:
    xml = soap.ticket_request(["RA123456785RU", "10100011000109"], "user<&>", 'p"w')
    parsed = soap.parse_ticket_request(xml)
    assert parsed.barcodes == ["RA123456785RU", "10100011000109"]
    assert (parsed.login, parsed.password) == ("user<&>", 'p"w')
