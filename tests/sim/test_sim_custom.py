"""The generic `/custom` job API that the declarative `http` provider is tested against."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from tests.sim.rig import Rig

KEY = {"X-API-Key": "sim-http-key"}


def job(job_id: str, *steps: dict[str, Any], **fields: Any) -> dict[str, Any]:
    timeline = list(steps) or [{"at": 0, "state": "RUNNING", "pct": 10}]
    return {"dialect": "http", "id": job_id, "type": "job", "timeline": timeline, **fields}


def call(rig: Rig, path: str, method: str = "GET", **kw: Any) -> httpx.Response:
    return rig.client.request(method, f"/custom{path}", headers=kw.pop("headers", KEY), **kw)


def test_job_shape_over_its_timeline(rig_factory: Callable[..., Rig]) -> None:
    steps = [
        {"at": 0, "state": "QUEUED"},
        {"at": 2, "state": "RUNNING", "pct": 40},
        {"at": 5, "state": "BROKEN", "failure": "disk full"},
    ]
    rig = rig_factory({"operations": [job("j-1", *steps)]})
    assert call(rig, "/jobs/j-1").json() == {"job": {"id": "j-1", "phase": "QUEUED", "outputs": []}}
    rig.advance(2)
    assert call(rig, "/jobs/j-1").json()["job"]["pct"] == 40
    rig.advance(3)
    broken = call(rig, "/jobs/j-1").json()["job"]
    assert broken["phase"] == "BROKEN" and broken["failure"] == {"reason": "disk full"}


def test_start_then_poll_to_done(rig: Rig) -> None:
    started = call(rig, "/jobs", "POST", json={"kind": "export"})
    assert started.status_code == 201
    job_id = started.json()["job"]["id"]
    rig.advance(3)
    done = call(rig, f"/jobs/{job_id}").json()["job"]
    assert done["phase"] == "DONE" and done["pct"] == 100
    assert done["outputs"] == [f"out/{job_id}.json"]


def test_a_scripted_job_waits_for_its_create_call(rig_factory: Callable[..., Rig]) -> None:
    rig = rig_factory({"operations": [job("j-late", created_by_call=1)]})
    assert call(rig, "/jobs/j-late").status_code == 404
    assert call(rig, "/jobs", "POST").json() == {"job": {"id": "j-late"}}
    assert call(rig, "/jobs/j-late").json()["job"]["phase"] == "RUNNING"


def test_list_by_cursor_in_pages_of_two(rig_factory: Callable[..., Rig]) -> None:
    rig = rig_factory({"operations": [job(f"j-{i}") for i in range(5)]})
    pages, params = [], {}
    while True:
        body = call(rig, "/jobs", params=params).json()
        pages.append([item["job"]["id"] for item in body["items"]])
        if "next" not in body:
            break
        params = {"cursor": body["next"]}
    assert pages == [["j-0", "j-1"], ["j-2", "j-3"], ["j-4"]]
    assert call(rig, "/jobs", params={"limit": 5}).json().keys() == {"items"}
    assert call(rig, "/jobs", params={"cursor": "bogus"}).status_code == 400


def test_api_key_and_errors(rig_factory: Callable[..., Rig]) -> None:
    rig = rig_factory({"operations": [job("j-1", faults=[{"request": 1, "kind": "garbage"}])]})
    assert call(rig, "/jobs/j-1", headers={}).status_code == 401
    refused = call(rig, "/jobs/j-1", headers={"X-API-Key": "wrong"})
    assert refused.json() == {"error": {"message": "missing or invalid X-API-Key"}}
    assert call(rig, "/jobs/missing").status_code == 404
    assert call(rig, "/jobs/j-1").content.startswith(b"OK")  # the garbage fault
    assert call(rig, "/jobs/j-1").json()["job"]["id"] == "j-1"
