"""`lro demo`: the simulator in-process, a scripted mix, the normal engine and renderer."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from lro_cli.commands.runtime import Request, fail
from lro_cli.env import Env
from lro_cli.errors import ExitCode, LroError
from lro_cli.model import OperationRef, Outcome
from lro_cli.options import DemoOptions, WaitOptions

if TYPE_CHECKING:
    from lro_cli.sim import Scenario, Simulator

# The demo's operations are named by id; Google (names) and Azure (URLs) are left to `sim serve`.
PROFILE_BY_DIALECT = {
    "gcore": "sim-gcore",
    "neon": "sim-neon",
    "redpanda": "sim-redpanda",
    "lakesail": "sim-lakesail",
    "http": "sim-http",
}
DEMO_INTERVAL = "1s"  # the scripted operations finish in seconds; poll like an impatient human


def run(opts: DemoOptions, env: Env) -> int:
    from lro_cli.commands import wait
    from lro_cli.commands.sim import sim_profiles
    from lro_cli.config import Config
    from lro_cli.sim import SimServer, Simulator, demo_scenario

    scenario = demo_scenario()
    simulator = Simulator(scenario)
    try:
        with SimServer(simulator) as server:
            raw = sim_profiles(server.url, scenario)
            for profile in raw.values():
                profile["interval"] = DEMO_INTERVAL
            config = Config(Path("<lro demo>"), None, raw)
            refs = [
                OperationRef(
                    PROFILE_BY_DIALECT[op.dialect],
                    op.dialect,
                    op.id,
                    f"{PROFILE_BY_DIALECT[op.dialect]}:{op.id}",
                )
                for op in scenario.operations
            ]
            used = sorted({ref.profile for ref in refs})
            profiles = {name: config.profile(name, env.environ) for name in used}
            env.write_err(
                f"lro demo: simulator on {server.url}; waiting on {len(refs)} "
                "operations as `lro wait` would\n"
            )
            request = Request(refs, profiles, one_object=False)
            result = wait.execute(
                WaitOptions(tuple(r.arg for r in refs), opts.common), env, request
            )
    except LroError as error:
        return fail(env, error, opts.common.debug)
    deviations = _deviations(scenario, result.outcomes)
    faults = _faults_seen(simulator)
    env.write_err(f"lro demo: the simulator answered {faults}, absorbed by retries\n")
    if deviations:
        for line in deviations:
            env.write_err(f"lro demo: not as scripted: {line}\n")
        return int(ExitCode.FAILED)
    env.write_err(
        f"lro demo: ran as scripted. `lro wait` would have exited "
        f"{int(result.exit_code)}: {_why(result.exit_code, result.outcomes)}\n"
    )
    return int(ExitCode.OK)


def _deviations(scenario: Scenario, outcomes: Sequence[Outcome]) -> list[str]:
    """Each operation must end in the raw state its timeline ends in."""
    expected = {op.id: op.timeline[-1].state for op in scenario.operations}
    lines = []
    for outcome in outcomes:
        got = outcome.operation.raw_state if outcome.operation else None
        if got != expected.get(outcome.ref.id):
            lines.append(f"{outcome.ref.arg} ended {got!r}, scripted {expected[outcome.ref.id]!r}")
    return lines


def _faults_seen(simulator: Simulator) -> str:
    statuses = [r.status for r in simulator.requests if r.fault]
    if not statuses:
        return "no fault"
    return ", ".join(f"one {status}" if status else "one reset" for status in statuses)


def _why(code: ExitCode, outcomes: Sequence[Outcome]) -> str:
    if code is ExitCode.OK:
        return "every operation succeeded"
    worst = [o for o in outcomes if o.exit_code is code]
    names = ", ".join(o.ref.arg for o in worst)
    reasons = {
        ExitCode.FAILED: "failed",
        ExitCode.CANCELLED: "was cancelled",
        ExitCode.TIMEOUT: "was still running at the timeout",
    }
    what = reasons.get(code, f"ended with exit code {int(code)}")
    message = next((o.message for o in worst if o.message), None)
    return f"{names} {what}" + (f" ({message})" if message else "")
