from __future__ import annotations

import asyncio
import importlib
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import httpx
import pytest
from httpmock import Registry, make_profile, make_session, registry

from lro_cli.config import Credentials
from lro_cli.errors import AuthError, ExitCode, ProtocolError, UnreachableError, UsageError
from lro_cli.model import FailureKind, Operation, PollResult, Resource, State
from lro_cli.providers import registry as providers
from lro_cli.providers.base import ListQuery, Provider
from lro_cli.providers.gcore import STATE_MAP, GcoreProvider

TASKS = "/cloud/v1/tasks"
TASK_ID = "d4a4b10e-5d22-4c23-8e09-f7a3e1c1a999"


@pytest.fixture
def reg() -> Iterator[Registry]:
    yield from registry()


def gcore(reg: Registry, *, page_size: int = 100, **options: Any) -> GcoreProvider:
    profile = make_profile("gcore", "https://api.gcore.com", name="gc", options=options)
    return GcoreProvider(profile, make_session(reg, profile), page_size=page_size)


def task(task_id: str = TASK_ID, state: str | None = "RUNNING", **fields: Any) -> dict[str, Any]:
    return {"id": task_id, "state": state, "task_type": "create_vm", **fields}


def fetch(reg: Registry, body: Any, op_id: str = TASK_ID) -> PollResult:
    if isinstance(body, (bytes, str)):
        reg.register("GET", f"{TASKS}/{op_id}", httpx.Response(200, content=body))
    else:
        reg.json("GET", f"{TASKS}/{op_id}", body)
    return asyncio.run(gcore(reg).fetch(op_id))


def operation(result: PollResult) -> Operation:
    assert result.failure is None, result.failure
    assert result.operation is not None
    return result.operation


STATES = [
    ("NEW", State.PENDING),
    ("RUNNING", State.RUNNING),
    ("FINISHED", State.SUCCEEDED),
    ("ERROR", State.FAILED),
    ("CANCELLED", State.UNKNOWN),  # undocumented
    ("finished", State.UNKNOWN),  # the documented values are upper case
]


@pytest.mark.parametrize(("raw", "state"), STATES, ids=[raw for raw, _ in STATES])
def test_state_table(reg: Registry, raw: str, state: State) -> None:
    op = operation(fetch(reg, task(state=raw)))
    assert op.state is state
    assert op.raw_state == raw


def test_every_documented_state_is_in_the_table() -> None:
    assert set(STATE_MAP) == {"NEW", "RUNNING", "FINISHED", "ERROR"}


def test_finished_task_from_the_reference(reg: Registry) -> None:
    body = {
        "id": TASK_ID,
        "task_type": "create_vm",
        "state": "FINISHED",
        "error": None,
        "created_on": "2026-05-23T05:07:31",
        "updated_on": "2026-05-23T05:07:49.123456",
        "finished_on": "2026-05-23T05:07:50",
        "created_resources": {
            "instances": ["169942e0-9b53-42df-95ef-1a8b6525c2bd"],
            "volumes": ["726ecfcc-7fd0-4e30-a86e-7892524aa483"],
            "floatingips": [],
            "networks": [],
        },
    }
    op = operation(fetch(reg, body))
    assert (op.profile, op.provider, op.id, op.type) == ("gc", "gcore", TASK_ID, "create_vm")
    assert op.resources == (
        Resource("169942e0-9b53-42df-95ef-1a8b6525c2bd", "instances"),
        Resource("726ecfcc-7fd0-4e30-a86e-7892524aa483", "volumes"),
    )
    assert op.created_at is not None and op.finished_at is not None
    assert op.created_at.isoformat() == "2026-05-23T05:07:31+00:00"
    assert op.finished_at.isoformat() == "2026-05-23T05:07:50+00:00"
    assert op.updated_at == datetime(2026, 5, 23, 5, 7, 49, 123456, tzinfo=timezone.utc)
    assert op.error is None
    assert op.raw == body


def test_resources_keep_key_order_as_received_and_list_order(reg: Registry) -> None:
    created = {"volumes": ["v2", "v1"], "instances": ["i1"], "ports": [], "ddos_profiles": [7]}
    op = operation(fetch(reg, task(state="FINISHED", created_resources=created)))
    assert [(r.id, r.type) for r in op.resources] == [
        ("v2", "volumes"),
        ("v1", "volumes"),
        ("i1", "instances"),
        ("7", "ddos_profiles"),
    ]


def test_error_task(reg: Registry) -> None:
    body = task(state="ERROR", error="Quota limit for volume_size exceeded by 20")
    body.update(created_resources=None, request_id="req-9")
    op = operation(fetch(reg, body))
    assert op.state is State.FAILED
    assert op.error is not None
    assert op.error.message == "Quota limit for volume_size exceeded by 20"
    assert op.error.details == {"request_id": "req-9"}
    assert op.resources == ()


def test_detailed_state_is_the_stage(reg: Registry) -> None:
    op = operation(fetch(reg, task(detailed_state="CLUSTER_RESIZE")))
    assert op.progress is not None and op.progress.stage == "CLUSTER_RESIZE"


def test_wrong_types_never_raise(reg: Registry) -> None:
    body = {
        "id": TASK_ID,
        "state": 3,
        "task_type": ["x"],
        "created_on": 1700000000,
        "updated_on": "yesterday",
        "error": {"nested": True},
        "created_resources": {"instances": "i-1", "volumes": [None, {}, True, "v-1"]},
        "detailed_state": 9,
    }
    op = operation(fetch(reg, body))
    assert op.state is State.UNKNOWN
    assert op.type is None and op.created_at is None and op.updated_at is None
    assert op.error is None and op.progress is None
    assert op.resources == (Resource("i-1", "instances"), Resource("v-1", "volumes"))


@pytest.mark.parametrize(
    "body",
    [
        b"<html>502</html>",
        b'{"id": "x", "state": "RUN',
        b"[1, 2]",
        {"id": TASK_ID},
        task(state=None),
    ],
    ids=["html", "truncated", "array", "no-state", "null-state"],
)
def test_unreadable_2xx_bodies_are_malformed(reg: Registry, body: Any) -> None:
    result = fetch(reg, body)
    assert result.failure is not None
    assert result.failure.kind is FailureKind.MALFORMED


def test_http_failures_pass_through_with_retry_after(reg: Registry) -> None:
    reg.register("GET", f"{TASKS}/t1", httpx.Response(503, headers={"Retry-After": "9"}))
    reg.register("GET", f"{TASKS}/t1", httpx.Response(404, json={"message": "no such task"}))
    provider = gcore(reg)
    busy, gone = asyncio.run(provider.fetch("t1")), asyncio.run(provider.fetch("t1"))
    assert busy.failure is not None and busy.failure.kind is FailureKind.TRANSIENT
    assert busy.retry_after == 9.0
    assert gone.failure is not None and gone.failure.kind is FailureKind.NOT_FOUND


def test_ids_are_quoted_into_the_path(reg: Registry) -> None:
    reg.json("GET", f"{TASKS}/a%2F..%2Fb", task("a/../b"))
    assert operation(asyncio.run(gcore(reg).fetch("a/../b"))).id == "a/../b"


@pytest.mark.parametrize(
    ("task_type", "interval"),
    [
        ("create_vm", None),
        ("create_volume", None),
        ("create_loadbalancer", 10.0),
        ("delete_loadbalancer", 10.0),
        ("create_lblistener", None),
        ("create_k8s_cluster_v2", 30.0),
        ("delete_k8s_cluster_pool_v2", 30.0),
        ("delete_bm", 30.0),
        ("delete_baremetal_server", 30.0),
        ("create_bm", None),
        (None, None),
    ],
    ids=lambda v: str(v),
)
def test_built_in_intervals(reg: Registry, task_type: str | None, interval: float | None) -> None:
    assert gcore(reg).interval_for(task_type) == interval


# Lists -----------------------------------------------------------------------------------------


def collect(provider: Provider, query: ListQuery) -> list[Operation]:
    async def run() -> list[Operation]:
        return [op async for op in provider.list_operations(query)]

    return asyncio.run(run())


def page(count: int, *tasks: dict[str, Any]) -> dict[str, Any]:
    return {"count": count, "results": list(tasks)}


def test_list_follows_every_page(reg: Registry) -> None:
    tasks = [task(f"t{i}", created_on=f"2026-05-23T05:0{i}:00") for i in range(5)]
    base = {"limit": "2", "order_by": "desc"}
    reg.json("GET", TASKS, page(5, *tasks[0:2]), query={**base, "offset": "0"})
    reg.json("GET", TASKS, page(5, *tasks[2:4]), query={**base, "offset": "2"})
    reg.json("GET", TASKS, page(5, *tasks[4:]), query={**base, "offset": "4"})
    ops = collect(gcore(reg, page_size=2), ListQuery(limit=50))
    assert [op.id for op in ops] == ["t0", "t1", "t2", "t3", "t4"]
    assert ops[0].created_at is not None and ops[0].created_at.tzinfo is not None


def test_list_pushes_filters_down_and_applies_them_locally(reg: Registry) -> None:
    expected = {
        "limit": "2",
        "order_by": "desc",
        "state": ["RUNNING", "NEW"],
        "task_type": "create_vm",
        "project_id": "1",
        "region_id": ["76", "77"],
        "from_timestamp": "2026-05-23T00:00:00+00:00",
    }
    # This server ignores the filters: what comes back unfiltered must not be shown.
    reg.json(
        "GET",
        TASKS,
        page(6, task("a"), task("b", state="FINISHED")),
        query={**expected, "offset": "0"},
    )
    reg.json(
        "GET",
        TASKS,
        page(6, task("c", state="NEW"), task("d", task_type="delete_vm")),
        query={**expected, "offset": "2"},
    )
    reg.json(
        "GET",
        TASKS,
        page(6, task("e", created_on="2026-05-22T23:59:59"), task("f", state="NEW")),
        query={**expected, "offset": "4"},
    )
    query = ListQuery(
        states=(State.RUNNING, State.PENDING),
        types=("create_vm",),
        since=datetime(2026, 5, 23, tzinfo=timezone.utc),
    )
    provider = gcore(reg, page_size=2, project_id=1, region_id=[76, 77])
    assert [op.id for op in collect(provider, query)] == ["a", "c", "f"]


def test_list_stops_at_the_limit(reg: Registry) -> None:
    reg.json("GET", TASKS, page(9, task("a"), task("b")), query={"offset": "0"})
    reg.json("GET", TASKS, page(9, task("c"), task("d")), query={"offset": "2"})
    ops = collect(gcore(reg, page_size=2), ListQuery(limit=3))
    assert [op.id for op in ops] == ["a", "b", "c"]


def test_list_of_a_state_gcore_never_has_asks_nothing(reg: Registry) -> None:
    assert collect(gcore(reg), ListQuery(states=(State.CANCELLED,))) == []


@pytest.mark.parametrize(
    ("response", "error", "code"),
    [
        (httpx.Response(403, json={"message": "forbidden"}), AuthError, ExitCode.AUTH),
        (httpx.Response(503), UnreachableError, ExitCode.UNREACHABLE),
        (httpx.Response(200, json={"tasks": []}), ProtocolError, ExitCode.PROTOCOL),
    ],
    ids=["403", "503", "not-a-page"],
)
def test_list_page_failure_raises_with_its_exit_code(
    reg: Registry, response: httpx.Response, error: type[Exception], code: ExitCode
) -> None:
    reg.register("GET", TASKS, response)
    with pytest.raises(error) as raised:
        collect(gcore(reg), ListQuery())
    assert getattr(raised.value, "exit_code", None) == code
    assert "'gc'" in str(raised.value)


@pytest.mark.parametrize(
    ("body", "ids"),
    [
        ({"tasks": ["t1"]}, ["t1"]),
        ({"tasks": ["t1", "t2", "t1"]}, ["t1", "t2"]),
        ({"tasks": []}, []),
        ({"tasks": "t1"}, []),
        (["t1"], []),
        (None, []),
    ],
    ids=["one", "several", "empty", "not-a-list", "array", "none"],
)
def test_ids_from_start_response(reg: Registry, body: object, ids: list[str]) -> None:
    assert gcore(reg).ids_from_start_response(body, {}) == ids


# Registry --------------------------------------------------------------------------------------


def test_registry_builds_gcore_with_its_api_key_header(reg: Registry) -> None:
    profile = make_profile("gcore", credentials=Credentials(api_key="k-123"))
    session = make_session(reg, profile, providers.make_auth(profile))
    provider = providers.create(profile, session)
    assert isinstance(provider, GcoreProvider)
    reg.json("GET", f"{TASKS}/t1", task("t1"))
    asyncio.run(provider.fetch("t1"))
    assert reg.requests[0].headers["Authorization"] == "APIKey k-123"


def test_registry_refuses_providers_not_built_yet(
    reg: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every provider has its adapter now: refusal is checked on a module that does not exist.
    name = "google"
    monkeypatch.setitem(providers.ADAPTERS, name, ("lro_cli.providers.not_built_yet", "Adapter"))
    profile = make_profile(name, name="later")
    with pytest.raises(UsageError, match=f"provider '{name}' \\(profile 'later'\\)"):
        providers.create(profile, make_session(reg, profile))


@pytest.mark.parametrize(
    ("name", "seconds"),
    [
        ("gcore", 5),
        ("neon", 2),
        ("redpanda", 10),
        ("lakesail", 5),
        ("google", 5),
        ("azure", 30),
        ("http", 5),
    ],
)
def test_default_intervals(name: str, seconds: float) -> None:
    """SPEC.md "Polling": each adapter carries its provider's default interval."""
    module_name, class_name = providers.ADAPTERS[name]
    adapter = getattr(importlib.import_module(module_name), class_name)
    assert adapter.default_interval == seconds
