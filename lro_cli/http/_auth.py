"""Credentials for requests: static headers, and tokens printed by a command.

An OAuth2 client-credentials exchange (Redpanda) fits the same `Auth` Protocol: fetch in
`headers()`, fetch again in `refresh()`, report the fetched token in `secrets()`.
"""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import Mapping, Sequence
from typing import Protocol

from lro_cli.errors import AuthError

TOKEN_COMMAND_TIMEOUT = 60.0


class Auth(Protocol):
    """Where a request's credentials come from.

    `refresh` is called once after a 401 with the headers that were refused; it returns whether
    a retry could succeed (new credentials). It may raise `AuthError`, as may `headers`.
    """

    async def headers(self) -> dict[str, str]: ...

    async def refresh(self, rejected: Mapping[str, str] | None = None) -> bool: ...

    def secrets(self) -> list[str]:
        """Secret values obtained at run time (fetched tokens), for redaction."""
        ...


class StaticAuth:
    """Fixed headers: an API key or a token from the config; nothing to refresh."""

    def __init__(self, headers: Mapping[str, str] | None = None) -> None:
        self._headers = dict(headers or {})

    async def headers(self) -> dict[str, str]:
        return dict(self._headers)

    async def refresh(self, rejected: Mapping[str, str] | None = None) -> bool:
        return False

    def secrets(self) -> list[str]:
        return [value for value in self._headers.values() if value]


def bearer(token: str) -> StaticAuth:
    return StaticAuth({"Authorization": f"Bearer {token}"})


class TokenCommandAuth:
    """A token printed by a command (argv, no shell), cached for the run, re-run on a 401."""

    def __init__(
        self,
        argv: Sequence[str],
        *,
        header: str = "Authorization",
        scheme: str = "Bearer",
        extra_headers: Mapping[str, str] | None = None,
        timeout: float = TOKEN_COMMAND_TIMEOUT,
    ) -> None:
        self.argv = tuple(argv)
        self._header = header
        self._scheme = scheme
        self._extra = dict(extra_headers or {})
        self._timeout = timeout
        self._token: str | None = None
        self._lock = asyncio.Lock()
        self._seen: list[str] = []

    def _value(self, token: str) -> str:
        return f"{self._scheme} {token}" if self._scheme else token

    async def headers(self) -> dict[str, str]:
        async with self._lock:
            if self._token is None:
                self._token = await self._run()
            token = self._token
        return {**self._extra, self._header: self._value(token)}

    async def refresh(self, rejected: Mapping[str, str] | None = None) -> bool:
        async with self._lock:
            current = self._token
            if (
                current is not None
                and rejected is not None
                and rejected.get(self._header) != self._value(current)
            ):
                return True  # a concurrent request already fetched a newer token
            self._token = await self._run()
            return self._token != current

    def secrets(self) -> list[str]:
        return list(self._seen)

    async def _run(self) -> str:
        if not self.argv:
            raise AuthError("token_command is empty")
        name = self.argv[0]
        try:
            done = await asyncio.to_thread(
                subprocess.run,
                list(self.argv),
                capture_output=True,
                stdin=subprocess.DEVNULL,
                timeout=self._timeout,
                check=False,
            )
        except FileNotFoundError:
            raise AuthError(f"token_command {name!r}: command not found") from None
        except subprocess.TimeoutExpired:
            raise AuthError(f"token_command {name!r} timed out after {self._timeout:g} s") from None
        except OSError as exc:
            raise AuthError(f"token_command {name!r} could not run: {exc.strerror}") from None
        # Never quote the output in these messages: it may hold the token or other secrets.
        if done.returncode != 0:
            raise AuthError(f"token_command {name!r} exited with status {done.returncode}")
        token = done.stdout.decode("utf-8", "replace").strip()
        if not token:
            raise AuthError(f"token_command {name!r} printed no token")
        self._seen.append(token)
        if not token.isascii() or not token.isprintable():
            raise AuthError(f"token_command {name!r} printed more than one line of ASCII text")
        return token
