from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from lro_cli.errors import ExitCode
from lro_cli.model import ErrorInfo, Progress, Resource, State
from lro_cli.render.json import (
    dumps_line,
    dumps_many,
    dumps_one,
    ndjson_done_event,
    ndjson_state_event,
    operation_to_dict,
    outcome_to_dict,
    state_summary,
)
from tests.factories import at, op, outcome

# Written out from SPEC.md "Machine output", not imported: the test must catch a drift.
SPEC_KEYS = {
    "profile",
    "provider",
    "id",
    "type",
    "state",
    "raw_state",
    "resources",
    "progress",
    "error",
    "created_at",
    "started_at",
    "updated_at",
    "finished_at",
}


def test_every_key_present_and_null_when_unknown() -> None:
    data = operation_to_dict(op("a1", State.PENDING, type=None, raw_state="NEW"))
    assert set(data) == SPEC_KEYS
    assert data["state"] == "pending"
    assert data["raw_state"] == "NEW"
    assert data["type"] is None
    assert data["resources"] == []
    assert data["progress"] is None
    assert data["error"] is None
    for key in ("created_at", "started_at", "updated_at", "finished_at"):
        assert data[key] is None


def test_full_operation() -> None:
    data = operation_to_dict(
        op(
            "a1",
            State.FAILED,
            profile="neon-dev",
            provider="neon",
            type="start_compute",
            progress=Progress(0.4, "boot", "starting", {"done": 2, "total": 5}),
            error=ErrorInfo(code="QUOTA", message="no quota", retryable=False, retry_after=3.0),
            resources=(Resource("vm-1", "instance"), Resource("vol-2")),
            created_at=at(0),
            finished_at=at(65.5),
        )
    )
    assert set(data) == SPEC_KEYS
    assert data["profile"] == "neon-dev"
    assert data["provider"] == "neon"
    assert data["state"] == "failed"
    assert data["resources"] == [{"id": "vm-1", "type": "instance"}, {"id": "vol-2", "type": None}]
    assert data["progress"] == {
        "fraction": 0.4,
        "stage": "boot",
        "message": "starting",
        "counts": {"done": 2, "total": 5},
    }
    assert data["error"] == {
        "code": "QUOTA",
        "message": "no quota",
        "retryable": False,
        "details": {},
    }
    assert data["created_at"] == "2026-01-01T00:00:00+00:00"
    assert data["finished_at"] == "2026-01-01T00:01:05.500000+00:00"


@pytest.mark.parametrize("state", list(State), ids=lambda s: s.value)
def test_state_is_lowercase_text(state: State) -> None:
    assert operation_to_dict(op("a", state))["state"] == state.value.lower()


def test_times_are_converted_to_utc_with_offset() -> None:
    berlin = timezone(timedelta(hours=2))
    data = operation_to_dict(op(created_at=datetime(2026, 1, 1, 10, 0, tzinfo=berlin)))
    assert data["created_at"] == "2026-01-01T08:00:00+00:00"


@pytest.mark.parametrize(
    ("code", "text"), [(42, "42"), (503.0, "503"), ("E42", "E42"), (None, None)]
)
def test_error_code_is_text(code: object, text: str | None) -> None:
    error = ErrorInfo(code=code, message="m")  # type: ignore[arg-type]
    data = operation_to_dict(op(state=State.FAILED, error=error))
    assert data["error"]["code"] == text


def test_error_details_are_an_object_of_text() -> None:
    error = ErrorInfo(message="m", details={"errorType": "Quota", "requestId": "r-1"})
    data = operation_to_dict(op(state=State.FAILED, error=error))
    assert data["error"]["details"] == {"errorType": "Quota", "requestId": "r-1"}
    assert set(data["error"]) == {"code", "message", "retryable", "details"}


def test_raw_only_when_asked() -> None:
    operation = op(raw={"status": "RUNNING", "n": 1})
    assert "raw" not in operation_to_dict(operation)
    assert operation_to_dict(operation, raw=True)["raw"] == {"status": "RUNNING", "n": 1}
    assert operation_to_dict(op(raw=None), raw=True)["raw"] is None


def test_outcome_without_operation_keeps_the_same_keys() -> None:
    never = outcome(None, ExitCode.NOT_FOUND, message="not found", id="gone-1")
    data = outcome_to_dict(never)
    assert set(data) == SPEC_KEYS
    assert data["id"] == "gone-1"
    assert data["state"] is None
    assert data["resources"] == []
    assert data["error"]["message"] == "not found"
    assert set(outcome_to_dict(never, raw=True)) == SPEC_KEYS | {"raw"}


def test_outcome_with_operation_is_the_operation() -> None:
    operation = op("a1", State.SUCCEEDED)
    assert outcome_to_dict(outcome(operation)) == operation_to_dict(operation)


def test_one_is_an_object_many_is_an_array() -> None:
    first = operation_to_dict(op("a"))
    assert isinstance(json.loads(dumps_one(first)), dict)
    assert json.loads(dumps_many([first])) == [first]
    assert json.loads(dumps_many([])) == []
    assert dumps_one(first).endswith("}\n")


def test_terminal_controls_stay_escaped_in_json() -> None:
    nasty = "\x9b31m red \x1b]0;t\x07 \u202e rtl é"
    text = dumps_one(operation_to_dict(op(message=nasty)))
    assert not any(0x00 <= ord(ch) < 0x20 and ch != "\n" for ch in text)
    assert "\x9b" not in text and "\u202e" not in text
    assert "é" in text  # ordinary non-ASCII text stays readable
    assert json.loads(text)["progress"]["message"] == nasty


def test_ndjson_line_is_one_line() -> None:
    line = dumps_line(operation_to_dict(op(message="two\nlines\u2028here")))
    assert line.endswith("\n")
    assert line.count("\n") == 1 and "\u2028" not in line
    assert json.loads(line)["progress"]["message"] == "two\nlines\u2028here"


def test_state_event() -> None:
    event = ndjson_state_event(op("a", State.RUNNING), at(5))
    assert event["event"] == "state"
    assert event["time"] == "2026-01-01T00:00:05+00:00"
    assert set(event["operation"]) == SPEC_KEYS


def test_done_event_counts_all_six_states() -> None:
    outcomes = [
        outcome(op("a", State.SUCCEEDED)),
        outcome(op("b", State.SUCCEEDED)),
        outcome(op("c", State.FAILED), ExitCode.FAILED),
        outcome(None, ExitCode.NOT_FOUND, id="d"),
    ]
    event = ndjson_done_event(at(9), ExitCode.NOT_FOUND, state_summary(outcomes))
    assert event == {
        "event": "done",
        "time": "2026-01-01T00:00:09+00:00",
        "exit_code": 4,
        "summary": {
            "pending": 0,
            "running": 0,
            "succeeded": 2,
            "failed": 1,
            "cancelled": 0,
            "unknown": 1,
        },
    }
    assert ndjson_done_event(at(0), 0, {"failed": 1})["summary"]["succeeded"] == 0
