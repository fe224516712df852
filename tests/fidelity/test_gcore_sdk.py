"""Gcore's official Python SDK (`gcore` on PyPI), pointed at the simulator's Gcore dialect.

The SDK is generated from Gcore's OpenAPI document, so it is someone else's reading of the API:
what it parses out of the simulator's bodies must equal the scenario. Its models are lenient when
parsing (an unknown `state` or key passes silently), so every body is also validated strictly
against the SDK's own `Task` model, and the keys it does not declare are reported.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from gcore import AuthenticationError, Gcore, NotFoundError
from gcore.types.cloud import Task
from gcore.types.cloud.task import CreatedResources

from lro_cli.clock import VirtualClock
from lro_cli.sim import SimServer, Simulator

KEY = "fidelity-gcore-key"
VM = "d4a4b10e-5d22-4c23-8e09-f7a3e1c1a999"
QUOTA = "Quota limit for volume_size exceeded by 20"
RESOURCES = {
    "volumes": ["726ecfcc-7fd0-4e30-a86e-7892524aa483"],
    "instances": ["169942e0-9b53-42df-95ef-1a8b6525c2bd", "2a1d0a7e-5b7e-4a55-9d0f-2f9b5e1c0c01"],
    "floatingips": ["8c0f8c6e-3c36-4f36-8e4e-8d4f0b7b7c11"],
    "networks": ["0a3e1f7e-6a4b-4bde-9f43-1d2c3b4a5e66"],
}


class Rig:
    def __init__(self, sim: Simulator, server: SimServer, clock: VirtualClock) -> None:
        self.sim, self.server, self.clock = sim, server, clock
        self.sent: list[httpx.Request] = []
        self.http = httpx.Client(event_hooks={"request": [self.sent.append]})
        self.client = self.sdk(KEY)

    def sdk(self, api_key: str) -> Gcore:
        # max_retries=0: a refusal must surface at once, not after the SDK's own backoff.
        return Gcore(
            api_key=api_key,
            base_url=self.server.url + "/gcore",
            max_retries=0,
            http_client=self.http,
        )

    def task_gets(self) -> list[str]:
        gets = [r for r in self.sim.requests if r.path.startswith("/gcore/cloud/v1/tasks/")]
        return [r.operation_id or "" for r in gets]

    def list_offsets(self) -> list[str]:
        pages = [r for r in self.sim.requests if r.path == "/gcore/cloud/v1/tasks"]
        return [dict(r.query).get("offset", "0") for r in pages]


@contextmanager
def simulated(*operations: Mapping[str, Any]) -> Iterator[Rig]:
    clock = VirtualClock()
    scenario = {
        "credentials": {"gcore_api_key": KEY},
        "gcore_project_id": 7,
        "gcore_region_id": 76,
        "operations": list(operations),
    }
    sim = Simulator(scenario, clock=clock.monotonic, wall=clock.now)
    with SimServer(sim) as server:
        rig = Rig(sim, server, clock)
        try:
            yield rig
        finally:
            rig.http.close()


def task(task_id: str, task_type: str, *steps: Mapping[str, Any], **fields: Any) -> dict[str, Any]:
    return {"dialect": "gcore", "id": task_id, "type": task_type, "timeline": list(steps), **fields}


def strictly(raw: Any) -> Task:
    """The body through the SDK's model with validation on; unknown keys are kept as extras."""
    parsed = Task.model_validate(raw)
    assert parsed.model_extra == {}, f"keys the SDK does not know: {parsed.model_extra}"
    if parsed.created_resources is not None:
        extra = parsed.created_resources.model_extra
        assert extra == {}, f"created_resources keys the SDK does not know: {extra}"
    return parsed


EACH_STATE = {
    "NEW": task("00000000-0000-4000-8000-0000000000a1", "create_volume", {"at": 0, "state": "NEW"}),
    "RUNNING": task(
        "00000000-0000-4000-8000-0000000000a2",
        "create_k8s_cluster_v2",
        {"at": 0, "state": "RUNNING", "detailed_state": "NETWORK"},
        data={"name": "k8s-1"},
    ),
    "FINISHED": task(
        VM,
        "create_vm",
        {"at": 0, "state": "FINISHED", "created_resources": RESOURCES},
        project_id=3,
        region_id=4,
    ),
    "ERROR": task(
        "00000000-0000-4000-8000-0000000000a4",
        "extend_volume",
        {"at": 0, "state": "ERROR", "error": QUOTA},
    ),
}


@pytest.mark.parametrize("state", list(EACH_STATE))
def test_get_parses_the_task_in_each_state(state: str) -> None:
    scripted = EACH_STATE[state]
    with simulated(*EACH_STATE.values()) as rig:
        response = rig.client.cloud.tasks.with_raw_response.get(scripted["id"])
        parsed = response.parse()
        raw = response.http_response.json()
    strict = strictly(raw)
    step = scripted["timeline"][-1]
    for model in (parsed, strict):
        assert isinstance(model, Task)
        assert model.id == scripted["id"]
        assert model.state == state
        assert model.task_type == scripted["type"]
        assert model.error == step.get("error")
        assert model.detailed_state == step.get("detailed_state")
        assert model.data == scripted.get("data")
        assert (model.project_id, model.region_id) == (
            scripted.get("project_id", 7),
            scripted.get("region_id", 76),
        )
        assert isinstance(model.user_id, int)
        assert (model.finished_on is not None) == (state in ("FINISHED", "ERROR"))
        if state != "FINISHED":
            assert model.created_resources is None
            continue
        resources = model.created_resources
        assert isinstance(resources, CreatedResources)
        assert resources.instances == RESOURCES["instances"]
        assert resources.volumes == RESOURCES["volumes"]
        assert resources.floatingips == RESOURCES["floatingips"]
        assert resources.networks == RESOURCES["networks"]
        assert resources.k8s_clusters == [] and resources.loadbalancers == []
    if state == "FINISHED":
        # Every key the SDK declares is there (empty unless created), scripted keys first in order.
        assert set(raw["created_resources"]) == set(CreatedResources.model_fields)
        assert list(raw["created_resources"])[: len(RESOURCES)] == list(RESOURCES)


def test_the_sdk_sees_a_task_move_through_its_states() -> None:
    steps = (
        {"at": 0, "state": "NEW"},
        {"at": 2, "state": "RUNNING", "detailed_state": "POST_DEPLOY_SETUP"},
        {"at": 6, "state": "FINISHED", "detailed_state": None, "created_resources": RESOURCES},
    )
    with simulated(task(VM, "create_vm", *steps)) as rig:
        seen = []
        for advance in (0, 2, 4):
            rig.clock.advance(advance)
            got = rig.client.cloud.tasks.get(VM)
            seen.append((got.state, got.detailed_state, got.finished_on is None))
        assert got.created_resources is not None
        assert got.created_resources.instances == RESOURCES["instances"]
    assert seen == [
        ("NEW", None, True),
        ("RUNNING", "POST_DEPLOY_SETUP", True),
        ("FINISHED", None, False),
    ]


# Six tasks, oldest first (ages 60 s .. 10 s before the first list call).
LISTED = [
    task(
        f"00000000-0000-4000-8000-00000000010{n}",
        task_type,
        {"at": 0, "state": state},
        age=60 - 10 * n,
    )
    for n, (task_type, state) in enumerate(
        [
            ("create_vm", "FINISHED"),
            ("create_volume", "RUNNING"),
            ("delete_vm", "ERROR"),
            ("create_volume", "NEW"),
            ("create_vm", "RUNNING"),
            ("create_volume", "FINISHED"),
        ]
    )
]
OLDEST_FIRST = [scripted["id"] for scripted in LISTED]


@pytest.mark.parametrize(
    ("order_by", "expected"), [("asc", OLDEST_FIRST), ("desc", OLDEST_FIRST[::-1])]
)
def test_list_pages_through_every_task_in_order(order_by: Any, expected: list[str]) -> None:
    with simulated(*LISTED) as rig:
        first = rig.client.cloud.tasks.list(limit=2, order_by=order_by)
        assert first.count == len(LISTED)
        assert [t.id for t in first.results] == expected[:2]
        # The SDK's auto-paging iterator follows `count` with `offset`.
        listed = [t.id for t in first]
        offsets = rig.list_offsets()
    assert listed == expected
    assert offsets == ["0", "2", "4"]  # the first page, then the two the iterator fetched


def test_list_filters_by_state_and_task_type() -> None:
    with simulated(*LISTED) as rig:
        tasks = rig.client.cloud.tasks
        busy = [(t.id, t.state) for t in tasks.list(limit=2, state=["NEW", "RUNNING"])]
        volumes = [t.id for t in tasks.list(limit=2, task_type="create_volume", order_by="desc")]
        both = [t.id for t in tasks.list(limit=2, task_type="create_vm", state=["FINISHED"])]
    assert busy == [
        (OLDEST_FIRST[1], "RUNNING"),
        (OLDEST_FIRST[3], "NEW"),
        (OLDEST_FIRST[4], "RUNNING"),
    ]
    assert volumes == [OLDEST_FIRST[5], OLDEST_FIRST[3], OLDEST_FIRST[1]]
    assert both == [OLDEST_FIRST[0]]


def test_listed_tasks_validate_strictly() -> None:
    with simulated(*LISTED, EACH_STATE["FINISHED"]) as rig:
        page = rig.client.cloud.tasks.with_raw_response.list(limit=10).http_response.json()
    assert page["count"] == len(LISTED) + 1 and len(page["results"]) == len(LISTED) + 1
    states = [strictly(raw).state for raw in page["results"]]
    assert sorted(set(states)) == ["ERROR", "FINISHED", "NEW", "RUNNING"]


def _virtual_sleep(rig: Rig, monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The SDK's poll() sleeps through `_sleep` on the resource: it moves the virtual clock."""
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        rig.clock.advance(seconds)

    monkeypatch.setattr(rig.client.cloud.tasks, "_sleep", sleep)
    return slept


def test_poll_ends_on_the_finished_task(monkeypatch: pytest.MonkeyPatch) -> None:
    steps = (
        {"at": 0, "state": "NEW"},
        {"at": 2, "state": "RUNNING"},
        {"at": 5, "state": "FINISHED", "created_resources": RESOURCES},
    )
    with simulated(task(VM, "create_vm", *steps)) as rig:
        slept = _virtual_sleep(rig, monkeypatch)
        done = rig.client.cloud.tasks.poll(
            VM, polling_interval_seconds=2, polling_timeout_seconds=60
        )
        gets = rig.task_gets()
    assert done.state == "FINISHED" and done.id == VM
    assert done.created_resources is not None
    assert done.created_resources.instances == RESOURCES["instances"]
    assert done.created_resources.volumes == RESOURCES["volumes"]
    assert slept == [2, 2, 2]  # NEW at 0, RUNNING at 2 and 4, FINISHED at 6
    assert gets == [VM] * 4


def test_poll_raises_the_error_of_a_failed_task(monkeypatch: pytest.MonkeyPatch) -> None:
    steps = ({"at": 0, "state": "RUNNING"}, {"at": 1, "state": "ERROR", "error": QUOTA})
    with simulated(task(VM, "create_volume", *steps)) as rig:
        slept = _virtual_sleep(rig, monkeypatch)
        with pytest.raises(ValueError, match=QUOTA):
            rig.client.cloud.tasks.poll(VM, polling_interval_seconds=1, polling_timeout_seconds=60)
    assert slept == [1]


def test_a_create_call_returns_a_task_that_polls_to_its_resource(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with simulated() as rig:
        started = rig.client.cloud.volumes.create(
            project_id=7, region_id=76, name="vol-1", size=10, source="new-volume"
        )
        assert len(started.tasks) == 1
        _virtual_sleep(rig, monkeypatch)
        done = rig.client.cloud.tasks.poll(
            started.tasks[0], polling_interval_seconds=1, polling_timeout_seconds=60
        )
    assert (done.task_type, done.state, done.project_id, done.region_id) == (
        "create_volume",
        "FINISHED",
        7,
        76,
    )
    assert done.created_resources is not None
    volumes = done.created_resources.volumes
    assert volumes is not None and len(volumes) == 1 and volumes[0] != done.id


def test_the_sdk_authenticates_with_its_apikey_header() -> None:
    with simulated(EACH_STATE["NEW"]) as rig:
        got = rig.client.cloud.tasks.get(EACH_STATE["NEW"]["id"])
        assert got.state == "NEW"
        assert rig.sent[-1].headers["authorization"] == f"APIKey {KEY}"
        assert rig.sent[-1].url.path == f"/gcore/cloud/v1/tasks/{got.id}"
        with pytest.raises(AuthenticationError) as refused:
            rig.sdk("not-the-key").cloud.tasks.get(got.id)
        with pytest.raises(NotFoundError) as missing:
            rig.client.cloud.tasks.get("00000000-0000-4000-8000-00000000dead")
    assert refused.value.status_code == 401
    assert isinstance(refused.value.body, dict)
    assert refused.value.body["exception_class"] == "NotAuthenticated"
    assert missing.value.status_code == 404
    assert isinstance(missing.value.body, dict) and "dead" in missing.value.body["message"]
