"""Machine output: the JSON and NDJSON shapes of SPEC.md "Machine output".

These are a contract, like the exit codes: every key is always present (`null` when unknown), so
scripts can read `.state` or `.resources[].id` without testing for keys first. Server text is kept
as the server sent it; JSON escaping (and `_escape_invisible`) keeps it from acting on a terminal.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timezone
from typing import Any

from lro_cli.errors import ExitCode
from lro_cli.model import ErrorInfo, Operation, Outcome, Progress, State

OPERATION_KEYS: tuple[str, ...] = (
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
)
PROGRESS_KEYS: tuple[str, ...] = ("fraction", "stage", "message", "counts")
ERROR_KEYS: tuple[str, ...] = ("code", "message", "retryable", "details")
SUMMARY_KEYS: tuple[str, ...] = tuple(state.value for state in State)

# json.dumps escapes C0 controls but, with ensure_ascii=False, lets C1 controls (\x9b is an 8-bit
# CSI), line separators and bidirectional overrides through raw; they are escaped here so that
# `lro … --output json` printed on a terminal stays inert while other text stays readable.
_INVISIBLE = re.compile("[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC with a `+00:00` offset; a naive time is taken to be UTC already."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).isoformat()


def _code_text(code: object) -> str | None:
    if code is None or isinstance(code, str):
        return code
    if isinstance(code, float) and code.is_integer():
        return str(int(code))
    return str(code)


def _progress(progress: Progress | None) -> dict[str, Any] | None:
    if progress is None:
        return None
    return {
        "fraction": progress.fraction,
        "stage": progress.stage,
        "message": progress.message,
        "counts": dict(progress.counts) if progress.counts is not None else None,
    }


def _error(error: ErrorInfo | None) -> dict[str, Any] | None:
    if error is None:
        return None
    return {
        "code": _code_text(error.code),
        "message": error.message,
        "retryable": error.retryable,
        "details": {str(key): str(value) for key, value in (error.details or {}).items()},
    }


def operation_to_dict(op: Operation, *, raw: bool = False) -> dict[str, Any]:
    """One operation as SPEC.md's JSON object; `raw` adds the provider's payload as `raw`."""
    result: dict[str, Any] = {
        "profile": op.profile,
        "provider": op.provider,
        "id": op.id,
        "type": op.type,
        "state": op.state.value,
        "raw_state": op.raw_state,
        "resources": [{"id": res.id, "type": res.type} for res in op.resources],
        "progress": _progress(op.progress),
        "error": _error(op.error),
        "created_at": iso(op.created_at),
        "started_at": iso(op.started_at),
        "updated_at": iso(op.updated_at),
        "finished_at": iso(op.finished_at),
    }
    if raw:
        result["raw"] = dict(op.raw) if op.raw is not None else None
    return result


def outcome_to_dict(outcome: Outcome, *, raw: bool = False) -> dict[str, Any]:
    """An outcome's last operation; one never seen keeps the same keys, `state` null.

    An operation that was never read (not found, unreachable, refused) has no state, so `state`
    is null, `resources` empty, and `error.message` says why, so a script iterating an array of
    results finds the same shape in every element.
    """
    if outcome.operation is not None:
        return operation_to_dict(outcome.operation, raw=raw)
    ref = outcome.ref
    result: dict[str, Any] = dict.fromkeys(OPERATION_KEYS)
    result.update(profile=ref.profile, provider=ref.provider, id=ref.id, resources=[])
    if outcome.message:
        result["error"] = {
            "code": None,
            "message": outcome.message,
            "retryable": None,
            "details": {},
        }
    if raw:
        result["raw"] = None
    return result


def _escape_invisible(text: str) -> str:
    return _INVISIBLE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


def dumps_one(value: Mapping[str, Any]) -> str:
    """One JSON object, indented, ending in a newline (for `get`/`wait` naming one operation)."""
    return _escape_invisible(json.dumps(value, indent=2, ensure_ascii=False)) + "\n"


def dumps_many(values: Iterable[Mapping[str, Any]]) -> str:
    """A JSON array, indented, ending in a newline; an empty input gives `[]`."""
    text = json.dumps(list(values), indent=2, ensure_ascii=False)
    return _escape_invisible(text) + "\n"


def dumps_line(value: Mapping[str, Any]) -> str:
    """One NDJSON line: compact, newline-terminated, no raw line breaks inside."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return _escape_invisible(text) + "\n"


def state_summary(outcomes: Iterable[Outcome]) -> dict[str, int]:
    """A count for each of the six states; an operation never read counts as `unknown`."""
    counts = dict.fromkeys(SUMMARY_KEYS, 0)
    for outcome in outcomes:
        state = outcome.operation.state if outcome.operation is not None else State.UNKNOWN
        counts[state.value] += 1
    return counts


def ndjson_state_event(op: Operation, time: datetime, *, raw: bool = False) -> dict[str, Any]:
    return {"event": "state", "time": iso(time), "operation": operation_to_dict(op, raw=raw)}


def ndjson_done_event(
    time: datetime, exit_code: ExitCode | int, summary: Mapping[str, int]
) -> dict[str, Any]:
    """The last NDJSON event; states missing from `summary` count 0, other keys are dropped."""
    return {
        "event": "done",
        "time": iso(time),
        "exit_code": int(exit_code),
        "summary": {key: int(summary.get(key, 0)) for key in SUMMARY_KEYS},
    }


def dumps_outcomes(outcomes: Sequence[Outcome], *, one: bool, raw: bool = False) -> str:
    """`get`/`wait --output json`: one object when the command line named exactly one operation."""
    if one and len(outcomes) == 1:
        return dumps_one(outcome_to_dict(outcomes[0], raw=raw))
    return dumps_many(outcome_to_dict(outcome, raw=raw) for outcome in outcomes)
