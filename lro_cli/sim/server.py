"""The simulator behind a real HTTP/1.1 server on loopback (standard library, keep-alive)."""

from __future__ import annotations

import contextlib
import os
import socket
import ssl
import struct
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from lro_cli.sim.core import Simulator


def server_tls(certfile: str | os.PathLike[str], keyfile: str | os.PathLike[str]) -> ssl.SSLContext:
    """A server-side TLS context presenting `certfile` (PEM, the chain) with its `keyfile`."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certfile, keyfile)
    return context


class SimServer:
    """Serves `simulator` on `host:port` (port 0: any free port) from a background thread.

    A `slow` fault sleeps at most `max_delay` real seconds and wakes at once on `stop()`.
    With `tls` (a server-side context, see `server_tls`), it serves HTTPS instead: each
    connection's handshake runs in that connection's thread, and one that fails (a client that
    does not trust the certificate) is dropped without a word on standard error.
    """

    def __init__(
        self,
        simulator: Simulator,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        max_delay: float = 60.0,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.simulator = simulator
        self._address = (host, port)
        self._max_delay = max_delay
        self._tls = tls
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("the server is not started")
        return int(self._httpd.server_address[1])

    @property
    def tls_handshakes(self) -> tuple[int, int]:
        """TLS handshakes begun and refused so far (a refused one never reaches the log)."""
        if self._httpd is None:
            raise RuntimeError("the server is not started")
        return self._httpd.handshakes, self._httpd.refused_handshakes

    @property
    def host(self) -> str:
        return self._address[0]

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        scheme = "https" if self._tls is not None else "http"
        return f"{scheme}://{host}:{self.port}"

    def start(self) -> SimServer:
        if self._httpd is not None:
            return self
        httpd = _Server(self._address, _Handler, self.simulator, self._max_delay, self._tls)
        self._httpd = httpd
        self._thread = threading.Thread(
            # A short poll: stop() waits for the loop to notice, and tests stop many servers.
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.02},
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        httpd, thread = self._httpd, self._thread
        if httpd is None:
            return
        httpd.stopping.set()
        httpd.shutdown()
        httpd.close_connections()
        httpd.server_close()
        if thread is not None:
            thread.join(timeout=5)
        self._httpd = self._thread = None

    def __enter__(self) -> SimServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver's default backlog is 5: a client opening more connections at once (an
    # `lro wait` on many operations) would see SYNs dropped and resent a second later, as no
    # real API's server does.
    request_queue_size = 128

    def __init__(
        self,
        address: tuple[str, int],
        handler: type[BaseHTTPRequestHandler],
        simulator: Simulator,
        max_delay: float,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, handler)
        self.simulator = simulator
        self.tls = tls
        self.handshakes = self.refused_handshakes = 0
        self.max_delay = max_delay
        self.stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._resets: set[socket.socket] = set()
        self._connections_lock = threading.Lock()

    def get_request(self) -> tuple[socket.socket, Any]:
        connection, address = super().get_request()
        if self.tls is None:
            return connection, address
        # No handshake here, in the one accepting thread: `finish_request` does it in its own.
        try:
            wrapped = self.tls.wrap_socket(
                connection, server_side=True, do_handshake_on_connect=False
            )
        except OSError:
            connection.close()
            raise
        return wrapped, address

    def finish_request(self, request: Any, client_address: Any) -> None:
        if isinstance(request, ssl.SSLSocket):
            with self._connections_lock:
                self.handshakes += 1
            request.settimeout(10.0)  # a client that never completes the handshake
            try:
                request.do_handshake()
            except OSError:
                with self._connections_lock:
                    self.refused_handshakes += 1
                raise
            request.settimeout(None)
        super().finish_request(request, client_address)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
            reset = request in self._resets
            self._resets.discard(request)
        if reset:
            # No orderly FIN first: with SO_LINGER 0, close() alone sends RST.
            self.close_request(request)
        else:
            super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up mid-request (`lro wait` stopped by Ctrl-C) is nothing to report:
        # the socketserver default prints a traceback on the server's standard error. Nor is a
        # TLS handshake the client refused (it does not trust the certificate: tests want that).
        if isinstance(sys.exc_info()[1], (ConnectionError, ssl.SSLError, TimeoutError)):
            return
        super().handle_error(request, client_address)

    def mark_reset(self, connection: socket.socket) -> None:
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        with self._connections_lock:
            self._resets.add(connection)

    def close_connections(self) -> None:
        """End idle keep-alive connections so their threads finish with the server."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body leave in one segment, without Nagle: no delayed-ACK stall per request.
    wbufsize = 64 * 1024
    disable_nagle_algorithm = True
    server: _Server

    def do_GET(self) -> None:
        self._serve()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        """The simulator keeps its own request log; nothing goes to stderr."""

    def _serve(self) -> None:
        split = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        response = self.server.simulator.handle(
            self.command,
            unquote(split.path),
            parse_qsl(split.query, keep_blank_values=True),
            {key: value for key, value in self.headers.items()},
            body,
        )
        if response.fault == "reset":
            self._reset()
            return
        if response.delay > 0:
            self.server.stopping.wait(min(response.delay, self.server.max_delay))
            if self.server.stopping.is_set():
                self._reset()
                return
        try:
            # Not send_response(): it would add a real-time Date over the simulator's own.
            self.send_response_only(response.status)
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(response.body)
            self.wfile.flush()
        except OSError:
            # The client gave up (its read timeout, during a slow fault): nothing to tell it.
            self.close_connection = True

    def _reset(self) -> None:
        self.server.mark_reset(self.connection)
        self.close_connection = True
