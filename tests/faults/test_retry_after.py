"""Row "429 / 503 with Retry-After" of the fault matrix, in-process on the virtual clock.

SPEC.md "Polling": a Retry-After (seconds, or an HTTP date read against the response's `Date`)
on any response, 200 included, sets the next poll to max(Retry-After, min_interval), clamped to
10 minutes; negative counts as 0; garbage is ignored (the backoff formula holds). If the next
poll would cross the deadline, `lro` exits 124 at once. Waiting out a Retry-After does not count
against the error budget. The virtual clock is exact, so gaps are checked both ways here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.faults.matrix import (
    DIALECTS,
    EPSILON,
    InProcess,
    Process,
    Shared,
    backoff_bounds,
    op_id,
    outcome_line,
    resource_id,
    resume_words,
    script,
)
from tests.integration.harness import Result

INTERVAL, MIN_INTERVAL = 5.0, 2.0
SETTINGS = {"interval": "5s", "min_interval": "2s"}
BACKOFF = backoff_bounds(INTERVAL, 1, MIN_INTERVAL)  # [2.5, 5]
JITTERED = (INTERVAL * 0.9, INTERVAL * 1.1)

# name: (the fault on the 2nd poll, bounds of the gap before the 3rd)
CASES: dict[str, tuple[dict[str, Any], tuple[float, float]]] = {
    "seconds": ({"status": 429, "retry_after": "7"}, (7.0, 7.0)),
    "http-date": ({"status": 503, "retry_after_date": 9}, (9.0, 9.0)),
    # 2026-01-01T00:00:00Z is the virtual clock's start: a few seconds in the past.
    "past-date": (
        {"status": 503, "retry_after": "Thu, 01 Jan 2026 00:00:00 GMT"},
        BACKOFF,  # 0 s asked: the backoff is longer
    ),
    "zero": ({"status": 429, "retry_after": "0"}, BACKOFF),
    "negative": ({"status": 503, "retry_after": "-30"}, BACKOFF),
    "ten-hours": ({"status": 429, "retry_after": "36000"}, (600.0, 600.0)),  # clamped
    "garbage": ({"status": 503, "retry_after": "in a while"}, BACKOFF),
    "fraction": ({"status": 429, "retry_after": "2.5e3"}, BACKOFF),  # not delta-seconds
    "on-a-200": ({"status": 200, "retry_after": "13"}, (13.0, 13.0)),
    "zero-on-a-200": ({"status": 200, "retry_after": "0"}, (MIN_INTERVAL, MIN_INTERVAL)),
    "garbage-on-a-200": ({"status": 200, "retry_after": "later"}, JITTERED),
}


@pytest.mark.parametrize("case", CASES)
def test_retry_after_sets_the_next_poll(
    in_process: Callable[..., InProcess], dialect: str, case: str
) -> None:
    fault, (low, high) = CASES[case]
    rig = in_process(
        script(dialect, "op-1", ends=900, faults=[{"request": 2, **fault}]), settings=SETTINGS
    )
    waited = rig.wait(dialect, "op-1", timeout="3h")
    assert waited.code == 0, waited.err
    assert waited.out.splitlines() == [resource_id("op-1")]
    gaps = rig.gaps("op-1")
    assert low - EPSILON <= gaps[1] <= high + EPSILON, (case, gaps[:3])
    assert min(gaps) >= MIN_INTERVAL - EPSILON  # nothing polls faster, Retry-After 0 included
    assert rig.statuses("op-1")[1] == fault["status"]


@pytest.mark.parametrize("skew", [timedelta(hours=5), timedelta(hours=-3, minutes=-17)])
def test_an_http_date_is_read_against_the_responses_date_whatever_the_servers_clock(
    in_process: Callable[..., InProcess], dialect: str, skew: timedelta
) -> None:
    # Read against our clock, the date would be hours away (clamped to 10 minutes) or long
    # past; against the response's own Date it is 9 s.
    fault = {"request": 3, "status": 503, "retry_after_date": 9}
    rig = in_process(
        script(dialect, "op-1", ends=300, faults=[fault]), settings=SETTINGS, server_skew=skew
    )
    waited = rig.wait(dialect, "op-1", timeout="20m")
    assert waited.code == 0, waited.err
    gaps = rig.gaps("op-1")
    assert gaps[2] == pytest.approx(9.0)
    # Deadlines run on our monotonic clock: the server's wall clock moves none of them.
    assert all(JITTERED[0] - EPSILON <= gap <= JITTERED[1] + EPSILON for gap in gaps[3:])
    assert rig.clock.monotonic() == pytest.approx(rig.times("op-1")[-1])


@pytest.mark.parametrize("skew", [timedelta(hours=6), timedelta(hours=-6)])
def test_the_servers_clock_moves_no_deadline(
    in_process: Callable[..., InProcess], dialect: str, skew: timedelta
) -> None:
    rig = in_process(script(dialect, "op-1", ends=None), settings=SETTINGS, server_skew=skew)
    waited = rig.wait(dialect, "op-1", timeout="2m")
    assert waited.code == 124
    assert rig.clock.monotonic() == pytest.approx(120.0)
    assert max(rig.times("op-1")) <= 120.0


@pytest.mark.parametrize(
    ("status", "retry_after"),
    [(429, "90"), (503, "36000"), (200, "75")],
    ids=["429", "503-ten-hours", "200"],
)
def test_a_retry_after_past_the_deadline_exits_124_at_once(
    in_process: Callable[..., InProcess], dialect: str, status: int, retry_after: str
) -> None:
    fault = {"request": 3, "status": status, "retry_after": retry_after}
    rig = in_process(script(dialect, "op-1", ends=None, faults=[fault]), settings=SETTINGS)
    waited = rig.wait(dialect, "op-1", timeout="1m")
    assert waited.code == 124
    times = rig.times("op-1")
    assert len(times) == 3  # no request after the one that asked to wait past the deadline
    assert rig.clock.monotonic() == pytest.approx(times[-1])  # and no waiting either
    assert rig.clock.monotonic() < 60
    line = outcome_line(waited.err, dialect, "op-1")
    assert "running" in line and "--timeout" in line, line
    assert resume_words(waited.err)[:2] == ["lro", "wait"]
    assert "still runs server-side" in waited.err


def test_waiting_out_retry_after_is_not_charged_to_the_error_budget(
    in_process: Callable[..., InProcess], dialect: str
) -> None:
    # Three 503s asking for 4 minutes each: 12 minutes of failing, against a 5 minute budget.
    fault = {"request": [2, 3, 4], "status": 503, "retry_after": "240"}
    rig = in_process(script(dialect, "op-1", ends=900, faults=[fault]), settings=SETTINGS)
    waited = rig.wait(dialect, "op-1")
    assert waited.code == 0, waited.err
    assert waited.out.splitlines() == [resource_id("op-1")]
    assert rig.gaps("op-1")[1:4] == pytest.approx([240.0] * 3)
    assert "error budget" not in waited.err


# -- the same over real HTTP: lower bounds only ---------------------------------------------------


def _honoured(tmp: Path) -> tuple[Process, Result]:
    faults: list[dict[str, Any]] = [
        {"request": 2, "status": 429, "retry_after": "1"},
        {"request": 3, "status": 503, "retry_after_date": 1},  # the Date header's own second
    ]
    rig = Process(tmp, *[script(d, op_id(d, "ra"), ends=2.5, faults=faults) for d in DIALECTS])
    rig.unstarted("azure", op_id("azure", "ra"))  # its timeline, too, from the first poll
    return rig, rig.wait_every("ra")


def test_over_http_no_poll_comes_sooner_than_retry_after_asks(shared: Shared, dialect: str) -> None:
    rig, result = shared.get("retry-after", _honoured)
    name = op_id(dialect, "ra")
    assert resource_id(name) in result.out.splitlines()
    statuses = rig.statuses(name)
    # On a loaded machine the operation may end (2.5 s in) before the 503 is asked for.
    assert statuses[:2] == [200, 429] and statuses[2] in (503, 200), statuses
    asked = [1, 2] if statuses[2] == 503 else [1]  # the polls that carried a Retry-After
    gaps = rig.gaps(name)  # each is followed by another poll: the one that saw success
    assert all(gaps[i] >= 1.0 for i in asked), gaps  # SHORT polls every 200 ms otherwise
    assert result.code == 0, result.err
