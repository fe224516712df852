"""Progress as log lines: one line per state change, for standard error without a TTY.

`EventLog` decides what is worth a line (every state change, an unrecognized state once,
progress now and then, retries, non-success ends, the summary) and builds each line as styled
segments; `PlainReporter` writes their text.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from lro_cli.errors import ExitCode
from lro_cli.model import Operation, OperationRef, Outcome, State
from lro_cli.render.table import operation_message, progress_text, state_label, state_style
from lro_cli.render.text import clean, format_delay, format_duration, short_id, utc_stamp
from lro_cli.render.words import NEVER_READ

Segment = tuple[str, str]  # text, Rich style ("" for none)
Line = tuple[Segment, ...]
# Operations are told apart by profile and id, not by the whole OperationRef: the same
# operation may come back under a ref built elsewhere (an outcome), with another `arg`.
Key = tuple[str, str]


def key_of(ref: OperationRef) -> Key:
    return (ref.profile, ref.id)


# How an operation that was never read is counted in a summary, by why it ended.
_SUMMARY_ORDER: tuple[str, ...] = (
    *(state.value for state in State),
    *NEVER_READ.values(),
    "not read",
)
_WAITING_ORDER: tuple[str, ...] = (
    "running",
    "pending",
    "unknown",
    "not yet read",
    "succeeded",
    "failed",
    "cancelled",
)


def summary_counts(outcomes: Sequence[Outcome]) -> str:
    """`2 succeeded, 1 failed, 1 not found`: how the operations of a run ended."""
    counts = dict.fromkeys(_SUMMARY_ORDER, 0)
    for outcome in outcomes:
        if outcome.operation is not None:
            counts[outcome.operation.state.value] += 1
        else:
            counts[NEVER_READ.get(outcome.exit_code, "not read")] += 1
    return ", ".join(f"{count} {name}" for name, count in counts.items() if count)


def line_text(line: Line) -> str:
    return "".join(text for text, _ in line)


def _tail(*parts: Segment) -> list[Segment]:
    """Each non-empty part after two spaces: a missing field leaves no gap in the line."""
    out: list[Segment] = []
    for part in parts:
        if part[0]:
            out += [("  ", ""), part]
    return out


@dataclass
class _Said:
    """What the log last said about one operation."""

    label: str = ""
    percent: str = ""
    message: str = ""
    at: float = 0.0
    warned_unknown: bool = False


class EventLog:
    """The Reporter Protocol, turned into lines; subclasses decide where a line goes (`emit`).

    `progress_every` throttles lines for progress or message changes of one operation (None:
    never print them); state changes are always printed at once.
    """

    def __init__(
        self,
        now: Callable[[], datetime],
        monotonic: Callable[[], float],
        *,
        progress_every: float | None = 30.0,
    ) -> None:
        self.now = now
        self.monotonic = monotonic
        self.progress_every = progress_every
        self.started = monotonic()
        self.latest: dict[Key, Operation | None] = {}
        self.done: set[Key] = set()
        self._said: dict[Key, _Said] = {}

    def emit(self, line: Line) -> None:
        raise NotImplementedError

    # The Reporter Protocol.

    def update(self, ref: OperationRef, operation: Operation) -> None:
        key = key_of(ref)
        self.latest[key] = operation
        label = state_label(operation)
        percent, message = progress_text(operation), operation_message(operation)
        said = self._said.get(key)
        if said is None or said.label != label:
            arrow = f"{said.label} → " if said is not None else "→ "
            state = (arrow, ""), (label, state_style(operation.state))
        elif (percent, message) != (said.percent, said.message) and self._may_repeat(said):
            state = (("", ""), (label, state_style(operation.state)))
        else:
            return
        self.emit(
            (*self._head(key, operation), ("  ", ""), *state, *_tail((percent, ""), (message, "")))
        )
        said = self._said.setdefault(key, _Said())
        said.label, said.percent, said.message = label, percent, message
        said.at = self.monotonic()
        if operation.state is State.UNKNOWN and not said.warned_unknown:
            said.warned_unknown = True
            raw = clean(operation.raw_state) or "(none)"
            warning = f"warning: unrecognized state {raw!r}, shown as unknown; still polling"
            self.emit((*self._head(key, operation), ("  ", ""), (warning, "yellow")))

    def retrying(self, ref: OperationRef, message: str, delay: float) -> None:
        key = key_of(ref)
        self.latest.setdefault(key, None)
        op = self.latest[key]
        text = clean(message) or "no answer"
        retry = f"{text}: retrying in {format_delay(delay)}"
        self.emit((*self._head(key, op, with_type=False), ("  ", ""), (retry, "yellow")))

    def finished(self, outcome: Outcome) -> None:
        if outcome.operation is not None:
            self.update(outcome.ref, outcome.operation)
        key = key_of(outcome.ref)
        self.latest.setdefault(key, None)
        self.done.add(key)
        if outcome.exit_code is ExitCode.OK:
            return
        said = self._said.get(key)
        op = outcome.operation or self.latest[key]
        text = clean(outcome.message) or (operation_message(op) if op else "")
        if said is not None and text and text == said.message:
            return  # the state line already said it
        label = state_label(op) if op else NEVER_READ.get(outcome.exit_code, "not read")
        detail = f"{label}: {text}" if text else label
        style = state_style(op.state) if op else "red"
        self.emit(
            (
                *self._head(key, op),
                ("  ", ""),
                (f"{detail} (exit {int(outcome.exit_code)})", style),
            )
        )

    def notice(self, text: str) -> None:
        self.emit(((utc_stamp(self.now()), ""), ("  ", ""), (clean(text), "yellow")))

    def tick(self) -> None:
        pass

    def close(self, outcomes: Sequence[Outcome], exit_code: ExitCode) -> None:
        self.emit(self.summary_line(outcomes, exit_code))

    # Lines.

    def summary_line(self, outcomes: Sequence[Outcome], exit_code: ExitCode) -> Line:
        counts = summary_counts(outcomes)
        took = format_duration(self.monotonic() - self.started)
        text = f"done in {took}: {counts}" if counts else f"done in {took}"
        style = "green" if exit_code is ExitCode.OK else "red"
        return (
            (utc_stamp(self.now()), ""),
            ("  ", ""),
            (text, ""),
            (" — ", ""),
            (f"exit {int(exit_code)}", style),
        )

    def waiting_counts(self) -> str:
        """`2 running, 1 pending` for the operations not finished yet."""
        counts: dict[str, int] = {}
        for key, op in self.latest.items():
            if key not in self.done:
                name = op.state.value if op is not None else "not yet read"
                counts[name] = counts.get(name, 0) + 1
        return ", ".join(f"{counts[name]} {name}" for name in _WAITING_ORDER if counts.get(name))

    def _head(self, key: Key, op: Operation | None, *, with_type: bool = True) -> list[Segment]:
        profile, id = key
        return [
            (utc_stamp(self.now()), ""),
            *_tail(
                (clean(profile), "bold"),
                (short_id(op.id if op else id), ""),
                (clean(op.type) if op and with_type else "", "dim"),
            ),
        ]

    def _may_repeat(self, said: _Said) -> bool:
        if self.progress_every is None:
            return False
        return self.monotonic() - said.at >= self.progress_every


class PlainReporter(EventLog):
    """Progress for a log: plain lines with UTC times, no escape sequences, a heartbeat.

    `write` receives each line whole, newline included (`env.write_err` fits).
    """

    def __init__(
        self,
        write: Callable[[str], None],
        now: Callable[[], datetime],
        monotonic: Callable[[], float],
        heartbeat_every: float = 300.0,
        *,
        progress_every: float | None = 30.0,
    ) -> None:
        super().__init__(now, monotonic, progress_every=progress_every)
        self.write = write
        self.heartbeat_every = heartbeat_every
        self.last_output = self.started

    def emit(self, line: Line) -> None:
        self.write(line_text(line) + "\n")
        self.last_output = self.monotonic()

    def tick(self) -> None:
        if self.monotonic() - self.last_output < self.heartbeat_every:
            return
        counts = self.waiting_counts()
        elapsed = format_duration(self.monotonic() - self.started)
        what = f"still waiting: {counts}" if counts else "still waiting"
        self.emit(((utc_stamp(self.now()), ""), ("  ", ""), (f"{what} (elapsed {elapsed})", "")))
