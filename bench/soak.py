"""Soak: one `lro wait` on 200 operations in all seven dialects, a fifth of the polls faulted.

A benchmark, not a test: it prints figures and judges nothing it could fail on. Usage:

    python bench/soak.py [--ops 200] [--fault-rate 0.2] [--seed 1] [--timeout 70] [--lro PATH]
                         [--save DIR]

The simulator serves from this process on loopback; one real `lro wait -o json --plain` process
waits on every operation (`PROFILE:ID`, Azure's by their status URLs), polling each second.
Operations are spread over gcore, neon, redpanda, lakesail, google, azure and http, scripted to
succeed (most), fail, be cancelled (where the dialect has it: neon, lakesail, google, azure),
run long (0.5 to 0.8 of `--timeout`: 35 to 56 s) or still be running when `--timeout` ends
the wait (exit 124 for them).
Azure's are started first, as a script would, and named by the Azure-AsyncOperation URL or (half
of those not cancelled) the Location URL.

Each poll of an operation is faulted with probability `--fault-rate`, drawn from `--seed`: 429
and 503 with Retry-After, 500, 502, 504, a proxy's HTML page, a reset connection, a slow answer
(0.5 to 2 s), and a 2xx whose body is garbage, truncated or without its state field.

Reported, from the JSON `lro` printed and the simulator's own log:
- correct / total: the final state is the scripted one (`running` or `pending` for those still
  running at the timeout), or what SPEC.md ("Exit codes", "Polling") says must happen instead,
  the simulator's log confirming it (counted apart): exit 7 after 3 unreadable bodies in a row;
  `--timeout` reached while backing off after faults, no poll since the scripted end good;
- false successes: reported `succeeded`, scripted otherwise; must be 0;
- false failures: reported `failed` or `cancelled`, or given up on, where the script says
  otherwise and SPEC.md does not;
- the exit code, requests made and faulted, wall time, and the RSS of the `lro` process
  (/proc/<pid>/status VmRSS, read every 100 ms): once it has sent its first request, at the end,
  and the highest seen.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from lro_cli.commands.sim import sim_profiles
from lro_cli.sim import SimServer, Simulator

DIALECTS = ("gcore", "neon", "redpanda", "lakesail", "google", "azure", "http")
ABBREVIATION = {d: d[:2] for d in DIALECTS} | {"google": "go", "lakesail": "ls", "http": "ht"}
CAN_CANCEL = frozenset({"neon", "lakesail", "google", "azure"})
GOOGLE_PARENT = "projects/sim-project/locations/us-central1"
AZURE_SUB = "00000000-0000-4000-8000-00000000a2e0"
AZURE_VM = f"/subscriptions/{AZURE_SUB}/resourceGroups/sim-rg/providers/Microsoft.Compute"
API_VERSION = "2024-07-01"
CREDENTIALS = {
    "gcore_api_key": "soak-gcore-key",
    "neon_api_key": "soak-neon-key",
    "redpanda_client_id": "soak-redpanda-client",
    "redpanda_client_secret": "soak-redpanda-secret",
    "lakesail_token": "soak-lakesail-token",
    "google_token": "soak-google-token",
    "azure_token": "soak-azure-token",
    "http_api_key": "soak-http-key",
}
SETTINGS = {"interval": "1s", "min_interval": "500ms", "error_budget": "60s"}
# What each operation is scripted to do, with weights (cancelled only where the dialect has it).
OUTCOMES = (("succeeded", 55), ("failed", 15), ("cancelled", 10), ("long", 12), ("unfinished", 8))
# Fault kinds with weights; the body-spoiling ones are the "malformed" that can add up to exit 7.
FAULTS: tuple[tuple[str, int, Callable[[random.Random], dict[str, Any]]], ...] = (
    ("429+Retry-After", 2, lambda r: {"status": 429, "retry_after": str(r.choice((1, 2)))}),
    ("503+Retry-After", 2, lambda r: {"status": 503, "retry_after": str(r.choice((1, 2)))}),
    ("500", 1, lambda r: {"status": 500}),
    ("502", 1, lambda r: {"status": 502}),
    ("504", 1, lambda r: {"status": 504}),
    ("html", 2, lambda r: {"kind": "html", "status": r.choice((502, 503))}),
    ("reset", 2, lambda r: {"kind": "reset"}),
    ("slow", 2, lambda r: {"kind": "slow", "seconds": round(r.uniform(0.5, 2.0), 2)}),
    ("garbage", 1, lambda r: {"kind": "garbage"}),
    ("truncated", 1, lambda r: {"kind": "truncated"}),
    ("missing_state", 1, lambda r: {"kind": "missing_state"}),
)
MALFORMED = frozenset({"garbage", "truncated", "missing_state"})
TERMINAL = frozenset({"succeeded", "failed", "cancelled"})


@dataclass
class Scripted:
    dialect: str
    op_id: str
    outcome: str  # succeeded, failed, cancelled, long (succeeds late), unfinished
    spec: dict[str, Any]
    end: float  # seconds after the operation's time zero that its scripted end comes
    argument: str = ""  # what `lro wait` is given; Azure's is known after the starting call

    @property
    def expected(self) -> str:
        return {"long": "succeeded", "unfinished": "running"}.get(self.outcome, self.outcome)


@dataclass
class Rss:
    samples: list[tuple[float, int]] = field(default_factory=list)  # (seconds, kB)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ops", type=int, default=200, help="operations waited on")
    parser.add_argument("--fault-rate", type=float, default=0.2, help="share of polls faulted")
    parser.add_argument("--seed", type=int, default=1, help="seed of the script and the faults")
    parser.add_argument(
        "--timeout", type=float, default=70.0, help="lro's --timeout, seconds (ends the run)"
    )
    parser.add_argument("--lro", default=_default_lro(), help="the lro executable")
    parser.add_argument("--save", type=Path, help="a directory to keep lro's stdout and stderr in")
    args = parser.parse_args(argv)

    rng = random.Random(args.seed)
    ops = [_script(i, DIALECTS[i % len(DIALECTS)], rng, args) for i in range(args.ops)]
    sim = Simulator({"credentials": CREDENTIALS, "operations": [o.spec for o in ops]})
    with SimServer(sim, max_delay=5.0) as server, tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "config.yaml"
        profiles = sim_profiles(server.url, sim.scenario)
        for profile in profiles.values():
            profile.update(SETTINGS)
        config.write_text(json.dumps({"profiles": profiles}))
        config.chmod(0o600)
        _start_azure(server.url, ops)
        before = len(sim.requests)
        env = {k: v for k, v in os.environ.items() if not k.startswith("LRO_")}
        env["LRO_CONFIG"] = str(config)
        argv_lro = [args.lro, "wait", "-o", "json", "--plain", "--timeout", f"{args.timeout}s"]
        started = time.perf_counter()
        proc = subprocess.Popen(
            [*argv_lro, *(o.argument for o in ops)],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        rss = Rss()
        sampler = threading.Thread(target=_sample_rss, args=(proc.pid, rss, started), daemon=True)
        sampler.start()
        out, err = proc.communicate(timeout=args.timeout + 60)
        wall = time.perf_counter() - started
        if args.save is not None:
            args.save.mkdir(parents=True, exist_ok=True)
            (args.save / "stdout.json").write_bytes(out)
            (args.save / "stderr.txt").write_bytes(err)
        sampler.join(timeout=1)
        every = list(sim.requests)
        requests = every[before:]
        first_request = min((r.time for r in requests), default=None)
    started_mono = _mono_at(started)
    _report(
        args, ops, proc.returncode, out, err, every, before, wall, rss, first_request, started_mono
    )
    return 0


def _default_lro() -> str:
    beside = Path(sys.executable).with_name("lro")
    return str(beside) if beside.exists() else (shutil.which("lro") or "lro")


def _mono_at(perf: float) -> float:
    """time.monotonic() at the moment time.perf_counter() read `perf` (the simulator's clock)."""
    return time.monotonic() - (time.perf_counter() - perf)


# The script: operations and their faults.


def _script(index: int, dialect: str, rng: random.Random, args: argparse.Namespace) -> Scripted:
    outcomes = [(name, w) for name, w in OUTCOMES if name != "cancelled" or dialect in CAN_CANCEL]
    outcome = rng.choices([n for n, _ in outcomes], [w for _, w in outcomes])[0]
    # With the default --timeout of 70 s: 3 to 24.5 s, long ones 35 to 56 s.
    end = {
        "long": rng.uniform(0.5, 0.8) * args.timeout,
        "unfinished": args.timeout + 3600,
    }.get(outcome, rng.uniform(3, max(3.0, 0.35 * args.timeout)))
    # At most 12 characters: the plain log lines show that much of an id (and of a URL, its
    # last segment), and stderr is where `lro` says why it gave up on one.
    op_id = f"sk-{ABBREVIATION[dialect]}-{index:04d}"
    spec = _operation(dialect, op_id, outcome, round(end, 2))
    if dialect == "azure" and outcome != "cancelled" and rng.random() < 0.5:
        # Polled by its Location URL (202 while running, then 200 or a 4xx ARM error); a
        # cancelled one is not: a Location URL cannot tell cancelled from failed.
        spec["urls"] = ["location"]
    # Enough numbered polls for the whole run at one a second, however many retries come.
    polls = int(args.timeout * 3) + 30
    spec["faults"] = [
        {"request": n, **_fault(rng)} for n in range(1, polls + 1) if rng.random() < args.fault_rate
    ]
    argument = {
        "google": f"sim-google:{GOOGLE_PARENT}/operations/{op_id}",
        "azure": "",  # the status URL, once started
    }.get(dialect, f"sim-{dialect}:{op_id}")
    return Scripted(dialect, op_id, outcome, spec, round(end, 2), argument)


def _fault(rng: random.Random) -> dict[str, Any]:
    _, _, make = rng.choices(FAULTS, [w for _, w, _ in FAULTS])[0]
    return make(rng)


def _operation(dialect: str, op_id: str, outcome: str, end: float) -> dict[str, Any]:
    ends = "succeeded" if outcome in ("long", "unfinished") else outcome
    mid = round(end / 2, 2)
    message = f"{op_id}: scripted {ends}"
    if dialect == "gcore":
        last = _pick(
            ends,
            {
                "succeeded": {
                    "state": "FINISHED",
                    "created_resources": {"instances": [f"i-{op_id}"]},
                },
                "failed": {"state": "ERROR", "error": message},
            },
        )
        timeline = [{"at": 0, "state": "NEW"}, {"at": mid, "state": "RUNNING"}, {"at": end, **last}]
        return {"dialect": dialect, "id": op_id, "type": "create_vm", "timeline": timeline}
    if dialect == "neon":
        last = _pick(
            ends,
            {
                "succeeded": {"status": "finished"},
                "failed": {"status": "failed", "error": message},
                "cancelled": {"status": "cancelled"},
            },
        )
        timeline = [
            {"at": 0, "status": "scheduling"},
            {"at": mid, "status": "running"},
            {"at": end, **last},
        ]
        return {"dialect": dialect, "id": op_id, "type": "start_compute", "timeline": timeline}
    if dialect == "redpanda":
        last = _pick(
            ends,
            {
                "succeeded": {"state": "STATE_COMPLETED"},
                "failed": {
                    "state": "STATE_FAILED",
                    "error": {"code": "FAILED_PRECONDITION", "message": message},
                },
            },
        )
        timeline = [{"at": 0, "state": "STATE_IN_PROGRESS"}, {"at": end, **last}]
        return {
            "dialect": dialect,
            "id": op_id,
            "type": "TYPE_CREATE_CLUSTER",
            "resource_id": f"cl-{op_id}",
            "timeline": timeline,
        }
    if dialect == "lakesail":
        last = _pick(
            ends,
            {
                "succeeded": {"state": "succeeded"},
                "failed": {"state": "failed", "error": {"code": "CAPACITY", "message": message}},
                "cancelled": {"state": "cancelled"},
            },
        )
        timeline = [{"at": 0, "state": "pending"}, {"at": mid, "state": "running"}]
        return {
            "dialect": dialect,
            "id": op_id,
            "type": "provision_cluster",
            "resource_type": "cluster",
            "resource_id": f"CL-{op_id}",
            "timeline": [*timeline, {"at": end, **last}],
        }
    if dialect == "google":
        last = _pick(
            ends,
            {
                "succeeded": {"state": "done", "response": {"name": f"instances/{op_id}"}},
                "failed": {"state": "done", "error": {"code": 8, "message": message}},
                "cancelled": {"state": "done", "error": {"code": 1, "message": "cancelled"}},
            },
        )
        timeline = [{"at": 0, "state": "running"}, {"at": end, **last}]
        return {"dialect": dialect, "id": op_id, "type": "create", "timeline": timeline}
    if dialect == "azure":
        last = _pick(
            ends,
            {
                "succeeded": {"state": "Succeeded"},
                "failed": {
                    "state": "Failed",
                    "error": {"code": "QuotaExceeded", "message": message},
                },
                "cancelled": {"state": "Canceled"},
            },
        )
        timeline = [
            {"at": 0, "state": "Accepted"},
            {"at": mid, "state": "InProgress"},
            {"at": end, **last},
        ]
        return {
            "dialect": dialect,
            "id": op_id,
            "type": "create_vm",
            "timeline": timeline,
            "urls": ["async_operation"],
            "resource_path": f"{AZURE_VM}/virtualMachines/{op_id}",
        }
    last = _pick(
        ends,
        {
            "succeeded": {"state": "DONE", "pct": 100, "outputs": [f"s3://soak/{op_id}"]},
            "failed": {"state": "BROKEN", "failure": {"reason": message}},
        },
    )
    timeline = [
        {"at": 0, "state": "QUEUED", "pct": 0},
        {"at": mid, "state": "RUNNING", "pct": 50},
        {"at": end, **last},
    ]
    return {"dialect": "http", "id": op_id, "type": "export", "timeline": timeline}


def _pick(key: str, choices: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return choices[key]


def _start_azure(url: str, ops: Sequence[Scripted]) -> None:
    """Azure's starting calls, as a script makes them: each names its status URL."""
    with httpx.Client(timeout=10) as client:
        for op in ops:
            if op.dialect != "azure":
                continue
            path = op.spec["resource_path"]
            response = client.put(
                f"{url}/azure{path}?api-version={API_VERSION}",
                json={"location": "westus"},
                headers={"Authorization": f"Bearer {CREDENTIALS['azure_token']}"},
            )
            header = "Location" if op.spec["urls"] == ["location"] else "Azure-AsyncOperation"
            op.argument = response.headers[header]


# Measuring.


def _sample_rss(pid: int, rss: Rss, started: float) -> None:
    status = Path(f"/proc/{pid}/status")
    while True:
        try:
            text = status.read_text()
        except OSError:
            return
        for line in text.splitlines():
            if line.startswith("VmRSS:"):
                rss.samples.append((time.perf_counter() - started, int(line.split()[1])))
                break
        else:
            return  # a zombie: no memory left to read
        time.sleep(0.1)


@dataclass
class Polls:
    """One operation in the simulator's log: its time zero, and each GET's time and fault."""

    zero: float | None = None
    gets: list[tuple[float, str | None]] = field(default_factory=list)

    @property
    def faults(self) -> list[str | None]:
        return [fault for _, fault in self.gets]


@dataclass
class Tally:
    correct: int = 0
    gave_up_as_spec_says: int = 0  # exit 7: three unreadable bodies in a row, confirmed
    backing_off_at_timeout: int = 0  # 124: every poll since the scripted end was faulted
    false_successes: list[str] = field(default_factory=list)
    false_failures: list[str] = field(default_factory=list)
    other_wrong: list[str] = field(default_factory=list)


def _gave_up(stderr: str) -> dict[str, tuple[int, str]]:
    """Operation id → (exit code, line) for each one `lro` stopped on with an error or the
    timeout. The JSON shows the last state read, without why the wait on it ended."""
    ended: dict[str, tuple[int, str]] = {}
    for line in stderr.splitlines():
        found = re.search(r"  (sk-[a-z]{2}-\d{4})  .*\(exit (\d+)\)$", line)
        if found and int(found[2]) not in (0, 1, 3):
            ended[found[1]] = (int(found[2]), line)
    return ended


def _judge(
    ops: Sequence[Scripted],
    documents: Sequence[dict[str, Any]],
    polls: dict[str, Polls],
    gave_up: dict[str, tuple[int, str]],
) -> Tally:
    tally = Tally()
    for op, document in zip(ops, documents, strict=True):
        state = document.get("state")
        error = document.get("error") or {}
        message = str(error.get("message") or "")
        log = polls[op.op_id]
        exit_code, line = gave_up.get(op.op_id, (None, ""))
        message = message or line.split(f"{state}: ", 1)[-1]
        said = f"{op.op_id}: scripted {op.outcome}, reported {state} ({message[:100]})"
        if state not in TERMINAL and exit_code not in (None, 124):  # lro gave up on it
            if exit_code == 7 and "in a row" in message and _three_unreadable(log.faults):
                tally.correct += 1
                tally.gave_up_as_spec_says += 1
            else:
                tally.false_failures.append(said)
        elif state == "succeeded" and op.expected != "succeeded":
            tally.false_successes.append(said)
        elif state == op.expected or (op.expected == "running" and state == "pending"):
            tally.correct += 1
        elif state not in TERMINAL and _backing_off_since(log, op.end):
            tally.correct += 1
            tally.backing_off_at_timeout += 1
        elif state not in TERMINAL or op.expected in ("succeeded", "running"):
            tally.false_failures.append(said)  # not seen to end, or failed/cancelled wrongly
        else:
            tally.other_wrong.append(said)  # failed for cancelled, or the other way round
    return tally


def _backing_off_since(log: Polls, end: float) -> bool:
    """No good poll since the scripted end: `--timeout` came while lro backed off (SPEC.md's
    delays grow to 60 s after consecutive transient failures), so it could not have seen it."""
    if log.zero is None or not log.gets or log.gets[-1][1] is None:
        return False
    return all(fault is not None for at, fault in log.gets if at >= log.zero + end)


def _three_unreadable(faults: Sequence[str | None]) -> bool:
    """The operation's last three polls all had a 2xx body spoiled (SPEC.md: then exit 7)."""
    return len(faults) >= 3 and all(f in MALFORMED for f in faults[-3:])


def _report(
    args: argparse.Namespace,
    ops: Sequence[Scripted],
    code: int | None,
    out: bytes,
    err: bytes,
    every: Sequence[Any],
    before: int,
    wall: float,
    rss: Rss,
    first_request: float | None,
    started_mono: float,
) -> None:
    try:
        documents = json.loads(out)
    except ValueError:
        print(f"lro printed no JSON (exit {code}); its stderr ends:")
        print("\n".join(err.decode(errors="replace").splitlines()[-20:]))
        return
    polls = {op.op_id: Polls() for op in ops}
    for record in every:  # Azure's starting calls (before lro ran) included: their time zero
        log = polls.get(record.operation_id or "")
        if log is None:
            continue
        log.zero = record.time if log.zero is None else log.zero
        if record.method == "GET":
            log.gets.append((record.time, record.fault))
    tally = _judge(ops, documents, polls, _gave_up(err.decode(errors="replace")))
    requests = every[before:]
    faulted = Counter(r.fault for r in requests if r.fault)
    n_polls = sum(len(p.gets) for p in polls.values())
    scripted = Counter(f"{o.outcome}" for o in ops)
    print(
        f"soak: {len(ops)} operations over {len(DIALECTS)} dialects, fault rate "
        f"{args.fault_rate:.0%}, seed {args.seed}, one `lro wait -o json --plain --timeout "
        f"{args.timeout:g}s`, python {sys.version.split()[0]}"
    )
    print("scripted           " + ", ".join(f"{n} {k}" for k, n in sorted(scripted.items())))
    print(f"correct / total    {tally.correct} / {len(ops)}")
    print(f"  of which, as SPEC.md says: exit 7 after 3 unreadable bodies in a row "
          f"{tally.gave_up_as_spec_says}; --timeout while backing off, no good poll since "
          f"the end {tally.backing_off_at_timeout}")  # fmt: skip
    print(f"false successes    {len(tally.false_successes)}  (must be 0)")
    print(f"false failures     {len(tally.false_failures)}")
    if tally.other_wrong:
        print(f"other mismatches   {len(tally.other_wrong)}")
    for line in [*tally.false_successes, *tally.false_failures, *tally.other_wrong][:10]:
        print(f"  {line}")
    gave_up = _gave_up(err.decode(errors="replace"))
    ended = Counter(code for code, _ in gave_up.values())
    named = ", ".join(f"exit {c} x{n}" for c, n in sorted(ended.items()))
    print(f"exit code          {code}  (operations given up on, from stderr: {named or 'none'})")
    print(
        f"requests made      {len(requests)}  ({n_polls} operation GETs, "
        f"{len(requests) - n_polls} other: token exchanges)"
    )
    total_faulted = sum(faulted.values())
    share = total_faulted / len(requests) if requests else 0.0
    print(f"faulted            {total_faulted}  ({share:.1%} of requests)")
    print("  by kind          " + ", ".join(f"{k} {n}" for k, n in faulted.most_common()))
    rate = len(requests) / wall if wall else 0.0
    print(f"wall time          {wall:.1f} s  ({rate:.0f} requests/s)")
    _report_rss(rss, first_request, started_mono)


def _report_rss(rss: Rss, first_request: float | None, started_mono: float) -> None:
    if not rss.samples:
        print("rss                no samples (no /proc?)")
        return
    # "At start": the first sample once lro had sent its first request (imports done, polling).
    after = first_request - started_mono if first_request is not None else 0.0
    start = next(((t, kb) for t, kb in rss.samples if t >= after), rss.samples[0])
    end = rss.samples[-1]
    peak = max(rss.samples, key=lambda s: s[1])
    print(
        f"lro RSS            start {start[1] / 1024:.1f} MiB (at {start[0]:.1f} s), "
        f"end {end[1] / 1024:.1f} MiB (at {end[0]:.1f} s), max {peak[1] / 1024:.1f} MiB "
        f"(at {peak[0]:.1f} s); {len(rss.samples)} samples"
    )


if __name__ == "__main__":
    sys.exit(main())
