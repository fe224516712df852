"""Builders for model values in tests: `op("a1", State.RUNNING, progress=0.4)`."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

from lro_cli.errors import ExitCode
from lro_cli.model import ErrorInfo, Operation, OperationRef, Outcome, Progress, Resource, State

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)


def at(seconds: float) -> datetime:
    """A fixed UTC time `seconds` after 2026-01-01T00:00:00Z."""
    return T0 + timedelta(seconds=seconds)


def op(
    id: str = "op-1",
    state: State | str = State.RUNNING,
    *,
    profile: str = "p",
    provider: str = "gcore",
    type: str | None = "create_vm",
    raw_state: str | None = None,
    progress: Progress | float | None = None,
    stage: str | None = None,
    message: str | None = None,
    counts: Mapping[str, int] | None = None,
    error: ErrorInfo | str | None = None,
    resources: tuple[Resource, ...] | list[str] = (),
    created_at: datetime | None = None,
    started_at: datetime | None = None,
    updated_at: datetime | None = None,
    finished_at: datetime | None = None,
    raw: Mapping[str, Any] | None = None,
) -> Operation:
    """An operation; a float `progress` is a fraction, and stage/message/counts join it."""
    state = State(state)
    if not isinstance(progress, Progress) and (
        progress is not None or stage or message or counts is not None
    ):
        progress = Progress(fraction=progress, stage=stage, message=message, counts=counts)
    if isinstance(error, str):
        error = ErrorInfo(message=error)
    return Operation(
        profile=profile,
        provider=provider,
        id=id,
        state=state,
        raw_state=raw_state if raw_state is not None else state.value.upper(),
        type=type,
        resources=tuple(Resource(r) if isinstance(r, str) else r for r in resources),
        progress=progress,
        error=error,
        created_at=created_at,
        started_at=started_at,
        updated_at=updated_at,
        finished_at=finished_at,
        raw=raw,
    )


def ref(id: str = "op-1", *, profile: str = "p", provider: str = "gcore") -> OperationRef:
    return OperationRef(profile=profile, provider=provider, id=id, arg=id)


def outcome(
    operation: Operation | None,
    exit_code: ExitCode = ExitCode.OK,
    *,
    message: str | None = None,
    id: str | None = None,
) -> Outcome:
    """How a wait ended; without an operation, `id` names the one that was never read."""
    if operation is not None:
        the_ref = ref(operation.id, profile=operation.profile, provider=operation.provider)
    else:
        the_ref = ref(id or "op-1")
    return Outcome(ref=the_ref, exit_code=exit_code, operation=operation, message=message)
