"""The Redpanda dialect's GET and list bodies against Redpanda's published OpenAPI document
(tests/data/redpanda-controlplane-openapi.yaml), with undeclared keys refused."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from lro_cli.clock import VirtualClock
from lro_cli.sim import SimServer, Simulator
from tests.sim import openapi_check

AUTH = {"Authorization": "Bearer sim-redpanda-token"}
V1 = "type.googleapis.com/redpanda.api.controlplane.v1"
ERROR = {
    "code": "FAILED_PRECONDITION",
    "message": "network is being deleted",
    "details": [
        {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "REASON_BUSY"},
    ],
}


# The keys each metadata message has in the document (DeleteNetworkMetadata has none).
METADATA: dict[str, dict[str, Any]] = {
    "CreateCluster": {"cluster_id": "cjb69h1c4vs42pca89s0"},
    "CreateNetwork": {"network_id": "cjb69k1c4vs45df9bee0"},
    "DeleteCluster": {"required_action": ""},
    "UpdateCluster": {"update_type": []},
}


def operation(op_id: str, kind: str, noun: str, last: dict[str, Any]) -> dict[str, Any]:
    return {
        "dialect": "redpanda",
        "id": op_id,
        "type": f"TYPE_{kind.upper()}_{noun.upper()}",
        "resource_id": f"{noun}-{op_id}",
        "metadata": {"@type": f"{V1}.{kind}{noun}Metadata", **METADATA.get(kind + noun, {})},
        "timeline": [{"at": 0, "state": "STATE_IN_PROGRESS"}, {"at": 10, **last}],
    }


SCENARIO = {
    "operations": [
        operation(
            "op1",
            "Create",
            "Cluster",
            {"state": "STATE_COMPLETED", "response": {"@type": f"{V1}.CreateClusterResponse"}},
        ),
        operation("op2", "Delete", "Network", {"state": "STATE_FAILED", "error": ERROR}),
        operation(
            "op3",
            "Create",
            "Network",
            {"state": "STATE_COMPLETED", "response": {"@type": f"{V1}.CreateNetworkResponse"}},
        ),
        operation("op4", "Delete", "Cluster", {"state": "STATE_COMPLETED"}),
        operation("op5", "Update", "Cluster", {"state": "STATE_FAILED", "error": ERROR}),
    ]
}


@pytest.fixture
def served() -> Iterator[tuple[httpx.Client, VirtualClock]]:
    clock = VirtualClock()
    sim = Simulator(SCENARIO, clock=clock.monotonic, wall=clock.now)
    with SimServer(sim) as server, httpx.Client(base_url=f"{server.url}/redpanda") as client:
        yield client, clock


def problems(body: Any, schema: str) -> list[str]:
    document = openapi_check.load(openapi_check.REDPANDA_SPEC_PATH)
    return openapi_check.problems(body, openapi_check.schema(schema), document=document)


def test_the_check_refuses_what_the_document_does_not_allow() -> None:
    good = {"operation": {"id": "a", "state": "STATE_COMPLETED", "type": "TYPE_CREATE_CLUSTER"}}
    assert problems(good, "GetOperationResponse") == []
    for key, bad in [
        ("state", "STATE_DONE"),
        ("type", "TYPE_CREATE_WIDGET"),
        ("started_at", "2024-07-23T20:31:29"),
        ("error", {"code": "NOPE", "message": "x"}),
        ("metadata", {"@type": f"{V1}.NoSuchMetadata"}),
        ("surprise", 1),
    ]:
        assert problems({"operation": {**good["operation"], key: bad}}, "GetOperationResponse")


def test_get_bodies_follow_the_openapi_document(
    served: tuple[httpx.Client, VirtualClock],
) -> None:
    client, clock = served
    for op_id in ("op1", "op2", "op3", "op4", "op5"):
        body = client.get(f"/v1/operations/{op_id}", headers=AUTH).json()
        assert problems(body, "GetOperationResponse") == [], op_id
    clock.advance(10)
    for op_id in ("op1", "op2", "op3", "op4", "op5"):
        body = client.get(f"/v1/operations/{op_id}", headers=AUTH).json()
        assert problems(body, "GetOperationResponse") == [], op_id
        assert body["operation"]["state"] != "STATE_IN_PROGRESS"
    missing = client.get("/v1/operations/none", headers=AUTH)
    assert missing.status_code == 404 and problems(missing.json(), "rpc.Status") == []


def test_list_pages_follow_the_openapi_document(
    served: tuple[httpx.Client, VirtualClock],
) -> None:
    client, _ = served
    seen, params = [], {"page_size": 2}
    while True:
        body = client.get("/v1/operations", headers=AUTH, params=params).json()
        assert problems(body, "ListOperationsResponse") == []
        seen += [op["id"] for op in body["operations"]]
        if not body.get("next_page_token"):
            break
        params["page_token"] = body["next_page_token"]
    assert sorted(seen) == ["op1", "op2", "op3", "op4", "op5"]
    refused = client.get("/v1/operations", headers=AUTH, params={"filter.state": "X"})
    assert refused.status_code == 400 and problems(refused.json(), "rpc.Status") == []
