"""The live view's model and drawing: what is known of each operation, and one frame of it.

`LiveBoard` is pure (no terminal, no thread): tests feed it snapshots and read the text, and
`live.LiveReporter` draws it through Rich's `Live`. A frame holds only the rows that fit the
terminal (a Rich table of a thousand rows costs about 0.4 s of CPU); the others are counted in a
fold line and the footer.
"""

from __future__ import annotations

import heapq
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from rich.cells import cell_len
from rich.text import Text

from lro_cli.errors import ExitCode
from lro_cli.model import Operation, OperationRef, Outcome, State
from lro_cli.render.plain import Key, key_of
from lro_cli.render.table import (
    GAP,
    Column,
    as_aware,
    column_widths,
    elapsed_text,
    fitting_columns,
    operation_message,
    state_label,
    state_style,
    state_symbol,
)
from lro_cli.render.text import clean, format_delay, format_duration, short_id, truncate
from lro_cli.render.words import NEVER_READ, STOPS

BAR_WIDTH = 8
PULSE_WIDTH = 3
PULSE_STEPS_PER_SECOND = 8  # one cell a frame at the live view's rate
_PERCENT = " 100%"

# Minimum widths keep each cell readable: at 80 columns the ETA and TYPE columns give way
# rather than every column being cut to a stub.
LIVE_COLUMNS: tuple[Column, ...] = (
    Column("PROFILE", 8, 3),
    Column("ID", 10, 8),
    Column("TYPE", 10, 2),
    Column("STATE", 11, 9),  # "✓ succeeded" whole
    Column("PROGRESS", 12, 5),
    Column("MESSAGE", 12, 6, flexible=True),
    Column("ELAPSED", 7, 4),
    Column("ETA", 6, 1),
)
_STATE, _PROGRESS, _MESSAGE = 3, 4, 5
_FOOTER_ORDER: tuple[str, ...] = (
    "failed",
    "cancelled",
    "unknown",
    "running",
    "pending",
    "waiting",
    "succeeded",
    *dict.fromkeys(NEVER_READ.values()),
    "stopped",
)
_FOOTER_SYMBOL: dict[str, State] = {state.value: state for state in State}
_FOOTER_SYMBOL["waiting"] = _FOOTER_SYMBOL["stopped"] = State.PENDING


@dataclass
class _Row:
    key: Key
    order: int
    first_seen: float
    op: Operation | None = None
    retry: str = ""  # the last transient failure, until a good poll
    ended_at: float | None = None
    exit_code: ExitCode | None = None
    end_message: str = ""
    # The first and latest (monotonic time, fraction) seen: the rate for an ETA.
    first_progress: tuple[float, float] | None = None
    last_progress: tuple[float, float] | None = None

    @property
    def fraction(self) -> float | None:
        if self.op is None or self.op.progress is None or self.op.progress.fraction is None:
            return None
        return min(1.0, max(0.0, self.op.progress.fraction))

    @property
    def failed(self) -> bool:
        """Ended badly: the provider said so, or the wait could not go on."""
        if self.exit_code is None or self.exit_code in STOPS:
            return False
        return self.exit_code not in (ExitCode.OK, ExitCode.IN_PROGRESS)

    def footer_name(self) -> str:
        if self.op is not None:
            return self.op.state.value
        if self.exit_code is None:
            return "waiting"
        if self.exit_code in STOPS or self.exit_code is ExitCode.IN_PROGRESS:
            return "stopped"
        return NEVER_READ.get(self.exit_code, "stopped")


class LiveBoard:
    """Everything the live view knows, and one frame of it for a given width and height."""

    def __init__(self, now: Callable[[], datetime], monotonic: Callable[[], float]) -> None:
        self.now = now
        self.monotonic = monotonic
        self.started = monotonic()
        self.rows: dict[Key, _Row] = {}
        self.notice = ""  # one line for the footer (a listing that failed, say)
        self.lock = threading.Lock()

    # What happened (the Reporter Protocol, less the drawing).

    def _row(self, key: Key) -> _Row:
        row = self.rows.get(key)
        if row is None:
            row = self.rows[key] = _Row(key, len(self.rows), self.monotonic())
        return row

    def update(self, ref: OperationRef, operation: Operation) -> None:
        with self.lock:
            row = self._row(key_of(ref))
            row.op, row.retry = operation, ""
            fraction = row.fraction
            if fraction is not None:
                sample = (self.monotonic(), fraction)
                if row.first_progress is None or fraction < row.first_progress[1]:
                    row.first_progress = sample  # a restart: the rate starts again
                if row.last_progress is None or fraction != row.last_progress[1]:
                    row.last_progress = sample

    def retrying(self, ref: OperationRef, message: str, delay: float) -> None:
        with self.lock:
            row = self._row(key_of(ref))
            # When comes first: a narrow column cuts the end, and the cause is in the log lines.
            row.retry = f"retrying in {format_delay(delay)}: {clean(message) or 'no answer'}"

    def finished(self, outcome: Outcome) -> None:
        if outcome.operation is not None:
            self.update(outcome.ref, outcome.operation)
        with self.lock:
            row = self._row(key_of(outcome.ref))
            if row.ended_at is None:
                row.ended_at = self.monotonic()
            row.exit_code = outcome.exit_code
            row.end_message = clean(outcome.message)
            row.retry = ""

    def set_notice(self, text: str) -> None:
        with self.lock:
            self.notice = clean(text)

    # One frame.

    def frame(self, width: int, height: int, *, ascii: bool = False) -> list[Text]:
        """The lines of one frame, none wider than `width`, at most `height` of them."""
        with self.lock:
            return self._frame(max(1, width), max(1, height), ascii)

    def _frame(self, width: int, height: int, ascii: bool) -> list[Text]:
        now, mono = self.now(), self.monotonic()
        footer = self._footer(width, mono, ascii)
        if not self.rows:
            lines = [Text("waiting for operations…", style="dim"), *footer]
            return [_fit(line, width) for line in lines[:height]]
        # A header, the rows, the footer (and a fold line if some rows are left out).
        room = height - 1 - len(footer)
        rows = list(self.rows.values())
        if len(rows) > room:
            room = max(0, room - 1)
            shown = heapq.nsmallest(room, rows, key=_attention)
        else:
            shown = rows
        cells = [self._cells(row, now, mono, ascii) for row in shown]
        nominal = [[c[0] for c in row_cells] for row_cells in cells]
        kept = fitting_columns(width, nominal, LIVE_COLUMNS)
        widths = column_widths(nominal, kept, width, LIVE_COLUMNS)
        lines = [self._header(kept, widths)]
        for row, row_cells in zip(shown, cells, strict=True):
            lines.append(self._line(row, row_cells, kept, widths, mono, ascii))
        if len(shown) < len(rows):
            lines.append(self._fold(rows, shown))
        lines += footer
        return [_fit(line, width) for line in lines[:height]]

    def _cells(self, row: _Row, now: datetime, mono: float, ascii: bool) -> list[tuple[str, str]]:
        """Each column's nominal text and style (the progress cell is drawn to its width)."""
        op = row.op
        profile, op_id = row.key
        message = (operation_message(op) if op else "", "")
        if row.retry:
            message = (row.retry, "yellow")
        elif row.end_message and row.failed:
            # Why the wait ended (timed out, gone), unless the provider's own error says it.
            ended_by_provider = op is not None and op.state.is_terminal and message[0]
            if not ended_by_provider:
                message = (row.end_message, "red")
        return [
            (clean(profile), "bold"),
            (short_id(op.id if op else op_id), ""),
            (clean(op.type) if op else "", "dim"),
            _state_cell(row, ascii),
            (_nominal_progress(row), ""),
            message,
            (self._elapsed(row, now, mono), "dim"),
            (self._eta(row, mono), "dim"),
        ]

    def _header(self, kept: Sequence[int], widths: Sequence[int]) -> Text:
        text = Text(style="bold")
        for n, (index, width) in enumerate(zip(kept, widths, strict=True)):
            if n:
                text.append(" " * GAP)
            text.append(_pad(LIVE_COLUMNS[index].header, width))
        return text

    def _line(
        self,
        row: _Row,
        cells: Sequence[tuple[str, str]],
        kept: Sequence[int],
        widths: Sequence[int],
        mono: float,
        ascii: bool,
    ) -> Text:
        text = Text()
        for n, (index, width) in enumerate(zip(kept, widths, strict=True)):
            if n:
                text.append(" " * GAP)
            if index == _PROGRESS:
                text.append_text(_progress_cell(row, width, mono, ascii))
                continue
            content, style = cells[index]
            text.append(_pad(truncate(content, width), width), style=style)
        return text

    def _fold(self, rows: Sequence[_Row], shown: Sequence[_Row]) -> Text:
        shown_keys = {row.key for row in shown}
        hidden: dict[str, int] = {}
        for row in rows:
            if row.key not in shown_keys:
                name = row.footer_name()
                hidden[name] = hidden.get(name, 0) + 1
        parts = [f"{hidden[name]} {name}" for name in _FOOTER_ORDER if hidden.get(name)]
        count = len(rows) - len(shown)
        return Text(f"… {count} more not shown: {', '.join(parts)}", style="dim")

    def _footer(self, width: int, mono: float, ascii: bool) -> list[Text]:
        """The counts by state, the total and the time: on as many lines as the width needs,
        so that no count is cut off."""
        counts: dict[str, int] = {}
        for row in self.rows.values():
            name = row.footer_name()
            counts[name] = counts.get(name, 0) + 1
        parts: list[Text] = []
        for name in _FOOTER_ORDER:
            if counts.get(name):
                state = _FOOTER_SYMBOL.get(name, State.FAILED)
                style = state_style(state) if name in _FOOTER_SYMBOL else "red"
                symbol = state_symbol(state, ascii=ascii)
                parts.append(Text(f"{symbol} {counts[name]} {name}", style=style))
        total = len(self.rows)
        noun = "operation" if total == 1 else "operations"
        parts.append(Text(f"{total} {noun}", style="dim"))
        parts.append(Text(format_duration(mono - self.started), style="dim"))
        lines: list[Text] = []
        for part in parts:
            if lines and cell_len(lines[-1].plain) + 3 + cell_len(part.plain) <= width:
                lines[-1].append(" · ", style="dim")
                lines[-1].append_text(part)
            else:
                # A fresh line: the part's style must not become the whole line's.
                lines.append(Text())
                lines[-1].append_text(part)
        if self.notice:
            lines.append(Text(self.notice, style="yellow"))
        return lines

    def _elapsed(self, row: _Row, now: datetime, mono: float) -> str:
        """How long it has run, or ran: from the provider's times, else from when we saw it."""
        end_wall = now
        if row.ended_at is not None:
            end_wall = now - timedelta(seconds=mono - row.ended_at)
        if row.op is not None and (shown := elapsed_text(row.op, end_wall)):
            return shown
        last = mono if row.ended_at is None else row.ended_at
        return format_duration(last - row.first_seen)

    def _eta(self, row: _Row, mono: float) -> str:
        """Time left at the rate progress moved while we watched; else at the average rate
        since the provider says it started."""
        fraction = row.fraction
        op = row.op
        if op is None or not op.state.in_progress or row.ended_at is not None:
            return ""
        if fraction is None or not 0 < fraction < 1:
            return ""
        left: float | None = None
        first, last = row.first_progress, row.last_progress
        if first and last and last[0] > first[0] and last[1] > first[1]:
            rate = (last[1] - first[1]) / (last[0] - first[0])
            left = (1 - last[1]) / rate - (mono - last[0])
        elif op.started_at or op.created_at:
            start = as_aware(op.started_at or op.created_at)  # type: ignore[arg-type]
            ran = (as_aware(self.now()) - start).total_seconds()
            if ran > 0:
                left = ran * (1 - fraction) / fraction
        if left is None:
            return ""
        return f"~{format_duration(max(0.0, left))}"


def _attention(row: _Row) -> tuple[int, float, int]:
    """Which rows a frame too short for all shows: failures first, then whatever else ended
    badly or is stuck or retrying, then running ones nearest to done, then waiting ones, then
    the succeeded."""
    op = row.op
    if (op is not None and op.state is State.FAILED) or (op is None and row.failed):
        return (0, 0.0, row.order)
    if row.failed or row.retry or (op is not None and op.state in (State.CANCELLED, State.UNKNOWN)):
        return (1, 0.0, row.order)
    if op is not None and op.state is State.RUNNING:
        return (2, -(row.fraction if row.fraction is not None else -1.0), row.order)
    if op is None or op.state is State.PENDING:
        return (3, 0.0, row.order)
    return (4, -(row.ended_at or 0.0), row.order)


def _nominal_progress(row: _Row) -> str:
    """What the progress cell wants (its width matters: it sizes the column)."""
    op = row.op
    if op is None or (op.state is State.PENDING and row.fraction is None):
        return ""
    if row.fraction is not None or op.state is State.SUCCEEDED:
        return "█" * BAR_WIDTH + _PERCENT
    if op.state.in_progress or op.state is State.UNKNOWN:
        return "█" * BAR_WIDTH
    return ""


def _progress_cell(row: _Row, width: int, mono: float, ascii: bool) -> Text:
    """A bar of the real fraction with its percentage, or a pulse where there is none."""
    op = row.op
    full, empty, pulse = ("#", "-", "=") if ascii else ("█", "░", "▓")
    if op is None or not _nominal_progress(row):
        return Text(" " * width)
    fraction = 1.0 if op.state is State.SUCCEEDED else row.fraction
    style = "green" if op.state is State.SUCCEEDED else state_style(op.state)
    if fraction is not None:
        percent = f" {int(fraction * 100)}%"
        bar_width = max(0, width - len(_PERCENT))
        filled = int(fraction * bar_width)
        text = Text(full * filled, style=style)
        text.append(empty * (bar_width - filled), style="dim")
        text.append(_pad(percent, width - bar_width) if bar_width else percent.strip()[:width])
        text.truncate(width, pad=True)
        return text
    # No fraction: a block that bounces along the bar, so a working operation looks alive;
    # each row at its own phase, so that a column of them does not move as one.
    bar_width = min(width, BAR_WIDTH)
    span = max(1, bar_width - PULSE_WIDTH)
    step = (int(mono * PULSE_STEPS_PER_SECOND) + 3 * row.order) % (2 * span)
    start = step if step <= span else 2 * span - step
    text = Text(empty * start, style="dim")
    text.append(pulse * min(PULSE_WIDTH, bar_width), style=style)
    text.append(empty * max(0, bar_width - start - PULSE_WIDTH), style="dim")
    text.truncate(width, pad=True)
    return text


def _state_cell(row: _Row, ascii: bool) -> tuple[str, str]:
    """The state with its symbol; an operation never read says why (waiting, not found…) in
    the same words as the footer."""
    op = row.op
    if op is not None:
        return f"{state_symbol(op.state, ascii=ascii)} {state_label(op)}", state_style(op.state)
    name = row.footer_name()
    if name in ("waiting", "stopped"):
        return f"{state_symbol(State.PENDING, ascii=ascii)} {name}", "dim"
    return f"{state_symbol(State.FAILED, ascii=ascii)} {name}", "bold red"


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - cell_len(text))


def _fit(line: Text, width: int) -> Text:
    line.no_wrap = True
    line.overflow = "ellipsis"
    line.rstrip()
    if cell_len(line.plain) > width:
        line.truncate(width, overflow="ellipsis")
    return line
