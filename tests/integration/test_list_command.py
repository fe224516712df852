"""`lro list` end to end: the real command in a subprocess, against the simulator over loopback.

Each dialect that lists gets five operations, served two to a page (`serve_pages_of_two`), with
creation times two hours apart and two types, so that every page, each filter and the total limit
show in what comes out and in the list requests the simulator logged.
"""

from __future__ import annotations

import json
import select
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from lro_cli.render.json import OPERATION_KEYS
from lro_cli.sim.exchange import SimResponse
from lro_cli.sim.scenario import DEFAULT_GOOGLE_PARENT
from tests.integration.harness import WRONG_KEY, LroSim, Result, Rig

COUNT = 5
HOUR = 3600
DIALECTS = ("gcore", "neon", "redpanda", "google", "http")
DONE = {"gcore": "FINISHED", "neon": "finished", "redpanda": "STATE_COMPLETED",
        "google": "done", "http": "DONE"}  # fmt: skip
RUNNING = {"gcore": "RUNNING", "neon": "running", "redpanda": "STATE_IN_PROGRESS",
           "google": "running", "http": "RUNNING"}  # fmt: skip
# (the type of operations 2, 3 and 4, the type of 0 and 1); Google's type is its metadata's verb.
TYPES = {"gcore": ("create_vm", "delete_volume"), "neon": ("create_branch", "start_compute"),
         "redpanda": ("TYPE_CREATE_CLUSTER", "TYPE_DELETE_NETWORK"),
         "google": ("create", "delete"), "http": ("export", "import")}  # fmt: skip
LIST_PATHS = {"gcore": "/gcore/cloud/v1/tasks", "neon": "/operations",
              "redpanda": "/redpanda/v1/operations", "google": "/operations",
              "http": "/custom/jobs"}  # fmt: skip
# Operations are scripted oldest first. Gcore (asked for order_by=desc), Neon and Redpanda answer
# newest first; the simulated Google and /custom APIs answer in creation order, oldest first.
NEWEST_FIRST = {"gcore", "neon", "redpanda"}
# List requests for all five in pages of two: Neon ends only on an empty page.
PAGES = {"gcore": 3, "neon": 4, "redpanda": 3, "google": 3, "http": 3}
# What each API is asked to filter itself for `--state succeeded`.
PUSHED_STATE = {"gcore": ("state", "FINISHED"), "redpanda": ("filter.state", "STATE_COMPLETED"),
                "google": ("filter", "done=true")}  # fmt: skip
PAGE_SIZE_PARAMS = frozenset({"limit", "page_size", "pageSize"})


def age(index: int) -> float:
    """Seconds operation `index` has run when first seen: the last one scripted is the newest."""
    return (COUNT - 1 - index) * 2 * HOUR


def scripted(dialect: str, index: int) -> dict[str, Any]:
    op: dict[str, Any] = {
        "dialect": dialect,
        "id": f"{dialect}-op-{index}",
        "type": TYPES[dialect][0 if index >= 2 else 1],
        "age": age(index),
        # Even operations finished, odd ones still running.
        "timeline": [{"at": 0, "state": DONE[dialect] if index % 2 == 0 else RUNNING[dialect]}],
    }
    if dialect == "google":
        # Google has its creation time and verb only in the metadata, which the scenario scripts.
        created = datetime.now(timezone.utc) - timedelta(seconds=age(index))
        op["metadata"] = {
            "@type": "type.googleapis.com/google.cloud.common.OperationMetadata",
            "verb": op["type"],
            "createTime": created.isoformat().replace("+00:00", "Z"),
        }
    return op


def op_id(dialect: str, index: int) -> str:
    short = f"{dialect}-op-{index}"
    return f"{DEFAULT_GOOGLE_PARENT}/operations/{short}" if dialect == "google" else short


def in_api_order(dialect: str, indexes: Sequence[int]) -> list[str]:
    return [op_id(dialect, i) for i in sorted(indexes, reverse=dialect in NEWEST_FIRST)]


def serve_pages_of_two(rig: Rig, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the simulator answer at most two operations a page, whatever page size is asked.

    The adapters ask for 100 a page (the http one for none: /custom's default is 2). APIs may
    return fewer than asked (AIP-158 says so), so a server capping pages at two is a real one,
    and with it five operations take three pages.
    """
    handle = rig.sim.handle

    def capped(
        method: str,
        path: str,
        query: list[tuple[str, str]] | None = None,
        headers: Mapping[str, str] | None = None,
        body: bytes = b"",
    ) -> SimResponse:
        pairs = [
            (key, str(min(int(value), 2)) if key in PAGE_SIZE_PARAMS and value.isdigit() else value)
            for key, value in query or ()
        ]
        return handle(method, path, pairs, headers, body)

    monkeypatch.setattr(rig.sim, "handle", capped)


@dataclass
class Listed:
    dialect: str
    rig: Rig

    def run(self, *args: str) -> Result:
        return self.rig.run("list", *args)

    def list_requests(self) -> list[dict[str, str]]:
        """The query of each list request, in order (repeated parameters: the last one)."""
        return [
            dict(r.query)
            for r in self.rig.sim.requests
            if r.method == "GET" and r.path.endswith(LIST_PATHS[self.dialect])
        ]


@pytest.fixture(params=DIALECTS)
def listed(
    request: pytest.FixtureRequest, lro_sim: LroSim, monkeypatch: pytest.MonkeyPatch
) -> Listed:
    dialect: str = request.param
    operations = [scripted(dialect, i) for i in range(COUNT)]
    rig = lro_sim(*operations, default_profile=f"sim-{dialect}")
    serve_pages_of_two(rig, monkeypatch)
    return Listed(dialect, rig)


def table_ids(out: str) -> list[str]:
    lines = out.splitlines()
    assert lines and lines[0].split()[:2] == ["PROFILE", "ID"], out
    return [line.split()[1] for line in lines[1:]]


# Every dialect that lists.


def test_the_table_follows_every_page_in_the_apis_order(listed: Listed) -> None:
    result = listed.run()  # the config's default_profile; plain text, as stdout is a pipe
    assert result.code == 0 and result.err == ""
    assert table_ids(result.out) == in_api_order(listed.dialect, range(COUNT))  # full ids
    assert f"sim-{listed.dialect}" in result.out.splitlines()[1]
    assert len(listed.list_requests()) == PAGES[listed.dialect]


def test_a_state_filter_keeps_that_state_in_a_json_array_with_every_key(listed: Listed) -> None:
    result = listed.run("--state", "succeeded", "-o", "json")
    assert result.out.startswith("[\n") and result.out.endswith("]\n")  # one array
    items = json.loads(result.out)
    assert [item["id"] for item in items] == in_api_order(listed.dialect, [0, 2, 4])
    for item in items:
        assert tuple(item) == OPERATION_KEYS  # every key, and no `raw` without --raw
        assert item["profile"] == f"sim-{listed.dialect}" and item["provider"] == listed.dialect
        assert item["state"] == "succeeded" and item["raw_state"] is not None
    pushed = PUSHED_STATE.get(listed.dialect)
    if pushed is not None:  # asked of the API where it can filter (and checked locally anyway)
        assert all(pushed in query.items() for query in listed.list_requests())


def test_a_type_filter_keeps_that_raw_type(listed: Listed) -> None:
    result = listed.run("--type", TYPES[listed.dialect][0])
    assert result.code == 0
    if listed.dialect == "http":
        # The http dialect has no rule for reading a type, so no operation has one to match.
        assert result.out == ""
        assert result.err_lines == ["lro: no operations match (profile 'sim-http')"]
    else:
        assert table_ids(result.out) == in_api_order(listed.dialect, [2, 3, 4])


def test_since_keeps_those_created_since_one_ndjson_object_a_line(listed: Listed) -> None:
    # Ages: 8h, 6h, 4h, 2h and 0h for operations 0 to 4.
    result = listed.run("--since", "3h", "-o", "ndjson", "--raw")
    assert result.code == 0 and result.out.endswith("\n")
    items = [json.loads(line) for line in result.out.splitlines()]
    if listed.dialect == "http":
        # No creation time to compare: an operation without one is shown, not dropped.
        assert [item["id"] for item in items] == in_api_order("http", range(COUNT))
    else:
        assert [item["id"] for item in items] == in_api_order(listed.dialect, [3, 4])
    for item in items:
        assert tuple(item) == (*OPERATION_KEYS, "raw") and isinstance(item["raw"], dict)
    queries = listed.list_requests()
    if listed.dialect == "gcore":  # pushed down: one short page
        assert len(queries) == 1 and "from_timestamp" in queries[0]
    if listed.dialect == "neon":  # newest first: a page all older than --since is the last
        assert len(queries) == 2


def test_the_limit_is_a_total_across_pages(listed: Listed) -> None:
    result = listed.run("--limit", "3", "-o", "json")
    assert result.code == 0
    assert [item["id"] for item in json.loads(result.out)] == in_api_order(
        listed.dialect, range(COUNT)
    )[:3]
    assert len(listed.list_requests()) == 2  # no third page once three are in hand


# Streaming, errors and refusals.


def test_ndjson_streams_before_the_last_page_and_a_closed_pipe_exits_141(
    lro_sim: LroSim, monkeypatch: pytest.MonkeyPatch
) -> None:
    slow_second_page = {"request": 2, "path": LIST_PATHS["gcore"], "kind": "slow", "seconds": 2}
    rig = lro_sim(*(scripted("gcore", i) for i in range(COUNT)), faults=[slow_second_page])
    serve_pages_of_two(rig, monkeypatch)
    proc = rig.popen("list", "-o", "ndjson", stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    try:
        ready, _, _ = select.select([proc.stdout], [], [], 15)
        assert ready, "no line at all"
        first = json.loads(proc.stdout.readline())
        assert first["id"] == op_id("gcore", COUNT - 1)
        # Streamed: the first line is out while page two is held back, so page three has not
        # been asked for (a command that printed at the end would have asked for all three).
        assert len(Listed("gcore", rig).list_requests()) < 3
        assert proc.poll() is None
        proc.stdout.close()  # as `head -1` does
        assert proc.wait(timeout=15) == 141
        assert proc.stderr.read() == b""  # quietly
    finally:
        proc.kill()
        proc.wait()
        proc.stderr.close()


@pytest.mark.parametrize("provider", ["lakesail", "azure"])
def test_a_provider_without_a_list_endpoint_exits_2(lro_sim: LroSim, provider: str) -> None:
    rig = lro_sim()
    result = rig.run("list", "--profile", f"sim-{provider}")
    assert result.code == 2 and result.out == ""
    [line] = result.err_lines
    assert "no list" in line and provider in line.lower()
    assert rig.sim.requests == []


def test_a_refused_key_exits_5(lro_sim: LroSim) -> None:
    bad = {"provider": "gcore", "base_url": "{url}/gcore", "api_key": WRONG_KEY}
    rig = lro_sim(scripted("gcore", 0), profiles={"bad-key": bad})
    result = rig.run("list", "--profile", "bad-key", "-o", "json")
    assert result.code == 5 and result.out == ""
    [line] = result.err_lines
    assert "bad-key" in line and "401" in line
    assert [r.status for r in rig.sim.requests] == [401]


def test_a_503_is_not_retried_and_exits_6(lro_sim: LroSim) -> None:
    unavailable = {"request": 1, "path": LIST_PATHS["gcore"], "status": 503}
    rig = lro_sim(scripted("gcore", 0), faults=[unavailable])
    result = rig.run("list")
    assert result.code == 6 and result.out == ""
    [line] = result.err_lines
    assert "sim-gcore" in line and "503" in line
    assert len(rig.sim.requests) == 1  # `list` answers for its one call, as `get` does


def test_a_failed_later_page_keeps_the_streamed_lines_and_exits_6(
    lro_sim: LroSim, monkeypatch: pytest.MonkeyPatch
) -> None:
    unavailable = {"request": 2, "path": LIST_PATHS["gcore"], "status": 503}
    rig = lro_sim(*(scripted("gcore", i) for i in range(COUNT)), faults=[unavailable])
    serve_pages_of_two(rig, monkeypatch)
    result = rig.run("list", "-o", "ndjson")
    assert result.code == 6
    assert [json.loads(line)["id"] for line in result.out.splitlines()] == [
        "gcore-op-4",
        "gcore-op-3",
    ]
    assert len(result.err_lines) == 1


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--state", "done"], "pending, running, succeeded, failed, cancelled, unknown"),
        (["--limit", "-1"], "--limit"),
        (["--profile", "nope"], "nope"),
    ],
    ids=["state", "limit", "profile"],
)
def test_a_bad_flag_exits_2_with_one_line(lro_sim: LroSim, args: list[str], named: str) -> None:
    rig = lro_sim(scripted("gcore", 0))
    result = rig.run("list", *args)
    assert result.code == 2 and result.out == ""
    [line] = result.err_lines
    assert named in line
    assert rig.sim.requests == []
