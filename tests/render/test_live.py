"""The live view of `lro watch`: `LiveBoard` frames, `LiveReporter` on a recording console, and
the plain reporter fed the same scripted stream of snapshots.

Every clock here is hand-driven: `monotonic` is a float the test moves, `now` is
`at(1000 + that float)`; nothing sleeps and nothing runs in a thread (`auto_refresh=False`).
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import datetime
from itertools import pairwise
from typing import Any, Protocol

import pytest
from rich.cells import cell_len
from rich.console import Console
from rich.text import Text

from lro_cli.errors import ExitCode
from lro_cli.model import ErrorInfo, Operation, OperationRef, Outcome, State
from lro_cli.render.base import Reporter
from lro_cli.render.live import LiveBoard, LiveReporter
from lro_cli.render.plain import PlainReporter
from lro_cli.render.text import format_duration, short_id
from tests.factories import at, op, ref

WIDTHS = (40, 80, 200)
TALL = 40
UNICODE_SYMBOLS = "✓✗●◷⊘"


class Clock:
    """`monotonic` is `t`; `now` is the wall clock 1000 s after 2026-01-01 plus `t`."""

    def __init__(self, t: float = 0.0) -> None:
        self.t = t

    def monotonic(self) -> float:
        return self.t

    def now(self) -> datetime:
        return at(1000 + self.t)


class Events(Protocol):
    def update(self, ref: OperationRef, operation: Operation) -> None: ...

    def retrying(self, ref: OperationRef, message: str, delay: float) -> None: ...

    def finished(self, outcome: Outcome) -> None: ...


# The scripted stream: seven operations from six profiles and six providers.
RUN = ref("d4a4b10e-7c1f-4e8e-9a7b-3f2e1d0c9b8a", profile="gcore-prod", provider="gcore")
NOFRAC = ref(
    "projects/demo/locations/europe-west1/operations/op-5e1c", profile="gcp", provider="google"
)
PEND = ref("br-pend-17", profile="neon-dev", provider="neon")
FAIL = ref("az-op-31", profile="azure", provider="azure")
DONE = ref("rp-ok-4", profile="redpanda", provider="redpanda")
RETRY = ref("ls-job-9", profile="lakesail", provider="lakesail")
GONE = ref("task-404", profile="gcore-eu", provider="gcore")
ALL = (RUN, NOFRAC, PEND, FAIL, DONE, RETRY, GONE)
# What tells each row apart at every width (the ID column is at least 10 cells wide).
KEY = {r: short_id(r.id)[:8] for r in ALL}
TYPES = {
    "gcore": "create_vm",
    "google": "build",
    "neon": "start_compute",
    "azure": "deploy",
    "redpanda": "create_cluster",
    "lakesail": "run_job",
}


def snap(r: OperationRef, state: State, **kwargs: Any) -> Operation:
    """A snapshot of `r` as its provider would send it."""
    return op(r.id, state, profile=r.profile, provider=r.provider, type=TYPES[r.provider], **kwargs)


def running(fraction: float) -> Operation:
    return snap(RUN, State.RUNNING, progress=fraction, stage="copying disk", started_at=at(1000))


FAILED_OP = snap(
    FAIL,
    State.FAILED,
    progress=0.1,
    error=ErrorInfo(code="QuotaExceeded", message="quota exceeded"),
    started_at=at(1000),
    finished_at=at(1030),
)
DONE_OP = snap(DONE, State.SUCCEEDED, progress=1.0, started_at=at(1008), finished_at=at(1035))

# (monotonic time, event). RUN's progress samples: (10, 0.2), (25, 0.3), (40, 0.5).
Step = tuple[float, Callable[[Events], None]]
STREAM: tuple[Step, ...] = (
    (10, lambda r: r.update(RUN, running(0.2))),
    (
        10,
        lambda r: r.update(
            NOFRAC, snap(NOFRAC, State.RUNNING, message="building image", started_at=at(995))
        ),
    ),
    (10, lambda r: r.update(PEND, snap(PEND, State.PENDING))),
    (10, lambda r: r.update(FAIL, snap(FAIL, State.RUNNING, progress=0.1, started_at=at(1000)))),
    (10, lambda r: r.update(DONE, snap(DONE, State.RUNNING, progress=0.6, started_at=at(1008)))),
    (10, lambda r: r.update(RETRY, snap(RETRY, State.RUNNING, stage="queued", created_at=at(990)))),
    (25, lambda r: r.update(RUN, running(0.3))),
    (
        35,
        lambda r: r.finished(
            Outcome(FAIL, ExitCode.FAILED, FAILED_OP, "QuotaExceeded: quota exceeded")
        ),
    ),
    (40, lambda r: r.update(RUN, running(0.5))),
    (40, lambda r: r.finished(Outcome(DONE, ExitCode.OK, DONE_OP))),
    (42, lambda r: r.retrying(RETRY, "503 Service Unavailable", 4)),
    (45, lambda r: r.finished(Outcome(GONE, ExitCode.NOT_FOUND, None, "no such task"))),
)


def play(target: Events, clock: Clock, until: float = 50.0) -> None:
    for t, step in STREAM:
        clock.t = t
        step(target)
    clock.t = until


def played(until: float = 50.0) -> tuple[LiveBoard, Clock]:
    clock = Clock()
    board = LiveBoard(clock.now, clock.monotonic)
    play(board, clock, until)
    return board, clock


def text_of(board: LiveBoard, width: int, height: int = TALL, *, ascii: bool = False) -> list[str]:
    return [line.plain for line in board.frame(width, height, ascii=ascii)]


def the_line(lines: list[str], key: str) -> str:
    found = [line for line in lines if key in line]
    assert len(found) == 1, (key, lines)
    return found[0]


# One part of the footer: `✗ 1 not found`, `7 operations`, `1m05s`; a footer line is parts
# joined by ` · `. The footer takes as many lines as the width needs, none cut.
_FOOTER_PART = r"(?:\S \d+ [a-z]+(?: [a-z]+)?|\d+ operations?|\d+[smhd](?:\d\d[smh])?)"
FOOTER_LINE = re.compile(rf"{_FOOTER_PART}(?: · {_FOOTER_PART})*")


def is_footer(line: str) -> bool:
    return FOOTER_LINE.fullmatch(line) is not None


def cells(lines: list[str]) -> dict[str, dict[str, str]]:
    """The rows under the header (lines[0]) cut at the header's column starts, by ID cell.

    Only for frames of single-cell characters, where a string index is a terminal column.
    """
    starts = [(m.start(), m.group()) for m in re.finditer(r"\S+", lines[0])]
    table: dict[str, dict[str, str]] = {}
    for line in lines[1:]:
        if line.startswith("…") or is_footer(line):
            continue  # the fold line and the footer lines
        row = {
            name: line[start : starts[n + 1][0] if n + 1 < len(starts) else None].strip()
            for n, (start, name) in enumerate(starts)
        }
        table[row["ID"]] = row
    return table


def by_key(table: dict[str, dict[str, str]], r: OperationRef) -> dict[str, str]:
    found = [row for id, row in table.items() if id.startswith(KEY[r])]
    assert len(found) == 1, (r.id, table)
    return found[0]


def assert_bar(cell: str, percent: int, *, ascii: bool = False) -> None:
    """A bar of the real fraction: `percent`% of its cells filled (rounded down), then the text."""
    full, empty = ("#", "-") if ascii else ("█", "░")
    match = re.fullmatch(rf"({re.escape(full)}*)({re.escape(empty)}*) {percent}%", cell)
    assert match, cell
    filled, width = len(match.group(1)), len(match.group(1)) + len(match.group(2))
    assert width >= 5 and filled == int(percent / 100 * width), cell


def found(pattern: str, text: str) -> str:
    match = re.search(pattern, text)
    assert match, (pattern, text)
    return match.group()


def expected_eta(samples: list[tuple[float, float]], now: float) -> str:
    """The ETA worked out by hand from the first and latest progress samples."""
    (t_first, f_first), (t_last, f_last) = samples[0], samples[-1]
    rate = (f_last - f_first) / (t_last - t_first)
    return "~" + format_duration((1 - f_last) / rate - (now - t_last))


# The frame of the scripted stream.


def test_frame_at_full_width_shows_every_column_of_every_row() -> None:
    board, _ = played()
    lines = text_of(board, 200)
    assert len(lines) == 1 + len(ALL) + 1  # header, one row each, footer
    assert lines[0].split() == [
        "PROFILE",
        "ID",
        "TYPE",
        "STATE",
        "PROGRESS",
        "MESSAGE",
        "ELAPSED",
        "ETA",
    ]
    table = cells(lines)
    # Rows in the order first seen (everything fits), each under its short id.
    assert list(table) == [short_id(r.id) for r in ALL]
    assert short_id(RUN.id) == "d4a4b10e-7c…"
    assert short_id(NOFRAC.id) == "op-5e1c"

    run = table[short_id(RUN.id)]
    assert run["PROFILE"] == "gcore-prod"
    assert run["TYPE"] == "create_vm"
    assert run["STATE"] == "● running"
    assert_bar(run["PROGRESS"], 50)  # half the bar, from the real fraction
    assert run["MESSAGE"] == "copying disk"
    assert run["ELAPSED"] == "50s"  # now (1050) minus started_at (1000)
    assert run["ETA"] == expected_eta([(10, 0.2), (25, 0.3), (40, 0.5)], 50) == "~40s"

    nofrac = table["op-5e1c"]
    assert (nofrac["PROFILE"], nofrac["TYPE"], nofrac["STATE"]) == ("gcp", "build", "● running")
    # A pulse: three blocks on a bar of BAR_WIDTH (8) cells, no percentage.
    assert re.fullmatch("░*▓▓▓░*", nofrac["PROGRESS"]) and len(nofrac["PROGRESS"]) == 8
    assert nofrac["MESSAGE"] == "building image"
    assert nofrac["ELAPSED"] == "55s"
    assert nofrac["ETA"] == ""  # no fraction, no ETA

    pend = table["br-pend-17"]
    assert (pend["STATE"], pend["PROGRESS"], pend["MESSAGE"]) == ("◷ pending", "", "")
    assert pend["ELAPSED"] == "40s"  # no provider times: since first seen at t=10

    fail = table["az-op-31"]
    assert fail["STATE"] == "✗ failed"
    assert fail["MESSAGE"] == "QuotaExceeded: quota exceeded"
    assert fail["ELAPSED"] == "30s" and fail["ETA"] == ""

    done = table["rp-ok-4"]
    assert done["STATE"] == "✓ succeeded"
    assert_bar(done["PROGRESS"], 100)
    assert done["ELAPSED"] == "27s" and done["ETA"] == ""

    retry = table["ls-job-9"]
    assert retry["STATE"] == "● running"
    assert re.fullmatch("░*▓▓▓░*", retry["PROGRESS"]) and len(retry["PROGRESS"]) == 8
    assert retry["MESSAGE"] == "retrying in 4s: 503 Service Unavailable"
    assert retry["ELAPSED"] == "1m00s"  # from created_at (990)

    gone = table["task-404"]
    assert (gone["PROFILE"], gone["TYPE"]) == ("gcore-eu", "")
    assert gone["STATE"] == "✗ not found"
    assert gone["MESSAGE"] == "no such task"
    assert gone["ELAPSED"] == "0s"

    assert lines[-1] == (
        "✗ 1 failed · ● 3 running · ◷ 1 pending · ✓ 1 succeeded · ✗ 1 not found"
        " · 7 operations · 50s"
    )


# The footer of the scripted stream at t=50, packed to each width: the parts are `✗ 1 failed`
# (10 cells), `● 3 running` (11), `◷ 1 pending` (11), `✓ 1 succeeded` (13), `✗ 1 not found`
# (13), `7 operations` (12) and `50s` (3), joined by ` · ` (3) while the line stays within
# the width. At 40: 10+3+11+3+11 = 38, and `✓ 1 succeeded` would make it 54; 13+3+13 = 29,
# and `7 operations` would make it 44. At 80: 70, and `7 operations` would make it 85.
PLAYED_FOOTER = {
    40: [
        "✗ 1 failed · ● 3 running · ◷ 1 pending",
        "✓ 1 succeeded · ✗ 1 not found",
        "7 operations · 50s",
    ],
    80: [
        "✗ 1 failed · ● 3 running · ◷ 1 pending · ✓ 1 succeeded · ✗ 1 not found",
        "7 operations · 50s",
    ],
    200: [
        "✗ 1 failed · ● 3 running · ◷ 1 pending · ✓ 1 succeeded · ✗ 1 not found"
        " · 7 operations · 50s"
    ],
}


@pytest.mark.parametrize("width", WIDTHS)
def test_frame_at_each_width_keeps_every_row_and_state(width: int) -> None:
    board, _ = played()
    lines = text_of(board, width)
    footer = PLAYED_FOOTER[width]
    assert len(lines) == 1 + len(ALL) + len(footer)
    assert all(cell_len(line) <= width for line in lines), lines
    # The STATE column is at least 11 cells: no state is ever cut, at any of these widths.
    states = {
        RUN: "● running",
        NOFRAC: "● running",
        PEND: "◷ pending",
        FAIL: "✗ failed",
        DONE: "✓ succeeded",
        RETRY: "● running",
        GONE: "✗ not found",
    }
    for n, r in enumerate(ALL, start=1):
        assert KEY[r] in lines[n]  # the order first seen
        assert states[r] in lines[n], (r.id, lines[n])
    assert lines[1 + len(ALL) :] == footer
    if width >= 80:
        # The progress column: a real fraction as a percentage, a pulse without one.
        assert "50%" in the_line(lines, KEY[RUN])
        assert "100%" in the_line(lines, KEY[DONE])
        nofrac = the_line(lines, KEY[NOFRAC])
        assert "▓▓▓" in nofrac and "%" not in nofrac


def test_ascii_frame_uses_ascii_state_symbols_for_every_row() -> None:
    """`ascii=True` is for a terminal that cannot draw ✓ ✗ ● ◷: no row may use them."""
    board, _ = played()
    lines = text_of(board, 200, ascii=True)
    table = cells(lines)
    assert table[short_id(RUN.id)]["STATE"] == "* running"
    assert_bar(table[short_id(RUN.id)]["PROGRESS"], 50, ascii=True)
    assert table["br-pend-17"]["STATE"] == ". pending"
    assert table["az-op-31"]["STATE"] == "x failed"
    assert table["rp-ok-4"]["STATE"] == "+ succeeded"
    assert "===" in table["op-5e1c"]["PROGRESS"]
    assert lines[-1].startswith("x 1 failed · * 3 running · . 1 pending · + 1 succeeded")
    # The operation that was never read (ended not found) is a row like the others.
    assert table["task-404"]["STATE"] == "x not found"
    assert not [line for line in lines if set(line) & set(UNICODE_SYMBOLS)]
    # The same footer as in Unicode, symbol for symbol, at every width.
    to_ascii = str.maketrans({"✗": "x", "●": "*", "◷": ".", "✓": "+"})
    for width in WIDTHS:
        lines = text_of(board, width, ascii=True)
        assert not [line for line in lines if set(line) & set(UNICODE_SYMBOLS)], lines
        footer = [line.translate(to_ascii) for line in PLAYED_FOOTER[width]]
        assert lines[1 + len(ALL) :] == footer
        assert "x not found" in the_line(lines, KEY[GONE])


def test_ascii_frame_of_a_row_still_waiting_for_its_first_read() -> None:
    clock = Clock(1.0)
    board = LiveBoard(clock.now, clock.monotonic)
    board.retrying(RETRY, "connection reset", 2)
    lines = text_of(board, 80, ascii=True)
    assert lines[-1].startswith(". 1 waiting")
    assert ". waiting" in the_line(lines, KEY[RETRY])


# ETA, elapsed, retries, the footer.


def test_eta_from_the_rate_observed_counts_down_with_the_clock() -> None:
    clock = Clock(10)
    board = LiveBoard(clock.now, clock.monotonic)
    samples = [(10.0, 0.2), (25.0, 0.3), (40.0, 0.5)]
    for t, fraction in samples:
        clock.t = t
        board.update(RUN, running(fraction))
    for now in (40.0, 50.0, 65.0):
        clock.t = now
        eta = cells(text_of(board, 200))[short_id(RUN.id)]["ETA"]
        assert eta == expected_eta(samples, now)
    assert [expected_eta(samples, now) for now in (40.0, 50.0, 65.0)] == ["~50s", "~40s", "~25s"]
    # Long overdue: never a negative time.
    clock.t = 500
    assert cells(text_of(board, 200))[short_id(RUN.id)]["ETA"] == "~0s"
    # Repeating the same fraction does not move the latest sample.
    clock.t = 60
    board.update(RUN, running(0.5))
    assert cells(text_of(board, 200))[short_id(RUN.id)]["ETA"] == expected_eta(samples, 60)


def test_eta_from_one_sample_uses_the_average_rate_since_the_provider_start() -> None:
    clock = Clock(10)
    board = LiveBoard(clock.now, clock.monotonic)
    board.update(RUN, running(0.25))  # started at 1000, now 1010: 10 s for a quarter
    assert cells(text_of(board, 200))[short_id(RUN.id)]["ETA"] == "~30s"
    clock.t = 20
    assert cells(text_of(board, 200))[short_id(RUN.id)]["ETA"] == "~1m00s"


def test_eta_is_gone_once_finished() -> None:
    board, _ = played()
    board.finished(Outcome(RUN, ExitCode.OK, snap(RUN, State.SUCCEEDED, progress=1.0)))
    row = cells(text_of(board, 200))[short_id(RUN.id)]
    assert (row["STATE"], row["ETA"]) == ("✓ succeeded", "")


def test_finished_rows_keep_their_final_state_and_duration_while_the_clock_moves_on() -> None:
    board, clock = played(until=50)
    quick = ref("quick-1", profile="gcore-prod")
    clock.t = 47
    board.update(quick, snap(quick, State.RUNNING))
    clock.t = 49
    board.finished(Outcome(quick, ExitCode.OK, snap(quick, State.SUCCEEDED)))  # no provider times
    clock.t = 50
    before = cells(text_of(board, 200))
    clock.t = 500
    after = cells(text_of(board, 200))
    for id, state, elapsed in (
        ("az-op-31", "✗ failed", "30s"),
        ("rp-ok-4", "✓ succeeded", "27s"),
        ("task-404", "✗ not found", "0s"),
        ("quick-1", "✓ succeeded", "2s"),
    ):
        assert (before[id]["STATE"], before[id]["ELAPSED"]) == (state, elapsed)
        assert (after[id]["STATE"], after[id]["ELAPSED"]) == (state, elapsed)
    # The ones still running go on counting.
    assert after[short_id(RUN.id)]["ELAPSED"] == "8m20s"
    assert after["br-pend-17"]["ELAPSED"] == "8m10s"


def test_a_row_that_ends_at_monotonic_zero_keeps_its_duration() -> None:
    """A monotonic clock may read 0.0 (the VirtualClock of `Env.for_test` starts there): an
    operation found gone on the very first poll took 0s, and still took 0s a minute later."""
    clock = Clock(0.0)
    board = LiveBoard(clock.now, clock.monotonic)
    board.finished(Outcome(GONE, ExitCode.NOT_FOUND, None, "no such task"))
    assert cells(text_of(board, 200))["task-404"]["ELAPSED"] == "0s"
    clock.t = 90
    assert cells(text_of(board, 200))["task-404"]["ELAPSED"] == "0s"


def test_retry_message_shows_until_a_good_poll_clears_it() -> None:
    board, clock = played()
    assert by_key(cells(text_of(board, 200)), RETRY)["MESSAGE"] == (
        "retrying in 4s: 503 Service Unavailable"
    )
    clock.t = 46
    board.retrying(RETRY, "", 0.5)
    assert by_key(cells(text_of(board, 200)), RETRY)["MESSAGE"] == "retrying in 0.5s: no answer"
    clock.t = 55
    board.update(RETRY, snap(RETRY, State.RUNNING, stage="loading data", created_at=at(990)))
    row = by_key(cells(text_of(board, 200)), RETRY)
    assert (row["STATE"], row["MESSAGE"]) == ("● running", "loading data")


def test_retry_message_tells_when_first_so_a_narrow_column_keeps_it() -> None:
    """`retrying in 4s: <cause>`: a cut message loses the cause (the log lines have it), never
    the delay. The MESSAGE column is 15 cells at 40 (40 - ID 10 - STATE 11 - two gaps of 2) and
    20 at 80; a cut keeps width - 1 cells and adds an ellipsis."""
    board, _ = played()
    expected = {
        40: "retrying in 4s…",
        80: "retrying in 4s: 503…",
        200: "retrying in 4s: 503 Service Unavailable",
    }
    for width, message in expected.items():
        assert by_key(cells(text_of(board, width)), RETRY)["MESSAGE"] == message, width
    # A row never read yet says it too, under its waiting state.
    clock = Clock(1)
    board = LiveBoard(clock.now, clock.monotonic)
    board.retrying(RETRY, "connection reset", 2)
    row = by_key(cells(text_of(board, 200)), RETRY)
    assert (row["STATE"], row["MESSAGE"]) == ("◷ waiting", "retrying in 2s: connection reset")


def test_footer_counts_every_kind_of_end_in_a_fixed_order() -> None:
    clock = Clock(3)
    board = LiveBoard(clock.now, clock.monotonic)
    names = iter(f"op-{n}" for n in range(100))

    def fresh() -> OperationRef:
        return ref(next(names))

    for state in (State.CANCELLED, State.UNKNOWN, State.RUNNING, State.RUNNING, State.PENDING):
        r = fresh()
        board.update(r, op(r.id, state))
    board.retrying(fresh(), "reset", 1)  # never read yet: waiting
    for code in (ExitCode.AUTH, ExitCode.TIMEOUT, ExitCode.NOT_FOUND):
        board.finished(Outcome(fresh(), code, None, "why"))
    lines = text_of(board, 200)
    assert lines[-1] == (
        "⊘ 1 cancelled · ? 1 unknown · ● 2 running · ◷ 1 pending · ◷ 1 waiting · ✗ 1 not found"
        " · ✗ 1 refused · ✗ 1 timed out · 9 operations · 0s"
    )
    # Each row says what the footer counts it as.
    states = [row["STATE"] for row in cells(lines).values()]
    assert states[5:] == ["◷ waiting", "✗ refused", "✗ timed out", "✗ not found"]
    clock.t = 3 + 3725
    assert text_of(board, 200)[-1].endswith(" · 9 operations · 1h02m")


def style_of(line: Text, part: str) -> str:
    """The style drawn over `part` of a frame line (all of it under one span)."""
    start = line.plain.index(part)
    spans = [s for s in line.spans if s.start <= start and start + len(part) <= s.end]
    assert len(spans) == 1, (part, line.spans)
    return str(spans[0].style)


@pytest.mark.parametrize(
    "code",
    [ExitCode.INTERRUPTED, ExitCode.TERMINATED, ExitCode.PIPE_CLOSED, ExitCode.IN_PROGRESS],
    ids=str,
)
def test_an_operation_stopped_before_its_first_read_reads_the_same_in_row_and_footer(
    code: ExitCode,
) -> None:
    """Ctrl-C (or `--timeout` leaving it in progress) before the first answer: the footer counts
    the operation as "stopped", so its row says "stopped" too, as a wait (dim, the pending
    symbol), not as a failure."""
    clock = Clock(3)
    board = LiveBoard(clock.now, clock.monotonic)
    board.update(RUN, running(0.2))
    board.finished(Outcome(GONE, code, None, None))
    frame = board.frame(200, TALL)
    lines = [line.plain for line in frame]
    assert lines[-1] == "● 1 running · ◷ 1 stopped · 2 operations · 0s"
    assert cells(lines)["task-404"]["STATE"] == "◷ stopped"
    gone = frame[next(n for n, line in enumerate(lines) if "task-404" in line)]
    assert style_of(gone, "◷ stopped") == "dim"
    assert style_of(frame[-1], "◷ 1 stopped") == "dim"
    # In ASCII, both with the ASCII pending symbol.
    lines = text_of(board, 200, ascii=True)
    assert lines[-1] == "* 1 running · . 1 stopped · 2 operations · 0s"
    assert cells(lines)["task-404"]["STATE"] == ". stopped"


def test_an_operation_never_read_that_ended_badly_reads_as_a_failure() -> None:
    """Unlike a stopped one: not found is told in red with the failed symbol, in both."""
    clock = Clock(3)
    board = LiveBoard(clock.now, clock.monotonic)
    board.finished(Outcome(GONE, ExitCode.NOT_FOUND, None, "no such task"))
    frame = board.frame(200, TALL)
    lines = [line.plain for line in frame]
    assert lines[-1] == "✗ 1 not found · 1 operation · 0s"
    assert style_of(frame[1], "✗ not found") == "bold red"
    assert style_of(frame[-1], "✗ 1 not found") == "red"


def every_kind_of_end() -> tuple[LiveBoard, Clock]:
    """14 operations, one footer part for every name it counts (two running)."""
    clock = Clock(3)
    board = LiveBoard(clock.now, clock.monotonic)
    names = iter(f"op-{n}" for n in range(100))
    for state in (
        State.FAILED,
        State.CANCELLED,
        State.UNKNOWN,
        State.RUNNING,
        State.RUNNING,
        State.PENDING,
        State.SUCCEEDED,
    ):
        r = ref(next(names))
        board.update(r, op(r.id, state))
    board.retrying(ref(next(names)), "reset", 1)  # never read yet: waiting
    for code in (
        ExitCode.NOT_FOUND,
        ExitCode.AUTH,
        ExitCode.UNREACHABLE,
        ExitCode.PROTOCOL,
        ExitCode.TIMEOUT,
        ExitCode.INTERRUPTED,
    ):
        board.finished(Outcome(ref(next(names)), code, None, "why"))
    clock.t = 3 + 3725
    return board, clock


EVERY_KIND_FOOTER = (
    "✗ 1 failed · ⊘ 1 cancelled · ? 1 unknown · ● 2 running · ◷ 1 pending · ◷ 1 waiting"
    " · ✓ 1 succeeded · ✗ 1 not found · ✗ 1 refused · ✗ 1 unreachable · ✗ 1 unreadable"
    " · ✗ 1 timed out · ◷ 1 stopped · 14 operations · 1h02m"
)


def test_footer_wraps_at_40_and_80_keeping_every_count_whole() -> None:
    """The parts, in cells: failed 10, cancelled 13, unknown 11, running 11, pending 11,
    waiting 11, succeeded 13, not found 13, refused 11, unreachable 15, unreadable 14, timed
    out 13, stopped 11, `14 operations` 13, `1h02m` 5; ` · ` is 3.

    At 40: 10+3+13+3+11 = 40 exactly (a line may fill the width); 11+3+11+3+11 = 39; 13+3+13
    = 29 (+14 for `✗ 1 refused` is 43); 11+3+15 = 29; 14+3+13 = 30; 11+3+13+3+5 = 35.
    At 80: the first five parts make 68 (+14 is 82); the next five 75 (+17 is 92); the rest 68.
    At 200: all but the last two make 193 (+16 is 209). The whole footer is 217 cells.
    """
    board, _ = every_kind_of_end()
    assert len(board.rows) == 14
    expected = {
        40: [
            "✗ 1 failed · ⊘ 1 cancelled · ? 1 unknown",
            "● 2 running · ◷ 1 pending · ◷ 1 waiting",
            "✓ 1 succeeded · ✗ 1 not found",
            "✗ 1 refused · ✗ 1 unreachable",
            "✗ 1 unreadable · ✗ 1 timed out",
            "◷ 1 stopped · 14 operations · 1h02m",
        ],
        80: [
            "✗ 1 failed · ⊘ 1 cancelled · ? 1 unknown · ● 2 running · ◷ 1 pending",
            "◷ 1 waiting · ✓ 1 succeeded · ✗ 1 not found · ✗ 1 refused · ✗ 1 unreachable",
            "✗ 1 unreadable · ✗ 1 timed out · ◷ 1 stopped · 14 operations · 1h02m",
        ],
        200: [
            EVERY_KIND_FOOTER.removesuffix(" · 14 operations · 1h02m"),
            "14 operations · 1h02m",
        ],
        217: [EVERY_KIND_FOOTER],
    }
    assert cell_len(EVERY_KIND_FOOTER) == 217
    for width, footer in expected.items():
        lines = text_of(board, width)
        assert len(lines) == 1 + 14 + len(footer)  # every row still shows
        assert lines[1 + 14 :] == footer, width
    assert cell_len(expected[40][0]) == 40


def test_footer_is_packed_whole_at_every_width() -> None:
    """From 15 cells (the widest part, `✗ 1 unreachable`) up: no part is cut or left out, the
    parts keep their order, and a line breaks only where the next part would not fit."""
    board, _ = every_kind_of_end()
    parts = EVERY_KIND_FOOTER.split(" · ")
    assert max(cell_len(part) for part in parts) == 15
    for width in range(15, 241):
        footer = text_of(board, width)[1 + 14 :]
        assert all(is_footer(line) for line in footer), (width, footer)
        assert all(cell_len(line) <= width and "…" not in line for line in footer), footer
        assert " · ".join(footer) == EVERY_KIND_FOOTER, width
        for line, after in pairwise(footer):
            next_part = after.split(" · ")[0]
            assert cell_len(line) + 3 + cell_len(next_part) > width, (width, line, next_part)


def test_footer_of_one_operation_and_of_none() -> None:
    clock = Clock(1)
    board = LiveBoard(clock.now, clock.monotonic)
    assert text_of(board, 80) == ["waiting for operations…", "0 operations · 0s"]
    board.update(PEND, snap(PEND, State.PENDING))
    assert text_of(board, 80)[-1] == "◷ 1 pending · 1 operation · 0s"


def test_notice_is_a_footer_line_cleaned_of_control_text() -> None:
    board, _ = played()
    board.set_notice("listing \x1b[2Jfailed:\r 503\x1b]0;pwned\x07")
    for width in WIDTHS:
        lines = text_of(board, width)
        # After the footer, however many lines it takes.
        assert lines[1 + len(ALL) :] == [*PLAYED_FOOTER[width], "listing failed: 503"]


# Width: nothing wider than the terminal, whatever the server sends.

AZURE_TAIL = "op-7f3a9c"


def azure_url(length: int = 200) -> str:
    head = (
        "https://management.azure.com/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590"
        "/providers/Microsoft.Compute/locations/westeurope/operationStatuses/"
    )
    tail = f"{AZURE_TAIL}?api-version=2024-03-01&t="
    url = head + tail
    return url + "x" * (length - len(url))


HOSTILE = "\x1b]0;title\x07ok\x1b[2J\x1b[31mred\x9b1m\rover"
LONG_MESSAGE = " ".join(f"word{n}" for n in range(80))
CJK = "ディスクをコピーしています"


def hostile_board() -> LiveBoard:
    clock = Clock(5)
    board = LiveBoard(clock.now, clock.monotonic)
    url = azure_url()
    assert len(url) == 200
    az = ref(url, profile="azure-westeurope-production", provider="azure")
    board.update(az, op(url, State.RUNNING, profile=az.profile, provider="azure", progress=0.42))
    cjk = ref("東京-オペレーション-0001", profile="東京リージョン", provider="gcore")
    board.update(
        cjk,
        op(cjk.id, State.RUNNING, profile=cjk.profile, type="仮想マシン作成", message=CJK * 6),
    )
    long = ref("long-msg", profile="p")
    board.update(long, op(long.id, State.RUNNING, progress=0.9, message=LONG_MESSAGE))
    nasty = ref("nasty\x1b[31m", profile="p\x1b]0;title\x07")
    board.update(
        nasty,
        op(
            nasty.id,
            State.UNKNOWN,
            profile=nasty.profile,
            type="t\x1b[2J",
            raw_state="WEIRD\x9b2J",
            stage="\r",
            message=HOSTILE,
        ),
    )
    broke = ref("broke", profile="p")
    board.update(broke, op("broke", State.FAILED, error=ErrorInfo(code="E\r", message=HOSTILE)))
    board.retrying(ref("retry", profile="p"), HOSTILE, 3)
    board.finished(Outcome(ref("gone", profile="p"), ExitCode.NOT_FOUND, None, HOSTILE))
    board.set_notice(HOSTILE)
    clock.t = 7
    return board


# The footer of `hostile_board`: `✗ 1 failed` (10), `? 1 unknown` (11), `● 3 running` (11),
# `◷ 1 waiting` (11), `✗ 1 not found` (13), `7 operations` (12), `2s` (2). At 40: 38 cells,
# then 11+3+13 = 27 (`7 operations` would make it 42), then 17. At 80: 68 (`7 operations`
# would make it 83), then 17.
HOSTILE_FOOTER = {
    40: [
        "✗ 1 failed · ? 1 unknown · ● 3 running",
        "◷ 1 waiting · ✗ 1 not found",
        "7 operations · 2s",
    ],
    80: [
        "✗ 1 failed · ? 1 unknown · ● 3 running · ◷ 1 waiting · ✗ 1 not found",
        "7 operations · 2s",
    ],
    200: [
        "✗ 1 failed · ? 1 unknown · ● 3 running · ◷ 1 waiting · ✗ 1 not found · 7 operations · 2s"
    ],
}


@pytest.mark.parametrize("ascii", [False, True], ids=["unicode", "ascii"])
@pytest.mark.parametrize("width", WIDTHS)
def test_no_line_is_wider_than_the_terminal(width: int, ascii: bool) -> None:
    board = hostile_board()
    for height in (3, 8, TALL):
        lines = text_of(board, width, height, ascii=ascii)
        assert 0 < len(lines) <= height
        for line in lines:
            assert cell_len(line) <= width, (width, line)
    lines = text_of(board, width, ascii=ascii)
    footer = HOSTILE_FOOTER[width]
    if ascii:
        footer = [line.translate(str.maketrans("✗●◷", "x*.")) for line in footer]
    assert len(lines) == 1 + 7 + len(footer) + 1  # header, 7 rows, the footer, notice
    assert lines[1 + 7 :] == [*footer, "okredover"]
    # The Azure status URL shows as its last path segment, not its host.
    azure = the_line(lines, AZURE_TAIL)
    assert "management" not in azure and "api-version" not in azure
    # Long text is cut with an ellipsis rather than dropped or wrapped.
    long = the_line(lines, "long-msg")
    assert "word0" in long and "word79" not in long and "…" in long
    assert all("word1" not in line for line in lines if "long-msg" not in line)


@pytest.mark.parametrize("width", WIDTHS)
def test_server_control_text_never_reaches_the_frame(width: int) -> None:
    board = hostile_board()
    for ascii in (False, True):
        text = "\n".join(text_of(board, width, ascii=ascii))
        for bad in ("\x1b", "\x9b", "\x07", "\r", "title", "[2J", "[31m", "2J"):
            assert bad not in text, (width, bad)
    if width == 200:
        text = "\n".join(text_of(board, width))
        assert "okredover" in text  # what is left of the server text is still shown
        assert "? unknown [WEIRD]" in text
        assert "東京リージョン" in text


def test_wide_characters_are_cut_on_cell_boundaries() -> None:
    board = hostile_board()
    for width in range(30, 201, 7):
        for line in text_of(board, width):
            assert cell_len(line) <= width, (width, line)
    line = the_line(text_of(board, 200), "東京-オペ")
    assert "ディスク" in line and line.count(CJK) < 6


# The progress pulse and the STATE column.


def pulse_positions(board: LiveBoard, ids: list[str], width: int = 200) -> list[int]:
    """Where each row's pulse starts in its cell, after checking the cell: a bar of BAR_WIDTH
    (8) cells holding one run of three blocks, then spaces to the width of the column."""
    lines = text_of(board, width)
    header = lines[0]
    start, end = header.index("PROGRESS"), header.index("MESSAGE")
    positions = []
    for id in ids:
        cell = the_line(lines, id)[start:end]  # the column and the gap after it
        assert re.fullmatch("░*▓▓▓░* *", cell) and len(cell.rstrip()) == 8, (id, cell)
        assert len(cell) == end - start
        positions.append(cell.index("▓"))
    return positions


def test_rows_without_a_fraction_pulse_out_of_step() -> None:
    """Each row's pulse has its own phase: a column of them does not move as one."""
    # The scripted stream: its two rows without a fraction, in one frame.
    board, _ = played()
    nofrac, retry = pulse_positions(board, [KEY[NOFRAC], KEY[RETRY]])
    assert nofrac != retry
    # Six rows without a fraction, one with (the column is 13 cells: the pulses are padded).
    clock = Clock(1)
    board = LiveBoard(clock.now, clock.monotonic)
    ids = [f"pulse-{n}" for n in range(6)]
    for id in ids:
        board.update(ref(id), op(id, State.RUNNING, message="working"))
    board.update(ref("half"), op("half", State.RUNNING, progress=0.5, message="working"))
    header = text_of(board, 200)[0]
    assert header.index("MESSAGE") - header.index("PROGRESS") == 13 + 2
    # One step a frame (8 a second): a whole cycle, there and back on 8 - 3 = 5 cells, is 10.
    frames = []
    for step in range(10):
        clock.t = 1 + step / 8
        frames.append(pulse_positions(board, ids))
    by_row = list(zip(*frames, strict=True))
    for row in by_row:
        assert set(row) == {0, 1, 2, 3, 4, 5}  # each one bounces along the whole bar
    # No two rows move in step, and rows next to each other are never at the same place.
    assert len(set(by_row)) == len(ids), by_row
    for positions in frames:
        assert all(a != b for a, b in pairwise(positions)), frames


STATE_NAMES = ("succeeded", "running", "failed", "not found")


@pytest.mark.parametrize("width", [40, 80])
@pytest.mark.parametrize("ascii", [False, True], ids=["unicode", "ascii"])
def test_state_column_never_cuts_a_state(width: int, ascii: bool) -> None:
    """Every column crowded: the others give way (cut, or dropped), the STATE column keeps its
    11 cells, so `✓ succeeded` and `✗ not found` are whole."""
    clock = Clock(5)
    board = LiveBoard(clock.now, clock.monotonic)
    profile, kind = "a-very-long-profile-name", "a_very_long_operation_type"
    for state in (State.SUCCEEDED, State.RUNNING, State.FAILED):
        id = f"{state.value}-with-a-rather-long-identifier"
        fraction = None if state is State.RUNNING else 0.5
        board.update(
            ref(id, profile=profile),
            op(
                id,
                state,
                profile=profile,
                type=kind,
                progress=fraction,
                message=LONG_MESSAGE,
                started_at=at(1000),
            ),
        )
    gone = ref("gone-with-a-rather-long-identifier", profile=profile)
    board.finished(Outcome(gone, ExitCode.NOT_FOUND, None, LONG_MESSAGE))
    clock.t = 7
    lines = text_of(board, width, ascii=ascii)
    assert all(cell_len(line) <= width for line in lines)
    header = lines[0]
    state_width = re.search(r"STATE +", header)
    assert state_width and len(state_width.group()) == 11 + 2  # squeezed to its minimum
    table = cells(lines)
    symbols = ("+", "*", "x", "x") if ascii else ("✓", "●", "✗", "✗")
    states = [f"{symbol} {name}" for symbol, name in zip(symbols, STATE_NAMES, strict=True)]
    assert [row["STATE"] for row in table.values()] == states
    # The others are cut to fit.
    assert all(row["MESSAGE"].endswith("…") for row in table.values())
    assert all(row["ID"].endswith("…") for row in table.values())


# Folding: more operations than rows.


def thousand() -> tuple[LiveBoard, list[tuple[str, float]], list[str]]:
    """1,000 operations: 10 failed, 200 running with a fraction, 100 running without one, 100
    succeeded, 590 pending. Returns the board, the running (id, fraction) and the failed ids."""
    clock = Clock(1)
    board = LiveBoard(clock.now, clock.monotonic)
    with_fraction: list[tuple[str, float]] = []
    failed: list[str] = []
    for i in range(1000):
        r = ref(f"op-{i:04d}", profile=f"p{i % 3}", provider=("gcore", "neon", "azure")[i % 3])
        kind = i % 10
        if i % 100 == 7:
            failed.append(r.id)
            o = op(r.id, State.FAILED, profile=r.profile, error="boom")
            board.finished(Outcome(r, ExitCode.FAILED, o, "boom"))
        elif kind in (1, 3):
            fraction = ((i * 37) % 97) / 100
            with_fraction.append((r.id, fraction))
            board.update(r, op(r.id, State.RUNNING, profile=r.profile, progress=fraction))
        elif kind == 5:
            board.update(r, op(r.id, State.RUNNING, profile=r.profile))
        elif kind == 9:
            board.finished(Outcome(r, ExitCode.OK, op(r.id, State.SUCCEEDED, profile=r.profile)))
        else:
            board.update(r, op(r.id, State.PENDING, profile=r.profile))
        clock.t += 0.001
    clock.t = 66  # 65 s after the board was made
    return board, with_fraction, failed


# The footer of `thousand`: `✗ 10 failed` (11), `● 300 running` (13), `◷ 590 pending` (13),
# `✓ 100 succeeded` (15), `1000 operations` (15), `1m05s` (5). At 40: 27 (`◷ 590 pending` would
# make it 43), 31 (`1000 operations` would make it 49), 23. At 80: 79, then `1m05s`.
THOUSAND_FOOTER = {
    40: [
        "✗ 10 failed · ● 300 running",
        "◷ 590 pending · ✓ 100 succeeded",
        "1000 operations · 1m05s",
    ],
    80: [
        "✗ 10 failed · ● 300 running · ◷ 590 pending · ✓ 100 succeeded · 1000 operations",
        "1m05s",
    ],
    200: [
        "✗ 10 failed · ● 300 running · ◷ 590 pending · ✓ 100 succeeded · 1000 operations · 1m05s"
    ],
}


@pytest.mark.parametrize("width", WIDTHS)
def test_a_thousand_operations_fold_into_twenty_lines(width: int) -> None:
    board, with_fraction, failed = thousand()
    lines = text_of(board, width, 20)
    assert len(lines) == 20
    assert all(cell_len(line) <= width for line in lines)
    assert lines[0].split()[:2] == (["ID", "STATE"] if width == 40 else ["PROFILE", "ID"])
    # 20 lines: the header, the rows, one fold line, the footer (3 lines at 40, 2 at 80, 1 at
    # 200): 15, 16 and 17 rows.
    footer = THOUSAND_FOOTER[width]
    shown = 20 - 1 - 1 - len(footer)
    assert shown == {40: 15, 80: 16, 200: 17}[width]
    rows = lines[1 : 1 + shown]
    # Failures first, in the order seen; then running ones nearest to done.
    assert [found(r"op-\d{4}", row) for row in rows[:10]] == failed
    assert all("✗ failed" in row for row in rows[:10])
    nearest = sorted(with_fraction, key=lambda item: -item[1])[: shown - 10]
    assert [id for id, _ in nearest] == [found(r"op-\d{4}", row) for row in rows[10:]]
    assert all("● running" in row for row in rows[10:])
    if width >= 80:
        percents = [f"{int(fraction * 100)}%" for _, fraction in nearest]
        assert [found(r"\d+%", row) for row in rows[10:]] == percents
    # The rest: one fold line (cut if need be), then the footer counting all 1,000, never cut.
    hidden = 1000 - shown
    fold = f"… {hidden} more not shown: {300 - (shown - 10)} running, 590 pending, 100 succeeded"
    if width >= len(fold):
        assert lines[1 + shown] == fold
    else:
        assert lines[1 + shown] == fold[: width - 1] + "…"
    assert lines[2 + shown :] == footer


def test_fold_counts_every_hidden_state() -> None:
    board, _, _ = thousand()
    lines = text_of(board, 200, 12)
    # 12 lines: header, 9 rows (all failed), fold, footer; one failure is left out.
    assert len(lines) == 12
    assert all("✗ failed" in line for line in lines[1:10])
    assert lines[10] == "… 991 more not shown: 1 failed, 300 running, 590 pending, 100 succeeded"
    assert lines[11].startswith("✗ 10 failed · ● 300 running · ◷ 590 pending · ✓ 100 succeeded")


def test_fold_leaves_room_for_a_notice() -> None:
    board, _, _ = thousand()
    board.set_notice("listing failed: 503")
    lines = text_of(board, 200, 20)
    assert len(lines) == 20
    assert lines[-1] == "listing failed: 503"
    assert lines[-2].endswith("1000 operations · 1m05s")
    assert lines[-3].startswith("… 984 more not shown: ")


def test_folding_shows_what_needs_attention_first() -> None:
    clock = Clock(1)
    board = LiveBoard(clock.now, clock.monotonic)

    def seen(id: str, state: State, **kwargs: Any) -> OperationRef:
        r = ref(id)
        board.update(r, op(id, state, **kwargs))
        clock.t += 1
        return r

    seen("ok-old", State.SUCCEEDED)
    seen("pend", State.PENDING)
    seen("run-30", State.RUNNING, progress=0.3)
    seen("run-none", State.RUNNING)
    failed = seen("failed", State.RUNNING)
    seen("run-80", State.RUNNING, progress=0.8)
    board.retrying(seen("retrying", State.RUNNING, progress=0.95), "503", 2)
    seen("unknown", State.UNKNOWN, raw_state="PAUSED")
    seen("cancelled", State.CANCELLED)
    slow = seen("timed-out", State.RUNNING, progress=0.9)
    seen("ok-new", State.SUCCEEDED)
    board.finished(Outcome(failed, ExitCode.FAILED, op("failed", State.FAILED, error="boom")))
    board.finished(Outcome(slow, ExitCode.TIMEOUT, None, "timed out after 10s"))
    board.finished(Outcome(ref("gone"), ExitCode.NOT_FOUND, None, "no such operation"))
    board.retrying(ref("never-read"), "connection reset", 1)
    total = len(board.rows)
    assert total == 13
    # Too short by one: all but two rows show, the most urgent first.
    lines = text_of(board, 200, total + 1)
    shown = [line.split()[1] for line in lines[1:-2]]
    assert shown[:2] == ["failed", "gone"]  # what the provider (or the wait) says failed
    # Then what ended badly otherwise, or is stuck, or is retrying (read or not yet).
    assert set(shown[2:7]) == {"retrying", "unknown", "cancelled", "timed-out", "never-read"}
    assert shown[7:10] == ["run-80", "run-30", "run-none"]  # then nearest to done
    assert shown[10:] == ["pend"]
    assert lines[-2] == "… 2 more not shown: 2 succeeded"


@pytest.mark.parametrize("height", range(1, 25))
def test_a_frame_never_has_more_lines_than_the_height(height: int) -> None:
    board, _, _ = thousand()
    assert len(board.frame(80, height)) <= height


def test_when_everything_fits_rows_stay_in_the_order_first_seen() -> None:
    clock = Clock(1)
    board = LiveBoard(clock.now, clock.monotonic)
    order = ["zz-done", "mm-run", "aa-fail", "kk-pend", "bb-run"]
    board.finished(Outcome(ref("zz-done"), ExitCode.OK, op("zz-done", State.SUCCEEDED)))
    board.update(ref("mm-run"), op("mm-run", State.RUNNING, progress=0.1))
    board.update(ref("aa-fail"), op("aa-fail", State.RUNNING))
    board.update(ref("kk-pend"), op("kk-pend", State.PENDING))
    board.update(ref("bb-run"), op("bb-run", State.RUNNING, progress=0.9))
    clock.t = 5
    board.finished(Outcome(ref("aa-fail"), ExitCode.FAILED, op("aa-fail", State.FAILED, error="x")))
    lines = text_of(board, 80, 1 + 5 + 1)  # exactly enough
    assert [line.split()[1] for line in lines[1:6]] == order
    assert not any(line.startswith("…") for line in lines)


# LiveReporter on a recording console.


def recording(width: int = 80, height: int = 24, *, no_color: bool = False) -> Console:
    return Console(
        record=True,
        width=width,
        height=height,
        force_terminal=True,
        color_system="truecolor",
        no_color=no_color,
        file=io.StringIO(),
    )


def raw_output(console: Console) -> str:
    file = console.file
    assert isinstance(file, io.StringIO)
    return file.getvalue()


def live(console: Console) -> tuple[LiveReporter, Clock]:
    clock = Clock()
    reporter = LiveReporter(console, clock.now, clock.monotonic, auto_refresh=False)
    protocol: Reporter = reporter
    assert protocol is reporter
    return reporter, clock


LONG_QUOTA = (
    "QuotaExceeded: quota exceeded for family standardDSv3 in region westeurope; request an"
    " increase in the Azure portal and try again later (requested 64 cores, limit 32)"
)


def final_outcomes() -> list[Outcome]:
    return [
        Outcome(RUN, ExitCode.OK, snap(RUN, State.SUCCEEDED, progress=1.0, started_at=at(1000))),
        Outcome(NOFRAC, ExitCode.OK, snap(NOFRAC, State.SUCCEEDED, started_at=at(995))),
        Outcome(PEND, ExitCode.TIMEOUT, snap(PEND, State.PENDING), "timed out after 1m00s"),
        Outcome(FAIL, ExitCode.FAILED, FAILED_OP, LONG_QUOTA),
        Outcome(DONE, ExitCode.OK, DONE_OP),
        Outcome(
            RETRY,
            ExitCode.UNREACHABLE,
            snap(RETRY, State.RUNNING),
            "gave up after 5 tries: 503 Service Unavailable",
        ),
        Outcome(GONE, ExitCode.NOT_FOUND, None, "no such task"),
    ]


# The timed-out one (still pending) has no line: the table says all there is.
OUTCOME_LINES = [
    f"✗ azure:az-op-31 failed: {LONG_QUOTA} (exit 1)",
    "● lakesail:ls-job-9 running: gave up after 5 tries: 503 Service Unavailable (exit 6)",
    "✗ gcore-eu:task-404 not found: no such task (exit 4)",
]
SUMMARY = "done in 1m00s: 1 pending, 1 running, 3 succeeded, 1 failed, 1 not found — exit 4"


def test_reporter_draws_the_rows_on_refresh() -> None:
    console = recording(80)
    reporter, clock = live(console)
    play(reporter, clock)
    reporter.refresh()
    text = console.export_text()
    frame = text[text.rindex("PROFILE") :].splitlines()
    assert len(frame) == 1 + len(ALL) + len(PLAYED_FOOTER[80])
    symbols = {RUN: "●", NOFRAC: "●", PEND: "◷", FAIL: "✗", DONE: "✓", RETRY: "●", GONE: "✗"}
    for n, r in enumerate(ALL, start=1):
        assert KEY[r] in frame[n] and f"{symbols[r]} " in frame[n], frame[n]
    assert "50%" in the_line(frame, KEY[RUN])
    assert "✗ failed" in the_line(frame, KEY[FAIL])
    assert frame[1 + len(ALL) :] == PLAYED_FOOTER[80]
    assert all(cell_len(line) <= 80 for line in text.splitlines())
    # A terminal: the display draws in colour and in place.
    assert "\x1b[" in raw_output(console)


def test_reporter_redraws_in_place_with_the_clock() -> None:
    console = recording(200)
    reporter, clock = live(console)
    play(reporter, clock)
    reporter.refresh()
    clock.t = 60
    reporter.refresh()
    frames = console.export_text().split("PROFILE")
    assert "~40s" in frames[-2] and "~30s" in frames[-1]


def test_close_leaves_the_final_frame_then_the_failures_then_the_summary() -> None:
    console = recording(200, 40)
    reporter, clock = live(console)
    play(reporter, clock)
    reporter.refresh()
    clock.t = 60
    reporter.close(final_outcomes(), ExitCode.NOT_FOUND)
    text = console.export_text()
    after = text[text.rindex("PROFILE") :].splitlines()
    frame, tail = after[: 1 + len(ALL) + 1], after[1 + len(ALL) + 1 :]
    # The final frame: every row in its final state.
    table = cells(frame)
    assert table[short_id(RUN.id)]["STATE"] == "✓ succeeded"
    assert_bar(table[short_id(RUN.id)]["PROGRESS"], 100)
    assert table["op-5e1c"]["STATE"] == "✓ succeeded"
    assert table["az-op-31"]["STATE"] == "✗ failed"
    assert table["task-404"]["STATE"] == "✗ not found"
    assert table["br-pend-17"]["MESSAGE"] == "timed out after 1m00s"
    assert frame[-1] == (
        "✗ 1 failed · ● 1 running · ◷ 1 pending · ✓ 3 succeeded · ✗ 1 not found"
        " · 7 operations · 1m00s"
    )
    # Then one line per operation that did not succeed, messages whole, then the summary.
    assert tail == [*OUTCOME_LINES, SUMMARY]


def test_close_on_a_narrow_terminal_keeps_each_message_whole() -> None:
    console = recording(80, 40)
    reporter, clock = live(console)
    play(reporter, clock)
    clock.t = 60
    reporter.close(final_outcomes(), ExitCode.NOT_FOUND)
    text = console.export_text()
    final = text[text.rindex("PROFILE") :].splitlines()
    frame_row = the_line(final[: 1 + len(ALL)], KEY[FAIL])
    assert "…" in frame_row and "limit 32" not in frame_row  # the table cuts it
    # The footer at 80 takes two lines (70 cells, then `7 operations` would make it 85).
    footer = [
        "✗ 1 failed · ● 1 running · ◷ 1 pending · ✓ 3 succeeded · ✗ 1 not found",
        "7 operations · 1m00s",
    ]
    assert final[1 + len(ALL) : 1 + len(ALL) + 2] == footer
    tail = "\n".join(final[1 + len(ALL) + 2 :])
    # The console may wrap a long line; the words are all there, in order.
    assert " ".join(tail.split()) == " ".join([*OUTCOME_LINES, SUMMARY])
    assert all(cell_len(line) <= 80 for line in text.splitlines())


def test_close_tells_at_most_ten_failures_in_full() -> None:
    console = recording(120, 40)
    reporter, clock = live(console)
    refs = [ref(f"bad-{n:02d}", profile="p") for n in range(13)]
    for r in refs:
        reporter.update(r, op(r.id, State.RUNNING))
    outcomes = [
        Outcome(r, ExitCode.FAILED, op(r.id, State.FAILED, error=f"error {n}"), None)
        for n, r in enumerate(refs)
    ]
    outcomes.append(Outcome(ref("fine"), ExitCode.OK, op("fine", State.SUCCEEDED)))
    clock.t = 5
    reporter.close(outcomes, ExitCode.FAILED)
    text = console.export_text()
    tail = text[text.index("✗ 13 failed · ") :].splitlines()[1:]
    assert tail == [
        *(f"✗ p:bad-{n:02d} failed: error {n} (exit 1)" for n in range(10)),
        "… and 3 more that did not succeed",
        "done in 5s: 1 succeeded, 13 failed — exit 1",
    ]


def test_closing_twice_is_harmless_and_events_after_close_draw_nothing() -> None:
    console = recording(80)
    reporter, clock = live(console)
    play(reporter, clock)
    clock.t = 60
    reporter.close(final_outcomes(), ExitCode.NOT_FOUND)
    written = raw_output(console)
    reporter.close(final_outcomes(), ExitCode.NOT_FOUND)
    reporter.update(RUN, running(0.7))
    reporter.retrying(RUN, "503", 1)
    reporter.notice("late")
    reporter.tick()
    reporter.refresh()
    assert raw_output(console) == written
    assert written.count("done in") == 1


def test_closing_without_any_event_prints_only_the_summary() -> None:
    console = recording(80)
    reporter, clock = live(console)
    clock.t = 12
    reporter.close([], ExitCode.OK)
    assert console.export_text() == "done in 12s — exit 0\n"
    assert "\x1b[?25l" not in raw_output(console)  # no display was ever started


def test_the_display_fits_the_console_height() -> None:
    console = recording(80, 10)
    reporter, _ = live(console)
    board, _, _ = thousand()
    reporter.board = board
    reporter.tick()
    reporter.refresh()
    frame = console.export_text().splitlines()
    # One line is left for the cursor: 9 lines, the header, 5 rows, the fold line and the
    # footer on two lines at 80.
    assert len(frame) == 9
    assert frame[-2:] == THOUSAND_FOOTER[80]
    assert frame[-3] == "… 995 more not shown: 5 failed, 300 running, 590 pending, 100 succeeded"
    assert all("✗ failed" in line for line in frame[1:6])


def test_without_colour_the_symbols_still_tell_the_states_apart() -> None:
    console = recording(200, no_color=True)
    reporter, clock = live(console)
    play(reporter, clock)
    reporter.refresh()
    raw = raw_output(console)
    sgr = [m.group(1) for m in re.finditer(r"\x1b\[([\d;]*)m", raw)]
    colours = [
        p for params in sgr for p in params.split(";") if re.fullmatch(r"3[0-9]|4[0-9]|9[0-7]", p)
    ]
    assert colours == []  # no colour at all...
    table = cells(console.export_text().splitlines())
    states = {id: row["STATE"] for id, row in table.items()}
    # ...yet each state reads by its symbol: one symbol per state.
    symbol_of: dict[str, set[str]] = {}
    for state in states.values():
        symbol_of.setdefault(state.split(" ", 1)[1], set()).add(state[0])
    assert symbol_of == {
        "running": {"●"},
        "pending": {"◷"},
        "failed": {"✗"},
        "succeeded": {"✓"},
        "not found": {"✗"},
    }


def test_server_text_reaches_the_console_inert() -> None:
    console = recording(80)
    reporter, _ = live(console)
    r = ref("x-1", profile="p")
    reporter.update(r, op("x-1", State.RUNNING, message="[bold red]not markup[/] " + HOSTILE))
    reporter.refresh()
    failed = op("x-1", State.FAILED, error=HOSTILE)
    reporter.close(
        [Outcome(r, ExitCode.FAILED, failed, "[link=http://x]" + HOSTILE)], ExitCode.FAILED
    )
    raw = raw_output(console)
    for bad in ("\x1b]", "\x1b[2J", "\x9b", "\x07", "title"):
        assert bad not in raw
    text = console.export_text()
    assert "[bold red]not markup[/]" in text
    assert "p:x-1 failed: [link=http://x]okredover (exit 1)" in text


# The plain reporter fed the same stream.

STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ  ")


def plain() -> tuple[PlainReporter, Clock, list[str]]:
    clock = Clock()
    written: list[str] = []
    return PlainReporter(written.append, clock.now, clock.monotonic), clock, written


def test_plain_mode_writes_one_line_per_state_change() -> None:
    reporter, clock, written = plain()
    play(reporter, clock)
    assert all(chunk.endswith("\n") and chunk.count("\n") == 1 for chunk in written)
    assert [chunk[:-1] for chunk in written] == [
        "2026-01-01T00:16:50Z  gcore-prod  d4a4b10e-7c…  create_vm  → running  20%  copying disk",
        "2026-01-01T00:16:50Z  gcp  op-5e1c  build  → running  building image",
        "2026-01-01T00:16:50Z  neon-dev  br-pend-17  start_compute  → pending",
        "2026-01-01T00:16:50Z  azure  az-op-31  deploy  → running  10%",
        "2026-01-01T00:16:50Z  redpanda  rp-ok-4  create_cluster  → running  60%",
        "2026-01-01T00:16:50Z  lakesail  ls-job-9  run_job  → running  queued",
        # 0.3 at t=25 is held back (progress lines at most every 30 s).
        "2026-01-01T00:17:15Z  azure  az-op-31  deploy  running → failed  10%"
        "  QuotaExceeded: quota exceeded",
        "2026-01-01T00:17:20Z  gcore-prod  d4a4b10e-7c…  create_vm  running  50%  copying disk",
        "2026-01-01T00:17:20Z  redpanda  rp-ok-4  create_cluster  running → succeeded  100%",
        "2026-01-01T00:17:22Z  lakesail  ls-job-9  503 Service Unavailable: retrying in 4s",
        "2026-01-01T00:17:25Z  gcore-eu  task-404  not found: no such task (exit 4)",
    ]
    clock.t = 60
    reporter.close(final_outcomes(), ExitCode.NOT_FOUND)
    assert STAMP.sub("", written[-1]) == SUMMARY + "\n"
    assert "\x1b" not in "".join(written)


def test_plain_mode_has_no_escape_codes_whatever_the_server_sends() -> None:
    reporter, clock, written = plain()
    play(reporter, clock)
    nasty = ref("n\x1b[31m", profile="p\x1b]0;title\x07")
    reporter.update(nasty, op(nasty.id, State.RUNNING, type="t\x9b2J", message=HOSTILE))
    reporter.retrying(nasty, HOSTILE, 2)
    reporter.finished(Outcome(nasty, ExitCode.FAILED, op(nasty.id, State.FAILED), HOSTILE))
    reporter.notice(HOSTILE)
    reporter.close(final_outcomes(), ExitCode.FAILED)
    text = "".join(written)
    for bad in ("\x1b", "\x9b", "\x07", "\r", "title"):
        assert bad not in text
    assert all(STAMP.match(chunk) for chunk in written)
    assert "okredover" in text  # what is left of the server text is still told


def test_plain_mode_heartbeat_after_300_seconds_of_silence() -> None:
    reporter, clock, written = plain()
    play(reporter, clock)  # the last line at t=45
    count = len(written)
    for t in range(50, 345, 5):
        clock.t = t
        reporter.tick()
    assert len(written) == count
    clock.t = 345
    reporter.tick()
    assert written[-1] == (
        "2026-01-01T00:22:25Z  still waiting: 3 running, 1 pending (elapsed 5m45s)\n"
    )
    clock.t = 644
    reporter.tick()
    assert len(written) == count + 1
    clock.t = 645
    reporter.tick()
    assert STAMP.sub("", written[-1]) == "still waiting: 3 running, 1 pending (elapsed 10m45s)\n"
