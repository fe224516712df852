"""The stdout contract (SPEC.md "Machine output"): ids, JSON, NDJSON and the `get` table."""

from __future__ import annotations

import json
from typing import Any

from tests.integration.harness import GCORE, NEON, Dialect, LroSim, gcore_task

OPERATION_KEYS = {
    "profile",
    "provider",
    "id",
    "type",
    "state",
    "raw_state",
    "resources",
    "progress",
    "error",
    "created_at",
    "started_at",
    "updated_at",
    "finished_at",
}
TIMESTAMP_KEYS = ("created_at", "started_at", "updated_at", "finished_at")
STATES = {"pending", "running", "succeeded", "failed", "cancelled", "unknown"}


def check_operation(obj: dict[str, Any], *, raw: bool = False) -> None:
    """Every key of SPEC.md present (and only `raw` besides), in the forms it gives."""
    assert set(obj) == OPERATION_KEYS | ({"raw"} if raw else set())
    assert obj["state"] in STATES
    for key in TIMESTAMP_KEYS:
        assert obj[key] is None or obj[key].endswith("+00:00"), (key, obj[key])
    assert obj["created_at"] is not None and obj["updated_at"] is not None
    for resource in obj["resources"]:
        assert set(resource) == {"id", "type"}
    if obj["progress"] is not None:
        assert {"fraction", "stage", "message", "counts"} <= set(obj["progress"])
    if obj["error"] is not None:
        assert {"code", "message", "retryable"} <= set(obj["error"])


def test_wait_json_with_one_id_is_one_object(lro_sim: LroSim, dialect: Dialect) -> None:
    rig = lro_sim(dialect.succeeded("op-1", suffix="j"))
    result = rig.run("wait", "--output", "json", f"{dialect.profile}:op-1")
    assert result.code == 0, result.err
    obj = json.loads(result.out)
    assert isinstance(obj, dict)
    check_operation(obj)
    assert (obj["profile"], obj["provider"], obj["id"]) == (dialect.profile, dialect.name, "op-1")
    assert obj["state"] == "succeeded"
    assert obj["raw_state"] == ("FINISHED" if dialect == GCORE else "finished")
    assert obj["finished_at"] is not None
    ids = [r["id"] for r in obj["resources"]]
    assert list(dict.fromkeys(ids)) == dialect.resources("j")  # `wait -o ids` order


def test_wait_raw_adds_the_providers_payload(lro_sim: LroSim, dialect: Dialect) -> None:
    rig = lro_sim(dialect.succeeded("op-1"))
    result = rig.run("wait", "-o", "json", "--raw", f"{dialect.profile}:op-1")
    assert result.code == 0, result.err
    obj = json.loads(result.out)
    check_operation(obj, raw=True)
    assert obj["raw"]["id"] == "op-1"
    assert obj["raw"]["state" if dialect == GCORE else "status"] == obj["raw_state"]


def test_wait_json_with_two_ids_is_an_array_in_argument_order(lro_sim: LroSim) -> None:
    message = "Quota limit for volume_size exceeded by 20"
    rig = lro_sim(
        GCORE.failed("g-bad", message, at=0.1), NEON.succeeded("n-ok", at=0.6, suffix="n")
    )
    # The Gcore task ends first: the order must still be the arguments'.
    result = rig.run("wait", "-o", "json", "sim-neon:n-ok", "sim-gcore:g-bad")
    assert result.code == 1
    items = json.loads(result.out)
    assert [item["id"] for item in items] == ["n-ok", "g-bad"]
    for item in items:
        check_operation(item)
    assert [item["state"] for item in items] == ["succeeded", "failed"]
    assert items[1]["error"]["message"] == message
    assert items[1]["raw_state"] == "ERROR"
    assert [r["id"] for r in items[0]["resources"]] == NEON.resources("n")
    assert [r["type"] for r in items[0]["resources"]] == ["branch", "endpoint"]


def test_wait_json_keeps_the_shape_for_an_operation_never_read(lro_sim: LroSim) -> None:
    rig = lro_sim(GCORE.succeeded("g-ok"))
    result = rig.run("wait", "-o", "json", "g-ok", "not-there")
    assert result.code == 4
    items = json.loads(result.out)
    assert [item["id"] for item in items] == ["g-ok", "not-there"]
    assert set(items[1]) == OPERATION_KEYS
    assert items[1]["state"] is None and items[1]["resources"] == []
    assert "404" in items[1]["error"]["message"]


def test_ndjson_streams_state_events_then_done(lro_sim: LroSim) -> None:
    rig = lro_sim(
        GCORE.succeeded("g-ok", at=0.6),
        NEON.failed("n-bad", "timeline creation failed", at=0.3),
    )
    result = rig.run("wait", "--output", "ndjson", "sim-gcore:g-ok", "sim-neon:n-bad")
    assert result.code == 1
    events = [json.loads(line) for line in result.out.splitlines()]
    *states, done = events
    assert {e["event"] for e in states} == {"state"}
    for event in states:
        assert event["time"].endswith("+00:00")
        check_operation(event["operation"])
    seen = [(e["operation"]["id"], e["operation"]["state"]) for e in states]
    gcore_states = [state for op_id, state in seen if op_id == "g-ok"]
    assert gcore_states[0] == "pending" and gcore_states[-1] == "succeeded"
    assert "running" in gcore_states
    assert len(gcore_states) == len(set(gcore_states))  # only changes make events
    assert ("n-bad", "failed") in seen
    assert done["event"] == "done" and done["time"].endswith("+00:00")
    assert done["exit_code"] == 1
    assert done["summary"] == {
        "pending": 0,
        "running": 0,
        "succeeded": 1,
        "failed": 1,
        "cancelled": 0,
        "unknown": 0,
    }


def test_get_json_one_object_and_an_array(lro_sim: LroSim) -> None:
    running = gcore_task(
        "g-run",
        {"at": 0, "state": "RUNNING", "detailed_state": "POST_DEPLOY_SETUP"},
        {"at": 3600, "state": "FINISHED"},
    )
    rig = lro_sim(running, NEON.running("n-run", branch_id="br-x"))
    one = rig.run("get", "-o", "json", "g-run")
    assert one.code == 0, one.err
    obj = json.loads(one.out)
    check_operation(obj)
    assert obj["state"] == "running" and obj["finished_at"] is None
    assert obj["progress"]["stage"] == "POST_DEPLOY_SETUP"
    many = rig.run("get", "-o", "json", "--raw", "sim-neon:n-run", "sim-gcore:g-run")
    assert many.code == 0, many.err
    items = json.loads(many.out)
    assert [(i["provider"], i["id"]) for i in items] == [("neon", "n-run"), ("gcore", "g-run")]
    for item in items:
        check_operation(item, raw=True)


def test_get_table_on_a_pipe_is_plain_text(lro_sim: LroSim) -> None:
    rig = lro_sim(GCORE.failed("g-bad", "no capacity", at=0), NEON.running("n-run"))
    result = rig.run("get", "sim-gcore:g-bad", "sim-neon:n-run", env={"COLUMNS": "200"})
    assert result.code == 0, result.err  # get answers for its call, not the states
    lines = result.out.splitlines()
    assert "STATE" in lines[0]
    assert "g-bad" in lines[1] and "failed" in lines[1] and "no capacity" in lines[1]
    assert "n-run" in lines[2] and "running" in lines[2]
    assert result.err == ""
