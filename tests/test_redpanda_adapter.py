from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import httpx
import pytest
from httpmock import Registry, make_profile, make_session, registry

from lro_cli.config import Credentials
from lro_cli.errors import AuthError, ProtocolError
from lro_cli.http import ClientCredentialsAuth, StaticAuth
from lro_cli.model import FailureKind, Operation, PollResult, Resource, State
from lro_cli.providers import registry as providers
from lro_cli.providers.base import ListQuery
from lro_cli.providers.redpanda import STATE_MAP, RedpandaProvider, resource_type

BASE = "https://api.redpanda.com"
OPS = "/v1/operations"
OP_ID = "cqfc6vdmvio001r4vu4"
CLUSTER = "cqg168balf4e4pm8ptu"


@pytest.fixture
def reg() -> Iterator[Registry]:
    yield from registry()


def redpanda(reg: Registry, *, page_size: int = 100) -> RedpandaProvider:
    profile = make_profile(
        "redpanda", BASE, name="rp", credentials=Credentials(token="rp-test-token")
    )
    return RedpandaProvider(profile, make_session(reg, profile), page_size=page_size)


def rp_op(op_id: str = OP_ID, state: str | None = "STATE_IN_PROGRESS", **fields: Any) -> Any:
    """The seed's Create Cluster response body."""
    return {
        "id": op_id,
        "metadata": {
            "@type": "type.googleapis.com/redpanda.api.controlplane.v1.CreateClusterMetadata",
            "cluster_id": CLUSTER,
        },
        "state": state,
        "started_at": "2024-07-23T20:31:29.948Z",
        "type": "TYPE_CREATE_CLUSTER",
        "resource_id": CLUSTER,
        **fields,
    }


def fetch(reg: Registry, body: Any, op_id: str = OP_ID) -> PollResult:
    if isinstance(body, bytes):
        reg.register("GET", f"{OPS}/{op_id}", httpx.Response(200, content=body))
    else:
        reg.json("GET", f"{OPS}/{op_id}", body)
    return asyncio.run(redpanda(reg).fetch(op_id))


def operation(result: PollResult) -> Operation:
    assert result.failure is None, result.failure
    assert result.operation is not None
    return result.operation


STATES = [
    ("STATE_IN_PROGRESS", State.RUNNING),
    ("STATE_COMPLETED", State.SUCCEEDED),
    ("STATE_FAILED", State.FAILED),
    ("STATE_UNSPECIFIED", State.UNKNOWN),
    ("STATE_PAUSED", State.UNKNOWN),  # undocumented
]


@pytest.mark.parametrize(("raw", "state"), STATES, ids=[raw for raw, _ in STATES])
def test_state_table(reg: Registry, raw: str, state: State) -> None:
    op = operation(fetch(reg, {"operation": rp_op(state=raw)}))
    assert op.state is state
    assert op.raw_state == raw


def test_every_documented_state_is_covered() -> None:
    documented = {"STATE_IN_PROGRESS", "STATE_COMPLETED", "STATE_FAILED", "STATE_UNSPECIFIED"}
    assert set(STATE_MAP) == documented


def test_operation_from_the_seed(reg: Registry) -> None:
    body = {"operation": rp_op()}
    op = operation(fetch(reg, body))
    assert (op.profile, op.provider, op.id) == ("rp", "redpanda", OP_ID)
    assert op.type == "TYPE_CREATE_CLUSTER"
    assert op.resources == (Resource(CLUSTER, "cluster"),)
    started = datetime(2024, 7, 23, 20, 31, 29, 948000, tzinfo=timezone.utc)
    assert op.started_at == started and op.created_at == started
    assert op.finished_at is None and op.error is None and op.progress is None
    assert op.raw == body["operation"]


def test_finished_at_and_a_null_resource_id(reg: Registry) -> None:
    body = {
        "operation": rp_op(
            state="STATE_COMPLETED", resource_id=None, finished_at="2024-07-23T20:41:00Z"
        )
    }
    op = operation(fetch(reg, body))
    assert op.resources == ()
    assert op.finished_at == datetime(2024, 7, 23, 20, 41, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("op_type", "noun"),
    [
        ("TYPE_CREATE_CLUSTER", "cluster"),
        ("TYPE_DELETE_NETWORK", "network"),
        ("TYPE_UPDATE_SERVERLESS_CLUSTER", "serverless_cluster"),
        ("TYPE_CREATE_CLUSTER_WITH_DEPENDENCIES", "cluster"),
        ("TYPE_DELETE_NETWORK_PEERING", "network_peering"),
        ("TYPE_UPDATE_SERVERLESS_PRIVATE_LINK", "serverless_private_link"),
        ("TYPE_CREATE_SHADOW_LINK", "shadow_link"),
        ("TYPE_RESTART_BROKER", "broker"),  # undocumented: the rule still reads it
        ("TYPE_UNSPECIFIED", None),
        ("create_cluster", None),
        (None, None),
    ],
)
def test_resource_type_is_the_noun_of_the_type(op_type: str | None, noun: str | None) -> None:
    assert resource_type(op_type) == noun


def test_resource_typed_by_a_network_type(reg: Registry) -> None:
    op = operation(fetch(reg, {"operation": rp_op(type="TYPE_DELETE_NETWORK", resource_id="n1")}))
    assert op.resources == (Resource("n1", "network"),)


ERRORS = [
    ({"code": "FAILED_PRECONDITION", "message": "quota"}, "FAILED_PRECONDITION"),
    ({"code": 9, "message": "quota"}, "9"),
]


@pytest.mark.parametrize(("error", "code"), ERRORS, ids=["name", "number"])
def test_error_code_as_name_or_number(reg: Registry, error: dict[str, Any], code: str) -> None:
    op = operation(fetch(reg, {"operation": rp_op(state="STATE_FAILED", error=error)}))
    assert op.state is State.FAILED
    assert op.error is not None
    assert (op.error.code, op.error.message) == (code, "quota")


@pytest.mark.parametrize("prefix", ["type.googleapis.com/", ""], ids=["prefixed", "bare"])
def test_error_details_with_or_without_the_type_prefix(reg: Registry, prefix: str) -> None:
    error = {
        "code": "RESOURCE_EXHAUSTED",
        "message": "slow down",
        "details": [
            {
                "@type": f"{prefix}google.rpc.ErrorInfo",
                "reason": "REASON_RATE_LIMIT_EXCEEDED",
                "domain": "redpanda.com/controlplane",
                "metadata": {"limit": "10"},
            },
            {"@type": f"{prefix}google.rpc.RetryInfo", "retry_delay": "2.5s"},
            {"@type": f"{prefix}google.rpc.Help", "links": [{"url": "https://x"}]},
            "junk",
        ],
    }
    op = operation(fetch(reg, {"operation": rp_op(state="STATE_FAILED", error=error)}))
    assert op.error is not None
    assert op.error.details == {
        "reason": "REASON_RATE_LIMIT_EXCEEDED",
        "domain": "redpanda.com/controlplane",
        "metadata.limit": "10",
        "RetryInfo": '{"retry_delay":"2.5s"}',
        "Help": '{"links":[{"url":"https://x"}]}',
    }
    assert op.error.retry_after == 2.5 and op.error.retryable is True


@pytest.mark.parametrize("error", [None, {}, {"code": "OK"}, {"code": 0}, "boom"])
def test_empty_errors_are_none(reg: Registry, error: object) -> None:
    op = operation(fetch(reg, {"operation": rp_op(state="STATE_COMPLETED", error=error)}))
    assert op.error is None


@pytest.mark.parametrize(
    "body",
    [
        b"<html>gateway</html>",
        b'{"operation": {"id',
        {"operation": None},
        {"operation": {"id": "x"}},
    ],
    ids=["html", "truncated", "null-operation", "no-state"],
)
def test_unreadable_2xx_bodies_are_malformed(reg: Registry, body: Any) -> None:
    result = fetch(reg, body)
    assert result.failure is not None and result.failure.kind is FailureKind.MALFORMED


def test_rpc_status_body_of_a_404_is_the_message(reg: Registry) -> None:
    status = {"code": "NOT_FOUND", "message": "operation not found", "details": []}
    reg.json("GET", f"{OPS}/{OP_ID}", status, status=404)
    result = asyncio.run(redpanda(reg).fetch(OP_ID))
    assert result.failure is not None and result.failure.kind is FailureKind.NOT_FOUND
    assert "operation not found" in result.failure.message


def test_defaults(reg: Registry) -> None:
    provider = redpanda(reg)
    assert provider.default_interval == 10.0
    assert provider.interval_for("TYPE_CREATE_CLUSTER") is None
    assert "operation" in provider.start_response_hint


# Lists -----------------------------------------------------------------------------------------


def collect(provider: RedpandaProvider, query: ListQuery) -> list[Operation]:
    async def run() -> list[Operation]:
        return [op async for op in provider.list_operations(query)]

    return asyncio.run(run())


def page(token: str | None, *ops: dict[str, Any]) -> dict[str, Any]:
    return {"operations": list(ops), **({"next_page_token": token} if token is not None else {})}


LIST_FILTERS = [
    (ListQuery(), {}),
    (ListQuery(states=(State.RUNNING,)), {"filter.state": "STATE_IN_PROGRESS"}),
    (ListQuery(states=(State.SUCCEEDED,)), {"filter.state": "STATE_COMPLETED"}),
    (ListQuery(states=(State.FAILED,)), {"filter.state": "STATE_FAILED"}),
    (ListQuery(types=("TYPE_CREATE_CLUSTER",)), {"filter.type_in": "TYPE_CREATE_CLUSTER"}),
    (
        ListQuery(types=("TYPE_CREATE_CLUSTER", "TYPE_DELETE_NETWORK")),
        {"filter.type_in": ["TYPE_CREATE_CLUSTER", "TYPE_DELETE_NETWORK"]},
    ),
]


@pytest.mark.parametrize(
    ("query", "filters"),
    LIST_FILTERS,
    ids=["none", "running", "succeeded", "failed", "one-type", "two-types"],
)
def test_list_pages_of_two_with_each_filter(
    reg: Registry, query: ListQuery, filters: dict[str, Any]
) -> None:
    state = filters.get("filter.state", "STATE_IN_PROGRESS")
    types = filters.get("filter.type_in", "TYPE_CREATE_CLUSTER")
    op_type = types if isinstance(types, str) else types[0]
    ops = [rp_op(f"op{i}", state, type=op_type) for i in range(5)]
    absent: dict[str, Any] = {"filter.state": [], "filter.type_in": []}
    base = {**absent, **filters, "page_size": "2"}
    reg.json("GET", OPS, page("t1", *ops[0:2]), query={**base, "page_token": []})
    reg.json("GET", OPS, page("t2", *ops[2:4]), query={**base, "page_token": "t1"})
    reg.json("GET", OPS, page("", ops[4]), query={**base, "page_token": "t2"})
    found = collect(redpanda(reg, page_size=2), query)
    assert [op.id for op in found] == ["op0", "op1", "op2", "op3", "op4"]


def test_list_ends_at_a_missing_token_and_on_a_repeated_one(reg: Registry) -> None:
    reg.json("GET", OPS, page("t1", rp_op("a"), rp_op("b")))
    reg.json("GET", OPS, page("t1", rp_op("c")), query={"page_token": "t1"})
    assert [op.id for op in collect(redpanda(reg, page_size=2), ListQuery())] == ["a", "b", "c"]


def test_list_last_page_without_operations_key(reg: Registry) -> None:
    reg.json("GET", OPS, page("t1", rp_op("a")))
    reg.json("GET", OPS, {}, query={"page_token": "t1"})
    assert [op.id for op in collect(redpanda(reg), ListQuery())] == ["a"]


def test_list_several_states_filter_locally_and_stop_at_the_limit(reg: Registry) -> None:
    ops = [rp_op("a", "STATE_COMPLETED"), rp_op("b"), rp_op("c", "STATE_FAILED"), rp_op("d")]
    reg.json("GET", OPS, page("t1", *ops[:2]), query={"filter.state": []})
    reg.json("GET", OPS, page("t2", *ops[2:]), query={"page_token": "t1"})
    query = ListQuery(states=(State.RUNNING, State.FAILED), limit=2)
    assert [op.id for op in collect(redpanda(reg, page_size=2), query)] == ["b", "c"]


@pytest.mark.parametrize("state", [State.PENDING, State.CANCELLED])
def test_list_of_a_state_redpanda_never_reports_asks_nothing(reg: Registry, state: State) -> None:
    assert collect(redpanda(reg), ListQuery(states=(state,))) == []


def test_list_since_is_local(reg: Registry) -> None:
    old = rp_op("old", started_at="2024-01-01T00:00:00Z")
    reg.json("GET", OPS, page(None, rp_op("new"), old))
    query = ListQuery(since=datetime(2024, 6, 1, tzinfo=timezone.utc))
    assert [op.id for op in collect(redpanda(reg), query)] == ["new"]


def test_list_failure_and_unreadable_page(reg: Registry) -> None:
    reg.json("GET", OPS, {"code": "UNAUTHENTICATED", "message": "no"}, status=403)
    with pytest.raises(AuthError):
        collect(redpanda(reg), ListQuery())
    reg.json("GET", OPS, {"operations": "nope"})
    with pytest.raises(ProtocolError):
        collect(redpanda(reg), ListQuery())


@pytest.mark.parametrize(
    ("body", "ids"),
    [
        ({"operation": rp_op()}, [OP_ID]),
        ({"operation": {"id": "o1"}}, ["o1"]),
        ({"operation": {}}, []),
        ({"id": "o1"}, []),
        ({"code": "INVALID_ARGUMENT", "message": "bad"}, []),
        (["o1"], []),
    ],
    ids=["seed", "id-only", "no-id", "bare", "error", "not-object"],
)
def test_ids_from_start_response(reg: Registry, body: object, ids: list[str]) -> None:
    assert redpanda(reg).ids_from_start_response(body, {}) == ids


# Registry --------------------------------------------------------------------------------------


def test_registry_with_a_plain_token(reg: Registry) -> None:
    profile = make_profile("redpanda", BASE, credentials=Credentials(token="rp-tok"))
    auth = providers.make_auth(profile)
    assert isinstance(auth, StaticAuth)
    provider = providers.create(profile, make_session(reg, profile, auth))
    assert isinstance(provider, RedpandaProvider)
    reg.json("GET", f"{OPS}/{OP_ID}", {"operation": rp_op()})
    asyncio.run(provider.fetch(OP_ID))
    assert reg.requests[0].headers["Authorization"] == "Bearer rp-tok"


def test_registry_with_client_credentials(reg: Registry) -> None:
    options = {"token_url": "https://auth.example.com/oauth/token", "audience": "aud"}
    creds = Credentials(client_id="cid", client_secret="csecret")
    profile = make_profile("redpanda", BASE, options=options, credentials=creds)
    auth = providers.make_auth(profile, reg.client())
    assert isinstance(auth, ClientCredentialsAuth)
    reg.json("POST", "https://auth.example.com/oauth/token", {"access_token": "minted"})
    reg.json("GET", f"{OPS}/{OP_ID}", {"operation": rp_op()})
    provider = providers.create(profile, make_session(reg, profile, auth))
    assert operation(asyncio.run(provider.fetch(OP_ID))).id == OP_ID
    assert reg.requests[1].headers["Authorization"] == "Bearer minted"
