"""Neon's Python client (`neon-api` on PyPI), pointed at the simulator's Neon dialect.

Its models are pydantic dataclasses generated from Neon's OpenAPI document: a missing required
field, a wrong type or an action outside its enum fails the parse. Only actions of its bundled
spec are scripted here (the simulator itself accepts any).

Client limitation, worked around: `operations()` parses the list into `OperationsResponse`, which
declares only `operations`, so the `pagination` the OpenAPI document adds to that response
(`allOf: [OperationsResponse, PaginationResponse]`) is dropped and the cursor cannot be read from
what it returns. The pages are therefore fetched with the undecorated method as well, and parsed
with the client's own `OperationsResponse` and `PaginationResponse`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import pytest
import requests
from neon_api import NeonAPI, schema  # type: ignore[import-untyped]
from neon_api.exceptions import NeonAPIError  # type: ignore[import-untyped]

from lro_cli.clock import VirtualClock
from lro_cli.sim import SimServer, Simulator

KEY = "fidelity-neon-key"
PROJECT = "hidden-river-50598307"
BRANCH = "br-long-feather-adpbgzlx"
ENDPOINT = "ep-round-morning-adtpn2oc"


class Rig:
    def __init__(self, sim: Simulator, server: SimServer, clock: VirtualClock) -> None:
        self.sim, self.server, self.clock = sim, server, clock
        self.sent: list[requests.PreparedRequest] = []
        self.client = self.neon(KEY)

    def neon(self, api_key: str) -> NeonAPI:
        client = NeonAPI(api_key=api_key, base_url=self.server.url + "/neon/api/v2/")
        client._session.hooks["response"].append(self._record)
        return client

    def _record(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        self.sent.append(response.request)

    def raw_operations(self, **params: Any) -> dict[str, Any]:
        """The list body as it came, before the client's model drops `pagination`."""
        body: dict[str, Any] = NeonAPI.operations.__wrapped__(self.client, PROJECT, **params)
        return body


@contextmanager
def simulated(*operations: Mapping[str, Any]) -> Iterator[Rig]:
    clock = VirtualClock()
    scenario = {
        "credentials": {"neon_api_key": KEY},
        "neon_project_id": PROJECT,
        "operations": [{"project_id": PROJECT, **op} for op in operations],
    }
    sim = Simulator(scenario, clock=clock.monotonic, wall=clock.now)
    with SimServer(sim) as server:
        rig = Rig(sim, server, clock)
        try:
            yield rig
        finally:
            rig.client._session.close()


def operation(op_id: str, action: str, *steps: Mapping[str, Any], **fields: Any) -> dict[str, Any]:
    return {"dialect": "neon", "id": op_id, "type": action, "timeline": list(steps), **fields}


# One operation per status that matters, oldest first (ages 70 s .. 10 s before first seen).
SCRIPTED = [
    operation(
        "639f7f73-0b76-4749-a767-2d3c627ca5a6",
        "create_timeline",
        {"at": 0, "status": "finished", "total_duration_ms": 3096},
        branch_id=BRANCH,
        age=70,
    ),
    operation(
        "409c35ef-cbc3-4f1b-a4ca-f2de319f5360",
        "create_branch",
        {"at": 0, "status": "scheduling"},
        branch_id=BRANCH,
        age=60,
    ),
    operation(
        "274e240f-e2fb-4719-b796-c1ab7c4ae91c",
        "start_compute",
        {"at": 0, "status": "running"},
        branch_id=BRANCH,
        endpoint_id=ENDPOINT,
        age=50,
    ),
    operation(
        "b5a7882b-a5b3-4292-ad27-bffe733feae4",
        "apply_config",
        {
            "at": 0,
            "status": "error",
            "error": "compute unreachable",
            "failures_count": 2,
            "retry_at": 90,
        },
        branch_id=BRANCH,
        endpoint_id=ENDPOINT,
        age=40,
    ),
    operation(
        "36a1cba0-97f1-476d-af53-d9e0d3a3606d",
        "suspend_compute",
        {"at": 0, "status": "failed", "error": "endpoint is busy", "failures_count": 1},
        branch_id=BRANCH,
        endpoint_id=ENDPOINT,
        age=30,
    ),
    operation(
        "22ef6fbd-21c5-4cdb-9825-b0f9afddbb0d",
        "check_availability",
        {"at": 0, "status": "skipped"},
        age=20,
    ),
    operation(
        "d0a7c2a4-7e55-4f3f-8f67-5a4f3bb0c9e1",
        "start_reserved_compute",
        {"at": 0, "status": "cancelled"},
        branch_id=BRANCH,
        endpoint_id=ENDPOINT,
        age=10,
    ),
]
NEWEST_FIRST = [scripted["id"] for scripted in SCRIPTED[::-1]]


@pytest.mark.parametrize("scripted", SCRIPTED, ids=[op["type"] for op in SCRIPTED])
def test_operation_parses_into_the_clients_model(scripted: dict[str, Any]) -> None:
    with simulated(*SCRIPTED) as rig:
        got = rig.client.operation(PROJECT, scripted["id"])
    assert isinstance(got, schema.OperationResponse)
    op = got.operation
    step = scripted["timeline"][-1]
    assert op.id == scripted["id"] and op.project_id == PROJECT
    assert op.action == schema.OperationAction(scripted["type"])
    assert op.status == schema.OperationStatus(step["status"])
    assert op.branch_id == scripted.get("branch_id")
    assert op.endpoint_id == scripted.get("endpoint_id")
    assert op.error == step.get("error")
    assert op.failures_count == step.get("failures_count", 0)
    assert (op.retry_at is not None) == ("retry_at" in step)
    assert isinstance(op.total_duration_ms, int)
    if "total_duration_ms" in step:
        assert op.total_duration_ms == step["total_duration_ms"]
    assert op.created_at.endswith("Z") and op.updated_at.endswith("Z")


def test_the_client_sees_an_operation_move_through_its_statuses() -> None:
    op_id = SCRIPTED[2]["id"]
    steps = (
        {"at": 0, "status": "scheduling"},
        {"at": 1, "status": "running"},
        {"at": 4, "status": "finished", "total_duration_ms": 913},
    )
    scripted = operation(op_id, "start_compute", *steps, branch_id=BRANCH, endpoint_id=ENDPOINT)
    with simulated(scripted) as rig:
        seen = []
        for advance in (0, 1, 3):
            rig.clock.advance(advance)
            op = rig.client.operation(PROJECT, op_id).operation
            seen.append((op.status.value, op.total_duration_ms))
    assert seen == [("scheduling", 0), ("running", 1000), ("finished", 913)]
    assert (op.branch_id, op.endpoint_id) == (BRANCH, ENDPOINT)


def test_operations_page_through_every_operation_with_the_cursor() -> None:
    listed: list[str] = []
    cursors: list[str] = []
    with simulated(*SCRIPTED) as rig:
        cursor: str | None = None
        for _ in range(len(SCRIPTED)):  # more pages than that would be a loop
            parsed = rig.client.operations(PROJECT, cursor=cursor, limit=2)
            assert isinstance(parsed, schema.OperationsResponse)
            raw = rig.raw_operations(cursor=cursor, limit=2)
            page = schema.OperationsResponse(**raw)
            assert page == parsed  # the same page twice, through the client's models
            assert len(page.operations) <= 2
            listed += [op.id for op in page.operations]
            pagination = schema.PaginationResponse(**raw).pagination
            if not page.operations or pagination is None:
                break
            cursors.append(pagination.cursor)
            cursor = pagination.cursor
        sent = [r.url or "" for r in rig.sent if "/operations?" in (r.url or "")]
    assert listed == NEWEST_FIRST
    assert len(cursors) == 4 and len(set(cursors)) == 4  # pages of 2, 2, 2, 1, then empty
    assert all(f"cursor={c.replace(':', '%3A')}" in " ".join(sent) for c in cursors)


def test_listed_operations_carry_their_fields() -> None:
    with simulated(*SCRIPTED) as rig:
        everything = rig.client.operations(PROJECT, limit=100).operations
    by_id = {op.id: op for op in everything}
    assert list(by_id) == NEWEST_FIRST
    for scripted in SCRIPTED:
        op = by_id[scripted["id"]]
        assert op.action.value == scripted["type"]
        assert op.status.value == scripted["timeline"][-1]["status"]
        assert op.branch_id == scripted.get("branch_id")
        assert op.endpoint_id == scripted.get("endpoint_id")


def test_branch_create_parses_with_its_operations() -> None:
    with simulated() as rig:
        created = rig.client.branch_create(PROJECT, endpoints=[{"type": "read_write"}])
        assert isinstance(created, schema.BranchOperations)
        branch_id = created.branch.id
        assert created.branch.project_id == PROJECT
        actions = [(op.action.value, op.branch_id) for op in created.operations]
        assert actions == [("create_branch", branch_id), ("start_compute", branch_id)]
        assert created.operations[1].endpoint_id
        rig.clock.advance(5)
        later = [rig.client.operation(PROJECT, op.id).operation for op in created.operations]
    assert [op.status for op in later] == [schema.OperationStatus.finished] * 2
    assert later[1].endpoint_id == created.operations[1].endpoint_id


def test_the_client_authenticates_with_a_bearer_key() -> None:
    with simulated(*SCRIPTED) as rig:
        rig.client.operation(PROJECT, SCRIPTED[0]["id"])
        assert rig.sent[-1].headers["Authorization"] == f"Bearer {KEY}"
        with pytest.raises(NeonAPIError) as refused:
            rig.neon("not-the-key").operation(PROJECT, SCRIPTED[0]["id"])
        with pytest.raises(NeonAPIError) as missing:
            rig.client.operation(PROJECT, "00000000-0000-4000-8000-00000000dead")
    # The client raises from inside `except HTTPError`: the response is on the original error.
    for error, status in ((refused.value, 401), (missing.value, 404)):
        original = error.__context__
        assert isinstance(original, requests.HTTPError) and original.response is not None
        assert original.response.status_code == status
        body = json.loads(str(error))
        assert set(body) >= {"code", "message"} and isinstance(body["message"], str)
