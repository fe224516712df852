"""Polling many operations at once on one event loop.

The engine knows neither HTTP nor any provider's JSON: each `Target` carries a `fetch` coroutine
function that returns a classified `PollResult`, and the engine decides only *when* to call it
again and *how the wait ends* (SPEC.md "Polling" and "Exit codes").
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from lro_cli.clock import Clock
from lro_cli.errors import ExitCode
from lro_cli.model import FailureKind, Operation, OperationRef, Outcome, PollResult, State
from lro_cli.schedule import PollPolicy, backoff, honour_retry_after, jittered

TICK_SECONDS = 5.0
MALFORMED_LIMIT = 3

EXIT_BY_STATE = {
    State.SUCCEEDED: ExitCode.OK,
    State.FAILED: ExitCode.FAILED,
    State.CANCELLED: ExitCode.CANCELLED,
}
EXIT_BY_FAILURE = {
    FailureKind.AUTH: ExitCode.AUTH,
    FailureKind.PROTOCOL: ExitCode.PROTOCOL,
    FailureKind.TLS: ExitCode.UNREACHABLE,
    FailureKind.FATAL: ExitCode.USAGE,
}


class Observer(Protocol):
    def update(self, ref: OperationRef, operation: Operation) -> None: ...
    def retrying(self, ref: OperationRef, message: str, delay: float) -> None: ...
    def finished(self, outcome: Outcome) -> None: ...
    def tick(self) -> None: ...


@dataclass(frozen=True)
class Target:
    ref: OperationRef
    policy: PollPolicy
    fetch: Callable[[], Awaitable[PollResult]]


class _Ended(Exception):
    """Raised inside one operation's loop to end its wait with an outcome."""

    def __init__(self, code: ExitCode, message: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class _Watch:
    """The state of the wait on one operation."""

    def __init__(self, target: Target, started: float) -> None:
        self.target = target
        self.started = started
        self.last: Operation | None = None
        self.failures_in_row = 0
        self.failing_since: float | None = None
        self.excused = 0.0  # time spent honouring Retry-After: not charged to the error budget
        self.malformed_in_row = 0
        self.refused_in_row = 0
        self.confirming_gone = False

    @property
    def last_state(self) -> str:
        if self.last is None:
            return "never seen"
        return self.last.state.value


class Engine:
    def __init__(self, clock: Clock, observer: Observer, rng: random.Random | None = None):
        self.clock = clock
        self.observer = observer
        self.rng = rng or random.Random()
        self.latest: dict[OperationRef, Operation] = {}
        self.outcomes: dict[OperationRef, Outcome] = {}
        self.fail_fast_outcome: Outcome | None = None
        self.followed: list[Target] = []  # `follow`: every target, in the order found

    async def wait_all(
        self, targets: Sequence[Target], *, fail_fast: bool = False
    ) -> list[Outcome]:
        """Wait on every target; with fail_fast, stop the others at the first failure."""
        started = self.clock.monotonic()
        tasks = [asyncio.ensure_future(self.wait_one(t, started)) for t in targets]
        ticker = asyncio.ensure_future(self._tick())
        try:
            if fail_fast:
                await self._until_first_failure(tasks)
            else:
                await asyncio.gather(*tasks)
        finally:
            ticker.cancel()
            for task in tasks:
                task.cancel()
            await asyncio.gather(ticker, *tasks, return_exceptions=True)
        return [self._outcome_of(task, target) for task, target in zip(tasks, targets, strict=True)]

    async def _until_first_failure(self, tasks: Sequence[asyncio.Future[Outcome]]) -> None:
        pending = set(tasks)
        while pending:
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            if self._first_failure(done):
                return

    async def follow(
        self,
        initial: Sequence[Target],
        discover: Callable[[], Awaitable[Sequence[Target]]],
        *,
        every: float,
        until_idle: bool = False,
        fail_fast: bool = False,
    ) -> list[Outcome]:
        """Wait on `initial` and on whatever `discover` finds later, asked every `every` seconds.

        Runs until cancelled; with `until_idle`, until nothing is left in progress and a fresh
        discovery finds nothing new. Each operation's timeout counts from when it was found.
        `self.followed` holds every target in the order found.
        """
        tasks: dict[OperationRef, asyncio.Future[Outcome]] = {}

        def add(targets: Sequence[Target]) -> None:
            for target in targets:
                if target.ref not in tasks:
                    self.followed.append(target)
                    started = self.clock.monotonic()
                    tasks[target.ref] = asyncio.ensure_future(self.wait_one(target, started))

        add(initial)
        ticker = asyncio.ensure_future(self._tick())
        next_discovery = self.clock.monotonic() + every
        discovered_since_idle = True  # `initial` was just discovered
        try:
            while True:
                pending = {task for task in tasks.values() if not task.done()}
                if until_idle and not pending:
                    if discovered_since_idle:
                        break
                    add(await discover())
                    discovered_since_idle = True
                    next_discovery = self.clock.monotonic() + every
                    continue
                timer = asyncio.ensure_future(
                    self.clock.sleep(max(0.0, next_discovery - self.clock.monotonic()))
                )
                try:
                    done, _ = await asyncio.wait(
                        pending | {timer}, return_when=asyncio.FIRST_COMPLETED
                    )
                finally:
                    timer.cancel()
                    await asyncio.gather(timer, return_exceptions=True)
                ended = {task for task in pending if task in done}
                if ended:
                    discovered_since_idle = False
                if fail_fast and self._first_failure(ended):
                    break
                if timer in done:
                    add(await discover())
                    discovered_since_idle = True
                    next_discovery = self.clock.monotonic() + every
        finally:
            ticker.cancel()
            for task in tasks.values():
                task.cancel()
            await asyncio.gather(ticker, *tasks.values(), return_exceptions=True)
        return [self._outcome_of(tasks[t.ref], t) for t in self.followed]

    def _first_failure(self, done: set[asyncio.Future[Outcome]]) -> bool:
        for task in done:
            outcome = task.result()
            if outcome.exit_code in (ExitCode.FAILED, ExitCode.CANCELLED):
                self.fail_fast_outcome = outcome
                return True
        return False

    def stopped(self, targets: Sequence[Target], code: ExitCode) -> list[Outcome]:
        """The outcomes of a run stopped from outside (a signal, a closed pipe): each ended
        operation's own, `code` with the last state seen for the others."""
        return [
            self.outcomes.get(t.ref) or Outcome(t.ref, code, self.latest.get(t.ref))
            for t in targets
        ]

    def _outcome_of(self, task: asyncio.Future[Outcome], target: Target) -> Outcome:
        if task.done() and not task.cancelled():
            return task.result()
        last = self.latest.get(target.ref)
        return Outcome(target.ref, ExitCode.IN_PROGRESS, last, "not waited for (--fail-fast)")

    async def _tick(self) -> None:
        while True:
            await self.clock.sleep(TICK_SECONDS)
            self.observer.tick()

    async def wait_one(self, target: Target, started: float) -> Outcome:
        watch = _Watch(target, started)
        policy = target.policy
        deadline = None if policy.timeout is None else started + policy.timeout
        try:
            while True:
                result = await self._fetch(target, deadline)
                delay, from_server = self._next_delay(watch, result)
                now = self.clock.monotonic()
                if deadline is not None and now + delay > deadline:
                    if from_server:
                        raise _Ended(ExitCode.TIMEOUT, self._timeout_message(watch, policy))
                    await self.clock.sleep(max(0.0, deadline - now))
                    raise _Ended(ExitCode.TIMEOUT, self._timeout_message(watch, policy))
                await self.clock.sleep(delay)
        except _Ended as end:
            outcome = Outcome(target.ref, end.code, watch.last, end.message)
            self.outcomes[target.ref] = outcome
            self.observer.finished(outcome)
            return outcome

    async def _fetch(self, target: Target, deadline: float | None) -> PollResult:
        if deadline is None:
            return await target.fetch()
        remaining = deadline - self.clock.monotonic()
        # A request never runs past the deadline. Not `asyncio.wait_for`: before Python 3.12 it
        # swallows a cancellation (SIGINT, SIGTERM) that comes just as the response does, and
        # the wait would go on as if no signal had come.
        request = asyncio.ensure_future(target.fetch())
        try:
            done, _ = await asyncio.wait({request}, timeout=max(remaining, 0.001))
        except asyncio.CancelledError:
            request.cancel()
            raise
        if not done:
            request.cancel()
            await asyncio.gather(request, return_exceptions=True)
            raise _Ended(ExitCode.TIMEOUT, "timed out waiting for a response")
        return request.result()

    def _timeout_message(self, watch: _Watch, policy: PollPolicy) -> str:
        from lro_cli.durations import format_duration

        span = format_duration(policy.timeout or 0.0)
        return f"still {watch.last_state} after {span} (--timeout); it goes on server-side"

    def _next_delay(self, watch: _Watch, result: PollResult) -> tuple[float, bool]:
        """Classify one result: end the wait (raise _Ended) or say how long to sleep."""
        if result.operation is not None:
            return self._after_operation(watch, result.operation, result.retry_after)
        assert result.failure is not None
        failure = result.failure
        policy = watch.target.policy
        kind = failure.kind
        if kind in EXIT_BY_FAILURE:
            raise _Ended(EXIT_BY_FAILURE[kind], failure.message)
        now = self.clock.monotonic()
        if kind is FailureKind.NOT_FOUND:
            return self._after_not_found(watch, failure.message, now), False
        if kind is FailureKind.UNREACHABLE and watch.last is None:
            watch.refused_in_row += 1
            if watch.refused_in_row >= policy.connect_tries:
                raise _Ended(ExitCode.UNREACHABLE, failure.message)
            return max(1.0, policy.min_interval), False
        if kind is FailureKind.MALFORMED:
            watch.malformed_in_row += 1
            if watch.malformed_in_row >= MALFORMED_LIMIT:
                raise _Ended(ExitCode.PROTOCOL, f"{failure.message} ({MALFORMED_LIMIT} in a row)")
        else:
            watch.malformed_in_row = 0
        return self._after_transient(watch, failure.message, result.retry_after, now)

    def _after_operation(
        self, watch: _Watch, op: Operation, retry_after: float | None
    ) -> tuple[float, bool]:
        policy = watch.target.policy
        watch.last = op
        self.latest[watch.target.ref] = op
        watch.failures_in_row = watch.malformed_in_row = watch.refused_in_row = 0
        watch.failing_since = None
        watch.excused = 0.0
        watch.confirming_gone = False
        self.observer.update(watch.target.ref, op)
        if op.state in EXIT_BY_STATE:
            message = None
            if op.state is not State.SUCCEEDED:
                message = op.error.message if op.error and op.error.message else None
            raise _Ended(EXIT_BY_STATE[op.state], message)
        if retry_after is not None:
            return honour_retry_after(retry_after, policy.min_interval), True
        return jittered(policy.interval_for(op.type), policy.min_interval, self.rng), False

    def _after_not_found(self, watch: _Watch, message: str, now: float) -> float:
        policy = watch.target.policy
        if watch.last is not None:
            if watch.confirming_gone:
                raise _Ended(ExitCode.NOT_FOUND, f"gone (last state {watch.last_state}): {message}")
            watch.confirming_gone = True
            return policy.min_interval
        grace_end = watch.started + policy.not_found_grace
        if now >= grace_end:
            raise _Ended(ExitCode.NOT_FOUND, message)
        interval = policy.interval_for(None)
        return max(policy.min_interval, min(interval, grace_end - now))

    def _after_transient(
        self, watch: _Watch, message: str, retry_after: float | None, now: float
    ) -> tuple[float, bool]:
        policy = watch.target.policy
        if watch.failing_since is None:
            watch.failing_since = now
        watch.failures_in_row += 1
        spent = now - watch.failing_since - watch.excused
        if spent >= policy.error_budget:
            raise _Ended(ExitCode.UNREACHABLE, f"{message}; gave up after the error budget")
        op_type = watch.last.type if watch.last else None
        delay = backoff(
            policy.interval_for(op_type), watch.failures_in_row, policy.min_interval, self.rng
        )
        from_server = False
        if retry_after is not None:
            asked = honour_retry_after(retry_after, policy.min_interval)
            if asked >= delay:
                watch.excused += asked
                delay, from_server = asked, True
        self.observer.retrying(watch.target.ref, message, delay)
        return delay, from_server
