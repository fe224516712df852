"""Azure asynchronous operations (PROVIDERS.md "Azure asynchronous operations", seed 003).

The operation id is the full `Azure-AsyncOperation` or `Location` URL of the starting call's
response. The URL alone may not say which kind it is, so each response decides:

- 302/303 (the asynchronous request-reply pattern): done; the redirect target is the resource.
  It is never followed: it may be on another host, and credentials stay on the profile's origin.
- 200 with a JSON object that has a `status` field (not an object or array, which a resource's
  own body may carry): an `Azure-AsyncOperation` status body. Its value is mapped
  case-insensitively; any value not in `STATE_MAP` (`InProgress`, service-specific ones) is
  running; one that is not text is unreadable. From then on the URL is known as a status URL,
  so a 200 without `status` there is unreadable too, never success.
- 202: a `Location` URL, still running (its Retry-After is honoured as from any response).
- 200, 201, 204 otherwise: a `Location` URL, done; a JSON body's `id` names the resource.
- 4xx other than 401, 403, 404, 408, 410, 429 with an ARM error body `{"error": {"code",
  "message"}}`: a `Location` URL reporting the operation failed, unless the URL is known (or
  named, see `STATUS_SEGMENTS` and `_is_status_url`) as a status URL: there a 4xx only means
  reading failed.
- 5xx from a URL not known as a status URL: transient, whatever the session would say (501 and
  505 excepted: SPEC.md never retries them).
- Every other failure is the session's classification (transient, auth, not found, protocol).

Azure has no list of asynchronous operations, and no cancel for them.
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Mapping
from typing import Any, Final
from urllib.parse import parse_qsl, urljoin, urlsplit, urlunsplit

from lro_cli.config import Profile
from lro_cli.errors import UsageError
from lro_cli.http import HttpReply, HttpSession
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
from lro_cli.providers.fields import ident, json_object, malformed, mapping, text, timestamp

# Keys are lower case: ARM's status values are case-insensitive.
STATE_MAP: Final[Mapping[str, State]] = {
    "accepted": State.PENDING,
    "succeeded": State.SUCCEEDED,
    "failed": State.FAILED,
    "canceled": State.CANCELLED,
}
# The dialect rule: any other value means the operation is still going.
OTHER_STATE: Final = State.RUNNING

COMPLETION_REDIRECTS: Final = frozenset({302, 303})
LOCATION_DONE: Final = frozenset({200, 201, 204})
LOCATION_RUNNING: Final = 202
# 4xx the session already classifies by meaning (auth, not found, transient); never an outcome.
NOT_AN_OUTCOME: Final = frozenset({401, 403, 404, 408, 410, 429})
# 5xx SPEC.md "Polling" says are not retried; every other 5xx of a Location URL is transient.
NOT_RETRIED_5XX: Final = frozenset({501, 505})
# Path segments that name an Azure-AsyncOperation URL (ARM's `operationStatuses`, older RPs'
# `asyncoperations`): a 4xx there means reading failed, even before a status body is seen.
STATUS_SEGMENTS: Final = frozenset({"operationstatuses", "asyncoperations"})
START_HEADERS: Final = ("azure-asyncoperation", "location")


class AzureProvider:
    """The `azure` dialect: the id is the status or Location URL itself."""

    name = "azure"
    default_interval = 30.0
    start_response_hint = (
        "`curl -i` output of the starting call, with an Azure-AsyncOperation or Location header"
    )

    def __init__(self, profile: Profile, session: HttpSession) -> None:
        self.profile = profile
        self.session = session
        self._status_urls: set[str] = set()  # URLs that have answered with a status body

    async def fetch(self, op_id: str) -> PollResult:
        reply = await self.session.get(op_id, follow_redirects=False)
        status = reply.status
        if status in COMPLETION_REDIRECTS:
            return self._completed_by_redirect(op_id, reply)
        if status is None or reply.failure is not None:
            return self._failed_reply(op_id, reply)
        if status == LOCATION_RUNNING:
            return self._result(self._operation(op_id, State.RUNNING), reply)
        if 300 <= status < 400:
            return self._failure(
                PollFailure(FailureKind.PROTOCOL, _unexpected(status), status), reply
            )
        body = json_object(reply.body) if reply.body.strip() else {}
        if body is None:
            return malformed(
                "Azure operation: the response is not a JSON object", reply.retry_after
            )
        if status == 200 and "status" in body and not isinstance(body["status"], (dict, list)):
            return self._status_body(op_id, body, reply)
        if op_id in self._status_urls:
            return malformed(
                "Azure operation: the status response has no status", reply.retry_after
            )
        if status not in LOCATION_DONE:
            return self._failure(
                PollFailure(FailureKind.PROTOCOL, _unexpected(status), status), reply
            )
        resource = ident(body.get("id"))
        return self._result(
            self._operation(
                op_id,
                State.SUCCEEDED,
                resources=(Resource(resource),) if resource else (),
                raw=body or None,
            ),
            reply,
        )

    def interval_for(self, op_type: str | None) -> float | None:
        return None

    def list_operations(self, query: ListQuery) -> AsyncIterator[Operation]:
        raise UsageError(
            f"profile '{self.profile.name}': Azure has no list of asynchronous operations; "
            "name each by its Azure-AsyncOperation or Location URL"
        )

    def ids_from_start_response(self, body: object, headers: Mapping[str, str]) -> list[str]:
        lowered = {name.lower(): value for name, value in headers.items()}
        for name in START_HEADERS:
            url = text(lowered.get(name))
            if url:
                return [url.strip()]
        return []

    def _status_body(self, op_id: str, body: dict[str, Any], reply: HttpReply) -> PollResult:
        raw_state = text(body.get("status"))
        if raw_state is None:
            return malformed("Azure operation status: `status` is not text", reply.retry_after)
        self._status_urls.add(op_id)
        state = STATE_MAP.get(raw_state.strip().lower(), OTHER_STATE)
        resource = ident(mapping(body.get("properties")).get("resourceId"))
        fraction = _fraction(body.get("percentComplete"))
        op = self._operation(
            op_id,
            state,
            raw_state=raw_state,
            resources=(Resource(resource),) if resource else (),
            progress=Progress(fraction=fraction) if fraction is not None else None,
            error=_error(body.get("error")),
            started_at=timestamp(body.get("startTime")),
            finished_at=timestamp(body.get("endTime")),
            raw=body,
        )
        return self._result(op, reply)

    def _completed_by_redirect(self, op_id: str, reply: HttpReply) -> PollResult:
        location = text(reply.headers.get("location"))
        if location is None:
            failure = PollFailure(
                FailureKind.PROTOCOL, f"HTTP {reply.status} without a Location", reply.status
            )
            return self._failure(failure, reply)
        target = _resource_id(urljoin(reply.url or op_id, location.strip()))
        return self._result(
            self._operation(op_id, State.SUCCEEDED, resources=(Resource(target),)), reply
        )

    def _failed_reply(self, op_id: str, reply: HttpReply) -> PollResult:
        """A failure is the operation's own outcome only on a Location URL with an ARM error."""
        failure = reply.failure or PollFailure(FailureKind.TRANSIENT, "no response")
        status = reply.status
        if status is None or self._is_status_url(op_id):
            return self._failure(failure, reply)
        if 500 <= status < 600 and status not in NOT_RETRIED_5XX:
            return self._failure(PollFailure(FailureKind.TRANSIENT, failure.message, status), reply)
        body = json_object(reply.body)
        error = _error(body.get("error")) if body is not None else None
        if 400 <= status < 500 and status not in NOT_AN_OUTCOME and error is not None:
            return self._result(self._operation(op_id, State.FAILED, error=error, raw=body), reply)
        return self._failure(failure, reply)

    def _is_status_url(self, op_id: str) -> bool:
        if op_id in self._status_urls:
            return True
        parts = urlsplit(op_id)
        segments = parts.path.lower().split("/")
        if not STATUS_SEGMENTS.isdisjoint(segments):
            return True
        # Microsoft.Compute's Azure-AsyncOperation URL is `…/locations/{l}/operations/{id}`; its
        # Location URL is the same with `monitor=true`, where other RPs use `operationResults`
        # (as observed in Compute's answers; PROVIDERS.md does not say). Read as a Location URL,
        # a 4xx on the first poll (a bad api-version, say) would be taken for the operation's
        # failure (exit 1) when only the reading failed (exit 7).
        monitor = any(
            key.lower() == "monitor" and value.lower() == "true"
            for key, value in parse_qsl(parts.query)
        )
        return _names_location_operation(segments) and not monitor

    def _operation(self, op_id: str, state: State, **fields: Any) -> Operation:
        return Operation(
            profile=self.profile.name, provider=self.name, id=op_id, state=state, **fields
        )

    def _result(self, op: Operation, reply: HttpReply) -> PollResult:
        return PollResult(operation=op, retry_after=reply.retry_after)

    def _failure(self, failure: PollFailure, reply: HttpReply) -> PollResult:
        return PollResult(failure=failure, retry_after=reply.retry_after)


def _names_location_operation(segments: list[str]) -> bool:
    """`…/locations/{region}/operations/{id}`: an ARM operation named under a region."""
    for index, segment in enumerate(segments[:-3]):
        if segment == "locations" and segments[index + 2] == "operations" and segments[index + 3]:
            return True
    return False


def _unexpected(status: int) -> str:
    return f"HTTP {status} is not an answer Azure gives to an operation URL"


def _fraction(value: object) -> float | None:
    """`percentComplete` (0–100) as a fraction 0..1; anything else is no progress."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return min(1.0, max(0.0, float(value) / 100))


def _error(value: object) -> ErrorInfo | None:
    """ARM's `{code, message, target, details: [{code, message}]}`; None without code or message."""
    error = mapping(value)
    code, message = ident(error.get("code")), text(error.get("message"))
    if code is None and message is None:
        return None
    details: dict[str, str] = {}
    target = text(error.get("target"))
    if target:
        details["target"] = target
    nested = error.get("details")
    for index, item in enumerate(nested if isinstance(nested, list) else []):
        said = " ".join(
            p for p in (ident(mapping(item).get("code")), text(mapping(item).get("message"))) if p
        )
        if said:
            details[f"details.{index}"] = said
    return ErrorInfo(code=code, message=message, details=details)


def _resource_id(url: str) -> str:
    """An ARM resource's id (its path) for a management URL; any other URL as it is.

    Userinfo is dropped either way: it is a credential and must not reach the output.
    """
    parts = urlsplit(url)
    if parts.path.lower().startswith("/subscriptions/"):
        return parts.path
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))
