"""`lro cancel` and `lro wait --cancel-on-interrupt`, in process over a stub transport."""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from httpmock import Registry, registry

from lro_cli.commands import cancel, wait
from lro_cli.env import Env
from lro_cli.options import CancelOptions, CommonOptions, WaitOptions

NAME = "projects/p/locations/l/operations/op-123"
OTHER = "projects/p/locations/l/operations/op-456"
BASE = "http://127.0.0.1:1"
CONFIG = f"""\
default_profile: g
profiles:
  g:
    provider: google
    base_url: {BASE}
    token: tok-secret
  gc:
    provider: gcore
    base_url: {BASE}/gcore
    api_key: key-secret
"""


@pytest.fixture
def reg() -> Iterator[Registry]:
    yield from registry()


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(CONFIG, encoding="utf-8")
    path.chmod(0o600)
    return path


def env_for(reg: Registry, config: Path) -> Env:
    return Env.for_test(
        transport=httpx.MockTransport(reg.handler), environ={"LRO_CONFIG": str(config)}
    )


def run_cancel(reg: Registry, config: Path, *ids: str) -> tuple[int, str]:
    env = env_for(reg, config)
    code = cancel.run(CancelOptions(ids), env)
    assert env.stdout.getvalue() == ""  # nothing on stdout: the acknowledgement is chatter
    return code, env.stderr.getvalue()


def refused(status: int, message: str) -> httpx.Response:
    return httpx.Response(status, json={"error": {"code": status, "message": message}})


def test_cancel_posts_an_empty_body_and_exits_0(reg: Registry, config: Path) -> None:
    reg.json("POST", f"/v1/{NAME}:cancel", {})
    code, err = run_cancel(reg, config, NAME)
    assert code == 0
    request = reg.requests[0]
    assert json.loads(request.content) == {}
    assert request.headers["Authorization"] == "Bearer tok-secret"
    assert f"g:{NAME}: asked the provider to cancel" in err
    assert f"Follow with: lro wait g:{NAME}" in err


def test_cancel_of_several_operations_asks_for_each(reg: Registry, config: Path) -> None:
    reg.json("POST", f"/v1/{NAME}:cancel", {})
    reg.register("POST", f"/v1/{OTHER}:cancel", refused(404, "no such operation"))
    code, err = run_cancel(reg, config, NAME, f"g:{OTHER}")
    assert code == 4  # the most severe of 0 and 4
    assert f"g:{NAME}: asked the provider to cancel" in err
    assert f"g:{OTHER}: cancel refused: HTTP 404" in err and "no such operation" in err


def test_a_provider_without_cancel_is_exit_2_before_any_request(
    reg: Registry, config: Path
) -> None:
    code, err = run_cancel(reg, config, "gc:task-1")
    assert code == 2
    assert "provider 'gcore' (profile 'gc') cannot cancel" in err
    assert reg.requests == []


def test_one_profile_without_cancel_stops_every_request(reg: Registry, config: Path) -> None:
    code, err = run_cancel(reg, config, NAME, "gc:task-1")
    assert code == 2 and "'gcore'" in err
    assert reg.requests == []


def test_unimplemented_is_exit_7_with_the_providers_message(reg: Registry, config: Path) -> None:
    reg.register("POST", f"/v1/{NAME}:cancel", refused(501, "Operation cancel is not supported"))
    code, err = run_cancel(reg, config, NAME)
    assert code == 7
    assert "cancel refused: HTTP 501" in err and "Operation cancel is not supported" in err
    assert "tok-secret" not in err


def test_a_bad_name_is_exit_2_without_a_request(reg: Registry, config: Path) -> None:
    code, err = run_cancel(reg, config, "projects/p/../operations/x")
    assert code == 2 and "'..'" in err
    assert reg.requests == []


def test_cancel_by_url(reg: Registry, config: Path) -> None:
    reg.json("POST", f"{BASE}/v1/{NAME}:cancel", {})
    code, err = run_cancel(reg, config, f"{BASE}/v1/{NAME}")
    assert code == 0 and "asked the provider to cancel" in err


# wait --cancel-on-interrupt ---------------------------------------------------------------------


def running(name: str = NAME) -> dict[str, Any]:
    return {"name": name, "done": False, "metadata": {"verb": "create"}}


def interrupt_with(signum: signal.Signals, body: dict[str, Any]) -> Any:
    """A response that arrives together with a signal, as if the user pressed Ctrl-C then."""

    def respond(request: httpx.Request) -> httpx.Response:
        os.kill(os.getpid(), signum)
        return httpx.Response(200, json=body)

    return respond


def run_wait(reg: Registry, config: Path, *ids: str, cancel_on_interrupt: bool) -> tuple[int, str]:
    env = env_for(reg, config)
    opts = WaitOptions(ids, CommonOptions(plain=True), cancel_on_interrupt=cancel_on_interrupt)
    code = wait.run(opts, env)
    return code, env.stderr.getvalue()


@pytest.mark.parametrize(
    ("signum", "expected"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["INT", "TERM"]
)
def test_interrupt_asks_to_cancel_what_still_runs(
    reg: Registry, config: Path, signum: signal.Signals, expected: int
) -> None:
    done = {"name": OTHER, "done": True, "response": {"name": "projects/p/services/s"}}
    reg.json("GET", f"/v1/{NAME}", running())
    reg.json("GET", f"/v1/{OTHER}", done)
    reg.register("GET", f"/v1/{NAME}", interrupt_with(signum, running()))
    reg.json("POST", f"/v1/{NAME}:cancel", {})  # only the unfinished one
    code, err = run_wait(reg, config, NAME, OTHER, cancel_on_interrupt=True)
    assert code == expected
    assert json.loads(reg.requests[-1].content) == {}
    assert f"g:{NAME}: asked the provider to cancel" in err
    assert "interrupted: 1 operation still runs server-side; cancel requested." in err
    assert f"Resume with: lro wait g:{NAME}" in err


def test_interrupt_without_the_flag_cancels_nothing(reg: Registry, config: Path) -> None:
    reg.json("GET", f"/v1/{NAME}", running())
    reg.register("GET", f"/v1/{NAME}", interrupt_with(signal.SIGINT, running()))
    code, err = run_wait(reg, config, NAME, cancel_on_interrupt=False)
    assert code == 130
    assert all(request.method == "GET" for request in reg.requests)
    assert "nothing was cancelled" in err


def test_a_refused_cancel_on_interrupt_is_said_and_the_exit_stays_130(
    reg: Registry, config: Path
) -> None:
    reg.json("GET", f"/v1/{NAME}", running())
    reg.register("GET", f"/v1/{NAME}", interrupt_with(signal.SIGINT, running()))
    reg.register("POST", f"/v1/{NAME}:cancel", refused(501, "not here"))
    code, err = run_wait(reg, config, NAME, cancel_on_interrupt=True)
    assert code == 130
    assert "cancel refused: HTTP 501" in err and "nothing was cancelled" in err


def test_cancel_on_interrupt_with_a_provider_that_cannot_is_exit_2_before_any_wait(
    reg: Registry, config: Path
) -> None:
    code, err = run_wait(reg, config, NAME, "gc:task-1", cancel_on_interrupt=True)
    assert code == 2
    assert "provider 'gcore' (profile 'gc') cannot cancel" in err
    assert reg.requests == []
