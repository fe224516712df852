"""The adapter Protocol: what the commands may ask of any provider dialect."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from lro_cli.model import Operation, PollResult, State


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
