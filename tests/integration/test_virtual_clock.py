"""Hours of waiting in milliseconds: `commands.wait.run` with the simulator on one virtual clock.

The command, the engine, the adapters and the HTTP session run as in production; only the
clock (a `VirtualClock`) and the transport (`SimTransport`, no sockets) are swapped. The
simulator's request log, on the same clock, tells when each poll happened.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from lro_cli.clock import VirtualClock
from lro_cli.commands import wait
from lro_cli.commands.sim import sim_profiles
from lro_cli.engine import Engine, Target
from lro_cli.env import Env
from lro_cli.model import Operation, OperationRef, PollResult, State
from lro_cli.options import CommonOptions, WaitOptions
from lro_cli.render.ndjson import NullReporter
from lro_cli.schedule import PollPolicy
from lro_cli.sim import SimTransport, Simulator
from tests.integration.harness import (
    GCORE,
    GCORE_KEY,
    NEON_KEY,
    gcore_task,
    neon_op,
    scenario,
    write_config,
)

HOUR = 3600.0
STAMP = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)  ")


@dataclass
class Waited:
    code: int
    out: str
    err: str
    sim: Simulator
    clock: VirtualClock

    def polls(self, operation_id: str) -> list[float]:
        return [r.time for r in self.sim.polls(operation_id)]


def run_wait(
    tmp_path: Path,
    operations: Sequence[Mapping[str, Any]],
    *ids: str,
    settings: Mapping[str, Any] | None = None,
    timeout: str | None = None,
    server_skew: timedelta = timedelta(0),
) -> Waited:
    """`lro wait IDS` in-process; `server_skew` sets the simulator's wall clock apart from ours."""
    clock = VirtualClock()
    sim = Simulator(
        scenario(*operations), clock=clock.monotonic, wall=lambda: clock.now() + server_skew
    )
    # Loopback, so plain http is allowed; no socket is opened (SimTransport answers).
    profiles = sim_profiles("http://127.0.0.1:9", sim.scenario)
    for profile in profiles.values():
        profile.update(settings or {})
    config = tmp_path / "config.yaml"
    write_config(config, {"default_profile": "sim-gcore", "profiles": profiles})
    env = Env.for_test(
        clock=clock, transport=SimTransport(sim), environ={"LRO_CONFIG": str(config)}
    )
    opts = WaitOptions(tuple(ids), CommonOptions(timeout=timeout))
    code = wait.run(opts, env)
    out, err = env.stdout.getvalue(), env.stderr.getvalue()  # type: ignore[attr-defined]
    assert GCORE_KEY not in out + err and NEON_KEY not in out + err
    return Waited(code, out, err, sim, clock)


def two_hour_task(task_id: str) -> dict[str, Any]:
    return gcore_task(
        task_id,
        {"at": 0, "state": "NEW"},
        {"at": 60, "state": "RUNNING", "detailed_state": "NETWORK"},
        {"at": 2 * HOUR, "state": "FINISHED", "created_resources": {"instances": ["i-late"]}},
        type="create_vm",
    )


def test_the_default_timeout_ends_at_60_minutes_exactly(tmp_path: Path) -> None:
    waited = run_wait(tmp_path, [two_hour_task("t-2h")], "t-2h")
    assert waited.code == 124
    assert waited.clock.monotonic() == HOUR  # not a poll interval later
    polls = waited.polls("t-2h")
    assert max(polls) <= HOUR  # nothing after the deadline
    assert HOUR - max(polls) < 6  # but it kept polling until close to it (Gcore: every 5 s)
    assert 600 < len(polls) < 900
    assert waited.out == ""
    line = next(line for line in waited.err.splitlines() if "Resume with: " in line)
    assert "still runs server-side" in line
    assert shlex.split(line.split("Resume with: ", 1)[1]) == ["lro", "wait", "sim-gcore:t-2h"]


def test_a_three_hour_timeout_sees_the_two_hour_task_through(tmp_path: Path) -> None:
    waited = run_wait(tmp_path, [two_hour_task("t-2h")], "t-2h", timeout="3h")
    assert waited.code == 0, waited.err
    assert waited.out == "i-late\n"
    assert 2 * HOUR <= max(waited.polls("t-2h")) < 2 * HOUR + 6


def test_intermittent_faults_for_hours_reset_the_error_budget(tmp_path: Path) -> None:
    # Polls every minute for three hours; three bursts of five 503s, each shorter than the
    # 5-minute budget (4 backoffs of at most 60 s) but longer than it all together.
    bursts = [list(range(start, start + 5)) for start in (20, 80, 140)]
    task = gcore_task(
        "t-flaky",
        {"at": 0, "state": "RUNNING"},
        {"at": 3 * HOUR, "state": "FINISHED", "created_resources": {"volumes": ["v-1"]}},
        faults=[{"request": burst, "status": 503} for burst in bursts],
    )
    waited = run_wait(tmp_path, [task], "t-flaky", settings={"interval": "1m"}, timeout="4h")
    assert waited.code == 0, waited.err
    assert waited.out == "v-1\n"
    records = waited.sim.polls("t-flaky")
    failed = [r.time for r in records if r.status == 503]
    assert len(failed) == 15
    spans = [failed[i + 4] - failed[i] for i in (0, 5, 10)]
    assert all(span < 300 for span in spans)
    assert sum(spans) > 300  # without the reset, the budget would have run out
    assert waited.err.count("retrying in") == 15


def test_a_heartbeat_at_least_every_5_minutes_while_nothing_changes(tmp_path: Path) -> None:
    # The last change is seen at an odd moment (polls are jittered), between two heartbeat
    # ticks: the silence after it must still not outlast 5 minutes.
    task = gcore_task(
        "t-quiet",
        {"at": 0, "state": "NEW"},
        {"at": 62.3, "state": "RUNNING"},
        {"at": 40 * 60, "state": "FINISHED", "created_resources": {"instances": ["i-1"]}},
    )
    waited = run_wait(tmp_path, [task], "t-quiet")
    assert waited.code == 0, waited.err
    assert waited.out == "i-1\n"
    lines = waited.err.splitlines()
    heartbeats = [line for line in lines if "still waiting: 1 running" in line]
    assert len(heartbeats) >= 7  # 38 minutes of silence
    stamps = [STAMP.match(line) for line in lines]
    times = [datetime.fromisoformat(m[1][:-1]) for m in stamps if m]
    assert len(times) == len(lines)  # every line is a plain, stamped log line
    changed = min(r.wall for r in waited.sim.polls("t-quiet") if r.time >= 62.3)
    times.insert(2, changed.replace(tzinfo=None))  # the stamp rounds the change's time down
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(times)]
    assert max(gaps) <= 300


def test_retry_after_seconds_sets_the_next_poll(tmp_path: Path) -> None:
    settings = {"interval": "1s"}
    faults = [
        {"request": 3, "status": 429, "retry_after": "3"},
        # On a good answer too: the operation is read, and the next poll still waits.
        {"request": 6, "status": 200, "retry_after": "4"},
    ]
    task = GCORE.with_faults(GCORE.running("t-1"), *faults)
    op = neon_op("n-1", {"at": 0, "status": "running"}, {"at": 20, "status": "finished"})
    waited = run_wait(tmp_path, [task, op], "t-1", "sim-neon:n-1", settings=settings, timeout="15s")
    assert waited.code == 124
    polls = waited.polls("t-1")
    gaps = [b - a for a, b in itertools.pairwise(polls)]
    assert gaps[2] >= 3.0 - 1e-9  # after request 3
    assert gaps[5] >= 4.0 - 1e-9  # after request 6
    others = [gap for i, gap in enumerate(gaps) if i not in (2, 5)]
    assert max(others) < 1.2  # 1 s ± 10% otherwise
    assert [r.status for r in waited.sim.polls("t-1")][5] == 200


def test_an_http_date_retry_after_is_read_against_the_responses_date(tmp_path: Path) -> None:
    # The server's clock is an hour ahead of ours: read against our clock, its Retry-After
    # date would be an hour (clamped to 10 minutes) away; against its own Date, 7 s.
    task = GCORE.with_faults(
        GCORE.running("t-1"), {"request": 2, "status": 503, "retry_after_date": 7}
    )
    waited = run_wait(
        tmp_path,
        [task],
        "t-1",
        settings={"interval": "1s"},
        timeout="30s",
        server_skew=timedelta(hours=1),
    )
    assert waited.code == 124
    polls = waited.polls("t-1")
    assert 7.0 - 1e-9 <= polls[2] - polls[1] < 8.0
    assert len(polls) > 15  # and polling went on at 1 s afterwards


def test_a_stop_that_comes_with_a_response_is_not_lost() -> None:
    """SIGINT / SIGTERM cancel the wait (`commands.wait`); a cancellation that lands as a
    response comes in must still stop it, not be taken for the response and polled past."""
    clock = VirtualClock()
    ref = OperationRef("p", "gcore", "op-1")
    running = Operation("p", "gcore", "op-1", State.RUNNING, "RUNNING")
    polls: list[float] = []

    async def main() -> None:
        stopped = asyncio.current_task()
        assert stopped is not None

        async def fetch() -> PollResult:
            polls.append(clock.monotonic())
            if len(polls) == 3:  # the stop runs before the engine reads this answer
                asyncio.get_running_loop().call_soon(stopped.cancel)
            return PollResult(operation=running)

        engine = Engine(clock, NullReporter())
        with pytest.raises(asyncio.CancelledError):
            await engine.wait_all([Target(ref, PollPolicy(interval=5.0), fetch)])

    clock.run(main())
    assert len(polls) == 3
