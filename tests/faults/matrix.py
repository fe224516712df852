"""Scripting one operation per dialect with faults, and running `lro wait` against it.

Two ways to run, over the same scripts:

- `InProcess`: `commands.wait.run` on a `VirtualClock`, the simulator behind `SimTransport` on
  the same clock (hours pass in milliseconds; slow responses take virtual time). For timing.
- `Process`: the real `lro` as a subprocess against a `SimServer` on loopback, with short
  profile settings (`SHORT`). For exit codes, stderr and signals.

Both check what no run may ever print (a credential, an escape sequence, a traceback), and both
keep the simulator's request log (`polls`, `statuses`, `times`) for order and lower bounds.
Every dialect's operation is named `sim-<dialect>` profile + the id a user would pass: Google's
full operation name, Azure's `Azure-AsyncOperation` URL minted by the starting call.
"""

from __future__ import annotations

import itertools
import json
import re
import shlex
import socket
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
import yaml

from lro_cli.clock import VirtualClock
from lro_cli.commands import wait
from lro_cli.commands.sim import sim_profiles
from lro_cli.env import Env
from lro_cli.options import CommonOptions, WaitOptions
from lro_cli.sim import RequestRecord, SimServer, SimTransport, Simulator
from lro_cli.sim import server as sim_server
from tests.integration.harness import (
    GCORE_KEY,
    NEON_KEY,
    Result,
    base_environ,
    check_invariants,
    run_lro,
    write_config,
)

DIALECTS = ("gcore", "neon", "redpanda", "lakesail", "google", "azure", "http")
HOUR = 3600.0

# Every secret is a canary: any run that shows one fails (`check_invariants`).
CREDENTIALS: dict[str, Any] = {
    "gcore_api_key": GCORE_KEY,
    "neon_api_key": NEON_KEY,
    "redpanda_client_id": "sim-redpanda-client",
    "redpanda_client_secret": "CANARY-redpanda-secret-7c1d0e9f3a",
    "redpanda_token": "CANARY-redpanda-static-52b8e0a4c7",
    "lakesail_token": "CANARY-lakesail-9e3f1a0b6d",
    "google_token": "CANARY-google-4a7c2e9d1b",
    "azure_token": "CANARY-azure-0f6b3d8e2a",
    "http_api_key": "CANARY-http-8d2a5c1e7f",
}
# Short enough that no real-process test waits long, within what the config accepts.
SHORT: dict[str, Any] = {
    "interval": "200ms",
    "min_interval": "100ms",
    "error_budget": "2s",
    "not_found_grace": "1s",
}

RUNNING = {
    "gcore": "RUNNING",
    "neon": "running",
    "redpanda": "STATE_IN_PROGRESS",
    "lakesail": "running",
    "google": "running",
    "azure": "InProgress",
    "http": "RUNNING",
}
DONE = {
    "gcore": "FINISHED",
    "neon": "finished",
    "redpanda": "STATE_COMPLETED",
    "lakesail": "succeeded",
    "google": "done",
    "azure": "Succeeded",
    "http": "DONE",
}
# A raw value no reference documents, and how the dialect's rule in PROVIDERS.md reads it.
# Google has no state field: a `done` that is not a boolean is its undocumented value.
UNDOCUMENTED: dict[str, tuple[dict[str, Any], str, str]] = {
    # dialect: (timeline step fields, raw value shown, normalized state)
    "gcore": ({"state": "REBOOTING"}, "REBOOTING", "unknown"),
    "neon": ({"state": "suspending"}, "suspending", "unknown"),
    "redpanda": ({"state": "STATE_PAUSED"}, "STATE_PAUSED", "unknown"),
    "lakesail": ({"state": "paused"}, "paused", "unknown"),
    "google": ({"state": "running", "extra": {"done": "yes"}}, 'done="yes"', "unknown"),
    "azure": ({"state": "Provisioning"}, "Provisioning", "running"),  # Azure: any other → running
    "http": ({"state": "PAUSED"}, "PAUSED", "unknown"),
}
GOOGLE_PARENT = "projects/sim-project/locations/us-central1"
AZURE_SUB = "00000000-0000-4000-8000-00000000a2e0"
AZURE_VM = f"/subscriptions/{AZURE_SUB}/resourceGroups/sim-rg/providers/Microsoft.Compute"
API_VERSION = "2024-07-01"
PROCESS_TIMEOUT = 30.0
EPSILON = 1e-6  # in-process times are exact; float sums are not quite
T = TypeVar("T")


def error_body(dialect: str, status: int, message: str) -> dict[str, Any]:
    """A fault's body: the provider's error shape (PROVIDERS.md) carrying `message`."""
    if dialect == "gcore":
        return {"exception_class": "HTTPError", "message": message, "request_id": "req-1"}
    if dialect == "neon":
        return {"code": "", "message": message, "request_id": "req-1"}
    if dialect == "redpanda":
        return {"code": "FAILED_PRECONDITION", "message": message, "details": []}
    if dialect == "lakesail":
        details = {"retryable": False, "requestId": "req-1"}
        return {
            "code": "BAD_REQUEST",
            "message": message,
            "errorType": "client",
            "details": details,
        }
    if dialect == "google":
        return {"error": {"code": status, "message": message, "status": "FAILED_PRECONDITION"}}
    if dialect == "azure":
        return {"error": {"code": "Conflict", "message": message}}
    return {"error": {"message": message}}


def status_fault(
    dialect: str, request: int | list[int], status: int, message: str
) -> dict[str, Any]:
    """A status fault whose body is the provider's error carrying `message`."""
    body = json.dumps(error_body(dialect, status, message))
    return {"request": request, "status": status, "body": body, "content_type": "application/json"}


def closed_port() -> int:
    """A loopback port nothing listens on (connections to it are refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def op_id(dialect: str, tag: str = "op") -> str:
    """The id of a row's operation in one dialect, when one run waits on every dialect.

    Tags are short: the plain log shortens ids past 12 characters."""
    return f"{tag}-{dialect}"


def resource_id(op_id: str) -> str:
    """What `wait` prints for `script(dialect, op_id)` once it succeeds."""
    return f"res-{op_id}"


def script(
    dialect: str,
    op_id: str,
    *,
    ends: float | None = HOUR,
    faults: Sequence[Mapping[str, Any]] = (),
    first: Mapping[str, Any] | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """One operation in `dialect`'s own words: running from 0, succeeded at `ends` (None: never,
    it stays running for ten hours), naming `resource_id(op_id)` as each dialect does.
    `first` replaces the first step's fields (an undocumented state, say)."""
    res = resource_id(op_id)
    start: dict[str, Any] = {"at": 0, **(first or {"state": RUNNING[dialect]})}
    end: dict[str, Any] = {"at": 10 * HOUR if ends is None else ends, "state": DONE[dialect]}
    if ends is None:
        end["state"] = RUNNING[dialect]
    op: dict[str, Any] = {"dialect": dialect, "id": op_id, "type": "create"}
    if dialect == "gcore":
        op["type"] = "create_vm"
        end["created_resources"] = {"instances": [res]}
    elif dialect == "neon":
        op["type"] = "create_branch"
        op["branch_id"] = res
    elif dialect == "redpanda":
        op.update(type="TYPE_CREATE_CLUSTER", resource_id=res)
    elif dialect == "lakesail":
        op.update(type="provision_cluster", resource_id=res, resource_type="cluster")
    elif dialect == "google":
        op["metadata"] = {"@type": "type.googleapis.com/google.cloud.common.OperationMetadata"}
        end["response"] = {"@type": "type.googleapis.com/google.cloud.compute.v1.Instance"}
        end["response"]["name"] = res
    elif dialect == "azure":
        op.update(urls=["async_operation"], resource_path=f"{AZURE_VM}/virtualMachines/{op_id}")
        end["properties"] = {"resourceId": res}
    elif dialect == "http":
        end["outputs"] = [res]
    if ends is None:
        end = {key: value for key, value in end.items() if key in ("at", "state")}
    op["timeline"] = [start, end]
    if faults:
        op["faults"] = list(faults)
    op.update(fields)
    return op


@dataclass
class Rig:
    """One simulator and the config whose `sim-<dialect>` profiles point at it."""

    sim: Simulator
    url: str
    config: Path
    _args: dict[tuple[str, str], str] = field(default_factory=dict)

    def arg(self, dialect: str, op_id: str) -> str:
        """The id a user passes: the plain id, Google's full name, or Azure's status URL (from
        the starting call, which starts the operation's timeline)."""
        key = (dialect, op_id)
        if key not in self._args:
            self._args[key] = self._mint(dialect, op_id)
        return self._args[key]

    def name_as(self, dialect: str, op_id: str, arg: str) -> None:
        """Name the operation by `arg` from now on."""
        self._args[(dialect, op_id)] = arg

    def unstarted(self, dialect: str, op_id: str) -> str:
        """Like `arg`, but Azure's status URL is built as ARM shapes it instead of taken from a
        starting call: its timeline then starts at the first poll, as every other dialect's."""
        if dialect == "azure":
            self._args[(dialect, op_id)] = (
                f"{self.url}/azure/subscriptions/{AZURE_SUB}/providers/Microsoft.Compute/"
                f"locations/westus/operations/{op_id}?api-version={API_VERSION}"
            )
        return self.arg(dialect, op_id)

    def _mint(self, dialect: str, op_id: str) -> str:
        if dialect == "google":
            return f"{GOOGLE_PARENT}/operations/{op_id}"
        if dialect != "azure":
            return op_id
        host = self.url.split("://", 1)[1].split("/", 1)[0]
        response = self.sim.handle(
            "PUT",
            f"/azure{AZURE_VM}/virtualMachines/{op_id}?api-version={API_VERSION}",
            headers={"Authorization": f"Bearer {CREDENTIALS['azure_token']}", "Host": host},
            body=b'{"location": "westus"}',
        )
        assert response.status in (200, 201, 202), response
        # The status URL when the operation offers one, else the Location URL.
        return response.headers.get("Azure-AsyncOperation") or response.headers["Location"]

    def label(self, dialect: str, op_id: str) -> str:
        """How stderr names the operation."""
        return f"sim-{dialect}:{self.arg(dialect, op_id)}"

    def polls(self, op_id: str) -> list[RequestRecord]:
        return self.sim.polls(op_id)

    def statuses(self, op_id: str) -> list[int | None]:
        """The status of each GET of the operation (None: the connection was dropped)."""
        return [r.status for r in self.sim.polls(op_id)]

    def requests_for(self, op_id: str) -> list[RequestRecord]:
        """Every GET whose path names the operation, those refused before the operation was
        looked up (a credential the provider rejects) included."""
        return [r for r in self.sim.requests if r.method == "GET" and op_id in r.path.split("/")]

    def answered(self, op_id: str) -> list[int | None]:
        return [r.status for r in self.requests_for(op_id)]

    def times(self, op_id: str) -> list[float]:
        return [r.time for r in self.sim.polls(op_id)]

    def gaps(self, op_id: str) -> list[float]:
        times = self.times(op_id)
        return [later - earlier for earlier, later in itertools.pairwise(times)]

    def tokens(self) -> list[RequestRecord]:
        return self.sim.token_requests()


def _document(url: str, sim: Simulator, settings: Mapping[str, Any]) -> dict[str, Any]:
    """The config file: the simulator's `sim-<dialect>` profiles with `settings` added."""
    raw = sim_profiles(url, sim.scenario)
    for profile in raw.values():
        profile.update(settings)
    return {"default_profile": "sim-gcore", "profiles": raw}


def scenario(
    operations: Sequence[Mapping[str, Any]], credentials: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    return {"credentials": {**CREDENTIALS, **(credentials or {})}, "operations": list(operations)}


# -- in-process, on a virtual clock ---------------------------------------------------------------


@dataclass(frozen=True)
class Waited(Result):
    clock: VirtualClock = field(default_factory=VirtualClock)


class InProcess(Rig):
    """`lro wait` in-process on a VirtualClock; the simulator runs on the same clock.

    `server_skew` sets the simulator's wall clock (its `Date` headers) apart from ours.
    """

    def __init__(
        self,
        tmp_path: Path,
        *operations: Mapping[str, Any],
        settings: Mapping[str, Any] | None = None,
        credentials: Mapping[str, Any] | None = None,
        server_skew: timedelta = timedelta(0),
    ) -> None:
        self.clock = VirtualClock()
        clock = self.clock
        sim = Simulator(
            scenario(operations, credentials),
            clock=clock.monotonic,
            wall=lambda: clock.now() + server_skew,
        )
        url = "http://127.0.0.1:9"  # loopback, so plain http is allowed; no socket is opened
        config = tmp_path / "faults-inprocess.yaml"
        write_config(config, _document(url, sim, settings or {}))
        super().__init__(sim, url, config)

    def wait(
        self,
        dialect: str,
        *op_ids: str,
        timeout: str | None = None,
        output: str = "ids",
    ) -> Waited:
        args = tuple(self.arg(dialect, op_id) for op_id in op_ids)
        env = Env.for_test(
            clock=self.clock,
            transport=SimTransport(self.sim, sleep=self.clock.sleep),
            environ={"LRO_CONFIG": str(self.config)},
        )
        common = CommonOptions(profile=f"sim-{dialect}", timeout=timeout)
        code = wait.run(WaitOptions(args, common, output=output), env)
        out, err = env.stdout.getvalue(), env.stderr.getvalue()  # type: ignore[attr-defined]
        result = Waited(code, out, err, self.clock)
        check_invariants(result)
        return result


# -- real processes, over loopback ----------------------------------------------------------------


class Process(Rig):
    """A SimServer on loopback and the real `lro` (subprocess) against it."""

    def __init__(
        self,
        tmp_path: Path,
        *operations: Mapping[str, Any],
        settings: Mapping[str, Any] = SHORT,
        credentials: Mapping[str, Any] | None = None,
    ) -> None:
        sim = Simulator(scenario(operations, credentials))
        self.server = _serve(sim)
        config = tmp_path / "faults-process.yaml"
        write_config(config, _document(self.server.url, sim, settings))
        super().__init__(sim, self.server.url, config)
        self.env = base_environ(config)

    def command(self, dialect: str, *op_ids: str, extra: Sequence[str] = ()) -> list[str]:
        """`wait -p sim-DIALECT EXTRA IDS`: the arguments after `lro`."""
        ids = [self.arg(dialect, op_id) for op_id in op_ids]
        return ["wait", "-p", f"sim-{dialect}", *extra, *ids]

    def wait(self, dialect: str, *op_ids: str, extra: Sequence[str] = ()) -> Result:
        args = self.command(dialect, *op_ids, extra=extra)
        return run_lro(args, self.env, timeout=PROCESS_TIMEOUT, debug="--debug" in extra)

    def every_arg(self, tag: str) -> list[str]:
        """One argument per dialect naming `op_id(dialect, tag)`: PROFILE:ID, Azure's URL."""
        args = []
        for dialect in DIALECTS:
            arg = self.arg(dialect, op_id(dialect, tag))
            args.append(arg if dialect == "azure" else f"sim-{dialect}:{arg}")
        return args

    def wait_every(self, tag: str, extra: Sequence[str] = ()) -> Result:
        """`lro wait` on the operation `op_id(dialect, tag)` of every dialect at once."""
        return self.run_wait(*self.every_arg(tag), extra=extra)

    def run_wait(self, *args: str, extra: Sequence[str] = ()) -> Result:
        """`lro wait EXTRA ARGS` (arguments as given)."""
        command = ["wait", *extra, *args]
        return run_lro(command, self.env, timeout=PROCESS_TIMEOUT, debug="--debug" in extra)

    def profile(self, name: str) -> dict[str, Any]:
        """One profile as the config file has it."""
        document = yaml.safe_load(self.config.read_text(encoding="utf-8"))
        found: dict[str, Any] = document["profiles"][name]
        return found

    def configure(self, profile: str, **values: Any) -> None:
        """Change keys of one profile in the config file (None removes a key)."""
        document = yaml.safe_load(self.config.read_text(encoding="utf-8"))
        settings = document["profiles"].setdefault(profile, {})
        for key, value in values.items():
            if value is None:
                settings.pop(key, None)
            else:
                settings[key] = value
        write_config(self.config, document)

    def restart(self, *, after: float) -> None:
        """Stop serving (connections are refused) for `after` seconds, then serve again on the
        same port, the same simulator and its log."""
        port = self.server.port
        self.server.stop()
        time.sleep(after)
        self.server = _serve(self.sim, port)

    def stop(self) -> None:
        self.server.stop()


def _serve(sim: Simulator, port: int = 0) -> SimServer:
    """A started SimServer (its listen backlog holds every connection one `lro` opens at once,
    which a test with a 1 s grace depends on)."""
    assert sim_server._Server.request_queue_size >= 64
    return SimServer(sim, port=port).start()


class Shared:
    """Real `lro` runs shared by one row's per-dialect tests.

    A row whose timing is fixed (three refused connections a second apart, a 2 s error budget, a
    1 s not-found grace) costs seconds per process; one process waits on an operation of every
    dialect at once (as `lro wait` does with many profiles), and each dialect's test reads its
    own part: its outcome line and its operation's request log.
    """

    def __init__(self, factory: pytest.TempPathFactory) -> None:
        self._factory = factory
        self._runs: dict[str, Any] = {}
        self._rigs: list[Process] = []

    def get(self, key: str, run: Callable[[Path], tuple[Process, T]]) -> tuple[Process, T]:
        if key not in self._runs:
            try:
                rig, result = run(self._factory.mktemp(key))
            except Exception as error:  # each dialect's test reports it, none runs it again
                self._runs[key] = error
                raise
            self._rigs.append(rig)
            self._runs[key] = (rig, result)
        found = self._runs[key]
        if isinstance(found, Exception):
            raise AssertionError(f"the shared run {key!r} failed: {found!r}") from found
        shared: tuple[Process, T] = found
        return shared

    def close(self) -> None:
        for rig in self._rigs:
            rig.stop()


# -- what stderr says -----------------------------------------------------------------------------

_ERROR_LINE = re.compile(r"^lro: (?!warning: )")


def error_lines(err: str) -> list[str]:
    """The `lro: …` lines (errors and resume lines), warnings left out."""
    return [line for line in err.splitlines() if _ERROR_LINE.match(line)]


def the_error(err: str, label: str) -> str:
    """The one error line naming the operation `label` (PROFILE:ID)."""
    lines = [line for line in error_lines(err) if line.startswith(f"lro: {label} ")]
    assert len(lines) == 1, err
    return lines[0]


def outcome_line(err: str, dialect: str, op_id: str) -> str:
    """The one progress line that ends the wait on `op_id` (plain mode: `… (exit N)`)."""
    head = f"  sim-{dialect}  {op_id}  "
    lines = [line for line in err.splitlines() if head in line and line.endswith(")")]
    lines = [line for line in lines if re.search(r"\(exit \d+\)$", line)]
    assert len(lines) == 1, err
    return lines[0]


def resume_words(err: str) -> list[str]:
    line = next(line for line in err.splitlines() if "Resume with: " in line)
    return shlex.split(line.split("Resume with: ", 1)[1])


def backoff_bounds(interval: float, n: int, min_interval: float) -> tuple[float, float]:
    """SPEC.md: the delay before the n-th retry is min(60 s, interval × 2^(n−1)) × [0.5, 1],
    never below min_interval."""
    base = min(60.0, interval * 2.0 ** (n - 1))
    return max(min_interval, 0.5 * base), max(min_interval, base)
