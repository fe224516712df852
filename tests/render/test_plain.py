from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from lro_cli.errors import ExitCode
from lro_cli.model import ErrorInfo, Operation, State
from lro_cli.render.base import Reporter
from lro_cli.render.plain import PlainReporter
from tests.factories import at, op, outcome, ref

NEON = ref("274e240f-1e7d-4c2b", profile="neon-dev", provider="neon")
TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ  ")


def neon(
    state: State | str, fraction: float | None = None, message: str | None = None
) -> Operation:
    return op(
        NEON.id,
        state,
        profile="neon-dev",
        provider="neon",
        type="start_compute",
        progress=fraction,
        message=message,
    )


class Script:
    """A PlainReporter with a hand-driven clock and its output as lines."""

    def __init__(self, heartbeat_every: float = 300.0) -> None:
        self.t = 0.0
        self.written: list[str] = []
        self.reporter = PlainReporter(
            self.written.append, self.now, lambda: self.t, heartbeat_every=heartbeat_every
        )
        self.as_protocol: Reporter = self.reporter

    def now(self) -> datetime:
        return at(self.t)

    @property
    def lines(self) -> list[str]:
        assert all(chunk.endswith("\n") and chunk.count("\n") == 1 for chunk in self.written)
        return [chunk[:-1] for chunk in self.written]

    def body(self, index: int) -> str:
        """A line without its time."""
        return TIME.sub("", self.lines[index])


def test_one_line_per_state_change_with_utc_time_and_arrows() -> None:
    s = Script()
    s.t = 5
    s.reporter.update(NEON, neon(State.PENDING))
    s.reporter.update(NEON, neon(State.PENDING))
    s.t = 10
    s.reporter.update(NEON, neon(State.RUNNING, 0.4, "booting"))
    s.reporter.update(NEON, neon(State.RUNNING, 0.4, "booting"))
    assert s.lines == [
        "2026-01-01T00:00:05Z  neon-dev  274e240f-1e…  start_compute  → pending",
        "2026-01-01T00:00:10Z  neon-dev  274e240f-1e…  start_compute  pending → running  40%"
        "  booting",
    ]


def test_time_is_utc_whatever_the_clock_zone() -> None:
    s = Script()
    tokyo = timezone(timedelta(hours=9))
    s.reporter.now = lambda: datetime(2026, 1, 1, 9, 0, 5, tzinfo=tokyo)
    s.reporter.update(NEON, neon(State.RUNNING))
    assert s.lines[0].startswith("2026-01-01T00:00:05Z  ")


def test_progress_lines_are_throttled() -> None:
    s = Script()
    s.reporter.update(NEON, neon(State.RUNNING, 0.1, "a"))
    for second in range(1, 30):
        s.t = second
        s.reporter.update(NEON, neon(State.RUNNING, second / 100, "a"))
    assert len(s.lines) == 1
    s.t = 30
    s.reporter.update(NEON, neon(State.RUNNING, 0.5, "b"))
    assert s.body(1) == "neon-dev  274e240f-1e…  start_compute  running  50%  b"
    s.t = 31  # a state change is never held back
    s.reporter.update(NEON, neon(State.SUCCEEDED, 1.0))
    assert s.body(2) == "neon-dev  274e240f-1e…  start_compute  running → succeeded  100%"


def test_unknown_state_is_shown_raw_and_warned_once() -> None:
    s = Script()
    s.reporter.update(NEON, neon(State.RUNNING))
    s.reporter.update(NEON, op(NEON.id, State.UNKNOWN, profile="neon-dev", raw_state="PAUSING"))
    s.reporter.update(NEON, op(NEON.id, State.UNKNOWN, profile="neon-dev", raw_state="PAUSING"))
    s.reporter.update(NEON, op(NEON.id, State.UNKNOWN, profile="neon-dev", raw_state="PAUSED"))
    bodies = [s.body(i) for i in range(len(s.lines))]
    assert "running → unknown [PAUSING]" in bodies[1]
    assert bodies[2].endswith(
        "warning: unrecognized state 'PAUSING', shown as unknown; still polling"
    )
    assert "unknown [PAUSING] → unknown [PAUSED]" in bodies[3]
    assert sum("warning" in body for body in bodies) == 1


def test_retrying_line() -> None:
    s = Script()
    s.reporter.retrying(NEON, "503 Service Unavailable", 4.0)
    assert s.body(0) == "neon-dev  274e240f-1e…  503 Service Unavailable: retrying in 4s"


def test_heartbeat_only_after_300_seconds_of_silence() -> None:
    s = Script()
    s.reporter.update(NEON, neon(State.RUNNING))
    s.reporter.update(ref("b"), op("b", State.PENDING))
    s.reporter.retrying(ref("c"), "connection reset", 2)
    for second in range(0, 300, 5):
        s.t = second
        s.reporter.tick()
    assert len(s.lines) == 3
    s.t = 300
    s.reporter.tick()
    assert s.lines[3] == (
        "2026-01-01T00:05:00Z  still waiting: 1 running, 1 pending, 1 not yet read (elapsed 5m00s)"
    )
    s.t = 400
    s.reporter.update(NEON, neon(State.SUCCEEDED))
    s.reporter.finished(outcome(neon(State.SUCCEEDED)))
    s.t = 699
    s.reporter.tick()
    assert len(s.lines) == 5
    s.t = 700
    s.reporter.tick()
    assert s.body(5) == "still waiting: 1 pending, 1 not yet read (elapsed 11m40s)"


def test_finished_line_only_when_not_success() -> None:
    s = Script()
    s.reporter.finished(outcome(neon(State.SUCCEEDED)))
    assert len(s.lines) == 1  # the state line, nothing more
    failed = op("b", State.FAILED, error=ErrorInfo(code="QUOTA", message="no quota"))
    s.reporter.finished(outcome(failed, ExitCode.FAILED))
    assert s.body(1) == "p  b  create_vm  → failed  QUOTA: no quota"
    assert len(s.lines) == 2  # the error was already on the state line
    slow = op("slow", State.RUNNING, type="create_cluster")
    s.reporter.update(ref("slow"), slow)
    s.reporter.finished(outcome(slow, ExitCode.TIMEOUT, message="timed out after 60m"))
    assert s.body(2) == "p  slow  create_cluster  → running"
    assert s.body(3) == "p  slow  create_cluster  running: timed out after 60m (exit 124)"
    s.reporter.finished(outcome(None, ExitCode.NOT_FOUND, message="no such operation", id="zz"))
    assert s.body(4) == "p  zz  not found: no such operation (exit 4)"
    assert len(s.lines) == 5


def test_summary_line() -> None:
    s = Script()
    s.t = 42
    outcomes = [
        outcome(op("a", State.SUCCEEDED)),
        outcome(op("b", State.SUCCEEDED)),
        outcome(op("c", State.SUCCEEDED)),
        outcome(op("d", State.FAILED), ExitCode.FAILED),
        outcome(None, ExitCode.NOT_FOUND, id="e"),
    ]
    s.reporter.close(outcomes, ExitCode.NOT_FOUND)
    assert s.lines == [
        "2026-01-01T00:00:42Z  done in 42s: 3 succeeded, 1 failed, 1 not found — exit 4"
    ]


def test_server_text_cannot_reach_the_terminal() -> None:
    s = Script()
    nasty = "\x1b]0;title\x07a\x1b[2Jb\x1b[31mc\x9b1md\re\nf"
    s.reporter.update(NEON, neon(State.RUNNING, None, nasty))
    s.reporter.retrying(NEON, nasty, 1)
    failed = op("x", State.FAILED, type="t\x1b[2J", raw_state="F\x07")
    s.reporter.finished(outcome(failed, ExitCode.FAILED, message=nasty))
    s.reporter.close([outcome(failed, ExitCode.FAILED)], ExitCode.FAILED)
    text = "".join(s.written)
    assert "\x1b" not in text and "\x9b" not in text and "\x07" not in text and "\r" not in text
    assert text.count("\n") == len(s.lines) == 5
    assert "running  abcde f" in text
