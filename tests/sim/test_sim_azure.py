"""The Azure dialect: starting calls, Azure-AsyncOperation and Location URLs, request-reply."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.sim.rig import Rig

SUB = "00000000-0000-4000-8000-00000000a2e0"
OP = "2bd1a6f4-5d0e-4a43-9a3c-2f9b6c1d7e01"
VM = f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1"
AUTH = {"Authorization": "Bearer sim-azure-token"}
VERSION = {"api-version": "2024-07-01"}


def azure_op(*steps: dict[str, Any], **fields: Any) -> dict[str, Any]:
    timeline = list(steps) or [
        {"at": 0, "state": "Accepted", "retry_after": 2},
        {"at": 2, "state": "InProgress", "percent_complete": 40.5},
        {"at": 6, "state": "Succeeded", "properties": {"resourceId": VM}},
    ]
    return {
        "dialect": "azure",
        "id": OP,
        "type": "create_vm",
        "resource_path": VM,
        "timeline": timeline,
        **fields,
    }


def call(rig: Rig, url: str, method: str = "GET", **kw: Any) -> httpx.Response:
    headers = kw.pop("headers", AUTH)
    params = kw.pop("params", VERSION if url.startswith("/azure/subscriptions") else None)
    return rig.client.request(method, url, headers=headers, params=params, **kw)


def start(rig: Rig, method: str = "PUT") -> httpx.Response:
    return call(rig, f"/azure{VM}", method, json={"location": "westus"})


def test_async_operation_url_reports_status(rig_factory: Callable[..., Rig]) -> None:
    rig = rig_factory({"operations": [azure_op(urls=["async_operation"])]})
    started = start(rig)
    assert started.status_code == 201 and "location" not in started.headers
    assert started.json()["properties"]["provisioningState"] == "Creating"
    status_url = started.headers["azure-asyncoperation"]
    assert status_url.startswith(rig.server.url + "/azure/subscriptions/")
    assert "api-version=" in status_url
    first = call(rig, status_url)
    assert first.status_code == 200 and first.headers["retry-after"] == "2"
    assert first.json() == {
        "id": f"/subscriptions/{SUB}/providers/Microsoft.Compute/locations/westus/operations/{OP}",
        "name": OP,
        "status": "Accepted",
        "startTime": "2026-01-01T00:00:00.0000000+00:00",
    }
    rig.advance(3)
    assert call(rig, status_url).json()["percentComplete"] == 40.5
    rig.advance(4)
    done = call(rig, status_url)
    assert done.json()["status"] == "Succeeded" and "retry-after" not in done.headers
    assert done.json()["endTime"] == "2026-01-01T00:00:06.0000000+00:00"
    assert done.json()["properties"] == {"resourceId": VM}
    resource = call(rig, f"/azure{VM}").json()
    assert resource["id"] == VM and resource["properties"]["provisioningState"] == "Succeeded"


def test_failed_status_carries_an_error(rig_factory: Callable[..., Rig]) -> None:
    failed = azure_op(
        {"at": 0, "state": "InProgress"},
        {"at": 1, "state": "Failed", "error": {"code": "QuotaExceeded", "message": "no cores"}},
    )
    rig = rig_factory({"operations": [failed]})
    status_url = start(rig).headers["azure-asyncoperation"]
    rig.advance(1)
    body = call(rig, status_url).json()
    assert body["status"] == "Failed" and body["error"]["code"] == "QuotaExceeded"


@pytest.mark.parametrize(("final", "body"), [(200, True), (204, False)])
def test_location_url_202_then_final(
    rig_factory: Callable[..., Rig], final: int, body: bool
) -> None:
    rig = rig_factory({"operations": [azure_op(urls=["location"], final_status=final)]})
    started = start(rig, "POST")
    assert started.status_code == 202 and "azure-asyncoperation" not in started.headers
    location = started.headers["location"]
    pending = call(rig, location)
    assert pending.status_code == 202 and pending.content == b""
    assert pending.headers["retry-after"] == "2" and pending.headers["location"] == location
    rig.advance(6)
    finished = call(rig, location)
    assert finished.status_code == final
    assert (finished.json()["id"] == VM) if body else finished.content == b""


def test_location_failure_is_a_4xx_arm_error(rig_factory: Callable[..., Rig]) -> None:
    canceled = azure_op({"at": 0, "state": "Canceled"}, urls=["location"], failure_status=409)
    rig = rig_factory({"operations": [canceled]})
    refused = call(rig, start(rig).headers["location"])
    assert refused.status_code == 409
    assert refused.json() == {
        "error": {"code": "Canceled", "message": "The operation ended as Canceled."}
    }


def test_both_url_kinds_on_one_start(rig_factory: Callable[..., Rig]) -> None:
    rig = rig_factory({"operations": [azure_op()]})
    started = start(rig, "DELETE")
    assert started.status_code == 202
    assert {"azure-asyncoperation", "location", "retry-after"} <= set(started.headers)


@pytest.mark.parametrize("redirect", [302, 303])
def test_request_reply_redirects_when_done(rig_factory: Callable[..., Rig], redirect: int) -> None:
    elsewhere = "https://results.example.net/blobs/out-1"
    op = azure_op(
        urls=["request_reply"],
        redirect_status=redirect,
        redirect_to=elsewhere if redirect == 303 else None,
        resource_path="/api/jobs/job-1",
    )
    if op["redirect_to"] is None:
        del op["redirect_to"]
    rig = rig_factory({"operations": [op]})
    started = call(rig, "/azure/api/jobs/job-1", "POST", params=None)
    assert started.status_code == 202
    status_url = started.headers["location"]
    assert status_url == f"{rig.server.url}/azure/api/status/{OP}"
    pending = rig.client.get(status_url, headers=AUTH, follow_redirects=False)
    assert pending.status_code == 200 and pending.json()["status"] == "Accepted"
    assert pending.headers["retry-after"] == "2"
    rig.advance(6)
    done = rig.client.get(status_url, headers=AUTH, follow_redirects=False)
    assert done.status_code == redirect
    expected = elsewhere if redirect == 303 else f"{rig.server.url}/azure/api/jobs/job-1"
    assert done.headers["location"] == expected
    if redirect == 302:
        assert call(rig, "/azure/api/jobs/job-1", params=None).json()["id"] == "/api/jobs/job-1"


def test_auth_api_version_and_unknown_urls(rig_factory: Callable[..., Rig]) -> None:
    rig = rig_factory({"operations": [azure_op()]})
    missing = call(rig, f"/azure{VM}", headers={})
    assert missing.status_code == 401 and missing.json()["error"]["code"] == "AuthenticationFailed"
    wrong = call(rig, f"/azure{VM}", headers={"Authorization": "Bearer x"})
    assert wrong.json()["error"]["code"] == "InvalidAuthenticationToken"
    unversioned = rig.client.get(f"/azure{VM}", headers=AUTH)
    assert unversioned.json()["error"]["code"] == "MissingApiVersionParameter"
    assert call(rig, f"/azure{VM}").status_code == 404  # not started yet
    gone = f"/azure/subscriptions/{SUB}/providers/Microsoft.Compute/locations/westus/operations/x"
    assert call(rig, gone).json()["error"]["code"] == "OperationNotFound"


def test_an_unscripted_start_succeeds_in_3_seconds(rig: Rig) -> None:
    other = VM.replace("vm1", "vm2")
    started = call(rig, f"/azure{other}", "PUT", json={})
    status_url = started.headers["azure-asyncoperation"]
    rig.advance(3)
    assert call(rig, status_url).json()["status"] == "Succeeded"
    assert call(rig, f"/azure{other}").json()["id"] == other


def test_faults_on_azure_status_urls(rig_factory: Callable[..., Rig]) -> None:
    faults = [
        {"request": 1, "kind": "reset"},
        {"request": 2, "status": 200, "retry_after": 9},
        {"request": 3, "kind": "missing_state"},
    ]
    rig = rig_factory({"operations": [azure_op(faults=faults)]})
    status_url = start(rig).headers["azure-asyncoperation"]
    with pytest.raises(httpx.TransportError):
        call(rig, status_url)
    assert call(rig, status_url).headers["retry-after"] == "9"
    assert "status" not in call(rig, status_url).json()
