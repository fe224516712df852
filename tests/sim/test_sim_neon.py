"""The Neon dialect, checked against Neon's OpenAPI document (tests/data/neon-v2-openapi.json)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.sim import openapi_check
from tests.sim.rig import NEON_PROJECT, Rig, neon_op

OP = "274e240f-e2fb-4719-b796-c1ab7c4ae91c"


def start_compute(**fields: Any) -> dict[str, Any]:
    return neon_op(
        OP,
        {"at": 0, "status": "scheduling"},
        {"at": 1, "status": "running"},
        {"at": 5, "status": "finished"},
        type="start_compute",
        branch_id="br-long-feather-adpbgzlx",
        endpoint_id="ep-round-morning-adtpn2oc",
        **fields,
    )


def assert_valid(body: Any, schema: dict[str, Any]) -> None:
    assert openapi_check.problems(body, schema) == []


def test_the_schema_check_catches_mistakes() -> None:
    operation = openapi_check.schema("OperationResponse")
    good = {
        "operation": {
            "id": OP,
            "project_id": "p-1",
            "action": "create_branch",
            "status": "finished",
            "failures_count": 0,
            "created_at": "2025-09-10T12:15:23Z",
            "updated_at": "2025-09-10T12:15:23Z",
            "total_duration_ms": 87,
        }
    }
    assert_valid(good, operation)
    for key, bad in [
        ("status", "done"),
        ("id", "not-a-uuid"),
        ("created_at", "2025-09-10T12:15:23"),
        ("failures_count", "0"),
        ("surprise", 1),
    ]:
        spoiled = {"operation": {**good["operation"], key: bad}}
        assert openapi_check.problems(spoiled, operation), key
    missing = {"operation": {k: v for k, v in good["operation"].items() if k != "action"}}
    assert openapi_check.problems(missing, operation)


def test_an_operation_is_wrapped_and_matches_the_schema(rig_factory: Callable[..., Rig]) -> None:
    rig = rig_factory({"operations": [start_compute()]})
    statuses = []
    for step in (0, 1, 3, 10):
        rig.advance(step)
        answer = rig.operation(OP)
        assert answer.status_code == 200
        assert_valid(answer.json(), openapi_check.schema("OperationResponse"))
        statuses.append(answer.json()["operation"]["status"])
    assert statuses == ["scheduling", "running", "running", "finished"]
    operation = answer.json()["operation"]
    assert operation["created_at"] == "2026-01-01T00:00:00Z"
    assert operation["updated_at"] == "2026-01-01T00:00:05Z"
    assert operation["total_duration_ms"] == 5000  # frozen at the end, not still counting
    assert operation["branch_id"] == "br-long-feather-adpbgzlx"
    assert "error" not in operation and "retry_at" not in operation  # absent, not null


def test_error_with_retry_at_then_recovery(rig_factory: Callable[..., Rig]) -> None:
    steps = [
        {"at": 0, "status": "running"},
        {"at": 2, "status": "error", "error": "no compute", "failures_count": 1, "retry_at": 10},
        {"at": 10, "status": "running", "error": None, "retry_at": None},
    ]
    rig = rig_factory({"operations": [neon_op(OP, *steps)]})
    rig.operation(OP)
    rig.advance(3)
    failing = rig.operation(OP).json()
    assert_valid(failing, openapi_check.schema("OperationResponse"))
    operation = failing["operation"]
    assert (operation["status"], operation["error"]) == ("error", "no compute")
    assert (operation["failures_count"], operation["retry_at"]) == (1, "2026-01-01T00:00:10Z")
    assert "endpoint_id" not in operation
    rig.advance(7)
    recovered = rig.operation(OP).json()["operation"]
    assert recovered["status"] == "running" and recovered["failures_count"] == 1
    assert "error" not in recovered and "retry_at" not in recovered


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({}, "authentication required"),
        ({"Authorization": "APIKey sim-neon-key"}, "invalid API key"),
        ({"Authorization": "Bearer wrong"}, "invalid API key"),
    ],
    ids=["missing", "wrong-scheme", "wrong-key"],
)
def test_auth_is_bearer(
    rig_factory: Callable[..., Rig], headers: dict[str, str], message: str
) -> None:
    rig = rig_factory({"operations": [start_compute()]})
    refused = rig.operation(OP, headers=headers)
    assert refused.status_code == 401
    assert refused.json()["message"] == message
    assert_valid(refused.json(), openapi_check.schema("GeneralError"))


def test_unknown_operation_or_project_is_404(rig_factory: Callable[..., Rig]) -> None:
    rig = rig_factory({"operations": [start_compute()]})
    for answer in (
        rig.operation("00000000-0000-0000-0000-000000000000"),
        rig.operation(OP, project="other-project-1"),
        rig.neon("/projects/other-project-1/operations"),
    ):
        assert answer.status_code == 404
        assert_valid(answer.json(), openapi_check.schema("GeneralError"))


def six_operations() -> list[dict[str, Any]]:
    actions = [
        "create_timeline",
        "start_compute",
        "create_branch",
        "apply_config",
        "suspend_compute",
    ]
    ops = [
        neon_op(f"00000000-0000-4000-8000-00000000000{n}", type=actions[n % 5], age=60 - n)
        for n in range(6)
    ]
    ops.append(neon_op("10000000-0000-4000-8000-000000000000", project_id="elsewhere-1"))
    return ops


def test_cursor_pagination_newest_first(rig_factory: Callable[..., Rig]) -> None:
    rig = rig_factory({"operations": six_operations()})
    seen, cursors, params = [], [], {"limit": "2"}
    for _ in range(10):
        page = rig.neon(f"/projects/{NEON_PROJECT}/operations", params=params)
        assert page.status_code == 200
        body = page.json()
        assert_valid(body, openapi_check.response_schema("ListOperations"))
        seen += [op["id"] for op in body["operations"]]
        cursor = body.get("pagination", {}).get("cursor")
        if not body["operations"] or not cursor:
            break
        cursors.append(cursor)
        params = {"limit": "2", "cursor": cursor}
    assert seen == [f"00000000-0000-4000-8000-00000000000{n}" for n in reversed(range(6))]
    assert len(cursors) == 3 and len(set(cursors)) == 3
    created = [rig.operation(op_id).json()["operation"]["created_at"] for op_id in seen]
    assert created == sorted(created, reverse=True)


@pytest.mark.parametrize(
    "params",
    [{"limit": "0"}, {"limit": "1001"}, {"limit": "ten"}, {"cursor": "not-a-cursor"}],
    ids=["zero", "too-many", "not-a-number", "cursor"],
)
def test_bad_list_parameters_are_400(rig: Rig, params: dict[str, str]) -> None:
    refused = rig.neon(f"/projects/{NEON_PROJECT}/operations", params=params)
    assert refused.status_code == 400
    assert_valid(refused.json(), openapi_check.schema("GeneralError"))


def test_creating_a_branch_returns_its_operations(rig_factory: Callable[..., Rig]) -> None:
    held = start_compute(created_by_call=1)
    rig = rig_factory({"operations": [held]})
    assert rig.operation(OP).status_code == 404
    path = f"/projects/{NEON_PROJECT}/branches"
    scripted = rig.neon(path, method="POST", json={"endpoints": [{"type": "read_write"}]})
    assert scripted.status_code == 201
    body = scripted.json()
    assert_valid(body, openapi_check.response_schema("CreatedBranch"))
    assert [op["id"] for op in body["operations"]] == [OP]
    assert body["branch"]["id"] == "br-long-feather-adpbgzlx"
    made = rig.neon(path, method="POST", json={"endpoints": [{"type": "read_write"}]}).json()
    assert_valid(made, openapi_check.response_schema("CreatedBranch"))
    assert [op["action"] for op in made["operations"]] == ["create_branch", "start_compute"]
    assert {op["branch_id"] for op in made["operations"]} == {made["branch"]["id"]}
    rig.advance(3)
    for op in made["operations"]:
        assert rig.operation(op["id"]).json()["operation"]["status"] == "finished"
    assert rig.neon(path, method="POST", content=b"{oops").status_code == 400
