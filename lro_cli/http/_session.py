"""Requests under one profile's base_url: origin pinning, one refresh on 401, redirects."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from urllib.parse import quote

import httpx

from lro_cli.config import Profile
from lro_cli.errors import AuthError
from lro_cli.http._auth import Auth
from lro_cli.http._classify import (
    DescribeError,
    classify_exception,
    classify_status,
    classify_token_endpoint,
    describe_error,
    parse_retry_after,
)
from lro_cli.http._oauth import TokenEndpointUnavailable
from lro_cli.http._redact import CONTROL, redact
from lro_cli.model import FailureKind, PollFailure

MAX_REDIRECTS = 5
BODY_LOG_LIMIT = 500
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
DEFAULT_PORTS = {"http": 80, "https": 443}
ABSOLUTE_URL = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)

Params = Mapping[str, str] | Sequence[tuple[str, str]]


@dataclass(frozen=True)
class HttpReply:
    """One exchange: the response (if any) and how it was classified."""

    status: int | None
    headers: Mapping[str, str]
    body: bytes
    failure: PollFailure | None = None
    retry_after: float | None = None
    url: str = ""

    @property
    def ok(self) -> bool:
        return self.failure is None

    def json(self) -> Any:
        """The body as JSON; raises ValueError when it is not."""
        return json.loads(self.body)


def segment(value: str) -> str:
    """A path segment (an id) quoted so it can neither add segments nor climb out of a path."""
    quoted = quote(value, safe="")
    return quoted.replace(".", "%2E") if quoted in (".", "..") else quoted


def origin(url: httpx.URL) -> tuple[str, str, int | None]:
    scheme = url.scheme.lower()
    return scheme, url.host.lower(), url.port or DEFAULT_PORTS.get(scheme)


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


class HttpSession:
    """Requests under one profile's `base_url`, with its credentials and nowhere else."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        profile: Profile,
        auth: Auth,
        *,
        debug: Callable[[str], None] | None = None,
        now: Callable[[], datetime] = _utcnow,
    ) -> None:
        self.client = client
        self.profile = profile
        self.auth = auth
        self.now = now
        self._debug = debug
        self._base = profile.base_url.rstrip("/")
        self._origin = origin(httpx.URL(self._base))

    def url_for(self, path_or_url: str) -> str:
        """An absolute URL as given, or a path joined under base_url (keeping its prefix)."""
        if ABSOLUTE_URL.match(path_or_url):
            return path_or_url
        path = path_or_url.lstrip("/")
        return f"{self._base}/{path}" if path else self._base

    def same_origin(self, url: str) -> bool:
        try:
            found: tuple[str, str, int | None] = origin(httpx.URL(url))
        except httpx.InvalidURL:
            return False
        return found == self._origin

    def secrets(self) -> list[str]:
        return [*self.profile.credentials.secrets(), *self.auth.secrets()]

    async def get(
        self,
        path_or_url: str,
        params: Params | None = None,
        *,
        describe_error: DescribeError = describe_error,
        follow_redirects: bool = True,
    ) -> HttpReply:
        """GET once. `follow_redirects=False` hands a 3xx back unfollowed, `failure` None."""
        return await self.request(
            "GET",
            path_or_url,
            params=params,
            describe_error=describe_error,
            follow_redirects=follow_redirects,
        )

    async def request(
        self,
        method: str,
        path_or_url: str,
        *,
        params: Params | None = None,
        json_body: Any = None,
        describe_error: DescribeError = describe_error,
        follow_redirects: bool = True,
    ) -> HttpReply:
        url = self.url_for(path_or_url)
        if not self.same_origin(url):
            # Checked before any credential is fetched, let alone sent.
            return self._failed(
                FailureKind.FATAL,
                f"refusing to send credentials to {url}: "
                f"not the origin of profile '{self.profile.name}'",
                url,
            )
        query = _query(params)
        refreshed = False
        hops = 0
        try:
            while True:
                headers = await self.auth.headers()
                response = await self._send(method, url, query, json_body, headers)
                if isinstance(response, PollFailure):
                    return HttpReply(None, httpx.Headers(), b"", self._clean(response), None, url)
                if response.status_code == 401 and not refreshed:
                    refreshed = True
                    if await self.auth.refresh(headers):
                        continue
                if response.status_code in REDIRECT_STATUSES:
                    if not follow_redirects:
                        # For dialects where a redirect ends the operation (Azure's
                        # request-reply): the caller reads Location and never follows it.
                        return self._reply(response, url, None)
                    target = self._follow(response, hops)
                    if isinstance(target, PollFailure):
                        return self._reply(response, url, target)
                    hops += 1
                    url, query = target, None  # the Location carries its own query
                    if response.status_code == 303:
                        method, json_body = "GET", None
                    continue
                failure = classify_status(
                    response.status_code,
                    response.reason_phrase,
                    response.content,
                    describe_error,
                )
                return self._reply(response, url, failure)
        except AuthError as exc:
            if isinstance(exc, TokenEndpointUnavailable):
                # A token endpoint that is down is a network problem, not refused credentials.
                token_url = getattr(self.auth, "token_url", None)
                failure = classify_token_endpoint(
                    exc, exc.message, token_url if isinstance(token_url, str) else None
                )
                return HttpReply(None, httpx.Headers(), b"", self._clean(failure), None, url)
            return self._failed(FailureKind.AUTH, exc.message, url)

    def _follow(self, response: httpx.Response, hops: int) -> str | PollFailure:
        """Where a redirect may be followed with credentials, or why it may not."""
        status = response.status_code
        target = _location(response)
        if target is None:
            return PollFailure(
                FailureKind.PROTOCOL, f"HTTP {status} without a usable Location", status
            )
        if not self.same_origin(target):
            return PollFailure(
                FailureKind.PROTOCOL, f"redirect to another origin refused: {target}", status
            )
        if hops >= MAX_REDIRECTS:
            return PollFailure(FailureKind.PROTOCOL, f"more than {MAX_REDIRECTS} redirects", status)
        return target

    async def _send(
        self,
        method: str,
        url: str,
        query: httpx.QueryParams | None,
        json_body: Any,
        headers: Mapping[str, str],
    ) -> httpx.Response | PollFailure:
        headers = {"Accept": "application/json", "User-Agent": "lro", **headers}
        started = time.perf_counter()
        try:
            response = await self.client.request(
                method, url, params=query, json=json_body, headers=headers
            )
        except httpx.InvalidURL as exc:
            return PollFailure(FailureKind.FATAL, f"invalid URL {url}: {exc}")
        except httpx.HTTPError as exc:
            failure = classify_exception(exc, self._base)
            self._log(f"{method} {url} -> {failure.message}", started)
            return failure
        self._log(
            f"{method} {response.request.url} -> {response.status_code}", started, response.content
        )
        return response

    def _reply(self, response: httpx.Response, url: str, failure: PollFailure | None) -> HttpReply:
        retry_after = parse_retry_after(
            response.headers.get("retry-after"), response.headers.get("date"), self.now()
        )
        return HttpReply(
            response.status_code,
            response.headers,
            response.content,
            self._clean(failure) if failure else None,
            retry_after,
            url,
        )

    def _failed(self, kind: FailureKind, message: str, url: str) -> HttpReply:
        return HttpReply(
            None, httpx.Headers(), b"", self._clean(PollFailure(kind, message)), None, url
        )

    def _clean(self, failure: PollFailure) -> PollFailure:
        return PollFailure(failure.kind, redact(failure.message, self.secrets()), failure.status)

    def _log(self, line: str, started: float, body: bytes | None = None) -> None:
        if self._debug is None:
            return
        elapsed = (time.perf_counter() - started) * 1000
        secrets = self.secrets()
        self._debug(CONTROL.sub("?", redact(f"http: {line} ({elapsed:.0f} ms)", secrets)))
        if body:
            # Redact before truncating, so no secret is cut in half and half shown.
            text = redact(body[: BODY_LOG_LIMIT * 100].decode("utf-8", "replace"), secrets)
            text = " ".join(text.split())
            cut = text[:BODY_LOG_LIMIT] + ("…" if len(text) > BODY_LOG_LIMIT else "")
            self._debug(CONTROL.sub("?", f"http:   body: {cut}"))


def _query(params: Params | None) -> httpx.QueryParams | None:
    if params is None:
        return None
    items: list[tuple[str, str | int | float | bool | None]] = list(
        params.items() if isinstance(params, Mapping) else params
    )
    return httpx.QueryParams(items)


def _location(response: httpx.Response) -> str | None:
    value = response.headers.get("location")
    if not value:
        return None
    try:
        return str(response.request.url.join(value))
    except httpx.InvalidURL:
        return None
