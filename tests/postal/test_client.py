"""The httpx client against the sandbox over real HTTP: both services, errors, retries, secrets."""

from __future__ import annotations

import logging

import httpx
import pytest

from core.postal import soap
from core.postal.client import PostalClient, PostalError, PostalUnavailable
from core.postal.sandbox import PostalSandbox
from tests.postal.conftest import tracking_for


def test_ticket_then_answer_over_http(client: PostalClient) -> None:
    delivered, unknown = tracking_for(0), tracking_for(7)
    ticket = client.get_ticket([delivered, unknown])
    assert ticket.endswith("DEMO")
    answer = client.get_response(ticket)
    items = {i.barcode: i for i in answer.items}
    assert items[delivered].operations[-1].type_id == 2
    assert items[unknown].error_code == soap.ERR_NO_DATA
    assert client.stats.tickets == 1 and client.stats.answers == 1


def test_single_history_over_soap12(client: PostalClient) -> None:
    item = client.get_history(tracking_for(5))
    assert item.operations[-1].type_id == 3 and item.operations[-1].attr_id == 4
    missing = client.get_history(tracking_for(7))
    assert missing.error_code == soap.ERR_NO_DATA


def test_wrong_password_is_error_3_and_never_shown(sandbox: PostalSandbox, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    bad = PostalClient(sandbox.batch_url, sandbox.single_url, "demo", "s3cret-Pa55", backoff=0.01)
    with bad, pytest.raises(PostalError) as info:
        bad.get_ticket([tracking_for(0)])
    assert info.value.code == soap.ERR_AUTH
    assert "s3cret-Pa55" not in str(info.value) and "s3cret-Pa55" not in repr(bad)
    with bad, pytest.raises(PostalError) as single:
        bad.get_history(tracking_for(0))
    assert single.value.code == soap.ERR_AUTH
    assert "s3cret-Pa55" not in caplog.text


def test_not_ready_before_the_wait(sandbox: PostalSandbox, client: PostalClient) -> None:
    sandbox.state.ready_after = 3600
    ticket = client.get_ticket([tracking_for(0)])
    assert client.get_response(ticket).error_code == soap.ERR_NOT_READY


def test_5xx_is_retried_with_backoff(client: PostalClient) -> None:
    ticket = client.get_ticket([tracking_for(9, tens=4)])
    answer = client.get_response(ticket)  # the sandbox answers 503 once, the client retries
    assert answer.error_code is None and answer.items[0].operations
    assert client.stats.retries == 1


def test_unreachable_service_after_retries(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    dead = PostalClient(
        "http://127.0.0.1:9/batch", "http://127.0.0.1:9/single", "demo", "TopSecret42", retries=2, backoff=0.01
    )
    with dead, pytest.raises(PostalUnavailable, match="asked again later"):
        dead.get_ticket([tracking_for(0)])
    assert dead.stats.retries == 2
    assert "TopSecret42" not in caplog.text


def test_sandbox_refuses_more_than_3000_items(sandbox: PostalSandbox) -> None:
    body = soap.ticket_request([tracking_for(0, seq=i) for i in range(3001)], "demo", "demo")
    raw = httpx.post(sandbox.batch_url, content=body.encode(), headers={"Content-Type": "text/xml"}).content
    assert soap.parse_ticket_response(raw).error_code == soap.ERR_TOO_MANY
    with pytest.raises(ValueError, match="1 to 3000"):
        PostalClient(sandbox.batch_url, sandbox.single_url, "demo", "demo").get_ticket([])
