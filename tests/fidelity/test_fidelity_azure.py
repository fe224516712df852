"""azure-core's own LROPoller with azure-mgmt-core's ARMPolling, against the Azure dialect.

Each request the simulator answers moves its clock one second on, so the poller (told to wait
0 s between polls) walks a scripted timeline in a few real milliseconds.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from azure.core import PipelineClient
from azure.core.exceptions import HttpResponseError
from azure.core.pipeline.policies import HeadersPolicy, RequestIdPolicy, RetryPolicy
from azure.core.polling import LROPoller
from azure.core.rest import HttpRequest
from azure.mgmt.core.polling.arm_polling import ARMPolling

from lro_cli.clock import VirtualClock
from lro_cli.sim import SimServer, Simulator

SUB = "00000000-0000-4000-8000-00000000a2e0"
RG = f"/subscriptions/{SUB}/resourceGroups/fidelity/providers/Microsoft.Compute/virtualMachines"
TOKEN = "fidelity-azure-token"


def operation(op_id: str, name: str, urls: list[str], last: dict[str, Any]) -> dict[str, Any]:
    return {
        "dialect": "azure",
        "id": op_id,
        "type": "create_vm",
        "urls": urls,
        "resource_path": f"{RG}/{name}",
        "resource": {"location": "westeurope", "properties": {"vmId": f"id-{name}"}},
        "timeline": [
            {"at": 0, "state": "Accepted", "retry_after": 0},
            {"at": 2, "state": "InProgress", "percent_complete": 50.0},
            last,
        ],
    }


SCENARIO = {
    "credentials": {"azure_token": TOKEN},
    "operations": [
        operation("op-async", "vm-async", ["async_operation"], {"at": 4, "state": "Succeeded"}),
        operation("op-location", "vm-location", ["location"], {"at": 4, "state": "Succeeded"}),
        operation(
            "op-failed",
            "vm-failed",
            ["async_operation"],
            {"at": 4, "state": "Failed", "error": {"code": "AllocationFailed", "message": "no"}},
        ),
        operation(
            "op-location-failed",
            "vm-location-failed",
            ["location"],
            {"at": 4, "state": "Failed", "error": {"code": "Conflict", "message": "busy"}},
        ),
    ],
}


@pytest.fixture
def client() -> Iterator[tuple[PipelineClient[HttpRequest, Any], Simulator]]:
    clock = VirtualClock()

    def ticking() -> float:
        clock.advance(1.0)
        return clock.monotonic()

    sim = Simulator(SCENARIO, clock=ticking, wall=clock.now)
    with SimServer(sim) as server:
        policies = [
            HeadersPolicy({"Authorization": f"Bearer {TOKEN}"}),  # a fake bearer, fixed
            RetryPolicy(retry_total=0),
            RequestIdPolicy(),  # ARMPolling copies the start's x-ms-client-request-id to polls
        ]
        with PipelineClient(base_url=server.url, policies=policies) as pipeline:
            yield pipeline, sim


def poll(pipeline: PipelineClient[HttpRequest, Any], method: str, vm: str) -> Any:
    request = HttpRequest(
        method,
        pipeline.format_url(f"/azure{RG}/{vm}"),
        params={"api-version": "2024-07-01"},
        json={"x": 1},
    )
    initial = pipeline._pipeline.run(request)  # the pipeline response LROPoller starts from
    poller = LROPoller(
        pipeline, initial, lambda response: response.http_response.json(), ARMPolling(timeout=0)
    )
    return poller.result(timeout=10), poller


@pytest.mark.parametrize(
    ("method", "vm"), [("PUT", "vm-async"), ("PUT", "vm-location"), ("POST", "vm-location")]
)
def test_poller_reaches_the_scripted_success(
    client: tuple[PipelineClient[HttpRequest, Any], Simulator], method: str, vm: str
) -> None:
    pipeline, sim = client
    result, poller = poll(pipeline, method, vm)
    assert poller.status() == "Succeeded"
    assert result["id"] == f"{RG}/{vm}"  # the scenario's resource
    assert result["properties"]["provisioningState"] == "Succeeded"
    assert len(sim.requests) >= 3  # it did poll


def test_poller_reports_the_scripted_failure(
    client: tuple[PipelineClient[HttpRequest, Any], Simulator],
) -> None:
    pipeline, _ = client
    with pytest.raises(HttpResponseError) as failure:
        poll(pipeline, "PUT", "vm-failed")
    assert "AllocationFailed" in str(failure.value) or "Failed" in str(failure.value)
    with pytest.raises(HttpResponseError) as location_failure:
        poll(pipeline, "PUT", "vm-location-failed")
    assert location_failure.value.status_code == 400
