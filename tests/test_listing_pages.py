"""`listing.take`: the filters and the limit every adapter shares, and the page cap."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from lro_cli.errors import ExitCode, ProtocolError
from lro_cli.model import Operation, State
from lro_cli.providers.base import ListQuery
from lro_cli.providers.listing import MAX_PAGES, take
from tests.factories import op


class Endless:
    """Pages that never run out, as from a server whose cursor always names another page."""

    def __init__(self, per_page: int, state: State = State.SUCCEEDED) -> None:
        self.per_page = per_page
        self.state = state
        self.served = 0
        self.closed = False

    async def pages(self) -> AsyncIterator[list[Operation | None]]:
        try:
            while True:
                self.served += 1
                yield [op(f"op-{self.served}-{n}", self.state) for n in range(self.per_page)]
        finally:
            self.closed = True


async def collect(source: Endless, query: ListQuery) -> list[Operation]:
    return [item async for item in take(source.pages(), query)]


def test_a_server_that_never_stops_paging_is_a_protocol_error() -> None:
    source = Endless(per_page=2, state=State.SUCCEEDED)
    # No limit, and a filter that nothing matches: only the cap can end it.
    query = ListQuery(states=(State.FAILED,), limit=0)
    with pytest.raises(ProtocolError) as raised:
        asyncio.run(collect(source, query))
    assert raised.value.exit_code is ExitCode.PROTOCOL
    assert f"{MAX_PAGES} pages" in raised.value.message
    assert source.served == MAX_PAGES + 1 and source.closed


def test_the_limit_stops_paging_and_closes_the_pager() -> None:
    source = Endless(per_page=2)
    found = asyncio.run(collect(source, ListQuery(limit=5)))
    assert [o.id for o in found] == ["op-1-0", "op-1-1", "op-2-0", "op-2-1", "op-3-0"]
    assert source.served == 3 and source.closed
