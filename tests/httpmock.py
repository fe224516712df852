"""A stub registry for httpx, after cli/cli's `pkg/httpmock`.

Stubs are consumed in the order they were registered; a request that does not match the next
stub, a request with no stub left, and a stub never used all fail the test (`verify`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import httpx

from lro_cli.config import Credentials, PollSettings, Profile
from lro_cli.env import Env
from lro_cli.http import Auth, HttpSession, StaticAuth

Responder = httpx.Response | Callable[[httpx.Request], httpx.Response] | Exception
NOW = datetime(2026, 5, 23, 5, 7, 31, tzinfo=timezone.utc)


@dataclass
class Stub:
    method: str
    url: str  # a path, matched against the request's path, or an absolute URL without query
    respond: Responder
    query: Mapping[str, str | Sequence[str]] | None = None
    used: bool = False

    def mismatch(self, request: httpx.Request) -> str | None:
        if request.method != self.method:
            return f"method {request.method}, expected {self.method}"
        if "://" in self.url:
            actual = str(request.url.copy_with(query=None))
        else:
            actual = request.url.raw_path.decode().split("?")[0]
        if actual != self.url:
            return f"URL {actual}, expected {self.url}"
        for key, expected in (self.query or {}).items():
            wanted = [expected] if isinstance(expected, str) else list(expected)
            if request.url.params.get_list(key) != wanted:
                return f"query {key}={request.url.params.get_list(key)}, expected {wanted}"
        return None


@dataclass
class Registry:
    stubs: list[Stub] = field(default_factory=list)
    requests: list[httpx.Request] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def register(
        self,
        method: str,
        url: str,
        respond: Responder,
        *,
        query: Mapping[str, str | Sequence[str]] | None = None,
    ) -> None:
        self.stubs.append(Stub(method, url, respond, query))

    def json(
        self,
        method: str,
        url: str,
        body: Any,
        *,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
        query: Mapping[str, str | Sequence[str]] | None = None,
    ) -> None:
        content = json.dumps(body).encode()
        response = httpx.Response(
            status, content=content, headers={"Content-Type": "application/json", **(headers or {})}
        )
        self.register(method, url, response, query=query)

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        pending = [stub for stub in self.stubs if not stub.used]
        if not pending:
            self.errors.append(f"no stub left for {request.method} {request.url}")
            raise AssertionError(self.errors[-1])
        stub = pending[0]
        problem = stub.mismatch(request)
        if problem:
            self.errors.append(f"{request.method} {request.url}: {problem}")
            raise AssertionError(self.errors[-1])
        stub.used = True
        if isinstance(stub.respond, Exception):
            raise stub.respond
        if callable(stub.respond):
            return stub.respond(request)
        return stub.respond

    def client(self) -> httpx.AsyncClient:
        """The client `Env` builds for a run, over this registry instead of sockets."""
        client: httpx.AsyncClient = Env.for_test(
            transport=httpx.MockTransport(self.handler)
        ).http_client()
        return client

    def verify(self) -> None:
        assert not self.errors, self.errors
        unused = [f"{stub.method} {stub.url}" for stub in self.stubs if not stub.used]
        assert not unused, f"stubs never requested: {unused}"


def registry() -> Iterator[Registry]:
    """Body of each test module's `reg` fixture: a registry verified at teardown."""
    stubs = Registry()
    yield stubs
    stubs.verify()


def make_profile(
    provider: str = "gcore",
    base_url: str = "https://api.gcore.com",
    *,
    name: str = "p",
    options: Mapping[str, Any] | None = None,
    credentials: Credentials | None = None,
) -> Profile:
    return Profile(
        name=name,
        provider=provider,
        base_url=base_url,
        options=dict(options or {}),
        credentials=credentials or Credentials(api_key="test-key"),
        polling=PollSettings(),
    )


def make_session(
    registry: Registry,
    profile: Profile,
    auth: Auth | None = None,
    *,
    debug: Callable[[str], None] | None = None,
    now: datetime = NOW,
) -> HttpSession:
    return HttpSession(
        registry.client(), profile, auth or StaticAuth({}), debug=debug, now=lambda: now
    )
