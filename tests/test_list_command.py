"""`lro list` in process: its flags, how they are read, and what each output prints.

The command runs on a virtual clock against the simulator behind an httpx transport (no
sockets); paging per dialect is the integration suite's (tests/integration/test_list_command.py).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from lro_cli import cli
from lro_cli.clock import VirtualClock
from lro_cli.commands import list as list_command
from lro_cli.commands.sim import sim_profiles
from lro_cli.env import Env
from lro_cli.errors import UsageError
from lro_cli.model import State
from lro_cli.options import CommonOptions, ListOptions
from lro_cli.sim import SimTransport, Simulator

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc)
UTC = timezone.utc


# Flags → ListOptions (the command itself is not run).


@pytest.fixture
def captured(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    seen: dict[str, Any] = {}

    def fake_run(opts: Any, env: Any) -> int:
        seen["opts"] = opts
        return 7

    monkeypatch.setattr(list_command, "run", fake_run)
    return seen


def test_list_flags(captured: dict[str, Any]) -> None:
    args = ["list", "--state", "running,failed", "--state", "pending", "--type", "a"]
    args += ["--type", "b", "--since", "2h", "--limit", "3", "-o", "ndjson", "--raw"]
    args += ["-p", "neon-dev", "--config", "c.yaml", "--debug"]
    result = CliRunner().invoke(cli.app, args)
    assert result.exit_code == 7  # the command's exit code is the process's
    assert captured["opts"] == ListOptions(
        common=CommonOptions(profile="neon-dev", config="c.yaml", debug=True),
        states=("running,failed", "pending"),
        types=("a", "b"),
        since="2h",
        limit=3,
        output="ndjson",
        raw=True,
    )


def test_list_defaults(captured: dict[str, Any]) -> None:
    assert CliRunner().invoke(cli.app, ["list"]).exit_code == 7
    assert captured["opts"] == ListOptions()
    assert (ListOptions().limit, ListOptions().output) == (50, "table")


# Reading the flags.


@pytest.mark.parametrize(
    ("values", "states"),
    [
        ((), ()),
        (("running",), (State.RUNNING,)),
        (("running,failed", "pending"), (State.RUNNING, State.FAILED, State.PENDING)),
        ((" Succeeded , CANCELLED",), (State.SUCCEEDED, State.CANCELLED)),
        (("unknown", "unknown,unknown"), (State.UNKNOWN,)),
    ],
    ids=["none", "one", "repeated-and-commas", "case-and-spaces", "duplicates"],
)
def test_states_are_read(values: tuple[str, ...], states: tuple[State, ...]) -> None:
    assert list_command.parse_states(values) == states


@pytest.mark.parametrize("values", [("done",), ("running,",), ("running,sucess",)])
def test_an_unknown_state_names_the_valid_ones(values: tuple[str, ...]) -> None:
    with pytest.raises(UsageError) as caught:
        list_command.parse_states(values)
    assert "pending, running, succeeded, failed, cancelled, unknown" in caught.value.message


@pytest.mark.parametrize(
    ("text", "since"),
    [
        ("2h", NOW - timedelta(hours=2)),
        ("90m", NOW - timedelta(minutes=90)),
        ("1h30m", NOW - timedelta(minutes=90)),
        ("45", NOW - timedelta(seconds=45)),  # a bare number is seconds, as for every duration
        ("2025-12-31T09:30:00Z", datetime(2025, 12, 31, 9, 30, tzinfo=UTC)),
        ("2025-12-31T09:30:00z", datetime(2025, 12, 31, 9, 30, tzinfo=UTC)),
        ("2025-12-31T09:30:00", datetime(2025, 12, 31, 9, 30, tzinfo=UTC)),  # no offset: UTC
        ("2025-12-31", datetime(2025, 12, 31, tzinfo=UTC)),
        (
            "2025-12-31T11:30:00+02:00",
            datetime(2025, 12, 31, 11, 30, tzinfo=timezone(timedelta(hours=2))),
        ),
    ],
)
def test_since_is_a_duration_before_now_or_a_time(text: str, since: datetime) -> None:
    parsed = list_command.parse_since(text, NOW)
    assert parsed == since and parsed.tzinfo is not None


@pytest.mark.parametrize("text", ["yesterday", "-2h", "", "2h ago", "2025-13-01", "9" * 30 + "d"])
def test_a_bad_since_is_a_usage_error(text: str) -> None:
    with pytest.raises(UsageError) as caught:
        list_command.parse_since(text, NOW)
    assert caught.value.message.startswith("--since: ")


@pytest.mark.parametrize(
    ("opts", "named"),
    [
        (ListOptions(output="yaml"), "table, json, ndjson"),
        (ListOptions(limit=-1), "--limit"),
        (ListOptions(types=("",)), "--type"),
        (ListOptions(states=("finished",)), "--state"),
        (ListOptions(since="soon"), "--since"),
    ],
    ids=["output", "limit", "type", "state", "since"],
)
def test_bad_flags_exit_2_with_one_line_before_any_request(
    opts: ListOptions, named: str, tmp_path: Path
) -> None:
    listed = run_list(tmp_path, opts, [gcore("t-1")])
    assert listed.code == 2 and listed.out == ""
    assert listed.err.count("\n") == 1 and named in listed.err
    assert listed.sim.requests == []


def test_the_query_carries_the_flags() -> None:
    opts = ListOptions(states=("failed,running",), types=("a", "b", "a"), since="1h", limit=0)
    query = list_command.build_query(opts, NOW)
    assert query.states == (State.FAILED, State.RUNNING)
    assert query.types == ("a", "b")  # once each
    assert query.since == NOW - timedelta(hours=1)
    assert query.limit == 0


# Running it.


@dataclass
class Listed:
    code: int
    out: str
    err: str
    sim: Simulator


def gcore(task_id: str, state: str = "RUNNING", **fields: Any) -> dict[str, Any]:
    timeline = [{"at": 0, "state": state}]
    return {"dialect": "gcore", "id": task_id, "type": "create_vm", "timeline": timeline, **fields}


def run_list(
    tmp_path: Path,
    opts: ListOptions,
    operations: list[dict[str, Any]],
    *,
    tty: bool = False,
    default_profile: str | None = "sim-gcore",
    environ: dict[str, str] | None = None,
) -> Listed:
    clock = VirtualClock(NOW)
    sim = Simulator({"operations": operations}, clock=clock.monotonic, wall=clock.now)
    # Loopback, so plain http is allowed; no socket is opened (SimTransport answers).
    document: dict[str, Any] = {"profiles": sim_profiles("http://127.0.0.1:9", sim.scenario)}
    if default_profile is not None:
        document["default_profile"] = default_profile
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump(document), encoding="utf-8")
    config.chmod(0o600)
    env = Env.for_test(
        tty=tty,
        clock=clock,
        transport=SimTransport(sim),
        environ={"LRO_CONFIG": str(config), **(environ or {})},
    )
    code = list_command.run(opts, env)
    out, err = env.stdout.getvalue(), env.stderr.getvalue()  # type: ignore[attr-defined]
    assert "sim-gcore-key" not in out + err  # the simulator's default key, sent but never shown
    return Listed(code, out, err, sim)


def test_a_terminal_gets_a_table(tmp_path: Path) -> None:
    listed = run_list(tmp_path, ListOptions(), [gcore("t-1"), gcore("t-2", "FINISHED")], tty=True)
    assert listed.code == 0 and listed.err == ""
    lines = listed.out.splitlines()
    assert "PROFILE" in lines[0] and "STATE" in lines[0]
    assert len(lines) == 3 and "t-1" in listed.out and "t-2" in listed.out
    assert "\x1b[" in listed.out  # Rich styled it for the terminal


def test_a_pipe_gets_plain_text(tmp_path: Path) -> None:
    listed = run_list(tmp_path, ListOptions(), [gcore("t-1"), gcore("t-2", "FINISHED")])
    assert listed.code == 0 and "\x1b" not in listed.out
    lines = listed.out.splitlines()
    assert lines[0].split()[:2] == ["PROFILE", "ID"] and len(lines) == 3


@pytest.mark.parametrize(
    ("output", "tty", "out"),
    [("table", True, ""), ("table", False, ""), ("json", False, "[]\n"), ("ndjson", False, "")],
    ids=["table-tty", "table-pipe", "json", "ndjson"],
)
def test_nothing_listed_is_exit_0(tmp_path: Path, output: str, tty: bool, out: str) -> None:
    opts = ListOptions(states=("failed",), output=output)
    listed = run_list(tmp_path, opts, [gcore("t-1")], tty=tty)
    assert listed.code == 0 and listed.out == out
    # A person is told on stderr; machine output stays machine output.
    expected = "lro: no operations match (profile 'sim-gcore')\n" if output == "table" else ""
    assert listed.err == expected


def test_the_default_limit_is_50_and_0_is_none(tmp_path: Path) -> None:
    operations = [gcore(f"t-{i:02}", age=i) for i in range(51)]
    by_default = run_list(tmp_path, ListOptions(output="ndjson"), operations)
    assert by_default.out.count("\n") == 50
    every = run_list(tmp_path, ListOptions(output="ndjson", limit=0), operations)
    assert every.out.count("\n") == 51


@pytest.mark.parametrize(
    ("flag", "environ", "profile"),
    [
        (None, {}, "sim-gcore"),  # the config's default_profile
        (None, {"LRO_PROFILE": "sim-neon"}, "sim-neon"),
        ("sim-gcore", {"LRO_PROFILE": "sim-neon"}, "sim-gcore"),  # the flag wins
    ],
)
def test_the_profile_is_the_flag_else_lro_profile_else_the_default(
    tmp_path: Path, flag: str | None, environ: dict[str, str], profile: str
) -> None:
    neon_op = {
        "dialect": "neon",
        "id": "n-1",
        "type": "create_branch",
        "timeline": [{"at": 0, "status": "running"}],
    }
    opts = ListOptions(CommonOptions(profile=flag), output="json")
    listed = run_list(tmp_path, opts, [gcore("t-1"), neon_op], environ=environ)
    assert listed.code == 0
    assert f'"profile": "{profile}"' in listed.out


def test_no_profile_at_all_exits_2(tmp_path: Path) -> None:
    listed = run_list(tmp_path, ListOptions(), [gcore("t-1")], default_profile=None)
    assert listed.code == 2 and listed.out == ""
    assert listed.err.startswith("lro: no profile given") and listed.err.count("\n") == 1


class ClosedPipe(io.StringIO):
    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")


def test_a_closed_stdout_is_left_to_the_cli_to_exit_141(tmp_path: Path) -> None:
    # The CLI's handler turns BrokenPipeError into exit 141; the command must not swallow it.
    clock = VirtualClock(NOW)
    sim = Simulator({"operations": [gcore("t-1")]}, clock=clock.monotonic, wall=clock.now)
    config = tmp_path / "config.yaml"
    profiles = sim_profiles("http://127.0.0.1:9", sim.scenario)
    config.write_text(yaml.safe_dump({"profiles": profiles}), encoding="utf-8")
    config.chmod(0o600)
    env = Env.for_test(
        clock=clock, transport=SimTransport(sim), environ={"LRO_CONFIG": str(config)}
    )
    env.stdout = ClosedPipe()
    opts = ListOptions(CommonOptions(profile="sim-gcore"), output="ndjson")
    with pytest.raises(BrokenPipeError):
        list_command.run(opts, env)
    assert env.stderr.getvalue() == ""  # type: ignore[attr-defined]
