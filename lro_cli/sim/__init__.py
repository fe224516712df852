"""The embedded control-plane simulator: every provider's dialect on one port, scripted faults.

Written from the providers' references, never from the adapters, so that a misreading in an
adapter shows up as a failing test instead of being mirrored. Typical use in a test:

    clock = VirtualClock()
    sim = Simulator({"operations": [...]}, clock=clock.monotonic, wall=clock.now)
    with SimServer(sim) as server:          # real sockets: base_url = server.url + "/gcore"
        ...
    client = httpx.AsyncClient(transport=SimTransport(sim))   # or no sockets at all
"""

from typing import TYPE_CHECKING

from lro_cli.sim.core import Simulator
from lro_cli.sim.exchange import RequestRecord, SimResponse
from lro_cli.sim.loading import default_scenario, demo_scenario, load_scenario
from lro_cli.sim.scenario import (
    DEFAULT_NEON_PROJECT,
    Credentials,
    Fault,
    Scenario,
    ScenarioError,
    ScriptedOperation,
    Step,
)
from lro_cli.sim.server import SimServer

if TYPE_CHECKING:
    from lro_cli.sim.transport import SimTransport

__all__ = [
    "DEFAULT_NEON_PROJECT",
    "Credentials",
    "Fault",
    "RequestRecord",
    "Scenario",
    "ScenarioError",
    "ScriptedOperation",
    "SimResponse",
    "SimServer",
    "SimTransport",
    "Simulator",
    "Step",
    "default_scenario",
    "demo_scenario",
    "load_scenario",
]


def __getattr__(name: str) -> object:
    # SimTransport needs httpx; importing it lazily keeps `lro sim serve` and `lro demo` light.
    if name == "SimTransport":
        from lro_cli.sim.transport import SimTransport

        return SimTransport
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
