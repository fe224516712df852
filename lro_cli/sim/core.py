"""The simulator: every dialect on one set of paths, scripted timelines, faults and a request log.

`Simulator.handle` is pure request handling with no I/O: `SimServer` puts it behind a socket and
`SimTransport` behind an httpx transport. Time comes from the injected clock only.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qsl

from lro_cli.sim.azure import AzureDialect
from lro_cli.sim.custom import CustomDialect
from lro_cli.sim.exchange import Answer, Dialect, RequestRecord, SimRequest, SimResponse
from lro_cli.sim.faults import apply_fault, http_date, plain
from lro_cli.sim.gcore import GcoreDialect
from lro_cli.sim.google import GoogleDialect
from lro_cli.sim.lakesail import LakesailDialect
from lro_cli.sim.loading import load_scenario, parse_operation
from lro_cli.sim.neon import NeonDialect
from lro_cli.sim.operations import OperationBook, World
from lro_cli.sim.redpanda import RedpandaDialect
from lro_cli.sim.scenario import Fault, Scenario, ScriptedOperation

ScenarioSource = Scenario | Mapping[str, Any] | str | os.PathLike[str]


class Simulator:
    """Scripted operations served in every provider's dialect.

    `clock` gives the seconds that timelines and the request log are measured in (pass a virtual
    clock's `monotonic` in tests); `wall` gives the timestamps shown, and by default follows
    `clock` from the current UTC time. `log_limit` keeps only about that many newest entries in
    `requests`, for a long-running server.
    """

    def __init__(
        self,
        scenario: ScenarioSource | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], datetime] | None = None,
        *,
        log_limit: int | None = None,
    ) -> None:
        self._clock = clock
        self._log_limit = log_limit
        self._wall = wall or _wall_following(clock)
        # One lock: the threaded server calls handle() from many threads, and handling is quick.
        self._lock = threading.RLock()
        self.dialects: tuple[Dialect, ...] = (
            GcoreDialect(),
            NeonDialect(),
            RedpandaDialect(),
            LakesailDialect(),
            GoogleDialect(),
            AzureDialect(),
            CustomDialect(),
        )
        self.requests: list[RequestRecord] = []
        self._scenario = Scenario()
        self._book = OperationBook()
        self._server_fault_counts: list[int] = []
        self._request_count = 0
        self.reset(scenario)

    @property
    def scenario(self) -> Scenario:
        return self._scenario

    def reset(self, scenario: ScenarioSource | None = None) -> None:
        """Start over: no timeline started, an empty log; with a scenario, that one instead."""
        with self._lock:
            if scenario is not None:
                loaded = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
                self._scenario = loaded
            self._book = OperationBook()
            for spec in self._scenario.operations:
                self._book.add(spec)
            self._server_fault_counts = [0] * len(self._scenario.faults)
            self.requests = []
            self._request_count = 0

    def add_operation(self, operation: ScriptedOperation | Mapping[str, Any]) -> ScriptedOperation:
        """Script one more operation (same schema as a scenario's `operations` entries)."""
        spec = (
            operation
            if isinstance(operation, ScriptedOperation)
            else parse_operation(operation, self._scenario)
        )
        with self._lock:
            self._book.add(spec)
        return spec

    def token_requests(self, dialect: str = "redpanda") -> list[RequestRecord]:
        """The logged requests to a dialect's token endpoint."""
        return [
            r for r in self.requests if r.dialect == dialect and r.path.endswith("/oauth/token")
        ]

    def polls(self, operation_id: str) -> list[RequestRecord]:
        """The logged GET requests that concerned one operation."""
        return [r for r in self.requests if r.operation_id == operation_id and r.method == "GET"]

    def handle(
        self,
        method: str,
        path: str,
        query: list[tuple[str, str]] | None = None,
        headers: Mapping[str, str] | None = None,
        body: bytes = b"",
    ) -> SimResponse:
        path, _, inline_query = path.partition("?")
        pairs = tuple(query or ()) + tuple(parse_qsl(inline_query, keep_blank_values=True))
        lowered = {key.lower(): value for key, value in (headers or {}).items()}
        with self._lock:
            now, wall = self._clock(), self._wall()
            self._request_count += 1
            request_id = f"{self._request_count:032x}"
            server_fault = self._server_fault(method.upper(), path)
            dialect = self._dialect_for(path)
            if dialect is None:
                answer = _index(path, self.dialects)
            else:
                request = SimRequest(
                    method.upper(), path[len(dialect.prefix) :] or "/", pairs, lowered, body
                )
                world = World(self._book, self._scenario, now, wall, request_id)
                answer = dialect.handle(request, world)
            fault = server_fault or answer.fault
            if fault is None:
                response = plain(answer)
            else:
                response = apply_fault(fault, answer, dialect, wall, request_id)
            if response.status:
                date = {"Date": http_date(wall), "X-Request-Id": request_id}
                response = SimResponse(
                    response.status,
                    {**date, **response.headers},
                    response.body,
                    response.fault,
                    response.delay,
                )
            self.requests.append(
                RequestRecord(
                    time=now,
                    wall=wall,
                    method=method.upper(),
                    path=path,
                    query=pairs,
                    status=response.status or None,
                    operation_id=answer.operation_id,
                    fault=response.fault,
                    dialect=None if dialect is None else dialect.name,
                )
            )
            limit = self._log_limit
            if limit is not None and len(self.requests) > limit + limit // 10:
                del self.requests[: len(self.requests) - limit]  # in batches: cheap on average
            return response

    def _server_fault(self, method: str, path: str) -> Fault | None:
        chosen = None
        for index, fault in enumerate(self._scenario.faults):
            if fault.matches(method, path):
                self._server_fault_counts[index] += 1
                if chosen is None and self._server_fault_counts[index] in fault.requests:
                    chosen = fault
        return chosen

    def _dialect_for(self, path: str) -> Dialect | None:
        for dialect in self.dialects:
            if path == dialect.prefix or path.startswith(dialect.prefix + "/"):
                return dialect
        return None


def _index(path: str, dialects: tuple[Dialect, ...]) -> Answer:
    prefixes = {dialect.name: dialect.prefix for dialect in dialects}
    if path in ("", "/"):
        return Answer(200, {"simulator": "lro", "dialects": prefixes})
    return Answer(404, {"message": f"no simulated API at {path}", "dialects": prefixes})


def _wall_following(clock: Callable[[], float]) -> Callable[[], datetime]:
    anchor, start = datetime.now(timezone.utc), clock()

    def wall() -> datetime:
        return anchor + timedelta(seconds=clock() - start)

    return wall
