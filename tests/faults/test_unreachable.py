"""Rows "connection refused", "reset / timeout / slow" and "5xx bursts" of the fault matrix.

SPEC.md "Polling": connection refused before the first good poll is tried 3 times a second
apart, then exit 6 with a hint to check `base_url`; after one, connection errors, resets, read
timeouts, 408/429/5xx and proxies' HTML pages are transient: retried with
min(60 s, interval × 2^(n−1)) × [0.5, 1] (never below min_interval) until the error budget,
counted from the first failure in a row, runs out (exit 6); any good poll resets it.
"""

from __future__ import annotations

import itertools
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.faults.matrix import (
    DIALECTS,
    EPSILON,
    PROCESS_TIMEOUT,
    InProcess,
    Process,
    Shared,
    backoff_bounds,
    closed_port,
    op_id,
    outcome_line,
    resource_id,
    script,
)
from tests.integration.harness import Result, check_invariants, lro_command

# -- connection refused before the first good poll (real processes) -------------------------------


def _refused(tmp: Path) -> tuple[Process, tuple[Result, float, int]]:
    """Every profile's base_url on a port where nothing listens (Redpanda's token endpoint
    still answers: only the API is down)."""
    rig = Process(tmp, *[script(d, op_id(d, "rf")) for d in DIALECTS])
    port = closed_port()
    closed = f"http://127.0.0.1:{port}"
    args = []
    for dialect in DIALECTS:
        profile = f"sim-{dialect}"
        base_url = rig.profile(profile)["base_url"]
        rig.configure(profile, base_url=base_url.replace(rig.url, closed))
        arg = rig.arg(dialect, op_id(dialect, "rf")).replace(rig.url, closed)
        args.append(arg if dialect == "azure" else f"{profile}:{arg}")
    started = time.monotonic()
    result = rig.run_wait(*args, extra=["--debug"])
    return rig, (result, time.monotonic() - started, port)


def test_refused_before_the_first_poll_is_tried_3_times_then_exit_6(
    shared: Shared, dialect: str
) -> None:
    rig, (result, took, port) = shared.get("rf", _refused)
    line = outcome_line(result.err, dialect, op_id(dialect, "rf"))
    assert "unreachable: connection refused; check base_url" in line, line
    assert f"127.0.0.1:{port}" in line and line.endswith("(exit 6)")
    tries = [
        text
        for text in result.err.splitlines()
        if text.startswith("debug: http: GET ")
        and f"127.0.0.1:{port}" in text
        and op_id(dialect, "rf") in text
    ]
    assert len(tries) == 3, result.err
    assert all("connection refused" in text for text in tries)
    assert "Traceback" not in result.err
    assert took >= 2.0  # three tries, one second apart
    assert result.code == 6
    assert rig.polls(op_id(dialect, "rf")) == []
    if dialect == "redpanda":
        assert len(rig.tokens()) == 1  # the token endpoint was up: one exchange, no more


def test_a_refused_token_endpoint_is_tried_3_times_then_exit_6_naming_token_url(
    process: Callable[..., Process],
) -> None:
    """Redpanda's OAuth endpoint is another origin: refused there before any good poll is the
    same mistake (a wrong URL in the profile), so it ends the same way, naming `token_url`."""
    rig = process(script("redpanda", "rp-1"))
    port = closed_port()
    rig.configure("sim-redpanda", token_url=f"http://127.0.0.1:{port}/oauth/token")
    started = time.monotonic()
    result = rig.wait("redpanda", "rp-1", extra=["--debug"])
    took = time.monotonic() - started
    line = outcome_line(result.err, "redpanda", "rp-1")
    assert "connection refused" in line and "token_url" in line, line
    assert f"127.0.0.1:{port}" in line
    exchanges = [text for text in result.err.splitlines() if "debug: http: POST " in text]
    assert len(exchanges) == 3 and all(f"127.0.0.1:{port}/oauth/token" in e for e in exchanges)
    assert result.code == 6
    assert took >= 2.0
    assert rig.polls("rp-1") == []  # never sent without a token


# -- the provider goes away mid-wait and comes back (real processes) ------------------------------


def _outage(tmp: Path) -> tuple[Process, Result]:
    rig = Process(tmp, *[script(d, op_id(d, "ou"), ends=2.5) for d in DIALECTS])
    proc = subprocess.Popen(
        lro_command("wait", *rig.every_arg("ou")),
        env=rig.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + PROCESS_TIMEOUT
        while not all(rig.statuses(op_id(d, "ou"))[:1] == [200] for d in DIALECTS):
            assert proc.poll() is None and time.monotonic() < deadline, "lro never polled"
            time.sleep(0.02)
        rig.restart(after=0.8)  # refused for 0.8 s: well within the 2 s budget
        out, err = proc.communicate(timeout=PROCESS_TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    result = Result(proc.returncode, out.decode(), err.decode("utf-8", "replace"))
    check_invariants(result)
    return rig, result


def test_refused_or_reset_mid_wait_is_retried_and_the_wait_succeeds(
    shared: Shared, dialect: str
) -> None:
    rig, result = shared.get("ou", _outage)
    name = op_id(dialect, "ou")
    assert resource_id(name) in result.out.splitlines()
    retried = [line for line in result.err.splitlines() if f"  {name}  " in line]
    assert any("retrying in" in line for line in retried), result.err
    times = rig.times(name)
    assert (
        max(b - a for a, b in itertools.pairwise(times)) >= 0.8
    )  # no answer while the server was down
    assert rig.statuses(name)[-1] == 200
    assert result.code == 0, result.err


# -- resets, read timeouts and slow answers, in-process -------------------------------------------


def test_resets_a_read_timeout_and_a_slow_answer_are_retried_until_success(
    in_process: Callable[..., InProcess], dialect: str
) -> None:
    faults: list[dict[str, Any]] = [
        {"request": [2, 3], "kind": "reset"},
        {"request": 4, "kind": "slow", "seconds": 90},  # past the 30 s read timeout
        {"request": 5, "kind": "slow", "seconds": 4},  # late, but an answer
    ]
    rig = in_process(script(dialect, "op-1", ends=120, faults=faults), settings={"interval": "5s"})
    waited = rig.wait(dialect, "op-1")
    assert waited.code == 0, waited.err
    assert waited.out.splitlines() == [resource_id("op-1")]
    records = rig.polls("op-1")
    assert [r.fault for r in records[:5]] == [None, "reset", "reset", "slow", "slow"]
    assert [r.status for r in records[:3]] == [200, None, None]
    gaps = rig.gaps("op-1")
    for n, gap in enumerate(gaps[1:3], start=1):  # after the 1st and the 2nd reset
        low, high = backoff_bounds(5.0, n, 1.0)
        assert low - EPSILON <= gap <= high + EPSILON, (n, gaps)
    low, high = backoff_bounds(5.0, 3, 1.0)
    assert 30 + low - EPSILON <= gaps[3] <= 30 + high + EPSILON  # read timeout, then backoff
    assert 4 + 4.5 - EPSILON <= gaps[4] <= 4 + 5.5 + EPSILON  # slow answer, then the interval
    retries = [line for line in waited.err.splitlines() if "retrying in" in line]
    assert len(retries) == 3
    assert "simulated reset" in retries[0] and "ReadTimeout" in retries[2]


# -- 500 / 502 / 504 and proxies' HTML pages ------------------------------------------------------

BURST: list[dict[str, Any]] = [
    {"request": 2, "status": 500},
    {"request": 3, "status": 502},
    {"request": 4, "status": 504},
    {"request": 5, "kind": "html"},  # nginx's 502 page
    {"request": 6, "kind": "html", "status": 503},
    {"request": 7, "status": 500, "body": "<h1>oops</h1>", "content_type": "text/html"},
    {"request": 8, "status": 408},
]


def test_a_burst_of_5xx_and_html_pages_backs_off_by_the_formula_and_recovers(
    in_process: Callable[..., InProcess], dialect: str
) -> None:
    settings = {"interval": "5s", "min_interval": "3s"}
    rig = in_process(script(dialect, "op-1", ends=600, faults=BURST), settings=settings)
    waited = rig.wait(dialect, "op-1")
    assert waited.code == 0, waited.err
    assert waited.out.splitlines() == [resource_id("op-1")]
    statuses = rig.statuses("op-1")
    assert statuses[:9] == [200, 500, 502, 504, 502, 503, 500, 408, 200]
    gaps = rig.gaps("op-1")
    for n in range(1, 8):
        low, high = backoff_bounds(5.0, n, 3.0)
        assert low - EPSILON <= gaps[n] <= high + EPSILON, (n, gaps[n])
    # The failures took 1+2+…+64 ≥ 63.5 s (well within the 5 minute budget); then every 5 s.
    assert all(4.5 - EPSILON <= gap <= 5.5 + EPSILON for gap in gaps[8:])
    said = [line for line in waited.err.splitlines() if "retrying in" in line]
    assert len(said) == 7
    assert "HTTP 502 Bad Gateway" in said[3] and "<" not in said[3]  # the page is not shown
    assert "HTTP 408" in said[6]


def test_transient_errors_past_the_budget_exit_6_and_no_request_follows(
    in_process: Callable[..., InProcess], dialect: str
) -> None:
    fault = {"request": list(range(3, 400)), "status": 503}
    rig = in_process(
        script(dialect, "op-1", faults=[fault]), settings={"interval": "10s", "error_budget": "5m"}
    )
    waited = rig.wait(dialect, "op-1")
    assert waited.code == 6
    line = outcome_line(waited.err, dialect, "op-1")
    assert "running" in line and "HTTP 503" in line and "error budget" in line, line
    times = rig.times("op-1")
    first_failure = times[2]
    # The budget counts from the first failure; the last try is the first at or past 5 minutes,
    # and the longest backoff is 60 s.
    assert 300 - EPSILON <= times[-1] - first_failure <= 360 + EPSILON
    assert rig.clock.monotonic() == pytest.approx(times[-1])  # it ended at once
    assert all(gap <= 60 + EPSILON for gap in rig.gaps("op-1"))


def _budget(tmp: Path) -> tuple[Process, Result]:
    # A good poll first; then 503s (and HTML pages) for ever. Budget: 2 s (SHORT).
    faults = [
        {"request": list(range(2, 400, 2)), "status": 503},
        {"request": list(range(3, 400, 2)), "kind": "html", "status": 502},
    ]
    rig = Process(tmp, *[script(d, op_id(d, "bu"), faults=faults) for d in DIALECTS])
    return rig, rig.wait_every("bu")


def test_transient_errors_past_a_2s_budget_exit_6(shared: Shared, dialect: str) -> None:
    rig, result = shared.get("bu", _budget)
    name = op_id(dialect, "bu")
    line = outcome_line(result.err, dialect, name)
    assert "running" in line and "error budget" in line and line.endswith("(exit 6)"), line
    assert "HTTP 50" in line
    times = rig.times(name)
    statuses = rig.statuses(name)
    assert statuses[0] == 200 and set(statuses[1:]) == {502, 503}
    assert len(times) >= 5  # retried in between
    # 2 s from the answer to the first failure to the answer to the last one: between their
    # arrivals, less the last answer's latency (generous: a loaded machine).
    assert times[-1] - times[1] >= 1.5
    assert result.code == 6
