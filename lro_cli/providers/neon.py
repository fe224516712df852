"""Neon operations (PROVIDERS.md "Neon", seed 002).

`GET /projects/{project_id}/operations/{id}` returns `{"operation": {...}}`; lists are
cursor-paged `{"operations", "pagination": {"cursor"}}`. Neon has no cancel endpoint.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any, Final

from lro_cli.config import Profile
from lro_cli.errors import ConfigError, ProtocolError
from lro_cli.http import HttpSession, segment
from lro_cli.model import ErrorInfo, Operation, PollResult, Progress, Resource, State
from lro_cli.providers.base import ListQuery
from lro_cli.providers.failures import error_for
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
from lro_cli.providers.listing import take, unique

STATE_MAP: Final[Mapping[str, State]] = {
    "scheduling": State.PENDING,
    "running": State.RUNNING,
    "cancelling": State.RUNNING,
    "finished": State.SUCCEEDED,
    "skipped": State.SUCCEEDED,  # nothing needed doing
    "failed": State.FAILED,
    "cancelled": State.CANCELLED,
}
# The dialect rule for `error` (unverified whether terminal): with `retry_at` set the control
# plane will retry, so the operation still runs; without it, it has failed. Keyed by "retry_at set".
ERROR_STATUS: Final = "error"
ERROR_STATE_BY_RETRY: Final[Mapping[bool, State]] = {True: State.RUNNING, False: State.FAILED}
# `wait` prints these ids in this order (PROVIDERS.md), typed as given.
RESOURCE_KEYS: Final[tuple[tuple[str, str], ...]] = (
    ("branch_id", "branch"),
    ("endpoint_id", "endpoint"),
)
MAX_PAGE = 1000


class NeonProvider:
    """The `neon` dialect."""

    name = "neon"
    default_interval = 2.0
    start_response_hint = 'a Neon response with "operations": [{"id": …}] or "operation"'
    can_cancel = False  # PROVIDERS.md: no cancel endpoint

    def __init__(self, profile: Profile, session: HttpSession, *, page_size: int = 100) -> None:
        project_id = ident(profile.options.get("project_id"))
        if not project_id:
            raise ConfigError(f"profile '{profile.name}': provider neon needs project_id")
        self.profile = profile
        self.session = session
        self.project_id = project_id
        self.page_size = max(1, min(page_size, MAX_PAGE))

    @property
    def _operations_path(self) -> str:
        return f"/projects/{segment(self.project_id)}/operations"

    async def fetch(self, op_id: str) -> PollResult:
        path = op_id if is_url(op_id) else f"{self._operations_path}/{segment(op_id)}"
        reply = await self.session.get(path)
        if reply.failure is not None:
            return PollResult(failure=reply.failure, retry_after=reply.retry_after)
        body = json_object(reply.body)
        if body is None:
            return malformed("Neon operation: the response is not a JSON object", reply.retry_after)
        # Documented as {"operation": {...}}; a bare operation object is accepted too.
        payload = body.get("operation", body)
        op = self.operation(payload, own_id(payload, op_id)) if isinstance(payload, dict) else None
        if op is None or op.raw_state is None:
            return malformed("Neon operation: the response has no status", reply.retry_after)
        return PollResult(operation=op, retry_after=reply.retry_after)

    def interval_for(self, op_type: str | None) -> float | None:
        return None

    def list_operations(self, query: ListQuery) -> AsyncIterator[Operation]:
        return take(self._pages(query), query)

    async def _pages(self, query: ListQuery) -> AsyncIterator[list[Operation | None]]:
        cursor: str | None = None
        seen_cursors: set[str] = set()
        while True:
            params = [("limit", str(self.page_size))]
            if cursor:
                params.append(("cursor", cursor))
            reply = await self.session.get(self._operations_path, params)
            if reply.failure is not None:
                raise error_for(
                    reply.failure, f"listing operations of profile '{self.profile.name}'"
                )
            page = json_object(reply.body) or {}
            items = page.get("operations")
            if not isinstance(items, list):
                raise ProtocolError(
                    f"listing operations of profile '{self.profile.name}': "
                    "the response has no operations list"
                )
            ops = [self.operation(item) if isinstance(item, dict) else None for item in items]
            yield ops
            since = query.since
            older = [op for op in ops if op and since and op.created_at and op.created_at < since]
            cursor = text(mapping(page.get("pagination")).get("cursor"))
            # Pages come newest first (the cursor is the oldest time on the page, seed 002):
            # once a whole page predates --since, no later page can match.
            all_older = query.since is not None and len(older) == len(items)
            if not items or cursor is None or cursor in seen_cursors or all_older:
                return
            seen_cursors.add(cursor)

    def ids_from_start_response(self, body: object, headers: Mapping[str, str]) -> list[str]:
        if not isinstance(body, dict):
            return []
        many = body.get("operations")
        found = list(many) if isinstance(many, list) else [body.get("operation")]
        return unique(ident(mapping(item).get("id")) for item in found)

    def operation(self, payload: Mapping[str, Any], op_id: str | None = None) -> Operation | None:
        """The normalized view of one operation; None without an id to name it by."""
        op_id = op_id or ident(payload.get("id"))
        if not op_id:
            return None
        raw_state = raw_text(payload.get("status"))
        retry_at_text = text(payload.get("retry_at"))
        if raw_state == ERROR_STATUS:
            state = ERROR_STATE_BY_RETRY[retry_at_text is not None]
        else:
            state = STATE_MAP.get(raw_state or "", State.UNKNOWN)
        updated_at = timestamp(payload.get("updated_at"))
        return Operation(
            profile=self.profile.name,
            provider=self.name,
            id=op_id,
            state=state,
            raw_state=raw_state,
            type=text(payload.get("action")),
            resources=tuple(
                Resource(rid, kind)
                for key, kind in RESOURCE_KEYS
                if (rid := ident(payload.get(key))) is not None
            ),
            progress=_progress(payload),
            error=self._error(payload, state, retry_at_text),
            created_at=timestamp(payload.get("created_at")),
            updated_at=updated_at,
            # Neon gives no end time; a terminal operation's last update is when it ended.
            finished_at=updated_at if state.is_terminal else None,
            raw=payload,
        )

    def _error(
        self, payload: Mapping[str, Any], state: State, retry_at_text: str | None
    ) -> ErrorInfo | None:
        message = text(payload.get("error"))
        if message is None and retry_at_text is None and payload.get("status") != ERROR_STATUS:
            return None
        retry_after: float | None = None
        retry_at = timestamp(retry_at_text)
        if retry_at is not None:
            retry_after = max(0.0, (retry_at - self.session.now()).total_seconds())
        return ErrorInfo(
            message=message,
            retryable=True if retry_at_text else (False if state is State.FAILED else None),
            retry_after=retry_after,
            details={"retry_at": retry_at_text} if retry_at_text else {},
        )


def _progress(payload: Mapping[str, Any]) -> Progress | None:
    failures = integer(payload.get("failures_count"))
    if not failures or failures < 0:
        return None
    return Progress(message=f"{failures} failed attempt{'s' if failures != 1 else ''}")
