"""`lro wait -` reading each provider's starting response, and `lro cancel`, against the simulator.

The starting response comes from the simulator wherever it serves one: Azure's starting call
(`curl -i` output: headers and body) and the http job API's create call. Redpanda, LakeSail and
Google start operations from calls the simulator does not script, but their starting responses
are documented as the operation itself (Redpanda `{"operation": Operation}`, LakeSail the
operation object, Google an Operation), so the simulator's own GET of that operation is piped.
"""

from __future__ import annotations

import httpx
import pytest

from tests.integration.harness import GCORE, NEON
from tests.integration.test_providers import (
    AZURE_VM,
    CREDENTIALS,
    HOUR,
    MakeRig,
    ProviderRig,
    google_name,
    op,
    provider_sim,  # noqa: F401 (the fixture)
    steps,
)


def curl_i(response: httpx.Response) -> str:
    """What `curl -i` prints: the status line, the headers, a blank line, the body."""
    head = [f"HTTP/1.1 {response.status_code} {response.reason_phrase}"]
    head += [f"{name}: {value}" for name, value in response.headers.items()]
    return "\r\n".join(head) + "\r\n\r\n" + response.text


def started(rig: ProviderRig, provider: str) -> str:
    """The starting response a script would pipe into `lro wait -`, from the simulator."""
    if provider == "redpanda":
        reply = rig.sim_get("/redpanda/v1/operations/rp-in", CREDENTIALS["redpanda_token"])
        assert set(reply.json()) == {"operation"}
        return reply.text
    if provider == "lakesail":
        return rig.sim_get("/lakesail/api/v1/operations/OPLSIN", CREDENTIALS["lakesail_token"]).text
    if provider == "google":
        reply = rig.sim_get(f"/google/v1/{google_name('op-g-in')}", CREDENTIALS["google_token"])
        assert reply.json()["name"] == google_name("op-g-in")
        return reply.text
    if provider == "azure":
        reply = rig.azure_start(f"{AZURE_VM}/virtualMachines/vm-in")
        assert {"azure-asyncoperation", "location"} <= set(reply.headers)
        return curl_i(reply)
    reply = httpx.post(
        f"{rig.url}/custom/jobs", headers={"X-API-Key": CREDENTIALS["http_api_key"]}, timeout=5
    )
    assert reply.status_code == 201
    return reply.text


STDIN_OPERATIONS = (
    op("redpanda", "rp-in", *steps((0, "STATE_IN_PROGRESS"), (0.4, "STATE_COMPLETED")),
       type="TYPE_CREATE_CLUSTER", resource_id="cl-in"),
    op("lakesail", "OPLSIN", *steps((0, "pending"), (0.4, "succeeded")),
       resource_type="cluster", resource_id="CLIN"),
    op("google", "op-g-in", *steps((0, "running"), (0.4, "done"),
       response={"@type": "type.googleapis.com/google.cloud.compute.v1.Instance",
                 "name": "instances/vm-in"})),
    op("azure", "az-in", *steps((0, "Accepted"), (0.4, "Succeeded"),
       properties={"resourceId": f"{AZURE_VM}/virtualMachines/vm-in"}),
       resource_path=f"{AZURE_VM}/virtualMachines/vm-in"),
    {**op("http", "job-in", *steps((0, "QUEUED"), (0.4, "DONE"), outputs=["out/job-in.csv"])),
     "created_by_call": 1},
)  # fmt: skip
PRINTED = {
    "redpanda": ["cl-in"],
    "lakesail": ["CLIN"],
    "google": ["instances/vm-in"],
    "azure": [f"{AZURE_VM}/virtualMachines/vm-in"],
    "http": ["out/job-in.csv"],
}
# What the line of exit 2 must say each provider expected.
EXPECTED = {
    "redpanda": '"operation"',
    "lakesail": '"id"',
    "google": '"name"',
    "azure": "Azure-AsyncOperation",
    "http": "job.id",
}
NOT_A_START = {
    "redpanda": '{"id": "rp-in", "state": "STATE_IN_PROGRESS"}',  # not wrapped in "operation"
    "lakesail": '{"operation": "provision_cluster", "status": "running"}',
    "google": '{"done": false}',
    "azure": 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{"status": "Accepted"}',
    "http": '{"id": "job-in"}',  # the id is at job.id
}


@pytest.mark.parametrize("provider", list(PRINTED))
def test_wait_reads_the_providers_starting_response_from_stdin(
    provider_sim: MakeRig,  # noqa: F811
    provider: str,
) -> None:
    rig = provider_sim(*STDIN_OPERATIONS)
    result = rig.run("wait", "-p", f"sim-{provider}", "-", stdin=started(rig, provider))
    assert result.code == 0, result.err
    assert result.out.splitlines() == PRINTED[provider]
    if provider == "azure":  # Azure-AsyncOperation is preferred over Location
        polled = [r.path for r in rig.sim.requests if r.method == "GET"]
        assert polled and all("/operations/az-in" in path for path in polled), polled


@pytest.mark.parametrize("provider", list(PRINTED))
def test_wait_refuses_stdin_that_is_not_the_providers_starting_response(
    provider_sim: MakeRig,  # noqa: F811
    provider: str,
) -> None:
    rig = provider_sim(*STDIN_OPERATIONS)
    result = rig.run("wait", "-p", f"sim-{provider}", "-", stdin=NOT_A_START[provider])
    assert result.code == 2, result.err
    assert result.out == ""
    lines = [line for line in result.err_lines if EXPECTED[provider] in line]
    assert lines and "expected" in lines[0], result.err
    assert rig.sim.requests == []


# -- cancel --------------------------------------------------------------------------------------


def test_google_cancel_is_accepted_and_the_operation_ends_cancelled(
    provider_sim: MakeRig,  # noqa: F811
) -> None:
    rig = provider_sim(
        op("google", "op-g-long", *steps((0, "running"), (HOUR, "done"))),
        op("google", "op-g-stubborn", *steps((0, "running"), (HOUR, "done")),
           cancel_unimplemented=True),
    )  # fmt: skip
    cancelled = rig.run("cancel", "-p", "sim-google", google_name("op-g-long"))
    assert cancelled.code == 0, cancelled.err
    assert cancelled.out == "" and cancelled.err.strip()
    posts = [r for r in rig.sim.requests if r.method == "POST"]
    assert [r.path for r in posts] == [f"/google/v1/{google_name('op-g-long')}:cancel"]

    after = rig.run("wait", "-p", "sim-google", google_name("op-g-long"))
    assert after.code == 3, after.err

    refused = rig.run("cancel", "-p", "sim-google", google_name("op-g-stubborn"))
    assert refused.code == 7, refused.err
    assert "Operation cancellation is not supported." in refused.err


@pytest.mark.parametrize(
    ("profile", "provider", "op_id"),
    [
        (GCORE.profile, "gcore", "d4a4b10e-5d22-4c23-8e09-f7a3e1c1a999"),
        (NEON.profile, "neon", "4e8378ce-38e5-4b94-af04-a6cd6c9b7d96"),
        ("sim-redpanda", "redpanda", "rp-in"),
        ("sim-lakesail", "lakesail", "OPLSIN"),
        ("sim-azure", "azure", "{url}/azure/subscriptions/s/operations/az-in?api-version=1"),
        ("sim-http", "http", "job-in"),
    ],
    ids=lambda value: value if value in ("gcore", "neon", "redpanda", "lakesail", "azure", "http")
    else "",
)  # fmt: skip
def test_cancel_on_a_provider_without_cancel_exits_2_naming_it(
    provider_sim: MakeRig,  # noqa: F811
    profile: str,
    provider: str,
    op_id: str,
) -> None:
    rig = provider_sim(*STDIN_OPERATIONS)
    result = rig.run("cancel", "-p", profile, op_id.replace("{url}", rig.url))
    assert result.code == 2, result.err
    assert result.out == ""
    name = {"gcore": "Gcore", "neon": "Neon", "redpanda": "Redpanda", "lakesail": "LakeSail",
            "azure": "Azure", "http": "http"}[provider]  # fmt: skip
    assert name.lower() in result.err.lower(), result.err
    assert rig.sim.requests == []  # refused before any request
