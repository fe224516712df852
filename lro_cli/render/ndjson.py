"""Reporters that are not for a person: the NDJSON event stream, fan-out, and silence."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from lro_cli.errors import ExitCode
from lro_cli.model import Operation, OperationRef, Outcome, Progress, State
from lro_cli.render.base import Reporter
from lro_cli.render.json import dumps_line, ndjson_done_event, ndjson_state_event, state_summary

# What makes a new `state` event: SPEC.md names state, progress and message.
# A raw state change within one normalized state (Azure's Accepted → Provisioning) counts too.
_Signature = tuple[State, str | None, Progress | None]


def _signature(op: Operation) -> _Signature:
    return (op.state, op.raw_state, op.progress)


class NdjsonReporter:
    """`--output ndjson` for `wait` and `watch`: a `state` event when an operation is first seen
    and whenever its state, progress or message changes, and a final `done` event.

    `write_line` receives each line whole, newline included, and must flush it (`env.write_out`
    fits).
    """

    def __init__(
        self,
        write_line: Callable[[str], None],
        now: Callable[[], datetime],
        *,
        raw: bool = False,
    ) -> None:
        self.write_line = write_line
        self.now = now
        self.raw = raw
        self._seen: dict[OperationRef, _Signature] = {}

    def update(self, ref: OperationRef, operation: Operation) -> None:
        signature = _signature(operation)
        if self._seen.get(ref) == signature:
            return
        self._seen[ref] = signature
        self.write_line(dumps_line(ndjson_state_event(operation, self.now(), raw=self.raw)))

    def retrying(self, ref: OperationRef, message: str, delay: float) -> None:
        pass

    def finished(self, outcome: Outcome) -> None:
        # The last operation may not have been reported if the engine only hands it over here.
        if outcome.operation is not None:
            self.update(outcome.ref, outcome.operation)

    def notice(self, text: str) -> None:
        pass

    def tick(self) -> None:
        pass

    def close(self, outcomes: Sequence[Outcome], exit_code: ExitCode) -> None:
        event = ndjson_done_event(self.now(), exit_code, state_summary(outcomes))
        self.write_line(dumps_line(event))


class FanoutReporter:
    """Every event to each reporter in turn (NDJSON on stdout and progress on stderr)."""

    def __init__(self, *reporters: Reporter) -> None:
        self.reporters = reporters

    def update(self, ref: OperationRef, operation: Operation) -> None:
        for reporter in self.reporters:
            reporter.update(ref, operation)

    def retrying(self, ref: OperationRef, message: str, delay: float) -> None:
        for reporter in self.reporters:
            reporter.retrying(ref, message, delay)

    def finished(self, outcome: Outcome) -> None:
        for reporter in self.reporters:
            reporter.finished(outcome)

    def notice(self, text: str) -> None:
        for reporter in self.reporters:
            reporter.notice(text)

    def tick(self) -> None:
        for reporter in self.reporters:
            reporter.tick()

    def close(self, outcomes: Sequence[Outcome], exit_code: ExitCode) -> None:
        # Close all of them even if one fails (a closed stdout), so a spinner is never left up.
        errors: list[BaseException] = []
        for reporter in self.reporters:
            try:
                reporter.close(outcomes, exit_code)
            except Exception as error:
                errors.append(error)
        if errors:
            raise errors[0]


class NullReporter:
    """`--quiet`: no progress at all."""

    def update(self, ref: OperationRef, operation: Operation) -> None:
        pass

    def retrying(self, ref: OperationRef, message: str, delay: float) -> None:
        pass

    def finished(self, outcome: Outcome) -> None:
        pass

    def notice(self, text: str) -> None:
        pass

    def tick(self) -> None:
        pass

    def close(self, outcomes: Sequence[Outcome], exit_code: ExitCode) -> None:
        pass
