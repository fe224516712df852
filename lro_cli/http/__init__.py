"""HTTP for every adapter: auth, origin pinning, classification of failures, redaction.

An adapter asks an `HttpSession` for a path under its profile's `base_url` and gets an
`HttpReply`. The session never raises for network trouble: the reply's `failure` is already
classified as SPEC.md "Polling" says, and `retry_after` is parsed from any response.

Only commands that talk to the network import this package (it imports httpx).
"""

from lro_cli.http._auth import Auth, StaticAuth, TokenCommandAuth, bearer
from lro_cli.http._classify import (
    DescribeError,
    classify_exception,
    classify_status,
    describe_error,
    parse_retry_after,
)
from lro_cli.http._oauth import ClientCredentialsAuth, TokenEndpointUnavailable
from lro_cli.http._redact import redact, redact_data, redact_known
from lro_cli.http._session import HttpReply, HttpSession, Params, origin, segment

__all__ = [
    "Auth",
    "ClientCredentialsAuth",
    "DescribeError",
    "HttpReply",
    "HttpSession",
    "Params",
    "StaticAuth",
    "TokenCommandAuth",
    "TokenEndpointUnavailable",
    "bearer",
    "classify_exception",
    "classify_status",
    "describe_error",
    "origin",
    "parse_retry_after",
    "redact",
    "redact_data",
    "redact_known",
    "segment",
]
