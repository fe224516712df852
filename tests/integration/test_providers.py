"""Redpanda, LakeSail, Google, Azure and the declarative `http` provider against the simulator.

The simulator's dialects were written from the providers' references, independently of the
adapters: each test here is the real `lro` (a subprocess, through the harness's invariant checks)
meeting one dialect over loopback. What `wait` prints, the states, the exit codes and the error
messages come from PROVIDERS.md and SPEC.md. Credentials are `CANARY-` values, so the harness
fails any run that shows one. `lro wait -` and `lro cancel` are in `test_provider_stdin.py`.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from lro_cli.commands.sim import sim_profiles
from lro_cli.sim import SimServer, Simulator
from tests.integration.harness import (
    GCORE_KEY,
    NEON_KEY,
    SHORT,
    WRONG_KEY,
    Result,
    Rig,
    write_config,
)

# Every secret of every dialect is a canary: a run that shows one fails in the harness.
CREDENTIALS: dict[str, Any] = {
    "gcore_api_key": GCORE_KEY,
    "neon_api_key": NEON_KEY,
    "redpanda_client_id": "sim-redpanda-client",
    "redpanda_client_secret": "CANARY-redpanda-secret-7c1d0e9f3a",
    "redpanda_token": "CANARY-redpanda-static-52b8e0a4c7",
    "lakesail_token": "CANARY-lakesail-9e3f1a0b6d",
    "google_token": "CANARY-google-4a7c2e9d1b",
    "azure_token": "CANARY-azure-0f6b3d8e2a",
    "http_api_key": "CANARY-http-8d2a5c1e7f",
}
# The profile key that carries each dialect's credential, for the wrong-credential profiles.
SECRET_KEY = {
    "redpanda": "client_secret",
    "lakesail": "token",
    "google": "token",
    "azure": "token",
    "http": "api_key",
}
PROVIDERS = ("redpanda", "lakesail", "google", "azure", "http")
GOOGLE_PARENT = "projects/sim-project/locations/us-central1"
AZURE_SUB = "00000000-0000-4000-8000-00000000a2e0"
AZURE_VM = f"/subscriptions/{AZURE_SUB}/resourceGroups/sim-rg/providers/Microsoft.Compute"
API_VERSION = "2024-07-01"
HOUR = 3600


class ProviderRig(Rig):
    """A Rig with the starting calls and reads a script would make against the simulator."""

    def azure_start(self, resource_path: str, method: str = "PUT") -> httpx.Response:
        """The ARM starting call a script makes: it starts the timeline, its headers name URLs."""
        query = "?api-version=" + API_VERSION if resource_path.startswith("/subscriptions/") else ""
        return httpx.request(
            method,
            f"{self.url}/azure{resource_path}{query}",
            json={"location": "westus"},
            headers={"Authorization": f"Bearer {CREDENTIALS['azure_token']}"},
            timeout=5,
        )

    def sim_get(self, path: str, token: str) -> httpx.Response:
        return httpx.get(
            f"{self.url}{path}", headers={"Authorization": f"Bearer {token}"}, timeout=5
        )


MakeRig = Callable[..., ProviderRig]


@pytest.fixture
def provider_sim(tmp_path: Path) -> Iterator[MakeRig]:
    """`provider_sim(*operations, credentials={...}, wrong=False)` → a ProviderRig.

    With `wrong`, the config also has `sim-<provider>-wrong` profiles whose credential the
    simulator refuses.
    """
    servers: list[SimServer] = []

    def make(
        *operations: Mapping[str, Any],
        credentials: Mapping[str, Any] = {},
        wrong: bool = False,
    ) -> ProviderRig:
        document = {
            "credentials": {**CREDENTIALS, **credentials},
            "operations": list(operations),
        }
        sim = Simulator(document)
        server = SimServer(sim).start()
        servers.append(server)
        profiles = sim_profiles(server.url, sim.scenario)
        # Not always: a URL would match them as well as the right ones (a tie is exit 2).
        for provider in PROVIDERS if wrong else ():
            refused = dict(profiles[f"sim-{provider}"])
            refused[SECRET_KEY[provider]] = WRONG_KEY
            profiles[f"sim-{provider}-wrong"] = refused
        for profile in profiles.values():
            profile.update(SHORT)
        config = tmp_path / f"providers-{len(servers)}.yaml"
        write_config(config, {"profiles": profiles})
        return ProviderRig(sim, server, config)

    yield make
    for server in servers:
        server.stop()


# -- scripted operations in each dialect ---------------------------------------------------------


def op(dialect: str, op_id: str, *steps: Mapping[str, Any], **fields: Any) -> dict[str, Any]:
    fields.setdefault("type", "create")
    return {"dialect": dialect, "id": op_id, "timeline": list(steps), **fields}


def steps(*pairs: tuple[float, str], **last: Any) -> list[dict[str, Any]]:
    """A timeline of (at, raw state) pairs; `last` adds fields to the final step."""
    timeline = [{"at": at, "state": state} for at, state in pairs]
    timeline[-1].update(last)
    return timeline


def google_name(op_id: str) -> str:
    return f"{GOOGLE_PARENT}/operations/{op_id}"


def azure_status_url(url: str, op_id: str) -> str:
    return (
        f"{url}/azure/subscriptions/{AZURE_SUB}/providers/Microsoft.Compute/locations/westus/"
        f"operations/{op_id}?api-version={API_VERSION}"
    )


@dataclass
class Case:
    """One provider's scripted operations, how to name them, and what `lro` must say."""

    profile: str
    operations: list[dict[str, Any]]
    # Filled in once the rig runs (Azure's ids are the starting calls' URLs).
    ids: Callable[[ProviderRig], list[str]]
    out: Callable[[ProviderRig], list[str]] = lambda rig: []
    said: Sequence[str] = ()
    extra: dict[str, Any] = field(default_factory=dict)


def _azure_ids(*starts: tuple[str, str]) -> Callable[[ProviderRig], list[str]]:
    """Start each resource and name it by the header given (Azure-AsyncOperation or Location)."""

    def ids(rig: ProviderRig) -> list[str]:
        return [rig.azure_start(path).headers[header] for path, header in starts]

    return ids


def success_case(provider: str) -> Case:
    """Two operations that succeed (each shape of resource naming), and one for `get -o json`."""
    if provider == "redpanda":
        return Case(
            "sim-redpanda",
            [
                op("redpanda", "rp-ok-1", *steps((0, "STATE_IN_PROGRESS"), (0.4, "STATE_COMPLETED"),
                   response={"@type": "type.googleapis.com/redpanda.api.controlplane.v1."
                             "CreateClusterResponse"}),
                   type="TYPE_CREATE_CLUSTER", resource_id="cl-rp-1"),
                op("redpanda", "rp-ok-2", *steps((0, "STATE_IN_PROGRESS"), (0.3, "STATE_COMPLETED"),
                   started_at=None, finished_at=None),
                   type="TYPE_DELETE_NETWORK", resource_id="net-rp-2"),
                op("redpanda", "rp-get", *steps((0, "STATE_COMPLETED")),
                   type="TYPE_DELETE_NETWORK", resource_id="net-rp-3"),
            ],
            ids=lambda rig: ["rp-ok-1", "rp-ok-2", "rp-get"],
            out=lambda rig: ["cl-rp-1", "net-rp-2"],
            extra={"get": {"state": "succeeded", "raw_state": "STATE_COMPLETED",
                           "type": "TYPE_DELETE_NETWORK",
                           "resources": [{"id": "net-rp-3", "type": "network"}]}},
        )  # fmt: skip
    if provider == "lakesail":
        # (succeeded + failed + unchanged) / total = (1 + 0 + 1) / 4
        summary = {
            "total": 4,
            "pending": 1,
            "running": 1,
            "succeeded": 1,
            "failed": 0,
            "unchanged": 1,
        }
        return Case(
            "sim-lakesail",
            [
                op("lakesail", "OPLS0001", *steps((0, "pending"), (0.2, "RUNNING"),
                   (0.4, "Succeeded"), result={"items": [], "metadata": {}}),
                   type="provision_cluster", resource_type="cluster", resource_id="CLLS0001"),
                op("lakesail", "OPLS0002", *steps((0, "queued"), (0.3, "completed")),
                   type="deploy_infrastructure", resource_type="workspace",
                   resource_id="WSLS0002"),
                op("lakesail", "OPLS0003",
                   {"at": 0, "state": "in_progress", "progress": {
                       "stage": "deploy", "message": "creating node pools", "resources": [],
                       "summary": summary}},
                   {"at": HOUR, "state": "succeeded"},
                   type="provision_cluster", resource_type="cluster", resource_id="CLLS0003"),
            ],
            ids=lambda rig: ["OPLS0001", "OPLS0002", "OPLS0003"],
            out=lambda rig: ["CLLS0001", "WSLS0002"],
            extra={"get": {"state": "running", "raw_state": "in_progress",
                           "type": "provision_cluster",
                           "progress": {"fraction": 0.5, "stage": "deploy",
                                        "message": "creating node pools"},
                           "resources": [{"id": "CLLS0003", "type": "cluster"}]}},
        )  # fmt: skip
    if provider == "google":
        instance = "type.googleapis.com/google.cloud.compute.v1.Instance"
        return Case(
            "sim-google",
            [
                op("google", "op-g-ok-1", *steps((0, "running"), (0.4, "done"),
                   response={"@type": instance, "name": "instances/vm-g-1"}),
                   metadata={"@type": "type.googleapis.com/google.cloud.common.OperationMetadata",
                             "target": "instances/not-this-one", "verb": "create"}),
                op("google", "op-g-ok-2", *steps((0, "running"), (0.3, "done")),
                   metadata={"@type": "type.googleapis.com/google.cloud.common.OperationMetadata",
                             "target": "instances/vm-g-2", "verb": "delete"}),
                op("google", "op-g-get", *steps((0, "done"),
                   response={"@type": instance, "name": "instances/vm-g-3"}),
                   metadata={"verb": "create"}),
            ],
            ids=lambda rig: [google_name("op-g-ok-1"), google_name("op-g-ok-2"),
                             google_name("op-g-get")],
            out=lambda rig: ["instances/vm-g-1", "instances/vm-g-2"],
            extra={"get": {"state": "succeeded", "type": "create",
                           "resources": [{"id": "instances/vm-g-3",
                                          "type": "google.cloud.compute.v1.Instance"}]}},
        )  # fmt: skip
    if provider == "azure":
        return Case(
            "sim-azure",
            [
                # Azure-AsyncOperation only: the status body's properties.resourceId names it.
                op("azure", "az-ok-1", *steps((0, "Accepted"), (0.2, "InProgress"),
                   (0.4, "Succeeded"), properties={"resourceId": f"{AZURE_VM}/disks/d-1"}),
                   urls=["async_operation"], resource_path=f"{AZURE_VM}/virtualMachines/vm-1"),
                # Location only: the final 200 body's id names it.
                op("azure", "az-ok-2", *steps((0, "InProgress"), (0.3, "Succeeded")),
                   urls=["location"], resource_path=f"{AZURE_VM}/virtualMachines/vm-2"),
                op("azure", "az-get", {"at": 0, "state": "InProgress", "percent_complete": 37.5},
                   {"at": HOUR, "state": "Succeeded"},
                   resource_path=f"{AZURE_VM}/virtualMachines/vm-3"),
            ],
            ids=_azure_ids(
                (f"{AZURE_VM}/virtualMachines/vm-1", "Azure-AsyncOperation"),
                (f"{AZURE_VM}/virtualMachines/vm-2", "Location"),
                (f"{AZURE_VM}/virtualMachines/vm-3", "Azure-AsyncOperation"),
            ),
            out=lambda rig: [f"{AZURE_VM}/disks/d-1", f"{AZURE_VM}/virtualMachines/vm-2"],
            extra={"get": {"state": "running", "raw_state": "InProgress", "type": None,
                           "progress": {"fraction": 0.375}, "resources": []}},
        )  # fmt: skip
    return Case(
        "sim-http",
        [
            op("http", "job-ok-1", {"at": 0, "state": "QUEUED", "pct": 0},
               {"at": 0.2, "state": "RUNNING", "pct": 50},
               {"at": 0.4, "state": "DONE", "pct": 100,
                "outputs": ["s3://bucket/a.parquet", "s3://bucket/b.parquet"]}),
            op("http", "job-ok-2", *steps((0, "RUNNING"), (0.3, "DONE"),
               outputs=["s3://bucket/c.parquet", "s3://bucket/a.parquet"])),
            op("http", "job-get", {"at": 0, "state": "RUNNING", "pct": 40},
               {"at": HOUR, "state": "DONE"}),
        ],
        ids=lambda rig: ["job-ok-1", "job-ok-2", "job-get"],
        out=lambda rig: ["s3://bucket/a.parquet", "s3://bucket/b.parquet",
                         "s3://bucket/c.parquet"],
        extra={"get": {"state": "running", "raw_state": "RUNNING",
                       "progress": {"fraction": 0.4}}},
    )  # fmt: skip


def subset(actual: Any, expected: Any) -> None:
    """Every key of `expected` has its value in `actual` (recursively for mappings)."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict), actual
        for key, value in expected.items():
            assert key in actual, (key, actual)
            subset(actual[key], value)
    else:
        assert actual == expected, (actual, expected)


def wait(rig: ProviderRig, profile: str, *ids: str, extra: Sequence[str] = ()) -> Result:
    return rig.run("wait", "-p", profile, *extra, *ids)


# -- get and wait: success ---------------------------------------------------------------------


@pytest.mark.parametrize("provider", PROVIDERS)
def test_get_and_wait_succeed_printing_the_resource_ids(
    provider_sim: MakeRig, provider: str
) -> None:
    case = success_case(provider)
    rig = provider_sim(*case.operations)
    ids = case.ids(rig)

    got = rig.run("get", "-p", case.profile, "-o", "json", ids[2])
    assert got.code == 0, got.err
    document = json.loads(got.out)
    assert document["profile"] == case.profile and document["provider"] == provider
    subset(document, case.extra["get"])

    result = wait(rig, case.profile, ids[0], ids[1])
    assert result.code == 0, result.err
    assert result.out.splitlines() == case.out(rig)


# -- 1: failed, with the provider's own message ----------------------------------------------------

FAILURES: dict[str, tuple[list[dict[str, Any]], list[str], list[str]]] = {
    # provider: (operations, ids, messages that stderr must carry)
    "redpanda": (
        [
            op("redpanda", "rp-bad-name", *steps((0, "STATE_IN_PROGRESS"), (0.3, "STATE_FAILED"),
               error={"code": "FAILED_PRECONDITION", "message": "network still has clusters",
                      "details": [{"@type": "google.rpc.ErrorInfo", "reason": "IN_USE"}]}),
               type="TYPE_DELETE_NETWORK", resource_id="net-1"),
            op("redpanda", "rp-bad-number", *steps((0, "STATE_IN_PROGRESS"), (0.2, "STATE_FAILED"),
               error={"code": 8, "message": "cluster quota of the organization reached",
                      "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo",
                                   "reason": "QUOTA_EXCEEDED"}]}),
               type="TYPE_CREATE_CLUSTER"),
        ],
        ["rp-bad-name", "rp-bad-number"],
        ["network still has clusters", "cluster quota of the organization reached"],
    ),
    "lakesail": (
        [
            op("lakesail", "OPLSBAD1", *steps((0, "running"), (0.3, "failed"), error={
                "code": "CAPACITY", "message": "no capacity in us-east-1", "errorType": "provider",
                "details": {"retryable": True, "retryAfter": 30, "fieldErrors": {},
                            "requestId": "req-sim-1", "causedBy": "quota"}}),
               resource_type="cluster", resource_id="CLBAD1"),
        ],
        ["OPLSBAD1"],
        ["no capacity in us-east-1"],
    ),
    "google": (
        [
            op("google", "op-g-bad", *steps((0, "running"), (0.3, "done"),
               error={"code": 8, "message": "zone us-central1-a has no capacity"})),
        ],
        [google_name("op-g-bad")],
        ["zone us-central1-a has no capacity"],
    ),
    "azure": (
        [
            op("azure", "az-bad-status", *steps((0, "InProgress"), (0.3, "Failed"), error={
                "code": "QuotaExceeded", "message": "Operation could not be completed: quota"}),
               urls=["async_operation"], resource_path=f"{AZURE_VM}/virtualMachines/vm-b1"),
            op("azure", "az-bad-location", *steps((0, "InProgress"), (0.2, "Failed"), error={
                "code": "SkuNotAvailable", "message": "The requested size is not available"}),
               urls=["location"], failure_status=409,
               resource_path=f"{AZURE_VM}/virtualMachines/vm-b2"),
        ],
        [],  # the starting calls' URLs
        ["Operation could not be completed: quota", "The requested size is not available"],
    ),
    "http": (
        [op("http", "job-bad", *steps((0, "RUNNING"), (0.3, "BROKEN"),
            failure={"reason": "source table missing"}))],
        ["job-bad"],
        ["source table missing"],
    ),
}  # fmt: skip


@pytest.mark.parametrize("provider", PROVIDERS)
def test_failed_exits_1_with_the_providers_error_message(
    provider_sim: MakeRig, provider: str
) -> None:
    operations, ids, messages = FAILURES[provider]
    rig = provider_sim(*operations)
    if provider == "azure":
        ids = [
            rig.azure_start(f"{AZURE_VM}/virtualMachines/vm-b1").headers["Azure-AsyncOperation"],
            rig.azure_start(f"{AZURE_VM}/virtualMachines/vm-b2").headers["Location"],
        ]
    result = wait(rig, f"sim-{provider}", *ids)
    assert result.code == 1, result.err
    assert result.out == ""
    for message in messages:
        assert message in result.err


# -- 3: cancelled --------------------------------------------------------------------------------


def test_cancelled_exits_3_on_google_azure_and_lakesail(provider_sim: MakeRig) -> None:
    rig = provider_sim(
        op("google", "op-g-cancelled", *steps((0, "running"), (0.3, "done"),
           error={"code": 1, "message": "Operation was cancelled."})),
        op("azure", "az-cancelled", *steps((0, "InProgress"), (0.3, "Canceled")),
           urls=["async_operation"], resource_path=f"{AZURE_VM}/virtualMachines/vm-c"),
        op("lakesail", "OPLSCANCEL", *steps((0, "running"), (0.3, "cancelled")),
           resource_id="CLCANCEL"),
    )  # fmt: skip
    status_url = rig.azure_start(f"{AZURE_VM}/virtualMachines/vm-c").headers["Azure-AsyncOperation"]
    for profile, op_id in (
        ("sim-google", google_name("op-g-cancelled")),
        ("sim-azure", status_url),
        ("sim-lakesail", "OPLSCANCEL"),
    ):
        result = wait(rig, profile, op_id)
        assert result.code == 3, (profile, result.err)
        assert result.out == ""


# -- 4 and 5: not found, refused ----------------------------------------------------------------


def _missing_id(provider: str, rig: ProviderRig) -> str:
    return {
        "redpanda": "rp-no-such-op",
        "lakesail": "OPNOSUCH",
        "google": google_name("op-no-such"),
        "azure": azure_status_url(rig.url, "no-such-op"),
        "http": "job-no-such",
    }[provider]


@pytest.mark.parametrize("provider", PROVIDERS)
def test_not_found_exits_4_and_refused_credentials_exit_5(
    provider_sim: MakeRig, provider: str
) -> None:
    rig = provider_sim(*success_case(provider).operations, wrong=True)
    missing = rig.run("wait", "-p", f"sim-{provider}", _missing_id(provider, rig))
    assert missing.code == 4, missing.err
    polls = [r for r in rig.sim.requests if r.status == 404]
    assert len(polls) >= 2, "404 before a good poll is retried for the grace (1s)"
    assert polls[-1].time - polls[0].time >= 0.8

    existing = success_case(provider).ids(rig)[0]
    refused = rig.run("wait", "-p", f"sim-{provider}-wrong", existing)
    assert refused.code == 5, refused.err
    assert refused.out == ""


def test_an_expired_redpanda_token_is_fetched_again_and_the_wait_succeeds(
    provider_sim: MakeRig,
) -> None:
    # Tokens announce an hour but stop working after 1 s; the operation ends at 1.2 s, well
    # within the second token's life: the first 401 must bring exactly one refresh.
    rig = provider_sim(
        op("redpanda", "rp-long", *steps((0, "STATE_IN_PROGRESS"), (1.2, "STATE_COMPLETED")),
           type="TYPE_CREATE_CLUSTER", resource_id="cl-long"),
        credentials={"redpanda_token_lifetime": 1.0},
    )  # fmt: skip
    result = rig.run("wait", "--debug", "-p", "sim-redpanda", "rp-long")
    assert result.code == 0, result.err
    assert result.out.splitlines() == ["cl-long"]
    assert len(rig.sim.token_requests()) == 2
    assert any(r.status == 401 for r in rig.sim.requests)
    # Issued tokens are `<static token>.issued-<n>`, canaries too: not one may show, --debug
    # included (the harness checks the canaries: the client secret, the static token).
    assert ".issued-" not in result.out + result.err
    assert "oauth/token" in result.err  # --debug did show the exchanges, redacted


# -- 7, unknown, 124 ------------------------------------------------------------------------------


def test_lakesail_completed_at_with_an_unrecognized_status_exits_7(provider_sim: MakeRig) -> None:
    rig = provider_sim(
        op("lakesail", "OPLSODD", *steps((0, "running"), (0.3, "archived")),
           resource_id="CLODD"),
    )  # fmt: skip
    result = wait(rig, "sim-lakesail", "OPLSODD")
    assert result.code == 7, result.err
    assert result.out == ""
    assert "archived" in result.err


UNDOCUMENTED: dict[str, tuple[dict[str, Any], str, str]] = {
    # provider: (an operation with an undocumented raw state for an hour, its id, state)
    "redpanda": (op("redpanda", "rp-odd", *steps((0, "STATE_PAUSED"), (HOUR, "STATE_COMPLETED")),
                    type="TYPE_CREATE_CLUSTER"), "rp-odd", "unknown"),
    "lakesail": (op("lakesail", "OPLSPAUSED", *steps((0, "paused"), (HOUR, "succeeded"))),
                 "OPLSPAUSED", "unknown"),
    # Google has no state field: a `done` that is not a boolean is its undocumented value.
    "google": (op("google", "op-g-odd", {"at": 0, "state": "running", "extra": {"done": "yes"}},
                  {"at": HOUR, "state": "done"}), google_name("op-g-odd"), "unknown"),
    "azure": (op("azure", "az-odd", *steps((0, "Provisioning"), (HOUR, "Succeeded")),
                 urls=["async_operation"]), "", "running"),
    "http": (op("http", "job-odd", *steps((0, "PAUSED"), (HOUR, "DONE"))), "job-odd", "unknown"),
}  # fmt: skip


@pytest.mark.parametrize("provider", PROVIDERS)
def test_an_undocumented_state_keeps_polling_until_the_timeout_exits_124(
    provider_sim: MakeRig, provider: str
) -> None:
    operation, op_id, state = UNDOCUMENTED[provider]
    rig = provider_sim(operation)
    op_id = op_id or azure_status_url(rig.url, "az-odd")
    result = rig.run("wait", "-p", f"sim-{provider}", "--timeout", "1s", "-o", "json", op_id)
    assert result.code == 124, result.err
    document = json.loads(result.out)
    assert document["state"] == state
    assert len(rig.sim.polls(operation["id"])) >= 3  # it kept polling


# -- Azure: the URLs themselves, request-reply, Retry-After ---------------------------------------


def test_azure_urls_pick_their_profile_and_request_reply_redirects_are_not_followed(
    provider_sim: MakeRig,
) -> None:
    rig = provider_sim(
        op("azure", "az-url-status", *steps((0, "Accepted"), (0.3, "Succeeded"),
           properties={"resourceId": f"{AZURE_VM}/virtualMachines/vm-u1"}),
           resource_path=f"{AZURE_VM}/virtualMachines/vm-u1"),
        op("azure", "az-url-location", *steps((0, "InProgress"), (0.3, "Succeeded")),
           final_status=204, resource_path=f"{AZURE_VM}/virtualMachines/vm-u2"),
        # Long enough that `lro` usually sees it pending (200) first; not asserted (load).
        op("azure", "az-reply-302", *steps((0, "Running"), (1.2, "Succeeded")),
           urls=["request_reply"], resource_path="/api/exports/export-302"),
        op("azure", "az-reply-303", *steps((0, "Running"), (0.4, "Succeeded")),
           urls=["request_reply"], resource_path="/api/exports/export-303",
           redirect_status=303, redirect_to="https://exports.example.net/results/e-303"),
    )  # fmt: skip
    status_url = rig.azure_start(f"{AZURE_VM}/virtualMachines/vm-u1").headers[
        "Azure-AsyncOperation"
    ]
    location_url = rig.azure_start(f"{AZURE_VM}/virtualMachines/vm-u2").headers["Location"]
    reply_302 = rig.azure_start("/api/exports/export-302", "POST")
    reply_303 = rig.azure_start("/api/exports/export-303", "POST")
    assert reply_302.status_code == 202 and "/api/status/" in reply_302.headers["Location"]

    # No --profile: the URLs' longest base_url prefix is sim-azure's (the default is not).
    result = rig.run(
        "wait", status_url, location_url, reply_302.headers["Location"],
        reply_303.headers["Location"],
    )  # fmt: skip
    assert result.code == 0, result.err
    assert result.out.splitlines() == [
        f"{AZURE_VM}/virtualMachines/vm-u1",  # properties.resourceId of the status body
        # (a 204 names nothing)
        f"{rig.url}/azure/api/exports/export-302",  # the 302 target, as it is
        "https://exports.example.net/results/e-303",  # the 303 target, another host
    ]
    # The redirect targets were never requested: only the starting calls touched them.
    export_gets = [r for r in rig.sim.requests if r.path.startswith("/azure/api/exports/")]
    assert [r.method for r in export_gets] == ["POST", "POST"]
    assert {r.status for r in rig.sim.requests if "/api/status/" in r.path} >= {302, 303}


def test_azure_retry_after_on_a_200_status_is_respected(provider_sim: MakeRig) -> None:
    rig = provider_sim(
        op("azure", "az-slow", *steps((0, "Accepted"), (0.2, "InProgress"), (1.5, "Succeeded"),
           properties={"resourceId": f"{AZURE_VM}/virtualMachines/vm-s"}),
           urls=["async_operation"], retry_after=1,
           resource_path=f"{AZURE_VM}/virtualMachines/vm-s"),
    )  # fmt: skip
    status_url = rig.azure_start(f"{AZURE_VM}/virtualMachines/vm-s").headers["Azure-AsyncOperation"]
    result = wait(rig, "sim-azure", status_url)
    assert result.code == 0, result.err
    assert result.out.splitlines() == [f"{AZURE_VM}/virtualMachines/vm-s"]
    times = rig.gets("az-slow")
    assert len(times) >= 2
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    # Retry-After: 1 on every 200 while it runs, against an interval of 200ms (lower bound only).
    assert min(gaps) >= 0.95, gaps
