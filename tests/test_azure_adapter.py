from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import httpx
import pytest
from httpmock import Registry, make_profile, make_session, registry

from lro_cli.config import Credentials
from lro_cli.errors import ExitCode, UsageError
from lro_cli.http import StaticAuth
from lro_cli.model import FailureKind, Operation, PollResult, Resource, State
from lro_cli.providers import registry as providers
from lro_cli.providers.azure import STATE_MAP, AzureProvider
from lro_cli.providers.base import ListQuery

ARM = "https://management.azure.com"
SUB = "/subscriptions/0000-1111/providers/Microsoft.Compute/locations/westeurope"
STATUS_URL = f"{ARM}{SUB}/operations/op-1"  # names neither kind: only responses tell
NAMED_STATUS_URL = f"{ARM}{SUB}/operationStatuses/op-1"
LOCATION_URL = f"{ARM}{SUB}/operationResults/op-1"
VM = "/subscriptions/0000-1111/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1"


@pytest.fixture
def reg() -> Iterator[Registry]:
    yield from registry()


def azure(reg: Registry) -> AzureProvider:
    profile = make_profile(
        "azure", ARM, name="az", credentials=Credentials(token="arm-token-secret")
    )
    return AzureProvider(profile, make_session(reg, profile, providers.make_auth(profile)))


def respond(
    reg: Registry,
    status: int,
    body: Any = None,
    *,
    url: str = STATUS_URL,
    headers: dict[str, str] | None = None,
) -> None:
    if body is None:
        reg.register("GET", url, httpx.Response(status, headers=headers))
    elif isinstance(body, bytes):
        reg.register("GET", url, httpx.Response(status, content=body, headers=headers))
    else:
        reg.json("GET", url, body, status=status, headers=headers)


def poll(reg: Registry, status: int, body: Any = None, **kwargs: Any) -> PollResult:
    url = kwargs.get("url", STATUS_URL)
    respond(reg, status, body, **kwargs)
    return asyncio.run(azure(reg).fetch(url))


def operation(result: PollResult) -> Operation:
    assert result.failure is None, result.failure
    assert result.operation is not None
    return result.operation


def failure_kind(result: PollResult) -> FailureKind:
    assert result.operation is None, result.operation
    assert result.failure is not None
    return result.failure.kind


def status_body(status: object = "InProgress", **fields: Any) -> dict[str, Any]:
    return {"id": f"{SUB}/operations/op-1", "name": "op-1", "status": status, **fields}


# Azure-AsyncOperation status bodies ------------------------------------------------------------

STATES = [
    ("Accepted", State.PENDING),
    ("accepted", State.PENDING),
    ("ACCEPTED", State.PENDING),
    ("Succeeded", State.SUCCEEDED),
    ("succeeded", State.SUCCEEDED),
    ("SUCCEEDED", State.SUCCEEDED),
    ("Failed", State.FAILED),
    ("failed", State.FAILED),
    ("FAILED", State.FAILED),
    ("Canceled", State.CANCELLED),
    ("canceled", State.CANCELLED),
    ("CANCELED", State.CANCELLED),
    ("InProgress", State.RUNNING),
    ("inprogress", State.RUNNING),
    ("Deleting", State.RUNNING),  # service-specific: the dialect rule says running
    ("Cancelled", State.RUNNING),  # not ARM's spelling, so not terminal
    ("SomethingNew", State.RUNNING),  # undocumented: running, never unknown
]


@pytest.mark.parametrize(("raw", "state"), STATES, ids=[raw for raw, _ in STATES])
def test_state_table(reg: Registry, raw: str, state: State) -> None:
    op = operation(poll(reg, 200, status_body(raw)))
    assert op.state is state
    assert op.raw_state == raw
    assert (op.profile, op.provider, op.id, op.type) == ("az", "azure", STATUS_URL, None)


def test_every_documented_state_is_in_the_table() -> None:
    assert set(STATE_MAP) == {"accepted", "succeeded", "failed", "canceled"}


def test_failed_status_body_from_the_reference(reg: Registry) -> None:
    body = status_body(
        "Failed",
        startTime="2026-05-23T05:07:31.5Z",
        endTime="2026-05-23T05:09:02.1234567Z",
        percentComplete=100,
        properties={},
        error={
            "code": "OSProvisioningTimedOut",
            "message": "OS Provisioning for VM 'vm1' did not finish in the allotted time.",
            "target": "vm1",
            "details": [{"code": "Inner", "message": "agent silent"}, {"message": "retry later"}],
        },
    )
    op = operation(poll(reg, 200, body))
    assert op.state is State.FAILED
    assert op.error is not None
    assert (op.error.code, op.error.message) == (
        "OSProvisioningTimedOut",
        "OS Provisioning for VM 'vm1' did not finish in the allotted time.",
    )
    assert op.error.details == {
        "target": "vm1",
        "details.0": "Inner agent silent",
        "details.1": "retry later",
    }
    assert op.started_at == datetime(2026, 5, 23, 5, 7, 31, 500000, tzinfo=timezone.utc)
    assert op.finished_at == datetime(2026, 5, 23, 5, 9, 2, 123456, tzinfo=timezone.utc)
    assert op.resources == ()
    assert op.raw == body


@pytest.mark.parametrize(
    ("percent", "fraction"),
    [(42.5, 0.425), (0, 0.0), (100, 1.0), (150, 1.0), (-5, 0.0), ("50", None), (True, None)],
    ids=["float", "zero", "full", "over", "negative", "text", "bool"],
)
def test_percent_complete_is_the_fraction(
    reg: Registry, percent: object, fraction: float | None
) -> None:
    op = operation(poll(reg, 200, status_body(percentComplete=percent)))
    assert (op.progress.fraction if op.progress else None) == fraction


def test_status_body_resource_is_properties_resource_id(reg: Registry) -> None:
    op = operation(poll(reg, 200, status_body("Succeeded", properties={"resourceId": VM})))
    assert op.resources == (Resource(VM, None),)


def test_retry_after_on_a_200_status_response(reg: Registry) -> None:
    result = poll(reg, 200, status_body(), headers={"Retry-After": "17"})
    assert operation(result).state is State.RUNNING
    assert result.retry_after == 17.0


@pytest.mark.parametrize(
    "body",
    [b"<html>oops</html>", b'{"status": "InPro', b"[1]", status_body(None), status_body(7)],
    ids=["html", "truncated", "array", "null-status", "number-status"],
)
def test_unreadable_200_bodies_are_malformed_never_success(reg: Registry, body: Any) -> None:
    assert failure_kind(poll(reg, 200, body)) is FailureKind.MALFORMED


def test_a_known_status_url_answering_without_status_is_malformed(reg: Registry) -> None:
    respond(reg, 200, status_body())
    respond(reg, 200, {"id": "x"})
    respond(reg, 200, b"")
    provider = azure(reg)
    assert operation(asyncio.run(provider.fetch(STATUS_URL))).state is State.RUNNING
    assert failure_kind(asyncio.run(provider.fetch(STATUS_URL))) is FailureKind.MALFORMED
    assert failure_kind(asyncio.run(provider.fetch(STATUS_URL))) is FailureKind.MALFORMED


@pytest.mark.parametrize(
    ("status", "kind"),
    [(400, FailureKind.PROTOCOL), (409, FailureKind.PROTOCOL), (500, FailureKind.TRANSIENT)],
)
def test_status_url_errors_mean_reading_failed(
    reg: Registry, status: int, kind: FailureKind
) -> None:
    arm_error = {"error": {"code": "BadRequest", "message": "bad api-version"}}
    respond(reg, 200, status_body())
    respond(reg, status, arm_error)
    provider = azure(reg)
    asyncio.run(provider.fetch(STATUS_URL))
    assert failure_kind(asyncio.run(provider.fetch(STATUS_URL))) is kind


def test_a_url_named_operation_statuses_is_a_status_url_from_the_first_poll(
    reg: Registry,
) -> None:
    arm_error = {"error": {"code": "BadRequest", "message": "bad api-version"}}
    assert failure_kind(poll(reg, 400, arm_error, url=NAMED_STATUS_URL)) is FailureKind.PROTOCOL


# Location URLs ---------------------------------------------------------------------------------


def test_location_202_is_running_and_honours_retry_after(reg: Registry) -> None:
    result = poll(reg, 202, url=LOCATION_URL, headers={"Retry-After": "60", "Location": "x"})
    op = operation(result)
    assert (op.state, op.raw_state, op.resources) == (State.RUNNING, None, ())
    assert result.retry_after == 60.0


@pytest.mark.parametrize(
    ("status", "body", "resources"),
    [
        (200, {"id": VM, "name": "vm1", "properties": {"provisioningState": "Succeeded"}}, [VM]),
        (200, {"id": VM, "status": {"powerState": "on"}}, [VM]),  # a resource's own `status`
        (200, None, []),
        (201, {"id": VM}, [VM]),
        (204, None, []),
    ],
    ids=["200-resource", "200-nested-status", "200-empty", "201", "204"],
)
def test_location_done_is_succeeded(
    reg: Registry, status: int, body: Any, resources: list[str]
) -> None:
    op = operation(poll(reg, status, body, url=LOCATION_URL))
    assert op.state is State.SUCCEEDED
    assert [r.id for r in op.resources] == resources
    assert all(r.type is None for r in op.resources)


@pytest.mark.parametrize("status", [400, 409, 422])
def test_location_4xx_with_an_arm_error_is_a_failed_operation(reg: Registry, status: int) -> None:
    body = {"error": {"code": "QuotaExceeded", "message": "Operation could not be completed"}}
    result = poll(reg, status, body, url=LOCATION_URL, headers={"Retry-After": "5"})
    op = operation(result)
    assert op.state is State.FAILED
    assert op.error is not None
    assert (op.error.code, op.error.message) == (
        "QuotaExceeded",
        "Operation could not be completed",
    )
    assert op.raw == body


@pytest.mark.parametrize(
    ("status", "body", "kind"),
    [
        (400, {"message": "not ARM's shape"}, FailureKind.PROTOCOL),
        (400, b"<html>bad</html>", FailureKind.PROTOCOL),
        (401, None, FailureKind.AUTH),
        (403, None, FailureKind.AUTH),
        (404, None, FailureKind.NOT_FOUND),
        (410, None, FailureKind.NOT_FOUND),
        (408, None, FailureKind.TRANSIENT),
        (429, None, FailureKind.TRANSIENT),
        (500, None, FailureKind.TRANSIENT),
        (503, b"<html>proxy</html>", FailureKind.TRANSIENT),
        (507, None, FailureKind.TRANSIENT),
        (501, None, FailureKind.PROTOCOL),
        (307, None, FailureKind.PROTOCOL),
    ],
    ids=lambda v: str(v)[:12],
)
def test_location_other_answers_are_failures_of_reading(
    reg: Registry, status: int, body: Any, kind: FailureKind
) -> None:
    arm_error = {"error": {"code": "Nope", "message": "no"}}
    payload = arm_error if body is None and 400 <= status < 500 else body
    headers = {"Location": f"{ARM}/elsewhere"} if status == 307 else None
    result = poll(reg, status, payload, url=LOCATION_URL, headers=headers)
    assert failure_kind(result) is kind
    assert len(reg.requests) == 1  # nothing followed, nothing retried here


# The asynchronous request-reply pattern ----------------------------------------------------------


@pytest.mark.parametrize(
    ("location", "resource"),
    [
        (
            "https://files.contoso.example/results/42?sv=1",
            "https://files.contoso.example/results/42?sv=1",
        ),
        (f"{ARM}{VM}?api-version=2024-07-01", VM),
        ("/results/42", f"{ARM}/results/42"),
        ("https://user:pw@files.contoso.example/r", "https://files.contoso.example/r"),
    ],
    ids=["other-host", "arm-resource", "relative", "userinfo-dropped"],
)
@pytest.mark.parametrize("status", [302, 303])
def test_completion_redirect_is_success_and_never_followed(
    reg: Registry, status: int, location: str, resource: str
) -> None:
    result = poll(reg, status, headers={"Location": location, "Retry-After": "3"})
    op = operation(result)
    assert op.state is State.SUCCEEDED
    assert op.resources == (Resource(resource, None),)
    assert [str(r.url) for r in reg.requests] == [STATUS_URL]


def test_completion_redirect_after_pending_200s(reg: Registry) -> None:
    respond(reg, 200, status_body("Accepted"))
    respond(reg, 302, headers={"Location": "https://blob.example.net/out"})
    provider = azure(reg)
    assert operation(asyncio.run(provider.fetch(STATUS_URL))).state is State.PENDING
    assert operation(asyncio.run(provider.fetch(STATUS_URL))).state is State.SUCCEEDED


def test_completion_redirect_without_location_is_protocol(reg: Registry) -> None:
    assert failure_kind(poll(reg, 303)) is FailureKind.PROTOCOL


# Origins and credentials -----------------------------------------------------------------------


def test_credentials_go_to_the_profile_origin(reg: Registry) -> None:
    poll(reg, 202, url=LOCATION_URL)
    assert reg.requests[0].headers["Authorization"] == "Bearer arm-token-secret"


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example.net/subscriptions/x/operationStatuses/1",
        "http://management.azure.com/subscriptions/x/operationStatuses/1",
        "https://management.azure.com.evil.net/subscriptions/x/operationStatuses/1",
    ],
    ids=["host", "scheme", "suffix-host"],
)
def test_status_url_on_another_origin_is_refused_without_a_request(reg: Registry, url: str) -> None:
    result = asyncio.run(azure(reg).fetch(url))
    assert failure_kind(result) is FailureKind.FATAL
    assert result.failure is not None and "arm-token-secret" not in result.failure.message
    assert reg.requests == []


# Start responses, list, registry ---------------------------------------------------------------

ASYNC_OP = f"{NAMED_STATUS_URL}?api-version=2024-07-01"
LOCATION = f"{LOCATION_URL}?api-version=2024-07-01"


@pytest.mark.parametrize(
    ("headers", "ids"),
    [
        ({"azure-asyncoperation": ASYNC_OP, "location": LOCATION}, [ASYNC_OP]),
        ({"location": LOCATION}, [LOCATION]),
        ({"azure-asyncoperation": ASYNC_OP}, [ASYNC_OP]),
        ({"Azure-AsyncOperation": f" {ASYNC_OP} ", "Location": LOCATION}, [ASYNC_OP]),
        ({"azure-asyncoperation": "", "location": LOCATION}, [LOCATION]),
        ({"retry-after": "10"}, []),
        ({}, []),
    ],
    ids=["both", "location", "async-operation", "mixed-case", "empty-async", "neither", "none"],
)
def test_ids_from_start_response_headers(
    reg: Registry, headers: dict[str, str], ids: list[str]
) -> None:
    body = {"id": VM, "properties": {"provisioningState": "Creating"}}  # ignored
    assert azure(reg).ids_from_start_response(body, headers) == ids


def test_start_response_hint_names_the_headers(reg: Registry) -> None:
    hint = azure(reg).start_response_hint
    assert "Azure-AsyncOperation" in hint and "Location" in hint


def test_list_is_refused_as_usage(reg: Registry) -> None:
    async def run() -> None:
        async for _ in azure(reg).list_operations(ListQuery()):
            pass

    with pytest.raises(UsageError, match="no list") as raised:
        asyncio.run(run())
    assert raised.value.exit_code == ExitCode.USAGE


def test_registry_builds_azure_with_defaults(reg: Registry) -> None:
    profile = make_profile("azure", ARM, credentials=Credentials(token="t"))
    provider = providers.create(profile, make_session(reg, profile))
    assert isinstance(provider, AzureProvider)
    assert provider.default_interval == 30.0
    assert provider.interval_for("anything") is None


def test_resume_of_the_same_provider_keeps_ids_as_given(reg: Registry) -> None:
    url = f"{LOCATION_URL}?api-version=2024-07-01&t=1"
    reg.register("GET", LOCATION_URL, httpx.Response(202))
    session_auth = StaticAuth({"Authorization": "Bearer x"})
    profile = make_profile("azure", ARM)
    provider = AzureProvider(profile, make_session(reg, profile, session_auth))
    op = operation(asyncio.run(provider.fetch(url)))
    assert op.id == url
    assert reg.requests[0].url.params["api-version"] == "2024-07-01"
