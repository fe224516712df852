"""Fixtures: `rig_factory(scenario)` builds a simulated control plane on a virtual clock."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pytest

from lro_cli.clock import VirtualClock
from lro_cli.sim import SimServer, Simulator
from tests.sim.rig import Rig


@pytest.fixture
def rig_factory() -> Iterator[Callable[..., Rig]]:
    rigs: list[Rig] = []

    def make(scenario: Mapping[str, Any] | None = None, **server_options: Any) -> Rig:
        clock = VirtualClock()
        sim = Simulator(scenario, clock=clock.monotonic, wall=clock.now)
        server = SimServer(sim, **server_options).start()
        rigs.append(Rig(sim, server, clock))
        return rigs[-1]

    yield make
    for rig in rigs:
        rig.client.close()
        rig.server.stop()


@pytest.fixture
def rig(rig_factory: Callable[..., Rig]) -> Rig:
    return rig_factory()
