"""Progress on stderr (SPEC.md "Streams") and secrets that never show, whatever the path.

Every run of the harness already fails on a canary key in either stream, on an escape sequence
and on a traceback; the tests here drive the paths where those are most likely.
"""

from __future__ import annotations

import os
import pty
import re
import subprocess

import pytest
import yaml

from tests.integration.harness import (
    GCORE,
    GCORE_KEY,
    NEON,
    NEON_KEY,
    WRONG_KEY,
    LroSim,
    Result,
    check_invariants,
    lro_command,
)

LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ  ")


def test_progress_without_a_tty_is_one_plain_line_per_change(lro_sim: LroSim) -> None:
    rig = lro_sim(GCORE.succeeded("g-ok", at=0.6, suffix="s"), NEON.failed("n-bad", "no room"))
    result = rig.run("wait", "sim-gcore:g-ok", "sim-neon:n-bad")
    assert result.code == 1
    assert result.out.splitlines() == GCORE.resources("s")
    logged = [line for line in result.err_lines if LOG_LINE.match(line)]
    gcore = [line for line in logged if "g-ok" in line]
    assert [line.split("create_vm  ", 1)[1] for line in gcore] == [
        "→ pending",
        "pending → running  NETWORK",
        "running → succeeded",
    ]
    assert any("n-bad" in line and "no room" in line for line in logged)
    assert logged[-1].endswith("exit 1") and "done in" in logged[-1]


def test_ci_without_a_tty_is_plain_too(lro_sim: LroSim) -> None:
    rig = lro_sim(NEON.succeeded("n-ok", suffix="n"))
    result = rig.run("wait", "sim-neon:n-ok", env={"CI": "true"})
    assert result.code == 0, result.err
    assert result.out.splitlines() == NEON.resources("n")
    assert result.err_lines and all(LOG_LINE.match(line) for line in result.err_lines)


def test_quiet_prints_no_progress_but_still_the_error(lro_sim: LroSim) -> None:
    rig = lro_sim(GCORE.succeeded("g-ok", suffix="q"), GCORE.failed("g-bad", "quota exceeded"))
    result = rig.run("wait", "--quiet", "g-ok", "g-bad")
    assert result.code == 1
    assert result.out.splitlines() == GCORE.resources("q")
    assert result.err_lines == [
        "lro: sim-gcore:g-bad failed (last state failed): quota exceeded",
    ]


def run_on_a_tty(rig_env: dict[str, str], *args: str) -> Result:
    """`lro` with standard error on a pseudo-terminal (standard output stays a pipe)."""
    master, slave = pty.openpty()
    try:
        proc = subprocess.Popen(
            lro_command(*args), stdout=subprocess.PIPE, stderr=slave, env=rig_env
        )
    finally:
        os.close(slave)
    chunks = []
    try:
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # EIO: the terminal's other end is closed
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(master)
    out = proc.stdout.read().decode() if proc.stdout else ""
    code = proc.wait(timeout=20)
    if proc.stdout:
        proc.stdout.close()
    return Result(code, out, b"".join(chunks).decode("utf-8", "replace"))


@pytest.mark.parametrize(
    ("env", "animates"),
    [({}, True), ({"CI": "true"}, False), ({"TERM": "dumb"}, False), ({"CI": "0"}, True)],
    ids=["tty", "tty-ci", "tty-dumb", "tty-ci-0"],
)
def test_a_tty_animates_unless_ci_or_a_dumb_terminal(
    lro_sim: LroSim, env: dict[str, str], animates: bool
) -> None:
    rig = lro_sim(GCORE.succeeded("g-ok", suffix="t"))
    result = run_on_a_tty({**rig.env, **env}, "wait", "g-ok")
    assert result.code == 0, result.err
    assert result.out.splitlines() == GCORE.resources("t")  # stdout is a pipe: plain ids
    assert ("\x1b" in result.err) is animates
    assert GCORE_KEY not in result.err


# Secrets


def test_config_show_and_validate_mask_every_key(lro_sim: LroSim) -> None:
    rig = lro_sim(GCORE.running("g-1"))
    profiles = yaml.safe_load(rig.config.read_text())["profiles"]
    secrets = [
        value
        for profile in profiles.values()
        for key, value in profile.items()
        if key in ("api_key", "token", "client_id", "client_secret")
    ]
    shown = rig.run("config", "show")
    assert shown.code == 0, shown.err
    assert len(secrets) >= 7  # every simulated provider carries one at least
    assert shown.out.count("'****'") == len(secrets)  # every one of them masked
    assert not any(secret in shown.out for secret in secrets)
    assert all(name in shown.out for name in profiles)
    valid = rig.run("config", "validate")
    assert valid.code == 0, valid.err
    assert f"config OK: {len(profiles)} profiles" in valid.err


def test_config_validate_reports_problems_without_secrets(lro_sim: LroSim) -> None:
    rig = lro_sim(profiles={"broken": {"provider": "gcore", "api_key": "CANARY-x", "colour": 1}})
    result = rig.run("config", "validate")
    assert result.code == 2
    assert "broken" in result.err and "colour" in result.err


def test_a_server_echoing_the_key_back_is_redacted(lro_sim: LroSim) -> None:
    echo = f"key {GCORE_KEY} (sent as 'Authorization: APIKey {GCORE_KEY}') is not allowed here"
    body = '{"exception_class": "BadRequest", "message": "' + echo + '"}'
    fault = {"request": [1, 2, 3], "status": 400, "body": body, "content_type": "application/json"}
    rig = lro_sim(GCORE.with_faults(GCORE.running("g-1"), fault))
    for args in (["wait", "g-1"], ["wait", "--debug", "g-1"], ["get", "-o", "json", "g-1"]):
        result = rig.run(*args)  # the harness fails on the key in either stream
        assert result.code == 7
        assert "HTTP 400 Bad Request: key ***" in result.err + result.out


def test_debug_shows_exchanges_but_no_secret(lro_sim: LroSim) -> None:
    rig = lro_sim(
        GCORE.succeeded("g-ok", suffix="d"),
        # The payload carries the key as a provider might (an echoed request): redacted too.
        NEON.succeeded("n-ok", suffix="e") | {"extra": {"note": f"created with {NEON_KEY}"}},
    )
    result = rig.run("wait", "--debug", "sim-gcore:g-ok", "sim-neon:n-ok")
    assert result.code == 0, result.err
    assert result.out.splitlines() == GCORE.resources("d") + NEON.resources("e")
    assert "debug: http: GET http://127.0.0.1" in result.err
    assert "created with ***" in result.err


def test_a_refused_key_is_never_shown(lro_sim: LroSim) -> None:
    rig = lro_sim(NEON.running("n-1"))
    rig.config.write_text(rig.config.read_text().replace(NEON_KEY, WRONG_KEY))
    for args in (["wait", "--debug", "sim-neon:n-1"], ["get", "sim-neon:n-1"]):
        result = rig.run(*args)
        assert result.code == 5
        assert "401" in result.err


def test_a_config_readable_by_others_draws_a_chmod_warning(lro_sim: LroSim) -> None:
    rig = lro_sim(GCORE.running("g-1"))
    rig.config.chmod(0o644)
    result = rig.run("get", "g-1")
    assert result.code == 0, result.err
    assert "chmod 600" in result.err and str(rig.config) in result.err
    check_invariants(result)
