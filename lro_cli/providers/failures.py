"""A classified failure, turned into the error a command exits with (lists, cancel, start)."""

from __future__ import annotations

from lro_cli.errors import (
    AuthError,
    LroError,
    NotFoundError,
    ProtocolError,
    UnreachableError,
    UsageError,
)
from lro_cli.model import FailureKind, PollFailure

ERROR_BY_KIND: dict[FailureKind, type[LroError]] = {
    FailureKind.TRANSIENT: UnreachableError,
    FailureKind.UNREACHABLE: UnreachableError,
    FailureKind.TLS: UnreachableError,
    FailureKind.MALFORMED: ProtocolError,
    FailureKind.PROTOCOL: ProtocolError,
    FailureKind.AUTH: AuthError,
    FailureKind.NOT_FOUND: NotFoundError,
    FailureKind.FATAL: UsageError,
}


def error_for(failure: PollFailure, context: str) -> LroError:
    """The LroError (and so the exit code) for a failure; `context` says what was attempted."""
    return ERROR_BY_KIND[failure.kind](f"{context}: {failure.message}")
