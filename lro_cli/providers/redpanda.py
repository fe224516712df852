"""Redpanda Cloud control-plane operations (PROVIDERS.md "Redpanda", seed 000, the OpenAPI).

`GET /v1/operations/{id}` returns `{"operation": {...}}` (snake_case); lists are token-paged
`{"operations", "next_page_token"}`. Errors are google.rpc.Status. Redpanda has no cancel.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Mapping
from typing import Any, Final

from lro_cli.config import Profile
from lro_cli.errors import ProtocolError
from lro_cli.http import HttpSession, segment
from lro_cli.model import ErrorInfo, Operation, PollResult, Resource, State
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
    "STATE_IN_PROGRESS": State.RUNNING,
    "STATE_COMPLETED": State.SUCCEEDED,
    "STATE_FAILED": State.FAILED,
    "STATE_UNSPECIFIED": State.UNKNOWN,
}
# `filter.state` takes one raw value; only states that some raw value reaches can be pushed down.
RAW_BY_STATE: Final[Mapping[State, str]] = {
    state: raw for raw, state in STATE_MAP.items() if state is not State.UNKNOWN
}
TYPE_PREFIX = "TYPE_"
# A type is TYPE_<VERB>_<NOUN>[<SUFFIX>]; these suffixes qualify the verb, not the resource
# (TYPE_CREATE_CLUSTER_WITH_DEPENDENCIES still names a cluster by its resource_id).
VERB_SUFFIXES: Final = ("_WITH_DEPENDENCIES",)
ANY_PREFIX = "type.googleapis.com/"
OPERATIONS = "/v1/operations"
MAX_PAGE = 100  # the API caps a page at 100
_DURATION = re.compile(r"(\d+(?:\.\d+)?)s")


class RedpandaProvider:
    """The `redpanda` dialect."""

    name = "redpanda"
    default_interval = 10.0
    start_response_hint = 'a Redpanda response with {"operation": {"id": "<operation id>", ...}}'

    def __init__(
        self, profile: Profile, session: HttpSession, *, page_size: int = MAX_PAGE
    ) -> None:
        self.profile = profile
        self.session = session
        self.page_size = max(1, min(page_size, MAX_PAGE))

    async def fetch(self, op_id: str) -> PollResult:
        reply = await self.session.get(op_id if is_url(op_id) else f"{OPERATIONS}/{segment(op_id)}")
        if reply.failure is not None:
            return PollResult(failure=reply.failure, retry_after=reply.retry_after)
        body = json_object(reply.body)
        if body is None:
            return malformed(
                "Redpanda operation: the response is not a JSON object", reply.retry_after
            )
        # Documented as {"operation": {...}}; a bare operation object is accepted too.
        payload = body.get("operation", body)
        op = self.operation(payload, own_id(payload, op_id)) if isinstance(payload, dict) else None
        if op is None or op.raw_state is None:
            return malformed("Redpanda operation: the response has no state", reply.retry_after)
        return PollResult(operation=op, retry_after=reply.retry_after)

    def interval_for(self, op_type: str | None) -> float | None:
        return None

    def list_operations(self, query: ListQuery) -> AsyncIterator[Operation]:
        return take(self._pages(query), query)

    async def _pages(self, query: ListQuery) -> AsyncIterator[list[Operation | None]]:
        filters = _filters(query)
        if filters is None:
            return
        token: str | None = None
        seen_tokens: set[str] = set()
        while True:
            params = [("page_size", str(self.page_size)), *filters]
            if token:
                params.append(("page_token", token))
            reply = await self.session.get(OPERATIONS, params)
            if reply.failure is not None:
                raise error_for(
                    reply.failure, f"listing operations of profile '{self.profile.name}'"
                )
            page = json_object(reply.body)
            items = page.get("operations", []) if page is not None else None
            if not isinstance(items, list):
                raise ProtocolError(
                    f"listing operations of profile '{self.profile.name}': "
                    "the response is not an {operations, next_page_token} page"
                )
            yield [self.operation(item) if isinstance(item, dict) else None for item in items]
            token = text(mapping(page).get("next_page_token"))
            if token is None or token in seen_tokens:
                return
            seen_tokens.add(token)

    def ids_from_start_response(self, body: object, headers: Mapping[str, str]) -> list[str]:
        payload = mapping(body).get("operation")
        return unique([ident(mapping(payload).get("id"))])

    def operation(self, payload: Mapping[str, Any], op_id: str | None = None) -> Operation | None:
        """The normalized view of one operation; None without an id to name it by."""
        op_id = op_id or ident(payload.get("id"))
        if not op_id:
            return None
        raw_state = raw_text(payload.get("state"))
        op_type = text(payload.get("type"))
        resource_id = ident(payload.get("resource_id"))
        started_at = timestamp(payload.get("started_at"))
        return Operation(
            profile=self.profile.name,
            provider=self.name,
            id=op_id,
            state=STATE_MAP.get(raw_state or "", State.UNKNOWN),
            raw_state=raw_state,
            type=op_type,
            resources=(Resource(resource_id, resource_type(op_type)),) if resource_id else (),
            error=_error(payload.get("error")),
            # Redpanda gives no creation time; an operation starts as it is created.
            created_at=started_at,
            started_at=started_at,
            finished_at=timestamp(payload.get("finished_at")),
            raw=payload,
        )


def resource_type(op_type: str | None) -> str | None:
    """The noun of an operation type: TYPE_UPDATE_SERVERLESS_CLUSTER → `serverless_cluster`."""
    if not op_type or not op_type.startswith(TYPE_PREFIX):
        return None
    words = op_type[len(TYPE_PREFIX) :]
    for suffix in VERB_SUFFIXES:
        words = words.removesuffix(suffix)
    _verb, _, noun = words.partition("_")
    return noun.lower() or None


def _filters(query: ListQuery) -> list[tuple[str, str]] | None:
    """Query parameters for what the API filters itself; None when nothing can match."""
    params: list[tuple[str, str]] = []
    if query.states and State.UNKNOWN not in query.states:
        raw = [RAW_BY_STATE[s] for s in query.states if s in RAW_BY_STATE]
        if not raw:
            return None  # pending or cancelled: no Redpanda operation is ever in them
        if len(raw) == 1:  # `filter.state` takes one value; several are filtered locally
            params.append(("filter.state", raw[0]))
    params += [("filter.type_in", value) for value in query.types]
    return params


def _error(status: object) -> ErrorInfo | None:
    """A google.rpc.Status: `code` as a name or a number, `message`, typed `details`."""
    if not isinstance(status, dict):
        return None
    number = integer(status.get("code"))
    code = str(number) if number is not None else text(status.get("code"))
    if code in ("OK", "0"):
        code = None
    message = text(status.get("message"))
    details: dict[str, str] = {}
    retry_after: float | None = None
    listed = status.get("details")
    for item in listed if isinstance(listed, list) else []:
        if not isinstance(item, dict):
            continue
        kind = (text(item.get("@type")) or "detail").removeprefix(ANY_PREFIX)
        fields = {k: v for k, v in item.items() if k != "@type"}
        if kind == "google.rpc.RetryInfo":
            retry_after = _seconds(fields.get("retry_delay", fields.get("retryDelay")))
        _add_detail(details, kind, fields)
    if code is None and message is None and not details:
        return None
    return ErrorInfo(
        code=code,
        message=message,
        retryable=True if retry_after is not None else None,
        retry_after=retry_after,
        details=details,
    )


def _add_detail(details: dict[str, str], kind: str, fields: Mapping[str, Any]) -> None:
    """google.rpc.ErrorInfo's reason, domain and metadata by name; other types as compact JSON."""
    if kind == "google.rpc.ErrorInfo":
        for key in ("reason", "domain"):
            if text(fields.get(key)):
                details[key] = fields[key]
        for key, value in mapping(fields.get("metadata")).items():
            details[f"metadata.{key}"] = value if isinstance(value, str) else json.dumps(value)
        return
    name = kind.rsplit(".", 1)[-1]
    if name in details:  # a second detail of one type keeps its place: Help, Help.2, …
        name = f"{name}.{sum(1 for k in details if k.split('.')[0] == name) + 1}"
    details[name] = json.dumps(fields, separators=(",", ":"), sort_keys=True)


def _seconds(value: object) -> float | None:
    """A protobuf Duration in JSON (`"1.5s"`) as seconds."""
    if isinstance(value, str) and (match := _DURATION.fullmatch(value.strip())):
        return float(match.group(1))
    return None
