"""The Gcore dialect: task fields and formats, auth, 404s, offset pagination, filters, starts."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from tests.sim.rig import Rig, gcore_op

VM = "d4a4b10e-5d22-4c23-8e09-f7a3e1c1a999"
TASK_FIELDS = {
    "id", "state", "task_type", "user_id", "created_on", "updated_on", "finished_on", "error",
    "created_resources", "detailed_state", "data", "project_id", "region_id", "request_id",
}  # fmt: skip
NAIVE_TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$")


def finished_vm(**fields: Any) -> dict[str, Any]:
    resources = {"volumes": ["v-1"], "instances": ["i-1", "i-2"]}
    return gcore_op(
        VM,
        {"at": 0, "state": "NEW"},
        {"at": 5, "state": "FINISHED", "created_resources": resources},
        data={"name": "vm-1"},
        **fields,
    )


def test_a_task_comes_at_top_level_with_every_field(rig_factory: Callable[..., Rig]) -> None:
    rig = rig_factory({"operations": [finished_vm(project_id=7, region_id=76)]})
    running = rig.task(VM)
    assert running.status_code == 200
    assert running.headers["content-type"] == "application/json"
    task = running.json()
    assert set(task) >= TASK_FIELDS
    assert task["id"] == VM and task["task_type"] == "create_vm" and task["state"] == "NEW"
    assert (task["project_id"], task["region_id"], task["data"]) == (7, 76, {"name": "vm-1"})
    assert isinstance(task["user_id"], int)
    assert task["finished_on"] is None and task["created_resources"] is None
    assert NAIVE_TIMESTAMP.match(task["created_on"]) and NAIVE_TIMESTAMP.match(task["updated_on"])


def test_created_resources_has_every_key_in_scripted_order(rig_factory: Callable[..., Rig]) -> None:
    rig = rig_factory({"operations": [finished_vm()]})
    rig.task(VM)
    rig.advance(5)
    task = rig.task(VM).json()
    resources = task["created_resources"]
    assert list(resources)[:2] == ["volumes", "instances"]  # as scripted, not sorted
    assert resources["instances"] == ["i-1", "i-2"]
    for key in ("floatingips", "networks", "k8s_clusters", "loadbalancers", "ports", "subnets"):
        assert resources[key] == []
    assert all(isinstance(ids, list) for ids in resources.values())
    assert NAIVE_TIMESTAMP.match(task["finished_on"])


def test_an_error_task_has_its_message_and_no_resources(rig_factory: Callable[..., Rig]) -> None:
    quota = "Quota limit for volume_size exceeded by 20"
    failing = gcore_op(
        VM, {"at": 0, "state": "RUNNING"}, {"at": 1, "state": "ERROR", "error": quota}
    )
    rig = rig_factory({"operations": [failing]})
    rig.task(VM)
    rig.advance(1)
    task = rig.task(VM).json()
    assert (task["state"], task["error"], task["created_resources"]) == ("ERROR", quota, None)
    assert task["finished_on"] == task["updated_on"]


def test_a_finished_task_without_scripted_resources_lists_empty_keys(
    rig_factory: Callable[..., Rig],
) -> None:
    rig = rig_factory({"operations": [gcore_op(VM, {"at": 0, "state": "FINISHED"})]})
    resources = rig.task(VM).json()["created_resources"]
    assert resources["instances"] == [] and len(resources) >= 30


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({}, "Authentication credentials were not provided."),
        ({"Authorization": "Bearer sim-gcore-key"}, "Invalid authentication credentials."),
        ({"Authorization": "APIKey wrong"}, "Invalid authentication credentials."),
    ],
    ids=["missing", "wrong-scheme", "wrong-key"],
)
def test_auth_is_apikey(
    rig_factory: Callable[..., Rig], headers: dict[str, str], message: str
) -> None:
    rig = rig_factory({"operations": [finished_vm()]})
    refused = rig.task(VM, headers=headers)
    assert refused.status_code == 401
    body = refused.json()
    assert body["message"] == message
    assert body["exception_class"] and body["request_id"]
    assert rig.sim.polls(VM) == []  # refused before the task: its request count is untouched


def test_unknown_task_is_404_in_gcore_shape(rig: Rig) -> None:
    missing = rig.task("no-such-task")
    assert missing.status_code == 404
    assert missing.json()["exception_class"] == "NotFoundError"
    assert set(missing.json()) == {"exception_class", "message", "request_id"}


ALL_SEVEN = [f"task-{n}" for n in range(7)]


def seven_tasks() -> list[dict[str, Any]]:
    tasks = []
    for n in range(7):
        state = ["NEW", "RUNNING", "FINISHED", "ERROR"][n % 4]
        tasks.append(
            gcore_op(
                f"task-{n}",
                {"at": 0, "state": state},
                type="create_volume" if n % 2 else "create_vm",
                region_id=1 + n % 2,
                age=100 - n,  # task-6 is the newest
            )
        )
    return tasks


def page_through(rig: Rig, **params: str) -> tuple[list[str], list[int]]:
    ids, counts, offset = [], [], 0
    while True:
        page = rig.gcore("/cloud/v1/tasks", params={**params, "limit": "2", "offset": str(offset)})
        assert page.status_code == 200
        body = page.json()
        assert set(body) == {"count", "results"}
        counts.append(body["count"])
        ids += [task["id"] for task in body["results"]]
        offset += len(body["results"])
        if not body["results"] or offset >= body["count"]:
            return ids, counts


def test_offset_pagination_in_pages_of_two(rig_factory: Callable[..., Rig]) -> None:
    rig = rig_factory({"operations": seven_tasks()})
    ids, counts = page_through(rig, order_by="asc")
    assert ids == [f"task-{n}" for n in range(7)]  # oldest first
    assert counts == [7, 7, 7, 7]
    newest_first, _ = page_through(rig, order_by="desc")
    assert newest_first == [f"task-{n}" for n in reversed(range(7))]
    first = rig.gcore("/cloud/v1/tasks", params={"limit": "2"}).json()
    assert len(first["results"]) == 2 and first["count"] == 7
    assert rig.gcore("/cloud/v1/tasks").json()["count"] == 7  # default limit 10


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ([("state", "NEW"), ("state", "ERROR")], ["task-0", "task-3", "task-4"]),
        ([("task_type", "create_volume")], ["task-1", "task-3", "task-5"]),
        ([("region_id", "2")], ["task-1", "task-3", "task-5"]),
        ([("region_id", "1"), ("region_id", "2"), ("project_id", "1")], ALL_SEVEN),
        ([("project_id", "9")], []),
        ([("from_timestamp", "2025-12-31T23:58:25")], ["task-5", "task-6"]),
        ([("to_timestamp", "2025-12-31T23:58:21Z")], ["task-0", "task-1"]),
        ([("is_acknowledged", "true")], []),
    ],
    ids=["states", "type", "region", "regions-and-project", "other-project", "from", "to", "acked"],
)  # fmt: skip
def test_list_filters(
    rig_factory: Callable[..., Rig], params: list[tuple[str, str]], expected: list[str]
) -> None:
    rig = rig_factory({"operations": seven_tasks()})
    body = rig.gcore("/cloud/v1/tasks", params=[*params, ("order_by", "asc")]).json()
    assert [task["id"] for task in body["results"]] == expected
    assert body["count"] == len(expected)


@pytest.mark.parametrize(
    "params",
    [{"limit": "1001"}, {"limit": "0"}, {"offset": "-1"}, {"state": "DONE"}, {"order_by": "up"}],
    ids=["limit-high", "limit-zero", "offset", "state", "order"],
)
def test_bad_list_parameters_are_400(rig: Rig, params: dict[str, str]) -> None:
    refused = rig.gcore("/cloud/v1/tasks", params=params)
    assert refused.status_code == 400
    assert refused.json()["exception_class"] == "ValidationError"


def test_acknowledge(rig_factory: Callable[..., Rig]) -> None:
    rig = rig_factory({"operations": [finished_vm()]})
    assert rig.task(VM).json()["acknowledged_at"] is None
    rig.advance(3)
    acked = rig.task(f"{VM}/acknowledge", method="POST")
    assert acked.status_code == 200 and acked.json()["acknowledged_at"] == "2026-01-01T00:00:03"
    listed = rig.gcore("/cloud/v1/tasks", params={"is_acknowledged": "true"}).json()
    assert [task["id"] for task in listed["results"]] == [VM]
    assert rig.task(f"{VM}/acknowledge").status_code == 405
    assert rig.task("nope/acknowledge", method="POST").status_code == 404


def test_a_create_call_answers_with_task_ids(rig_factory: Callable[..., Rig]) -> None:
    held = gcore_op("held-1", {"at": 0, "state": "ERROR", "error": "boom"}, created_by_call=True)
    rig = rig_factory({"operations": [held]})
    assert rig.task("held-1").status_code == 404  # not created yet
    first = rig.gcore("/cloud/v1/volumes/1/76", method="POST", json={"size": 10})
    assert first.status_code == 200 and first.json() == {"tasks": ["held-1"]}
    assert rig.task("held-1").json()["state"] == "ERROR"
    second = rig.gcore("/cloud/v1/instances/1/76", method="POST", json={}).json()
    (made,) = second["tasks"]
    task = rig.task(made).json()
    assert (task["task_type"], task["state"], task["project_id"], task["region_id"]) == (
        "create_vm",
        "NEW",
        1,
        76,
    )
    rig.advance(3)
    assert len(rig.task(made).json()["created_resources"]["instances"]) == 1
