"""The Reporter Protocol: what the wait loop tells a progress display."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from lro_cli.errors import ExitCode
from lro_cli.model import Operation, OperationRef, Outcome


class Reporter(Protocol):
    def update(self, ref: OperationRef, operation: Operation) -> None:
        """Every good poll; the reporter decides what changed (state, progress, message)."""

    def retrying(self, ref: OperationRef, message: str, delay: float) -> None:
        """A transient failure; the next try is in `delay` seconds."""

    def finished(self, outcome: Outcome) -> None:
        """One operation's wait is over (terminal, failed to read, timed out…)."""

    def notice(self, text: str) -> None:
        """A word about the run itself (what `watch --running` follows, a listing that failed)."""

    def tick(self) -> None:
        """Called every few seconds while waiting: the chance for a heartbeat."""

    def close(self, outcomes: Sequence[Outcome], exit_code: ExitCode) -> None:
        """The whole run is over: summary, and stop any animation."""
