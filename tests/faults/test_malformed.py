"""Row "a 2xx body that is truncated, not JSON, or lacks the state field" of the fault matrix.

SPEC.md "Polling": such a body is transient (retried with the backoff formula); one that stays
unreadable 3 polls in a row is exit 7. Google's operation has no state field: a body without
`done` is a running operation (PROVIDERS.md, AIP-151), so there the third unreadable body is
another one, JSON that is not an Operation.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

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
    script,
)
from tests.integration.harness import Result


def _unreadable(dialect: str, requests: list[int]) -> list[dict[str, Any]]:
    """Not JSON, half a document, then no state field (Google: JSON that is no Operation)."""
    garbage, truncated, stateless = requests
    third: dict[str, Any] = {"request": stateless, "kind": "missing_state"}
    if dialect == "google":
        third = {"request": stateless, "kind": "garbage", "body": "[1, 2, 3]"}
    return [
        {"request": garbage, "kind": "garbage"},
        {"request": truncated, "kind": "truncated"},
        third,
    ]


def _three_in_a_row(tmp: Path) -> tuple[Process, Result]:
    operations = [script(d, op_id(d, "mf"), faults=_unreadable(d, [2, 3, 4])) for d in DIALECTS]
    rig = Process(tmp, *operations)
    return rig, rig.wait_every("mf")


def test_three_unreadable_bodies_in_a_row_exit_7(shared: Shared, dialect: str) -> None:
    rig, result = shared.get("three", _three_in_a_row)
    name = op_id(dialect, "mf")
    line = outcome_line(result.err, dialect, name)
    assert "  running: " in line and "(3 in a row)" in line and line.endswith("(exit 7)"), line
    third = "garbage" if dialect == "google" else "missing_state"
    # No request after the third.
    assert [r.fault for r in rig.polls(name)] == [None, "garbage", "truncated", third]
    retries = [ln for ln in result.err.splitlines() if f"  {name}  " in ln and "retrying" in ln]
    assert len(retries) == 2
    assert result.code == 7


def test_unreadable_bodies_that_do_not_last_are_retried_with_backoff(
    in_process: Callable[..., InProcess], dialect: str
) -> None:
    # Two in a row, a good one, two more: never three in a row.
    faults = [*_unreadable(dialect, [2, 3, 5]), {"request": 6, "kind": "truncated"}]
    rig = in_process(script(dialect, "op-1", ends=120, faults=faults), settings={"interval": "4s"})
    waited = rig.wait(dialect, "op-1")
    assert waited.code == 0, waited.err
    assert waited.out.splitlines() == [resource_id("op-1")]
    gaps = rig.gaps("op-1")
    # The n-th retry in a row: after polls 2 and 3 (n = 1, 2), 5 and 6 (n = 1, 2 again).
    for index, n in ((1, 1), (2, 2), (4, 1), (5, 2)):
        low, high = backoff_bounds(4.0, n, 1.0)
        assert low - EPSILON <= gaps[index] <= high + EPSILON, (index, gaps[:7])
    assert 3.6 - EPSILON <= gaps[3] <= 4.4 + EPSILON  # a good answer: the interval again
    assert waited.err.count("retrying in") == 4


def test_google_reads_a_body_without_done_as_running(
    in_process: Callable[..., InProcess],
) -> None:
    missing = {"request": list(range(2, 12)), "kind": "missing_state"}
    rig = in_process(
        script("google", "op-1", ends=30, faults=[missing]), settings={"interval": "2s"}
    )
    waited = rig.wait("google", "op-1")
    assert waited.code == 0, waited.err
    assert "retrying" not in waited.err  # ten bodies without `done`: an operation still running
    assert len(rig.polls("op-1")) > 12
