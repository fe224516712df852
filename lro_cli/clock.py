"""Time for the engine and the simulator: the system's, or a virtual one for tests.

The virtual clock drives a real asyncio event loop whose time jumps straight to the next timer
whenever nothing is ready, so a two-hour wait with retries runs in milliseconds and every
`asyncio.sleep`, `wait_for` and `call_later` keeps its ordinary meaning.
"""

from __future__ import annotations

import asyncio
import selectors
import time
from collections.abc import Coroutine
from datetime import datetime, timedelta, timezone
from typing import Any, Protocol, TypeVar

T = TypeVar("T")


class Clock(Protocol):
    def monotonic(self) -> float:
        """Seconds on a clock that never goes back; deadlines are measured on it."""

    def now(self) -> datetime:
        """The wall-clock time, timezone-aware UTC."""

    async def sleep(self, seconds: float) -> None: ...

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run a coroutine to completion on an event loop that keeps this clock's time."""


class SystemClock:
    def monotonic(self) -> float:
        return time.monotonic()

    def now(self) -> datetime:
        return datetime.now(timezone.utc)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run(coro)


class VirtualClock:
    """A clock that only moves when everything on its loop is waiting for time to pass."""

    def __init__(self, start: datetime | None = None) -> None:
        self.elapsed = 0.0
        self._start = start or datetime(2026, 1, 1, tzinfo=timezone.utc)

    def monotonic(self) -> float:
        return self.elapsed

    def now(self) -> datetime:
        return self._start + timedelta(seconds=self.elapsed)

    def advance(self, seconds: float) -> None:
        self.elapsed += max(0.0, seconds)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        loop = VirtualTimeLoop(self)
        try:
            asyncio.set_event_loop(loop)
            return loop.run_until_complete(coro)
        finally:
            _cancel_leftovers(loop)
            asyncio.set_event_loop(None)
            loop.close()


class _JumpingSelector(selectors.DefaultSelector):
    """Polls real file descriptors without blocking; a wait for a timer moves the clock instead."""

    def __init__(self, clock: VirtualClock) -> None:
        super().__init__()
        self._clock = clock

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        events: list[tuple[selectors.SelectorKey, int]] = super().select(0)
        if events:
            return events
        if timeout is None:
            # Nothing scheduled at all: only real I/O can wake us, so block briefly on it.
            return list(super().select(0.05))
        self._clock.advance(timeout)
        return events


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    def __init__(self, clock: VirtualClock) -> None:
        super().__init__(selector=_JumpingSelector(clock))
        self._virtual_clock = clock

    def time(self) -> float:
        return self._virtual_clock.elapsed


def _cancel_leftovers(loop: asyncio.AbstractEventLoop) -> None:
    pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
    for task in pending:
        task.cancel()
    if pending:
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
    loop.run_until_complete(loop.shutdown_asyncgens())
