"""The one I/O object: streams, terminal facts, clock, config location and HTTP transport.

Commands receive an `Env` and touch the outside world only through it; tests build one with
`Env.for_test()`, whose streams are in-memory and whose clock is virtual.
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from lro_cli.clock import Clock, SystemClock, VirtualClock

if TYPE_CHECKING:
    import ssl

    from rich.console import Console


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


@dataclass
class Env:
    stdout: TextIO
    stderr: TextIO
    stdin: TextIO
    environ: Mapping[str, str]
    clock: Clock
    stdout_tty: bool = False
    stderr_tty: bool = False
    width: int | None = None
    # An httpx transport to use instead of the network (tests); None means real sockets.
    transport: Any = None
    _consoles: dict[str, Console] = field(default_factory=dict, repr=False)

    @classmethod
    def from_process(cls) -> Env:
        return cls(
            stdout=sys.stdout,
            stderr=sys.stderr,
            stdin=sys.stdin,
            environ=os.environ,
            clock=SystemClock(),
            stdout_tty=_isatty(sys.stdout),
            stderr_tty=_isatty(sys.stderr),
        )

    @classmethod
    def for_test(
        cls,
        *,
        tty: bool = False,
        width: int = 100,
        environ: Mapping[str, str] | None = None,
        stdin: str = "",
        clock: Clock | None = None,
        transport: Any = None,
    ) -> Env:
        return cls(
            stdout=io.StringIO(),
            stderr=io.StringIO(),
            stdin=io.StringIO(stdin),
            environ=dict(environ or {}),
            clock=clock or VirtualClock(),
            stdout_tty=tty,
            stderr_tty=tty,
            width=width,
            transport=transport,
        )

    # Terminal facts (SPEC.md "Streams").

    @property
    def in_ci(self) -> bool:
        value = self.environ.get("CI")
        return value is not None and value.strip().lower() not in ("", "0", "false")

    @property
    def no_color(self) -> bool:
        return "NO_COLOR" in self.environ

    def animates(self, plain: bool) -> bool:
        """Whether progress may redraw in place on standard error."""
        return (
            self.stderr_tty
            and not plain
            and not self.in_ci
            and self.environ.get("TERM", "") != "dumb"
        )

    @property
    def out(self) -> Console:
        return self._console("out", self.stdout, self.stdout_tty)

    @property
    def err(self) -> Console:
        return self._console("err", self.stderr, self.stderr_tty)

    def _console(self, name: str, stream: TextIO, tty: bool) -> Console:
        if name not in self._consoles:
            from rich.console import Console

            self._consoles[name] = Console(
                file=stream,
                force_terminal=tty,
                no_color=self.no_color,
                color_system="auto" if tty and not self.no_color else None,
                width=self.width,
                highlight=False,
                soft_wrap=False,
                emoji=False,
                markup=False,
            )
        return self._consoles[name]

    # Plain writes, for text that must not pass through Rich (machine output, log lines).

    def write_out(self, text: str) -> None:
        self.stdout.write(text)
        self.stdout.flush()

    def write_err(self, text: str) -> None:
        self.stderr.write(text)
        self.stderr.flush()

    # Configuration location.

    def config_path(self, override: str | None = None) -> Path:
        if override:
            return Path(override).expanduser()
        from_env = self.environ.get("LRO_CONFIG")
        if from_env:
            return Path(from_env).expanduser()
        import platformdirs

        return Path(platformdirs.user_config_dir("lro")) / "config.yaml"

    # HTTP: one client for the whole run (keep-alive pool shared by every operation).

    def http_client(self, *, connect_timeout: float = 5.0, read_timeout: float = 30.0) -> Any:
        """An `httpx.AsyncClient` with SPEC.md's request timeouts; redirects are never automatic.

        Certificates are always verified, against `tls_context()`. `trust_env=False` keeps
        proxies and .netrc out of the environment's reach; it would also make httpx ignore
        SSL_CERT_FILE and SSL_CERT_DIR, which is why the TLS context is built here instead.
        """
        import httpx

        return httpx.AsyncClient(
            transport=self.transport,
            # A transport of its own (tests) makes no TLS connection: no context to build.
            verify=True if self.transport is not None else self.tls_context(),
            timeout=httpx.Timeout(read_timeout, connect=connect_timeout),
            follow_redirects=False,
            trust_env=False,
        )

    def tls_context(self) -> ssl.SSLContext:
        """The certificates `lro` trusts: see `tls_context(environ)`."""
        return tls_context(self.environ)


def tls_context(environ: Mapping[str, str]) -> ssl.SSLContext:
    """A verifying client TLS context: SSL_CERT_FILE / SSL_CERT_DIR if set, else certifi's CAs.

    The default is certifi's bundle, as httpx's own: the same public CAs on every platform (a
    python.org build on macOS has no usable system store), and what `lro` trusted before.
    SSL_CERT_FILE (a PEM bundle) and SSL_CERT_DIR (a directory hashed by `openssl rehash`) take
    certifi's place, as they do for OpenSSL itself and for httpx; both set, both count. They
    are read from `environ` only, never by OpenSSL from the process. A variable naming what
    cannot be loaded is a configuration error (exit 2), not a silent fallback to other CAs.
    Nothing here, or anywhere in `lro`, turns verification off.
    """
    import ssl

    import httpx

    from lro_cli.errors import ConfigError

    cafile = environ.get("SSL_CERT_FILE") or None
    capath = environ.get("SSL_CERT_DIR") or None
    if cafile is None and capath is None:
        # httpx's default (certifi's bundle); trust_env=False: not os.environ's variables.
        return httpx.create_ssl_context(verify=True, trust_env=False)
    if capath is not None and not os.path.isdir(capath):
        raise ConfigError(f"SSL_CERT_DIR={capath}: not a directory of CA certificates")
    try:
        return ssl.create_default_context(cafile=cafile, capath=capath)
    except ssl.SSLError as error:
        reason = error.reason or "unreadable"
    except OSError as error:
        reason = error.strerror or type(error).__name__
    raise ConfigError(
        f"SSL_CERT_FILE={cafile}: cannot load CA certificates from it ({reason}); "
        "it should name a PEM bundle"
    )
