"""Row "404 before the first good poll / 404 or 410 after one" of the fault matrix.

SPEC.md "Polling": a 404 before the first good poll is retried for `not_found_grace` (15 s by
default; 1 s in the real-process runs), then exit 4; a 404 or 410 after a good poll gets one
confirming poll, then exit 4 naming the last state seen.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.faults.matrix import (
    DIALECTS,
    EPSILON,
    InProcess,
    Process,
    Shared,
    op_id,
    outcome_line,
    resource_id,
    script,
    status_fault,
)
from tests.integration.harness import Result

NEVER = list(range(1, 200))


def _message(dialect: str) -> str:
    return f"{dialect}: no such operation in this project"


# -- real processes -------------------------------------------------------------------------------


def _not_found(tmp: Path) -> tuple[Process, tuple[Result, float]]:
    """Per dialect: one operation never found (404 with the provider's message), one that
    expires after a good poll (the simulator's own 404), one answering 410 after a good poll."""
    operations = []
    for dialect in DIALECTS:
        missing = status_fault(dialect, NEVER, 404, _message(dialect))
        operations.append(script(dialect, op_id(dialect, "nf"), faults=[missing]))
        operations.append(script(dialect, op_id(dialect, "ex"), expire_after=0.5))
        gone = {"request": [3, 4], "status": 410}
        operations.append(script(dialect, op_id(dialect, "gn"), faults=[gone]))
    rig = Process(tmp, *operations)
    for dialect in DIALECTS:  # its 0.5 s count from the first poll, not from a starting call
        rig.unstarted(dialect, op_id(dialect, "ex"))
    args = [*rig.every_arg("nf"), *rig.every_arg("ex"), *rig.every_arg("gn")]
    launched = time.monotonic()  # the simulator's clock
    return rig, (rig.run_wait(*args), launched)


def test_404_before_a_good_poll_is_retried_for_the_grace_then_exit_4(
    shared: Shared, dialect: str
) -> None:
    rig, (result, launched) = shared.get("not-found", _not_found)
    name = op_id(dialect, "nf")
    line = outcome_line(result.err, dialect, name)
    assert "not found" in line and "HTTP 404" in line and _message(dialect) in line, line
    assert line.endswith("(exit 4)")
    times = rig.times(name)
    assert set(rig.statuses(name)) == {404}
    assert len(times) >= 2  # retried in the grace (every 200 ms)…
    # …for 1 s from the start of the wait, which comes after `lro` was launched (and after
    # Redpanda's token exchange: the first request may come late, the last one never early).
    assert times[-1] - launched >= 1.0
    assert result.code == 4


@pytest.mark.parametrize("tag", ["ex", "gn"], ids=["404-expired", "410"])
def test_gone_after_a_good_poll_is_confirmed_once_then_exit_4_with_the_last_state(
    shared: Shared, dialect: str, tag: str
) -> None:
    rig, (result, _) = shared.get("not-found", _not_found)
    name = op_id(dialect, tag)
    line = outcome_line(result.err, dialect, name)
    assert "gone (last state running)" in line and line.endswith("(exit 4)"), line
    statuses = rig.statuses(name)
    gone = 404 if tag == "ex" else 410
    assert statuses[0] == 200 and statuses[-2:] == [gone, gone], statuses
    assert gone not in statuses[:-2]  # the first miss, one confirming poll, nothing after
    times = rig.times(name)
    assert times[-1] - times[-2] >= 0.1 - EPSILON  # min_interval apart
    assert result.code == 4


# -- in-process: the grace, exactly ---------------------------------------------------------------


def test_the_grace_runs_from_the_start_of_the_wait_exactly(
    in_process: Callable[..., InProcess], dialect: str
) -> None:
    rig = in_process(script(dialect, "op-1", faults=[{"request": NEVER, "kind": "expired"}]))
    waited = rig.wait(dialect, "op-1")
    assert waited.code == 4
    times = rig.times("op-1")
    assert times[-1] == pytest.approx(15.0)  # the default not_found_grace, the last try at it
    assert rig.clock.monotonic() == pytest.approx(15.0)
    assert len(times) >= 2  # retried at the interval (Azure's is 30 s: once, at the grace's end)
    line = outcome_line(waited.err, dialect, "op-1")
    assert "not found" in line, line


def test_found_within_the_grace_the_wait_goes_on(
    in_process: Callable[..., InProcess], dialect: str
) -> None:
    # Eventually consistent: the id answers 404 for 8 s after the starting call.
    rig = in_process(
        script(dialect, "op-1", ends=40, faults=[{"request": [1, 2, 3], "kind": "expired"}]),
        settings={"interval": "3s"},
    )
    waited = rig.wait(dialect, "op-1")
    assert waited.code == 0, waited.err
    assert waited.out.splitlines() == [resource_id("op-1")]
    assert rig.statuses("op-1")[:4] == [404, 404, 404, 200]


def test_a_404_not_confirmed_by_the_next_poll_is_forgotten(
    in_process: Callable[..., InProcess], dialect: str
) -> None:
    faults: list[dict[str, Any]] = [
        {"request": 3, "kind": "expired"},
        {"request": 7, "status": 410},
    ]
    rig = in_process(script(dialect, "op-1", ends=60, faults=faults), settings={"interval": "5s"})
    waited = rig.wait(dialect, "op-1")
    assert waited.code == 0, waited.err
    statuses = rig.statuses("op-1")
    assert statuses[2:4] == [404, 200] and statuses[6:8] == [410, 200]
    gaps = rig.gaps("op-1")
    assert gaps[2] == pytest.approx(1.0) and gaps[6] == pytest.approx(1.0)  # min_interval
