from __future__ import annotations

import asyncio
import email.utils
import ssl
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest
from httpmock import NOW, Registry, make_profile, make_session, registry
from hypothesis import given
from hypothesis import strategies as st

from lro_cli.config import Credentials
from lro_cli.http import (
    HttpReply,
    StaticAuth,
    TokenCommandAuth,
    parse_retry_after,
    redact,
    segment,
)
from lro_cli.model import FailureKind

BASE = "https://api.example.com/prefix/v2"


@pytest.fixture
def reg() -> Iterator[Registry]:
    yield from registry()


def get(reg: Registry, path: str = "/ops/1", **kwargs: object) -> HttpReply:
    session = make_session(reg, make_profile(base_url=BASE), **kwargs)  # type: ignore[arg-type]
    return asyncio.run(session.get(path))


# Status families -------------------------------------------------------------------------------

STATUS_KINDS = [
    (200, None),
    (201, None),
    (202, None),
    (204, None),
    (408, FailureKind.TRANSIENT),
    (429, FailureKind.TRANSIENT),
    (500, FailureKind.TRANSIENT),
    (502, FailureKind.TRANSIENT),
    (503, FailureKind.TRANSIENT),
    (504, FailureKind.TRANSIENT),
    (401, FailureKind.AUTH),
    (403, FailureKind.AUTH),
    (404, FailureKind.NOT_FOUND),
    (410, FailureKind.NOT_FOUND),
    (400, FailureKind.PROTOCOL),
    (405, FailureKind.PROTOCOL),
    (409, FailureKind.PROTOCOL),
    (418, FailureKind.PROTOCOL),
    (422, FailureKind.PROTOCOL),
    (501, FailureKind.PROTOCOL),
    (505, FailureKind.PROTOCOL),
    (304, FailureKind.PROTOCOL),
    (599, FailureKind.PROTOCOL),
]


@pytest.mark.parametrize(("status", "kind"), STATUS_KINDS, ids=[str(s) for s, _ in STATUS_KINDS])
def test_status_classification(reg: Registry, status: int, kind: FailureKind | None) -> None:
    reg.register("GET", "/prefix/v2/ops/1", httpx.Response(status, json={"message": "said"}))
    reply = get(reg)
    assert reply.status == status
    assert (reply.failure.kind if reply.failure else None) == kind
    if reply.failure is not None:
        assert reply.failure.status == status


def test_proxy_html_page_on_502_is_transient(reg: Registry) -> None:
    page = "<html><body><h1>502 Bad Gateway</h1>nginx</body></html>"
    reg.register("GET", "/prefix/v2/ops/1", httpx.Response(502, text=page))
    reply = get(reg)
    assert reply.failure is not None
    assert reply.failure.kind is FailureKind.TRANSIENT
    assert "<html>" not in reply.failure.message


@pytest.mark.parametrize(
    "body",
    [{"message": "name taken"}, {"error": {"message": "name taken"}}, {"error": "name taken"}],
    ids=["message", "error.message", "error-string"],
)
def test_protocol_failure_carries_the_provider_message(reg: Registry, body: object) -> None:
    reg.register("GET", "/prefix/v2/ops/1", httpx.Response(409, json=body))
    reply = get(reg)
    assert reply.failure is not None
    assert reply.failure.kind is FailureKind.PROTOCOL
    assert "409" in reply.failure.message
    assert "name taken" in reply.failure.message


def test_adapter_supplied_describe_error(reg: Registry) -> None:
    reg.register("GET", "/prefix/v2/x", httpx.Response(400, json={"detail": [{"msg": "bad id"}]}))
    session = make_session(reg, make_profile(base_url=BASE))
    reply = asyncio.run(session.get("/x", describe_error=lambda b: b["detail"][0]["msg"]))
    assert reply.failure is not None
    assert reply.failure.message.endswith("bad id")


def test_describe_error_that_breaks_on_the_body_is_ignored(reg: Registry) -> None:
    reg.register("GET", "/prefix/v2/x", httpx.Response(400, json=["unexpected"]))
    session = make_session(reg, make_profile(base_url=BASE))
    reply = asyncio.run(session.get("/x", describe_error=lambda b: b["detail"]))
    assert reply.failure is not None
    assert reply.failure.kind is FailureKind.PROTOCOL


def _connect_error(cause: BaseException) -> httpx.ConnectError:
    try:
        raise httpx.ConnectError("All connection attempts failed") from cause
    except httpx.ConnectError as exc:
        return exc


NETWORK_CASES = [
    ("refused", _connect_error(ConnectionRefusedError(111, "refused")), FailureKind.UNREACHABLE),
    (
        "tls",
        _connect_error(ssl.SSLCertVerificationError(1, "certificate verify failed")),
        FailureKind.TLS,
    ),
    ("dns", _connect_error(OSError(-2, "Name or service not known")), FailureKind.TRANSIENT),
    ("connect-timeout", httpx.ConnectTimeout("slow"), FailureKind.TRANSIENT),
    ("read-timeout", httpx.ReadTimeout("slow"), FailureKind.TRANSIENT),
    ("reset", httpx.ReadError("Connection reset by peer"), FailureKind.TRANSIENT),
    ("protocol", httpx.RemoteProtocolError("peer closed"), FailureKind.TRANSIENT),
]


@pytest.mark.parametrize(
    ("error", "kind"), [c[1:] for c in NETWORK_CASES], ids=[c[0] for c in NETWORK_CASES]
)
def test_network_trouble_is_classified_not_raised(
    reg: Registry, error: Exception, kind: FailureKind
) -> None:
    reg.register("GET", "/prefix/v2/ops/1", error)
    reply = get(reg)
    assert reply.status is None
    assert reply.failure is not None
    assert reply.failure.kind is kind


def test_hints_for_refused_and_tls(reg: Registry) -> None:
    reg.register("GET", "/prefix/v2/ops/1", NETWORK_CASES[0][1])
    reg.register("GET", "/prefix/v2/ops/1", NETWORK_CASES[1][1])
    refused, tls = get(reg), get(reg)
    assert refused.failure is not None and "base_url" in refused.failure.message
    assert tls.failure is not None and "SSL_CERT_FILE" in tls.failure.message


# URLs and origins ------------------------------------------------------------------------------


def test_paths_join_under_a_base_url_with_a_prefix(reg: Registry) -> None:
    reg.json("GET", "/prefix/v2/projects/p%2F1/operations/%2E%2E", {})
    session = make_session(reg, make_profile(base_url=BASE))
    reply = asyncio.run(session.get(f"/projects/{segment('p/1')}/operations/{segment('..')}"))
    assert reply.failure is None


def test_repeated_query_parameters(reg: Registry) -> None:
    reg.json("GET", "/prefix/v2/tasks", {}, query={"state": ["NEW", "RUNNING"], "limit": "2"})
    session = make_session(reg, make_profile(base_url=BASE))
    asyncio.run(session.get("tasks", [("state", "NEW"), ("state", "RUNNING"), ("limit", "2")]))


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example.net/prefix/v2/ops/1",
        "http://api.example.com/prefix/v2/ops/1",
        "https://api.example.com:8443/prefix/v2/ops/1",
        "https://api.example.com.evil.net/ops/1",
    ],
    ids=["host", "scheme", "port", "suffix-host"],
)
def test_absolute_url_on_another_origin_is_fatal_and_sends_nothing(reg: Registry, url: str) -> None:
    reply = get(reg, url, auth=StaticAuth({"Authorization": "Bearer secret"}))
    assert reply.failure is not None
    assert reply.failure.kind is FailureKind.FATAL
    assert reg.requests == []


def test_absolute_url_on_the_same_origin_is_sent_with_credentials(reg: Registry) -> None:
    reg.json("GET", "https://api.example.com/elsewhere/op", {"ok": True})
    reply = get(
        reg, "https://api.example.com:443/elsewhere/op", auth=StaticAuth({"Authorization": "K"})
    )
    assert reply.failure is None
    assert reg.requests[0].headers["Authorization"] == "K"


def test_same_origin_redirect_is_followed_with_credentials(reg: Registry) -> None:
    moved = httpx.Response(302, headers={"Location": "/prefix/v2/ops/1?page=2"})
    reg.register("GET", "/prefix/v2/ops/1", moved)
    reg.json("GET", "/prefix/v2/ops/1", {"ok": True}, query={"page": "2"})
    reply = get(reg, auth=StaticAuth({"Authorization": "K"}))
    assert reply.failure is None
    assert reply.json() == {"ok": True}
    assert [r.headers["Authorization"] for r in reg.requests] == ["K", "K"]


def test_cross_origin_redirect_is_refused_without_following(reg: Registry) -> None:
    moved = httpx.Response(307, headers={"Location": "https://collector.evil.net/steal"})
    reg.register("GET", "/prefix/v2/ops/1", moved)
    reply = get(reg, auth=StaticAuth({"Authorization": "K"}))
    assert reply.failure is not None
    assert reply.failure.kind is FailureKind.PROTOCOL
    assert "another origin" in reply.failure.message
    assert [r.url.host for r in reg.requests] == ["api.example.com"]


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
@pytest.mark.parametrize(
    "location", ["https://results.example.net/out/1", "/prefix/v2/ops/2"], ids=["other", "same"]
)
def test_redirect_not_followed_when_asked_comes_back_unclassified(
    reg: Registry, status: int, location: str
) -> None:
    moved = httpx.Response(status, headers={"Location": location, "Retry-After": "4"})
    reg.register("GET", "/prefix/v2/ops/1", moved)
    session = make_session(reg, make_profile(base_url=BASE), StaticAuth({"Authorization": "K"}))
    reply = asyncio.run(session.get("/ops/1", follow_redirects=False))
    assert (reply.status, reply.failure, reply.retry_after) == (status, None, 4.0)
    assert reply.headers["location"] == location
    assert reply.url == f"{BASE}/ops/1"
    assert len(reg.requests) == 1


def test_redirect_loop_ends_as_protocol(reg: Registry) -> None:
    for _ in range(6):
        reg.register("GET", "/prefix/v2/ops/1", httpx.Response(301, headers={"Location": "1"}))
    reply = get(reg)
    assert reply.failure is not None
    assert reply.failure.kind is FailureKind.PROTOCOL
    assert len(reg.requests) == 6


# Auth ------------------------------------------------------------------------------------------

COUNTING_SCRIPT = """
import pathlib, sys
counter = pathlib.Path(sys.argv[1])
runs = int(counter.read_text()) + 1 if counter.exists() else 1
counter.write_text(str(runs))
print(f"  tok-{runs}  ")
"""


def _token_command(tmp_path: Path, script: str = COUNTING_SCRIPT) -> tuple[TokenCommandAuth, Path]:
    path = tmp_path / "token.py"
    path.write_text(script)
    counter = tmp_path / "runs"
    return TokenCommandAuth((sys.executable, str(path), str(counter))), counter


def test_401_runs_the_token_command_again_once_and_resends(reg: Registry, tmp_path: Path) -> None:
    auth, counter = _token_command(tmp_path)
    reg.register("GET", "/prefix/v2/ops/1", httpx.Response(401))
    reg.json("GET", "/prefix/v2/ops/1", {"ok": True})
    reply = get(reg, auth=auth)
    assert reply.failure is None
    assert counter.read_text() == "2"
    assert [r.headers["Authorization"] for r in reg.requests] == ["Bearer tok-1", "Bearer tok-2"]


def test_401_after_the_refresh_is_auth(reg: Registry, tmp_path: Path) -> None:
    auth, counter = _token_command(tmp_path)
    reg.register("GET", "/prefix/v2/ops/1", httpx.Response(401))
    reg.register("GET", "/prefix/v2/ops/1", httpx.Response(401))
    reply = get(reg, auth=auth)
    assert reply.failure is not None
    assert reply.failure.kind is FailureKind.AUTH
    assert counter.read_text() == "2"


def test_token_is_cached_for_the_run(reg: Registry, tmp_path: Path) -> None:
    auth, counter = _token_command(tmp_path)
    reg.json("GET", "/prefix/v2/a", {})
    reg.json("GET", "/prefix/v2/b", {})
    session = make_session(reg, make_profile(base_url=BASE), auth)

    async def both() -> None:
        await session.get("/a")
        await session.get("/b")

    asyncio.run(both())
    assert counter.read_text() == "1"


def test_refresh_yielding_the_same_token_does_not_resend(reg: Registry, tmp_path: Path) -> None:
    auth, counter = _token_command(tmp_path, COUNTING_SCRIPT.replace('f"  tok-{runs}  "', '"same"'))
    reg.register("GET", "/prefix/v2/ops/1", httpx.Response(401))
    reply = get(reg, auth=auth)
    assert reply.failure is not None
    assert reply.failure.kind is FailureKind.AUTH
    assert counter.read_text() == "2"


def test_concurrent_401s_share_one_refresh(reg: Registry, tmp_path: Path) -> None:
    auth, counter = _token_command(tmp_path)

    def by_token(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401 if request.headers["Authorization"] == "Bearer tok-1" else 200)

    for _ in range(4):
        reg.register("GET", "/prefix/v2/ops/1", by_token)
    session = make_session(reg, make_profile(base_url=BASE), auth)

    async def two() -> list[HttpReply]:
        return list(await asyncio.gather(session.get("/ops/1"), session.get("/ops/1")))

    assert [r.status for r in asyncio.run(two())] == [200, 200]
    assert counter.read_text() == "2"


def test_static_credentials_are_not_retried_on_401(reg: Registry) -> None:
    reg.register("GET", "/prefix/v2/ops/1", httpx.Response(401, json={"message": "bad key"}))
    reply = get(reg, auth=StaticAuth({"Authorization": "APIKey k"}))
    assert reply.failure is not None
    assert reply.failure.kind is FailureKind.AUTH
    assert "bad key" in reply.failure.message


def test_failing_token_command_names_argv0_but_never_its_output(
    reg: Registry, tmp_path: Path
) -> None:
    script = "import sys\nprint('LEAKED-TOKEN')\nprint('LEAKED-ERR', file=sys.stderr)\nsys.exit(3)"
    auth, _ = _token_command(tmp_path, script)
    reply = get(reg, auth=auth)
    assert reply.failure is not None
    assert reply.failure.kind is FailureKind.AUTH
    assert sys.executable in reply.failure.message
    assert "status 3" in reply.failure.message
    assert "LEAKED" not in reply.failure.message
    assert reg.requests == []


def test_missing_token_command_is_auth(reg: Registry) -> None:
    reply = get(reg, auth=TokenCommandAuth(("/nonexistent/lro-token-helper",)))
    assert reply.failure is not None
    assert reply.failure.kind is FailureKind.AUTH
    assert "/nonexistent/lro-token-helper" in reply.failure.message


# Retry-After -----------------------------------------------------------------------------------

DATE = "Wed, 21 Oct 2015 07:28:00 GMT"


@pytest.mark.parametrize(
    ("value", "date", "expected"),
    [
        ("7", None, 7.0),
        (" 120 ", None, 120.0),
        ("0", None, 0.0),
        ("-5", None, 0.0),
        ("1.5", None, 1.5),
        ("soon", None, None),
        ("", None, None),
        (None, None, None),
        ("Wed, 21 Oct 2015 07:28:30 GMT", DATE, 30.0),
        ("Wed, 21 Oct 2015 07:27:00 GMT", DATE, 0.0),
        ("Wed, 21 Oct 2015 07:28:30 GMT", "garbage", 0.0),  # read against NOW, years later
        ("Sat, 23 May 2026 05:08:01 GMT", None, 30.0),  # against now
    ],
    ids=[
        "seconds",
        "padded",
        "zero",
        "negative",
        "decimal",
        "garbage",
        "empty",
        "absent",
        "date-vs-Date",
        "past-date",
        "bad-Date-falls-back-to-now",
        "date-vs-now",
    ],
)
def test_parse_retry_after(value: str | None, date: str | None, expected: float | None) -> None:
    assert parse_retry_after(value, date, NOW) == expected


def test_retry_after_is_read_from_any_response(reg: Registry) -> None:
    reg.json("GET", "/prefix/v2/ops/1", {}, headers={"Retry-After": "12"})
    reg.register("GET", "/prefix/v2/ops/1", httpx.Response(503, headers={"Retry-After": "x"}))
    reg.register("GET", "/prefix/v2/ops/1", httpx.Response(429, headers={"Retry-After": "-1"}))
    assert [get(reg).retry_after for _ in range(3)] == [12.0, None, 0.0]


http_dates = st.datetimes(
    min_value=datetime(1970, 1, 2), max_value=datetime(9000, 1, 1), timezones=st.just(timezone.utc)
).map(lambda d: email.utils.format_datetime(d, usegmt=True))


@given(
    value=st.one_of(st.none(), st.text(), http_dates, st.integers().map(str)),
    date=st.one_of(st.none(), st.text(), http_dates),
    now=st.datetimes(timezones=st.sampled_from([timezone.utc, timezone(timedelta(hours=-7))])),
)
def test_parse_retry_after_never_raises_and_is_never_negative(
    value: str | None, date: str | None, now: datetime
) -> None:
    got = parse_retry_after(value, date, now)
    assert got is None or got >= 0.0


# Redaction -------------------------------------------------------------------------------------

CANARY = "CANARY-5ecr3t/Key+42"


def test_debug_log_redacts_every_secret(reg: Registry) -> None:
    echo = (
        f'{{"echo": "{CANARY}", "url_form": "{CANARY.replace("/", "%2F").replace("+", "%2B")}", '
        f'"access_token": "minted-at-runtime", "note": "Authorization: APIKey {CANARY}", '
        f'"pad": "{"x" * 2000}"}}'
    )
    reg.register("GET", "/prefix/v2/ops/1", httpx.Response(200, text=echo))
    lines: list[str] = []
    profile = make_profile(base_url=BASE, credentials=Credentials(api_key=CANARY))
    session = make_session(
        reg, profile, StaticAuth({"Authorization": f"APIKey {CANARY}"}), debug=lines.append
    )
    asyncio.run(session.get("/ops/1", {"token": "query-secret"}))
    log = "\n".join(lines)
    assert len(lines) == 2
    assert "GET https://api.example.com/prefix/v2/ops/1" in lines[0]
    assert "200" in lines[0] and " ms)" in lines[0]
    for secret in (CANARY, "5ecr3t", "minted-at-runtime", "query-secret"):
        assert secret not in log
    assert "***" in lines[1]
    assert len(lines[1]) < 600


def test_debug_log_redacts_fetched_tokens(reg: Registry, tmp_path: Path) -> None:
    auth, _ = _token_command(tmp_path)
    echo = httpx.Response(200, text='{"you_sent": "tok-1"}')
    reg.register("GET", "/prefix/v2/ops/1", echo)
    lines: list[str] = []
    get(reg, auth=auth, debug=lines.append)
    assert "tok-1" not in "\n".join(lines)


@pytest.mark.parametrize(
    ("text", "leak"),
    [
        ("https://user:pa55@host/x", "pa55"),
        ("Authorization: Bearer abc.def", "abc.def"),
        ("x-api-key: k123", "k123"),
        ('{"client_secret": "s3"}', "s3"),
        ("GET /x?api_key=zz9&a=1", "zz9"),
        ("bearer QQQ", "QQQ"),
    ],
    ids=["userinfo", "authorization", "api-key-header", "json-secret", "query", "bearer"],
)
def test_redact_shapes_of_credentials(text: str, leak: str) -> None:
    assert leak not in redact(text, [])


def test_redact_known_values_in_any_form() -> None:
    out = redact('a=s/e+c "s/e+c" s%2Fe%2Bc', ["s/e+c"])
    assert out == 'a=*** "***" ***'
