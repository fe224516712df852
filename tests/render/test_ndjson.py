from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pytest

from lro_cli.errors import ExitCode
from lro_cli.model import Operation, OperationRef, Outcome, State
from lro_cli.render.base import Reporter
from lro_cli.render.ndjson import FanoutReporter, NdjsonReporter, NullReporter
from tests.factories import at, op, outcome, ref

A = ref("a")


class Stream:
    def __init__(self) -> None:
        self.t = 0.0
        self.chunks: list[str] = []
        self.reporter = NdjsonReporter(self.chunks.append, lambda: at(self.t))
        self.as_protocol: Reporter = self.reporter

    @property
    def events(self) -> list[dict[str, Any]]:
        assert all(c.endswith("\n") and c.count("\n") == 1 for c in self.chunks)
        return [json.loads(chunk) for chunk in self.chunks]


def test_state_events_on_first_sight_and_on_change_only() -> None:
    s = Stream()
    s.reporter.update(A, op("a", State.PENDING))
    s.reporter.update(A, op("a", State.PENDING))
    s.reporter.retrying(A, "503", 2)
    s.reporter.tick()
    s.t = 5
    s.reporter.update(A, op("a", State.RUNNING, progress=0.1))
    s.reporter.update(A, op("a", State.RUNNING, progress=0.1))
    s.t = 6
    s.reporter.update(A, op("a", State.RUNNING, progress=0.2))
    s.t = 7
    s.reporter.update(A, op("a", State.RUNNING, progress=0.2, message="copying"))
    s.reporter.update(
        A, op("a", State.RUNNING, raw_state="PROVISIONING", progress=0.2, message="copying")
    )
    events = s.events
    assert [e["event"] for e in events] == ["state"] * 5
    assert [e["time"] for e in events] == [
        "2026-01-01T00:00:00+00:00",
        "2026-01-01T00:00:05+00:00",
        "2026-01-01T00:00:06+00:00",
        "2026-01-01T00:00:07+00:00",
        "2026-01-01T00:00:07+00:00",
    ]
    assert [e["operation"]["state"] for e in events] == ["pending"] + ["running"] * 4
    assert events[3]["operation"]["progress"]["message"] == "copying"
    assert events[4]["operation"]["raw_state"] == "PROVISIONING"
    assert "raw" not in events[0]["operation"]


def test_done_event_closes_the_stream() -> None:
    s = Stream()
    done = op("a", State.SUCCEEDED)
    s.reporter.update(A, op("a", State.RUNNING))
    s.reporter.finished(outcome(done))  # the final state, if not reported yet, comes first
    s.reporter.finished(outcome(None, ExitCode.NOT_FOUND, id="b"))
    s.t = 12
    s.reporter.close([outcome(done), outcome(None, ExitCode.NOT_FOUND, id="b")], ExitCode.NOT_FOUND)
    events = s.events
    assert [e["event"] for e in events] == ["state", "state", "done"]
    assert events[1]["operation"]["state"] == "succeeded"
    assert events[2] == {
        "event": "done",
        "time": "2026-01-01T00:00:12+00:00",
        "exit_code": 4,
        "summary": {
            "pending": 0,
            "running": 0,
            "succeeded": 1,
            "failed": 0,
            "cancelled": 0,
            "unknown": 1,
        },
    }


def test_raw_payload_when_asked() -> None:
    chunks: list[str] = []
    reporter = NdjsonReporter(chunks.append, lambda: at(0), raw=True)
    reporter.update(A, op("a", raw={"status": "RUNNING"}))
    assert json.loads(chunks[0])["operation"]["raw"] == {"status": "RUNNING"}


class Recorder:
    def __init__(self, fail_on_close: bool = False) -> None:
        self.calls: list[str] = []
        self.fail_on_close = fail_on_close

    def update(self, ref: OperationRef, operation: Operation) -> None:
        self.calls.append(f"update {operation.id}")

    def retrying(self, ref: OperationRef, message: str, delay: float) -> None:
        self.calls.append(f"retrying {message} {delay}")

    def finished(self, outcome: Outcome) -> None:
        self.calls.append(f"finished {outcome.exit_code.name}")

    def tick(self) -> None:
        self.calls.append("tick")

    def close(self, outcomes: Sequence[Outcome], exit_code: ExitCode) -> None:
        self.calls.append(f"close {exit_code.name}")
        if self.fail_on_close:
            raise BrokenPipeError


def test_fanout_forwards_every_call_and_closes_everyone() -> None:
    first, second = Recorder(fail_on_close=True), Recorder()
    fanout: Reporter = FanoutReporter(first, second)
    fanout.update(A, op("a"))
    fanout.retrying(A, "503", 2.0)
    fanout.tick()
    fanout.finished(outcome(op("a", State.FAILED), ExitCode.FAILED))
    with pytest.raises(BrokenPipeError):
        fanout.close([], ExitCode.FAILED)
    expected = ["update a", "retrying 503 2.0", "tick", "finished FAILED", "close FAILED"]
    assert first.calls == expected
    assert second.calls == expected


def test_null_reporter_is_a_reporter_that_says_nothing() -> None:
    quiet: Reporter = NullReporter()
    quiet.update(A, op("a"))
    quiet.retrying(A, "503", 1)
    quiet.finished(outcome(op("a", State.FAILED), ExitCode.FAILED))
    quiet.tick()
    quiet.close([], ExitCode.FAILED)
