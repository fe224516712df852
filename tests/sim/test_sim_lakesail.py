"""The LakeSail dialect: the operation document at top level, raw statuses, completedAt."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.sim.rig import Rig

OP = "A1B2C3D4E5"
AUTH = {"Authorization": "Bearer sim-lakesail-token"}
KEYS = [
    "id", "organizationId", "memberId", "operation", "status", "result", "error", "progress",
    "resourceType", "resourceId", "createdAt", "updatedAt", "startedAt", "completedAt",
]  # fmt: skip


def summary(**counts: int) -> dict[str, int]:
    base = dict.fromkeys(("total", "pending", "running", "succeeded", "failed", "unchanged"), 0)
    return {**base, **counts}


def provision(*steps: dict[str, Any], **fields: Any) -> dict[str, Any]:
    timeline = list(steps) or [
        {"at": 0, "status": "PENDING"},
        {
            "at": 5,
            "status": "Running",
            "progress": {
                "stage": "deploy",
                "message": "creating node pool",
                "resources": [
                    {
                        "urn": "urn:sail:pool/a",
                        "type": "nodepool",
                        "name": "a",
                        "operation": "create",
                        "status": "running",
                        "duration": 0,
                    }
                ],
                "summary": summary(total=4, running=1, succeeded=2, pending=1),
            },
        },
        {
            "at": 20,
            "status": "succeeded",
            "result": {"items": [{"provider": "aws", "vCpus": 4}], "metadata": {"provider": "aws"}},
        },
    ]
    return {
        "dialect": "lakesail",
        "id": OP,
        "type": "provision_cluster",
        "resource_type": "cluster",
        "resource_id": "CLUSTER0001",
        "timeline": timeline,
        **fields,
    }


def get(rig: Rig, path: str = f"/operations/{OP}", **kw: Any) -> httpx.Response:
    return rig.client.get(f"/lakesail/api/v1{path}", headers=kw.pop("headers", AUTH), **kw)


def test_document_fields_and_completed_at(rig_factory: Callable[..., Rig]) -> None:
    rig = rig_factory({"operations": [provision()]})
    first = get(rig).json()
    assert list(first) == KEYS
    assert first["status"] == "PENDING" and first["completedAt"] is None
    assert first["organizationId"] == "ORGSIM0001" and first["operation"] == "provision_cluster"
    rig.advance(6)
    running = get(rig).json()
    assert running["status"] == "Running"  # the scenario's raw text, its case kept
    assert running["progress"]["summary"]["succeeded"] == 2
    assert running["updatedAt"] == "2026-01-01T00:00:05.000Z"
    rig.advance(20)
    done = get(rig).json()
    assert done["completedAt"] == "2026-01-01T00:00:20.000Z"
    assert done["resourceId"] == "CLUSTER0001" and done["resourceType"] == "cluster"
    assert done["result"]["items"][0]["vCpus"] == 4 and done["error"] is None


def test_structured_error_and_an_unknown_final_status(rig_factory: Callable[..., Rig]) -> None:
    error = {
        "code": "QUOTA_EXCEEDED",
        "message": "no capacity",
        "errorType": "provider",
        "details": {"retryable": True, "retryAfter": 30, "fieldErrors": {}, "requestId": "r1"},
    }
    ops = [
        provision({"at": 0, "status": "failed", "error": error}),
        {**provision({"at": 0, "status": "weird"}), "id": "B2"},
        {**provision({"at": 0, "status": "running", "completed_at": None}), "id": "C3"},
    ]
    rig = rig_factory({"operations": ops})
    assert get(rig).json()["error"] == error
    unknown = get(rig, "/operations/B2").json()
    assert unknown["status"] == "weird" and unknown["completedAt"] is not None
    assert get(rig, "/operations/C3").json()["completedAt"] is None


def test_auth_404_and_no_list(rig_factory: Callable[..., Rig]) -> None:
    rig = rig_factory({"operations": [provision()]})
    for headers in ({}, {"Authorization": "Bearer nope"}):
        refused = get(rig, headers=headers)
        assert refused.status_code == 401 and refused.json()["code"] == "UNAUTHORIZED"
    assert get(rig, "/operations").status_code == 404
    missing = get(rig, "/operations/nope")
    assert missing.status_code == 404 and missing.json()["details"]["requestId"]
    assert rig.client.post("/lakesail/api/v1/operations/x", headers=AUTH).status_code == 405


@pytest.mark.parametrize(
    ("fault", "check"),
    [
        ({"kind": "garbage"}, lambda r: r.status_code == 200 and r.content.startswith(b"OK")),
        ({"kind": "html", "status": 504}, lambda r: r.headers["content-type"] == "text/html"),
        ({"kind": "truncated"}, lambda r: not r.content.endswith(b"}")),
        ({"kind": "missing_state"}, lambda r: "status" not in r.json() and "id" in r.json()),
        ({"kind": "expired"}, lambda r: r.status_code == 404 and r.json()["code"] == "NOT_FOUND"),
        ({"status": 500}, lambda r: r.json()["details"]["retryable"] is True),
    ],
)
def test_faults(rig_factory: Callable[..., Rig], fault: dict[str, Any], check: Any) -> None:
    rig = rig_factory({"operations": [provision(faults=[{"request": 1, **fault}])]})
    assert check(get(rig))
    assert get(rig).status_code == 200
