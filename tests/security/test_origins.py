"""Credentials go only to the profile's own origin; plain http only to loopback (SPEC.md
"Configuration").

`Recorder` (rig.py) is a second loopback server, another origin, that logs whatever reaches it:
every test that points lro elsewhere asserts it received nothing, and that the simulator (the
profile's own origin) received nothing it should not have.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from lro_cli.sim import SimServer, Simulator
from tests.integration.harness import base_environ, run_lro
from tests.security.conftest import MakeCanaryRig
from tests.security.rig import (
    CREDENTIALS,
    GCORE_KEY,
    Recorder,
    assert_no_secret,
    azure_status_url,
    google_name,
    op,
    token_script,
)

HOUR = 3600
# One operation per dialect that runs for an hour, and the path of its GET under the server.
RUNNING: dict[str, tuple[dict[str, Any], str]] = {
    "sim-gcore": (op("gcore", "g-1", {"at": 0, "state": "RUNNING"}, type="create_vm"),
                  "/gcore/cloud/v1/tasks/g-1"),
    "sim-neon": (op("neon", "n-1", {"at": 0, "status": "running"}),
                 "/neon/api/v2/projects/sim-project-000001/operations/n-1"),
    "sim-redpanda": (op("redpanda", "rp-1", {"at": 0, "state": "STATE_IN_PROGRESS"},
                        type="TYPE_CREATE_CLUSTER"), "/redpanda/v1/operations/rp-1"),
    "sim-lakesail": (op("lakesail", "OPLS1", {"at": 0, "state": "running"}),
                     "/lakesail/api/v1/operations/OPLS1"),
    "sim-google": (op("google", "go-1", {"at": 0, "state": "running"}),
                   f"/google/v1/{google_name('go-1')}"),
    "sim-azure": (op("azure", "az-1", {"at": 0, "state": "InProgress"},
                     urls=["async_operation"]), ""),
    "sim-http": (op("http", "h-1", {"at": 0, "state": "RUNNING"}), "/custom/jobs/h-1"),
}  # fmt: skip


def _id(profile: str) -> str:
    return str(RUNNING[profile][0]["id"])


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    with Recorder() as server:
        yield server


def with_fault(profile: str, fault: Mapping[str, Any]) -> dict[str, Any]:
    operation, _ = RUNNING[profile]
    return {**operation, "faults": [dict(fault)]}


# -- URL arguments -------------------------------------------------------------------------------


def test_a_url_argument_on_another_origin_is_refused_before_any_request(
    canary_rig: MakeCanaryRig, recorder: Recorder
) -> None:
    rig = canary_rig(*(operation for operation, _ in RUNNING.values()))
    port = rig.server.port
    elsewhere = [  # (the profile named, the other origin, the command)
        ("sim-gcore", recorder.url, ["get"]),  # another port
        ("sim-azure", f"https://127.0.0.1:{port}", ["wait", "--debug"]),  # another scheme
        ("sim-google", f"http://localhost:{port}", ["get", "--debug"]),  # another host name
        ("sim-http", f"http://127.0.0.2:{port}", ["watch"]),  # another address
    ]
    for profile, origin, verb in elsewhere:
        path = RUNNING[profile][1] or azure_status_url("", "az-1")
        result = rig.run(*verb, "-p", profile, f"{origin}{path}", reset=False)
        assert result.code == 2, (profile, origin, result.err)
        assert "origin" in result.err, result.err
        # Without --profile: no profile's base_url is a prefix of it.
        result = rig.run(*verb, f"{origin}{path}", reset=False)
        assert result.code == 2 and "no profile" in result.err, result.err
    assert recorder.seen == []
    assert rig.sim.requests == []
    assert rig.shell_ran() == []


def test_a_url_argument_on_the_profiles_origin_is_fetched_with_credentials(
    canary_rig: MakeCanaryRig,
) -> None:
    rig = canary_rig(*(operation for operation, _ in RUNNING.values()))
    # Bare URLs: each picks its profile by the longest base_url prefix.
    urls = [f"{rig.url}{RUNNING[p][1]}" for p in ("sim-gcore", "sim-google", "sim-lakesail")]
    result = rig.run("get", "-o", "json", *urls, azure_status_url(rig.url, "az-1"))
    assert result.code == 0, result.err
    assert {r.status for r in rig.sim.requests} == {200}  # authenticated: not one 401


# -- redirects -------------------------------------------------------------------------------------

FOLLOWING = ("sim-gcore", "sim-neon", "sim-redpanda", "sim-lakesail", "sim-google", "sim-http")


@pytest.mark.parametrize(
    ("status", "verbs"),
    [(301, ["get"]), (302, ["get", "wait"]), (303, ["get"]), (307, ["wait"]), (308, ["get"])],
)
def test_a_redirect_to_another_origin_is_not_followed_exit_7(
    canary_rig: MakeCanaryRig, recorder: Recorder, status: int, verbs: list[str]
) -> None:
    target = f"{recorder.url}/steal?from=lro"
    fault = {"request": list(range(1, 20)), "status": status, "headers": {"Location": target}}
    rig = canary_rig(*(with_fault(p, fault) for p in RUNNING))
    names = [rig.arg(p, _id(p)) for p in FOLLOWING]
    # Azure never follows a redirect: 302/303 end its request-reply operations (below), and any
    # other is a protocol error.
    azure = [] if status in (302, 303) else [rig.arg("sim-azure", "az-1")]
    if "get" in verbs:
        result = rig.run("get", *names, *azure)
        assert result.code == 7, result.err
        refused = [line for line in result.err.splitlines() if line.startswith("lro: ")]
        assert len(refused) == len(names) + len(azure), result.err
        assert sum("another origin" in line for line in refused) == len(names), result.err
    if "wait" in verbs:
        result = rig.run("wait", "--debug", *names, *azure)
        assert result.code == 7, result.err
        assert result.err.count("another origin") >= len(names), result.err
    assert recorder.seen == []


def test_a_redirect_to_the_same_host_by_another_name_or_scheme_is_refused(
    canary_rig: MakeCanaryRig,
) -> None:
    rig = canary_rig()
    port = rig.server.port
    targets = (f"http://localhost:{port}/gcore/steal", f"https://127.0.0.1:{port}/gcore/steal")
    for number, target in enumerate(targets):
        fault = {"request": list(range(1, 20)), "status": 307, "headers": {"Location": target}}
        rig.sim.add_operation(op("gcore", f"g-{number}", {"at": 0, "state": "RUNNING"},
                                 type="create_vm", faults=[fault]))  # fmt: skip
    result = rig.run("get", "sim-gcore:g-0", "sim-gcore:g-1", reset=False)
    assert result.code == 7, result.err
    assert result.err.count("another origin") == 2
    assert not [r for r in rig.sim.requests if r.path.endswith("/steal")]


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_within_the_origin_is_followed_with_credentials(
    canary_rig: MakeCanaryRig, status: int
) -> None:
    rig = canary_rig()
    for number, profile in enumerate(FOLLOWING):
        operation, path = RUNNING[profile]
        # Absolute for some, relative for others; to the operation's own URL, which the next
        # request (no longer faulted) answers with the operation, if it carries the credentials.
        location = f"{rig.url}{path}" if number % 2 else path
        fault = {"request": 1, "status": status, "headers": {"Location": location}}
        rig.sim.add_operation({**operation, "faults": [fault]})
    result = rig.run("get", "-o", "json", *(rig.arg(p, _id(p)) for p in FOLLOWING), reset=False)
    assert result.code == 0, result.err
    for profile in FOLLOWING:
        polls = [r.status for r in rig.sim.polls(_id(profile))]
        assert polls == [status, 200], (profile, polls)


def test_azure_completion_redirects_are_not_followed_at_all(
    canary_rig: MakeCanaryRig, recorder: Recorder
) -> None:
    """Azure's request-reply pattern: the 302/303 ends the operation and its Location is the
    result; it is neither followed with credentials nor without (the other half of this,
    same-origin targets, is `test_azure_urls_pick_their_profile_and_request_reply_…`)."""
    ops = [
        op("azure", f"az-reply-{status}", {"at": 0, "state": "Running"},
           {"at": 0.2, "state": "Succeeded"}, urls=["request_reply"],
           resource_path=f"/api/exports/e-{status}", redirect_status=status,
           redirect_to=f"{recorder.url}/results/e-{status}")
        for status in (302, 303)
    ]  # fmt: skip
    rig = canary_rig(*ops)
    urls = []
    import httpx

    for status in (302, 303):
        started = httpx.post(
            f"{rig.url}/azure/api/exports/e-{status}",
            headers={"Authorization": f"Bearer {CREDENTIALS['azure_token']}"},
            timeout=5,
        )
        urls.append(started.headers["Location"])
    result = rig.run("wait", "--debug", "-p", "sim-azure", *urls, reset=False)
    assert result.code == 0, result.err
    assert result.out.splitlines() == [f"{recorder.url}/results/e-{s}" for s in (302, 303)]
    assert recorder.seen == []


def test_a_token_endpoint_redirect_is_not_followed_with_the_client_secret(
    canary_rig: MakeCanaryRig, recorder: Recorder
) -> None:
    fault = {
        "request": list(range(1, 10)),
        "path": "/redpanda/oauth/token",
        "status": 307,
        "headers": {"Location": f"{recorder.url}/oauth/token"},
    }
    rig = canary_rig(RUNNING["sim-redpanda"][0], faults=[fault])
    result = rig.run("get", "--debug", "sim-redpanda:rp-1")
    assert result.code == 5, result.err
    assert "307" in result.err
    assert recorder.seen == []


# -- plain http ---------------------------------------------------------------------------------

HTTP_RULES = {
    "provider": "http",
    "get": "/jobs/{id}",
    "state_path": "job.phase",
    "states": {"DONE": "succeeded", "RUNNING": "running"},
}


def write(tmp_path: Path, profiles: Mapping[str, Mapping[str, Any]]) -> dict[str, str]:
    path = tmp_path / "origins.yaml"
    path.write_text(yaml.safe_dump({"profiles": {k: dict(v) for k, v in profiles.items()}}))
    path.chmod(0o600)
    return base_environ(path)


INSECURE = {
    "name": "http://example.com/api",
    "private-address": "http://10.0.0.1/api",
    "test-net": "http://192.0.2.1:9/api",
    "any-address": "http://0.0.0.0:9/api",
    "lookalike": "http://localhost.example.com/api",
    "short-loopback-form": "http://127.1:9/api",
}


def test_plain_http_to_anything_but_loopback_is_refused_before_any_request(
    tmp_path: Path,
) -> None:
    command = token_script(tmp_path, "never", "CANARY-token-never-7d")
    profiles: dict[str, dict[str, Any]] = {
        name: {**HTTP_RULES, "base_url": url, "api_key": GCORE_KEY}
        for name, url in INSECURE.items()
    }
    profiles["google"] = {"provider": "google", "base_url": INSECURE["name"],
                          "token_command": command}  # fmt: skip
    profiles["redpanda-token-url"] = {
        "provider": "redpanda",
        "base_url": "https://api.redpanda.com",
        "token_url": "http://auth.example.com/oauth/token",
        "client_id": "c",
        "client_secret": GCORE_KEY,
    }
    env = write(tmp_path, profiles)
    validated = run_lro(["config", "validate"], env)
    assert validated.code == 2
    assert validated.err.count("allow_insecure_http") == len(profiles), validated.err
    assert_no_secret(validated)
    for name in ("name", "private-address", "google", "redpanda-token-url"):
        started = time.monotonic()
        result = run_lro(["get", "--debug", f"{name}:1"], env, debug=True)
        assert result.code == 2, (name, result.err)
        assert "allow_insecure_http" in result.err
        assert "debug: http" not in result.err  # not one exchange
        assert time.monotonic() - started < 5
        assert_no_secret(result)
    assert not list(tmp_path.glob("never*-shell-ran"))


def test_allow_insecure_http_lifts_the_refusal(tmp_path: Path) -> None:
    profile = {**HTTP_RULES, "base_url": INSECURE["test-net"], "allow_insecure_http": True}
    secure = {**HTTP_RULES, "base_url": "https://api.example.com/api", "api_key": GCORE_KEY}
    redpanda = {"provider": "redpanda", "token_url": "https://auth.example.com/t", "token": "t"}
    env = write(tmp_path, {"p": profile, "secure": secure, "redpanda": redpanda})
    validated = run_lro(["config", "validate"], env)
    assert validated.code == 0, validated.err  # https:// anywhere is fine, without the opt-in
    # Nothing answers there: the run gets as far as the network, and the deadline ends it.
    result = run_lro(["wait", "--timeout", "1s", "p:1"], env)
    assert result.code in (6, 124), result.err
    assert "allow_insecure_http" not in result.err


# (`http://[::1]` is allowed as loopback by tests/test_config.py; a server on ::1 would need
# IPv6 on the machine, which CI machines may not have.)
@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_plain_http_to_loopback_is_fine(tmp_path: Path, host: str) -> None:
    operation = op("http", "h-1", {"at": 0, "state": "DONE"})
    sim = Simulator({"credentials": CREDENTIALS, "operations": [operation]})
    with SimServer(sim) as server:
        base = f"http://{host}:{server.port}/custom"
        profile = {**HTTP_RULES, "base_url": base, "api_key": CREDENTIALS["http_api_key"]}
        env = write(tmp_path, {"p": profile})
        # By PROFILE:ID, and by URL argument.
        named = "p:h-1" if host != "localhost" else f"{base}/jobs/h-1"
        result = run_lro(["get", "-o", "json", named], env)
        assert result.code == 0, result.err
        assert_no_secret(result)
