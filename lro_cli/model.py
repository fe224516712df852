"""The normalized, provider-free view of a long-running operation.

Adapters build these from their provider's JSON; the engine, the renderers and the commands
see nothing else.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lro_cli.errors import ExitCode


class State(str, enum.Enum):
    PENDING = "pending"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"
    UNKNOWN = "unknown"

    @property
    def is_terminal(self) -> bool:
        return self in (State.SUCCEEDED, State.FAILED, State.CANCELLED)

    @property
    def in_progress(self) -> bool:
        return self in (State.PENDING, State.RUNNING)


@dataclass(frozen=True)
class Resource:
    """A resource an operation created or touched; `type` is the dialect's noun or None."""

    id: str
    type: str | None = None


@dataclass(frozen=True)
class Progress:
    fraction: float | None = None
    stage: str | None = None
    message: str | None = None
    counts: Mapping[str, int] | None = None


@dataclass(frozen=True)
class ErrorInfo:
    code: str | None = None
    message: str | None = None
    retryable: bool | None = None
    retry_after: float | None = None
    details: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Operation:
    profile: str
    provider: str
    id: str
    state: State
    raw_state: str | None = None
    type: str | None = None
    resources: tuple[Resource, ...] = ()
    progress: Progress | None = None
    error: ErrorInfo | None = None
    created_at: datetime | None = None
    started_at: datetime | None = None
    updated_at: datetime | None = None
    finished_at: datetime | None = None
    raw: Mapping[str, Any] | None = None


class FailureKind(str, enum.Enum):
    """How an adapter classifies an exchange that did not yield an operation."""

    TRANSIENT = "transient"  # retry with backoff within the error budget
    MALFORMED = "malformed"  # a 2xx body that could not be read: transient, 3 in a row is fatal
    UNREACHABLE = "unreachable"  # connection refused: transient mid-wait, 3 tries at the start
    AUTH = "auth"  # 401 after one refresh, 403: exit 5
    NOT_FOUND = "not_found"  # 404 / 410: grace at start, one confirming poll after
    PROTOCOL = "protocol"  # 4xx the provider rejects, unreadable end state: exit 7
    TLS = "tls"  # certificate verification failed: exit 6, never retried
    FATAL = "fatal"  # usage-level refusal (redirect to another origin for a URL argument): exit 2


@dataclass(frozen=True)
class PollFailure:
    kind: FailureKind
    message: str
    status: int | None = None


@dataclass(frozen=True)
class PollResult:
    """One exchange with a provider: an operation, or a classified failure.

    `retry_after` is the server's Retry-After in seconds (already parsed and clamped at zero),
    whichever of the two it came with.
    """

    operation: Operation | None = None
    failure: PollFailure | None = None
    retry_after: float | None = None

    def __post_init__(self) -> None:
        if (self.operation is None) == (self.failure is None):
            raise ValueError("a PollResult holds exactly one of operation and failure")


@dataclass(frozen=True)
class OperationRef:
    """An operation as named on the command line, before anything is known of it.

    `arg` is the argument as typed, for resume lines.
    """

    profile: str
    provider: str
    id: str
    arg: str = ""


@dataclass(frozen=True)
class Outcome:
    """How the wait on one operation ended."""

    ref: OperationRef
    exit_code: ExitCode
    operation: Operation | None = None  # the last operation seen, if any
    message: str | None = None  # one line for stderr when the end is not success
