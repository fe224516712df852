"""Pieces several dialects share: google.rpc codes, RFC 3339 times, bearer tokens, page tokens."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from lro_cli.sim.exchange import SimRequest
from lro_cli.sim.operations import OperationView

# google.rpc.Code, by number (google/rpc/code.proto).
RPC_CODES = (
    "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
    "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED",
    "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
)  # fmt: skip
# The HTTP mapping of google.rpc.Code (the comments in code.proto), for the simulator's own errors.
HTTP_TO_RPC = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    405: "UNIMPLEMENTED",
    409: "ABORTED",
    429: "RESOURCE_EXHAUSTED",
    499: "CANCELLED",
    500: "INTERNAL",
    501: "UNIMPLEMENTED",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}


def rpc_name(status: int) -> str:
    if status in HTTP_TO_RPC:
        return HTTP_TO_RPC[status]
    return "INVALID_ARGUMENT" if 400 <= status < 500 else "UNKNOWN"


def rpc_number(code: Any) -> int:
    """A scenario's code (a number or a google.rpc.Code name) as the number; unknown → 2."""
    if isinstance(code, int) and not isinstance(code, bool):
        return code
    text = str(code).upper()
    return RPC_CODES.index(text) if text in RPC_CODES else (int(text) if text.isdigit() else 2)


def rpc_status(error: Any, default_code: Any) -> dict[str, Any]:
    """A google.rpc.Status from a scenario's `error`: a mapping is kept, a text is the message."""
    if isinstance(error, Mapping):
        status = dict(error)
        status.setdefault("code", default_code)
        status.setdefault("message", "")
        status.setdefault("details", [])
        return status
    return {"code": default_code, "message": str(error), "details": []}


def rfc3339(moment: datetime, digits: int = 3) -> str:
    """UTC with `Z`; `digits` of fractional seconds (0: none)."""
    utc = moment.astimezone(timezone.utc)
    text = utc.strftime("%Y-%m-%dT%H:%M:%S")
    if digits:
        text += "." + f"{utc.microsecond:06d}"[:digits]
    return text + "Z"


def scripted_time(view: OperationView, value: Any, digits: int = 3) -> Any:
    """A scripted time field: a number is seconds after time zero, text and null go as they are."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return rfc3339(view.wall_at(float(value)), digits)
    return value


def bearer(request: SimRequest) -> str | None:
    """The token of an `Authorization: Bearer …` header (the scheme is case-insensitive)."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def page_token(offset: int) -> str:
    # Opaque to clients, as every one of these APIs says; an offset is enough for a simulator.
    return base64.urlsafe_b64encode(f"sim-page:{offset}".encode()).decode().rstrip("=")


def read_page_token(token: str | None) -> int:
    """The offset in a page token; raises ValueError for one this simulator did not issue."""
    if not token:
        return 0
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise ValueError("invalid page token") from None
    prefix, _, number = text.partition(":")
    if prefix != "sim-page" or not number.isdigit():
        raise ValueError("invalid page token")
    return int(number)
