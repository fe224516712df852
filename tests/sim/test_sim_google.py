"""The Google AIP-151 dialect: operation bodies, done/error/response, pages, cancel, errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from tests.sim.rig import Rig

PARENT = "projects/sim-project/locations/us-central1"
AUTH = {"Authorization": "Bearer sim-google-token"}
META = {"@type": "type.googleapis.com/google.cloud.sim.v1.OperationMetadata", "verb": "create"}
RESPONSE = {"@type": "type.googleapis.com/google.cloud.sim.v1.Instance", "name": "instances/vm-1"}


def google_op(op_id: str, *steps: dict[str, Any], **fields: Any) -> dict[str, Any]:
    timeline = list(steps) or [
        {"at": 0, "state": "running"},
        {"at": 10, "state": "done", "response": RESPONSE},
    ]
    return {
        "dialect": "google",
        "id": op_id,
        "type": "create_instance",
        "metadata": META,
        "timeline": timeline,
        **fields,
    }


def call(rig: Rig, path: str, method: str = "GET", **kw: Any) -> httpx.Response:
    headers = kw.pop("headers", AUTH)
    return rig.client.request(method, f"/google/v1/{path}", headers=headers, **kw)


def test_running_then_done_with_a_response(rig_factory: Callable[..., Rig]) -> None:
    rig = rig_factory({"operations": [google_op("op-1")]})
    name = f"{PARENT}/operations/op-1"
    assert call(rig, name).json() == {"name": name, "metadata": META}  # done: false left out
    rig.advance(10)
    assert call(rig, name).json() == {
        "name": name,
        "metadata": META,
        "done": True,
        "response": RESPONSE,
    }


def test_error_codes_are_numbers_and_done_false_can_be_shown(
    rig_factory: Callable[..., Rig],
) -> None:
    failed = google_op(
        "op-2",
        {"at": 0, "state": "running", "show_done": True},
        {"at": 1, "state": "done", "error": {"code": "RESOURCE_EXHAUSTED", "message": "quota"}},
    )
    rig = rig_factory({"operations": [failed]})
    assert call(rig, f"{PARENT}/operations/op-2").json()["done"] is False
    rig.advance(1)
    body = call(rig, f"{PARENT}/operations/op-2").json()
    assert body["error"] == {"code": 8, "message": "quota", "details": []}
    assert "response" not in body


def test_cancel_makes_it_done_with_code_1(rig_factory: Callable[..., Rig]) -> None:
    ops = [google_op("op-1"), google_op("op-2", cancel_unimplemented=True)]
    rig = rig_factory({"operations": ops})
    name = f"{PARENT}/operations/op-1"
    for body in (b"{}", b""):  # google-api-core sends no body at all
        cancelled = call(rig, f"{name}:cancel", method="POST", content=body)
        assert cancelled.status_code == 200 and cancelled.json() == {}
    body = call(rig, name).json()
    assert body["done"] is True and body["error"]["code"] == 1
    rig.advance(20)
    assert call(rig, name).json()["error"]["code"] == 1  # stays cancelled past its scripted end
    refused = call(rig, f"{PARENT}/operations/op-2:cancel", method="POST", json={})
    assert refused.status_code == 501
    assert refused.json()["error"]["status"] == "UNIMPLEMENTED"
    rig.advance(10)
    assert call(rig, f"{PARENT}/operations/op-2").json()["response"] == RESPONSE
    bad = call(rig, f"{name}:cancel", method="POST", content=b"not json")
    assert bad.status_code == 400 and bad.json()["error"]["status"] == "INVALID_ARGUMENT"


def test_cancel_after_the_end_changes_nothing(rig_factory: Callable[..., Rig]) -> None:
    rig = rig_factory({"operations": [google_op("op-1")]})
    name = f"{PARENT}/operations/op-1"
    call(rig, name)
    rig.advance(11)
    assert call(rig, f"{name}:cancel", method="POST", json={}).status_code == 200
    assert call(rig, name).json()["response"] == RESPONSE


def test_pages_of_two_and_the_done_filter(rig_factory: Callable[..., Rig]) -> None:
    other = "projects/other/locations/europe-west1"
    ops = [google_op(f"op-{i}") for i in range(5)] + [google_op("op-x", parent=other)]
    ops[1]["timeline"] = [{"at": 0, "state": "done"}]
    rig = rig_factory({"operations": ops})
    pages, params = [], {"pageSize": 2}
    while True:
        body = call(rig, f"{PARENT}/operations", params=params).json()
        pages.append([op["name"].rsplit("/", 1)[1] for op in body["operations"]])
        if "nextPageToken" not in body:
            break
        params["pageToken"] = body["nextPageToken"]
    assert pages == [["op-0", "op-1"], ["op-2", "op-3"], ["op-4"]]
    done = call(rig, f"{PARENT}/operations", params={"filter": "done = true"}).json()
    assert [op["name"] for op in done["operations"]] == [f"{PARENT}/operations/op-1"]
    assert call(rig, "projects/none/locations/x/operations").json() == {}  # proto3: empty is {}
    assert call(rig, f"{PARENT}/operations", params={"filter": "x>1"}).status_code == 400
    assert call(rig, f"{PARENT}/operations", params={"pageToken": "?"}).status_code == 400


def test_errors_and_auth(rig_factory: Callable[..., Rig]) -> None:
    rig = rig_factory({"operations": [google_op("op-1")]})
    for headers in ({}, {"Authorization": "Bearer wrong"}):
        refused = call(rig, f"{PARENT}/operations/op-1", headers=headers)
        assert refused.status_code == 401
        error = refused.json()["error"]
        assert set(error) == {"code", "message", "status", "details"}
        assert error["status"] == "UNAUTHENTICATED" and error["code"] == 401
    missing = call(rig, f"{PARENT}/operations/nope")
    assert missing.status_code == 404 and missing.json()["error"]["status"] == "NOT_FOUND"
    # The same id under another parent is another operation.
    assert call(rig, "projects/p/locations/l/operations/op-1").status_code == 404


def test_faults_on_google(rig_factory: Callable[..., Rig]) -> None:
    faults = [
        {"request": 1, "kind": "missing_state", "status": 200},
        {"request": 2, "status": 503, "retry_after": 4},
        {"request": 3, "kind": "slow", "seconds": 0.05},
    ]
    done = {"at": 0, "state": "done", "response": RESPONSE}
    rig = rig_factory({"operations": [google_op("op-1", done, faults=faults)]})
    name = f"{PARENT}/operations/op-1"
    assert "done" not in call(rig, name).json()
    unavailable = call(rig, name)
    assert unavailable.status_code == 503 and unavailable.headers["retry-after"] == "4"
    assert unavailable.json()["error"]["status"] == "UNAVAILABLE"
    assert call(rig, name).json()["done"] is True
