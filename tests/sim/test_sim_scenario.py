"""Scenario files: loading, strict validation with one-line errors, and the packaged scenarios."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from lro_cli.clock import VirtualClock
from lro_cli.sim import (
    Scenario,
    ScenarioError,
    SimTransport,
    Simulator,
    default_scenario,
    demo_scenario,
    load_scenario,
)
from lro_cli.sim.scenario import DIALECTS
from tests.sim.rig import GCORE_AUTH, NEON_AUTH, gcore_op

SCENARIO: dict[str, Any] = {
    "credentials": {"gcore_api_key": "k1"},
    "faults": [{"request": 1, "path": "/gcore/*", "status": 503}],
    "operations": [
        gcore_op("t-1", {"at": 0, "state": "NEW"}, faults=[{"request": [2, 3], "kind": "reset"}]),
        {
            "dialect": "neon",
            "id": "639f7f73-0b76-4749-a767-2d3c627ca5a6",
            "type": "create_branch",
            "project_id": "p-1",
            "branch_id": "br-1",
            "timeline": [{"at": 0, "status": "running"}, {"at": 2.5, "status": "finished"}],
        },
    ],
}


def test_yaml_json_and_mapping_load_alike(tmp_path: Path) -> None:
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(SCENARIO))
    (tmp_path / "s.json").write_text(json.dumps(SCENARIO))
    loaded = [load_scenario(tmp_path / "s.yaml"), load_scenario(str(tmp_path / "s.json"))]
    assert loaded[0] == loaded[1] == load_scenario(SCENARIO)
    scenario = loaded[0]
    assert scenario.credentials.gcore_api_key == "k1"
    assert scenario.credentials.neon_api_key == "sim-neon-key"
    gcore, neon = scenario.operations
    assert gcore.faults[0].requests == frozenset({2, 3}) and gcore.faults[0].kind == "reset"
    assert (gcore.project_id, gcore.region_id) == (1, 1)
    assert neon.project_id == "p-1" and neon.timeline[1].fields["branch_id"] == "br-1"
    assert scenario.faults[0].matches("GET", "/gcore/cloud/v1/tasks")
    assert not scenario.faults[0].matches("GET", "/neon/api/v2/projects")


def op(**changes: Any) -> dict[str, Any]:
    return {"operations": [{**gcore_op("t-1"), **changes}]}


@pytest.mark.parametrize(
    ("data", "where"),
    [
        ({"operations": {"t-1": {}}}, "operations: expected a list"),
        ({"operation": []}, "unknown key 'operation'"),
        (op(dialect="aws"), "operations[0].dialect"),
        (op(id=None), "operations[0].id"),
        (op(colour="red"), "unknown key 'colour'"),
        (op(timeline=[]), "operations[0].timeline"),
        (op(timeline=[{"at": 0, "stat": "NEW"}]), "unknown key 'stat'"),
        (op(timeline=[{"at": 0}]), "needs a state"),
        (op(timeline=[{"at": 5, "state": "NEW"}, {"at": 1, "state": "RUNNING"}]), "time order"),
        (op(timeline=[{"at": -1, "state": "NEW"}]), "must not be negative"),
        (op(timeline=[{"at": "soon", "state": "NEW"}]), "timeline[0].at"),
        (op(timeline=[{"at": 0, "state": "NEW", "branch_id": "b"}]), "unknown key 'branch_id'"),
        (op(faults=[{"request": 1, "kind": "explode"}]), "faults[0].kind"),
        (op(faults=[{"kind": "reset"}]), "faults[0].request"),
        (op(faults=[{"request": 0, "kind": "reset"}]), "1-based"),
        (op(faults=[{"request": 1, "kind": "status"}]), "needs 'status'"),
        (op(faults=[{"request": 1, "kind": "reset", "path": "/x"}]), "unknown key 'path'"),
        ({"operations": [gcore_op("t-1"), gcore_op("t-1")]}, "scripted twice"),
        ({"credentials": {"token": "x"}}, "credentials"),
    ],
)
def test_bad_scenarios_are_one_line_errors(data: Any, where: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        Simulator(data)
    assert where in str(caught.value)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("name", "text", "where"),
    [
        ("bad.yaml", "operations: [unclosed", "not valid YAML"),
        ("bad.json", "{", "not valid JSON"),
        ("list.yaml", "- 1\n", "expected a mapping"),
    ],
)
def test_bad_files_name_the_file(tmp_path: Path, name: str, text: str, where: str) -> None:
    (tmp_path / name).write_text(text)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(tmp_path / name)
    assert str(caught.value).startswith(str(tmp_path / name)) and where in str(caught.value)
    assert "\n" not in str(caught.value)
    with pytest.raises(ScenarioError, match="cannot read"):
        load_scenario(tmp_path / "missing.yaml")


def test_an_empty_file_is_an_empty_scenario(tmp_path: Path) -> None:
    (tmp_path / "empty.yaml").write_text("")
    assert load_scenario(tmp_path / "empty.yaml") == Scenario()


def test_adding_an_existing_id_is_refused() -> None:
    sim = Simulator({"operations": [gcore_op("t-1")]})
    with pytest.raises(ValueError, match="already exists"):
        sim.add_operation(gcore_op("t-1"))


def final_outcomes(scenario: Scenario) -> dict[str, str]:
    """Poll every operation about once a second, as `lro demo` does; honour Retry-After."""
    clock = VirtualClock()
    sim = Simulator(scenario, clock=clock.monotonic, wall=clock.now)
    client = httpx.Client(transport=SimTransport(sim), base_url="http://sim")
    due = {spec.id: 0.0 for spec in scenario.operations}
    outcomes: dict[str, str] = {}
    while len(outcomes) < len(due):
        clock.advance(max(0.0, min(t for i, t in due.items() if i not in outcomes) - clock.elapsed))
        for spec in scenario.operations:
            if spec.id in outcomes or due[spec.id] > clock.elapsed:
                continue
            if spec.dialect == "gcore":
                answer = client.get(f"/gcore/cloud/v1/tasks/{spec.id}", headers=GCORE_AUTH)
                state = answer.json().get("state") if answer.status_code == 200 else None
            else:
                path = f"/neon/api/v2/projects/{spec.project_id}/operations/{spec.id}"
                answer = client.get(path, headers=NEON_AUTH)
                state = answer.json()["operation"]["status"] if answer.status_code == 200 else None
            if state in ("FINISHED", "ERROR", "finished", "failed"):
                outcomes[spec.id] = f"{state}@{clock.elapsed:g}"
            due[spec.id] = clock.elapsed + float(answer.headers.get("retry-after", 1))
    faults = [r.fault for r in sim.requests if r.fault]
    assert faults == ["status", "status"]
    return outcomes


def test_the_demo_is_a_mix_of_five_providers_one_failure_done_in_eight_seconds() -> None:
    demo = demo_scenario()
    assert sorted(op.dialect for op in demo.operations) == (
        ["gcore"] * 3 + ["http", "lakesail"] + ["neon"] * 3 + ["redpanda"]
    )
    faults = [fault for op in demo.operations for fault in op.faults]
    assert sorted(fault.status or 0 for fault in faults) == [429, 503]
    assert [fault.retry_after for fault in faults if fault.status == 429] == ["2"]
    # The faulted and failing operations are Gcore's and Neon's: poll those as the demo does.
    polled = dataclasses.replace(
        demo, operations=tuple(op for op in demo.operations if op.dialect in ("gcore", "neon"))
    )
    outcomes = final_outcomes(polled)
    ends = {state.split("@")[0] for state in outcomes.values()}
    assert ends == {"FINISHED", "ERROR", "finished"}
    assert [state for state in outcomes.values() if state.startswith("ERROR")] == ["ERROR@3"]
    assert max(float(state.split("@")[1]) for state in outcomes.values()) <= 8
    others = [op for op in demo.operations if op.dialect not in ("gcore", "neon")]
    assert {op.timeline[-1].state for op in others} == {"STATE_COMPLETED", "succeeded", "DONE"}
    assert max(op.timeline[-1].at for op in others) <= 8


def test_the_default_scenario_covers_every_fault_kind() -> None:
    scenario = default_scenario()
    kinds = {fault.kind for op in scenario.operations for fault in op.faults}
    assert kinds >= {"status", "html", "reset", "garbage", "truncated", "missing_state"}
    assert any(op.expire_after for op in scenario.operations)
    assert {op.dialect for op in scenario.operations} == set(DIALECTS)
