from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import httpx
import pytest
from httpmock import Registry, make_profile, make_session, registry

from lro_cli.config import Credentials
from lro_cli.errors import ExitCode, UsageError
from lro_cli.model import ErrorInfo, FailureKind, Operation, PollResult, Progress, Resource, State
from lro_cli.providers import registry as providers
from lro_cli.providers.base import ListQuery
from lro_cli.providers.lakesail import STATE_MAP, LakesailProvider

BASE = "https://platform.lakesail.com/api/v1"
OP_ID = "A1B2C3D4E5"
OP_PATH = f"/api/v1/operations/{OP_ID}"


@pytest.fixture
def reg() -> Iterator[Registry]:
    yield from registry()


def lakesail(reg: Registry) -> LakesailProvider:
    profile = make_profile("lakesail", BASE, name="ls", credentials=Credentials(token="ls-token"))
    return LakesailProvider(profile, make_session(reg, profile))


def ls_op(status: str | None = "running", **fields: Any) -> dict[str, Any]:
    return {
        "id": OP_ID,
        "organizationId": "org-1",
        "memberId": "mem-1",
        "operation": "provision_cluster",
        "status": status,
        "resourceType": "cluster",
        "resourceId": "cl-9",
        "createdAt": "2025-03-01T10:00:00Z",
        "updatedAt": "2025-03-01T10:02:00Z",
        "startedAt": "2025-03-01T10:00:05Z",
        "completedAt": None,
        **fields,
    }


def fetch(reg: Registry, body: Any) -> PollResult:
    if isinstance(body, bytes):
        reg.register("GET", OP_PATH, httpx.Response(200, content=body))
    else:
        reg.json("GET", OP_PATH, body)
    return asyncio.run(lakesail(reg).fetch(OP_ID))


def operation(result: PollResult) -> Operation:
    assert result.failure is None, result.failure
    assert result.operation is not None
    return result.operation


DOCUMENTED = [
    ("pending", State.PENDING),
    ("queued", State.PENDING),
    ("running", State.RUNNING),
    ("in_progress", State.RUNNING),
    ("succeeded", State.SUCCEEDED),
    ("completed", State.SUCCEEDED),
    ("success", State.SUCCEEDED),
    ("failed", State.FAILED),
    ("error", State.FAILED),
    ("cancelled", State.CANCELLED),
    ("canceled", State.CANCELLED),
]
# Each value also in capitals and in title case, plus one undocumented value.
STATES = [
    *DOCUMENTED,
    *[(raw.upper(), state) for raw, state in DOCUMENTED],
    *[(raw.title(), state) for raw, state in DOCUMENTED],
    ("deploying", State.UNKNOWN),
]


@pytest.mark.parametrize(("raw", "state"), STATES, ids=[raw for raw, _ in STATES])
def test_state_table(reg: Registry, raw: str, state: State) -> None:
    completed = "2025-03-01T10:05:00Z" if state.is_terminal else None
    op = operation(fetch(reg, ls_op(raw, completedAt=completed)))
    assert op.state is state
    assert op.raw_state == raw


def test_every_documented_status_is_covered() -> None:
    assert dict(STATE_MAP) == dict(DOCUMENTED)


def test_unknown_status_with_completed_at_is_protocol_never_success(reg: Registry) -> None:
    result = fetch(reg, ls_op("Done", completedAt="2025-03-01T10:05:00Z"))
    assert result.operation is None and result.failure is not None
    assert result.failure.kind is FailureKind.PROTOCOL
    assert "'Done'" in result.failure.message and OP_ID in result.failure.message


def test_unknown_status_without_completed_at_keeps_polling(reg: Registry) -> None:
    op = operation(fetch(reg, ls_op("Deploying")))
    assert op.state is State.UNKNOWN and op.finished_at is None


def test_known_status_with_completed_at_is_read(reg: Registry) -> None:
    op = operation(fetch(reg, ls_op("SUCCEEDED", completedAt="2025-03-01T10:05:00Z")))
    assert op.state is State.SUCCEEDED
    assert op.finished_at == datetime(2025, 3, 1, 10, 5, tzinfo=timezone.utc)


def test_operation_fields(reg: Registry) -> None:
    payload = ls_op()
    op = operation(fetch(reg, payload))
    assert (op.profile, op.provider, op.id, op.type) == (
        "ls",
        "lakesail",
        OP_ID,
        "provision_cluster",
    )
    assert op.resources == (Resource("cl-9", "cluster"),)
    assert op.created_at == datetime(2025, 3, 1, 10, 0, tzinfo=timezone.utc)
    assert op.started_at == datetime(2025, 3, 1, 10, 0, 5, tzinfo=timezone.utc)
    assert op.updated_at == datetime(2025, 3, 1, 10, 2, tzinfo=timezone.utc)
    assert op.progress is None and op.error is None
    assert op.raw == payload


def test_resource_without_type_and_without_id(reg: Registry) -> None:
    op = operation(fetch(reg, ls_op(resourceType=None)))
    assert op.resources == (Resource("cl-9", None),)


def test_no_resource_id_no_resources(reg: Registry) -> None:
    assert operation(fetch(reg, ls_op(resourceId=None))).resources == ()


PROGRESS = [
    (
        {"total": 10, "pending": 2, "running": 1, "succeeded": 4, "failed": 1, "unchanged": 2},
        0.7,
    ),
    ({"total": 0, "succeeded": 0}, None),
    ({"succeeded": 3}, None),
    ({"total": 4, "succeeded": 9}, 1.0),
]


@pytest.mark.parametrize(
    ("summary", "fraction"), PROGRESS, ids=["mixed", "total-0", "no-total", "over"]
)
def test_progress_from_the_summary(
    reg: Registry, summary: dict[str, int], fraction: float | None
) -> None:
    progress = {"stage": "networking", "message": "creating VPC", "summary": summary}
    op = operation(fetch(reg, ls_op(progress=progress)))
    assert op.progress == Progress(
        fraction=fraction, stage="networking", message="creating VPC", counts=summary
    )


def test_progress_counts_keep_only_integers(reg: Registry) -> None:
    summary = {"total": 2, "succeeded": 1, "failed": "x", "unchanged": None}
    op = operation(fetch(reg, ls_op(progress={"summary": summary, "resources": []})))
    assert op.progress == Progress(fraction=0.5, counts={"total": 2, "succeeded": 1})


def test_error_with_every_detail(reg: Registry) -> None:
    error = {
        "code": "QUOTA_EXCEEDED",
        "message": "no capacity",
        "errorType": "ResourceExhausted",
        "details": {
            "retryable": True,
            "retryAfter": 30,
            "fieldErrors": {"region": "unavailable", "size": "too large"},
            "requestId": "req-7",
            "causedBy": "aws: InsufficientInstanceCapacity",
        },
    }
    op = operation(fetch(reg, ls_op("FAILED", error=error, completedAt="2025-03-01T10:05:00Z")))
    assert op.state is State.FAILED
    assert op.error == ErrorInfo(
        code="QUOTA_EXCEEDED",
        message="no capacity",
        retryable=True,
        retry_after=30.0,
        details={
            "errorType": "ResourceExhausted",
            "requestId": "req-7",
            "causedBy": "aws: InsufficientInstanceCapacity",
            "fieldErrors": "region: unavailable; size: too large",
        },
    )


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        ({"code": 503, "message": "m"}, ErrorInfo(code="503", message="m")),
        ({"message": "m", "details": {"retryAfter": -5}}, ErrorInfo(message="m", retry_after=0.0)),
        ({"details": {"retryable": False}}, ErrorInfo(retryable=False)),
        ({"details": {"retryAfter": "soon", "retryable": "yes"}}, None),
        ({}, None),
        ("broken", None),
        (None, None),
    ],
    ids=[
        "numeric-code",
        "negative-retry",
        "only-retryable",
        "wrong-types",
        "empty",
        "text",
        "null",
    ],
)
def test_error_shapes(reg: Registry, error: object, expected: ErrorInfo | None) -> None:
    assert operation(fetch(reg, ls_op("failed", error=error))).error == expected


@pytest.mark.parametrize(
    "body",
    [b"<html>bad gateway</html>", b'{"id": "A1', b"[]", {"id": OP_ID}, ls_op(None)],
    ids=["html", "truncated", "array", "no-status", "null-status"],
)
def test_unreadable_2xx_bodies_are_malformed(reg: Registry, body: Any) -> None:
    result = fetch(reg, body)
    assert result.failure is not None and result.failure.kind is FailureKind.MALFORMED


def test_defaults(reg: Registry) -> None:
    provider = lakesail(reg)
    assert provider.default_interval == 5.0
    assert provider.interval_for("provision_cluster") is None


def test_list_is_refused_with_exit_2(reg: Registry) -> None:
    async def run() -> list[Operation]:
        return [op async for op in lakesail(reg).list_operations(ListQuery())]

    with pytest.raises(UsageError, match="provider lakesail has no list endpoint") as raised:
        asyncio.run(run())
    assert raised.value.exit_code is ExitCode.USAGE
    assert reg.requests == []


@pytest.mark.parametrize(
    ("body", "ids"),
    [
        (ls_op(), [OP_ID]),
        ({"id": "op-2"}, ["op-2"]),
        ({"id": ""}, []),
        ({"error": {"message": "bad"}}, []),
        ("op-3", []),
    ],
    ids=["operation", "id-only", "empty-id", "error-body", "not-object"],
)
def test_ids_from_start_response(reg: Registry, body: object, ids: list[str]) -> None:
    assert lakesail(reg).ids_from_start_response(body, {}) == ids


def test_registry_sends_the_bearer_token(reg: Registry) -> None:
    profile = make_profile("lakesail", BASE, credentials=Credentials(token="ls-secret"))
    provider = providers.create(profile, make_session(reg, profile, providers.make_auth(profile)))
    assert isinstance(provider, LakesailProvider)
    reg.json("GET", OP_PATH, ls_op())
    asyncio.run(provider.fetch(OP_ID))
    assert reg.requests[0].headers["Authorization"] == "Bearer ls-secret"
