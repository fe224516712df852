"""Row "a state value nobody documented" of the fault matrix, in-process.

SPEC.md "The normalized model": a raw value the adapter does not recognize is `unknown` (or as
the dialect's rule in PROVIDERS.md says: Azure's any other value is running), shown with the raw
value, warned about once, never success; polling goes on.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.faults.matrix import (
    DONE,
    RUNNING,
    UNDOCUMENTED,
    InProcess,
    resource_id,
    script,
)


def _timeline(dialect: str) -> list[dict[str, Any]]:
    """Running, the undocumented value (30–90 s), running, the value again (120–180 s), done."""
    odd, _, _ = UNDOCUMENTED[dialect]
    running: dict[str, Any] = {"state": RUNNING[dialect]}
    done: dict[str, Any] = {"state": DONE[dialect]}
    if dialect == "google":  # `extra` keys stay until set again
        running["extra"], done["extra"] = {"done": False}, {"done": True}
    end = script(dialect, "op-1", ends=600)["timeline"][-1]
    return [
        {"at": 0, **running},
        {"at": 30, **odd},
        {"at": 90, **running},
        {"at": 120, **odd},
        {"at": 180, **running},
        {**end, **done},
    ]


def _events(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines()]


def test_an_undocumented_state_is_shown_raw_warned_once_and_polled_past(
    in_process: Callable[..., InProcess], dialect: str
) -> None:
    _, raw, state = UNDOCUMENTED[dialect]
    operation = {**script(dialect, "op-1", ends=600), "timeline": _timeline(dialect)}
    rig = in_process(operation, settings={"interval": "10s"})
    waited = rig.wait(dialect, "op-1", output="ndjson")
    assert waited.code == 0, waited.err
    events = _events(waited.out)
    seen = [(e["operation"]["state"], e["operation"]["raw_state"]) for e in events[:-1]]
    assert (state, raw) in seen, seen
    assert seen.index((state, raw)) < len(seen) - 1  # and it was not the end
    assert events[-1]["event"] == "done" and events[-1]["exit_code"] == 0
    final = events[-2]["operation"]
    assert final["state"] == "succeeded"
    assert [r["id"] for r in final["resources"]] == [resource_id("op-1")]
    # Polling went on through both spells of the odd value.
    assert len([t for t in rig.times("op-1") if 30 <= t < 90]) >= 5
    assert len([t for t in rig.times("op-1") if 120 <= t < 180]) >= 5
    warnings = [line for line in waited.err.splitlines() if "unrecognized state" in line]
    if state == "unknown":
        assert len(warnings) == 1, waited.err  # once, not at each spell nor each poll
        assert repr(raw) in warnings[0] and "still polling" in warnings[0]
    else:
        assert warnings == []  # Azure: any other value is running, by the dialect's rule


@pytest.mark.parametrize("output", ["ids", "json"])
def test_an_undocumented_state_that_lasts_is_never_success(
    in_process: Callable[..., InProcess], dialect: str, output: str
) -> None:
    odd, raw, state = UNDOCUMENTED[dialect]
    rig = in_process(script(dialect, "op-1", ends=None, first=odd), settings={"interval": "10s"})
    waited = rig.wait(dialect, "op-1", timeout="5m", output=output)
    assert waited.code == 124
    assert rig.clock.monotonic() == pytest.approx(300.0)
    assert len(rig.times("op-1")) >= 25
    if output == "ids":
        assert waited.out == ""
    else:
        document = json.loads(waited.out)
        assert (document["state"], document["raw_state"]) == (state, raw)
    if state == "unknown":
        assert raw in waited.err  # shown raw on the progress log
