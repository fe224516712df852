"""What every adapter's `list_operations` does the same way: local filters and unique ids."""

from __future__ import annotations

from collections.abc import Iterable

from lro_cli.model import Operation
from lro_cli.providers.base import ListQuery


def matches(op: Operation, query: ListQuery) -> bool:
    """The query's filters, applied locally (also to what the API filtered: servers may not)."""
    if query.states and op.state not in query.states:
        return False
    if query.types and op.type not in query.types:
        return False
    # An operation without a creation time is kept: better shown than silently dropped.
    return not (query.since and op.created_at and op.created_at < query.since)


def enough(count: int, query: ListQuery) -> bool:
    """Whether `count` operations fill the query's limit (a limit of 0 or less: no limit)."""
    return 0 < query.limit <= count


def unique(ids: Iterable[str | None]) -> list[str]:
    seen: dict[str, None] = {}
    for value in ids:
        if value:
            seen.setdefault(value, None)
    return list(seen)
