"""SimTransport: the simulator in-process, with faults as httpx raises them, on a virtual clock."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from lro_cli.clock import VirtualClock
from lro_cli.sim import SimTransport, Simulator
from tests.sim.rig import GCORE_AUTH, NEON_AUTH, NEON_PROJECT, gcore_op, neon_op

TASK = "task-1"


def simulator(*faults: dict[str, object], clock: VirtualClock | None = None) -> Simulator:
    clock = clock or VirtualClock()
    steps = ({"at": 0, "state": "RUNNING"}, {"at": 10, "state": "FINISHED"})
    scenario = {"operations": [gcore_op(TASK, *steps, faults=list(faults))]}
    return Simulator(scenario, clock=clock.monotonic, wall=clock.now)


def test_sync_client_sees_the_same_api() -> None:
    sim = simulator()
    with httpx.Client(transport=SimTransport(sim), base_url="http://sim") as client:
        answer = client.get(f"/gcore/cloud/v1/tasks/{TASK}", headers=GCORE_AUTH)
        listed = client.get("/gcore/cloud/v1/tasks", params={"limit": 1}, headers=GCORE_AUTH)
    assert answer.status_code == 200 and answer.json()["state"] == "RUNNING"
    assert answer.headers["date"] == "Thu, 01 Jan 2026 00:00:00 GMT"
    assert listed.json()["count"] == 1
    assert sim.requests[1].query == (("limit", "1"),)


def test_reset_and_slow_raise_what_httpx_raises() -> None:
    sim = simulator({"request": 1, "kind": "reset"}, {"request": 2, "kind": "slow", "seconds": 40})
    with httpx.Client(transport=SimTransport(sim), base_url="http://sim", timeout=30) as client:
        with pytest.raises(httpx.RemoteProtocolError):
            client.get(f"/gcore/cloud/v1/tasks/{TASK}", headers=GCORE_AUTH)
        with pytest.raises(httpx.ReadTimeout):
            client.get(f"/gcore/cloud/v1/tasks/{TASK}", headers=GCORE_AUTH)
        assert client.get(f"/gcore/cloud/v1/tasks/{TASK}", headers=GCORE_AUTH).status_code == 200
    assert [r.fault for r in sim.requests] == ["reset", "slow", None]


def test_a_slow_fault_shorter_than_the_read_timeout_delivers() -> None:
    sim = simulator({"request": 1, "kind": "slow", "seconds": 3})
    with httpx.Client(transport=SimTransport(sim), base_url="http://sim", timeout=30) as client:
        assert client.get(f"/gcore/cloud/v1/tasks/{TASK}", headers=GCORE_AUTH).status_code == 200


def test_async_slow_fault_spends_the_read_timeout_on_the_virtual_clock() -> None:
    clock = VirtualClock()
    sim = simulator({"request": 1, "kind": "slow", "seconds": 40}, clock=clock)

    async def poll() -> tuple[str, float]:
        transport = SimTransport(sim, sleep=clock.sleep)
        async with httpx.AsyncClient(transport=transport, base_url="http://sim") as client:
            with pytest.raises(httpx.ReadTimeout):
                await client.get(f"/gcore/cloud/v1/tasks/{TASK}", headers=GCORE_AUTH, timeout=30)
            answer = await client.get(f"/gcore/cloud/v1/tasks/{TASK}", headers=GCORE_AUTH)
            return answer.json()["state"], clock.monotonic()

    assert clock.run(poll()) == ("FINISHED", 30.0)  # it finished at 10 s, while the client waited
    assert [r.time for r in sim.requests] == [0.0, 30.0]


def test_hundreds_of_operations_polled_concurrently() -> None:
    clock = VirtualClock()
    sim = Simulator(clock=clock.monotonic, wall=clock.now)
    ids = [f"00000000-0000-4000-8000-{n:012d}" for n in range(250)]
    for n, op_id in enumerate(ids):
        done = 5 + n % 30
        if n % 2:
            steps = ({"at": 0, "state": "NEW"}, {"at": done, "state": "FINISHED"})
            sim.add_operation(gcore_op(op_id, *steps))
        else:
            steps = ({"at": 0, "status": "running"}, {"at": done, "status": "finished"})
            sim.add_operation(neon_op(op_id, *steps))

    async def wait(client: httpx.AsyncClient, n: int, op_id: str) -> int:
        gcore = n % 2 == 1
        path = (
            f"/gcore/cloud/v1/tasks/{op_id}"
            if gcore
            else f"/neon/api/v2/projects/{NEON_PROJECT}/operations/{op_id}"
        )
        for polls in range(1, 100):
            body = (await client.get(path, headers=GCORE_AUTH if gcore else NEON_AUTH)).json()
            state = body["state"] if gcore else body["operation"]["status"]
            if state.lower() == "finished":
                return polls
            await asyncio.sleep(2)
        raise AssertionError(f"{op_id} never finished")

    async def wait_all() -> list[int]:
        async with httpx.AsyncClient(transport=SimTransport(sim), base_url="http://sim") as client:
            return await asyncio.gather(*(wait(client, n, op_id) for n, op_id in enumerate(ids)))

    polls = clock.run(wait_all())
    assert len(polls) == 250 and all(count >= 3 for count in polls)
    assert len(sim.requests) == sum(polls)
    assert clock.monotonic() <= 36
