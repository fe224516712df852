"""Defensive readers for provider JSON: a wrong type yields None, never an exception."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from typing import Any

from lro_cli.model import FailureKind, PollFailure, PollResult

_TIMESTAMP = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))?"
    r"\s*(Z|z|[+-]\d{2}:?\d{2})?"
)


# SPEC.md "Naming an operation": an argument like this is the operation's own URL.
_URL = re.compile(r"^[a-z][a-z0-9+.-]*://")


def is_url(op_id: str) -> bool:
    """Whether the operation was named by its URL (the session then GETs that URL as it is)."""
    return _URL.match(op_id) is not None


def own_id(payload: dict[str, Any], op_id: str) -> str:
    """The id to show: the one asked for, or for an operation named by URL, the payload's."""
    return (ident(payload.get("id")) if is_url(op_id) else None) or op_id


def json_object(body: bytes) -> dict[str, Any] | None:
    """The body as a JSON object, or None when it is not one."""
    try:
        value = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    return value if isinstance(value, dict) else None


def text(value: object) -> str | None:
    """A non-empty string, else None."""
    return value if isinstance(value, str) and value.strip() else None


def raw_text(value: object) -> str | None:
    """A raw state as the provider sent it, as text (None when absent): shown, never guessed."""
    return value if isinstance(value, str) else (None if value is None else str(value))


def integer(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def mapping(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def ident(value: object) -> str | None:
    """An id as text: providers give strings, a few give integers."""
    number = integer(value)
    return str(number) if number is not None else text(value)


def timestamp(value: object) -> datetime | None:
    """An ISO 8601 / RFC 3339 time in UTC; one without a zone is read as UTC.

    Parsed by hand because `fromisoformat` on Python 3.10 rejects `Z` and fractions that are
    not 3 or 6 digits, both of which providers send.
    """
    if not isinstance(value, str):
        return None
    match = _TIMESTAMP.fullmatch(value.strip())
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    offset = timedelta(0)
    if zone and zone not in ("Z", "z"):
        digits = zone[1:].replace(":", "")
        offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        offset = -offset if zone[0] == "-" else offset
    try:
        parsed = datetime(
            int(year),
            int(month),
            int(day),
            int(hour),
            int(minute),
            min(int(second), 59),  # a leap second reads as :59
            int((fraction or "0")[:6].ljust(6, "0")),
            tzinfo=timezone(offset),
        )
    except ValueError:
        return None
    return parsed.astimezone(timezone.utc)


def malformed(message: str, retry_after: float | None = None) -> PollResult:
    """A 2xx body that could not be read: the engine retries and gives up after 3 in a row."""
    return PollResult(failure=PollFailure(FailureKind.MALFORMED, message), retry_after=retry_after)
