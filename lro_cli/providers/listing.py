"""What every adapter's `list_operations` does the same way: local filters and unique ids."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable

from lro_cli.errors import ProtocolError
from lro_cli.model import Operation
from lro_cli.providers.base import ListQuery

# A server that keeps naming another page (a cursor that never runs out, an offset past a
# count that keeps growing) must not keep `lro list` or `watch --running` paging forever.
MAX_PAGES = 1000


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


async def take(
    pages: AsyncIterator[Iterable[Operation | None]], query: ListQuery
) -> AsyncIterator[Operation]:
    """The operations of each page that pass the query's filters, up to its limit.

    Adapters yield pages of parsed operations (None for an item that could not be read); the
    filtering and the limit are the same for every dialect, so they live here.
    """
    emitted = 0
    pages_read = 0
    try:
        async for page in pages:
            pages_read += 1
            if pages_read > MAX_PAGES:
                raise ProtocolError(
                    f"listing: gave up after {MAX_PAGES} pages; the API keeps naming another"
                )
            for op in page:
                if op is not None and matches(op, query):
                    yield op
                    emitted += 1
                    if enough(emitted, query):
                        return
    finally:
        # Stopping at the limit leaves the pager suspended mid-page: close it now, on this
        # loop, rather than whenever the garbage collector gets to it.
        aclose = getattr(pages, "aclose", None)
        if aclose is not None:
            await aclose()
