"""The integration suite's harness: a simulator on loopback and the real `lro` against it.

`lro_sim(*operations, faults=...)` (a fixture in conftest.py) starts a `SimServer` on a free
port, writes a config file (mode 600) whose profiles point at it with short polling settings,
and returns a `Rig` whose `run(...)` starts `python -m lro_cli` as a subprocess. Every run is
checked for what must never happen whatever the test: a secret (the canary keys below) on either
stream, an escape sequence (no stream is a TTY here), or a traceback without `--debug`.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from lro_cli.sim import SimServer, Simulator

# Secrets that must never be shown: they are the simulator's real keys, so they do get sent.
GCORE_KEY = "CANARY-gcore-5e1f0c2a9b7d"
NEON_KEY = "CANARY-neon-83d4a6b1c0fe"
WRONG_KEY = "CANARY-wrong-2b9e7a41d3c6"
CANARIES = ("CANARY-",)

# Short enough that no test waits long, within what the config accepts.
SHORT = {
    "interval": "200ms",
    "min_interval": "100ms",
    "error_budget": "2s",
    "not_found_grace": "1s",
}
RUN_TIMEOUT = 20.0


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str

    @property
    def err_lines(self) -> list[str]:
        return self.err.splitlines()


def check_invariants(result: Result, *, debug: bool = False) -> None:
    """What no run may ever print, whatever it was asked."""
    for canary in CANARIES:
        assert canary not in result.out, f"a secret on stdout:\n{result.out}"
        assert canary not in result.err, f"a secret on stderr:\n{result.err}"
    assert "\x1b" not in result.out and "\x1b" not in result.err, "escape sequence without a TTY"
    if not debug:
        assert "Traceback" not in result.err, result.err


def base_environ(config: Path | None) -> dict[str, str]:
    """The parent's environment without anything that changes how `lro` behaves."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("LRO_", "PYTEST_", "COV_"))
        and key not in ("CI", "NO_COLOR", "FORCE_COLOR", "TERM", "COLUMNS", "LINES")
        and not key.startswith("GITHUB_")
    }
    env.update(PYTHONIOENCODING="utf-8", PYTHONDONTWRITEBYTECODE="1", TERM="xterm-256color")
    if config is not None:
        env["LRO_CONFIG"] = str(config)
    return env


def lro_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "lro_cli", *args]


def run_lro(
    args: Sequence[str],
    env: Mapping[str, str],
    *,
    stdin: str | None = None,
    timeout: float = RUN_TIMEOUT,
    debug: bool = False,
) -> Result:
    proc = subprocess.run(
        lro_command(*args),
        input=(stdin or "").encode(),
        capture_output=True,
        env=dict(env),
        timeout=timeout,
    )
    result = Result(
        proc.returncode, proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8", "replace")
    )
    check_invariants(result, debug=debug)
    return result


class Rig:
    """One simulator behind a loopback server, and a config file whose profiles point at it."""

    def __init__(self, sim: Simulator, server: SimServer, config: Path) -> None:
        self.sim = sim
        self.server = server
        self.config = config
        self.env = base_environ(config)

    @property
    def url(self) -> str:
        return self.server.url

    def run(
        self,
        *args: str,
        stdin: str | None = None,
        env: Mapping[str, str] | None = None,
        timeout: float = RUN_TIMEOUT,
    ) -> Result:
        merged = {**self.env, **(env or {})}
        return run_lro(args, merged, stdin=stdin, timeout=timeout, debug="--debug" in args)

    def popen(self, *args: str, **kwargs: Any) -> subprocess.Popen[bytes]:
        env = {**self.env, **kwargs.pop("env", {})}
        return subprocess.Popen(lro_command(*args), env=env, **kwargs)

    def gets(self, operation_id: str) -> list[float]:
        """Times (simulator clock) of the GETs that concerned one operation."""
        return [r.time for r in self.sim.polls(operation_id)]


def write_config(path: Path, document: Mapping[str, Any]) -> None:
    path.write_text(yaml.safe_dump(dict(document), sort_keys=False), encoding="utf-8")
    path.chmod(0o600)


def scenario(
    *operations: Mapping[str, Any], faults: Sequence[Mapping[str, Any]] = ()
) -> dict[str, Any]:
    return {
        "credentials": {"gcore_api_key": GCORE_KEY, "neon_api_key": NEON_KEY},
        "operations": list(operations),
        "faults": list(faults),
    }


def gcore_task(task_id: str, *steps: Mapping[str, Any], **fields: Any) -> dict[str, Any]:
    timeline = list(steps) or [{"at": 0, "state": "RUNNING"}]
    return {"dialect": "gcore", "id": task_id, "type": "create_vm", "timeline": timeline, **fields}


def neon_op(op_id: str, *steps: Mapping[str, Any], **fields: Any) -> dict[str, Any]:
    timeline = list(steps) or [{"at": 0, "status": "running"}]
    fields.setdefault("type", "create_branch")
    return {"dialect": "neon", "id": op_id, "timeline": timeline, **fields}


@dataclass(frozen=True)
class Dialect:
    """Scripted operations of one provider, in the shapes the tests need, and what they print."""

    name: str
    profile: str

    def succeeded(self, op_id: str, *, at: float = 0.4, suffix: str = "") -> dict[str, Any]:
        """An operation that succeeds `at` seconds in; its resources are `self.resources(...)`."""
        ids = self.resources(suffix or op_id[:4])
        if self.name == "gcore":
            return gcore_task(
                op_id,
                {"at": 0, "state": "NEW"},
                {"at": at / 2, "state": "RUNNING", "detailed_state": "NETWORK"},
                {
                    "at": at,
                    "state": "FINISHED",
                    "detailed_state": None,
                    # i-… twice: the duplicate must be printed once.
                    "created_resources": {"instances": ids[:2], "volumes": [ids[2], ids[0]]},
                },
            )
        return neon_op(
            op_id,
            {"at": 0, "status": "scheduling"},
            {"at": at / 2, "status": "running"},
            {"at": at, "status": "finished"},
            type="start_compute",
            branch_id=ids[0],
            endpoint_id=ids[1],
        )

    def resources(self, tag: str) -> list[str]:
        """The ids `wait` prints for `succeeded(..., suffix=tag)`, in PROVIDERS.md order."""
        if self.name == "gcore":
            return [f"inst-{tag}-a", f"inst-{tag}-b", f"vol-{tag}"]
        return [f"br-{tag}", f"ep-{tag}"]

    def failed(self, op_id: str, message: str, *, at: float = 0.3) -> dict[str, Any]:
        if self.name == "gcore":
            return gcore_task(
                op_id,
                {"at": 0, "state": "RUNNING"},
                {"at": at, "state": "ERROR", "error": message},
                type="create_volume",
            )
        return neon_op(
            op_id,
            {"at": 0, "status": "running"},
            {"at": at, "status": "failed", "error": message, "failures_count": 3},
            type="create_timeline",
        )

    def running(self, op_id: str, **fields: Any) -> dict[str, Any]:
        """An operation that runs for an hour: nothing a test waits for ends it."""
        if self.name == "gcore":
            steps = [{"at": 0, "state": "RUNNING"}, {"at": 3600, "state": "FINISHED"}]
            return gcore_task(op_id, *steps, **fields)
        steps = [{"at": 0, "status": "running"}, {"at": 3600, "status": "finished"}]
        return neon_op(op_id, *steps, **fields)

    def with_faults(self, op: dict[str, Any], *faults: Mapping[str, Any]) -> dict[str, Any]:
        return {**op, "faults": list(faults)}


GCORE = Dialect("gcore", "sim-gcore")
NEON = Dialect("neon", "sim-neon")
DIALECTS = (GCORE, NEON)


LroSim = Callable[..., Rig]
