"""The live view of `lro watch` (and of `lro wait` on a terminal): one row per operation,
redrawn in place on standard error.

`LiveBoard` keeps what is known of each operation and draws one frame for a given size: it is
pure, so tests feed it snapshots and read the text. `LiveReporter` puts it behind the Reporter
Protocol and Rich's `Live`, whose own thread redraws at most `REFRESH_PER_SECOND` times a second
whatever the polling does. A frame draws only the rows that fit the terminal (a Rich table of a
thousand rows costs about 0.4 s of CPU); the others are counted in the footer.
"""

from __future__ import annotations

import heapq
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.text import Text

from lro_cli.errors import ExitCode
from lro_cli.model import Operation, OperationRef, Outcome, State
from lro_cli.render.plain import Key, key_of, summary_counts
from lro_cli.render.table import (
    GAP,
    Column,
    column_widths,
    fitting_columns,
    operation_message,
    state_label,
    state_style,
    state_symbol,
)
from lro_cli.render.text import clean, format_delay, format_duration, short_id, truncate

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions, RenderResult
    from rich.live import Live

REFRESH_PER_SECOND = 8
# Below the final table, failures are told in full, up to this many (the table holds them all).
MAX_OUTCOME_LINES = 10
BAR_WIDTH = 8
PULSE_WIDTH = 3
_PERCENT = " 100%"

# Minimum widths keep each cell readable: at 80 columns the ETA and TYPE columns give way
# rather than every column being cut to a stub.
LIVE_COLUMNS: tuple[Column, ...] = (
    Column("PROFILE", 8, 3),
    Column("ID", 10, 8),
    Column("TYPE", 10, 2),
    Column("STATE", 10, 9),
    Column("PROGRESS", 12, 5),
    Column("MESSAGE", 12, 6, flexible=True),
    Column("ELAPSED", 7, 4),
    Column("ETA", 6, 1),
)
_STATE, _PROGRESS, _MESSAGE = 3, 4, 5
# Exits that stop the run rather than describe an operation.
_STOPS = (ExitCode.INTERRUPTED, ExitCode.TERMINATED, ExitCode.PIPE_CLOSED)
_NEVER_READ: dict[ExitCode, str] = {
    ExitCode.NOT_FOUND: "not found",
    ExitCode.AUTH: "refused",
    ExitCode.UNREACHABLE: "unreachable",
    ExitCode.PROTOCOL: "unreadable",
    ExitCode.USAGE: "refused",
    ExitCode.TIMEOUT: "timed out",
}
_FOOTER_ORDER: tuple[str, ...] = (
    "failed",
    "cancelled",
    "unknown",
    "running",
    "pending",
    "waiting",
    "succeeded",
    *dict.fromkeys(_NEVER_READ.values()),
    "stopped",
)
_FOOTER_SYMBOL: dict[str, State] = {state.value: state for state in State}
_FOOTER_SYMBOL["waiting"] = State.PENDING


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
        if self.exit_code is None or self.exit_code in _STOPS:
            return False
        return self.exit_code not in (ExitCode.OK, ExitCode.IN_PROGRESS)

    def footer_name(self) -> str:
        if self.op is not None:
            return self.op.state.value
        if self.exit_code is None:
            return "waiting"
        if self.exit_code in _STOPS or self.exit_code is ExitCode.IN_PROGRESS:
            return "stopped"
        return _NEVER_READ.get(self.exit_code, "stopped")


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
            row.retry = f"{clean(message) or 'no answer'}: retrying in {format_delay(delay)}"

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
        footer = self._footer(mono, ascii)
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
        cells = [self._cells(row, now, mono) for row in shown]
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

    def _cells(self, row: _Row, now: datetime, mono: float) -> list[tuple[str, str]]:
        """Each column's nominal text and style (the progress cell is drawn to its width)."""
        op = row.op
        profile, op_id = row.key
        if op is not None:
            state = (f"{state_symbol(op.state)} {state_label(op)}", state_style(op.state))
        elif row.exit_code is not None and row.exit_code not in _STOPS:
            label = _NEVER_READ.get(row.exit_code, "stopped")
            state = (f"{state_symbol(State.FAILED)} {label}", "bold red")
        else:
            state = (f"{state_symbol(State.PENDING)} waiting", "dim")
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
            state,
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
            if index == _STATE and ascii and row.op is not None:
                content = f"{state_symbol(row.op.state, ascii=True)}{content[1:]}"
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

    def _footer(self, mono: float, ascii: bool) -> list[Text]:
        counts: dict[str, int] = {}
        for row in self.rows.values():
            name = row.footer_name()
            counts[name] = counts.get(name, 0) + 1
        text = Text()
        for name in _FOOTER_ORDER:
            if not counts.get(name):
                continue
            if text:
                text.append(" · ", style="dim")
            state = _FOOTER_SYMBOL.get(name, State.FAILED)
            style = state_style(state) if name in _FOOTER_SYMBOL else "red"
            text.append(f"{state_symbol(state, ascii=ascii)} {counts[name]} {name}", style=style)
        total = len(self.rows)
        noun = "operation" if total == 1 else "operations"
        text.append(f"{' · ' if text else ''}{total} {noun} · ", style="dim")
        text.append(format_duration(mono - self.started), style="dim")
        lines = [text]
        if self.notice:
            lines.append(Text(self.notice, style="yellow"))
        return lines

    def _elapsed(self, row: _Row, now: datetime, mono: float) -> str:
        """How long it has run, or ran: from the provider's times, else from when we saw it."""
        op = row.op
        end_wall = now
        if row.ended_at is not None:
            end_wall = now - timedelta(seconds=mono - row.ended_at)
        start = (op.started_at or op.created_at) if op else None
        if op is None or start is None:
            return format_duration((row.ended_at or mono) - row.first_seen)
        end = end_wall
        if op.state.is_terminal:
            end = op.finished_at or op.updated_at or end_wall
        return format_duration((_aware(end) - _aware(start)).total_seconds())

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
            start = _aware(op.started_at or op.created_at)  # type: ignore[arg-type]
            ran = (_aware(self.now()) - start).total_seconds()
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
    # No fraction: a block that bounces along the bar, so a working operation looks alive.
    bar_width = width
    span = max(1, bar_width - PULSE_WIDTH)
    step = int(mono * REFRESH_PER_SECOND) % (2 * span)
    start = step if step <= span else 2 * span - step
    text = Text(empty * start, style="dim")
    text.append(pulse * min(PULSE_WIDTH, bar_width), style=style)
    text.append(empty * max(0, bar_width - start - PULSE_WIDTH), style="dim")
    text.truncate(width, pad=True)
    return text


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - cell_len(text))


def _fit(line: Text, width: int) -> Text:
    line.no_wrap = True
    line.overflow = "ellipsis"
    line.rstrip()
    if cell_len(line.plain) > width:
        line.truncate(width, overflow="ellipsis")
    return line


def _aware(moment: datetime) -> datetime:
    from datetime import timezone

    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


class _Frame:
    """What Rich's Live draws: the board at the terminal's current size."""

    def __init__(self, board: LiveBoard) -> None:
        self.board = board

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        # One line is left for the cursor, so the frame never scrolls the terminal.
        height = max(3, (options.height or console.size.height) - 1)
        ascii = not (console.encoding or "").lower().startswith("utf")
        yield from self.board.frame(options.max_width, height, ascii=ascii)


class LiveReporter:
    """The Reporter Protocol as a live table on an interactive standard error.

    The display starts with the first event and stays on screen, final states and all, when
    the run ends; lines for the operations that did not succeed and a summary follow it. Call
    `close` in a `finally`, so the terminal is left clean.
    """

    def __init__(
        self,
        console: Console,
        now: Callable[[], datetime],
        monotonic: Callable[[], float],
        *,
        auto_refresh: bool = True,
    ) -> None:
        self.console = console
        self.board = LiveBoard(now, monotonic)
        self._auto_refresh = auto_refresh
        self._live: Live | None = None
        self._closed = False

    def update(self, ref: OperationRef, operation: Operation) -> None:
        self.board.update(ref, operation)
        self._start()

    def retrying(self, ref: OperationRef, message: str, delay: float) -> None:
        self.board.retrying(ref, message, delay)
        self._start()

    def finished(self, outcome: Outcome) -> None:
        self.board.finished(outcome)
        self._start()

    def notice(self, text: str) -> None:
        self.board.set_notice(text)
        self._start()

    def tick(self) -> None:
        self._start()

    def refresh(self) -> None:
        """Draw a frame now (the display draws by itself unless built with auto_refresh off)."""
        if self._live is not None:
            self._live.refresh()

    def close(self, outcomes: Sequence[Outcome], exit_code: ExitCode) -> None:
        if self._closed:
            return
        self._closed = True
        for outcome in outcomes:
            self.board.finished(outcome)
        if self._live is not None:
            self._live.stop()  # draws the final frame and leaves it
            self._live = None
        lines = [line for outcome in outcomes if (line := _outcome_line(outcome))]
        for line in lines[:MAX_OUTCOME_LINES]:
            self.console.print(line)
        if len(lines) > MAX_OUTCOME_LINES:
            more = len(lines) - MAX_OUTCOME_LINES
            self.console.print(Text(f"… and {more} more that did not succeed", style="red"))
        took = format_duration(self.board.monotonic() - self.board.started)
        counts = summary_counts(outcomes)
        text = f"done in {took}: {counts}" if counts else f"done in {took}"
        summary = Text(f"{text} — ")
        style = "green" if exit_code is ExitCode.OK else "red"
        summary.append(f"exit {int(exit_code)}", style=style)
        self.console.print(summary)

    def _start(self) -> None:
        if self._live is not None or self._closed:
            return
        from rich.live import Live

        self._live = Live(
            _Frame(self.board),
            console=self.console,
            auto_refresh=self._auto_refresh,
            refresh_per_second=REFRESH_PER_SECOND,
            transient=False,
            redirect_stdout=False,
            redirect_stderr=False,
            vertical_overflow="crop",
        )
        self._live.start()


def _outcome_line(outcome: Outcome) -> Text | None:
    """`✗ sim-neon:br-1 failed: quota exceeded (exit 1)` for an operation that did not succeed;
    the table cuts messages to its width, this line does not."""
    code = outcome.exit_code
    # A timed-out operation still runs: the table and the resume line say all there is.
    if code in (ExitCode.OK, ExitCode.IN_PROGRESS, ExitCode.TIMEOUT, *_STOPS):
        return None
    op = outcome.operation
    label = state_label(op) if op else _NEVER_READ.get(code, "not read")
    message = clean(outcome.message) or (operation_message(op) if op else "")
    state = op.state if op else State.FAILED
    text = Text(f"{state_symbol(state)} ", style=state_style(state))
    text.append(f"{clean(outcome.ref.profile)}:{clean(outcome.ref.id)}", style="bold")
    text.append(f" {label}" + (f": {message}" if message else ""))
    text.append(f" (exit {int(code)})", style=state_style(state))
    return text
