"""Server text is made inert before it reaches a terminal or a log (SPEC.md "Configuration").

Every dialect scripts operations whose text fields (type, raw state, stage, message, error code
and message, resource ids, list ids) carry an OSC window title, a clear-screen, a colour, an
8-bit CSI and a bare carriage return (`rig.nasty`). What lro shows must carry none of them, in
the plain log, in result tables and ids on stdout, on a terminal (the live view, and tables on a
terminal stdout), and in GitHub Actions annotations; JSON keeps the text as the server sent it,
escaped, so that printing it is harmless too. lro's own colours and cursor movements are fine:
the assertions are on the server's sequences, each between marker letters.
"""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
from typing import Any

import pytest

from tests.integration.harness import Result, lro_command
from tests.security.conftest import MakeCanaryRig
from tests.security.rig import CLEAR, CR, CSI8, RED, TITLE, CanaryRig, nasty, op

N = nasty
SHOWN = "ABCDE"  # what nasty() leaves once its sequences are gone: the text is still shown
# GitHub Actions reads workflow commands from any line of either stream.
INJECTED = "\n::add-mask::oops\n::error::forged"
NASTY_ID = f"g-list{TITLE}{CLEAR}{CSI8}2J{CR}id"


def _err(code: str, message: str) -> dict[str, Any]:
    return {"code": code, "message": message}


def scripted() -> tuple[list[dict[str, Any]], list[str]]:
    """Operations in every dialect (each field where the dialect has it), and their arguments:
    `*-run` succeeds at 0.4 s after an unrecognized raw state, `*-fail` fails at 0.4 s."""
    boom = N("boom") + INJECTED
    ops = [
        op("gcore", "g-run", {"at": 0, "state": N("RUNNING"), "detailed_state": N("stage")},
           {"at": 0.4, "state": "FINISHED", "created_resources": {"instances": [N("inst")]}},
           type=N("create_vm")),
        op("gcore", "g-fail", {"at": 0, "state": "RUNNING"}, {"at": 0.4, "state": "ERROR",
           "error": boom}, type=N("create_vm")),
        op("gcore", NASTY_ID, {"at": 0, "state": "RUNNING"}, type="create_vm"),
        op("neon", "n-run", {"at": 0, "status": N("running")},
           {"at": 0.4, "status": "finished", "branch_id": N("br")}, type=N("start")),
        op("neon", "n-fail", {"at": 0, "status": "running"},
           {"at": 0.4, "status": "failed", "error": boom}, type=N("start")),
        op("redpanda", "rp-run", {"at": 0, "state": N("STATE_IN_PROGRESS")},
           {"at": 0.4, "state": "STATE_COMPLETED"}, type=N("TYPE"), resource_id=N("cl")),
        op("redpanda", "rp-fail", {"at": 0, "state": "STATE_IN_PROGRESS"},
           {"at": 0.4, "state": "STATE_FAILED", "error": _err(N("CODE"), boom)}, type=N("TYPE")),
        op("lakesail", "LSRUN", {"at": 0, "state": N("running"), "progress": {
            "stage": N("stage"), "message": N("msg"), "resources": [], "summary": {"total": 2}}},
           {"at": 0.4, "state": "succeeded"}, type=N("prov"), resource_id=N("CL"),
           resource_type=N("cluster")),
        op("lakesail", "LSFAIL", {"at": 0, "state": "running"}, {"at": 0.4, "state": "failed",
           "error": {**_err(N("CODE"), boom), "errorType": N("kind")}}, type=N("prov")),
        op("google", "go-run", {"at": 0, "state": "running", "metadata": {
            "verb": N("create"), "statusMessage": N("msg")}},
           {"at": 0.4, "state": "done", "response": {"@type": N("type.x/Vm"), "name": N("vm")}}),
        op("google", "go-fail", {"at": 0, "state": "running"},
           {"at": 0.4, "state": "done", "error": {"code": 9, "message": boom}}),
        op("azure", "az-run", {"at": 0, "state": N("Provisioning")},
           {"at": 0.4, "state": "Succeeded", "properties": {"resourceId": N("/vm")}},
           urls=["async_operation"]),
        op("azure", "az-fail", {"at": 0, "state": "InProgress"},
           {"at": 0.4, "state": "Failed", "error": _err(N("Code"), boom)},
           urls=["async_operation"]),
        op("http", "h-run", {"at": 0, "state": N("RUNNING"), "pct": 10},
           {"at": 0.4, "state": "DONE", "outputs": [N("out")]}),
        op("http", "h-fail", {"at": 0, "state": "RUNNING"},
           {"at": 0.4, "state": "BROKEN", "failure": boom}),
    ]  # fmt: skip
    return ops, []


PROFILE = {
    "gcore": "sim-gcore",
    "neon": "sim-neon",
    "redpanda": "sim-redpanda",
    "lakesail": "sim-lakesail",
    "google": "sim-google",
    "azure": "sim-azure",
    "http": "sim-http",
}


@pytest.fixture
def rig(canary_rig: MakeCanaryRig) -> CanaryRig:
    ops, _ = scripted()
    return canary_rig(*ops)


def names(rig: CanaryRig, *kinds: str) -> list[str]:
    ids = {
        "gcore": "g",
        "neon": "n",
        "redpanda": "rp",
        "lakesail": "LS",
        "google": "go",
        "azure": "az",
        "http": "h",
    }
    found = []
    for kind in kinds:
        for dialect, short in ids.items():
            op_id = f"{short}{kind.upper()}" if dialect == "lakesail" else f"{short}-{kind}"
            found.append(rig.arg(PROFILE[dialect], op_id))
    return found


def assert_inert(text: str, where: str) -> None:
    """Nothing that acts on a terminal: no C0 control but line feeds, no C1 control at all."""
    bad = sorted({c for c in text if (c < " " and c != "\n") or "\x7f" <= c <= "\x9f"})
    assert not bad, f"control characters {bad!r} in {where}:\n{text!r}"


def assert_server_sequences_gone(text: str, where: str) -> None:
    """On a terminal lro draws with escape sequences of its own: none of the server's remains."""
    for sequence in (TITLE, "\x1b]0;", CLEAR, f"B{RED}C", CSI8, f"D{CR}E"):
        assert sequence not in text, f"{sequence!r} from the server in {where}:\n{text!r}"


def test_plain_log_and_ids_on_stdout_are_inert(rig: CanaryRig) -> None:
    result = rig.run("wait", *names(rig, "run", "fail"))
    assert result.code == 1, result.err
    assert_inert(result.out, "stdout (ids)")
    assert_inert(result.err, "the plain log")
    assert set(result.out.splitlines()) >= {f"{word}{SHOWN}" for word in ("inst", "out", "vm")}
    for word in ("boom", "msg", "stage", "create_vm", "RUNNING", "CODE"):
        assert f"{word}{SHOWN}" in result.err, word
    # One line each: the injected workflow commands stay inside the message.
    assert not [line for line in result.err.splitlines() if line.startswith("::")]


def test_watch_and_quiet_errors_are_inert(rig: CanaryRig) -> None:
    result = rig.run("watch", *names(rig, "run", "fail"))
    assert result.code == 1
    assert_inert(result.err, "watch's plain log")
    result = rig.run("wait", "--quiet", *names(rig, "fail"))
    assert result.code == 1
    assert_inert(result.err, "the error lines")
    assert result.err.count(f"boom{SHOWN}") == 7


@pytest.mark.parametrize("output", ["json", "ndjson"])
def test_json_escapes_the_text_and_keeps_it(rig: CanaryRig, output: str) -> None:
    result = rig.run("wait", "-o", output, "--raw", *names(rig, "run", "fail"))
    assert result.code == 1
    assert_inert(result.out, f"--output {output}")
    if output == "json":
        documents = json.loads(result.out)
    else:
        documents = [json.loads(line)["operation"] for line in result.out.splitlines()[:-1]]
    # As the server sent it, once decoded: a script reading the JSON sees the real values.
    values = set(strings(documents))
    assert {N("inst"), N("stage"), N("create_vm"), N("boom") + INJECTED} <= values


def strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.items() for part in item for s in strings(part)]
    if isinstance(value, list):
        return [s for item in value for s in strings(item)]
    return []


def test_get_and_list_tables_on_a_pipe_are_inert(rig: CanaryRig) -> None:
    got = rig.run("get", *names(rig, "run"))
    assert got.code == 0, got.err
    assert_inert(got.out, "get's table")
    assert f"stage{SHOWN}" in got.out and f"msg{SHOWN}" in got.out
    for profile in ("sim-gcore", "sim-redpanda", "sim-http"):
        listed = rig.run("list", "-p", profile, reset=False)
        assert listed.code == 0, listed.err
        assert_inert(listed.out, f"{profile}'s list table")
    listed = rig.run("list", "-p", "sim-gcore", "-o", "json", reset=False)
    assert NASTY_ID in [item["id"] for item in json.loads(listed.out)]


def test_github_actions_annotations_are_inert_and_cannot_inject(rig: CanaryRig) -> None:
    summary = rig.tmp / "summary.md"
    env = {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)}
    result = rig.run("wait", *names(rig, "run", "fail"), env=env)
    assert result.code == 1
    assert_inert(result.err, "the log with annotations")
    commands = [line for line in result.err.splitlines() if line.startswith("::")]
    assert commands and all(line.startswith("::error title=") for line in commands), commands
    assert_inert(summary.read_text(encoding="utf-8"), "the job summary")


def on_terminals(env: dict[str, str], *args: str) -> Result:
    """`lro ARGS` with standard output and standard error each on a pseudo-terminal of its own."""
    out_master, out_slave = pty.openpty()
    err_master, err_slave = pty.openpty()
    try:
        proc = subprocess.Popen(
            lro_command(*args),
            stdin=subprocess.DEVNULL,
            stdout=out_slave,
            stderr=err_slave,
            env={**env, "COLUMNS": "160", "LINES": "40"},
        )
    finally:
        os.close(out_slave)
        os.close(err_slave)
    received = {out_master: b"", err_master: b""}
    reading = set(received)
    try:
        while reading:
            ready, _, _ = select.select(list(reading), [], [], 20)
            assert ready, "no output for 20 s"
            for fd in ready:
                try:
                    chunk = os.read(fd, 65536)
                except OSError:  # EIO: the other end is closed
                    chunk = b""
                if chunk:
                    received[fd] += chunk
                else:
                    reading.discard(fd)
    finally:
        os.close(out_master)
        os.close(err_master)
    code = proc.wait(timeout=20)
    decoded = [received[fd].decode("utf-8", "replace") for fd in (out_master, err_master)]
    return Result(code, decoded[0], decoded[1])


def test_on_a_terminal_no_server_sequence_gets_through(rig: CanaryRig) -> None:
    rig.sim.reset()
    live = on_terminals(rig.env, "wait", *names(rig, "run", "fail"))
    assert live.code == 1
    assert "\x1b[" in live.err  # the live view did draw
    assert f"boom{SHOWN}" in live.err
    assert_server_sequences_gone(live.err, "the live view")
    assert_server_sequences_gone(live.out, "ids on a terminal")
    rig.sim.reset()
    got = on_terminals(rig.env, "get", *names(rig, "run"))
    assert got.code == 0 and f"stage{SHOWN}" in got.out
    assert_server_sequences_gone(got.out, "get's table on a terminal")
    listed = on_terminals(rig.env, "list", "-p", "sim-gcore")
    assert listed.code == 0 and f"stage{SHOWN}" in listed.out
    assert_server_sequences_gone(listed.out, "list's table on a terminal")
