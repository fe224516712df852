"""Google long-running operations (PROVIDERS.md "Google AIP-151", seed 003).

An operation is named by its resource name (`projects/p/locations/l/operations/op-123`) and read
with `GET /v1/{name}`; lists are `GET /v1/{parent}/operations`, token-paged
`{"operations", "nextPageToken"}` (lowerCamelCase). Google has no state field: `done` and which
of `error` / `response` is set decide. Cancel is `POST /v1/{name}:cancel` (best effort).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from typing import Any, Final
from urllib.parse import urlsplit, urlunsplit

from lro_cli.config import Profile
from lro_cli.errors import ProtocolError, UsageError
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
from lro_cli.providers.failures import error_for
from lro_cli.providers.fields import (
    integer,
    is_url,
    json_object,
    malformed,
    mapping,
    text,
    timestamp,
)
from lro_cli.providers.listing import take, unique

# Google has no state field, so `raw_state` is the shape that decides one: `done`, then which of
# `error` / `response` is set. CANCELLED (google.rpc.Code 1) is how a cancelled operation ends.
STATE_MAP: Final[Mapping[str, State]] = {
    "done=false": State.RUNNING,
    "done=true": State.SUCCEEDED,  # neither error nor response: e.g. a delete (Empty)
    "done=true,response": State.SUCCEEDED,
    "done=true,error": State.FAILED,
    "done=true,error=CANCELLED": State.CANCELLED,
    # Undocumented (error and response are a oneof): an error is never read as success.
    "done=true,error,response": State.FAILED,
    "done=true,error=CANCELLED,response": State.CANCELLED,
}
# AIP-160 filters on `done`: the states that one value of it pushes down to the server.
DONE_BY_STATE: Final[Mapping[State, str]] = {
    State.RUNNING: "false",
    State.SUCCEEDED: "true",
    State.FAILED: "true",
    State.CANCELLED: "true",
}
# google.rpc.Code names, shown beside the numeric code in an operation's error details.
RPC_CODES: Final[tuple[str, ...]] = (
    "OK",
    "CANCELLED",
    "UNKNOWN",
    "INVALID_ARGUMENT",
    "DEADLINE_EXCEEDED",
    "NOT_FOUND",
    "ALREADY_EXISTS",
    "PERMISSION_DENIED",
    "RESOURCE_EXHAUSTED",
    "FAILED_PRECONDITION",
    "ABORTED",
    "OUT_OF_RANGE",
    "UNIMPLEMENTED",
    "INTERNAL",
    "UNAVAILABLE",
    "DATA_LOSS",
    "UNAUTHENTICATED",
)
CANCELLED_CODE = 1
ANY_PREFIX = "type.googleapis.com/"
API = "/v1"
MAX_PAGE = 1000


class GoogleProvider:
    """The `google` dialect: any API that serves google.longrunning.Operations over REST."""

    name = "google"
    default_interval = 5.0
    start_response_hint = 'a Google Operation: {"name": "projects/…/operations/<id>", ...}'
    can_cancel = True

    def __init__(self, profile: Profile, session: HttpSession, *, page_size: int = 100) -> None:
        self.profile = profile
        self.session = session
        self.page_size = max(1, min(page_size, MAX_PAGE))

    async def fetch(self, op_id: str) -> PollResult:
        path = _target(op_id)
        if isinstance(path, PollFailure):
            return PollResult(failure=path)
        reply = await self.session.get(path)
        if reply.failure is not None:
            return PollResult(failure=reply.failure, retry_after=reply.retry_after)
        body = json_object(reply.body)
        # An Operation always has a name; a body with neither it nor `done` is something else
        # (an error page, the resource itself) and must not read as "still running".
        if body is None or ("name" not in body and "done" not in body):
            return malformed(
                "Google operation: the response is not an Operation", reply.retry_after
            )
        own = (text(body.get("name")) if is_url(op_id) else None) or op_id
        return PollResult(operation=self.operation(body, own), retry_after=reply.retry_after)

    async def cancel(self, op_id: str) -> PollFailure | None:
        """`POST {name}:cancel` with `{}`: None once the provider accepted, else its refusal."""
        path = _target(op_id)
        if isinstance(path, PollFailure):
            return path
        if is_url(path):
            parts = urlsplit(path)
            path = urlunsplit(parts._replace(path=f"{parts.path}:cancel"))
        else:
            path = f"{path}:cancel"
        reply = await self.session.request("POST", path, json_body={})
        return reply.failure

    def interval_for(self, op_type: str | None) -> float | None:
        return None

    def list_operations(self, query: ListQuery) -> AsyncIterator[Operation]:
        return take(self._pages(query), query)

    async def _pages(self, query: ListQuery) -> AsyncIterator[list[Operation | None]]:
        parent = text(self.profile.options.get("parent"))
        if parent is None:
            raise UsageError(
                f"profile '{self.profile.name}': set parent (e.g. projects/p/locations/l) to "
                "list Google operations"
            )
        path = _target(parent.strip("/"))
        if isinstance(path, PollFailure):
            raise UsageError(f"profile '{self.profile.name}': parent: {path.message}")
        filters = _filters(query)
        if filters is None:
            return
        context = f"listing operations of profile '{self.profile.name}'"
        token: str | None = None
        seen_tokens: set[str] = set()
        while True:
            params = [("pageSize", str(self.page_size)), *filters]
            if token:
                params.append(("pageToken", token))
            reply = await self.session.get(f"{path}/operations", params)
            if reply.failure is not None:
                raise error_for(reply.failure, context)
            page = json_object(reply.body)
            items = page.get("operations", []) if page is not None else None
            if not isinstance(items, list):
                raise ProtocolError(f"{context}: the response is not an operations page")
            yield [self._listed(item) for item in items]
            token = text(mapping(page).get("nextPageToken"))
            if token is None or token in seen_tokens:
                return
            seen_tokens.add(token)

    def _listed(self, item: object) -> Operation | None:
        name = text(item.get("name")) if isinstance(item, dict) else None
        return self.operation(item, name) if isinstance(item, dict) and name else None

    def ids_from_start_response(self, body: object, headers: Mapping[str, str]) -> list[str]:
        # Only an Operation's name: a method that answered with the resource itself (its name
        # is not under an `operations` collection) has nothing to wait on.
        name = text(mapping(body).get("name"))
        is_operation = name is not None and (
            name.startswith("operations/") or "/operations/" in name
        )
        return unique([name]) if is_operation else []

    def operation(self, payload: Mapping[str, Any], op_id: str) -> Operation:
        """The normalized view of one google.longrunning.Operation."""
        raw_state = _shape(payload)
        metadata = mapping(payload.get("metadata"))
        response = mapping(payload.get("response"))
        meta_type = _type_name(metadata.get("@type"))
        state = STATE_MAP.get(raw_state, State.UNKNOWN)
        return Operation(
            profile=self.profile.name,
            provider=self.name,
            id=op_id,
            state=state,
            raw_state=raw_state,
            # The verb (`create`, `delete`) says what is being done; the metadata's type only
            # which API's metadata this is, so it is the fallback.
            type=text(metadata.get("verb")) or meta_type,
            resources=_resources(response, metadata),
            progress=_progress(metadata),
            error=_error(payload.get("error")),
            created_at=timestamp(metadata.get("createTime")),
            started_at=timestamp(metadata.get("startTime")),
            updated_at=timestamp(metadata.get("updateTime")),
            finished_at=timestamp(metadata.get("endTime")),
            raw=payload,
        )


def _target(name_or_url: str) -> str | PollFailure:
    """The path of an operation name (each segment quoted, slashes kept), or a URL as given."""
    if is_url(name_or_url):
        return name_or_url
    parts = name_or_url.split("/")
    if any(part in ("", ".", "..") for part in parts):
        return PollFailure(
            FailureKind.FATAL,
            f"{name_or_url!r} is not a Google resource name (empty, '.' or '..' segment); "
            "expected e.g. projects/p/locations/l/operations/op-123",
        )
    return f"{API}/{'/'.join(segment(part) for part in parts)}"


def _shape(payload: Mapping[str, Any]) -> str:
    """The raw state: `done=…` plus what the operation carries (see STATE_MAP)."""
    done = payload.get("done")
    if done is None or done is False:
        return "done=false"
    if done is not True:  # e.g. "yes" or 1: not proto3 JSON; shown raw, read as unknown
        return f"done={json.dumps(done)}"
    shape = "done=true"
    error = payload.get("error")
    if isinstance(error, dict):
        code = error.get("code")
        shape += ",error=CANCELLED" if code in (CANCELLED_CODE, "CANCELLED") else ",error"
    if isinstance(payload.get("response"), dict):
        shape += ",response"
    return shape


def _type_name(value: object) -> str | None:
    name = text(value)
    return name.removeprefix(ANY_PREFIX) if name else None


def _resources(response: Mapping[str, Any], metadata: Mapping[str, Any]) -> tuple[Resource, ...]:
    """`response.name`, else `metadata.target`, typed by the response's type (PROVIDERS.md)."""
    resource_id = text(response.get("name")) or text(metadata.get("target"))
    if resource_id is None:
        return ()
    return (Resource(resource_id, _type_name(response.get("@type"))),)


def _progress(metadata: Mapping[str, Any]) -> Progress | None:
    """Common OperationMetadata fields; APIs differ, so each is optional (unverified per API)."""
    percent = next(
        (
            value
            for value in (
                metadata.get("progressPercent"),
                metadata.get("progressPercentage"),
                mapping(metadata.get("progress")).get("progressPercent"),
            )
            if isinstance(value, (int, float)) and not isinstance(value, bool)
        ),
        None,
    )
    message = text(metadata.get("statusMessage")) or text(metadata.get("statusDetail"))
    stage = "cancel requested" if metadata.get("requestedCancellation") is True else None
    if percent is None and message is None and stage is None:
        return None
    fraction = None if percent is None else min(1.0, max(0.0, float(percent) / 100))
    return Progress(fraction=fraction, stage=stage, message=message)


def _error(status: object) -> ErrorInfo | None:
    """A google.rpc.Status: numeric `code` (a name accepted too), `message`, typed `details`."""
    if not isinstance(status, dict):
        return None
    number = integer(status.get("code"))
    code = str(number) if number is not None else text(status.get("code"))
    details: dict[str, str] = {}
    if number is not None and 0 <= number < len(RPC_CODES):
        details["status"] = RPC_CODES[number]
    listed = status.get("details")
    for item in listed if isinstance(listed, list) else []:
        if not isinstance(item, dict):
            continue
        kind = (_type_name(item.get("@type")) or "detail").rsplit(".", 1)[-1]
        fields = {k: v for k, v in item.items() if k != "@type"}
        if kind == "ErrorInfo":
            details.update({k: fields[k] for k in ("reason", "domain") if text(fields.get(k))})
        key, n = kind, 2
        while key in details:  # a second detail of one type: Help, Help.2, …
            key, n = f"{kind}.{n}", n + 1
        details[key] = json.dumps(fields, separators=(",", ":"), sort_keys=True)
    return ErrorInfo(code=code, message=text(status.get("message")), details=details)


def _filters(query: ListQuery) -> list[tuple[str, str]] | None:
    """An AIP-160 `done=…` filter where the states map to one value; None when none can match.

    Types and --since are filtered locally: metadata fields differ from API to API.
    """
    if not query.states or State.UNKNOWN in query.states:
        return []
    values = {DONE_BY_STATE[s] for s in query.states if s in DONE_BY_STATE}
    if not values:
        return None  # only `pending`: no Google operation is ever in it
    return [("filter", f"done={values.pop()}")] if len(values) == 1 else []
