"""Timelines over real sockets: they start at the first GET and move only with the given clock."""

from __future__ import annotations

from collections.abc import Callable

from tests.sim.rig import Rig, gcore_op, neon_op

VM = "d4a4b10e-5d22-4c23-8e09-f7a3e1c1a999"
BRANCH = "639f7f73-0b76-4749-a767-2d3c627ca5a6"


def two_hour_vm() -> dict[str, object]:
    return gcore_op(
        VM,
        {"at": 0, "state": "NEW"},
        {"at": 2, "state": "RUNNING", "detailed_state": "NETWORK"},
        {"at": 3600, "state": "RUNNING", "detailed_state": "POST_DEPLOY_SETUP"},
        {"at": 7200, "state": "FINISHED", "created_resources": {"instances": ["i-1"]}},
    )


def test_a_two_hour_timeline_follows_the_virtual_clock(rig_factory: Callable[..., Rig]) -> None:
    rig = rig_factory({"operations": [two_hour_vm()]})
    seen = []
    for step in (0, 1.9, 0.1, 3597, 1, 3599.9, 0.1, 10):
        rig.advance(step)
        task = rig.task(VM).json()
        seen.append((task["state"], task["detailed_state"]))
    assert seen == [
        ("NEW", None),
        ("NEW", None),
        ("RUNNING", "NETWORK"),
        ("RUNNING", "NETWORK"),
        ("RUNNING", "POST_DEPLOY_SETUP"),
        ("RUNNING", "POST_DEPLOY_SETUP"),
        ("FINISHED", "POST_DEPLOY_SETUP"),  # fields accumulate until a step changes them
        ("FINISHED", "POST_DEPLOY_SETUP"),
    ]


def test_the_timeline_starts_at_the_first_get_not_at_load(rig_factory: Callable[..., Rig]) -> None:
    rig = rig_factory({"operations": [two_hour_vm()]})
    rig.advance(10_000)  # long before anyone asks: nothing has happened yet
    first = rig.task(VM).json()
    assert first["state"] == "NEW"
    assert first["created_on"] == "2026-01-01T02:46:40"  # the wall time of the first GET
    rig.advance(2)
    assert rig.task(VM).json()["state"] == "RUNNING"


def test_age_puts_the_start_before_the_first_get(rig_factory: Callable[..., Rig]) -> None:
    rig = rig_factory({"operations": [{**two_hour_vm(), "age": 3600}]})
    rig.advance(100)
    task = rig.task(VM).json()
    assert (task["state"], task["detailed_state"]) == ("RUNNING", "POST_DEPLOY_SETUP")
    assert task["created_on"] == "2025-12-31T23:01:40"  # first GET at 00:01:40, less an hour


def test_timestamps_mark_the_steps(rig_factory: Callable[..., Rig]) -> None:
    rig = rig_factory({"operations": [two_hour_vm()]})
    rig.advance(60)
    rig.task(VM)
    rig.advance(7300)
    task = rig.task(VM).json()
    assert task["created_on"] == "2026-01-01T00:01:00"
    assert task["updated_on"] == "2026-01-01T02:01:00"
    assert task["finished_on"] == "2026-01-01T02:01:00"


def test_every_request_is_logged_with_its_clock_time(rig_factory: Callable[..., Rig]) -> None:
    rig = rig_factory({"operations": [two_hour_vm(), neon_op(BRANCH)]})
    rig.task(VM)
    rig.advance(5)
    rig.task(VM)
    rig.advance(2.5)
    rig.operation(BRANCH)
    rig.task("nope")
    rig.gcore("/cloud/v1/tasks", params={"limit": "2"})
    log = [
        (r.time, r.method, r.path, r.status, r.operation_id, r.dialect) for r in rig.sim.requests
    ]
    assert log == [
        (0.0, "GET", f"/gcore/cloud/v1/tasks/{VM}", 200, VM, "gcore"),
        (5.0, "GET", f"/gcore/cloud/v1/tasks/{VM}", 200, VM, "gcore"),
        (7.5, "GET", f"/neon/api/v2/projects/sim-project-000001/operations/{BRANCH}", 200, BRANCH,
         "neon"),
        (7.5, "GET", "/gcore/cloud/v1/tasks/nope", 404, None, "gcore"),
        (7.5, "GET", "/gcore/cloud/v1/tasks", 200, None, "gcore"),
    ]  # fmt: skip
    assert rig.sim.requests[-1].query == (("limit", "2"),)
    assert [r.time for r in rig.sim.polls(VM)] == [0.0, 5.0]


def test_expire_after_makes_the_operation_gone(rig_factory: Callable[..., Rig]) -> None:
    rig = rig_factory({"operations": [gcore_op(VM, expire_after=30)]})
    assert rig.task(VM).status_code == 200
    rig.advance(29.9)
    assert rig.task(VM).status_code == 200
    rig.advance(0.1)
    gone = rig.task(VM)
    assert gone.status_code == 404
    assert gone.json()["exception_class"] == "NotFoundError"
    assert rig.gcore("/cloud/v1/tasks").json() == {"count": 0, "results": []}


def test_operations_added_at_run_time_and_reset(rig: Rig) -> None:
    assert rig.task(VM).status_code == 404
    rig.sim.add_operation(two_hour_vm())
    rig.advance(3)
    assert rig.task(VM).json()["state"] == "NEW"
    rig.advance(3)
    assert rig.task(VM).json()["state"] == "RUNNING"
    rig.sim.reset()
    assert rig.sim.requests == []
    assert rig.task(VM).status_code == 404  # added operations belong to the run that added them


def test_reset_restarts_the_scenarios_timelines(rig_factory: Callable[..., Rig]) -> None:
    rig = rig_factory({"operations": [two_hour_vm()]})
    rig.task(VM)
    rig.advance(7200)
    assert rig.task(VM).json()["state"] == "FINISHED"
    rig.sim.reset()
    assert rig.task(VM).json()["state"] == "NEW"
    assert len(rig.sim.requests) == 1
