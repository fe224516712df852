"""The Redpanda dialect: its token endpoint, wrapped snake_case operations, filters and pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.sim.rig import Rig

OP = "cqfc6vdmvio001r4vu4"
CLUSTER = "cqg168balf4e4pm8ptu"
STATIC = {"Authorization": "Bearer sim-redpanda-token"}
META = {
    "@type": "type.googleapis.com/redpanda.api.controlplane.v1.CreateClusterMetadata",
    "cluster_id": CLUSTER,
}
FORM = {
    "grant_type": "client_credentials",
    "client_id": "sim-redpanda-client",
    "client_secret": "sim-redpanda-secret",
    "audience": "cloudv2-production.redpanda.cloud",
}


def redpanda_op(op_id: str, *steps: dict[str, Any], **fields: Any) -> dict[str, Any]:
    timeline = list(steps) or [{"at": 0, "state": "STATE_IN_PROGRESS"}]
    return {
        "dialect": "redpanda",
        "id": op_id,
        "type": "TYPE_CREATE_CLUSTER",
        "timeline": timeline,
        **fields,
    }


def create_cluster(**fields: Any) -> dict[str, Any]:
    return redpanda_op(
        OP,
        {"at": 0, "state": "STATE_IN_PROGRESS"},
        {
            "at": 30,
            "state": "STATE_COMPLETED",
            "response": {
                "@type": "type.googleapis.com/redpanda.api.controlplane.v1.CreateClusterResponse",
                "cluster": {"id": CLUSTER, "name": "my-new-cluster"},
            },
        },
        resource_id=CLUSTER,
        metadata=META,
        **fields,
    )


def get(rig: Rig, path: str, headers: dict[str, str] | None = None, **kw: Any) -> httpx.Response:
    return rig.client.get(f"/redpanda{path}", headers=STATIC if headers is None else headers, **kw)


def token(rig: Rig, **changes: str) -> httpx.Response:
    return rig.client.post("/redpanda/oauth/token", data={**FORM, **changes})


def test_operation_is_wrapped_with_snake_case_fields(rig_factory: Callable[..., Rig]) -> None:
    rig = rig_factory({"operations": [create_cluster()]})
    running = get(rig, f"/v1/operations/{OP}").json()
    assert running == {
        "operation": {
            "id": OP,
            "metadata": META,
            "state": "STATE_IN_PROGRESS",
            "started_at": "2026-01-01T00:00:00.000Z",
            "type": "TYPE_CREATE_CLUSTER",
            "resource_id": CLUSTER,
        }
    }
    rig.advance(31)
    done = get(rig, f"/v1/operations/{OP}").json()["operation"]
    assert done["state"] == "STATE_COMPLETED"
    assert done["finished_at"] == "2026-01-01T00:00:30.000Z"
    assert done["response"]["cluster"]["id"] == CLUSTER
    assert "error" not in done


@pytest.mark.parametrize("code", ["FAILED_PRECONDITION", 9])
def test_a_failure_carries_an_rpc_status(rig_factory: Callable[..., Rig], code: Any) -> None:
    error = {
        "code": code,
        "message": "quota exceeded",
        "details": [{"@type": "google.rpc.ErrorInfo", "reason": "QUOTA"}],
    }
    failed = redpanda_op(OP, {"at": 0, "state": "STATE_FAILED", "error": error})
    rig = rig_factory({"operations": [failed]})
    operation = get(rig, f"/v1/operations/{OP}").json()["operation"]
    assert operation["error"] == error  # the code as scripted: a name or a number
    assert "response" not in operation


def test_null_times_are_sent_as_scripted(rig_factory: Callable[..., Rig]) -> None:
    step = {"at": 0, "state": "STATE_COMPLETED", "started_at": None, "finished_at": None}
    rig = rig_factory({"operations": [redpanda_op(OP, step)]})
    operation = get(rig, f"/v1/operations/{OP}").json()["operation"]
    assert operation["started_at"] is None and operation["finished_at"] is None


def test_missing_or_wrong_token_is_401_with_an_rpc_status(rig_factory: Callable[..., Rig]) -> None:
    rig = rig_factory({"operations": [create_cluster()]})
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "APIKey x"}):
        answer = get(rig, f"/v1/operations/{OP}", headers=headers)
        assert answer.status_code == 401
        assert answer.json()["code"] == "UNAUTHENTICATED" and answer.json()["details"] == []
    missing = get(rig, "/v1/operations/nope")
    assert missing.status_code == 404 and missing.json()["code"] == "NOT_FOUND"


def test_client_credentials_give_a_token_that_expires(rig_factory: Callable[..., Rig]) -> None:
    scenario = {
        "credentials": {"redpanda_expires_in": 60, "redpanda_token_lifetime": 30},
        "operations": [create_cluster()],
    }
    rig = rig_factory(scenario)
    issued = token(rig)
    assert issued.status_code == 200
    body = issued.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 60
    auth = {"Authorization": f"Bearer {body['access_token']}"}
    assert get(rig, f"/v1/operations/{OP}", headers=auth).status_code == 200
    rig.advance(30)  # revoked before the announced expiry: the client must refetch on a 401
    expired = get(rig, f"/v1/operations/{OP}", headers=auth)
    assert expired.status_code == 401 and "expired" in expired.json()["message"]
    fresh = {"Authorization": f"Bearer {token(rig).json()['access_token']}"}
    assert get(rig, f"/v1/operations/{OP}", headers=fresh).status_code == 200
    assert len(rig.sim.token_requests()) == 2
    assert get(rig, f"/v1/operations/{OP}").status_code == 200  # the static token never expires


def test_token_endpoint_refusals(rig: Rig) -> None:
    assert token(rig, client_secret="wrong").status_code == 401
    assert token(rig, client_secret="wrong").json()["error"] == "access_denied"
    assert token(rig, audience="elsewhere").status_code == 403
    assert token(rig, grant_type="password").json()["error"] == "unsupported_grant_type"
    basic = rig.client.post(
        "/redpanda/oauth/token",
        data={"grant_type": "client_credentials", "audience": FORM["audience"]},
        auth=("sim-redpanda-client", "sim-redpanda-secret"),
    )
    assert basic.status_code == 200
    assert rig.client.get("/redpanda/oauth/token").status_code == 405
    assert len(rig.sim.token_requests()) == 6


def listed(rig: Rig, **params: Any) -> list[list[str]]:
    pages, query = [], {"page_size": 2, **params}
    while True:
        body = get(rig, "/v1/operations", params=query).json()
        pages.append([op["id"] for op in body["operations"]])
        if not body.get("next_page_token"):
            return pages
        query["page_token"] = body["next_page_token"]


def test_pages_filters_and_newest_first(rig_factory: Callable[..., Rig]) -> None:
    ops = [
        redpanda_op(f"op-{i}", {"at": 0, "state": state}, type=kind, resource_id=f"res-{i % 2}")
        for i, (state, kind) in enumerate(
            [
                ("STATE_COMPLETED", "TYPE_CREATE_NETWORK"),
                ("STATE_IN_PROGRESS", "TYPE_CREATE_CLUSTER"),
                ("STATE_FAILED", "TYPE_DELETE_CLUSTER"),
                ("STATE_IN_PROGRESS", "TYPE_CREATE_CLUSTER"),
                ("STATE_COMPLETED", "TYPE_UPDATE_CLUSTER"),
            ]
        )
    ]
    rig = rig_factory({"operations": ops})
    assert listed(rig) == [["op-4", "op-3"], ["op-2", "op-1"], ["op-0"]]
    last = get(rig, "/v1/operations", params={"page_size": 5}).json()
    assert last["next_page_token"] == ""
    assert listed(rig, **{"filter.state": "STATE_IN_PROGRESS"}) == [["op-3", "op-1"]]
    types = {"filter.type_in": ["TYPE_CREATE_NETWORK", "TYPE_DELETE_CLUSTER"]}
    assert listed(rig, **types) == [["op-2", "op-0"]]
    assert listed(rig, **{"filter.resource_id": "res-1"}) == [["op-3", "op-1"]]
    bad = get(rig, "/v1/operations", params={"filter.state": "STATE_DONE"})
    assert bad.status_code == 400 and bad.json()["code"] == "INVALID_ARGUMENT"
    assert get(rig, "/v1/operations", params={"page_token": "zz"}).status_code == 400
    capped = get(rig, "/v1/operations", params={"page_size": 1000})
    assert capped.status_code == 200 and len(capped.json()["operations"]) == 5


def test_faults_keep_the_rpc_status_shape(rig_factory: Callable[..., Rig]) -> None:
    faults = [
        {"request": 1, "status": 429, "retry_after": 7},
        {"request": 2, "kind": "missing_state"},
        {"request": 3, "kind": "expired"},
    ]
    rig = rig_factory({"operations": [create_cluster(faults=faults)]})
    limited = get(rig, f"/v1/operations/{OP}")
    assert limited.status_code == 429 and limited.headers["retry-after"] == "7"
    assert limited.json()["code"] == "RESOURCE_EXHAUSTED"
    assert "state" not in get(rig, f"/v1/operations/{OP}").json()["operation"]
    gone = get(rig, f"/v1/operations/{OP}")
    assert gone.status_code == 404 and gone.json()["code"] == "NOT_FOUND"
    assert [r.fault for r in rig.sim.polls(OP)] == ["status", "missing_state", "expired"]


def test_a_server_wide_fault_hits_the_token_endpoint(rig_factory: Callable[..., Rig]) -> None:
    rule = {"request": 1, "path": "/redpanda/oauth/token", "status": 503, "retry_after": 2}
    rig = rig_factory({"faults": [rule]})
    assert token(rig).status_code == 503
    assert token(rig).status_code == 200
    assert [r.status for r in rig.sim.token_requests()] == [503, 200]
