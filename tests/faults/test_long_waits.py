"""Row "a wait of hours with intermittent faults" of the fault matrix, in-process.

Hours pass in milliseconds on the virtual clock; the simulator shares it, so its request log
tells exactly when each poll came. SPEC.md: the error budget (5 minutes) counts consecutive
transient failures and any good poll resets it; a heartbeat line at least every 5 minutes
without a TTY; `--timeout` exact on the monotonic clock, no request past it; Redpanda's token
cached until shortly before `expires_in` runs out, fetched again once after a 401.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest

from tests.faults.matrix import (
    EPSILON,
    HOUR,
    InProcess,
    outcome_line,
    resource_id,
    resume_words,
    script,
)

STAMP = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)Z  ")

# Polls about once a minute for four hours; the operation succeeds at 4 h.
FAULTS: list[dict[str, Any]] = [
    # Burst A: five 503s (four backoffs of 30–60 s: at most 4 minutes).
    {"request": list(range(20, 25)), "status": 503},
    # Burst B: resets, a read timeout (30 s), a proxy's page: at most 4.5 minutes.
    {"request": [60, 61], "kind": "reset"},
    {"request": 62, "kind": "slow", "seconds": 90},
    {"request": [63, 64], "kind": "html"},
    # Burst C: two unreadable bodies, then gateway errors: at most 4 minutes.
    {"request": 100, "kind": "garbage"},
    {"request": 101, "kind": "truncated"},
    {"request": [102, 103], "status": 502},
    {"request": 104, "status": 504},
    # Rate limited: ten hours asked, ten minutes waited, not charged to the budget.
    {"request": 140, "status": 429, "retry_after": "36000"},
    # A 404 that the confirming poll does not confirm.
    {"request": 170, "kind": "expired"},
]
BURSTS = ((20, 25), (60, 65), (100, 105))
TOKEN_LIFE = 1200  # Redpanda's token: announced and real lifetime, 20 minutes


def _stamps(err: str) -> list[datetime]:
    found = [STAMP.match(line) for line in err.splitlines()]
    return [datetime.fromisoformat(m[1]) for m in found if m]


def test_hours_of_intermittent_faults_end_in_success_with_heartbeats(
    in_process: Callable[..., InProcess], dialect: str
) -> None:
    credentials = {"redpanda_expires_in": TOKEN_LIFE, "redpanda_token_lifetime": TOKEN_LIFE}
    rig = in_process(
        script(dialect, "op-1", ends=4 * HOUR, faults=FAULTS),
        settings={"interval": "1m"},
        credentials=credentials,
    )
    waited = rig.wait(dialect, "op-1", timeout="5h")
    assert waited.code == 0, waited.err
    assert waited.out.splitlines() == [resource_id("op-1")]
    records = rig.polls("op-1")
    times = [r.time for r in records]
    assert times[-1] >= 4 * HOUR

    # The error budget: each burst is shorter than 5 minutes, all of them together are not.
    spans = [times[end - 2] - times[start - 1] for start, end in BURSTS]
    assert all(span < 300 for span in spans), spans
    assert sum(spans) > 300
    assert waited.err.count("retrying in") == 5 + 5 + 5 + 1

    # Retry-After: ten hours asked, clamped to ten minutes.
    assert times[140] - times[139] == pytest.approx(600.0)
    # The unconfirmed 404: one confirming poll after min_interval, then the interval again.
    assert records[169].status == 404 and records[170].status == 200
    assert times[170] - times[169] == pytest.approx(1.0)

    # Heartbeats: without a TTY, never more than 5 minutes without a line on stderr.
    stamps = _stamps(waited.err)
    assert len(stamps) == len(waited.err.splitlines())  # every line a plain, stamped log line
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(stamps)]
    assert max(gaps) <= 300, max(gaps)
    assert waited.err.count("still waiting") >= 30

    if dialect == "redpanda":
        # Refreshed on schedule, before expiry (60 s early, or a tenth of a short lifetime):
        # never a 401, and never more often than needed.
        tokens = [r.time for r in rig.tokens()]
        assert 401 not in rig.statuses("op-1")
        assert all(b - a >= TOKEN_LIFE - 60 - EPSILON for a, b in itertools.pairwise(tokens))
        assert all(b - a <= TOKEN_LIFE + 60 * 10 for a, b in itertools.pairwise(tokens))
        assert len(tokens) >= 4 * HOUR // TOKEN_LIFE


def test_redpanda_tokens_revoked_before_their_announced_expiry_are_refreshed_once_each(
    in_process: Callable[..., InProcess],
) -> None:
    # Announced: an hour; real: 7 minutes. Each token ends in one 401 and one new token.
    credentials = {"redpanda_expires_in": 3600, "redpanda_token_lifetime": 420}
    rig = in_process(
        script("redpanda", "rp-1", ends=2 * HOUR),
        settings={"interval": "1m"},
        credentials=credentials,
    )
    waited = rig.wait("redpanda", "rp-1", timeout="3h")
    assert waited.code == 0, waited.err
    records = rig.requests_for("rp-1")
    refused = [i for i, r in enumerate(records) if r.status == 401]
    tokens = rig.tokens()
    assert len(tokens) == len(refused) + 1  # the first, and one per 401
    assert all(records[i + 1].status == 200 for i in refused)  # the retry, with the new token
    assert all(records[i + 1].time == records[i].time for i in refused)  # at once
    assert len(refused) >= 2 * HOUR // (420 + 60) - 1  # one per token life and a poll


@pytest.mark.parametrize("ending", ["quiet", "backing-off", "slow-answer"])
def test_the_timeout_is_exact_and_nothing_is_sent_after_it(
    in_process: Callable[..., InProcess], dialect: str, ending: str
) -> None:
    # --timeout 47m; polls every 7 s (about 400 of them before the deadline).
    faults: list[dict[str, Any]] = {
        "quiet": [],
        "backing-off": [{"request": list(range(395, 500)), "status": 503}],
        "slow-answer": [{"request": 400, "kind": "slow", "seconds": 3600}],
    }[ending]
    rig = in_process(script(dialect, "op-1", ends=None, faults=faults), settings={"interval": "7s"})
    waited = rig.wait(dialect, "op-1", timeout="47m")
    assert waited.code == 124
    deadline = 47 * 60.0
    assert rig.clock.monotonic() == pytest.approx(deadline)  # not a poll interval later
    times = rig.times("op-1")
    assert max(times) <= deadline
    assert deadline - max(times) < 61  # it kept polling until close to it
    line = outcome_line(waited.err, dialect, "op-1")
    assert "running" in line and line.endswith("(exit 124)"), line
    assert "still runs server-side" in waited.err
    words = resume_words(waited.err)
    assert words[:2] == ["lro", "wait"] and words[-1].endswith(rig.arg(dialect, "op-1"))
    assert f"sim-{dialect}" in " ".join(words)
    assert waited.out == ""


def test_the_error_budget_counts_from_the_failure_after_the_last_good_poll(
    in_process: Callable[..., InProcess], dialect: str
) -> None:
    faults = [
        {"request": list(range(5, 10)), "status": 503},  # about 4 minutes, then recovered
        {"request": list(range(20, 400)), "status": 502},  # for ever
    ]
    rig = in_process(script(dialect, "op-1", faults=faults), settings={"interval": "1m"})
    waited = rig.wait(dialect, "op-1")
    assert waited.code == 6
    times = rig.times("op-1")
    statuses = rig.statuses("op-1")
    second = statuses.index(502)
    assert 300 - EPSILON <= times[-1] - times[second] <= 360 + EPSILON
    assert times[-1] - times[4] > 360 + 300  # counted from the first burst, it would be over
    line = outcome_line(waited.err, dialect, "op-1")
    assert "running" in line and "HTTP 502" in line and "error budget" in line, line
