"""The simulator as an httpx transport: no sockets, so tests run on a virtual clock in-process."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import parse_qsl

import httpx

from lro_cli.sim.core import Simulator
from lro_cli.sim.exchange import SimResponse


class SimTransport(httpx.AsyncBaseTransport, httpx.BaseTransport):
    """Hands each request to `simulator.handle`, for `httpx.AsyncClient` or `httpx.Client`.

    A `reset` fault raises `httpx.RemoteProtocolError`; a `slow` one raises `httpx.ReadTimeout`
    when its delay reaches the request's read timeout, and otherwise delivers the response.
    Without `sleep` no time passes; with one (e.g. a virtual clock's `sleep`) the async path
    first waits out the shorter of the delay and the read timeout.
    """

    def __init__(
        self, simulator: Simulator, sleep: Callable[[float], Awaitable[None]] | None = None
    ) -> None:
        self.simulator = simulator
        self._sleep = sleep

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        response = self._exchange(request)
        if response.fault == "slow" and response.delay >= _read_timeout(request):
            raise httpx.ReadTimeout("timed out (simulated slow response)", request=request)
        return _to_httpx(response, request)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        response = self._exchange(request)
        if response.fault == "slow":
            limit = _read_timeout(request)
            if self._sleep is not None:
                await self._sleep(min(response.delay, limit))
            if response.delay >= limit:
                raise httpx.ReadTimeout("timed out (simulated slow response)", request=request)
        return _to_httpx(response, request)

    def _exchange(self, request: httpx.Request) -> SimResponse:
        response = self.simulator.handle(
            request.method,
            request.url.path,
            parse_qsl(request.url.query.decode("ascii"), keep_blank_values=True),
            dict(request.headers),
            request.content,
        )
        if response.fault == "reset":
            raise httpx.RemoteProtocolError(
                "Server disconnected without sending a response (simulated reset).",
                request=request,
            )
        return response


def _read_timeout(request: httpx.Request) -> float:
    timeouts = request.extensions.get("timeout") or {}
    read = timeouts.get("read") if isinstance(timeouts, dict) else None
    return float("inf") if read is None else float(read)


def _to_httpx(response: SimResponse, request: httpx.Request) -> httpx.Response:
    return httpx.Response(
        status_code=response.status,
        headers=list(response.headers.items()),
        content=response.body,
        request=request,
    )
