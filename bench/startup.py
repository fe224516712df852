"""Start-up time of `lro`: medians of whole-process wall time, beside `python -c pass`.

A benchmark, not a test: it prints figures and judges nothing. `lro get` runs against the
embedded simulator, served from this process on loopback. Usage:

    python bench/startup.py [--runs 15] [--lro PATH]

The commands run in turn (python, help, version, get, python, help, ...) so that a machine whose
speed drifts during the call moves every figure alike; each ratio is the command's median over
the median of `python -c pass`. Output goes to a pipe, as in a script: not a TTY.

Bytecode is cached (in a temporary PYTHONPYCACHEPREFIX, filled by the warm-up), as it is for an
installed `lro`, even where PYTHONDONTWRITEBYTECODE is set: otherwise every run would compile the
package from source. `--no-bytecode` times with the environment as it is.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from lro_cli.commands.sim import sim_profiles
from lro_cli.sim import Scenario, SimServer, Simulator, default_scenario

AIMS_MS = {"lro --help": 100.0, "lro get": 150.0}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="timed runs of each command")
    parser.add_argument("--warmup", type=int, default=1, help="untimed runs of each command first")
    parser.add_argument("--lro", default=_default_lro(), help="the lro executable to time")
    parser.add_argument(
        "--no-bytecode", action="store_true", help="leave PYTHONDONTWRITEBYTECODE as it is"
    )
    args = parser.parse_args(argv)

    scenario = default_scenario()
    operation = _quiet_gcore_operation(scenario)
    with SimServer(Simulator(scenario)) as server, tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "config.yaml"
        config.write_text(json.dumps({"profiles": sim_profiles(server.url, scenario)}))
        config.chmod(0o600)
        env = {k: v for k, v in os.environ.items() if k not in ("LRO_PROFILE", "LRO_CONFIG")}
        env["LRO_CONFIG"] = str(config)
        if not args.no_bytecode:
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
        commands = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "lro --help": [args.lro, "--help"],
            "lro --version": [args.lro, "--version"],
            "lro get": [args.lro, "get", "--profile", "sim-gcore", operation],
        }
        times = _time_in_turn(commands, env, args.runs, args.warmup)
    _report(times, args.runs, bytecode=not args.no_bytecode)
    return 0


def _default_lro() -> str:
    beside = Path(sys.executable).with_name("lro")
    return str(beside) if beside.exists() else (shutil.which("lro") or "lro")


def _quiet_gcore_operation(scenario: Scenario) -> str:
    # One without scripted faults, so that every run gets the same plain answer.
    for op in scenario.operations:
        if op.dialect == "gcore" and not op.faults:
            return op.id
    raise SystemExit("the default scenario has no Gcore operation without faults")


def _time_in_turn(
    commands: Mapping[str, list[str]], env: Mapping[str, str], runs: int, warmup: int
) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {name: [] for name in commands}
    for run in range(warmup + runs):
        for name, argv in commands.items():
            start = time.perf_counter()
            done = subprocess.run(argv, env=env, capture_output=True, stdin=subprocess.DEVNULL)
            elapsed = time.perf_counter() - start
            if done.returncode != 0:
                stderr = done.stderr.decode(errors="replace")
                raise SystemExit(f"{name}: exit {done.returncode}\n{stderr}")
            if run >= warmup:
                times[name].append(elapsed * 1000)
    return times


def _report(times: Mapping[str, list[float]], runs: int, *, bytecode: bool) -> None:
    baseline = statistics.median(times["python -c pass"])
    cache = "bytecode cached" if bytecode else "environment as is"
    print(f"start-up, whole process, {runs} runs each, python {sys.version.split()[0]}, {cache}")
    print(f"{'command':<16}{'median ms':>10}{'min':>8}{'max':>8}{'x python':>10}  aim")
    for name, samples in times.items():
        median = statistics.median(samples)
        aim = AIMS_MS.get(name)
        verdict = "" if aim is None else f"< {aim:.0f} ms: {'met' if median < aim else 'MISSED'}"
        print(
            f"{name:<16}{median:>10.1f}{min(samples):>8.1f}{max(samples):>8.1f}"
            f"{median / baseline:>10.2f}  {verdict}"
        )


if __name__ == "__main__":
    sys.exit(main())
