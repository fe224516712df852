"""When to poll next: SPEC.md "Polling" as pure functions of numbers and a random source."""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

RETRY_AFTER_CLAMP = 600.0  # a server may ask for at most 10 minutes between polls
BACKOFF_CAP = 60.0
JITTER = 0.10


@dataclass(frozen=True)
class PollPolicy:
    """Every polling number for one operation, after defaults, profile and flags are merged."""

    interval: float = 5.0
    interval_by_type: Mapping[str, float] = field(default_factory=dict)
    builtin_interval: Callable[[str | None], float | None] = lambda _type: None
    interval_from: str = "default"  # "default" (the provider's), "profile" or "flag"
    min_interval: float = 1.0
    timeout: float | None = 3600.0
    error_budget: float = 300.0
    not_found_grace: float = 15.0
    connect_tries: int = 3  # connection refused before the first good poll

    def interval_for(self, op_type: str | None) -> float:
        """--interval > the profile's interval_by_type > the profile's interval > the provider's
        built-in interval for the type > the provider's default."""
        chosen = self.interval
        if self.interval_from != "flag" and op_type in self.interval_by_type:
            chosen = self.interval_by_type[op_type or ""]
        elif self.interval_from == "default":
            builtin = self.builtin_interval(op_type)
            chosen = self.interval if builtin is None else builtin
        return max(self.min_interval, chosen)


def jittered(interval: float, min_interval: float, rng: random.Random) -> float:
    """The regular interval, spread ±10% so many watchers do not poll in lockstep."""
    return max(min_interval, interval * rng.uniform(1.0 - JITTER, 1.0 + JITTER))


def backoff(interval: float, attempt: int, min_interval: float, rng: random.Random) -> float:
    """Delay before the n-th retry (n ≥ 1): min(60 s, interval × 2^(n−1)) × U[0.5, 1]."""
    exponent = min(max(attempt, 1) - 1, 32)
    base = min(BACKOFF_CAP, interval * (2.0**exponent))
    return max(min_interval, base * rng.uniform(0.5, 1.0))


def honour_retry_after(retry_after: float, min_interval: float) -> float:
    """A server's Retry-After as a delay: floored at min_interval, clamped to 10 minutes."""
    return min(RETRY_AFTER_CLAMP, max(min_interval, retry_after))
