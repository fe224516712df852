"""The adapter Protocol: what the commands may ask of any provider dialect."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, cast

from lro_cli.model import Operation, PollFailure, PollResult, State


@dataclass(frozen=True)
class ListQuery:
    """Filters for `lro list`; an adapter pushes down what its API supports."""

    states: tuple[State, ...] = ()
    types: tuple[str, ...] = ()
    since: datetime | None = None
    limit: int = 50


class Provider(Protocol):
    """One dialect. Adapters classify a single exchange; they never sleep or decide when to poll."""

    name: str
    default_interval: float
    start_response_hint: str  # what `lro wait -` expects on stdin, for the error line

    async def fetch(self, op_id: str) -> PollResult:
        """GET the operation once and classify the answer."""
        ...

    def interval_for(self, op_type: str | None) -> float | None:
        """The built-in poll interval for an operation type, or None for the default."""
        ...

    def list_operations(self, query: ListQuery) -> AsyncIterator[Operation]:
        """Every page followed; raise UsageError (exit 2) where the dialect has no list."""
        ...

    def ids_from_start_response(self, body: object, headers: Mapping[str, str]) -> list[str]:
        """The operation ids a starting response names (for `lro wait -`); [] if none."""
        ...


class Cancellable(Protocol):
    """An optional capability: a dialect whose API can cancel an operation (Google's `:cancel`).

    An adapter has it by setting `can_cancel = True` and defining `cancel`; one that declares
    nothing cannot cancel, so adapters written before this capability need no change.
    """

    can_cancel: bool

    async def cancel(self, op_id: str) -> PollFailure | None:
        """Ask once; None once the provider accepted (it may still finish), else why not."""
        ...


def cancel_capability(provider: Provider) -> Cancellable | None:
    """The adapter as a Cancellable, or None where its provider cannot cancel."""
    if getattr(provider, "can_cancel", False) is not True:
        return None
    return cast(Cancellable, provider) if callable(getattr(provider, "cancel", None)) else None
