"""Progress on a terminal: a one-line spinner on standard error, with a permanent line above it
for each state change.

The lines are `plain.EventLog`'s, in colour; the cells come from `table.py`. A multi-row live
table for `lro watch` can replace this class behind the same Reporter Protocol. `rich.live` is
imported only when the spinner first starts, so merely importing this module stays cheap.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from rich.text import Text

from lro_cli.errors import ExitCode
from lro_cli.model import Operation, OperationRef, Outcome, State
from lro_cli.render.plain import EventLog, Key, Line, key_of
from lro_cli.render.table import progress_text, state_label, state_style
from lro_cli.render.text import clean, format_duration, short_id

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions, RenderResult
    from rich.live import Live
    from rich.spinner import Spinner

_COUNTED: tuple[State, ...] = (State.RUNNING, State.PENDING, State.UNKNOWN)


class _StatusLine:
    """The spinner and the status text, cut to one line at whatever width the terminal has."""

    def __init__(self, spinner: Spinner) -> None:
        self.spinner = spinner

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        rendered = self.spinner.render(console.get_time())
        if isinstance(rendered, Text):
            rendered.no_wrap = True
            rendered.truncate(options.max_width, overflow="ellipsis")
        yield rendered


class StatusReporter(EventLog):
    """A Reporter for an interactive standard error.

    Progress changes only redraw the status line; state changes, retries, non-success ends and
    the summary are printed above it and stay. Call `close` (or at least `stop`) in a `finally`,
    so the terminal is left clean.
    """

    def __init__(
        self,
        console: Console,
        now: Callable[[], datetime],
        monotonic: Callable[[], float],
        *,
        auto_refresh: bool = True,
    ) -> None:
        super().__init__(now, monotonic, progress_every=None)
        self.console = console
        self._auto_refresh = auto_refresh
        self._live: Live | None = None
        self._spinner: Spinner | None = None
        self._stopped = False
        self._featured: Key | None = None

    # The Reporter Protocol: EventLog decides the lines; each event also redraws the status.

    def update(self, ref: OperationRef, operation: Operation) -> None:
        super().update(ref, operation)
        self._featured = key_of(ref)
        self._redraw()

    def retrying(self, ref: OperationRef, message: str, delay: float) -> None:
        super().retrying(ref, message, delay)
        self._featured = key_of(ref)
        self._redraw()

    def finished(self, outcome: Outcome) -> None:
        super().finished(outcome)
        self._redraw()

    def emit(self, line: Line) -> None:
        self._start()
        self.console.print(Text.assemble(*line))

    def tick(self) -> None:
        self._redraw()

    def close(self, outcomes: Sequence[Outcome], exit_code: ExitCode) -> None:
        self.stop()
        super().close(outcomes, exit_code)

    def stop(self) -> None:
        """Take the status line off the screen; later lines print plainly."""
        self._stopped = True
        if self._live is not None:
            self._live.stop()
            self._live = None

    # The status line.

    def status_text(self) -> Text:
        """`2 running · 1 pending · 3 done · 1m05s — neon-dev 274e… start_compute running 40%`"""
        if not self.latest:
            return Text("waiting for the first answer…")
        waiting = [key for key in self.latest if key not in self.done]
        counts: dict[State, int] = {}
        for key in waiting:
            op = self.latest[key]
            # An operation not read yet (retrying its first poll) is as good as pending.
            state = op.state if op is not None else State.PENDING
            counts[state] = counts.get(state, 0) + 1
        parts = [
            Text(f"{counts[state]} {state.value}", style=state_style(state))
            for state in _COUNTED
            if counts.get(state)
        ]
        if self.done:
            parts.append(Text(f"{len(self.done)} done"))
        parts.append(Text(format_duration(self.monotonic() - self.started), style="dim"))
        text = Text(" · ").join(parts)
        # The operation that changed last, while it is still in progress, else the newest one.
        featured = self._featured if self._featured in waiting else None
        featured = featured or (waiting[-1] if waiting else None)
        op = self.latest[featured] if featured is not None else None
        if featured is not None and op is not None:
            text.append(f" — {clean(featured[0])} {short_id(op.id)}")
            if op.type:
                text.append(f" {clean(op.type)}", style="dim")
            text.append(f" {state_label(op)}", style=state_style(op.state))
            if progress := progress_text(op):
                text.append(f" {progress}")
        return text

    def _redraw(self) -> None:
        if self._stopped:
            return
        self._start()
        if self._spinner is not None and self._live is not None:
            self._spinner.text = self.status_text()
            self._live.refresh()

    def _start(self) -> None:
        if self._live is not None or self._stopped:
            return
        from rich.live import Live
        from rich.spinner import Spinner

        self._spinner = Spinner("dots", text=self.status_text(), style="cyan")
        self._live = Live(
            _StatusLine(self._spinner),
            console=self.console,
            auto_refresh=self._auto_refresh,
            refresh_per_second=12.5,
            transient=True,
            redirect_stdout=False,
            redirect_stderr=False,
        )
        self._live.start()
