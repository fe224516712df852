"""Turning a dialect's answer into the faulty response a scenario asked for."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from email.utils import format_datetime
from http import HTTPStatus
from typing import Any

from lro_cli.sim.exchange import Answer, Dialect, SimResponse
from lro_cli.sim.scenario import Fault

JSON_TYPE = "application/json"

# What a reverse proxy in front of an API sends when the backend is down: not the provider's JSON.
_PROXY_PAGE = """<html>
<head><title>{status} {phrase}</title></head>
<body>
<center><h1>{status} {phrase}</h1></center>
<hr><center>nginx</center>
</body>
</html>
"""
_GARBAGE = b"OK \xff\xfe <<upstream sent a body that is not JSON>>"


def http_date(moment: datetime) -> str:
    return format_datetime(moment, usegmt=True)


def phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def encode(payload: Any) -> bytes:
    return b"" if payload is None else json.dumps(payload).encode()


def plain(answer: Answer) -> SimResponse:
    body = answer.payload if isinstance(answer.payload, bytes) else encode(answer.payload)
    headers = {"Content-Type": JSON_TYPE, **answer.headers} if body else dict(answer.headers)
    return SimResponse(status=answer.status, headers=headers, body=body)


def apply_fault(
    fault: Fault, answer: Answer, dialect: Dialect | None, wall: datetime, request_id: str
) -> SimResponse:
    """The response for `answer` spoiled by `fault`, with any Retry-After the fault carries."""
    normal = plain(answer)
    status, body, content_type = _spoil(fault, answer, normal, dialect, request_id)
    headers = {**normal.headers, "Content-Type": content_type} if body else {}
    if fault.retry_after is not None:
        headers["Retry-After"] = fault.retry_after
    elif fault.retry_after_date is not None:
        later = wall + timedelta(seconds=fault.retry_after_date)
        headers["Retry-After"] = http_date(later)
    headers.update(fault.headers)
    if fault.kind == "reset":
        return SimResponse(status=0, headers={}, body=b"", fault="reset")
    delay = fault.seconds if fault.kind == "slow" else 0.0
    return SimResponse(status=status, headers=headers, body=body, fault=fault.kind, delay=delay)


def _spoil(
    fault: Fault, answer: Answer, normal: SimResponse, dialect: Dialect | None, request_id: str
) -> tuple[int, bytes, str]:
    kind = fault.kind
    content_type = normal.headers.get("Content-Type", JSON_TYPE)
    if kind in ("reset", "slow"):
        return normal.status, normal.body, content_type
    if kind == "html":
        status = fault.status or 502
        page = fault.body or _PROXY_PAGE.format(status=status, phrase=phrase(status))
        return status, page.encode(), "text/html"
    if kind == "garbage":
        body = fault.body.encode() if fault.body is not None else _GARBAGE
        return fault.status or 200, body, fault.content_type or JSON_TYPE
    if kind == "truncated":
        # Half a JSON document: its closing brackets are always in the lost half.
        return (
            fault.status or normal.status,
            normal.body[: max(1, len(normal.body) // 2)],
            JSON_TYPE,
        )
    if kind == "missing_state":
        stripped = answer.payload if dialect is None else dialect.strip_state(answer.payload)
        return fault.status or normal.status, encode(stripped), JSON_TYPE
    status = fault.status or (404 if kind == "expired" else 500)
    if kind == "status" and 200 <= status < 300 and fault.body is None:
        # A success carrying only a header (Retry-After on a 200): the real body, unspoiled.
        return status, normal.body, content_type
    if fault.body is not None:
        return status, fault.body.encode(), fault.content_type or _guess_type(fault.body)
    message = "Not Found" if kind == "expired" else phrase(status)
    if dialect is None:
        return status, encode({"message": message}), fault.content_type or JSON_TYPE
    payload = dialect.error_payload(status, message, request_id)
    return status, encode(payload), fault.content_type or JSON_TYPE


def _guess_type(body: str) -> str:
    try:
        json.loads(body)
    except ValueError:
        return "text/plain"
    return JSON_TYPE
