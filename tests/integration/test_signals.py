"""Stopping `lro wait` from outside: SIGINT (130), SIGTERM (143), a reader that goes away (141)."""

from __future__ import annotations

import json
import shlex
import signal
import subprocess
import sys
import time

import pytest

from tests.integration.harness import GCORE, NEON, Dialect, LroSim, Result, Rig, check_invariants


def wait_until_polled(
    rig: Rig, proc: subprocess.Popen[bytes], operation_id: str, after: float = 0.0
) -> None:
    """Until the simulator has answered a poll of the operation `after` seconds into its
    timeline (so the wait loop is running, and has seen that point of the timeline)."""
    deadline = time.monotonic() + 15
    while True:
        times = [r.time for r in rig.sim.polls(operation_id) if r.status == 200]
        if times and times[-1] - times[0] >= after:
            return
        assert proc.poll() is None, "lro ended early"
        assert time.monotonic() < deadline, "lro never polled"
        time.sleep(0.02)


def finish(proc: subprocess.Popen[bytes]) -> Result:
    try:
        out, err = proc.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        raise AssertionError(f"lro did not stop: {err.decode('utf-8', 'replace')}") from None
    result = Result(proc.returncode, out.decode(), err.decode("utf-8", "replace"))
    check_invariants(result)
    return result


@pytest.mark.parametrize(
    ("signum", "code", "dialect_"),
    [(signal.SIGINT, 130, GCORE), (signal.SIGTERM, 143, NEON)],
    ids=["sigint", "sigterm"],
)
def test_a_signal_stops_the_wait_and_prints_how_to_resume(
    lro_sim: LroSim, signum: signal.Signals, code: int, dialect_: Dialect
) -> None:
    rig = lro_sim(dialect_.running("op-long"), dialect_.succeeded("op-quick", suffix="q"))
    proc = rig.popen(
        "wait",
        "-p",
        dialect_.profile,
        "op-long",
        "op-quick",
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    wait_until_polled(rig, proc, "op-quick", after=0.4)  # op-quick has ended
    time.sleep(0.2)
    proc.send_signal(signum)
    result = finish(proc)
    assert result.code == code, result.err
    assert "interrupted: 1 operation still runs server-side; nothing was cancelled" in result.err
    line = next(line for line in result.err_lines if "Resume with: " in line)
    words = shlex.split(line.split("Resume with: ", 1)[1])
    assert words == ["lro", "wait", f"{dialect_.profile}:op-long"]
    # What did succeed is printed as ever; op-long, cut short, has nothing to print.
    assert result.out.splitlines() == dialect_.resources("q")


def test_stdout_closed_early_exits_141(lro_sim: LroSim) -> None:
    rig = lro_sim(GCORE.succeeded("g-1", suffix="a"), GCORE.succeeded("g-2", suffix="b"))
    proc = rig.popen(
        "wait", "--output", "ids", "g-1", "g-2", stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # the reader is gone before any id is written
    err = proc.stderr.read().decode()
    code = proc.wait(timeout=15)
    proc.stderr.close()
    assert code == 141, err
    assert "Traceback" not in err and "BrokenPipeError" not in err
    assert "Exception ignored" not in err


@pytest.mark.parametrize("output", ["ids", "ndjson"])
def test_piped_into_head_exits_141_under_pipefail(lro_sim: LroSim, output: str) -> None:
    rig = lro_sim(
        GCORE.succeeded("g-1", suffix="a"),
        GCORE.succeeded("g-2", at=0.8, suffix="b"),
    )
    lro = shlex.join([sys.executable, "-m", "lro_cli", "wait", "-o", output, "g-1", "g-2"])
    # `sleep` first keeps `head` from reading until lro is done, so that `--output ids` (written
    # in one piece at the end) meets a closed pipe too: a plain `head -1` could read it all.
    reader = "head -1" if output == "ndjson" else "(sleep 0.1; exec head -c0)"
    script = f"set -o pipefail; {lro} | {reader}"
    proc = subprocess.run(
        ["bash", "-c", script], capture_output=True, env=rig.env, timeout=20, check=False
    )
    err = proc.stderr.decode()
    assert proc.returncode == 141, err
    assert "Traceback" not in err and "BrokenPipeError" not in err
    assert "Exception ignored" not in err
    if output == "ndjson":
        assert proc.stdout.decode().startswith('{"event":"state"')
        assert err.splitlines()[-1].endswith("exit 141")  # the log says how the run ended


@pytest.mark.parametrize("verb", ["wait", "watch"])
def test_a_reader_gone_mid_wait_ends_it_with_141_at_once(lro_sim: LroSim, verb: str) -> None:
    """`| head -1` on an operation that runs for an hour: lro notices the closed pipe within
    seconds, not at its next write (which would come only when something changes)."""
    rig = lro_sim(GCORE.running("g-long"))
    lro = shlex.join([sys.executable, "-m", "lro_cli", verb, "-o", "ndjson", "g-long"])
    # Without the check, lro would go on until the hour is over: the timeout fails the test.
    proc = subprocess.run(
        ["bash", "-c", f"set -o pipefail; {lro} | head -1"],
        capture_output=True,
        env=rig.env,
        timeout=30,
        check=False,
    )
    err = proc.stderr.decode()
    assert proc.returncode == 141, err
    assert json.loads(proc.stdout.decode())["operation"]["id"] == "g-long"
    assert "Traceback" not in err and "Exception ignored" not in err
    assert "Resume with" not in err  # a closed pipe is quiet: nothing was interrupted
