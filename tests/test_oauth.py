from __future__ import annotations

import asyncio
from collections.abc import Iterator
from urllib.parse import parse_qs

import httpx
import pytest
from httpmock import Registry, make_profile, make_session, registry

from lro_cli.config import Credentials
from lro_cli.errors import AuthError, ExitCode
from lro_cli.http import ClientCredentialsAuth, HttpReply, HttpSession, TokenEndpointUnavailable
from lro_cli.model import FailureKind
from lro_cli.providers import registry as providers
from lro_cli.providers.failures import error_for

BASE = "https://api.redpanda.com"
TOKEN_URL = "https://auth.prd.cloud.redpanda.com/oauth/token"
AUDIENCE = "cloudv2-production.redpanda.cloud"
CLIENT_ID = "client-id-4711"
SECRET = "CANARY-client/secret+42"
OP = "/v1/operations/op1"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def reg() -> Iterator[Registry]:
    yield from registry()


def oauth(reg: Registry, clock: FakeClock | None = None, **kwargs: object) -> ClientCredentialsAuth:
    return ClientCredentialsAuth(
        token_url=TOKEN_URL,
        client_id=CLIENT_ID,
        client_secret=SECRET,
        audience=AUDIENCE,
        client=reg.client(),
        monotonic=clock or FakeClock(),
        **kwargs,  # type: ignore[arg-type]
    )


def token_reply(reg: Registry, token: str, expires_in: object = 3600) -> None:
    body = {"access_token": token, "token_type": "Bearer", "expires_in": expires_in}
    reg.json("POST", TOKEN_URL, body)


def profile() -> object:
    return make_profile(
        "redpanda", BASE, credentials=Credentials(client_id=CLIENT_ID, client_secret=SECRET)
    )


def get(
    reg: Registry, auth: ClientCredentialsAuth, *paths: str, **kwargs: object
) -> list[HttpReply]:
    session = make_session(reg, profile(), auth, **kwargs)  # type: ignore[arg-type]

    async def run() -> list[HttpReply]:
        return [await session.get(path) for path in paths or (OP,)]

    return asyncio.run(run())


def test_exchange_posts_the_form_and_sends_the_token_to_base_url_only(reg: Registry) -> None:
    token_reply(reg, "tok-1")
    reg.json("GET", OP, {})
    [reply] = get(reg, oauth(reg))
    assert reply.failure is None
    exchange, api = reg.requests
    assert exchange.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert parse_qs(exchange.content.decode()) == {
        "grant_type": ["client_credentials"],
        "client_id": [CLIENT_ID],
        "client_secret": [SECRET],
        "audience": [AUDIENCE],
    }
    assert "Authorization" not in exchange.headers
    assert api.headers["Authorization"] == "Bearer tok-1"


def test_token_is_cached_until_shortly_before_it_expires(reg: Registry) -> None:
    clock = FakeClock()
    auth = oauth(reg, clock)
    token_reply(reg, "tok-1", 3600)
    token_reply(reg, "tok-2", 3600)

    async def at(*times: float) -> list[str]:
        seen = []
        for offset in times:
            clock.now = 1000.0 + offset
            seen.append((await auth.headers())["Authorization"])
        return seen

    # 3600 s tokens are refreshed 60 s early.
    assert asyncio.run(at(0, 1800, 3539.9, 3540)) == ["Bearer tok-1"] * 3 + ["Bearer tok-2"]
    assert len(reg.requests) == 2


def test_short_lived_tokens_keep_most_of_their_life(reg: Registry) -> None:
    clock = FakeClock()
    auth = oauth(reg, clock)
    token_reply(reg, "tok-1", 30)
    token_reply(reg, "tok-2", 30)

    async def at(*times: float) -> list[str]:
        seen = []
        for offset in times:
            clock.now = 1000.0 + offset
            seen.append((await auth.headers())["Authorization"])
        return seen

    assert asyncio.run(at(0, 26.9, 27)) == ["Bearer tok-1", "Bearer tok-1", "Bearer tok-2"]


@pytest.mark.parametrize("expires_in", [None, "soon", 0, -5], ids=["missing", "text", "0", "neg"])
def test_without_a_lifetime_the_token_lasts_until_a_401(reg: Registry, expires_in: object) -> None:
    clock = FakeClock()
    auth = oauth(reg, clock)
    token_reply(reg, "tok-1", expires_in)

    async def twice() -> None:
        await auth.headers()
        clock.now += 10**6
        await auth.headers()

    asyncio.run(twice())
    assert len(reg.requests) == 1


def test_401_fetches_a_new_token_once_and_resends(reg: Registry) -> None:
    token_reply(reg, "tok-1")
    reg.register("GET", OP, httpx.Response(401))
    token_reply(reg, "tok-2")
    reg.json("GET", OP, {})
    [reply] = get(reg, oauth(reg))
    assert reply.failure is None
    assert [r.headers.get("Authorization") for r in reg.requests[1::2]] == [
        "Bearer tok-1",
        "Bearer tok-2",
    ]


def test_401_after_the_refresh_is_exit_5(reg: Registry) -> None:
    token_reply(reg, "tok-1")
    reg.register("GET", OP, httpx.Response(401, json={"code": 16, "message": "unauthenticated"}))
    token_reply(reg, "tok-2")
    reg.register("GET", OP, httpx.Response(401, json={"code": 16, "message": "unauthenticated"}))
    [reply] = get(reg, oauth(reg))
    assert reply.failure is not None and reply.failure.kind is FailureKind.AUTH
    assert error_for(reply.failure, "polling").exit_code is ExitCode.AUTH


def test_concurrent_401s_share_one_refresh() -> None:
    # Routed, not stubbed in order: the two requests interleave as the event loop pleases.
    minted: list[str] = []

    def route(request: httpx.Request) -> httpx.Response:
        if request.url.host == "auth.prd.cloud.redpanda.com":
            minted.append(f"tok-{len(minted) + 1}")
            return httpx.Response(200, json={"access_token": minted[-1], "expires_in": 3600})
        return httpx.Response(401 if request.headers["Authorization"] == "Bearer tok-1" else 200)

    client = httpx.AsyncClient(transport=httpx.MockTransport(route))
    auth = ClientCredentialsAuth(
        token_url=TOKEN_URL, client_id=CLIENT_ID, client_secret=SECRET, client=client
    )
    session = HttpSession(client, profile(), auth)  # type: ignore[arg-type]

    async def two() -> list[HttpReply]:
        return list(await asyncio.gather(session.get(OP), session.get(OP)))

    assert [r.status for r in asyncio.run(two())] == [200, 200]
    assert minted == ["tok-1", "tok-2"]


def test_refused_exchange_is_exit_5_naming_the_host_never_the_secret(reg: Registry) -> None:
    refusal = {"error": "invalid_client", "error_description": f"unknown client {SECRET}"}
    reg.json("POST", TOKEN_URL, refusal, status=401)
    lines: list[str] = []
    [reply] = get(reg, oauth(reg, debug=lines.append), debug=lines.append)
    assert reply.failure is not None and reply.failure.kind is FailureKind.AUTH
    message = reply.failure.message
    assert "auth.prd.cloud.redpanda.com" in message and "invalid_client" in message
    assert error_for(reply.failure, "polling").exit_code is ExitCode.AUTH
    assert len(reg.requests) == 1  # nothing was sent to the API
    for leak in (SECRET, "CANARY"):
        assert leak not in message and leak not in "\n".join(lines)


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(200, json={"token_type": "Bearer", "expires_in": 3600}),
        httpx.Response(200, text="<html>login</html>"),
        httpx.Response(302, headers={"Location": "https://elsewhere.example/login"}),
        httpx.Response(400, json={"error": "invalid_request"}),
    ],
    ids=["no-access-token", "html", "redirect", "400"],
)
def test_unusable_exchange_answers_are_auth(reg: Registry, answer: httpx.Response) -> None:
    reg.register("POST", TOKEN_URL, answer)
    with pytest.raises(AuthError) as raised:
        asyncio.run(oauth(reg).headers())
    assert type(raised.value) is AuthError
    assert "auth.prd.cloud.redpanda.com" in raised.value.message
    assert len(reg.requests) == 1  # redirects are not followed


@pytest.mark.parametrize(
    "answer",
    [httpx.Response(503), httpx.Response(429), httpx.ConnectError("connection refused")],
    ids=["503", "429", "refused"],
)
def test_token_endpoint_trouble_is_transient(reg: Registry, answer: object) -> None:
    reg.register("POST", TOKEN_URL, answer)  # type: ignore[arg-type]
    [reply] = get(reg, oauth(reg))
    assert reply.failure is not None and reply.failure.kind is FailureKind.TRANSIENT
    assert "auth.prd.cloud.redpanda.com" in reply.failure.message
    assert issubclass(TokenEndpointUnavailable, AuthError)


def test_debug_log_shows_neither_the_secret_nor_the_token(reg: Registry) -> None:
    token_reply(reg, "minted-TOKEN-xyz")
    echo = f'{{"you_sent": "minted-TOKEN-xyz", "id": "{CLIENT_ID}", "s": "{SECRET}"}}'
    reg.register("GET", OP, httpx.Response(200, text=echo))
    lines: list[str] = []
    get(reg, oauth(reg, debug=lines.append), debug=lines.append)
    log = "\n".join(lines)
    assert f"POST {TOKEN_URL} -> 200" in log
    for leak in ("minted-TOKEN-xyz", SECRET, CLIENT_ID):
        assert leak not in log


def test_credentials_never_go_to_another_origin(reg: Registry) -> None:
    [reply] = get(reg, oauth(reg), "https://evil.example.com/v1/operations/op1")
    assert reply.failure is not None and reply.failure.kind is FailureKind.FATAL
    assert reg.requests == []  # not even a token exchange


def test_make_auth_uses_the_profile_token_url_and_audience(reg: Registry) -> None:
    options = {"token_url": "https://auth.example.com/oauth/token", "audience": "aud-x"}
    creds = Credentials(client_id=CLIENT_ID, client_secret=SECRET)
    rp = make_profile("redpanda", BASE, options=options, credentials=creds)
    auth = providers.make_auth(rp, reg.client(), monotonic=FakeClock())
    assert isinstance(auth, ClientCredentialsAuth)
    reg.json("POST", "https://auth.example.com/oauth/token", {"access_token": "t1"})
    assert asyncio.run(auth.headers()) == {"Authorization": "Bearer t1"}
    assert parse_qs(reg.requests[0].content.decode())["audience"] == ["aud-x"]
    assert SECRET in auth.secrets() and "t1" in auth.secrets()


def test_make_auth_without_a_client_opens_its_own(monkeypatch: pytest.MonkeyPatch) -> None:
    # No run client: each exchange opens a short-lived client (here over a mock transport).
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"access_token": "own", "expires_in": 60})

    real = httpx.AsyncClient

    def patched(**kwargs: object) -> httpx.AsyncClient:
        return real(transport=httpx.MockTransport(handler), **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(httpx, "AsyncClient", patched)
    creds = Credentials(client_id=CLIENT_ID, client_secret=SECRET)
    auth = providers.make_auth(make_profile("redpanda", BASE, credentials=creds))
    assert asyncio.run(auth.headers()) == {"Authorization": "Bearer own"}
    assert str(seen[0].url) == TOKEN_URL
