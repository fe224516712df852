"""`lro sim serve`: the simulator on loopback until Ctrl-C, and the profiles that point at it."""

from __future__ import annotations

import ipaddress
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import TYPE_CHECKING, Any

from lro_cli.env import Env
from lro_cli.errors import ExitCode
from lro_cli.options import SimServeOptions

if TYPE_CHECKING:
    from lro_cli.sim import Scenario

_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def run(opts: SimServeOptions, env: Env, *, stop: threading.Event | None = None) -> int:
    """Serve in the foreground until SIGINT/SIGTERM (or until `stop` is set, for tests)."""
    from lro_cli.sim import ScenarioError, SimServer, Simulator, default_scenario, load_scenario

    if not _is_loopback(opts.host):
        env.write_err(f"lro: the simulator serves on loopback only, not {opts.host}\n")
        return int(ExitCode.USAGE)
    try:
        scenario = load_scenario(opts.scenario) if opts.scenario else default_scenario()
    except ScenarioError as error:
        env.write_err(f"lro: bad scenario: {error}\n")
        return int(ExitCode.USAGE)
    server = SimServer(Simulator(scenario, log_limit=10_000), host=opts.host, port=opts.port)
    try:
        server.start()
    except OSError as error:
        reason = error.strerror or str(error)
        env.write_err(f"lro: cannot serve on {opts.host}:{opts.port}: {reason}\n")
        return int(ExitCode.USAGE)
    stop = stop or threading.Event()
    try:
        # Handlers first: once the line below is out, Ctrl-C must already stop us cleanly.
        with _stopped_by_signals(stop):
            env.write_out(profiles_yaml(server.url, scenario))
            env.write_err(
                f"lro: simulator serving on {server.url} (Gcore under /gcore, Neon under"
                " /neon/api/v2, Redpanda under /redpanda, LakeSail under /lakesail/api/v1,"
                " Google under /google, Azure under /azure, http jobs under /custom);"
                " press Ctrl-C to stop\n"
            )
            # Short waits: a signal handler runs on the main thread only between them.
            while not stop.wait(0.2):
                pass
    finally:
        server.stop()
    return int(ExitCode.OK)


def sim_profiles(url: str, scenario: Scenario) -> dict[str, dict[str, Any]]:
    """Profiles pointing at the simulator at `url`, as a config file's `profiles:` holds them."""
    return {
        "sim-gcore": {
            "provider": "gcore",
            "base_url": f"{url}/gcore",
            "api_key": scenario.credentials.gcore_api_key,
            "project_id": scenario.gcore_project_id,
            "region_id": scenario.gcore_region_id,
        },
        "sim-neon": {
            "provider": "neon",
            "base_url": f"{url}/neon/api/v2",
            "project_id": scenario.neon_project_id,
            "api_key": scenario.credentials.neon_api_key,
        },
        "sim-redpanda": {
            "provider": "redpanda",
            "base_url": f"{url}/redpanda",
            "client_id": scenario.credentials.redpanda_client_id,
            "client_secret": scenario.credentials.redpanda_client_secret,
            "token_url": f"{url}/redpanda/oauth/token",
            "audience": scenario.credentials.redpanda_audience,
        },
        "sim-lakesail": {
            "provider": "lakesail",
            "base_url": f"{url}/lakesail/api/v1",
            "token": scenario.credentials.lakesail_token,
        },
        "sim-google": {
            "provider": "google",
            "base_url": f"{url}/google",
            "token": scenario.credentials.google_token,
            "parent": scenario.google_parent,
        },
        "sim-azure": {
            "provider": "azure",
            "base_url": f"{url}/azure",
            "token": scenario.credentials.azure_token,
        },
        "sim-http": {
            # The /custom job API's shape: see lro_cli.sim.custom.
            "provider": "http",
            "base_url": f"{url}/custom",
            "api_key": scenario.credentials.http_api_key,
            "get": "/jobs/{id}",
            "state_path": "job.phase",
            "states": {
                "QUEUED": "pending",
                "RUNNING": "running",
                "DONE": "succeeded",
                "BROKEN": "failed",
            },
            "progress_path": "job.pct",
            "error_path": "job.failure.reason",
            "resource_path": "job.outputs",
            "start_id_path": "job.id",
            "list": "/jobs",
            "items_path": "items",
            "id_path": "job.id",
            "next_path": "next",
            "cursor_param": "cursor",
        },
    }


def profiles_yaml(url: str, scenario: Scenario) -> str:
    """The `profiles:` block for a config file, pointing at the simulator at `url`."""
    import yaml

    profiles = sim_profiles(url, scenario)
    header = f"# Profiles for the lro simulator at {url}: add them to your lro config.\n"
    return header + yaml.safe_dump({"profiles": profiles}, sort_keys=False)


@contextmanager
def _stopped_by_signals(stop: threading.Event) -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be set from the main thread; `stop` still works
        return

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {signum: signal.signal(signum, on_signal) for signum in _STOP_SIGNALS}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
