"""CPU cost of the progress displays: one frame of the live view, and one line of the plain log.

A benchmark, not a test: it prints figures and judges nothing it could fail on. Usage:

    python bench/render.py [--runs 15] [--table-runs 3] [--seconds 3]

- A frame of the live view (`lro watch`, `lro wait` on a terminal) with 10, 100 and 1,000
  operations watched, a realistic mix (running with and without a fraction, pending, failed,
  succeeded, retrying, with messages, over six profiles), on a 120x40 terminal. Timed as Rich's
  Live draws it: `LiveReporter.refresh()`, i.e. `Live.refresh()` printing the frame (cursor
  moves and truecolor escapes included) to a StringIO console forced to be a terminal; beside it,
  `LiveBoard.frame` alone (the lines, before Rich renders them to segments).
- For comparison, a plain Rich `Table` of all 1,000 rows (`operations_table`, what `lro get`
  prints), built and drawn by the same `Live`: what a frame costs when it draws every row.
- The share of one core a 1,000-operation watch takes at 8 frames a second: estimated (the
  frame's CPU x 8), and measured: a `LiveReporter` drawing by itself (its own refresh thread)
  for `--seconds` while this thread feeds it 200 updates a second, process CPU time over wall
  time; beside a run of the same updates with nothing drawn, whose difference is the drawing.
- The plain log (`PlainReporter`, without a terminal): CPU per state-change line, to a sink.

CPU times are `time.process_time()` (the whole process: Rich runs in this thread, except the
live run's refresh thread, which is what that figure is about); each is the median of `--runs`.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from importlib.metadata import version

from rich.console import Console
from rich.live import Live

from lro_cli.errors import ExitCode
from lro_cli.model import ErrorInfo, Operation, OperationRef, Outcome, Progress, State
from lro_cli.render.live import REFRESH_PER_SECOND, LiveReporter
from lro_cli.render.plain import PlainReporter
from lro_cli.render.table import operations_table

WIDTH, HEIGHT = 120, 40
SIZES = (10, 100, 1000)
UPDATES_PER_SECOND = 200
AIM_SHARE = 20.0  # per cent of one core, for a 1,000-operation watch at 8 frames a second
T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)

PROFILES = (
    ("gcore-prod", "gcore", "create_vm"),
    ("neon-dev", "neon", "start_compute"),
    ("redpanda", "redpanda", "TYPE_CREATE_CLUSTER"),
    ("lakesail", "lakesail", "provision_cluster"),
    ("azure-eu", "azure", None),
    ("google", "google", "create"),
)
STAGES = ("NETWORK", "POST_DEPLOY_SETUP", "deploy", "creating node pools", "")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="timed frames (or logs) of each size")
    parser.add_argument(
        "--table-runs", type=int, default=3, help="timed draws of the 1,000-row Rich table"
    )
    parser.add_argument(
        "--seconds", type=float, default=3.0, help="length of each live run (with, without)"
    )
    args = parser.parse_args(argv)

    _machine()
    frames = {size: _frame_cpu(size, args.runs) for size in SIZES}
    table = _table_cpu(1000, args.table_runs)
    _report_frames(frames, table, args.runs, args.table_runs)
    per_frame = frames[1000].live
    quiet = _live_run(1000, args.seconds, drawing=False)
    live = _live_run(1000, args.seconds, drawing=True)
    _report_share(per_frame, quiet, live)
    _report_plain(_plain_cpu(1000, args.runs), args.runs)
    return 0


# The operations watched.


class Clock:
    """A monotonic clock the benchmark sets, and the wall clock that goes with it."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def set(self, seconds: float) -> None:
        self.seconds = seconds

    def now(self) -> datetime:
        return T0 + timedelta(seconds=self.seconds)

    def monotonic(self) -> float:
        return self.seconds


@dataclass(frozen=True)
class Watched:
    ref: OperationRef
    seed: int  # varies fractions and stages from one operation to the next
    kind: str  # running, pulse, pending, failed, succeeded, retrying
    type: str | None
    created: datetime


def _kinds(count: int) -> list[str]:
    """What each of `count` operations does: 1% failed and 1% retrying (at least one of each),
    15% running without a fraction, 15% pending, 20% succeeded, the rest running with one;
    shuffled, the same way on every run.

    Failures and retries come first in a frame too short for all (`_attention`): more of them
    would fill the frame of 1,000 with those rows alone, which draw no bar.
    """
    few = max(1, round(count / 100))
    some = {"pulse": 0.15, "pending": 0.15, "succeeded": 0.20}
    kinds = ["failed"] * few + ["retrying"] * few
    for kind, share in some.items():
        kinds += [kind] * round(count * share)
    kinds += ["running"] * (count - len(kinds))
    random.Random(count).shuffle(kinds)
    return kinds[:count]


def _watched(count: int) -> list[Watched]:
    """`count` operations over six profiles, in the mix `_kinds` says."""
    watched = []
    for i, kind in enumerate(_kinds(count)):
        profile, provider, op_type = PROFILES[i % len(PROFILES)]
        seed = i * 2654435761 % 2**32
        op_id = f"{seed:08x}-5d22-4c23-8e09-{i:012x}"
        if provider == "azure":
            op_id = f"https://management.azure.com/subscriptions/s/operations/{op_id}?api=1"
        ref = OperationRef(profile=profile, provider=provider, id=op_id, arg=op_id)
        created = T0 - timedelta(seconds=30 + (i * 37) % 900)
        watched.append(Watched(ref, seed, kind, op_type, created))
    return watched


def _operation(w: Watched, step: int) -> Operation:
    """What a poll of `w` says at its `step`-th poll."""
    i = w.seed
    state, progress, error = State.RUNNING, None, None
    stage = STAGES[i % len(STAGES)] or None
    if w.kind in ("running", "retrying"):
        fraction = min(0.99, (i % 60) / 100 + step * 0.01)
        progress = Progress(fraction=fraction, stage=stage, message=f"step {step + 1} of 100")
    elif w.kind == "pulse":
        progress = Progress(stage=stage) if stage else None
    elif w.kind == "pending":
        state = State.PENDING
    elif w.kind == "failed":
        state = State.FAILED
        error = ErrorInfo(code="QUOTA", message="Quota limit for volume_size exceeded by 20")
    elif w.kind == "succeeded":
        state = State.SUCCEEDED
    terminal = state.is_terminal
    return Operation(
        profile=w.ref.profile,
        provider=w.ref.provider,
        id=w.ref.id,
        state=state,
        raw_state=state.value.upper(),
        type=w.type,
        progress=progress,
        error=error,
        created_at=w.created,
        finished_at=w.created + timedelta(seconds=40) if terminal else None,
    )


def _feed(reporter: LiveReporter, watched: Sequence[Watched], at: Callable[[float], None]) -> None:
    """Two polls of each operation 20 s apart (the second moves the fractions: ETAs), then
    the ends: failures, successes, retries."""
    for step in (0, 1):
        at(20.0 * step)
        for w in watched:
            reporter.update(w.ref, _operation(w, step))
    at(40.0)
    for w in watched:
        op = _operation(w, 1)
        if w.kind == "failed":
            reporter.finished(Outcome(w.ref, ExitCode.FAILED, op))
        elif w.kind == "succeeded":
            reporter.finished(Outcome(w.ref, ExitCode.OK, op))
        elif w.kind == "retrying":
            reporter.retrying(w.ref, "HTTP 503 Service Unavailable", 4.0)


def _console() -> Console:
    """A terminal of WIDTH x HEIGHT that writes to memory, set as `lro` sets its own."""
    return Console(
        file=io.StringIO(),
        width=WIDTH,
        height=HEIGHT,
        force_terminal=True,
        force_interactive=True,
        color_system="truecolor",
        legacy_windows=False,
        highlight=False,
        soft_wrap=False,
        emoji=False,
        markup=False,
        _environ={},  # no TERM=dumb, NO_COLOR or COLUMNS from the caller
    )


def _memory(console: Console) -> io.StringIO:
    file = console.file
    assert isinstance(file, io.StringIO)
    return file


def _clear(console: Console) -> None:
    _memory(console).seek(0)
    _memory(console).truncate()


def _cpu_ms(action: Callable[[], object]) -> float:
    start = time.process_time()
    action()
    return (time.process_time() - start) * 1000


# One frame.


@dataclass(frozen=True)
class FrameCost:
    board: list[float]  # LiveBoard.frame alone, ms
    live: list[float]  # LiveReporter.refresh (Live.refresh), ms


def _frame_cpu(size: int, runs: int) -> FrameCost:
    """Each frame timed follows an eighth of a second of polls (untimed), as in a real watch:
    fractions, messages and times change from one frame to the next, so Rich's caches of cell
    widths and styles do not hold the whole frame already."""
    clock = Clock()
    console = _console()
    reporter = LiveReporter(console, clock.now, clock.monotonic, auto_refresh=False)
    watched = _watched(size)
    _feed(reporter, watched, clock.set)
    polls = _polls(watched)
    clock.seconds = 60.0

    def between_frames() -> None:
        clock.seconds += 1 / REFRESH_PER_SECOND  # the pulses move, times pass
        for _ in range(UPDATES_PER_SECOND // REFRESH_PER_SECOND):
            reporter.update(*next(polls))
        _clear(console)

    board: list[float] = []
    live: list[float] = []
    try:
        for _ in range(runs + 1):  # the first of each is a warm-up
            between_frames()
            live.append(_cpu_ms(reporter.refresh))
            between_frames()
            board.append(_cpu_ms(lambda: reporter.board.frame(WIDTH, HEIGHT - 1)))
        reporter.refresh()
        _check_frame(console, reporter.board.frame(WIDTH, HEIGHT - 1), size)
        return FrameCost(board[1:], live[1:])
    finally:
        reporter.close([], ExitCode.IN_PROGRESS)


def _check_frame(console: Console, lines: Sequence[object], size: int) -> None:
    """The frame timed is the one meant: drawn, as tall as the terminal allows, in colour."""
    drawn = _memory(console).getvalue()
    if "PROFILE" not in drawn or "\x1b[36m" not in drawn:  # cyan: a running operation
        raise SystemExit(f"{size} operations: the live view drew no coloured table")
    if size >= HEIGHT and len(lines) != HEIGHT - 1:
        raise SystemExit(f"{size} operations: a frame of {len(lines)} lines, not {HEIGHT - 1}")


def _table_cpu(size: int, runs: int) -> list[float]:
    """A Rich table of every operation, rebuilt and drawn by a Live set as LiveReporter's."""
    clock = Clock()
    watched = _watched(size)
    ops = [_operation(w, 1) for w in watched]
    console = _console()
    live = Live(
        "",
        console=console,
        auto_refresh=False,
        refresh_per_second=REFRESH_PER_SECOND,
        transient=False,
        redirect_stdout=False,
        redirect_stderr=False,
        vertical_overflow="crop",
    )
    live.start()

    def draw() -> None:
        live.update(operations_table(ops, clock.now(), width=WIDTH), refresh=True)

    try:
        times = []
        for _ in range(runs + 1):
            _clear(console)
            times.append(_cpu_ms(draw))
        return times[1:]
    finally:
        live.stop()


# The share of a core.


@dataclass(frozen=True)
class LiveRun:
    wall: float
    cpu: float
    updates: int
    frames: int  # frames drawn (headers in the output)

    @property
    def share(self) -> float:
        return 100 * self.cpu / self.wall


def _live_run(size: int, seconds: float, *, drawing: bool) -> LiveRun:
    """`size` operations polled at UPDATES_PER_SECOND for `seconds`, on the real clocks; the
    display draws by itself (`drawing`), or never."""
    watched = _watched(size)
    console = _console()
    started = time.monotonic()

    def now() -> datetime:
        return T0 + timedelta(seconds=time.monotonic() - started)

    reporter = LiveReporter(console, now, time.monotonic, auto_refresh=drawing)
    updates = 0
    try:
        _feed(reporter, watched, lambda seconds: None)
        _clear(console)
        polls = _polls(watched)
        cpu_start, wall_start = time.process_time(), time.perf_counter()
        deadline = wall_start + seconds
        while (moment := time.perf_counter()) < deadline:
            due = wall_start + updates / UPDATES_PER_SECOND
            if due > moment:
                time.sleep(due - moment)
                continue
            ref, op = next(polls)
            reporter.update(ref, op)
            updates += 1
        cpu, wall = time.process_time() - cpu_start, time.perf_counter() - wall_start
        frames = _memory(console).getvalue().count("PROFILE")
        return LiveRun(wall, cpu, updates, frames)
    finally:
        reporter.close([], ExitCode.IN_PROGRESS)


def _polls(watched: Sequence[Watched]) -> Iterator[tuple[OperationRef, Operation]]:
    """Each unfinished operation in turn, its fraction moving a point a poll."""
    going = [w for w in watched if w.kind not in ("failed", "succeeded")]
    step = 2
    while True:
        for w in going:
            yield w.ref, _operation(w, step)
        step += 1


# The plain log.

PlainEvent = tuple[float, OperationRef, Operation | Outcome]  # when, which, a poll or the end


def _plain_cpu(size: int, runs: int) -> tuple[list[float], int]:
    """CPU per line (µs) of a PlainReporter told of `size` operations going from pending to
    running to an end: three events each, every one a state change, so a line. The operations
    are built beforehand: only the reporter is timed."""
    events: list[PlainEvent] = []
    for step, w in enumerate(_watched(size)):
        op = _operation(w, 0)
        code = ExitCode.FAILED if w.kind == "failed" else ExitCode.OK
        pending = replace(op, state=State.PENDING, progress=None, error=None)
        running = replace(op, state=State.RUNNING, error=None)
        end = Outcome(w.ref, code, replace(op, state=State.FAILED if code else State.SUCCEEDED))
        events += [
            (step * 0.1, w.ref, pending),
            (step * 0.1, w.ref, running),
            (step * 0.1, w.ref, end),
        ]
    per_line: list[float] = []
    for _ in range(runs + 1):  # the first is a warm-up
        ms, lines = _log_once(events)
        if lines != len(events):
            raise SystemExit(f"plain log: {lines} lines for {len(events)} state changes")
        per_line.append(ms * 1000 / lines)
    return per_line[1:], len(events)


def _log_once(events: Sequence[PlainEvent]) -> tuple[float, int]:
    """The CPU (ms) of one PlainReporter told of `events`, and the lines it wrote."""
    clock = Clock()
    written: list[str] = []
    reporter = PlainReporter(written.append, clock.now, clock.monotonic)

    def log() -> None:
        for at, ref, event in events:
            clock.seconds = at
            if isinstance(event, Outcome):
                reporter.finished(event)
            else:
                reporter.update(ref, event)

    return _cpu_ms(log), len(written)


# Reports.


def _machine() -> None:
    cpus = os.cpu_count()
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else cpus
    print(
        f"python {platform.python_version()} ({platform.python_implementation()}), "
        f"rich {version('rich')}, {platform.system()} {platform.machine()}, "
        f"{cpus} CPUs ({usable} usable), {platform.processor() or 'processor unknown'}"
    )
    print(f"terminal {WIDTH}x{HEIGHT}, truecolor, drawn to memory; CPU = time.process_time()")


def _row(what: str, samples: Sequence[float], unit: str, note: str = "") -> None:
    print(
        f"{what:<44}{statistics.median(samples):>10.2f}{min(samples):>9.2f}"
        f"{max(samples):>9.2f}  {unit}{'  ' + note if note else ''}"
    )


def _report_frames(
    frames: dict[int, FrameCost], table: list[float], runs: int, table_runs: int
) -> None:
    print()
    print(f"one frame, CPU, median of {runs} ({table_runs} for the Rich table)")
    print(f"{'':<44}{'median':>10}{'min':>9}{'max':>9}")
    for size, cost in frames.items():
        _row(f"live view, {size:,} ops: LiveBoard.frame alone", cost.board, "ms")
        _row(f"live view, {size:,} ops: as Live draws it", cost.live, "ms")
    ratio = statistics.median(table) / statistics.median(frames[1000].live)
    share = statistics.median(table) * REFRESH_PER_SECOND / 10
    note = f"{ratio:,.0f}x the frame; x {REFRESH_PER_SECOND} = {share:,.0f}% of a core"
    _row("Rich Table of all 1,000 rows, built + drawn", table, "ms", note)


def _report_share(per_frame: list[float], quiet: LiveRun, live: LiveRun) -> None:
    def aim(share: float) -> str:
        return f"aim < {AIM_SHARE:.0f}%: {'met' if share < AIM_SHARE else 'MISSED'}"

    estimate = statistics.median(per_frame) * REFRESH_PER_SECOND / 10
    drawing = live.share - quiet.share
    # The drawing's CPU over the frames drawn: the frame's cost in a running watch.
    in_situ = (live.cpu - quiet.cpu * live.wall / quiet.wall) / max(1, live.frames) * 1000
    print()
    print(f"1,000 operations watched, {REFRESH_PER_SECOND} frames a second: share of one core")
    label = f"estimate: frame CPU x {REFRESH_PER_SECOND}"
    print(f"{label:<44}{estimate:>9.1f}%  {aim(estimate)}")
    for name, run in (
        ("measured, updates alone (nothing drawn)", quiet),
        ("measured, drawn", live),
    ):
        detail = f"{run.cpu:.2f} s CPU / {run.wall:.2f} s, {run.updates} updates"
        detail += f", {run.frames} frames" if run.frames else ""
        verdict = f"  {aim(run.share)}" if run is live else ""
        print(f"{name:<44}{run.share:>9.1f}%  {detail}{verdict}")
    print(
        f"{'measured, the drawing (drawn - alone)':<44}{drawing:>9.1f}%  "
        f"{in_situ:.1f} ms of CPU a frame drawn"
    )


def _report_plain(result: tuple[list[float], int], runs: int) -> None:
    per_line, lines = result
    print()
    print(f"plain log (PlainReporter to a sink), {lines:,} state-change lines, median of {runs}")
    _row("CPU per line", per_line, "µs")


if __name__ == "__main__":
    sys.exit(main())
