from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from httpmock import Registry, make_profile, make_session, registry
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lro_cli.config import Credentials, load
from lro_cli.config_values import json_text
from lro_cli.errors import AuthError, ExitCode, ProtocolError, UsageError
from lro_cli.model import FailureKind, Operation, PollResult, Resource, State
from lro_cli.providers import registry as providers
from lro_cli.providers.base import ListQuery, Provider
from lro_cli.providers.declarative import DeclarativeProvider

BASE = "https://jobs.example.com/api"
JOBS = "/api/v1/jobs"

# A profile as `lro` reads it from YAML: keys of `states` that YAML reads as booleans and numbers.
PROFILE_YAML = """\
profiles:
  jobs:
    provider: http
    base_url: https://jobs.example.com/api
    get: /v1/jobs/{id}
    state_path: job.status
    states:
      queued: pending
      running: running
      done: succeeded
      error: failed
      aborted: cancelled
      true: succeeded
      3: failed
    progress_path: job.percent
    error_path: job.error
    resource_path: [job.output.volume_id, job.output.snapshots]
    start_id_path: job.id
    list: /v1/jobs
    items_path: data.jobs
    next_path: data.next
    cursor_param: after
"""


@pytest.fixture
def reg() -> Iterator[Registry]:
    yield from registry()


@pytest.fixture
def options(tmp_path: Any) -> dict[str, Any]:
    path = tmp_path / "config.yaml"
    path.write_text(PROFILE_YAML)
    path.chmod(0o600)
    return dict(load(path, {}).profile("jobs", {}).options)


def http(reg: Registry, options: dict[str, Any], **overrides: Any) -> DeclarativeProvider:
    profile = make_profile("http", BASE, name="jobs", options={**options, **overrides})
    return DeclarativeProvider(profile, make_session(reg, profile))


def job(status: Any = "running", **fields: Any) -> dict[str, Any]:
    return {"job": {"id": "j-1", "status": status, **fields}}


def fetch(reg: Registry, options: dict[str, Any], body: Any, op_id: str = "j-1") -> PollResult:
    if isinstance(body, (bytes, str)):
        reg.register("GET", f"{JOBS}/{op_id}", httpx.Response(200, content=body))
    else:
        reg.json("GET", f"{JOBS}/{op_id}", body)
    return asyncio.run(http(reg, options).fetch(op_id))


def operation(result: PollResult) -> Operation:
    assert result.failure is None, result.failure
    assert result.operation is not None
    return result.operation


# States -----------------------------------------------------------------------------------------

STATES = [
    ("queued", State.PENDING, "queued"),
    ("running", State.RUNNING, "running"),
    ("done", State.SUCCEEDED, "done"),
    ("error", State.FAILED, "error"),
    ("aborted", State.CANCELLED, "aborted"),
    (True, State.SUCCEEDED, "true"),  # YAML `true:` matches a JSON true
    (3, State.FAILED, "3"),  # YAML `3:` matches a JSON 3
    ("paused", State.UNKNOWN, "paused"),  # not in the profile's table
    ("DONE", State.UNKNOWN, "DONE"),  # raw values are matched exactly
    (False, State.UNKNOWN, "false"),
]


@pytest.mark.parametrize(("raw", "state", "raw_state"), STATES, ids=[s[2] for s in STATES])
def test_state_table(
    reg: Registry, options: dict[str, Any], raw: object, state: State, raw_state: str
) -> None:
    op = operation(fetch(reg, options, job(raw)))
    assert op.state is state
    assert op.raw_state == raw_state == json_text(raw)


def test_every_mapped_value_of_the_profile_is_in_the_table(options: dict[str, Any]) -> None:
    tested = {json_text(raw): state for raw, state, _ in STATES if state is not State.UNKNOWN}
    assert tested == options["states"]


def test_a_mapped_null_is_a_state(reg: Registry, options: dict[str, Any]) -> None:
    reg.json("GET", f"{JOBS}/j-1", job(None))
    states = {**options["states"], "null": State.PENDING}
    op = operation(asyncio.run(http(reg, options, states=states).fetch("j-1")))
    assert (op.state, op.raw_state) == (State.PENDING, "null")


def test_a_full_job(reg: Registry, options: dict[str, Any]) -> None:
    body = job("done", percent=100, output={"volume_id": "vol-1", "snapshots": ["s-1", 7]})
    op = operation(fetch(reg, options, body))
    assert (op.profile, op.provider, op.id, op.type) == ("jobs", "http", "j-1", None)
    assert op.resources == (Resource("vol-1"), Resource("s-1"), Resource("7"))
    assert op.progress is not None and op.progress.fraction == 1.0
    assert op.error is None
    assert op.raw == body


# Progress, errors, resources ------------------------------------------------------------------

PROGRESS = [
    (40, 100.0, 0.4),
    (2.5, 10.0, 0.25),
    (150, 100.0, 1.0),
    (-5, 100.0, 0.0),
    (0, 100.0, 0.0),
    ("40", 100.0, None),
    (True, 100.0, None),
    (None, 100.0, None),
    (10**400, 100.0, None),
]


@pytest.mark.parametrize(("value", "maximum", "fraction"), PROGRESS, ids=repr)
def test_progress(
    reg: Registry, options: dict[str, Any], value: object, maximum: float, fraction: float | None
) -> None:
    reg.register("GET", f"{JOBS}/j-1", httpx.Response(200, content=_dumps(job(percent=value))))
    op = operation(asyncio.run(http(reg, options, progress_max=maximum).fetch("j-1")))
    assert (op.progress.fraction if op.progress else None) == fraction


def test_infinite_progress_is_ignored(reg: Registry, options: dict[str, Any]) -> None:
    op = operation(fetch(reg, options, b'{"job": {"status": "running", "percent": Infinity}}'))
    assert op.progress is None


ERRORS = [
    ("disk full", None, "disk full"),
    ({"message": "disk full", "code": 507}, "507", "disk full"),
    ({"message": "disk full", "code": "E_DISK"}, "E_DISK", "disk full"),
    ({"code": "E_DISK"}, "E_DISK", None),
    ({"detail": "x"}, None, None),
    ("", None, None),
    (42, None, None),
    (None, None, None),
]


@pytest.mark.parametrize(("value", "code", "message"), ERRORS, ids=repr)
def test_error(
    reg: Registry, options: dict[str, Any], value: object, code: str | None, message: str | None
) -> None:
    op = operation(fetch(reg, options, job("error", error=value)))
    if code is None and message is None:
        assert op.error is None
    else:
        assert op.error is not None
        assert (op.error.code, op.error.message) == (code, message)


RESOURCES = [
    ({"volume_id": "vol-1"}, ["vol-1"]),
    ({"volume_id": 12}, ["12"]),
    ({"snapshots": ["s-1", "s-2"]}, ["s-1", "s-2"]),
    ({"snapshots": ["s-1", None, {}, True, "", "s-2"]}, ["s-1", "s-2"]),
    ({"volume_id": "vol-1", "snapshots": "s-1"}, ["vol-1", "s-1"]),
    ({"volume_id": {"id": "x"}}, []),
    (None, []),
]


@pytest.mark.parametrize(("output", "ids"), RESOURCES, ids=repr)
def test_resources_text_and_list(
    reg: Registry, options: dict[str, Any], output: object, ids: list[str]
) -> None:
    op = operation(fetch(reg, options, job("done", output=output)))
    assert [r.id for r in op.resources] == ids
    assert all(r.type is None for r in op.resources)


def test_nested_and_indexed_paths(reg: Registry, options: dict[str, Any]) -> None:
    body = {"stages": [{"name": "build", "state": "running", "pct": 0.5, "err": {"message": "m"}}]}
    reg.json("GET", "/api/v1/runs/r%2F1/status", body)
    provider = http(
        reg,
        options,
        get="/v1/runs/{id}/status",
        state_path="stages.0.state",
        progress_path="stages.-1.pct",
        progress_max=1,
        error_path="stages.0.err",
        resource_path=("stages.0.name",),
    )
    op = operation(asyncio.run(provider.fetch("r/1")))
    assert (op.id, op.state, op.raw_state) == ("r/1", State.RUNNING, "running")
    assert op.progress is not None and op.progress.fraction == 0.5
    assert op.error is not None and op.error.message == "m"
    assert op.resources == (Resource("build"),)


def test_ids_are_quoted_into_one_segment(reg: Registry, options: dict[str, Any]) -> None:
    for op_id, path in [("a/../b", "a%2F..%2Fb"), ("..", "%2E%2E"), ("a b?c", "a%20b%3Fc")]:
        reg.json("GET", f"{JOBS}/{path}", job())
        assert operation(asyncio.run(http(reg, options).fetch(op_id))).id == op_id


def test_an_operation_named_by_url_takes_its_own_id(reg: Registry, options: dict[str, Any]) -> None:
    url = "https://jobs.example.com/api/v1/jobs/j-9"
    reg.json("GET", url, {"id": "j-9", "job": {"status": "queued"}})
    op = operation(asyncio.run(http(reg, options).fetch(url)))
    assert (op.id, op.state) == ("j-9", State.PENDING)


# Unreadable bodies and HTTP failures ----------------------------------------------------------

MALFORMED = [
    (b"<html>502 Bad Gateway</html>", "not JSON"),
    (b'{"job": {"status": "runn', "not JSON"),
    (b"\xff\xfe", "not JSON"),
    ({"job": {}}, "no state at state_path 'job.status'"),
    ({"status": "running"}, "no state at state_path"),
    (["running"], "no state at state_path"),
    ("null", "no state at state_path"),
    (job(None), "is null"),
    (job({"phase": "running"}), "names an object"),
    (job(["running"]), "names a list"),
]


@pytest.mark.parametrize(("body", "fragment"), MALFORMED, ids=[f for _, f in MALFORMED])
def test_unreadable_2xx_bodies_are_malformed(
    reg: Registry, options: dict[str, Any], body: Any, fragment: str
) -> None:
    result = fetch(reg, options, body)
    assert result.failure is not None
    assert result.failure.kind is FailureKind.MALFORMED
    assert fragment in result.failure.message


def test_http_failures_pass_through_with_retry_after(
    reg: Registry, options: dict[str, Any]
) -> None:
    reg.register("GET", f"{JOBS}/j-1", httpx.Response(503, headers={"Retry-After": "7"}))
    reg.register("GET", f"{JOBS}/j-1", httpx.Response(404, json={"message": "no such job"}))
    reg.json("GET", f"{JOBS}/j-1", job("done"), headers={"Retry-After": "2"})
    provider = http(reg, options)
    busy, gone, done = (asyncio.run(provider.fetch("j-1")) for _ in range(3))
    assert busy.failure is not None and busy.failure.kind is FailureKind.TRANSIENT
    assert busy.retry_after == 7.0
    assert gone.failure is not None and gone.failure.kind is FailureKind.NOT_FOUND
    assert operation(done).state is State.SUCCEEDED and done.retry_after == 2.0


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=6),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=25,
)
job_like = st.fixed_dictionaries(
    {},
    optional={
        "job": st.fixed_dictionaries(
            {},
            optional={
                "status": json_values | st.sampled_from(["queued", "done", "error"]),
                "percent": json_values,
                "error": json_values,
                "output": json_values,
            },
        )
    },
)


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=job_like | json_values)
def test_random_bodies_give_an_operation_or_a_classified_failure(
    options: dict[str, Any], body: object
) -> None:
    stubs = Registry()
    stubs.register("GET", f"{JOBS}/j-1", httpx.Response(200, content=_dumps(body)))
    result = asyncio.run(http(stubs, options).fetch("j-1"))
    stubs.verify()
    if result.failure is not None:
        assert result.failure.kind is FailureKind.MALFORMED
    else:
        op = result.operation
        assert op is not None and op.raw_state is not None
        assert op.progress is None or 0.0 <= (op.progress.fraction or 0.0) <= 1.0
        assert all(r.id for r in op.resources)


# Starting responses ---------------------------------------------------------------------------

START = [
    ({"job": {"id": "j-1"}}, ("job.id",), ["j-1"]),
    ({"job": {"id": 17}}, ("job.id",), ["17"]),
    ({"jobs": ["a", "b", "a", None, ""]}, ("jobs",), ["a", "b"]),
    ({"jobs": [{"id": "a"}]}, ("jobs.0.id",), ["a"]),
    ({"job": {"id": "a"}, "more": ["b"]}, ("job.id", "more"), ["a", "b"]),
    ({"job": {}}, ("job.id",), []),
    (["a"], ("job.id",), []),
    (None, ("job.id",), []),
]


@pytest.mark.parametrize(("body", "paths", "ids"), START, ids=repr)
def test_ids_from_start_response(
    reg: Registry, options: dict[str, Any], body: object, paths: tuple[str, ...], ids: list[str]
) -> None:
    provider = http(reg, options, start_id_path=paths)
    assert provider.ids_from_start_response(body, {}) == ids
    assert "'job.id'" in http(reg, options).start_response_hint


def test_without_start_id_path_the_hint_names_the_key(
    reg: Registry, options: dict[str, Any]
) -> None:
    provider = http(reg, options, start_id_path=())
    assert provider.ids_from_start_response({"job": {"id": "j-1"}}, {}) == []
    assert "start_id_path" in provider.start_response_hint
    assert "'jobs'" in provider.start_response_hint


# Lists ------------------------------------------------------------------------------------------


def collect(provider: Provider, query: ListQuery) -> list[Operation]:
    async def run() -> list[Operation]:
        return [op async for op in provider.list_operations(query)]

    return asyncio.run(run())


def item(op_id: str, status: str = "running") -> dict[str, Any]:
    return {"id": op_id, "job": {"status": status}}


def page(*items: dict[str, Any], next_: object = None) -> dict[str, Any]:
    return {"data": {"jobs": list(items), "next": next_}}


JOB_IDS = ["j1", "j2", "j3", "j4", "j5"]


def test_list_follows_the_cursor(reg: Registry, options: dict[str, Any]) -> None:
    items = [item(i) for i in JOB_IDS]
    reg.json("GET", JOBS, page(*items[0:2], next_="c2"), query={"after": []})
    reg.json("GET", JOBS, page(*items[2:4], next_="c4"), query={"after": "c2"})
    reg.json("GET", JOBS, page(*items[4:]), query={"after": "c4"})
    assert [op.id for op in collect(http(reg, options), ListQuery())] == JOB_IDS


def test_list_follows_a_same_origin_next_url(reg: Registry, options: dict[str, Any]) -> None:
    items = [item(i) for i in JOB_IDS]
    second = "https://jobs.example.com/api/v1/jobs?page=2"
    third = "https://jobs.example.com:443/api/v1/jobs?page=3"
    reg.json("GET", JOBS, page(*items[0:2], next_=second))
    reg.json("GET", JOBS, page(*items[2:4], next_=third), query={"page": "2", "after": []})
    reg.json("GET", JOBS, page(*items[4:], next_=""), query={"page": "3"})
    assert [op.id for op in collect(http(reg, options), ListQuery())] == JOB_IDS


@pytest.mark.parametrize(
    "elsewhere",
    [
        "https://evil.example.com/api/v1/jobs?page=2",
        "http://jobs.example.com/api/v1/jobs?page=2",
        "https://jobs.example.com:8443/api/v1/jobs?page=2",
    ],
    ids=["host", "scheme", "port"],
)
def test_list_refuses_a_next_url_of_another_origin(
    reg: Registry, options: dict[str, Any], elsewhere: str
) -> None:
    reg.json("GET", JOBS, page(item("j1"), item("j2"), next_=elsewhere))
    with pytest.raises(ProtocolError) as raised:
        collect(http(reg, options), ListQuery())
    assert raised.value.exit_code == ExitCode.PROTOCOL
    assert "another origin" in raised.value.message and "'jobs'" in raised.value.message
    assert len(reg.requests) == 1


def test_list_filters_locally_and_stops_at_the_limit(
    reg: Registry, options: dict[str, Any]
) -> None:
    reg.json("GET", JOBS, page(item("a"), item("b", "done"), next_="c2"))
    reg.json("GET", JOBS, page(item("c"), {"job": {"status": "running"}}, next_="c4"))
    reg.json("GET", JOBS, page(item("d"), item("e")), query={"after": "c4"})
    query = ListQuery(states=(State.RUNNING,), limit=3)
    assert [op.id for op in collect(http(reg, options), query)] == ["a", "c", "d"]


def test_list_stops_on_a_repeated_cursor_or_an_empty_page(
    reg: Registry, options: dict[str, Any]
) -> None:
    reg.json("GET", JOBS, page(item("a"), next_="c1"))
    reg.json("GET", JOBS, page(item("b"), next_="c1"))
    reg.json("GET", JOBS, page(next_="c9"))
    assert [op.id for op in collect(http(reg, options), ListQuery())] == ["a", "b"]
    assert [op.id for op in collect(http(reg, options), ListQuery())] == []


def test_list_of_a_top_level_array(reg: Registry, options: dict[str, Any]) -> None:
    reg.json("GET", JOBS, [item("a"), item("b", "queued")])
    provider = http(reg, options, items_path=None, next_path=None)
    ops = collect(provider, ListQuery())
    assert [(op.id, op.state) for op in ops] == [("a", State.RUNNING), ("b", State.PENDING)]


def test_list_refused_without_list(reg: Registry, options: dict[str, Any]) -> None:
    with pytest.raises(UsageError) as raised:
        collect(http(reg, options, list=None), ListQuery())
    assert raised.value.exit_code == ExitCode.USAGE
    assert "profile 'jobs' has no `list`" in raised.value.message


@pytest.mark.parametrize(
    ("response", "error", "fragment"),
    [
        (httpx.Response(403, json={"message": "forbidden"}), AuthError, "forbidden"),
        (httpx.Response(200, json={"data": {}}), ProtocolError, "no list at items_path"),
        (httpx.Response(200, content=b"<html>"), ProtocolError, "not JSON"),
    ],
    ids=["403", "no-items", "not-json"],
)
def test_list_page_failure_raises(
    reg: Registry,
    options: dict[str, Any],
    response: httpx.Response,
    error: type[Exception],
    fragment: str,
) -> None:
    reg.register("GET", JOBS, response)
    with pytest.raises(error, match=fragment) as raised:
        collect(http(reg, options), ListQuery())
    assert "'jobs'" in str(raised.value)


# Registry and credentials ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("credentials", "header", "value"),
    [
        (Credentials(token="t-1"), "Authorization", "Bearer t-1"),
        (Credentials(api_key="k-1"), "X-API-Key", "k-1"),
        (Credentials(headers={"X-Tenant": "acme"}), "X-Tenant", "acme"),
    ],
    ids=["token", "api_key", "headers"],
)
def test_registry_builds_http_with_its_credentials(
    reg: Registry, options: dict[str, Any], credentials: Credentials, header: str, value: str
) -> None:
    profile = make_profile("http", BASE, name="jobs", options=options, credentials=credentials)
    provider = providers.create(profile, make_session(reg, profile, providers.make_auth(profile)))
    assert isinstance(provider, DeclarativeProvider)
    reg.json("GET", f"{JOBS}/j-1", job())
    asyncio.run(provider.fetch("j-1"))
    assert reg.requests[0].headers[header] == value


def _dumps(body: object) -> bytes:
    # allow_nan: a server may send NaN / Infinity, which Python's reader accepts.
    return json.dumps(body, allow_nan=True).encode()
