"""The live table on a real pseudo-terminal: `lro watch` and `lro wait` against the simulator,
their output fed to a terminal emulator (pyte), and the final screen read as a person would."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import signal
import struct
import subprocess
import termios
import time
from dataclasses import dataclass

import pyte
import pytest

from tests.integration.harness import GCORE, NEON, LroSim, Rig, check_invariants, lro_command
from tests.integration.harness import Result as RunResult
from tests.integration.test_watch import IDS, three_providers


@dataclass(frozen=True)
class Screen:
    code: int
    out: str
    lines: list[str]  # the final screen, trailing spaces cut
    raw: str  # everything written to the terminal

    def row(self, needle: str) -> str:
        found = [line for line in self.lines if needle in line]
        assert len(found) == 1, f"{needle!r} on {len(found)} lines:\n" + "\n".join(self.lines)
        return found[0]


def run_on_terminal(
    rig: Rig, *args: str, columns: int = 100, rows: int = 30, interrupt_after: str | None = None
) -> Screen:
    """`lro ARGS` with standard error on a pty of the given size (standard output a pipe);
    with `interrupt_after`, SIGINT once the simulator has seen that operation end."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    try:
        proc = subprocess.Popen(
            lro_command(*args),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=slave,
            env={**rig.env, "LINES": str(rows), "COLUMNS": str(columns)},
        )
    finally:
        os.close(slave)
    chunks = []
    interrupted = interrupt_after is None
    try:
        while True:
            if not interrupted and _ended(rig, str(interrupt_after)):
                time.sleep(0.3)  # a frame or two after the end, as a person would
                proc.send_signal(signal.SIGINT)
                interrupted = True
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the other end is closed
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(master)
    assert proc.stdout is not None
    out = proc.stdout.read().decode()
    proc.stdout.close()
    code = proc.wait(timeout=20)
    raw = b"".join(chunks)
    # The final screen, and what scrolled off its top.
    screen = pyte.HistoryScreen(columns, rows, history=1000)
    pyte.ByteStream(screen).feed(raw)
    scrolled = ["".join(line[x].data for x in range(columns)) for line in screen.history.top]
    text = raw.decode("utf-8", "replace")
    check_invariants(RunResult(code, out, text.replace("\x1b", "")))  # secrets, tracebacks
    return Screen(code, out, [line.rstrip() for line in scrolled + screen.display], text)


def _ended(rig: Rig, operation_id: str) -> bool:
    times = [r.time for r in rig.sim.polls(operation_id) if r.status == 200]
    return bool(times) and times[-1] - times[0] >= 0.4


def test_watch_on_a_terminal_ends_with_every_final_state_on_screen(lro_sim: LroSim) -> None:
    rig = three_providers(lro_sim)
    screen = run_on_terminal(rig, "watch", *IDS)
    assert screen.code == 1
    assert screen.out == ""
    assert "\x1b[" in screen.raw  # it did animate
    header = screen.row("PROFILE")
    for column in ("ID", "STATE", "PROGRESS", "MESSAGE", "ELAPSED"):
        assert column in header
    assert re.search(r"sim-gcore +g-ok +create_\S* +✓ succeeded +█+ 100%", screen.row("g-ok"))
    bad = screen.row("sim-neon     n-bad")
    assert re.search(r"sim-neon +n-bad +create_tim\S* +✗ failed", bad)
    assert "timeline creation fail" in bad  # cut to the column, told in full below
    assert re.search(r"OPWATCH1 +provision_\S* +✓ succeeded +█+ 100%", screen.row("OPWATCH1"))
    assert "✗ 1 failed · ✓ 2 succeeded · 3 operations" in screen.row("3 operations")
    # Below the table: the failure in full, then the summary.
    assert screen.row("sim-neon:n-bad failed").endswith(
        "timeline creation failed: pageserver unavailable (exit 1)"
    )
    assert re.search(r"done in \d+s: 2 succeeded, 1 failed — exit 1", screen.row("done in"))
    assert all(len(line) <= 100 for line in screen.lines)


def test_wait_on_a_terminal_uses_the_same_view(lro_sim: LroSim) -> None:
    rig = lro_sim(GCORE.succeeded("g-ok", suffix="t"), NEON.succeeded("n-ok", suffix="u"))
    screen = run_on_terminal(rig, "wait", "sim-gcore:g-ok", "sim-neon:n-ok", columns=80)
    assert screen.code == 0
    assert screen.out.splitlines() == GCORE.resources("t") + NEON.resources("u")
    assert "PROFILE" in screen.row("STATE")
    assert "✓ succeeded" in screen.row("g-ok") and "✓ succeeded" in screen.row("n-ok")
    assert "✓ 2 succeeded · 2 operations" in screen.row("2 operations")
    assert all(len(line) <= 80 for line in screen.lines)


@pytest.mark.parametrize("columns", [40, 80, 200])
def test_more_operations_than_rows_fold_into_the_footer(lro_sim: LroSim, columns: int) -> None:
    running = [GCORE.running(f"g-run-{n:02d}") for n in range(12)]
    rig = lro_sim(*running, NEON.failed("n-bad", "out of quota", at=0.2))
    ids = [f"sim-gcore:g-run-{n:02d}" for n in range(12)] + ["sim-neon:n-bad"]
    screen = run_on_terminal(rig, "watch", "--timeout", "3s", *ids, columns=columns, rows=10)
    assert screen.code == 1  # one failed, the others timed out: SPEC.md puts 1 before 124
    assert all(len(line) <= columns for line in screen.lines)
    fold = next(line for line in screen.lines if "more not shown" in line)
    table = screen.lines[: screen.lines.index(fold)]
    # The failed operation needs attention: it is drawn though it was named last.
    assert any(re.search(r"n-bad .*✗ failed", line) for line in table)
    assert re.search(r"… \d+ more not shown: \d+ running", fold)


def test_ctrl_c_on_a_terminal_leaves_the_table_and_the_resume_line(lro_sim: LroSim) -> None:
    rig = lro_sim(GCORE.running("g-long"), NEON.succeeded("n-ok", suffix="i"))
    screen = run_on_terminal(
        rig, "watch", "sim-gcore:g-long", "sim-neon:n-ok", interrupt_after="n-ok"
    )
    assert screen.code == 130
    assert "● running" in screen.row("g-long  create_vm")
    assert "✓ succeeded" in screen.row("✓ succeeded  █")
    assert re.search(r"done in \d+s: 1 running, 1 succeeded — exit 130", screen.row("done in"))
    # The line wraps at the terminal's width: read it back as the one line it is.
    start = screen.lines.index(screen.row("interrupted:"))
    resume = " ".join(screen.lines[start:]).split()
    assert " ".join(resume).endswith(
        "nothing was cancelled. Resume with: lro watch sim-gcore:g-long"
    )
