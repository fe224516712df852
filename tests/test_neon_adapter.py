from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
import pytest
from httpmock import NOW, Registry, make_profile, make_session, registry

from lro_cli.config import Credentials
from lro_cli.errors import ConfigError, ExitCode, NotFoundError, ProtocolError
from lro_cli.model import FailureKind, Operation, PollResult, Resource, State
from lro_cli.providers import registry as providers
from lro_cli.providers.base import ListQuery, Provider
from lro_cli.providers.neon import STATE_MAP, NeonProvider

BASE = "https://console.neon.tech/api/v2"
PROJECT = "hidden-river-50598307"
OPS = f"/api/v2/projects/{PROJECT}/operations"
OP_ID = "274e240f-e2fb-4719-b796-c1ab7c4ae91c"


@pytest.fixture
def reg() -> Iterator[Registry]:
    yield from registry()


def neon(reg: Registry, *, page_size: int = 100, base_url: str = BASE) -> NeonProvider:
    profile = make_profile("neon", base_url, name="nd", options={"project_id": PROJECT})
    return NeonProvider(profile, make_session(reg, profile), page_size=page_size)


def neon_op(op_id: str = OP_ID, status: str | None = "running", **fields: Any) -> dict[str, Any]:
    return {
        "id": op_id,
        "project_id": PROJECT,
        "action": "start_compute",
        "status": status,
        "failures_count": 0,
        "created_at": "2025-09-10T12:14:58Z",
        "updated_at": "2025-09-10T12:15:03Z",
        **fields,
    }


def fetch(reg: Registry, body: Any, op_id: str = OP_ID) -> PollResult:
    if isinstance(body, bytes):
        reg.register("GET", f"{OPS}/{op_id}", httpx.Response(200, content=body))
    else:
        reg.json("GET", f"{OPS}/{op_id}", body)
    return asyncio.run(neon(reg).fetch(op_id))


def operation(result: PollResult) -> Operation:
    assert result.failure is None, result.failure
    assert result.operation is not None
    return result.operation


STATES = [
    ("scheduling", {}, State.PENDING),
    ("running", {}, State.RUNNING),
    ("cancelling", {}, State.RUNNING),
    ("finished", {}, State.SUCCEEDED),
    ("skipped", {}, State.SUCCEEDED),
    ("failed", {}, State.FAILED),
    ("cancelled", {}, State.CANCELLED),
    ("error", {"error": "oom", "retry_at": "2026-05-23T05:08:01Z"}, State.RUNNING),
    ("error", {"error": "oom"}, State.FAILED),
    ("paused", {}, State.UNKNOWN),  # undocumented
]


@pytest.mark.parametrize(
    ("raw", "extra", "state"),
    STATES,
    ids=[raw + ("-retry_at" if "retry_at" in extra else "") for raw, extra, _ in STATES],
)
def test_state_table(reg: Registry, raw: str, extra: dict[str, Any], state: State) -> None:
    op = operation(fetch(reg, {"operation": neon_op(status=raw, **extra)}))
    assert op.state is state
    assert op.raw_state == raw


def test_every_documented_status_is_covered() -> None:
    documented = {"scheduling", "running", "cancelling", "finished", "skipped", "failed"}
    assert set(STATE_MAP) == documented | {"cancelled"}  # `error` is the dialect rule


def test_operation_from_the_reference(reg: Registry) -> None:
    payload = {
        "id": OP_ID,
        "project_id": PROJECT,
        "branch_id": "br-long-feather-adpbgzlx",
        "endpoint_id": "ep-round-morning-adtpn2oc",
        "action": "start_compute",
        "status": "finished",
        "failures_count": 0,
        "created_at": "2025-09-10T12:14:58Z",
        "updated_at": "2025-09-10T12:15:03Z",
        "total_duration_ms": 4843,
    }
    op = operation(fetch(reg, {"operation": payload}))
    assert (op.profile, op.provider, op.id, op.type) == ("nd", "neon", OP_ID, "start_compute")
    assert op.resources == (
        Resource("br-long-feather-adpbgzlx", "branch"),
        Resource("ep-round-morning-adtpn2oc", "endpoint"),
    )
    assert op.created_at is not None and op.updated_at is not None
    assert op.created_at.isoformat() == "2025-09-10T12:14:58+00:00"
    assert op.finished_at == op.updated_at
    assert op.progress is None and op.error is None
    assert op.raw == payload


def test_resources_only_where_present(reg: Registry) -> None:
    op = operation(fetch(reg, {"operation": neon_op(branch_id="br-1", endpoint_id=None)}))
    assert op.resources == (Resource("br-1", "branch"),)


def test_offsets_are_converted_to_utc(reg: Registry) -> None:
    body = {"operation": neon_op(created_at="2025-09-10T14:14:58.5+02:00")}
    op = operation(fetch(reg, body))
    assert op.created_at == datetime(2025, 9, 10, 12, 14, 58, 500000, tzinfo=timezone.utc)
    assert op.finished_at is None  # still running


def test_error_with_retry_at_is_retryable_and_says_when(reg: Registry) -> None:
    retry_at = (NOW + timedelta(seconds=30)).isoformat().replace("+00:00", "Z")
    body = {"operation": neon_op(status="error", error="compute failed", retry_at=retry_at)}
    op = operation(fetch(reg, body))
    assert op.error is not None
    assert op.error.message == "compute failed"
    assert op.error.retryable is True
    assert op.error.retry_after == 30.0


def test_error_without_retry_at_is_final(reg: Registry) -> None:
    op = operation(
        fetch(reg, {"operation": neon_op(status="error", error="boom", failures_count=3)})
    )
    assert op.state is State.FAILED
    assert op.error is not None and op.error.retryable is False
    assert op.progress is not None and op.progress.message == "3 failed attempts"


def test_wrong_types_never_raise(reg: Registry) -> None:
    body = {
        "operation": {
            "id": OP_ID,
            "status": "finished",
            "action": 7,
            "branch_id": ["x"],
            "endpoint_id": 12,
            "created_at": "10 Sep",
            "failures_count": "many",
            "error": 5,
            "retry_at": [],
        }
    }
    op = operation(fetch(reg, body))
    assert op.state is State.SUCCEEDED
    assert op.type is None and op.created_at is None and op.progress is None
    assert op.error is None
    assert op.resources == (Resource("12", "endpoint"),)


@pytest.mark.parametrize(
    "body",
    [
        b"<html>gateway</html>",
        b'{"operation": {"id": "x", "sta',
        b'"finished"',
        {"operation": None},
        {"operation": {"id": OP_ID}},
        {"operation": neon_op(status=None)},
    ],
    ids=["html", "truncated", "string", "null-operation", "no-status", "null-status"],
)
def test_unreadable_2xx_bodies_are_malformed(reg: Registry, body: Any) -> None:
    result = fetch(reg, body)
    assert result.failure is not None
    assert result.failure.kind is FailureKind.MALFORMED


def test_not_found_and_provider_message(reg: Registry) -> None:
    reg.json("GET", f"{OPS}/{OP_ID}", {"code": "", "message": "not found"}, status=404)
    result = asyncio.run(neon(reg).fetch(OP_ID))
    assert result.failure is not None
    assert result.failure.kind is FailureKind.NOT_FOUND
    assert "not found" in result.failure.message


def test_base_url_prefix_is_kept(reg: Registry) -> None:
    reg.json("GET", f"/neon/api/v2/projects/{PROJECT}/operations/{OP_ID}", {"operation": neon_op()})
    provider = neon(reg, base_url="http://127.0.0.1:8080/neon/api/v2")
    assert operation(asyncio.run(provider.fetch(OP_ID))).id == OP_ID


def test_project_id_is_required(reg: Registry) -> None:
    profile = make_profile("neon", BASE, name="nd")
    with pytest.raises(ConfigError, match="project_id"):
        NeonProvider(profile, make_session(reg, profile))


def test_no_built_in_intervals(reg: Registry) -> None:
    assert neon(reg).interval_for("create_branch") is None


# Lists -----------------------------------------------------------------------------------------


def collect(provider: Provider, query: ListQuery) -> list[Operation]:
    async def run() -> list[Operation]:
        return [op async for op in provider.list_operations(query)]

    return asyncio.run(run())


def page(cursor: str | None, *ops: dict[str, Any]) -> dict[str, Any]:
    return {"operations": list(ops), "pagination": {"cursor": cursor} if cursor else {}}


def test_list_follows_the_cursor_until_an_empty_page(reg: Registry) -> None:
    ops = [neon_op(f"op{i}") for i in range(5)]
    reg.json("GET", OPS, page("c1", *ops[0:2]), query={"limit": "2", "cursor": []})
    reg.json("GET", OPS, page("c2", *ops[2:4]), query={"limit": "2", "cursor": "c1"})
    reg.json("GET", OPS, page("c3", ops[4]), query={"limit": "2", "cursor": "c2"})
    reg.json("GET", OPS, page("c4"), query={"limit": "2", "cursor": "c3"})
    found = collect(neon(reg, page_size=2), ListQuery())
    assert [op.id for op in found] == ["op0", "op1", "op2", "op3", "op4"]


def test_list_ends_on_a_page_without_cursor(reg: Registry) -> None:
    reg.json("GET", OPS, page("c1", neon_op("a"), neon_op("b")))
    reg.json("GET", OPS, page(None, neon_op("c")), query={"cursor": "c1"})
    assert [op.id for op in collect(neon(reg, page_size=2), ListQuery())] == ["a", "b", "c"]


def test_list_stops_when_the_cursor_repeats(reg: Registry) -> None:
    reg.json("GET", OPS, page("c1", neon_op("a"), neon_op("b")))
    reg.json("GET", OPS, page("c1", neon_op("c")), query={"cursor": "c1"})
    assert [op.id for op in collect(neon(reg, page_size=2), ListQuery())] == ["a", "b", "c"]


def test_list_filters_locally_and_stops_at_the_limit(reg: Registry) -> None:
    reg.json("GET", OPS, page("c1", neon_op("a", "finished"), neon_op("b", "running")))
    reg.json(
        "GET",
        OPS,
        page("c2", neon_op("c", "scheduling"), neon_op("d", action="create_branch")),
        query={"cursor": "c1"},
    )
    reg.json("GET", OPS, page("c3", neon_op("e"), neon_op("f")), query={"cursor": "c2"})
    query = ListQuery(states=(State.RUNNING, State.PENDING), types=("start_compute",), limit=3)
    found = collect(neon(reg, page_size=2), query)
    assert [op.id for op in found] == ["b", "c", "e"]


def test_list_since_stops_after_a_page_entirely_older(reg: Registry) -> None:
    new, old = "2025-09-10T12:15:00Z", "2025-09-10T11:00:00Z"
    reg.json("GET", OPS, page("c1", neon_op("a", created_at=new), neon_op("b", created_at=old)))
    reg.json(
        "GET",
        OPS,
        page("c2", neon_op("c", created_at=old), neon_op("d", created_at=old)),
        query={"cursor": "c1"},
    )
    query = ListQuery(since=datetime(2025, 9, 10, 12, tzinfo=timezone.utc))
    assert [op.id for op in collect(neon(reg, page_size=2), query)] == ["a"]


def test_list_page_failure_raises_with_its_exit_code(reg: Registry) -> None:
    reg.json("GET", OPS, {"message": "project not found"}, status=404)
    with pytest.raises(NotFoundError) as raised:
        collect(neon(reg), ListQuery())
    assert raised.value.exit_code is ExitCode.NOT_FOUND
    assert "project not found" in raised.value.message


def test_list_unreadable_page_is_protocol(reg: Registry) -> None:
    reg.json("GET", OPS, {"operation": neon_op()})
    with pytest.raises(ProtocolError):
        collect(neon(reg), ListQuery())


@pytest.mark.parametrize(
    ("body", "ids"),
    [
        ({"operations": [{"id": "o1"}, {"id": "o2"}]}, ["o1", "o2"]),
        (
            {"branch": {"id": "br-1"}, "operations": [{"id": "o1", "action": "create_branch"}]},
            ["o1"],
        ),
        ({"operation": {"id": "o1", "status": "running"}}, ["o1"]),
        ({"operations": [{"id": "o1"}, "junk", {"no": "id"}, {"id": "o1"}]}, ["o1"]),
        ({"operations": []}, []),
        ({"message": "bad request"}, []),
        ("o1", []),
    ],
    ids=["several", "with-resource", "single", "junk", "none", "error-body", "not-object"],
)
def test_ids_from_start_response(reg: Registry, body: object, ids: list[str]) -> None:
    assert neon(reg).ids_from_start_response(body, {}) == ids


# Registry --------------------------------------------------------------------------------------


def test_registry_builds_neon_with_a_bearer_key(reg: Registry) -> None:
    profile = make_profile(
        "neon", BASE, options={"project_id": PROJECT}, credentials=Credentials(api_key="napi_1")
    )
    provider = providers.create(profile, make_session(reg, profile, providers.make_auth(profile)))
    assert isinstance(provider, NeonProvider)
    reg.json("GET", f"{OPS}/{OP_ID}", {"operation": neon_op()})
    asyncio.run(provider.fetch(OP_ID))
    assert reg.requests[0].headers["Authorization"] == "Bearer napi_1"


def test_make_auth_without_the_key_is_a_config_error() -> None:
    profile = make_profile("neon", BASE, credentials=Credentials())
    with pytest.raises(ConfigError, match="api_key"):
        providers.make_auth(profile)
