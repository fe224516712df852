"""Every exit code of SPEC.md that `wait` and `get` can produce: the real `lro`, over loopback."""

from __future__ import annotations

import shlex
import socket
import time

import pytest

from tests.integration.harness import (
    GCORE,
    GCORE_KEY,
    NEON,
    NEON_KEY,
    SHORT,
    WRONG_KEY,
    Dialect,
    LroSim,
    gcore_task,
    neon_op,
)

MISSING = "00000000-0000-4000-8000-00000000dead"


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def resume_words(stderr: str) -> list[str]:
    """The resume command `lro` printed, split as a shell would."""
    line = next(line for line in stderr.splitlines() if "Resume with: " in line)
    return shlex.split(line.split("Resume with: ", 1)[1])


# 0 and 1


def test_success_prints_each_resource_once_in_provider_order(
    lro_sim: LroSim, dialect: Dialect
) -> None:
    rig = lro_sim(dialect.succeeded("op-first", suffix="one"), dialect.succeeded("op-second"))
    result = rig.run("wait", "--profile", dialect.profile, "op-first", "op-second")
    assert result.code == 0, result.err
    first, second = dialect.resources("one"), dialect.resources("op-s")
    assert result.out.splitlines() == [*first, *second]


def test_failure_exits_1_with_the_providers_message_and_no_ids(
    lro_sim: LroSim, dialect: Dialect
) -> None:
    message = f"{dialect.name}: quota for volume_size exceeded by 20"
    rig = lro_sim(dialect.succeeded("op-ok", suffix="ok"), dialect.failed("op-bad", message))
    result = rig.run("wait", "--profile", dialect.profile, "op-ok", "op-bad")
    assert result.code == 1
    assert result.out.splitlines() == dialect.resources("ok")  # nothing of the failed one
    assert message in result.err
    assert "op-bad" in result.err


# 2: usage and configuration


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["wait", "--profile", "nope", "x"], "unknown profile 'nope'"),
        (["wait", "--bogus-flag", "x"], "--bogus-flag"),
        (["wait", "https://elsewhere.example.com/cloud/v1/tasks/x"], "pass --profile"),
        (["wait", "--output", "yaml", "x"], "--output"),
        (["get", "--output", "ndjson", "x"], "--output"),
        (["wait", "-o", "ndjson", "--interval", "soon", "x"], "--interval: invalid duration"),
        (["wait", "--timeout", "0", "x"], "--timeout: invalid timeout"),
    ],
    ids=[
        "unknown-profile",
        "bad-flag",
        "url-of-no-profile",
        "wait-output",
        "get-output",
        "bad-interval",
        "zero-timeout",
    ],
)
def test_usage_errors_exit_2(lro_sim: LroSim, args: list[str], said: str) -> None:
    rig = lro_sim(GCORE.running("x"))
    result = rig.run(*args)
    assert result.code == 2, result.err
    assert said in result.err
    assert result.out == ""  # not even an NDJSON `done` event
    if "--bogus-flag" not in args:  # the argument parser's own message has a usage line
        assert len(result.err_lines) == 1 and result.err.startswith("lro: ")
    assert rig.sim.requests == []  # refused before any request


def test_a_bad_config_file_exits_2_naming_file_profile_and_key(lro_sim: LroSim) -> None:
    rig = lro_sim(GCORE.running("x"))
    text = rig.config.read_text().replace("interval: 200ms", "interval: fast", 1)
    rig.config.write_text(text)
    result = rig.run("wait", "x")
    assert result.code == 2
    assert str(rig.config) in result.err
    assert "sim-gcore" in result.err and "'interval'" in result.err
    assert rig.sim.requests == []


# 3


def test_neon_cancelled_exits_3(lro_sim: LroSim) -> None:
    op = neon_op(
        "op-cancel",
        {"at": 0, "status": "running"},
        {"at": 0.2, "status": "cancelling"},
        {"at": 0.4, "status": "cancelled"},
        branch_id="br-never",
    )
    rig = lro_sim(op)
    result = rig.run("wait", "sim-neon:op-cancel")
    assert result.code == 3
    assert result.out == ""
    assert "cancelled" in result.err


# 4


def test_unknown_id_exits_4_after_the_grace(lro_sim: LroSim, dialect: Dialect) -> None:
    rig = lro_sim()
    result = rig.run("wait", f"{dialect.profile}:{MISSING}")
    assert result.code == 4
    assert MISSING in result.err and "not found" in result.err
    misses = [r.time for r in rig.sim.requests if r.status == 404]
    assert len(misses) >= 3  # retried in the grace…
    # …for not_found_grace: 1 s from the start of the wait; the first request lands a little
    # after that start (process and connection set-up), hence the slack.
    assert misses[-1] - misses[0] >= 0.75


def test_gone_mid_wait_exits_4_with_the_last_state(lro_sim: LroSim, dialect: Dialect) -> None:
    rig = lro_sim(dialect.running("op-expiring", expire_after=0.6))
    result = rig.run("wait", f"{dialect.profile}:op-expiring")
    assert result.code == 4
    assert "gone (last state running)" in result.err
    statuses = [r.status for r in rig.sim.polls("op-expiring")]
    assert statuses[0] == 200 and statuses[-2:] == [404, 404]  # one confirming poll


# 5


def test_a_wrong_api_key_exits_5(lro_sim: LroSim, dialect: Dialect) -> None:
    rig = lro_sim(dialect.running("op-1"))
    key = GCORE_KEY if dialect == GCORE else NEON_KEY
    rig.config.write_text(rig.config.read_text().replace(key, WRONG_KEY))
    result = rig.run("wait", f"{dialect.profile}:op-1")
    assert result.code == 5
    assert "401" in result.err and "op-1" in result.err
    assert [r.status for r in rig.sim.requests] == [401]  # a static key is not refreshed


def test_403_exits_5_without_retrying(lro_sim: LroSim) -> None:
    rig = lro_sim(NEON.with_faults(NEON.running("op-1"), {"request": 1, "status": 403}))
    result = rig.run("wait", "sim-neon:op-1")
    assert result.code == 5
    assert "403" in result.err and "permission" in result.err
    assert len(rig.sim.requests) == 1


# 6


def test_connection_refused_tries_3_times_then_exits_6_with_a_hint(lro_sim: LroSim) -> None:
    port = closed_port()
    closed = {"provider": "gcore", "base_url": f"http://127.0.0.1:{port}/gcore", "api_key": "x"}
    rig = lro_sim(profiles={"closed": closed})
    started = time.monotonic()
    result = rig.run("wait", "closed:op-1")
    took = time.monotonic() - started
    assert result.code == 6
    assert "connection refused" in result.err and "base_url" in result.err
    assert f"127.0.0.1:{port}" in result.err
    assert 2.0 <= took < 10  # three tries one second apart


def test_transient_errors_past_the_error_budget_exit_6(lro_sim: LroSim, dialect: Dialect) -> None:
    # A good poll first: the budget counts from the first of the failures after it.
    fault = {"request": list(range(2, 200)), "status": 503}
    settings = {**SHORT, "interval": "100ms", "error_budget": "1s"}
    rig = lro_sim(dialect.with_faults(dialect.running("op-flaky"), fault), settings=settings)
    result = rig.run("wait", f"{dialect.profile}:op-flaky")
    assert result.code == 6
    assert "503" in result.err and "error budget" in result.err
    polls = rig.gets("op-flaky")
    assert polls[-1] - polls[1] >= 0.85  # error_budget: 1s from the first failure (less latency)
    assert len(polls) >= 5  # retried with backoff in between


# 7


@pytest.mark.parametrize(
    ("status", "dialect_", "body"),
    [
        (400, GCORE, '{"exception_class": "ValidationError", "message": "task id is malformed"}'),
        (405, NEON, '{"code": "", "message": "method GET is not allowed here"}'),
        (409, GCORE, '{"exception_class": "Conflict", "message": "task is locked by a job"}'),
    ],
    ids=["400", "405", "409"],
)
def test_a_rejected_request_exits_7_with_its_message(
    lro_sim: LroSim, status: int, dialect_: Dialect, body: str
) -> None:
    fault = {"request": 1, "status": status, "body": body, "content_type": "application/json"}
    rig = lro_sim(dialect_.with_faults(dialect_.running("op-1"), fault))
    result = rig.run("wait", f"{dialect_.profile}:op-1")
    assert result.code == 7
    message = body.split('"message": "')[1].rstrip('"}')
    assert message in result.err and str(status) in result.err
    assert len(rig.sim.requests) == 1


def test_three_unreadable_bodies_in_a_row_exit_7(lro_sim: LroSim, dialect: Dialect) -> None:
    faults = [
        {"request": 1, "kind": "garbage"},
        {"request": 2, "kind": "truncated"},
        {"request": 3, "kind": "missing_state"},
    ]
    rig = lro_sim(dialect.with_faults(dialect.running("op-1"), *faults))
    result = rig.run("wait", f"{dialect.profile}:op-1")
    assert result.code == 7
    assert "3 in a row" in result.err
    assert len(rig.sim.requests) == 3


def test_two_unreadable_bodies_then_a_good_one_keep_waiting(lro_sim: LroSim) -> None:
    faults = [{"request": 1, "kind": "garbage"}, {"request": 2, "kind": "truncated"}]
    rig = lro_sim(GCORE.with_faults(GCORE.succeeded("op-1", at=0.8, suffix="s"), *faults))
    result = rig.run("wait", "op-1")
    assert result.code == 0, result.err
    assert result.out.splitlines() == GCORE.resources("s")


# 8


def test_get_exits_by_its_call_and_by_the_state_with_exit_status(lro_sim: LroSim) -> None:
    rig = lro_sim(GCORE.running("g-run"), NEON.running("n-run"))
    plain = rig.run("get", "sim-gcore:g-run", "sim-neon:n-run")
    assert plain.code == 0, plain.err
    status = rig.run("get", "--exit-status", "sim-gcore:g-run", "sim-neon:n-run")
    assert status.code == 8
    assert "running" in plain.out


def test_get_exit_status_follows_a_failure(lro_sim: LroSim) -> None:
    rig = lro_sim(NEON.failed("n-bad", "pageserver unavailable", at=0), NEON.running("n-run"))
    result = rig.run("get", "--exit-status", "-p", "sim-neon", "n-bad", "n-run")
    assert result.code == 1
    assert "pageserver unavailable" in result.out


def test_get_of_an_unknown_id_exits_4_at_once(lro_sim: LroSim) -> None:
    rig = lro_sim(GCORE.running("g-run"))
    result = rig.run("get", "g-run", MISSING)
    assert result.code == 4
    assert MISSING in result.err
    assert len(rig.sim.requests) == 2  # no grace for get


# 124


def test_timeout_exits_124_and_prints_a_resume_line(lro_sim: LroSim, dialect: Dialect) -> None:
    rig = lro_sim(dialect.running("op-long"))
    started = time.monotonic()
    result = rig.run("wait", "--timeout", "1s", "-p", dialect.profile, "op-long")
    took = time.monotonic() - started
    assert result.code == 124
    assert took >= 1.0  # the deadline is checked below from the request log, not the clock
    assert "still runs server-side" in result.err
    assert "nothing was cancelled" in result.err
    words = resume_words(result.err)
    assert words[:2] == ["lro", "wait"]
    assert f"{dialect.profile}:op-long" in words
    polls = rig.gets("op-long")
    assert max(polls) - min(polls) < 1.15  # none past the deadline (polls are 200 ms apart)


@pytest.mark.parametrize(
    ("op", "profile", "raw"),
    [
        (gcore_task("op-odd", {"at": 0, "state": "REBOOTING"}), "sim-gcore", "REBOOTING"),
        (neon_op("op-odd", {"at": 0, "status": "suspending"}), "sim-neon", "suspending"),
    ],
    ids=["gcore", "neon"],
)
def test_an_undocumented_state_is_unknown_and_never_success(
    lro_sim: LroSim, op: dict[str, object], profile: str, raw: str
) -> None:
    rig = lro_sim(op)
    got = rig.run("get", "-o", "json", "--exit-status", f"{profile}:op-odd")
    assert got.code == 8  # still in progress as far as anyone can tell
    assert '"state": "unknown"' in got.out and f'"raw_state": "{raw}"' in got.out
    result = rig.run("wait", "--timeout", "1s", f"{profile}:op-odd")
    assert result.code == 124
    assert result.out == ""
    assert raw in result.err  # shown raw, warned about
    assert len(rig.gets("op-odd")) >= 3  # polling went on


def test_resume_line_is_shell_quoted(lro_sim: LroSim) -> None:
    odd = "op with 'quotes' & $vars"
    rig = lro_sim(GCORE.running(odd))
    result = rig.run("wait", "--timeout", "500ms", odd)
    assert result.code == 124
    assert resume_words(result.err) == ["lro", "wait", f"sim-gcore:{odd}"]


# Several operations: the most severe code wins


def test_failed_and_not_found_exit_4(lro_sim: LroSim) -> None:
    rig = lro_sim(GCORE.failed("g-bad", "disk quota"))
    result = rig.run("wait", "g-bad", MISSING)
    assert result.code == 4
    assert "disk quota" in result.err and MISSING in result.err


def test_failed_and_cancelled_exit_1(lro_sim: LroSim) -> None:
    cancelled = neon_op(
        "n-cancel", {"at": 0, "status": "running"}, {"at": 0.2, "status": "cancelled"}
    )
    rig = lro_sim(GCORE.failed("g-bad", "disk quota", at=0.5), cancelled)
    result = rig.run("wait", "sim-gcore:g-bad", "sim-neon:n-cancel")
    assert result.code == 1


def test_fail_fast_exits_with_the_first_failures_code(lro_sim: LroSim) -> None:
    cancelled = neon_op(
        "n-cancel", {"at": 0, "status": "running"}, {"at": 0.3, "status": "cancelled"}
    )
    rig = lro_sim(GCORE.running("g-slow"), cancelled)
    started = time.monotonic()
    result = rig.run("wait", "--fail-fast", "sim-gcore:g-slow", "sim-neon:n-cancel")
    assert result.code == 3
    assert time.monotonic() - started < 8  # long before g-slow ends (an hour)
    assert "--fail-fast" in result.err
    assert resume_words(result.err) == ["lro", "wait", "sim-gcore:g-slow"]
