"""`lro sim serve`: profiles on stdout, one line on stderr, served until stopped; bad input is 2."""

from __future__ import annotations

import os
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from lro_cli.commands import sim as command
from lro_cli.env import Env
from lro_cli.options import SimServeOptions


def wait_for(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 5
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


@contextmanager
def serving(opts: SimServeOptions, env: Env) -> Iterator[list[int]]:
    """Run the command on a thread until the block ends; the list gets its exit code."""
    stop, codes = threading.Event(), []
    thread = threading.Thread(target=lambda: codes.append(command.run(opts, env, stop=stop)))
    thread.start()
    try:
        wait_for(lambda: "profiles" in out(env) or bool(codes))
        yield codes
    finally:
        stop.set()
        thread.join(timeout=5)


def out(env: Env) -> str:
    return env.stdout.getvalue()  # type: ignore[attr-defined,no-any-return]


def err(env: Env) -> str:
    return env.stderr.getvalue()  # type: ignore[attr-defined,no-any-return]


def test_serves_the_default_scenario_and_prints_profiles() -> None:
    env = Env.for_test()
    with serving(SimServeOptions(), env) as codes:
        printed = yaml.safe_load(out(env))
        profiles: dict[str, Any] = printed["profiles"]
        gcore, neon = profiles["sim-gcore"], profiles["sim-neon"]
        assert (gcore["provider"], neon["provider"]) == ("gcore", "neon")
        assert gcore["base_url"].startswith("http://127.0.0.1:") and gcore["base_url"].endswith(
            "/gcore"
        )
        assert neon["base_url"].endswith("/neon/api/v2") and neon["project_id"]
        tasks = httpx.get(
            f"{gcore['base_url']}/cloud/v1/tasks",
            headers={"Authorization": f"APIKey {gcore['api_key']}"},
        )
        assert tasks.status_code == 200 and tasks.json()["count"] >= 3
        operations = httpx.get(
            f"{neon['base_url']}/projects/{neon['project_id']}/operations",
            headers={"Authorization": f"Bearer {neon['api_key']}"},
        )
        assert operations.status_code == 200 and operations.json()["operations"]
    assert codes == [0]
    said = err(env)
    assert said.count("\n") == 1 and "Ctrl-C" in said and "serving on http://127.0.0.1:" in said


def test_a_scenario_file_is_served(tmp_path: Path) -> None:
    scenario = tmp_path / "mine.yaml"
    scenario.write_text(
        "credentials: {gcore_api_key: my-key}\n"
        "operations:\n"
        "  - {dialect: gcore, id: t-9, type: create_vm, timeline: [{at: 0, state: NEW}]}\n"
    )
    env = Env.for_test()
    with serving(SimServeOptions(scenario=str(scenario)), env) as codes:
        gcore = yaml.safe_load(out(env))["profiles"]["sim-gcore"]
        assert gcore["api_key"] == "my-key"
        task = httpx.get(
            f"{gcore['base_url']}/cloud/v1/tasks/t-9", headers={"Authorization": "APIKey my-key"}
        )
        assert task.json()["state"] == "NEW"
    assert codes == [0]


@pytest.mark.parametrize(
    ("text", "opts"),
    [
        ("operations: [{dialect: nope}]", SimServeOptions()),
        ("operations: [unclosed", SimServeOptions()),
        (None, SimServeOptions(scenario="/nonexistent/scenario.yaml")),
        (None, SimServeOptions(host="0.0.0.0")),
    ],
    ids=["invalid", "not-yaml", "missing", "not-loopback"],
)
def test_bad_input_is_one_line_and_exit_2(
    tmp_path: Path, text: str | None, opts: SimServeOptions
) -> None:
    if text is not None:
        (tmp_path / "bad.yaml").write_text(text)
        opts = SimServeOptions(scenario=str(tmp_path / "bad.yaml"))
    env = Env.for_test()
    assert command.run(opts, env) == 2
    said = err(env)
    assert said.startswith("lro: ") and said.count("\n") == 1 and "Traceback" not in said
    assert out(env) == ""


def test_a_port_in_use_is_exit_2() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        env = Env.for_test()
        assert command.run(SimServeOptions(port=taken.getsockname()[1]), env) == 2
    assert "cannot serve on 127.0.0.1:" in err(env)


@pytest.mark.skipif(
    threading.current_thread() is not threading.main_thread(), reason="signals need the main thread"
)
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_stops_it_and_restores_the_handlers(signum: int) -> None:
    env = Env.for_test()
    before = signal.getsignal(signum)

    def interrupt() -> None:
        wait_for(lambda: "Ctrl-C" in err(env))
        os.kill(os.getpid(), signum)

    threading.Thread(target=interrupt, daemon=True).start()
    assert command.run(SimServeOptions(), env) == 0
    assert signal.getsignal(signum) is before
