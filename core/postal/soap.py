"""The wire format of the Russian Post tracking services, shared by the client and the sandbox.

Two services (https://tracking.pochta.ru/specification):

- the batch service ("FederalClient", SOAP 1.1, namespace ``http://fclient.russianpost.org/postserver``):
  ``getTicket`` (``ticketRequest`` with 1..3,000 ``Item Barcode=...``) returns a ticket; later
  ``getResponseByTicket`` (``answerByTicketRequest``) returns each item's operations or an error;
- the single-item service (SOAP 1.2, namespace ``http://russianpost.org/operationhistory``):
  ``getOperationHistory`` with ``Barcode``, ``MessageType`` 0 and ``Language``.

Only pure functions live here: building and parsing envelopes. Parsing uses the standard library's
expat parser, which does not resolve external entities.
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
NS_POSTSERVER = "http://fclient.russianpost.org/postserver"
NS_FCLIENT = "http://fclient.russianpost.org"
NS_OPHIST = "http://russianpost.org/operationhistory"
NS_OPHIST_DATA = "http://russianpost.org/operationhistory/data"

MAX_BATCH = 3000
DATE_FORMAT = "%d.%m.%Y %H:%M:%S"

# Error codes of the batch service (specification, sections 3.3 and 4.3).
ERR_BAD_FORMAT = 2
ERR_AUTH = 3
ERR_NOT_READY = 6
ERR_NO_DATA = 12
ERR_INTERNAL = 16
ERR_EXPIRED = 17
ERR_TOO_MANY = 18

ERROR_NAMES = {
    ERR_BAD_FORMAT: "Формат данных запроса не соответствует установленному настоящим протоколом",
    ERR_AUTH: "Неуспешная авторизация клиента при вызове метода",
    ERR_NOT_READY: "Ответ по билету ещё не готов",
    ERR_NO_DATA: "Информация о заданном идентификаторе отправления отсутствует",
    ERR_INTERNAL: "Внутренняя ошибка работы Сервиса отслеживания",
    ERR_EXPIRED: "Время хранения ответа по билету истекло, ответ был удален с сервера",
    ERR_TOO_MANY: "Превышено максимально допустимое количество отправлений в запросе",
}


class SoapFormatError(ValueError):
    """The message is not the SOAP envelope the protocol describes."""


@dataclass(frozen=True)
class Operation:
    """One operation in an item's history; ``local_time`` is the office's local time as sent."""

    type_id: int
    attr_id: int
    name: str
    local_time: dt.datetime  # naive: the wall clock at the office of the operation
    index: str = ""


@dataclass(frozen=True)
class ItemResult:
    barcode: str
    operations: tuple[Operation, ...] = ()
    error_code: int | None = None
    error_name: str = ""


@dataclass(frozen=True)
class TicketAnswer:
    ticket: str | None = None
    error_code: int | None = None
    error_name: str = ""


@dataclass(frozen=True)
class BatchAnswer:
    items: tuple[ItemResult, ...] = ()
    error_code: int | None = None
    error_name: str = ""
    prepared: str = ""


@dataclass
class SingleFault:
    reason: str
    detail: str = ""


@dataclass(frozen=True)
class ParsedTicketRequest:
    barcodes: list[str] = field(default_factory=list)
    login: str = ""
    password: str = ""
    language: str = "RUS"


# ---------------------------------------------------------------- building


def _env11(body: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<soapenv:Envelope xmlns:soapenv="{SOAP11}" xmlns:pos="{NS_POSTSERVER}" xmlns:fcl="{NS_FCLIENT}">'
        f"<soapenv:Header/><soapenv:Body>{body}</soapenv:Body></soapenv:Envelope>"
    )


def ticket_request(barcodes: list[str], login: str, password: str, language: str = "RUS") -> str:
    items = "".join(f"<fcl:Item Barcode={quoteattr(b)}/>" for b in barcodes)
    return _env11(
        f"<pos:ticketRequest><request>{items}</request><login>{escape(login)}</login>"
        f"<password>{escape(password)}</password><language>{escape(language)}</language></pos:ticketRequest>"
    )


def answer_request(ticket: str, login: str, password: str) -> str:
    return _env11(
        f"<pos:answerByTicketRequest><ticket>{escape(ticket)}</ticket><login>{escape(login)}</login>"
        f"<password>{escape(password)}</password></pos:answerByTicketRequest>"
    )


def history_request(barcode: str, login: str, password: str, language: str = "RUS") -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<soap:Envelope xmlns:soap="{SOAP12}" xmlns:oper="{NS_OPHIST}" xmlns:data="{NS_OPHIST_DATA}">'
        "<soap:Header/><soap:Body><oper:getOperationHistory>"
        f"<data:OperationHistoryRequest><data:Barcode>{escape(barcode)}</data:Barcode>"
        f"<data:MessageType>0</data:MessageType><data:Language>{escape(language)}</data:Language>"
        "</data:OperationHistoryRequest>"
        f'<data:AuthorizationHeader soap:mustUnderstand="1"><data:login>{escape(login)}</data:login>'
        f"<data:password>{escape(password)}</data:password></data:AuthorizationHeader>"
        "</oper:getOperationHistory></soap:Body></soap:Envelope>"
    )


def _resp11(body: str) -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?><S:Envelope xmlns:S="{SOAP11}"><S:Body>{body}</S:Body></S:Envelope>'


def _error_el(tag: str, code: int, name: str | None = None) -> str:
    return f"<{tag} ErrorTypeID={quoteattr(str(code))} ErrorName={quoteattr(name or ERROR_NAMES.get(code, ''))}/>"


def ticket_response(ticket: str | None = None, error_code: int | None = None) -> str:
    inner = f"<value>{escape(ticket or '')}</value>" if error_code is None else _error_el("error", error_code)
    return _resp11(
        f'<ns2:ticketResponse xmlns:ns2="{NS_POSTSERVER}" xmlns:ns3="{NS_FCLIENT}">{inner}</ns2:ticketResponse>'
    )


def answer_response(items: list[ItemResult] | None = None, error_code: int | None = None, prepared: str = "") -> str:
    if error_code is not None:
        inner = _error_el("error", error_code)
    else:
        parts = []
        for item in items or []:
            if item.error_code is not None:
                body = _error_el("ns3:Error", item.error_code, item.error_name or None)
            else:
                body = "".join(
                    f"<ns3:Operation OperTypeID={quoteattr(str(op.type_id))} OperCtgID={quoteattr(str(op.attr_id))} "
                    f"OperName={quoteattr(op.name)} DateOper={quoteattr(op.local_time.strftime(DATE_FORMAT))} "
                    f"IndexOper={quoteattr(op.index)}/>"
                    for op in item.operations
                )
            parts.append(f"<ns3:Item Barcode={quoteattr(item.barcode)}>{body}</ns3:Item>")
        inner = (
            f'<value FileName="" FileTypeID="2" FileNumber="1" RecipientID="1" '
            f"DatePreparation={quoteattr(prepared)}>{''.join(parts)}</value>"
        )
    return _resp11(
        f'<ns2:answerByTicketResponse xmlns:ns2="{NS_POSTSERVER}" xmlns:ns3="{NS_FCLIENT}">{inner}'
        "</ns2:answerByTicketResponse>"
    )


def history_response(item: ItemResult, tz_offset: str = "+03:00") -> str:
    records = []
    for op in item.operations:
        records.append(
            "<ns3:historyRecord><ns3:AddressParameters><ns3:OperationAddress>"
            f"<ns3:Index>{escape(op.index)}</ns3:Index></ns3:OperationAddress></ns3:AddressParameters>"
            f"<ns3:ItemParameters><ns3:Barcode>{escape(item.barcode)}</ns3:Barcode></ns3:ItemParameters>"
            "<ns3:OperationParameters>"
            f"<ns3:OperType><ns3:Id>{op.type_id}</ns3:Id><ns3:Name>{escape(op.name)}</ns3:Name></ns3:OperType>"
            f"<ns3:OperAttr><ns3:Id>{op.attr_id}</ns3:Id><ns3:Name>{escape(op.name)}</ns3:Name></ns3:OperAttr>"
            f"<ns3:OperDate>{op.local_time.strftime('%Y-%m-%dT%H:%M:%S.000')}{tz_offset}</ns3:OperDate>"
            "</ns3:OperationParameters></ns3:historyRecord>"
        )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><S:Envelope xmlns:S="{SOAP12}"><S:Body>'
        f'<ns7:getOperationHistoryResponse xmlns:ns7="{NS_OPHIST}" xmlns:ns3="{NS_OPHIST_DATA}">'
        f"<ns3:OperationHistoryData>{''.join(records)}</ns3:OperationHistoryData>"
        "</ns7:getOperationHistoryResponse></S:Body></S:Envelope>"
    )


def soap12_fault(reason: str, detail_tag: str = "OperationHistoryFaultReason", code: str = "S:Receiver") -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><S:Envelope xmlns:S="{SOAP12}"><S:Body><S:Fault>'
        f"<S:Code><S:Value>{code}</S:Value></S:Code>"
        f'<S:Reason><S:Text xml:lang="en">{escape(reason)}</S:Text></S:Reason>'
        f'<S:Detail><ns3:{detail_tag} xmlns:ns3="{NS_OPHIST_DATA}">{escape(reason)}</ns3:{detail_tag}></S:Detail>'
        "</S:Fault></S:Body></S:Envelope>"
    )


# ---------------------------------------------------------------- parsing


def _parse(xml: bytes | str) -> ET.Element:
    try:
        return ET.fromstring(xml)
    except ET.ParseError as exc:
        raise SoapFormatError(f"the answer is not well-formed XML: {exc}") from None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _body(root: ET.Element) -> ET.Element:
    if _local(root.tag) != "Envelope":
        raise SoapFormatError("the answer is not a SOAP envelope")
    for child in root:
        if _local(child.tag) == "Body":
            if len(child) == 0:
                raise SoapFormatError("the SOAP body is empty")
            return child[0]
    raise SoapFormatError("the SOAP envelope has no body")


def _child(el: ET.Element, name: str) -> ET.Element | None:
    for c in el:
        if _local(c.tag) == name:
            return c
    return None


def _text(el: ET.Element, name: str) -> str:
    c = _child(el, name)
    return (c.text or "").strip() if c is not None else ""


def _error_of(el: ET.Element | None) -> tuple[int | None, str]:
    if el is None:
        return None, ""
    raw = el.get("ErrorTypeID", "")
    try:
        code = int(raw)
    except ValueError:
        raise SoapFormatError(f"error code '{raw}' is not a number") from None
    return code, el.get("ErrorName", "")


def parse_local_time(text: str) -> dt.datetime:
    try:
        return dt.datetime.strptime(text.strip(), DATE_FORMAT)
    except ValueError:
        raise SoapFormatError(f"'{text}' is not a dd.MM.yyyy HH:mm:ss date") from None


def _batch_answer(xml: bytes | str, expected: str) -> tuple[ET.Element, int | None, str]:
    """The ``expected`` element of a batch-service answer and its ticket-level error (code None: none).

    Both batch answers (the ticket, the answer by ticket) arrive in the same SOAP 1.1 frame: a fault
    or another element is a broken answer, not a ticket-level error.
    """
    body = _body(_parse(xml))
    if _local(body.tag) == "Fault":
        raise SoapFormatError(f"SOAP fault: {_fault_text(body)}")
    if _local(body.tag) != expected:
        raise SoapFormatError(f"expected {expected}, got {_local(body.tag)}")
    code, name = _error_of(_child(body, "error"))
    return body, code, name


def parse_ticket_response(xml: bytes | str) -> TicketAnswer:
    body, code, name = _batch_answer(xml, "ticketResponse")
    if code is not None:
        return TicketAnswer(error_code=code, error_name=name)
    value = _text(body, "value")
    if not value:
        raise SoapFormatError("ticketResponse carries neither a ticket nor an error")
    return TicketAnswer(ticket=value)


def parse_answer_response(xml: bytes | str) -> BatchAnswer:
    body, code, name = _batch_answer(xml, "answerByTicketResponse")
    if code is not None:
        return BatchAnswer(error_code=code, error_name=name)
    value = _child(body, "value")
    if value is None:
        raise SoapFormatError("answerByTicketResponse carries neither a value nor an error")
    items: list[ItemResult] = []
    for item in value:
        if _local(item.tag) != "Item":
            continue
        barcode = item.get("Barcode", "").strip()
        err_code, err_name = _error_of(_child(item, "Error"))
        if err_code is not None:
            items.append(ItemResult(barcode, (), err_code, err_name))
            continue
        ops = []
        for op in item:
            if _local(op.tag) != "Operation":
                continue
            try:
                type_id = int(op.get("OperTypeID", ""))
                attr_id = int(op.get("OperCtgID", "0") or 0)
            except ValueError:
                raise SoapFormatError(f"item {barcode}: operation codes are not numbers") from None
            ops.append(
                Operation(
                    type_id,
                    attr_id,
                    op.get("OperName", ""),
                    parse_local_time(op.get("DateOper", "")),
                    op.get("IndexOper", ""),
                )
            )
        items.append(ItemResult(barcode, tuple(ops)))
    return BatchAnswer(tuple(items), prepared=value.get("DatePreparation", ""))


def _fault_text(fault: ET.Element) -> str:
    texts = [(e.text or "").strip() for e in fault.iter() if _local(e.tag) in ("Text", "faultstring")]
    return next((t for t in texts if t), "unknown fault")


def parse_history_response(xml: bytes | str, barcode: str) -> ItemResult | SingleFault:
    """The single-item answer; a SOAP 1.2 fault (unknown barcode, authorisation) becomes ``SingleFault``."""
    body = _body(_parse(xml))
    if _local(body.tag) == "Fault":
        detail = _child(body, "Detail")
        detail_name = _local(detail[0].tag) if detail is not None and len(detail) else ""
        return SingleFault(_fault_text(body), detail_name)
    if _local(body.tag) != "getOperationHistoryResponse":
        raise SoapFormatError(f"expected getOperationHistoryResponse, got {_local(body.tag)}")
    data = _child(body, "OperationHistoryData")
    ops: list[Operation] = []
    for rec in data if data is not None else []:
        if _local(rec.tag) != "historyRecord":
            continue
        params = _child(rec, "OperationParameters")
        if params is None:
            continue
        otype, oattr = _child(params, "OperType"), _child(params, "OperAttr")
        try:
            type_id = int(_text(otype, "Id")) if otype is not None else 0
            attr_id = int(_text(oattr, "Id") or 0) if oattr is not None else 0
        except ValueError:
            raise SoapFormatError(f"item {barcode}: operation codes are not numbers") from None
        raw_date = _text(params, "OperDate")
        try:
            when = dt.datetime.fromisoformat(raw_date)
        except ValueError:
            raise SoapFormatError(f"item {barcode}: '{raw_date}' is not an ISO date") from None
        name = _text(otype, "Name") if otype is not None else ""
        addr = _child(rec, "AddressParameters")
        oper_addr = _child(addr, "OperationAddress") if addr is not None else None
        index = _text(oper_addr, "Index") if oper_addr is not None else ""
        ops.append(Operation(type_id, attr_id, name, when.replace(tzinfo=None), index))
    return ItemResult(barcode, tuple(ops))


def parse_ticket_request(xml: bytes | str) -> ParsedTicketRequest:
    body = _body(_parse(xml))
    if _local(body.tag) != "ticketRequest":
        raise SoapFormatError(f"expected ticketRequest, got {_local(body.tag)}")
    req = _child(body, "request")
    barcodes = [i.get("Barcode", "").strip() for i in (req if req is not None else []) if _local(i.tag) == "Item"]
    return ParsedTicketRequest(
        barcodes, _text(body, "login"), _text(body, "password"), _text(body, "language") or "RUS"
    )


def parse_request_kind(xml: bytes | str) -> tuple[str, ET.Element]:
    body = _body(_parse(xml))
    return _local(body.tag), body


def child_text(el: ET.Element, name: str) -> str:
    return _text(el, name)


def find_child(el: ET.Element, name: str) -> ET.Element | None:
    return _child(el, name)
