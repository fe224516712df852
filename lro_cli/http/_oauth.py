"""OAuth2 client credentials (Redpanda): a bearer token minted at a token endpoint.

The exchange goes to `token_url`, another origin than the profile's `base_url`: only the client
id and secret travel there, and the minted token travels only where the session sends it (the
session pins requests to `base_url`'s origin before asking for headers).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import httpx

from lro_cli.errors import AuthError
from lro_cli.http._redact import CONTROL, redact

# Refresh this long before `expires_in` runs out (a tenth of the lifetime for short tokens), so
# a token is never sent in its last seconds and refused on the way.
EXPIRY_MARGIN = 60.0
EXCHANGE_TIMEOUT = 30.0
MESSAGE_LIMIT = 200


class TokenEndpointUnavailable(AuthError):
    """The token endpoint could not be reached or answered a transient error.

    Still an AuthError (exit 5) to anything that only knows that; the session classifies it
    as transient, so that a blip at the token endpoint mid-wait is retried within the budget.
    """


@dataclass(frozen=True)
class _Token:
    value: str
    expires_at: float | None  # on the monotonic clock; None: good until a 401


class ClientCredentialsAuth:
    """`Authorization: Bearer <token>` from an OAuth2 client-credentials exchange.

    The token is cached until shortly before `expires_in` runs out and fetched again once after
    a 401 (`refresh`). `client` is the run's client; without one, each exchange opens its own.
    """

    def __init__(
        self,
        *,
        token_url: str,
        client_id: str,
        client_secret: str,
        audience: str | None = None,
        client: httpx.AsyncClient | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        extra_headers: Mapping[str, str] | None = None,
        debug: Callable[[str], None] | None = None,
    ) -> None:
        self.token_url = token_url
        self._form = {
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": client_secret,
            **({"audience": audience} if audience else {}),
        }
        self._client = client
        self._monotonic = monotonic
        self._extra = dict(extra_headers or {})
        self._debug = debug
        self._token: _Token | None = None
        self._lock = asyncio.Lock()
        self._seen: list[str] = []
        try:
            self._host = httpx.URL(token_url).host or token_url
        except httpx.InvalidURL:
            self._host = "an invalid token_url"

    async def headers(self) -> dict[str, str]:
        async with self._lock:
            if self._token is None or self._expired(self._token):
                self._token = await self._exchange()
            value = self._token.value
        return {**self._extra, "Authorization": f"Bearer {value}"}

    async def refresh(self, rejected: Mapping[str, str] | None = None) -> bool:
        async with self._lock:
            current = self._token.value if self._token else None
            if (
                current is not None
                and rejected is not None
                and rejected.get("Authorization") != f"Bearer {current}"
            ):
                return True  # a concurrent request already fetched a newer token
            self._token = await self._exchange()
            return self._token.value != current

    def secrets(self) -> list[str]:
        return [*self._seen, self._form["client_secret"], self._form["client_id"]]

    def _expired(self, token: _Token) -> bool:
        return token.expires_at is not None and self._monotonic() >= token.expires_at

    async def _exchange(self) -> _Token:
        started = self._monotonic()
        try:
            if self._client is not None:
                response = await self._post(self._client)
            else:
                async with httpx.AsyncClient(
                    timeout=EXCHANGE_TIMEOUT, follow_redirects=False, trust_env=False
                ) as client:
                    response = await self._post(client)
        except httpx.HTTPError as exc:
            self._log(f"-> {type(exc).__name__}")
            raise TokenEndpointUnavailable(
                f"OAuth token exchange with {self._host} failed: {type(exc).__name__}"
            ) from None
        self._log(f"-> {response.status_code}")
        return self._read(response, started)

    async def _post(self, client: httpx.AsyncClient) -> httpx.Response:
        return await client.post(
            self.token_url,
            data=self._form,
            headers={"Accept": "application/json", "User-Agent": "lro"},
        )

    def _read(self, response: httpx.Response, started: float) -> _Token:
        status = response.status_code
        try:
            body = json.loads(response.content)
        except (ValueError, UnicodeDecodeError):
            body = None
        body = body if isinstance(body, dict) else {}
        head = f"OAuth token exchange with {self._host} failed: HTTP {status}"
        if status in (408, 429) or status >= 500:
            raise TokenEndpointUnavailable(head)
        if not 200 <= status < 300:
            raise AuthError(head + self._reason(body))
        token = body.get("access_token")
        if not isinstance(token, str) or not token.strip():
            raise AuthError(
                f"OAuth token exchange with {self._host}: the answer has no access_token"
            )
        token = token.strip()
        self._seen.append(token)
        if not token.isascii() or not token.isprintable():
            raise AuthError(f"OAuth token exchange with {self._host}: the access_token is not text")
        lifetime = body.get("expires_in")
        if isinstance(lifetime, str) and lifetime.strip().isdigit():
            lifetime = int(lifetime)  # some servers quote it
        expires_at = None
        if isinstance(lifetime, (int, float)) and not isinstance(lifetime, bool) and lifetime > 0:
            expires_at = started + lifetime - min(EXPIRY_MARGIN, lifetime / 10)
        return _Token(token, expires_at)

    def _reason(self, body: Mapping[str, object]) -> str:
        """The server's `error` / `error_description` (RFC 6749 5.2), secrets redacted."""
        said = [v for k in ("error", "error_description") if isinstance(v := body.get(k), str)]
        if not said:
            return ""
        text = redact(" ".join(" ".join(said).split()), self.secrets())
        return ": " + CONTROL.sub("?", text[:MESSAGE_LIMIT])

    def _log(self, outcome: str) -> None:
        # The request and answer bodies hold the secret and the token: only the status is shown.
        if self._debug is not None:
            self._debug(redact(f"http: POST {self.token_url} {outcome}", self.secrets()))
