"""Fixtures for the integration suite (the helpers they use are in `harness.py`)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from lro_cli.commands.sim import sim_profiles
from lro_cli.sim import SimServer, Simulator
from tests.integration.harness import (
    DIALECTS,
    SHORT,
    Dialect,
    LroSim,
    Rig,
    scenario,
    write_config,
)


@pytest.fixture(params=DIALECTS, ids=lambda d: d.name)
def dialect(request: pytest.FixtureRequest) -> Dialect:
    d: Dialect = request.param
    return d


@pytest.fixture
def lro_sim(tmp_path: Path) -> Iterator[LroSim]:
    """`lro_sim(*operations, faults=(), default_profile="sim-gcore", settings=SHORT)` → a Rig.

    `profiles` adds profiles to the simulator's two; `{url}` in their values is the server's URL.
    """
    servers: list[SimServer] = []

    def make(
        *operations: Mapping[str, Any],
        faults: Sequence[Mapping[str, Any]] = (),
        default_profile: str | None = "sim-gcore",
        settings: Mapping[str, Any] = SHORT,
        profiles: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> Rig:
        sim = Simulator(scenario(*operations, faults=faults))
        server = SimServer(sim).start()
        servers.append(server)
        raw = sim_profiles(server.url, sim.scenario)
        for profile in raw.values():
            profile.update(settings)
        for name, extra in (profiles or {}).items():
            raw[name] = {k: _at(v, server.url) for k, v in extra.items()}
        document: dict[str, Any] = {}
        if default_profile is not None:
            document["default_profile"] = default_profile
        document["profiles"] = raw
        config = tmp_path / f"config-{len(servers)}.yaml"
        write_config(config, document)
        return Rig(sim, server, config)

    yield make
    for server in servers:
        server.stop()


def _at(value: Any, url: str) -> Any:
    return value.replace("{url}", url) if isinstance(value, str) else value
