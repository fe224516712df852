"""`lro watch` as a real process against the simulator over loopback (no TTY here: plain lines).

The live table on a real terminal is `test_watch_tty.py`'s; the long runs of `--running` on the
virtual clock are `test_watch_running.py`'s.
"""

from __future__ import annotations

import json
import re
import shlex
import signal
import subprocess
import time
from typing import Any

import pytest

from tests.integration.harness import GCORE, NEON, LroSim, Rig
from tests.integration.test_signals import finish, wait_until_polled

STAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"


def lakesail_op(op_id: str, *, fraction_total: int = 4) -> dict[str, Any]:
    """A LakeSail operation whose progress moves (1 of 4, then 3 of 4) before it succeeds."""

    def summary(done: int) -> dict[str, int]:
        return {"total": fraction_total, "pending": fraction_total - done, "running": 0,
                "succeeded": done, "failed": 0, "unchanged": 0}  # fmt: skip

    return {
        "dialect": "lakesail",
        "id": op_id,
        "type": "provision_cluster",
        "resource_type": "cluster",
        "resource_id": f"CL{op_id}",
        "timeline": [
            {"at": 0, "state": "running",
             "progress": {"stage": "deploy", "message": "creating node pools", "resources": [],
                          "summary": summary(1)}},
            {"at": 0.3, "state": "running",
             "progress": {"stage": "deploy", "message": "joining nodes", "resources": [],
                          "summary": summary(3)}},
            {"at": 0.6, "state": "succeeded"},
        ],
    }  # fmt: skip


def three_providers(rig_maker: LroSim) -> Rig:
    return rig_maker(
        GCORE.succeeded("g-ok", suffix="w"),
        NEON.failed("n-bad", "timeline creation failed: pageserver unavailable"),
        lakesail_op("OPWATCH1"),
    )


IDS = ("sim-gcore:g-ok", "sim-neon:n-bad", "sim-lakesail:OPWATCH1")


def test_watch_follows_every_provider_to_the_end_with_the_precedence_exit_code(
    lro_sim: LroSim,
) -> None:
    rig = three_providers(lro_sim)
    result = rig.run("watch", *IDS)
    assert result.code == 1, result.err  # one failed: 1 (nothing more severe)
    assert result.out == ""  # watch prints results only when asked
    err = result.err
    # One line per state change: UTC time, profile, short id, type, old → new.
    # (Which intermediate states a poll catches depends on timing: first sight and the end.)
    assert re.search(rf"^{STAMP}  sim-gcore  g-ok  create_vm  → pending$", err, re.M)
    assert re.search(
        rf"^{STAMP}  sim-gcore  g-ok  create_vm  (pending|running) → succeeded", err, re.M
    )
    assert re.search(
        rf"^{STAMP}  sim-neon  n-bad  create_timeline  running → failed  "
        "timeline creation failed: pageserver unavailable",
        err,
        re.M,
    )
    # LakeSail's progress.summary is a real fraction: (succeeded + unchanged) / total.
    assert re.search(
        rf"^{STAMP}  sim-lakesail  OPWATCH1  provision_cluster  → running  25%", err, re.M
    )
    assert re.search(r"sim-lakesail  OPWATCH1  provision_cluster  running → succeeded", err)
    assert re.search(rf"^{STAMP}  done in \d+s: 2 succeeded, 1 failed — exit 1$", err, re.M)


def test_watch_output_json_is_the_final_array_even_for_one_operation(lro_sim: LroSim) -> None:
    rig = lro_sim(GCORE.succeeded("g-ok", suffix="j"))
    result = rig.run("watch", "--output", "json", "g-ok")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert isinstance(data, list) and [d["id"] for d in data] == ["g-ok"]
    assert data[0]["state"] == "succeeded"
    assert {r["id"] for r in data[0]["resources"]} == set(GCORE.resources("j"))


def ndjson_events(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines()]


def test_watch_ndjson_streams_changes_and_a_final_done_event(lro_sim: LroSim) -> None:
    rig = three_providers(lro_sim)
    result = rig.run("watch", "--output", "ndjson", *IDS)
    assert result.code == 1, result.err
    events = ndjson_events(result.out)
    assert all(set(e) == {"event", "time", "operation"} for e in events[:-1])
    assert {e["event"] for e in events[:-1]} == {"state"}
    done = events[-1]
    assert done["event"] == "done" and done["exit_code"] == 1
    assert done["summary"] == {
        "pending": 0,
        "running": 0,
        "succeeded": 2,
        "failed": 1,
        "cancelled": 0,
        "unknown": 0,
    }
    lakesail = [e["operation"] for e in events[:-1] if e["operation"]["id"] == "OPWATCH1"]
    # First sight, the progress change (25% → 75%), the end: each is one event.
    fractions = [(op["state"], (op["progress"] or {}).get("fraction")) for op in lakesail]
    assert fractions[0] == ("running", 0.25)
    assert ("running", 0.75) in fractions
    assert fractions[-1][0] == "succeeded"
    assert len(fractions) == len(set(fractions))  # nothing repeated without a change


def test_watch_ndjson_lines_arrive_while_it_runs(lro_sim: LroSim) -> None:
    """Usable with `jq` as it goes: the first event is readable long before the end."""
    rig = lro_sim(GCORE.running("g-long"))
    proc = rig.popen(
        "watch", "-o", "ndjson", "g-long", stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert proc.stdout is not None
    first = json.loads(proc.stdout.readline())
    assert proc.poll() is None  # still watching: the line was flushed, not buffered to the end
    assert first["event"] == "state" and first["operation"]["id"] == "g-long"
    proc.send_signal(signal.SIGINT)
    result = finish(proc)
    assert result.code == 130
    assert json.loads(result.out.splitlines()[-1])["exit_code"] == 130


def test_watch_fail_fast_stops_at_the_first_failure(lro_sim: LroSim) -> None:
    rig = lro_sim(GCORE.running("g-long"), NEON.failed("n-bad", "quota exceeded"))
    result = rig.run("watch", "--fail-fast", "sim-gcore:g-long", "sim-neon:n-bad")
    assert result.code == 1, result.err
    line = next(line for line in result.err_lines if "Resume with: " in line)
    assert "stopped at sim-neon:n-bad (--fail-fast)" in line
    assert shlex.split(line.split("Resume with: ", 1)[1]) == ["lro", "watch", "sim-gcore:g-long"]


def test_ctrl_c_exits_130_with_a_watch_resume_line(lro_sim: LroSim) -> None:
    rig = lro_sim(GCORE.running("g-long"), GCORE.succeeded("g-ok", suffix="c"))
    proc = rig.popen("watch", "g-long", "g-ok", stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wait_until_polled(rig, proc, "g-ok", after=0.4)
    time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    result = finish(proc)
    assert result.code == 130, result.err
    assert result.out == ""
    line = next(line for line in result.err_lines if "Resume with: " in line)
    assert "interrupted: 1 operation still runs server-side; nothing was cancelled" in line
    assert shlex.split(line.split("Resume with: ", 1)[1]) == ["lro", "watch", "sim-gcore:g-long"]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        ((), "name the operations to watch"),
        (("--until-idle", "g-1"), "--until-idle goes with --running"),
        (("--running", "-p", "sim-gcore", "g-1"), "not both"),
        (("-p", "sim-gcore", "-p", "sim-neon", "g-1"), "repeatable only with --running"),
        (("--output", "ids", "g-1"), "--output must be one of none, json, ndjson"),
        (("--running", "-p", "sim-lakesail"), "lakesail"),
        (("--running", "-p", "nope"), "nope"),
        (("--running", "-p", "sim-gcore", "--relist", "soon"), "--relist"),
    ],
)
def test_usage_errors_exit_2_with_one_line(
    lro_sim: LroSim, args: tuple[str, ...], says: str
) -> None:
    rig = lro_sim(GCORE.running("g-1"))
    result = rig.run("watch", *args)
    assert result.code == 2, result.err
    assert len(result.err_lines) == 1 and says in result.err, result.err
    assert result.out == ""


def listing_requests(rig: Rig, dialect_prefix: str) -> int:
    return sum(
        1
        for r in rig.sim.requests
        if r.method == "GET" and r.operation_id is None and r.path.startswith(dialect_prefix)
    )


def test_running_follows_what_the_lists_show_and_picks_up_new_ones(lro_sim: LroSim) -> None:
    rig = lro_sim(
        GCORE.succeeded("g-1", at=0.6, suffix="a"),
        NEON.succeeded("n-1", at=0.6, suffix="b"),
        GCORE.running("g-stays"),  # keeps the watch alive while a new one is added
    )
    proc = rig.popen(
        "watch", "--running", "--until-idle", "--relist", "300ms", "--timeout", "15s",
        "-p", "sim-gcore", "-p", "sim-neon", "-o", "ndjson",
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    wait_until_polled(rig, proc, "g-1", after=0.0)
    # A new operation appears after lro has listed: the next listing must pick it up.
    rig.sim.add_operation(NEON.succeeded("n-late", at=0.4, suffix="late"))
    deadline = time.monotonic() + 10
    while not rig.sim.polls("n-late"):
        assert time.monotonic() < deadline, "the new operation was never polled"
        assert proc.poll() is None, "lro ended early"
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    result = finish(proc)
    assert result.code == 130, result.err
    seen = {e["operation"]["id"] for e in ndjson_events(result.out) if e["event"] == "state"}
    assert {"g-1", "n-1", "g-stays", "n-late"} <= seen
    assert listing_requests(rig, "/gcore") >= 2 and listing_requests(rig, "/neon") >= 2
    line = next(line for line in result.err_lines if "Resume with: " in line)
    assert shlex.split(line.split("Resume with: ", 1)[1]) == [
        "lro", "watch", "--running", "--profile", "sim-gcore", "--profile", "sim-neon",
    ]  # fmt: skip


def test_running_until_idle_ends_when_nothing_is_left(lro_sim: LroSim) -> None:
    rig = lro_sim(
        GCORE.succeeded("g-1", at=0.4, suffix="a"),
        NEON.failed("n-bad", "out of quota", at=0.3),
    )
    result = rig.run(
        "watch", "--running", "--until-idle", "--relist", "200ms", "-p", "sim-gcore",
        "-p", "sim-neon",
    )  # fmt: skip
    assert result.code == 1, result.err  # by precedence over what it followed
    assert "following in-progress operations of 'sim-gcore', 'sim-neon'" in result.err
    assert "done in" in result.err_lines[-1] and "1 succeeded, 1 failed" in result.err_lines[-1]


def test_running_until_idle_with_nothing_in_progress_exits_0(lro_sim: LroSim) -> None:
    done_already = dict(GCORE.succeeded("g-done", at=0.0, suffix="d"))
    done_already["timeline"] = [{"at": 0, "state": "FINISHED"}]
    rig = lro_sim(done_already)
    result = rig.run("watch", "--running", "--until-idle", "-p", "sim-gcore")
    assert result.code == 0, result.err
    assert "nothing in progress on 'sim-gcore'" in result.err
    assert not rig.sim.polls("g-done")  # the list said finished: it is not followed


def test_quiet_watch_prints_only_errors(lro_sim: LroSim) -> None:
    rig = three_providers(lro_sim)
    result = rig.run("watch", "--quiet", *IDS)
    assert result.code == 1
    assert result.err_lines == [
        "lro: sim-neon:n-bad failed (last state failed): "
        "timeline creation failed: pageserver unavailable"
    ]
