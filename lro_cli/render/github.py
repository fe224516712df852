"""GitHub Actions: failures as `::error` annotations, and a Markdown table in the job summary.

Used besides the normal progress display when `GITHUB_ACTIONS=true`. Annotations are workflow
commands, which the runner reads from standard error as well as standard output (its script
handler parses both streams); they go to standard error because standard output carries results
that scripts capture. The summary is appended to the file named by `$GITHUB_STEP_SUMMARY`, which
other steps write too: it is never truncated, and a file that cannot be written costs one
warning line, never the run.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from lro_cli.errors import ExitCode
from lro_cli.model import Operation, OperationRef, Outcome, State
from lro_cli.render.plain import Key, key_of
from lro_cli.render.table import elapsed_text, operation_message, state_label, state_symbol
from lro_cli.render.text import clean
from lro_cli.render.words import NEVER_READ, WHAT_HAPPENED

# The annotation title says what happened (`words.WHAT_HAPPENED`); an exit code not there gets
# no annotation: success, an operation left running by --fail-fast (8), a stopped run.
# Why a wait ended when the last state read does not say it (the State column).
_ENDED_BY: dict[ExitCode, str] = {
    ExitCode.NOT_FOUND: "gone",
    ExitCode.AUTH: "refused",
    ExitCode.UNREACHABLE: "unreachable",
    ExitCode.PROTOCOL: "unreadable",
    ExitCode.USAGE: "refused",
    ExitCode.TIMEOUT: "timed out",
    ExitCode.IN_PROGRESS: "not waited for",
    ExitCode.INTERRUPTED: "interrupted",
    ExitCode.TERMINATED: "terminated",
    ExitCode.PIPE_CLOSED: "stopped",
}
# The State column of an operation that was never read.
_NEVER_READ: dict[ExitCode, str] = {
    **NEVER_READ,
    ExitCode.IN_PROGRESS: "not read",
    ExitCode.INTERRUPTED: "interrupted",
    ExitCode.TERMINATED: "terminated",
    ExitCode.PIPE_CLOSED: "stopped",
}
_STOPPED = (ExitCode.INTERRUPTED, ExitCode.TERMINATED, ExitCode.PIPE_CLOSED)

HEADER = "| | Profile | Operation | Type | State | Duration | Message |"
RULE = "| --- | --- | --- | --- | --- | --- | --- |"


def escape_data(text: str) -> str:
    """A workflow command's message: `%`, CR and LF as the runner unescapes them."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value: the message escapes, and `:` and `,` too."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def error_command(title: str, message: str) -> str:
    """One `::error` line, newline included."""
    return f"::error title={escape_property(title)}::{escape_data(message)}\n"


def markdown_cell(text: str) -> str:
    """Text for a table cell: one line (`clean`), pipes escaped."""
    return clean(text).replace("|", "\\|")


def markdown_code(text: str) -> str:
    """Text as a code span in a table cell, fenced past any backtick it holds."""
    text = clean(text)
    longest = run = 0
    for char in text:
        run = run + 1 if char == "`" else 0
        longest = max(longest, run)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}".replace("|", "\\|") if text else ""


def outcome_message(outcome: Outcome, op: Operation | None) -> str:
    """One cleaned line: the provider's error for a failed or cancelled operation, else why the
    wait ended, else what the operation last said."""
    if op is not None and op.error is not None and op.state in (State.FAILED, State.CANCELLED):
        text = operation_message(op)
        if text:
            return text
    return clean(outcome.message) or (operation_message(op) if op is not None else "")


class GitHubReporter:
    """The Reporter Protocol for a GitHub Actions step.

    `write` receives each line whole, newline included (`env.write_err` fits); `summary` is the
    `$GITHUB_STEP_SUMMARY` file, or None for no summary.
    """

    def __init__(
        self, write: Callable[[str], None], now: Callable[[], datetime], summary: Path | None
    ) -> None:
        self.write = write
        self.now = now
        self.summary = summary
        self.latest: dict[Key, Operation] = {}
        self.annotated: set[Key] = set()
        self.closed = False

    # The Reporter Protocol.

    def update(self, ref: OperationRef, operation: Operation) -> None:
        self.latest[key_of(ref)] = operation

    def retrying(self, ref: OperationRef, message: str, delay: float) -> None:
        pass

    def finished(self, outcome: Outcome) -> None:
        if outcome.operation is not None:
            self.update(outcome.ref, outcome.operation)
        self._annotate(outcome)

    def notice(self, text: str) -> None:
        pass

    def tick(self) -> None:
        pass

    def close(self, outcomes: Sequence[Outcome], exit_code: ExitCode) -> None:
        if self.closed:
            return
        self.closed = True
        # An outcome that never came through `finished` still gets its one annotation.
        for outcome in outcomes:
            self._annotate(outcome)
        if self.summary is not None:
            self._append_summary(self.summary_text(outcomes, exit_code))

    # Annotations.

    def annotation(self, outcome: Outcome) -> str | None:
        """The `::error` line for an outcome, or None when it is no failure."""
        what = WHAT_HAPPENED.get(outcome.exit_code)
        if what is None:
            return None
        op = self._operation(outcome)
        title = f"lro: {clean(outcome.ref.profile)}:{clean(outcome.ref.id)} {what}"
        message = outcome_message(outcome, op)
        if not message:
            state = state_label(op) if op is not None else "never read"
            message = f"{what} (last state {state})"
        return error_command(title, message)

    def _annotate(self, outcome: Outcome) -> None:
        key = key_of(outcome.ref)
        if key in self.annotated:
            return
        line = self.annotation(outcome)
        if line is not None:
            self.annotated.add(key)
            self.write(line)

    # The job summary.

    def summary_text(self, outcomes: Sequence[Outcome], exit_code: ExitCode) -> str:
        """The Markdown section: a heading, a table of every outcome, an empty line."""
        count = len(outcomes)
        noun = "operation" if count == 1 else "operations"
        heading = f"### lro: {count} {noun} — exit {int(exit_code)}"
        if not outcomes:
            return f"{heading}\n\n"
        rows = [self.summary_row(outcome) for outcome in outcomes]
        lines = [heading, "", HEADER, RULE]
        lines += ["| " + " | ".join(row) + " |" for row in rows]
        return "\n".join(lines) + "\n\n"

    def summary_row(self, outcome: Outcome) -> list[str]:
        """The cells of one outcome, in `HEADER` order, cleaned and escaped."""
        op = self._operation(outcome)
        if op is None:
            symbol = "⊘" if outcome.exit_code in _STOPPED else "✗"
            state = _NEVER_READ.get(outcome.exit_code, "not read")
            type_, duration = "", ""
        else:
            symbol = state_symbol(op.state)
            state = state_label(op)
            reason = _ENDED_BY.get(outcome.exit_code)
            if reason is not None:
                state = f"{state} ({reason})"
            type_, duration = clean(op.type), elapsed_text(op, self.now())
        return [
            symbol,
            markdown_cell(outcome.ref.profile),
            markdown_code(outcome.ref.id),
            markdown_cell(type_),
            markdown_cell(state),
            markdown_cell(duration),
            markdown_cell(outcome_message(outcome, op)),
        ]

    def _append_summary(self, text: str) -> None:
        assert self.summary is not None
        try:
            with self.summary.open("a+b") as file:
                # Another step may have left its last line open: a heading needs its own line.
                end = file.tell()
                if end > 0:
                    file.seek(end - 1)
                    if file.read(1) != b"\n":
                        text = "\n" + text
                file.write(text.encode("utf-8"))  # appended, wherever the read left off
        except OSError as error:
            reason = error.strerror or str(error) or type(error).__name__
            where = clean(str(self.summary))
            self.write(f"lro: warning: cannot write $GITHUB_STEP_SUMMARY ({where}: {reason})\n")

    def _operation(self, outcome: Outcome) -> Operation | None:
        return outcome.operation or self.latest.get(key_of(outcome.ref))
