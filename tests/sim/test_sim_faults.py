"""Every fault kind, on an operation's request numbers and server-wide, over real sockets."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
import pytest

from tests.sim.rig import NEON_PROJECT, Rig, gcore_op, neon_op

TASK = "task-1"
OP = "639f7f73-0b76-4749-a767-2d3c627ca5a6"


def faulty(*faults: dict[str, Any]) -> dict[str, Any]:
    return {"operations": [gcore_op(TASK, faults=list(faults)), neon_op(OP, faults=list(faults))]}


def test_status_with_retry_after_seconds(rig_factory: Callable[..., Rig]) -> None:
    rig = rig_factory(faulty({"request": 2, "status": 503, "retry_after": 3}))
    assert rig.task(TASK).status_code == 200
    refused = rig.task(TASK)
    assert refused.status_code == 503
    assert refused.headers["retry-after"] == "3"
    assert refused.json()["message"] == "Service Unavailable"  # Gcore's error shape
    assert rig.task(TASK).status_code == 200
    assert [r.fault for r in rig.sim.polls(TASK)] == [None, "status", None]
    neon = [rig.operation(OP) for _ in range(2)][1]
    assert neon.status_code == 503 and set(neon.json()) == {"code", "message", "request_id"}


def test_retry_after_on_a_good_response(rig_factory: Callable[..., Rig]) -> None:
    rig = rig_factory(faulty({"request": 1, "status": 200, "retry_after": 10}))
    answer = rig.task(TASK)
    assert answer.status_code == 200 and answer.headers["retry-after"] == "10"
    assert answer.json()["state"] == "RUNNING"


def test_retry_after_as_an_http_date(rig_factory: Callable[..., Rig]) -> None:
    rig = rig_factory(faulty({"request": 1, "status": 429, "retry_after_date": 5}))
    rig.advance(0.7)
    limited = rig.task(TASK)
    assert limited.status_code == 429
    later = parsedate_to_datetime(limited.headers["retry-after"])
    sent = parsedate_to_datetime(limited.headers["date"])
    assert (later - sent).total_seconds() == 5
    assert sent.isoformat() == "2026-01-01T00:00:00+00:00"  # the simulator's wall, not real time


def test_every_response_has_a_date(rig: Rig) -> None:
    rig.advance(61)
    for answer in (rig.task("nope"), rig.gcore("/cloud/v1/tasks"), rig.client.get("/")):
        assert answer.headers["date"] == "Thu, 01 Jan 2026 00:01:01 GMT"


def test_reset_drops_the_connection(rig_factory: Callable[..., Rig]) -> None:
    rig = rig_factory(faulty({"request": 1, "kind": "reset"}))
    with pytest.raises(httpx.TransportError):
        rig.task(TASK)
    assert rig.task(TASK).status_code == 200  # a new connection works
    first = rig.sim.polls(TASK)[0]
    assert (first.status, first.fault) == (None, "reset")


def test_slow_outlasts_the_client_read_timeout(rig_factory: Callable[..., Rig]) -> None:
    rig = rig_factory(faulty({"request": 1, "kind": "slow", "seconds": 30}))
    with pytest.raises(httpx.ReadTimeout):
        rig.task(TASK, timeout=httpx.Timeout(5.0, read=0.2))
    assert rig.task(TASK).status_code == 200


def test_a_short_slow_response_still_arrives(rig_factory: Callable[..., Rig]) -> None:
    rig = rig_factory(faulty({"request": 1, "kind": "slow", "seconds": 0.05}))
    answer = rig.task(TASK)
    assert answer.status_code == 200 and answer.json()["id"] == TASK


def test_stop_does_not_wait_for_a_slow_response(rig_factory: Callable[..., Rig]) -> None:
    rig = rig_factory(faulty({"request": 1, "kind": "slow", "seconds": 600}))
    outcome: list[object] = []

    def poll() -> None:
        try:
            outcome.append(rig.task(TASK, timeout=30.0))
        except httpx.TransportError as error:
            outcome.append(error)

    client = threading.Thread(target=poll)
    client.start()
    while not rig.sim.requests:
        time.sleep(0.01)
    started = time.monotonic()
    rig.server.stop()
    client.join(timeout=5)
    assert time.monotonic() - started < 2
    assert outcome and isinstance(outcome[0], httpx.TransportError)


@pytest.mark.parametrize("kind", ["garbage", "truncated"])
def test_unreadable_200_bodies(rig_factory: Callable[..., Rig], kind: str) -> None:
    rig = rig_factory(faulty({"request": 1, "kind": kind}))
    spoiled = rig.task(TASK)
    assert spoiled.status_code == 200
    with pytest.raises(ValueError):  # not JSON, or not even text
        json.loads(spoiled.content)
    good = rig.task(TASK)
    if kind == "truncated":
        assert good.content.startswith(spoiled.content) and len(spoiled.content) > 10


def test_html_error_page(rig_factory: Callable[..., Rig]) -> None:
    rig = rig_factory(
        faulty({"request": 1, "kind": "html"}, {"request": 2, "kind": "html", "status": 504})
    )
    first, second = rig.task(TASK), rig.task(TASK)
    assert (first.status_code, second.status_code) == (502, 504)
    assert first.headers["content-type"] == "text/html"
    assert "<html>" in first.text and "502 Bad Gateway" in first.text


def test_missing_state(rig_factory: Callable[..., Rig]) -> None:
    rig = rig_factory(faulty({"request": 1, "kind": "missing_state"}))
    task = rig.task(TASK).json()
    assert task["id"] == TASK and "state" not in task
    operation = rig.operation(OP).json()["operation"]
    assert operation["id"] == OP and "status" not in operation


def test_expired_on_one_request(rig_factory: Callable[..., Rig]) -> None:
    rig = rig_factory(faulty({"request": 2, "kind": "expired"}))
    assert [rig.task(TASK).status_code for _ in range(3)] == [200, 404, 200]
    gone = [rig.operation(OP) for _ in range(2)][1]
    assert gone.status_code == 404 and set(gone.json()) == {"code", "message", "request_id"}


def test_custom_body_and_headers(rig_factory: Callable[..., Rig]) -> None:
    fault = {"request": 1, "status": 500, "body": "oops", "headers": {"X-Extra": "1"}}
    rig = rig_factory(faulty(fault))
    answer = rig.task(TASK)
    assert (answer.status_code, answer.text, answer.headers["x-extra"]) == (500, "oops", "1")
    assert answer.headers["content-type"] == "text/plain"


def test_server_wide_fault_on_the_first_request(rig_factory: Callable[..., Rig]) -> None:
    rig = rig_factory({**faulty(), "faults": [{"request": 1, "status": 503}]})
    first = rig.gcore("/cloud/v1/tasks")
    assert first.status_code == 503 and first.json()["exception_class"]
    assert rig.gcore("/cloud/v1/tasks").status_code == 200
    assert rig.task(TASK).status_code == 200


def test_server_wide_fault_on_matching_paths(rig_factory: Callable[..., Rig]) -> None:
    rule = {"request": [1, 2], "path": "/neon/api/v2/projects/*", "kind": "html"}
    rig = rig_factory({**faulty(), "faults": [rule]})
    listing = f"/projects/{NEON_PROJECT}/operations"
    assert rig.gcore("/cloud/v1/tasks").status_code == 200
    assert [rig.neon(listing).status_code for _ in range(3)] == [502, 502, 200]
    exact = {"request": 1, "path": "/gcore/cloud/v1/tasks", "method": "GET", "status": 429}
    rig = rig_factory({**faulty(), "faults": [exact]})
    assert rig.task(TASK).status_code == 200  # another path
    assert rig.gcore("/cloud/v1/tasks").status_code == 429
