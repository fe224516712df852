"""Rows "400 / 405 / 409 / 501" and "401 / 403" of the fault matrix (real processes).

SPEC.md: a request the provider rejects (400, 405, 409, 501 and other 4xx not named elsewhere)
is exit 7 at once, its message shown; 401 is exit 5 after one token refresh where the provider
has one (Redpanda's OAuth client credentials; Google and Azure with `token_command`), at once
with a static key; 403 is exit 5 at once, never retried.
"""

from __future__ import annotations

import shlex
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.faults.matrix import (
    CREDENTIALS,
    DIALECTS,
    InProcess,
    Process,
    Shared,
    error_lines,
    op_id,
    outcome_line,
    resource_id,
    script,
    status_fault,
    the_error,
)
from tests.integration.harness import Result

REJECTED = (400, 405, 409, 501, 505)


def _message(dialect: str, status: int) -> str:
    return f"{dialect} says no to this request ({status})"


def _rejected(tmp: Path) -> tuple[Process, Result]:
    """One process, one operation per dialect and status: 400 on the first poll (before any
    good one), the others after a good poll. With `--quiet`: only the error lines."""
    operations = []
    for status in REJECTED:
        request = 1 if status == 400 else 2
        for dialect in DIALECTS:
            fault = status_fault(dialect, request, status, _message(dialect, status))
            operations.append(script(dialect, op_id(dialect, str(status)), faults=[fault]))
    rig = Process(tmp, *operations)
    args = [arg for status in REJECTED for arg in rig.every_arg(str(status))]
    return rig, rig.run_wait(*args, extra=["--quiet"])


@pytest.mark.parametrize("status", REJECTED)
def test_a_rejected_request_exits_7_at_once_with_the_providers_message(
    shared: Shared, dialect: str, status: int
) -> None:
    rig, result = shared.get("rejected", _rejected)
    name = op_id(dialect, str(status))
    line = the_error(result.err, rig.label(dialect, name))
    state = "never seen" if status == 400 else "running"
    assert f" protocol error (last state {state}): HTTP {status} " in line, line
    assert line.endswith(f": {_message(dialect, status)}")
    assert rig.statuses(name) == ([] if status == 400 else [200]) + [status]  # not retried
    assert len(error_lines(result.err)) == len(REJECTED) * len(DIALECTS)  # one line each
    assert result.code == 7


# -- 401 and 403 ----------------------------------------------------------------------------------


def _refused(tmp: Path) -> tuple[Process, Result]:
    """401 on the 2nd and 3rd polls, 403 on the first: one operation each, every dialect."""
    operations = []
    for dialect in DIALECTS:
        unauthorized = status_fault(dialect, [2, 3], 401, f"{dialect}: the token was revoked")
        forbidden = status_fault(dialect, 1, 403, f"{dialect}: no role grants operations.get")
        operations.append(script(dialect, op_id(dialect, "401"), faults=[unauthorized]))
        operations.append(script(dialect, op_id(dialect, "403"), faults=[forbidden]))
    rig = Process(tmp, *operations)
    return rig, rig.run_wait(*rig.every_arg("401"), *rig.every_arg("403"))


def test_401_exits_5_after_one_refresh_where_the_provider_has_one(
    shared: Shared, dialect: str
) -> None:
    rig, result = shared.get("refused", _refused)
    name = op_id(dialect, "401")
    line = outcome_line(result.err, dialect, name)
    assert "HTTP 401" in line and f"{dialect}: the token was revoked" in line, line
    assert "  running: " in line and line.endswith("(exit 5)")
    if dialect == "redpanda":
        # A new token from the OAuth endpoint, one retry with it, refused again: exit 5.
        assert rig.statuses(name) == [200, 401, 401]
        assert len(rig.tokens()) == 2
    else:
        # A static key or token (Google and Azure here have `token`, not `token_command`).
        assert rig.statuses(name) == [200, 401]
    assert result.code == 5


def test_403_exits_5_at_once_and_is_never_retried(shared: Shared, dialect: str) -> None:
    rig, result = shared.get("refused", _refused)
    name = op_id(dialect, "403")
    line = outcome_line(result.err, dialect, name)
    assert "HTTP 403" in line and "permission refused" in line, line
    assert f"{dialect}: no role grants operations.get" in line
    assert line.endswith("(exit 5)")
    assert rig.statuses(name) == [403]
    assert result.code == 5


TOKEN_SCRIPT = """\
import sys
counter, *tokens = sys.argv[1:]
with open(counter, "a") as runs:
    runs.write("run\\n")
with open(counter) as runs:
    count = len(runs.readlines())
print(tokens[min(count, len(tokens)) - 1])
"""


@pytest.mark.parametrize("dialect_", ["google", "azure"])
def test_token_command_runs_again_once_on_a_401(
    process: Callable[..., Process], tmp_path: Path, dialect_: str
) -> None:
    """Two profiles with a `token_command`: `stale` prints a token the provider refuses, then
    the right one (the wait goes on); `revoked` prints the right one, but the provider says 401
    twice (a new token, still refused: exit 5)."""
    token = CREDENTIALS[f"{dialect_}_token"]
    script_file = tmp_path / "token.py"
    script_file.write_text(TOKEN_SCRIPT, encoding="utf-8")

    def command(counter: str, *tokens: str) -> str:
        words = [sys.executable, str(script_file), str(tmp_path / counter), *tokens]
        return shlex.join(words)

    unauthorized = status_fault(dialect_, [2, 3], 401, "token revoked")
    rig = process(
        script(dialect_, "tc-stale", ends=1.0),
        script(dialect_, "tc-revoked", faults=[unauthorized]),
    )
    profile = f"sim-{dialect_}"
    revoked = {**rig.profile(profile), "token": None}
    revoked["token_command"] = command("revoked", token)
    rig.configure(f"{profile}-revoked", **revoked)
    rig.configure(profile, token=None, token_command=command("stale", "expired-1", token))
    result = rig.run_wait(
        f"{profile}:{rig.arg(dialect_, 'tc-stale')}",
        f"{profile}-revoked:{rig.arg(dialect_, 'tc-revoked')}",
    )
    assert result.code == 5, result.err
    assert result.out.splitlines() == [resource_id("tc-stale")]  # it succeeded
    assert rig.answered("tc-stale")[:2] == [401, 200]
    assert (tmp_path / "stale").read_text().count("run") == 2
    assert rig.statuses("tc-revoked") == [200, 401]  # the same token again: no retry
    assert (tmp_path / "revoked").read_text().count("run") == 2
    line = next(line for line in result.err.splitlines() if "(exit 5)" in line)
    assert "HTTP 401" in line and "token revoked" in line and "tc-revoked" in line


# -- Azure's Location URL: a 4xx there is the operation's failure (PROVIDERS.md) ------------------


def test_azure_location_url_reads_a_4xx_with_an_arm_error_as_failed(
    in_process: Callable[..., InProcess],
) -> None:
    conflict = status_fault("azure", 3, 409, "The disk is attached to another VM")
    unavailable = {"request": 2, "status": 503}  # 5xx there: transient (501 never is)
    operation = script("azure", "az-loc", faults=[unavailable, conflict], urls=["location"])
    rig = in_process(operation, settings={"interval": "10s"})
    waited = rig.wait("azure", "az-loc")
    assert "operationResults" in rig.arg("azure", "az-loc")
    assert waited.code == 1, waited.err
    assert rig.statuses("az-loc") == [202, 503, 409]
    line = outcome_line(waited.err, "azure", "az-loc")
    assert "failed" in line and "The disk is attached to another VM" in line, line


@pytest.mark.parametrize(
    ("query", "code"), [("", 7), ("monitor=true&", 1)], ids=["async-operation", "location"]
)
def test_azure_compute_urls_tell_a_status_url_from_a_location_url_before_any_answer(
    in_process: Callable[..., InProcess], query: str, code: int
) -> None:
    """Microsoft.Compute names both `…/locations/{l}/operations/{id}`; its Location URL adds
    `monitor=true`. A 4xx on the very first poll is the operation's failure only there."""
    rejected = status_fault("azure", 1, 400, "The api-version '1999-01-01' is invalid")
    rig = in_process(script("azure", "az-cmp", faults=[rejected]))
    rig.name_as("azure", "az-cmp", rig.unstarted("azure", "az-cmp").replace("?", f"?{query}"))
    waited = rig.wait("azure", "az-cmp")
    assert waited.code == code, waited.err
    line = outcome_line(waited.err, "azure", "az-cmp")
    assert "The api-version '1999-01-01' is invalid" in line, line
    assert ("failed" in line) == (code == 1)
