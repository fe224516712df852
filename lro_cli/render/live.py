"""The live view of `lro watch` (and of `lro wait` on a terminal): one row per operation,
redrawn in place on standard error.

`board.LiveBoard` keeps what is known and draws frames; `LiveReporter` puts it behind the
Reporter Protocol and Rich's `Live`, whose own thread redraws at most `REFRESH_PER_SECOND` times
a second whatever the polling does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from rich.text import Text

from lro_cli.errors import ExitCode
from lro_cli.model import Operation, OperationRef, Outcome, State
from lro_cli.render.board import LIVE_COLUMNS, LiveBoard
from lro_cli.render.plain import summary_counts
from lro_cli.render.table import operation_message, state_label, state_style, state_symbol
from lro_cli.render.text import clean, format_duration
from lro_cli.render.words import NEVER_READ, STOPS

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions, RenderResult
    from rich.live import Live

__all__ = ["LIVE_COLUMNS", "REFRESH_PER_SECOND", "LiveBoard", "LiveReporter"]

REFRESH_PER_SECOND = 8
# Below the final table, failures are told in full, up to this many (the table holds them all).
MAX_OUTCOME_LINES = 10


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
    if code in (ExitCode.OK, ExitCode.IN_PROGRESS, ExitCode.TIMEOUT, *STOPS):
        return None
    op = outcome.operation
    label = state_label(op) if op else NEVER_READ.get(code, "not read")
    message = clean(outcome.message) or (operation_message(op) if op else "")
    state = op.state if op else State.FAILED
    text = Text(f"{state_symbol(state)} ", style=state_style(state))
    text.append(f"{clean(outcome.ref.profile)}:{clean(outcome.ref.id)}", style="bold")
    text.append(f" {label}" + (f": {message}" if message else ""))
    text.append(f" (exit {int(code)})", style=state_style(state))
    return text
