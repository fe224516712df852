"""LakeSail platform operations (PROVIDERS.md "LakeSail", seed 001).

`GET /operations/{operationId}` returns the operation at top level (camelCase). Its status
values are unverified (typed only as string), so they are matched case-insensitively through a
table of likely spellings, and `completedAt` guards against reading an unknown end as success.
LakeSail documents no list endpoint and no cancel.
"""

from __future__ import annotations

import json
import math
from collections.abc import AsyncIterator, Mapping
from typing import Any, Final

from lro_cli.config import Profile
from lro_cli.errors import UsageError
from lro_cli.http import HttpSession, segment
from lro_cli.model import (
    ErrorInfo,
    FailureKind,
    Operation,
    PollFailure,
    PollResult,
    Progress,
    Resource,
    State,
)
from lro_cli.providers.base import ListQuery
from lro_cli.providers.fields import (
    ident,
    integer,
    is_url,
    json_object,
    malformed,
    mapping,
    own_id,
    raw_text,
    text,
    timestamp,
)

# Keys are lowercase: statuses are looked up with `.lower()`.
STATE_MAP: Final[Mapping[str, State]] = {
    "pending": State.PENDING,
    "queued": State.PENDING,
    "running": State.RUNNING,
    "in_progress": State.RUNNING,
    "succeeded": State.SUCCEEDED,
    "completed": State.SUCCEEDED,
    "success": State.SUCCEEDED,
    "failed": State.FAILED,
    "error": State.FAILED,
    "cancelled": State.CANCELLED,
    "canceled": State.CANCELLED,
}
# progress.summary: these counts are done, one way or another, out of `total`.
DONE_COUNTS: Final = ("succeeded", "failed", "unchanged")
OPERATIONS = "/operations"


class LakesailProvider:
    """The `lakesail` dialect."""

    name = "lakesail"
    default_interval = 5.0
    start_response_hint = 'a LakeSail operation object with "id": "<operation id>"'

    def __init__(self, profile: Profile, session: HttpSession) -> None:
        self.profile = profile
        self.session = session

    async def fetch(self, op_id: str) -> PollResult:
        reply = await self.session.get(op_id if is_url(op_id) else f"{OPERATIONS}/{segment(op_id)}")
        if reply.failure is not None:
            return PollResult(failure=reply.failure, retry_after=reply.retry_after)
        payload = json_object(reply.body)
        if payload is None:
            return malformed(
                "LakeSail operation: the response is not a JSON object", reply.retry_after
            )
        op = self.operation(payload, own_id(payload, op_id))
        if op is None or op.raw_state is None:
            return malformed("LakeSail operation: the response has no status", reply.retry_after)
        if op.state is State.UNKNOWN and payload.get("completedAt") is not None:
            # The operation has ended, but how cannot be read: never guess success.
            failure = PollFailure(
                FailureKind.PROTOCOL,
                f"LakeSail operation {op.id} completed with status {op.raw_state!r}, "
                "which lro cannot read as success or failure",
            )
            return PollResult(failure=failure, retry_after=reply.retry_after)
        return PollResult(operation=op, retry_after=reply.retry_after)

    def interval_for(self, op_type: str | None) -> float | None:
        return None

    async def list_operations(self, query: ListQuery) -> AsyncIterator[Operation]:
        raise UsageError(
            f"provider lakesail has no list endpoint (profile '{self.profile.name}'); "
            "name the operations to get, wait on or watch"
        )
        yield  # an async generator, like every adapter's list_operations

    def ids_from_start_response(self, body: object, headers: Mapping[str, str]) -> list[str]:
        op_id = ident(mapping(body).get("id"))
        return [op_id] if op_id else []

    def operation(self, payload: Mapping[str, Any], op_id: str | None = None) -> Operation | None:
        """The normalized view of one operation; None without an id to name it by."""
        op_id = op_id or ident(payload.get("id"))
        if not op_id:
            return None
        raw_state = raw_text(payload.get("status"))
        resource_id = ident(payload.get("resourceId"))
        return Operation(
            profile=self.profile.name,
            provider=self.name,
            id=op_id,
            state=STATE_MAP.get((raw_state or "").strip().lower(), State.UNKNOWN),
            raw_state=raw_state,
            type=text(payload.get("operation")),
            resources=(
                (Resource(resource_id, text(payload.get("resourceType"))),) if resource_id else ()
            ),
            progress=_progress(payload.get("progress")),
            error=_error(payload.get("error")),
            created_at=timestamp(payload.get("createdAt")),
            started_at=timestamp(payload.get("startedAt")),
            updated_at=timestamp(payload.get("updatedAt")),
            finished_at=timestamp(payload.get("completedAt")),
            raw=payload,
        )


def _progress(value: object) -> Progress | None:
    progress = mapping(value)
    summary = mapping(progress.get("summary"))
    counts = {key: number for key, item in summary.items() if (number := integer(item)) is not None}
    total = counts.get("total")
    fraction = None
    if total and total > 0:
        done = sum(max(0, counts.get(key, 0)) for key in DONE_COUNTS)
        fraction = min(1.0, done / total)
    stage, message = text(progress.get("stage")), text(progress.get("message"))
    if fraction is None and stage is None and message is None and not counts:
        return None
    return Progress(fraction=fraction, stage=stage, message=message, counts=counts or None)


def _error(value: object) -> ErrorInfo | None:
    if not isinstance(value, dict):
        return None
    info = mapping(value.get("details"))
    number = integer(value.get("code"))
    code = str(number) if number is not None else text(value.get("code"))
    retryable = info.get("retryable")
    details = {
        key: found
        for key, found in (
            ("errorType", text(value.get("errorType"))),
            ("requestId", ident(info.get("requestId"))),
            ("causedBy", text(info.get("causedBy"))),
            ("fieldErrors", _field_errors(info.get("fieldErrors"))),
        )
        if found is not None
    }
    message = text(value.get("message"))
    if code is None and message is None and not details and not isinstance(retryable, bool):
        return None
    return ErrorInfo(
        code=code,
        message=message,
        retryable=retryable if isinstance(retryable, bool) else None,
        retry_after=_seconds(info.get("retryAfter")),
        details=details,
    )


def _field_errors(value: object) -> str | None:
    """`{"name": "is required"}` as `name: is required; …`, in the order received."""
    parts = [
        f"{field}: {said if isinstance(said, str) else json.dumps(said)}"
        for field, said in mapping(value).items()
    ]
    return "; ".join(parts) or None


def _seconds(value: object) -> float | None:
    """`retryAfter` in seconds (the unit is unverified); negative is 0, non-numbers None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return max(0.0, float(value))
