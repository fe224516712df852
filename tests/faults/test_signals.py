"""Row "SIGINT, SIGTERM, stdout closed" of the fault matrix: the real `lro`, every dialect.

SPEC.md "Exit codes": 130 / 143 on SIGINT / SIGTERM, saying the operations still run
server-side and printing the command that resumes the wait; 141 when standard output is closed
early (`| head -1` under `set -o pipefail`), silently; never a traceback. Each run waits on an
operation of every dialect at once, some of them in the middle of a fault.
"""

from __future__ import annotations

import shlex
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.faults.matrix import (
    DIALECTS,
    PROCESS_TIMEOUT,
    Process,
    Shared,
    op_id,
    resume_words,
    script,
)
from tests.integration.harness import Result, check_invariants, lro_command

# Mid-fault when the signal comes: waiting out a Retry-After, backing off after resets.
FAULTS: dict[str, list[dict[str, Any]]] = {
    "gcore": [{"request": [2, 3, 4, 5, 6], "kind": "reset"}],
    "neon": [{"request": 2, "status": 503, "retry_after": "30"}],
    "redpanda": [{"request": 2, "status": 429, "retry_after": "30"}],
    "lakesail": [{"request": [2, 3, 4], "kind": "garbage"}],
    "google": [{"request": 2, "status": 200, "retry_after": "30"}],
    "azure": [{"request": [2, 3, 4, 5], "kind": "html"}],
    "http": [],
}


def _stopped(signum: signal.Signals, tmp: Path) -> tuple[Process, Result]:
    tag = "sg"
    operations = [script(d, op_id(d, tag), ends=None, faults=FAULTS[d]) for d in DIALECTS]
    rig = Process(tmp, *operations)
    proc = subprocess.Popen(
        lro_command("wait", *rig.every_arg(tag)),
        env=rig.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + PROCESS_TIMEOUT
        # Every operation polled twice: the faults have begun.
        while not all(len(rig.polls(op_id(d, tag))) >= 2 for d in DIALECTS):
            assert proc.poll() is None and time.monotonic() < deadline, "lro never polled"
            time.sleep(0.02)
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=PROCESS_TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    result = Result(proc.returncode, out.decode(), err.decode("utf-8", "replace"))
    check_invariants(result)
    return rig, result


@pytest.mark.parametrize(
    ("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["sigint", "sigterm"]
)
def test_a_signal_stops_the_wait_and_prints_how_to_resume(
    shared: Shared, dialect: str, signum: signal.Signals, code: int
) -> None:
    rig, result = shared.get(signum.name, lambda tmp: _stopped(signum, tmp))
    assert result.code == code, result.err
    assert result.out == ""
    assert f"interrupted: {len(DIALECTS)} operations still run server-side" in result.err
    assert "nothing was cancelled" in result.err
    words = resume_words(result.err)
    assert words[:2] == ["lro", "wait"]
    arg = rig.arg(dialect, op_id(dialect, "sg"))
    assert (arg if dialect == "azure" else f"sim-{dialect}:{arg}") in words
    assert "Traceback" not in result.err and "KeyboardInterrupt" not in result.err
    assert result.err.splitlines()[-2].endswith(f"exit {code}")  # the log says how it ended


def test_stdout_closed_by_head_exits_141_silently(process: Callable[..., Process]) -> None:
    """`lro` learns that its reader is gone at its next write: the operations end 1.5 s in, long
    after `head` has read its line, and the first `succeeded` event meets a closed pipe (not per
    dialect: that first write ends the run, whoever's event it is)."""
    quick = [{"request": 2, "kind": "reset"}, {"request": 3, "kind": "garbage"}]
    rig = process(*[script(d, op_id(d, "hd"), ends=1.5, faults=quick) for d in DIALECTS])
    lro = shlex.join(lro_command("wait", "--output", "ndjson", *rig.every_arg("hd")))
    proc = subprocess.run(
        ["bash", "-c", f"set -o pipefail; {lro} | head -1"],
        capture_output=True,
        env=rig.env,
        timeout=PROCESS_TIMEOUT,
        check=False,
    )
    err = proc.stderr.decode("utf-8", "replace")
    assert proc.returncode == 141, err
    assert "Traceback" not in err and "BrokenPipeError" not in err
    assert "Exception ignored" not in err
    lines = proc.stdout.decode().splitlines()
    assert len(lines) == 1 and lines[0].startswith('{"event":"state"')
    assert err.splitlines()[-1].endswith("exit 141")
    assert any(rig.polls(op_id(d, "hd")) for d in DIALECTS)
