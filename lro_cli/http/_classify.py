"""How one exchange ends: Retry-After, the provider's message, and the failure kind."""

from __future__ import annotations

import email.utils
import json
import math
import re
import ssl
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import httpx

from lro_cli.model import FailureKind, PollFailure

MESSAGE_LIMIT = 300
TRANSIENT_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
NOT_FOUND_STATUSES = frozenset({404, 410})

DescribeError = Callable[[Any], "str | None"]


def _http_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def parse_retry_after(value: str | None, date_header: str | None, now: datetime) -> float | None:
    """Seconds to wait from a Retry-After value: delta-seconds or an HTTP date.

    A date is read against the response's own `Date` (clock skew between us and the server
    cancels out), else against `now`. Negative is 0; garbage is None.
    """
    if value is None:
        return None
    text = value.strip()
    if re.fullmatch(r"[+-]?\d+(\.\d+)?", text):
        seconds = float(text)
        return max(0.0, seconds) if math.isfinite(seconds) else None
    when = _http_date(text)
    if when is None:
        return None
    reference = _http_date(date_header) or (now if now.tzinfo else now.replace(tzinfo=timezone.utc))
    try:
        return max(0.0, (when - reference).total_seconds())
    except OverflowError:
        return None


def describe_error(body: Any) -> str | None:
    """The provider's message in common error shapes: `message`, `error.message`, `error`."""
    if not isinstance(body, dict):
        return None
    error = body.get("error")
    for candidate in (
        body.get("message"),
        error.get("message") if isinstance(error, dict) else None,
        error,
    ):
        if isinstance(candidate, str) and candidate.strip():
            return candidate
    return None


def _caused_by(exc: BaseException, kinds: tuple[type[BaseException], ...], text: str) -> bool:
    seen: set[int] = set()
    stack: list[BaseException] = [exc]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, kinds) or text in str(current):
            return True
        stack.extend(e for e in (current.__cause__, current.__context__) if e is not None)
        stack.extend(getattr(current, "exceptions", ()))  # exception groups (anyio)
    return False


def _verify_message(exc: BaseException) -> str | None:
    """OpenSSL's reason (`certificate has expired`, `Hostname mismatch, …`), if in the chain."""
    current: BaseException | None = exc
    for _ in range(10):
        if current is None:
            return None
        message = getattr(current, "verify_message", None)  # unset unless OpenSSL raised it
        if isinstance(current, ssl.SSLCertVerificationError) and message:
            return str(message).rstrip(".")
        current = current.__cause__ or current.__context__
    return None


def classify_exception(exc: httpx.HTTPError, base_url: str) -> PollFailure:
    """A transport error as SPEC.md "Polling" classifies it (never raised further)."""
    name = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    if isinstance(exc, httpx.ConnectError):
        if _caused_by(exc, (ssl.SSLCertVerificationError,), "CERTIFICATE_VERIFY_FAILED"):
            why = _verify_message(exc)
            return PollFailure(
                FailureKind.TLS,
                f"TLS certificate verification failed{f' ({why})' if why else ''}; if a private"
                " CA signs it, point SSL_CERT_FILE at that CA's PEM bundle",
            )
        if _caused_by(exc, (ConnectionRefusedError,), "Connection refused"):
            return PollFailure(
                FailureKind.UNREACHABLE, f"connection refused; check base_url ({base_url})"
            )
    if isinstance(exc, httpx.DecodingError):
        return PollFailure(FailureKind.MALFORMED, f"response body could not be decoded ({name})")
    if isinstance(exc, (httpx.UnsupportedProtocol, httpx.LocalProtocolError)):
        return PollFailure(FailureKind.FATAL, f"request could not be sent ({name})")
    if isinstance(exc, httpx.TimeoutException):
        return PollFailure(FailureKind.TRANSIENT, f"request timed out ({name})")
    return PollFailure(FailureKind.TRANSIENT, f"network error ({name})")


def classify_token_endpoint(exc: BaseException, message: str, token_url: str | None) -> PollFailure:
    """A token endpoint that could not be reached or answered a transient error: retried as the
    API's own transient errors are, except a refused connection, which is handled as one to the
    API (3 tries before the first good poll, then exit 6) with a hint to check `token_url`."""
    if _caused_by(exc, (ssl.SSLCertVerificationError,), "CERTIFICATE_VERIFY_FAILED"):
        why = _verify_message(exc)
        return PollFailure(
            FailureKind.TLS,
            f"OAuth token exchange: TLS certificate verification failed"
            f"{f' ({why})' if why else ''}; if a private CA signs it, point SSL_CERT_FILE at"
            " that CA's PEM bundle",
        )
    if token_url and _caused_by(exc, (ConnectionRefusedError,), "Connection refused"):
        return PollFailure(
            FailureKind.UNREACHABLE,
            f"OAuth token exchange: connection refused; check token_url ({token_url})",
        )
    return PollFailure(FailureKind.TRANSIENT, message)


def _provider_message(body: bytes, describe: DescribeError) -> str | None:
    try:
        message = describe(json.loads(body))
    except (ValueError, TypeError, AttributeError, KeyError, IndexError):
        return None
    if not isinstance(message, str):
        return None
    message = " ".join(message.split())
    return message[:MESSAGE_LIMIT] + ("…" if len(message) > MESSAGE_LIMIT else "")


def classify_status(
    status: int, reason: str, body: bytes, describe: DescribeError
) -> PollFailure | None:
    """How a final (non-redirect) status ends the exchange; None for success."""
    if 200 <= status < 300:
        return None
    head = f"HTTP {status} {reason}".rstrip()
    if status in TRANSIENT_STATUSES:
        # Whatever the body says (often a proxy's HTML page), these are worth retrying.
        return PollFailure(FailureKind.TRANSIENT, head, status)
    said = _provider_message(body, describe)
    tail = f": {said}" if said else ""
    if status == 401:
        return PollFailure(
            FailureKind.AUTH, f"{head}: credentials refused, check the profile{tail}", status
        )
    if status == 403:
        return PollFailure(FailureKind.AUTH, f"{head}: permission refused{tail}", status)
    if status in NOT_FOUND_STATUSES:
        return PollFailure(FailureKind.NOT_FOUND, f"{head}{tail}", status)
    return PollFailure(FailureKind.PROTOCOL, f"{head}{tail}", status)
