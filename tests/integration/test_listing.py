"""Every dialect that lists: the adapter pages through its simulated API over loopback.

`lro list` comes with the live view; until then the adapters' `list_operations` is driven here
directly, through the same HTTP session the commands use, against the independently written
simulator: pages of 2 over 6 operations, a state filter and a total limit.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lro_cli.commands.runtime import Adapters
from lro_cli.commands.sim import sim_profiles
from lro_cli.config import Config
from lro_cli.env import Env
from lro_cli.model import State
from lro_cli.providers.base import ListQuery
from lro_cli.providers.registry import adapter_class
from lro_cli.sim import SimServer, Simulator
from tests.integration.harness import scenario

COUNT = 6  # three pages of two
DONE = {"gcore": "FINISHED", "neon": "finished", "redpanda": "STATE_COMPLETED",
        "google": "done", "http": "DONE"}  # fmt: skip
RUNNING = {"gcore": "RUNNING", "neon": "running", "redpanda": "STATE_IN_PROGRESS",
           "google": "running", "http": "RUNNING"}  # fmt: skip
TYPES = {"gcore": "create_vm", "neon": "create_branch", "redpanda": "TYPE_CREATE_CLUSTER",
         "google": "create_instance", "http": "export"}  # fmt: skip
LIST_PATHS = {"gcore": "/gcore/cloud/v1/tasks", "neon": "/operations",
              "redpanda": "/redpanda/v1/operations", "google": "/operations",
              "http": "/custom/jobs"}  # fmt: skip


def scripted(dialect: str, index: int) -> dict[str, Any]:
    # Even operations are finished from the start, odd ones still running.
    state = DONE[dialect] if index % 2 == 0 else RUNNING[dialect]
    return {
        "dialect": dialect,
        "id": f"{dialect}-op-{index}",
        "type": TYPES[dialect],
        "timeline": [{"at": 0, "state": state}],
    }


@pytest.fixture(params=sorted(DONE))
def listed(request: pytest.FixtureRequest) -> Iterator[tuple[str, Simulator, SimServer]]:
    dialect: str = request.param
    sim = Simulator(scenario(*(scripted(dialect, i) for i in range(COUNT))))
    with SimServer(sim) as server:
        yield dialect, sim, server


def list_ids(sim: Simulator, server: SimServer, dialect: str, query: ListQuery) -> list[str]:
    raw = sim_profiles(server.url, sim.scenario)
    name = f"sim-{dialect}"
    profile = Config(Path("<test>"), None, raw).profile(name, {})
    env = Env.for_test()

    async def collect() -> list[str]:
        async with Adapters(env, {name: profile}, debug=False) as adapters:
            session = adapters[name].session  # type: ignore[attr-defined]
            factory = adapter_class(profile)
            adapter = (
                factory(profile, session)
                if dialect == "http"
                else factory(profile, session, page_size=2)
            )
            # Google names operations by their full name: compare the last segment.
            return [op.id.rpartition("/")[2] async for op in adapter.list_operations(query)]

    return asyncio.run(collect())


def list_requests(sim: Simulator, dialect: str) -> int:
    return sum(
        1 for r in sim.requests if r.method == "GET" and r.path.endswith(LIST_PATHS[dialect])
    )


def test_every_page_is_followed(listed: tuple[str, Simulator, SimServer]) -> None:
    dialect, sim, server = listed
    ids = list_ids(sim, server, dialect, ListQuery(limit=0))
    assert sorted(ids) == sorted(f"{dialect}-op-{i}" for i in range(COUNT))
    assert len(ids) == len(set(ids))  # no page read twice
    assert list_requests(sim, dialect) >= COUNT // 2  # pages of two, not one big page


def test_a_state_filter_keeps_only_those(listed: tuple[str, Simulator, SimServer]) -> None:
    dialect, sim, server = listed
    ids = list_ids(sim, server, dialect, ListQuery(states=(State.SUCCEEDED,), limit=0))
    assert sorted(ids) == sorted(f"{dialect}-op-{i}" for i in range(0, COUNT, 2))


def test_the_limit_is_a_total_across_pages(listed: tuple[str, Simulator, SimServer]) -> None:
    dialect, sim, server = listed
    ids = list_ids(sim, server, dialect, ListQuery(limit=3))
    assert len(ids) == 3 and len(set(ids)) == 3
    assert list_requests(sim, dialect) == 2  # stopped as soon as three were in hand
