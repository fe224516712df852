"""Whatever a server answers, every adapter classifies it: never an exception.

Each dialect's real bodies (the simulator's, for a rich failed and a rich succeeded operation)
are mutated at random (keys dropped, values replaced by any JSON, nulls nested, huge numbers,
wrong types), and random JSON documents and bytes are thrown at every adapter's `fetch` through
an `httpx.MockTransport`, with random statuses and headers. Every result must be a `PollResult`
whose operation is well formed (and renders as JSON and as text) or whose failure is classified;
`ids_from_start_response` must return a list of texts for any body and headers.
"""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import httpx
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lro_cli.commands.sim import sim_profiles
from lro_cli.config import Profile, load
from lro_cli.env import Env
from lro_cli.errors import ExitCode, LroError
from lro_cli.http import HttpSession
from lro_cli.model import FailureKind, Operation, OperationRef, Outcome, PollResult, State
from lro_cli.providers import registry
from lro_cli.providers.base import ListQuery
from lro_cli.render.json import dumps_outcomes
from lro_cli.render.table import operations_plain
from lro_cli.sim import Simulator

BASE = "http://127.0.0.1:1"
SUB = "00000000-0000-4000-8000-00000000a2e0"
PARENT = "projects/sim-project/locations/us-central1"
AZURE_OP = f"/azure/subscriptions/{SUB}/providers/Microsoft.Compute/locations/westus/operations"

# dialect → (profile, the id `fetch` is given, the simulator path of that id's GET, auth header)
DIALECTS: dict[str, tuple[str, str, str, dict[str, str]]] = {
    "gcore": ("sim-gcore", "{id}", "/gcore/cloud/v1/tasks/{id}",
              {"Authorization": "APIKey sim-gcore-key"}),
    "neon": ("sim-neon", "{id}", "/neon/api/v2/projects/sim-project-000001/operations/{id}",
             {"Authorization": "Bearer sim-neon-key"}),
    "redpanda": ("sim-redpanda", "{id}", "/redpanda/v1/operations/{id}",
                 {"Authorization": "Bearer sim-redpanda-token"}),
    "lakesail": ("sim-lakesail", "{id}", "/lakesail/api/v1/operations/{id}",
                 {"Authorization": "Bearer sim-lakesail-token"}),
    "google": ("sim-google", f"{PARENT}/operations/{{id}}",
               f"/google/v1/{PARENT}/operations/{{id}}",
               {"Authorization": "Bearer sim-google-token"}),
    "azure": ("sim-azure", f"{BASE}{AZURE_OP}/{{id}}?api-version=2024-07-01",
              f"{AZURE_OP}/{{id}}?api-version=2024-07-01",
              {"Authorization": "Bearer sim-azure-token"}),
    "http": ("sim-http", "{id}", "/custom/jobs/{id}", {"X-API-Key": "sim-http-key"}),
}  # fmt: skip

ERROR = {"code": "FAILED_PRECONDITION", "message": "no room", "details": [
    {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "QUOTA"}]}  # fmt: skip
RICH: dict[str, list[dict[str, Any]]] = {
    # dialect → timelines of one step: a rich success and a rich failure
    "gcore": [
        {"state": "FINISHED", "detailed_state": "NETWORK",
         "created_resources": {"instances": ["i-1", "i-2"], "volumes": ["v-1"]},
         "data": {"name": "vm"}},
        {"state": "ERROR", "error": "quota exceeded"},
    ],
    "neon": [
        {"status": "finished", "branch_id": "br-1", "endpoint_id": "ep-1",
         "total_duration_ms": 1234},
        {"status": "failed", "error": "compute failed", "failures_count": 2},
    ],
    "redpanda": [
        {"state": "STATE_COMPLETED", "resource_id": "cl-1", "metadata": {"@type": "x.Meta"},
         "response": {"@type": "x.CreateClusterResponse"}},
        {"state": "STATE_FAILED", "error": ERROR},
    ],
    "lakesail": [
        {"state": "succeeded", "result": {"items": [1], "metadata": {}}, "resource_id": "CL1",
         "resource_type": "cluster", "progress": {"stage": "s", "message": "m", "resources": [
             {"id": "r", "status": "succeeded"}], "summary": {"total": 2, "succeeded": 1}}},
        {"state": "failed", "error": {"code": "X", "message": "m", "errorType": "provider",
                                      "details": {"retryable": True, "retryAfter": 5}}},
    ],
    "google": [
        {"state": "done", "metadata": {"@type": "x.Meta", "verb": "create", "target": "t",
                                       "progressPercent": 50, "statusMessage": "half"},
         "response": {"@type": "type.googleapis.com/x.Instance", "name": "instances/vm"}},
        {"state": "done", "error": {"code": 8, "message": "no capacity", "details": [
            {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "R"}]}},
    ],
    "azure": [
        {"state": "Succeeded", "percent_complete": 100,
         "properties": {"resourceId": "/subscriptions/s/resourceGroups/g/x/vm"}},
        {"state": "Failed", "error": {"code": "Quota", "message": "m", "details": [
            {"code": "a", "message": "b"}]}},
    ],
    "http": [
        {"state": "DONE", "pct": 100, "outputs": ["s3://a", "s3://b"]},
        {"state": "BROKEN", "failure": {"reason": "source missing"}},
    ],
}  # fmt: skip
TYPES = {"gcore": "create_vm", "redpanda": "TYPE_CREATE_CLUSTER"}


def _seeds() -> dict[str, list[bytes]]:
    """Each dialect's real bodies: what the simulator answers for the rich operations."""
    operations = [
        {"dialect": dialect, "id": f"{dialect[:2]}-{n}", "type": TYPES.get(dialect, "create"),
         "timeline": [{"at": 0, **step}],
         **({"urls": ["async_operation"]} if dialect == "azure" else {})}
        for dialect, steps in RICH.items()
        for n, step in enumerate(steps)
    ]  # fmt: skip
    sim = Simulator({"operations": operations})
    seeds: dict[str, list[bytes]] = {}
    for dialect, (_profile, _arg, path, headers) in DIALECTS.items():
        for n in range(len(RICH[dialect])):
            response = sim.handle("GET", path.format(id=f"{dialect[:2]}-{n}"), headers=headers)
            assert response.status == 200, (dialect, response.body)
            seeds.setdefault(dialect, []).append(response.body)
    return seeds


SEEDS = _seeds()


@pytest.fixture(scope="module")
def profiles(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Profile]:
    """The simulator's profiles, as the real config loader builds them."""
    path = tmp_path_factory.mktemp("fuzz") / "config.yaml"
    raw = sim_profiles(BASE, Simulator().scenario)
    # A static token: an OAuth exchange would go through the fuzzed transport too.
    raw["sim-redpanda"] = {"provider": "redpanda", "base_url": f"{BASE}/redpanda", "token": "t"}
    path.write_text(yaml.safe_dump({"profiles": raw}), encoding="utf-8")
    path.chmod(0o600)
    config = load(path, {})
    return {dialect: config.profile(DIALECTS[dialect][0], {}) for dialect in DIALECTS}


# -- strategies ---------------------------------------------------------------------------------

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.sampled_from([10**400, -(10**400), 2**63, -1, 0, 1e308, -0.0, 0.5, 100, 101])
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
    | st.sampled_from(
        ["", "null", "NaN", "running", "done", "DONE", "STATE_COMPLETED", "Succeeded",
         "FINISHED", "succeeded", "failed", "2026-05-23T05:07:31Z", "2026-13-45T99:99:99",
         "9999-12-31T23:59:59Z", "0001-01-01T00:00:00", "1e999", "-5", "\x1b[2J", "a\nb"]
    )
)  # fmt: skip
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                  max_size=4),
    max_leaves=12,
)  # fmt: skip


@st.composite
def mutated(draw: st.DrawFn, value: Any, depth: int = 0) -> Any:
    """`value` with random damage: keys dropped or added, values replaced, nulls nested."""
    choice = draw(st.integers(0, 9))
    if choice == 0:
        return draw(JSON)
    if choice == 1:
        return None
    if isinstance(value, dict):
        result = {}
        for key, item in value.items():
            fate = draw(st.integers(0, 5))
            if fate == 0:
                continue  # dropped
            result[key] = draw(mutated(item, depth + 1)) if fate > 1 else item
        if draw(st.booleans()):
            result[draw(st.sampled_from([*value, "extra", "state", "status", "error"]))] = draw(
                JSON
            )
        return result
    if isinstance(value, list):
        items = [draw(mutated(item, depth + 1)) for item in value]
        if draw(st.booleans()):
            items.append(draw(JSON))
        return items
    if isinstance(value, (int, float)) and not isinstance(value, bool) and choice == 2:
        return draw(st.sampled_from([10**30, -(10**30), 1e308, -1, 2**64, 0.1]))
    if isinstance(value, str) and choice == 2:
        return draw(st.sampled_from(["", " ", value * 3, value.upper(), 0, [value], {"v": value}]))
    return value


STATUSES = st.sampled_from([200] * 12 + [201, 202, 204, 302, 303, 307, 400, 401, 404, 409,
                                         410, 429, 500, 503])  # fmt: skip
HEADERS = st.dictionaries(
    st.sampled_from(["Retry-After", "Location", "Content-Type", "Azure-AsyncOperation", "Date"]),
    st.sampled_from(["5", "-1", "soon", "Wed, 21 Oct 2015 07:28:00 GMT", "", "application/json",
                     f"{BASE}/x", "https://elsewhere.example/x", "/relative", "\x00"]),
    max_size=3,
)  # fmt: skip


# -- the checks ----------------------------------------------------------------------------------


def fetch(
    profile: Profile, op_id: str, status: int, headers: Mapping[str, str], body: bytes
) -> Any:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, headers=dict(headers), content=body)

    async def run() -> Any:
        client = Env.for_test(transport=httpx.MockTransport(answer)).http_client()
        async with client:
            session = HttpSession(client, profile, registry.make_auth(profile, client))
            adapter = registry.create(profile, session)
            result = await adapter.fetch(op_id)
            try:  # as `lro wait -` hands it on: JSON or None, header names in lower case
                parsed: Any = json.loads(body)
            except ValueError:
                parsed = None
            lowered = {name.lower(): value for name, value in headers.items()}
            ids = adapter.ids_from_start_response(parsed, lowered)
            assert isinstance(ids, list) and all(isinstance(i, str) for i in ids), ids
            return result

    return asyncio.run(run())


def _text(value: object, where: str) -> None:
    assert value is None or isinstance(value, str), (where, value)


def _time(value: object, where: str) -> None:
    assert value is None or (isinstance(value, datetime) and value.tzinfo is not None), (
        where,
        value,
    )


def check_operation(op: Operation) -> None:
    assert isinstance(op.state, State)
    assert isinstance(op.id, str)
    for name in ("raw_state", "type"):
        _text(getattr(op, name), name)
    for resource in op.resources:
        assert isinstance(resource.id, str) and resource.id, resource
        _text(resource.type, "resource.type")
    if op.progress is not None:
        fraction = op.progress.fraction
        assert fraction is None or (
            isinstance(fraction, float) and math.isfinite(fraction) and 0 <= fraction <= 1
        ), fraction
        _text(op.progress.stage, "stage")
        _text(op.progress.message, "message")
        counts = op.progress.counts
        assert counts is None or all(
            isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool)
            for k, v in counts.items()
        ), counts
    if op.error is not None:
        _text(op.error.code, "error.code")
        _text(op.error.message, "error.message")
        assert op.error.retryable in (None, True, False)
        assert op.error.retry_after is None or (
            math.isfinite(op.error.retry_after) and op.error.retry_after >= 0
        )
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in op.error.details.items())
    for name in ("created_at", "started_at", "updated_at", "finished_at"):
        _time(getattr(op, name), name)
    # What every command does with it next: JSON (raw included) and the plain table.
    ref = OperationRef(op.profile, op.provider, op.id)
    document = json.loads(dumps_outcomes([Outcome(ref, ExitCode.OK, op)], one=True, raw=True))
    assert document["state"] == op.state.value
    operations_plain([op], datetime.now().astimezone())


def check(result: Any) -> None:
    assert isinstance(result, PollResult), result
    if result.operation is not None:
        check_operation(result.operation)
    else:
        assert result.failure is not None
        assert isinstance(result.failure.kind, FailureKind)
        assert isinstance(result.failure.message, str) and result.failure.message
    assert result.retry_after is None or (
        math.isfinite(result.retry_after) and result.retry_after >= 0
    )


FUZZ = settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.mark.parametrize("dialect", DIALECTS)
@FUZZ
@given(data=st.data())
def test_mutated_real_bodies(
    profiles: dict[str, Profile], dialect: str, data: st.DataObject
) -> None:
    seed = json.loads(data.draw(st.sampled_from(SEEDS[dialect])))
    body = data.draw(mutated(seed))
    status = data.draw(st.sampled_from([200] * 6 + [201, 202, 204]) | STATUSES)
    headers = data.draw(HEADERS)
    op_id = DIALECTS[dialect][1].format(id="x-1")
    encoded = json.dumps(body).encode()
    check(fetch(profiles[dialect], op_id, status, headers, encoded))


@settings(FUZZ, max_examples=200)
@given(
    dialect=st.sampled_from(sorted(DIALECTS)),
    body=JSON.map(lambda v: json.dumps(v).encode())
    | st.binary(max_size=40)
    | st.sampled_from([b"", b"{", b"[]", b"null", b"\xff\xfe", b"<html>502</html>", b"1e999"]),
    status=STATUSES,
    headers=HEADERS,
)
def test_random_bodies_statuses_and_headers(
    profiles: dict[str, Profile],
    dialect: str,
    body: bytes,
    status: int,
    headers: dict[str, str],
) -> None:
    op_id = DIALECTS[dialect][1].format(id="x-1")
    check(fetch(profiles[dialect], op_id, status, headers, body))


LIST_SEEDS: dict[str, Any] = {
    "gcore": lambda item: {"count": 3, "results": [item, item]},
    "neon": lambda item: {"operations": [item["operation"]], "pagination": {"cursor": "c"}},
    "redpanda": lambda item: {"operations": [item["operation"]], "next_page_token": "n"},
    "google": lambda item: {"operations": [item], "nextPageToken": "t"},
    "http": lambda item: {"items": [item], "next": "c2"},
}


def list_all(profile: Profile, pages: list[bytes]) -> list[Operation] | LroError:
    """`list_operations` over `pages` (then a 500): its operations, or the LroError it raised."""
    served = iter(pages)

    def answer(request: httpx.Request) -> httpx.Response:
        body = next(served, None)
        if body is None:
            return httpx.Response(500)
        return httpx.Response(200, content=body)

    async def run() -> list[Operation] | LroError:
        client = Env.for_test(transport=httpx.MockTransport(answer)).http_client()
        async with client:
            session = HttpSession(client, profile, registry.make_auth(profile, client))
            adapter = registry.create(profile, session)
            try:
                return [op async for op in adapter.list_operations(ListQuery(limit=0))]
            except LroError as error:
                return error

    return asyncio.run(run())


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(data=st.data(), dialect=st.sampled_from(sorted(LIST_SEEDS)))
def test_random_list_pages(profiles: dict[str, Profile], data: st.DataObject, dialect: str) -> None:
    item = json.loads(data.draw(st.sampled_from(SEEDS[dialect])))
    pages = data.draw(st.lists(mutated(LIST_SEEDS[dialect](item)) | JSON, min_size=1, max_size=3))
    encoded = [json.dumps(page).encode() for page in pages]
    outcome = list_all(profiles[dialect], encoded)
    if isinstance(outcome, LroError):
        assert outcome.exit_code in (ExitCode.USAGE, ExitCode.PROTOCOL, ExitCode.UNREACHABLE)
        assert outcome.message and "\n" not in outcome.message
    else:
        for operation in outcome:
            check_operation(operation)


def test_seeds_are_read_as_the_operations_they_are(profiles: dict[str, Profile]) -> None:
    """The seeds themselves: a success and a failure in each dialect (the fuzz starts from
    bodies that mean something)."""
    for dialect, bodies in SEEDS.items():
        states = []
        for body in bodies:
            result = fetch(profiles[dialect], DIALECTS[dialect][1].format(id="x"), 200, {}, body)
            check(result)
            assert result.operation is not None, (dialect, result.failure)
            states.append(result.operation.state)
        assert states == [State.SUCCEEDED, State.FAILED], (dialect, states)


# -- found by the fuzz above ----------------------------------------------------------------------


@pytest.mark.parametrize("dialect", ["google", "redpanda"])
def test_rpc_status_details_that_are_not_a_list(profiles: dict[str, Profile], dialect: str) -> None:
    error = {"code": 9, "message": "m", "details": 7}
    body = {"name": f"{PARENT}/operations/x", "done": True, "error": error}
    if dialect == "redpanda":
        body = {"operation": {"id": "x", "state": "STATE_FAILED", "error": error}}
    op_id = DIALECTS[dialect][1].format(id="x")
    check(fetch(profiles[dialect], op_id, 200, {}, json.dumps(body).encode()))
