"""Gcore Cloud tasks (PROVIDERS.md "Gcore Cloud", seed 004).

`GET /cloud/v1/tasks/{id}` returns the task at top level; lists are offset-paged
`{"count", "results"}`; write calls answer `{"tasks": [ids]}`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from datetime import timezone
from typing import Any, Final

from lro_cli.config import Profile
from lro_cli.errors import ProtocolError
from lro_cli.http import HttpSession, segment
from lro_cli.model import ErrorInfo, Operation, PollResult, Progress, Resource, State
from lro_cli.providers.base import ListQuery
from lro_cli.providers.failures import error_for
from lro_cli.providers.fields import (
    ident,
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
    "NEW": State.PENDING,
    "RUNNING": State.RUNNING,
    "FINISHED": State.SUCCEEDED,
    "ERROR": State.FAILED,
}
RAW_BY_STATE: Final[Mapping[State, str]] = {state: raw for raw, state in STATE_MAP.items()}

# Seed 004's table, with exact task types from the gcore SDK (`TaskListParams.task_type`).
INTERVAL_BY_TYPE: Final[Mapping[str, float]] = {
    "create_loadbalancer": 10.0,
    "create_k8s_cluster_v2": 30.0,
}
# The rest of each family is matched on the words of its type, because the SDK names no
# bare-metal deletion task and the table's rows are families ("load balancer", "Kubernetes
# cluster") rather than single types. The first rule whose words all occur wins.
INTERVAL_BY_WORDS: Final[tuple[tuple[frozenset[str], float], ...]] = (
    (frozenset({"k8s"}), 30.0),
    (frozenset({"delete", "baremetal"}), 30.0),
    (frozenset({"delete", "bm"}), 30.0),
    (frozenset({"loadbalancer"}), 10.0),
    (frozenset({"lb"}), 10.0),
)
TASKS = "/cloud/v1/tasks"
MAX_PAGE = 1000


class GcoreProvider:
    """The `gcore` dialect."""

    name = "gcore"
    default_interval = 5.0
    start_response_hint = 'a Gcore response with {"tasks": ["<task id>", ...]}'
    can_cancel = False  # PROVIDERS.md: no cancel endpoint

    def __init__(self, profile: Profile, session: HttpSession, *, page_size: int = 100) -> None:
        self.profile = profile
        self.session = session
        self.page_size = max(1, min(page_size, MAX_PAGE))

    async def fetch(self, op_id: str) -> PollResult:
        reply = await self.session.get(op_id if is_url(op_id) else f"{TASKS}/{segment(op_id)}")
        if reply.failure is not None:
            return PollResult(failure=reply.failure, retry_after=reply.retry_after)
        task = json_object(reply.body)
        if task is None:
            return malformed("Gcore task: the response is not a JSON object", reply.retry_after)
        op = self.operation(task, own_id(task, op_id)) if task.get("state") is not None else None
        if op is None:
            return malformed("Gcore task: the response has no state", reply.retry_after)
        return PollResult(operation=op, retry_after=reply.retry_after)

    def interval_for(self, op_type: str | None) -> float | None:
        if not op_type:
            return None
        if op_type in INTERVAL_BY_TYPE:
            return INTERVAL_BY_TYPE[op_type]
        words = set(op_type.lower().split("_"))
        for needed, interval in INTERVAL_BY_WORDS:
            if needed <= words:
                return interval
        return None

    def list_operations(self, query: ListQuery) -> AsyncIterator[Operation]:
        return take(self._pages(query), query)

    async def _pages(self, query: ListQuery) -> AsyncIterator[list[Operation | None]]:
        filters = self._filters(query)
        if filters is None:
            return
        offset = 0
        while True:
            params = [("limit", str(self.page_size)), ("offset", str(offset)), *filters]
            reply = await self.session.get(TASKS, params)
            if reply.failure is not None:
                raise error_for(reply.failure, f"listing tasks of profile '{self.profile.name}'")
            page = json_object(reply.body) or {}
            results = page.get("results")
            if not isinstance(results, list):
                raise ProtocolError(
                    f"listing tasks of profile '{self.profile.name}': "
                    "the response is not a {count, results} page"
                )
            yield [self.operation(item) if isinstance(item, dict) else None for item in results]
            offset += len(results)
            count = page.get("count")
            if not results or (isinstance(count, int) and offset >= count):
                return

    def ids_from_start_response(self, body: object, headers: Mapping[str, str]) -> list[str]:
        tasks = body.get("tasks") if isinstance(body, dict) else None
        return unique(ident(task) for task in tasks) if isinstance(tasks, list) else []

    def _filters(self, query: ListQuery) -> list[tuple[str, str]] | None:
        """Query parameters for what the API filters itself; None when nothing can match."""
        params = [("order_by", "desc")]
        if query.states and State.UNKNOWN not in query.states:
            raw = [RAW_BY_STATE[s] for s in query.states if s in RAW_BY_STATE]
            if not raw:
                return None  # e.g. `cancelled`: no Gcore task is ever in it
            params += [("state", value) for value in raw]
        if len(query.types) == 1:  # the API takes a single task_type
            params.append(("task_type", query.types[0]))
        for key in ("project_id", "region_id"):
            value = self.profile.options.get(key)
            for item in value if isinstance(value, (list, tuple)) else [value]:
                if ident(item):
                    params.append((key, str(ident(item))))
        if query.since is not None:
            since = query.since if query.since.tzinfo else query.since.replace(tzinfo=timezone.utc)
            params.append(("from_timestamp", since.astimezone(timezone.utc).isoformat()))
        return params

    def operation(self, task: Mapping[str, Any], op_id: str | None = None) -> Operation | None:
        """The normalized view of one task; None without an id to name it by."""
        task_id = op_id or ident(task.get("id"))
        if not task_id:
            return None
        raw_state = raw_text(task.get("state"))
        stage = text(task.get("detailed_state"))
        return Operation(
            profile=self.profile.name,
            provider=self.name,
            id=task_id,
            state=STATE_MAP.get(raw_state or "", State.UNKNOWN),
            raw_state=raw_state,
            type=text(task.get("task_type")),
            resources=_resources(task.get("created_resources")),
            progress=Progress(stage=stage) if stage else None,
            error=_error(task),
            # Gcore's times carry no zone; they are UTC (`timestamp` reads them so).
            created_at=timestamp(task.get("created_on")),
            updated_at=timestamp(task.get("updated_on")),
            finished_at=timestamp(task.get("finished_on")),
            raw=task,
        )


def _error(task: Mapping[str, Any]) -> ErrorInfo | None:
    message = text(task.get("error"))
    if message is None:
        return None
    request_id = text(task.get("request_id"))  # what Gcore support asks for
    return ErrorInfo(message=message, details={"request_id": request_id} if request_id else {})


def _resources(created: object) -> tuple[Resource, ...]:
    """Every id of `created_resources`, in key order as received, typed by its key."""
    found: list[Resource] = []
    for kind, ids in mapping(created).items():
        for value in ids if isinstance(ids, list) else [ids]:
            resource_id = ident(value)
            if resource_id:
                found.append(Resource(resource_id, kind))
    return tuple(found)
