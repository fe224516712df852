from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from httpmock import Registry, make_profile, make_session, registry

from lro_cli.config import Credentials
from lro_cli.errors import AuthError, ProtocolError, UsageError
from lro_cli.model import FailureKind, Operation, PollResult, Resource, State
from lro_cli.providers import registry as providers
from lro_cli.providers.base import ListQuery, cancel_capability
from lro_cli.providers.gcore import GcoreProvider
from lro_cli.providers.google import STATE_MAP, GoogleProvider
from lro_cli.providers.neon import NeonProvider

BASE = "https://run.googleapis.com"
NAME = "projects/p/locations/l/operations/op-123"
PARENT = "projects/p/locations/l"
META = "type.googleapis.com/google.cloud.run.v2.OperationMetadata"
SERVICE = "type.googleapis.com/google.cloud.run.v2.Service"


@pytest.fixture
def reg() -> Iterator[Registry]:
    yield from registry()


def google(reg: Registry, *, page_size: int = 100, **options: Any) -> GoogleProvider:
    profile = make_profile(
        "google", BASE, name="g", options=options, credentials=Credentials(token="tok-secret")
    )
    return GoogleProvider(profile, make_session(reg, profile), page_size=page_size)


def operation_body(name: str = NAME, **fields: Any) -> dict[str, Any]:
    return {"name": name, "metadata": {"@type": META, "verb": "create"}, **fields}


def fetch(reg: Registry, body: Any, name: str = NAME) -> PollResult:
    if isinstance(body, bytes):
        reg.register("GET", f"/v1/{name}", httpx.Response(200, content=body))
    else:
        reg.json("GET", f"/v1/{name}", body)
    return asyncio.run(google(reg).fetch(name))


def operation(result: PollResult) -> Operation:
    assert result.failure is None, result.failure
    assert result.operation is not None
    return result.operation


FAILED = {"code": 9, "message": "precondition"}
CANCELLED = {"code": 1, "message": "Operation was cancelled."}
RESPONSE = {"@type": SERVICE, "name": "projects/p/locations/l/services/s"}
STATES: list[tuple[str, dict[str, Any], State, str]] = [
    ("done-absent", {}, State.RUNNING, "done=false"),
    ("done-null", {"done": None}, State.RUNNING, "done=false"),
    ("done-false", {"done": False}, State.RUNNING, "done=false"),
    ("done-neither", {"done": True}, State.SUCCEEDED, "done=true"),
    ("done-response", {"done": True, "response": RESPONSE}, State.SUCCEEDED, "done=true,response"),
    ("done-error", {"done": True, "error": FAILED}, State.FAILED, "done=true,error"),
    (
        "done-cancelled",
        {"done": True, "error": CANCELLED},
        State.CANCELLED,
        "done=true,error=CANCELLED",
    ),
    # Undocumented shapes, decided per PROVIDERS.md ("defensively"):
    # an error code given by name (as Redpanda's rpc.Status may) still reads as cancelled;
    (
        "cancelled-by-name",
        {"done": True, "error": {"code": "CANCELLED"}},
        State.CANCELLED,
        "done=true,error=CANCELLED",
    ),
    # error and response together (a oneof): never success;
    (
        "error-and-response",
        {"done": True, "error": FAILED, "response": RESPONSE},
        State.FAILED,
        "done=true,error,response",
    ),
    # `done` that is not a JSON boolean: shown raw, unknown, polling goes on;
    ("done-yes", {"done": "yes"}, State.UNKNOWN, 'done="yes"'),
    ("done-one", {"done": 1}, State.UNKNOWN, "done=1"),
    # not done, yet an error: `done` decides (the operation still runs).
    ("running-with-error", {"done": False, "error": FAILED}, State.RUNNING, "done=false"),
]


@pytest.mark.parametrize(
    ("fields", "state", "raw"), [s[1:] for s in STATES], ids=[s[0] for s in STATES]
)
def test_state_table(reg: Registry, fields: dict[str, Any], state: State, raw: str) -> None:
    op = operation(fetch(reg, operation_body(**fields)))
    assert (op.state, op.raw_state) == (state, raw)


def test_every_state_map_value_is_reached_by_a_test() -> None:
    assert set(STATE_MAP) <= {s[3] for s in STATES} | {"done=true,error=CANCELLED,response"}


def test_succeeded_operation_from_the_reference(reg: Registry) -> None:
    body = {
        "name": NAME,
        "metadata": {
            "@type": META,
            "createTime": "2026-05-23T05:07:31.123456789Z",
            "endTime": "2026-05-23T05:08:00Z",
            "target": "projects/p/locations/l/services/s",
            "verb": "create",
            "apiVersion": "v2",
        },
        "done": True,
        "response": {**RESPONSE, "uri": "https://s.run.app"},
    }
    op = operation(fetch(reg, body))
    assert (op.profile, op.provider, op.id, op.type) == ("g", "google", NAME, "create")
    assert op.resources == (
        Resource("projects/p/locations/l/services/s", "google.cloud.run.v2.Service"),
    )
    assert op.created_at is not None and op.created_at.isoformat() == (
        "2026-05-23T05:07:31.123456+00:00"
    )
    assert op.finished_at is not None and op.finished_at.isoformat() == "2026-05-23T05:08:00+00:00"
    assert op.error is None and op.raw == body


@pytest.mark.parametrize(
    ("metadata", "response", "expected_type", "resources"),
    [
        ({"@type": META}, {}, "google.cloud.run.v2.OperationMetadata", ()),
        ({"@type": META, "verb": "delete"}, {}, "delete", ()),
        ({}, {}, None, ()),
        ({"target": "projects/p/x/y"}, {}, None, (Resource("projects/p/x/y", None),)),
        (
            {"target": "projects/p/x/y"},
            {"@type": SERVICE},
            None,
            (Resource("projects/p/x/y", "google.cloud.run.v2.Service"),),
        ),
        ({"target": "t"}, {"name": "r", "@type": "Bare"}, None, (Resource("r", "Bare"),)),
        ({"@type": 7, "target": ["x"]}, {"name": 3}, None, ()),
    ],
    ids=["meta-type", "verb-wins", "nothing", "target", "target-typed", "response-name", "junk"],
)
def test_type_and_resources(
    reg: Registry,
    metadata: dict[str, Any],
    response: dict[str, Any],
    expected_type: str | None,
    resources: tuple[Resource, ...],
) -> None:
    body = {"name": NAME, "done": True, "metadata": metadata, "response": response}
    op = operation(fetch(reg, body))
    assert op.type == expected_type
    assert op.resources == resources


def test_error_code_message_and_details(reg: Registry) -> None:
    error = {
        "code": 8,
        "message": "Quota exceeded",
        "details": [
            {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "QUOTA", "domain": "d"},
            {"@type": "type.googleapis.com/google.rpc.Help", "links": []},
            {"@type": "google.rpc.Help", "links": [{"url": "u"}]},
            "junk",
        ],
    }
    op = operation(fetch(reg, operation_body(done=True, error=error)))
    assert op.error is not None
    assert (op.error.code, op.error.message) == ("8", "Quota exceeded")
    assert op.error.details["status"] == "RESOURCE_EXHAUSTED"
    assert op.error.details["reason"] == "QUOTA" and op.error.details["domain"] == "d"
    assert json.loads(op.error.details["Help"]) == {"links": []}
    assert json.loads(op.error.details["Help.2"]) == {"links": [{"url": "u"}]}


def test_metadata_progress(reg: Registry) -> None:
    metadata = {"progressPercent": 40, "statusMessage": "Routing", "requestedCancellation": True}
    op = operation(fetch(reg, operation_body(metadata=metadata)))
    assert op.progress is not None
    assert (op.progress.fraction, op.progress.message) == (0.4, "Routing")
    assert op.progress.stage == "cancel requested"


@pytest.mark.parametrize(
    "body",
    [b"<html>502</html>", b'{"name": "x", "do', b"[1]", {}, {"metadata": {}}],
    ids=["html", "truncated", "array", "empty", "no-name-no-done"],
)
def test_unreadable_2xx_bodies_are_malformed(reg: Registry, body: Any) -> None:
    result = fetch(reg, body)
    assert result.failure is not None and result.failure.kind is FailureKind.MALFORMED


def test_name_segments_are_path_segments_each_quoted(reg: Registry) -> None:
    name = "projects/my proj/locations/l/operations/op#1"
    reg.json("GET", "/v1/projects/my%20proj/locations/l/operations/op%231", operation_body(name))
    assert operation(asyncio.run(google(reg).fetch(name))).id == name


@pytest.mark.parametrize(
    "name",
    ["projects/p/../secrets", "projects//operations/x", "/projects/p", "projects/p/", ".", ""],
)
def test_a_name_with_bad_segments_is_refused_without_a_request(reg: Registry, name: str) -> None:
    provider = google(reg)
    result = asyncio.run(provider.fetch(name))
    assert result.failure is not None and result.failure.kind is FailureKind.FATAL
    refused = asyncio.run(provider.cancel(name))
    assert refused is not None and refused.kind is FailureKind.FATAL
    assert reg.requests == []


def test_a_url_is_fetched_as_given_and_named_by_the_payload(reg: Registry) -> None:
    url = f"{BASE}/v2/{NAME}"
    reg.json("GET", url, operation_body(done=False))
    op = operation(asyncio.run(google(reg).fetch(url)))
    assert op.id == NAME and op.state is State.RUNNING


def test_http_failures_pass_through(reg: Registry) -> None:
    body = {"error": {"code": 404, "message": "Operation not found", "status": "NOT_FOUND"}}
    reg.register("GET", f"/v1/{NAME}", httpx.Response(404, json=body))
    result = asyncio.run(google(reg).fetch(NAME))
    assert result.failure is not None and result.failure.kind is FailureKind.NOT_FOUND
    assert "Operation not found" in result.failure.message


# Cancel -----------------------------------------------------------------------------------------


def test_cancel_posts_an_empty_body_to_name_cancel(reg: Registry) -> None:
    reg.json("POST", f"/v1/{NAME}:cancel", {})
    assert asyncio.run(google(reg).cancel(NAME)) is None
    assert json.loads(reg.requests[0].content) == {}


def test_cancel_by_url_appends_cancel_to_its_path(reg: Registry) -> None:
    reg.json("POST", f"{BASE}/v2/{NAME}:cancel", {})
    assert asyncio.run(google(reg).cancel(f"{BASE}/v2/{NAME}")) is None


def test_cancel_unimplemented_is_a_protocol_refusal_with_its_message(reg: Registry) -> None:
    body = {"error": {"code": 501, "message": "Cancel is not supported", "status": "UNIMPLEMENTED"}}
    reg.register("POST", f"/v1/{NAME}:cancel", httpx.Response(501, json=body))
    failure = asyncio.run(google(reg).cancel(NAME))
    assert failure is not None and failure.kind is FailureKind.PROTOCOL
    assert "Cancel is not supported" in failure.message


def test_only_google_declares_cancel(reg: Registry) -> None:
    assert cancel_capability(google(reg)) is not None
    gcore = GcoreProvider(make_profile(), make_session(reg, make_profile()))
    neon_profile = make_profile("neon", options={"project_id": "x"})
    neon = NeonProvider(neon_profile, make_session(reg, neon_profile))
    assert cancel_capability(gcore) is None and cancel_capability(neon) is None


# Lists -----------------------------------------------------------------------------------------


def collect(provider: GoogleProvider, query: ListQuery) -> list[Operation]:
    async def run() -> list[Operation]:
        return [op async for op in provider.list_operations(query)]

    return asyncio.run(run())


def page(names: list[str], token: str | None = None, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"operations": [operation_body(n, **fields) for n in names]}
    if token is not None:
        body["nextPageToken"] = token
    return body


LIST = f"/v1/{PARENT}/operations"


def test_list_follows_every_page(reg: Registry) -> None:
    names = [f"{PARENT}/operations/op-{i}" for i in range(5)]
    reg.json("GET", LIST, page(names[0:2], "t1"), query={"pageSize": "2"})
    reg.json("GET", LIST, page(names[2:4], "t2"), query={"pageSize": "2", "pageToken": "t1"})
    reg.json("GET", LIST, page(names[4:], ""), query={"pageSize": "2", "pageToken": "t2"})
    ops = collect(google(reg, page_size=2, parent=PARENT), ListQuery())
    assert [op.id for op in ops] == names
    assert "filter" not in reg.requests[0].url.params


def test_list_pushes_done_down_and_filters_locally(reg: Registry) -> None:
    query = {"pageSize": "2", "filter": "done=true"}
    # This server ignores the filter: what comes back unfiltered must not be shown.
    reg.json("GET", LIST, page(["a", "b"], "t1", done=True, error=FAILED), query=query)
    reg.json("GET", LIST, page(["c", "d"], "t2", done=False), query={**query, "pageToken": "t1"})
    reg.json("GET", LIST, page(["e"], done=True), query={**query, "pageToken": "t2"})
    found = collect(google(reg, page_size=2, parent=PARENT), ListQuery(states=(State.FAILED,)))
    assert [op.id for op in found] == ["a", "b"]


@pytest.mark.parametrize(
    ("states", "expected"),
    [
        ((State.RUNNING,), "done=false"),
        ((State.SUCCEEDED, State.CANCELLED), "done=true"),
        ((State.RUNNING, State.SUCCEEDED), None),
        ((State.RUNNING, State.UNKNOWN), None),
    ],
    ids=["running", "terminal", "mixed", "with-unknown"],
)
def test_list_state_filters(reg: Registry, states: tuple[State, ...], expected: str | None) -> None:
    reg.json("GET", LIST, page([]))
    collect(google(reg, parent=PARENT), ListQuery(states=states, types=("create",)))
    assert reg.requests[0].url.params.get("filter") == expected


def test_list_types_and_limit_locally(reg: Registry) -> None:
    body = {"operations": [operation_body(f"o{i}") for i in range(4)], "nextPageToken": "more"}
    body["operations"][1]["metadata"]["verb"] = "delete"
    reg.json("GET", LIST, body)
    ops = collect(google(reg, parent=PARENT), ListQuery(types=("create",), limit=2))
    assert [op.id for op in ops] == ["o0", "o2"]


def test_list_of_pending_asks_nothing(reg: Registry) -> None:
    assert collect(google(reg, parent=PARENT), ListQuery(states=(State.PENDING,))) == []


def test_list_without_parent_is_a_usage_error(reg: Registry) -> None:
    with pytest.raises(UsageError, match="set parent"):
        collect(google(reg), ListQuery())


def test_list_with_a_bad_parent_is_a_usage_error(reg: Registry) -> None:
    with pytest.raises(UsageError, match="parent"):
        collect(google(reg, parent="projects/../x"), ListQuery())


@pytest.mark.parametrize(
    ("response", "error"),
    [
        (httpx.Response(403, json={"error": {"message": "denied"}}), AuthError),
        (httpx.Response(200, json={"operations": {}}), ProtocolError),
    ],
    ids=["403", "not-a-page"],
)
def test_list_failures(reg: Registry, response: httpx.Response, error: type[Exception]) -> None:
    reg.register("GET", LIST, response)
    with pytest.raises(error, match="'g'"):
        collect(google(reg, parent=PARENT), ListQuery())


# Start responses and registry -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "ids"),
    [
        (operation_body(), [NAME]),
        ({"name": "operations/abc"}, ["operations/abc"]),
        ({"name": "projects/p/locations/l/services/s"}, []),  # the resource, not an Operation
        ({"name": 5}, []),
        ({"operations": [operation_body()]}, []),
        ([NAME], []),
        (None, []),
    ],
    ids=["operation", "top-level", "resource", "not-text", "list", "array", "none"],
)
def test_ids_from_start_response(reg: Registry, body: object, ids: list[str]) -> None:
    assert google(reg).ids_from_start_response(body, {}) == ids


def test_registry_builds_google_with_a_bearer_token(reg: Registry) -> None:
    profile = make_profile("google", BASE, credentials=Credentials(token="tok-1"))
    provider = providers.create(profile, make_session(reg, profile, providers.make_auth(profile)))
    assert isinstance(provider, GoogleProvider)
    assert provider.default_interval == 5.0 and provider.interval_for("create") is None
    reg.json("GET", f"/v1/{NAME}", operation_body())
    asyncio.run(provider.fetch(NAME))
    assert reg.requests[0].headers["Authorization"] == "Bearer tok-1"
