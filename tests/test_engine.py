"""The engine on the virtual clock: hours of polling run in milliseconds."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lro_cli.clock import VirtualClock
from lro_cli.engine import Engine, Target
from lro_cli.errors import ExitCode
from lro_cli.model import (
    FailureKind,
    Operation,
    OperationRef,
    Outcome,
    PollFailure,
    PollResult,
    State,
)
from lro_cli.schedule import PollPolicy, backoff, honour_retry_after, jittered

REF = OperationRef("p", "gcore", "op-1", "p:op-1")


class Recorder:
    def __init__(self) -> None:
        self.updates: list[Operation] = []
        self.retries: list[tuple[str, float]] = []
        self.ended: list[Outcome] = []
        self.ticks = 0

    def update(self, ref: OperationRef, operation: Operation) -> None:
        self.updates.append(operation)

    def retrying(self, ref: OperationRef, message: str, delay: float) -> None:
        self.retries.append((message, delay))

    def finished(self, outcome: Outcome) -> None:
        self.ended.append(outcome)

    def tick(self) -> None:
        self.ticks += 1


def op(state: State, op_type: str | None = "create_vm") -> PollResult:
    return PollResult(operation=Operation("p", "gcore", "op-1", state, state.value, op_type))


def failure(kind: FailureKind, retry_after: float | None = None) -> PollResult:
    return PollResult(failure=PollFailure(kind, f"{kind.value} happened"), retry_after=retry_after)


class Script:
    """A fetch that answers from a function of the virtual time, logging when it was called."""

    def __init__(self, clock: VirtualClock, answer: Callable[[float, int], PollResult]):
        self.clock = clock
        self.answer = answer
        self.calls: list[float] = []

    async def __call__(self) -> PollResult:
        now = self.clock.monotonic()
        self.calls.append(now)
        return self.answer(now, len(self.calls))


def run(
    answer: Callable[[float, int], PollResult], **policy: object
) -> tuple[Outcome, Script, Recorder]:
    clock = VirtualClock()
    script = Script(clock, answer)
    recorder = Recorder()
    engine = Engine(clock, recorder, rng=random.Random(7))
    settings = {"interval": 5.0, "timeout": 3600.0} | policy
    target = Target(REF, PollPolicy(**settings), script)  # type: ignore[arg-type]
    outcomes = clock.run(engine.wait_all([target]))
    return outcomes[0], script, recorder


def sequence(results: Sequence[PollResult]) -> Callable[[float, int], PollResult]:
    return lambda _now, n: results[min(n, len(results)) - 1]


def test_a_two_hour_operation_is_followed_to_success_on_the_virtual_clock() -> None:
    outcome, script, recorder = run(
        lambda now, _n: op(State.SUCCEEDED if now >= 7200 else State.RUNNING), timeout=None
    )
    assert outcome.exit_code is ExitCode.OK
    assert script.calls[0] == 0.0  # first poll at once
    assert script.calls[-1] >= 7200
    # ±10% jitter around 5 s: about 1440 polls, never faster than 4.5 s apart.
    gaps = [b - a for a, b in zip(script.calls, script.calls[1:], strict=False)]
    assert min(gaps) >= 4.5 - 1e-9 and max(gaps) <= 5.5 + 1e-9
    assert 1300 < len(script.calls) < 1600
    assert recorder.ticks > 1000  # heartbeats get their chance without any TTY


@pytest.mark.parametrize(
    ("state", "code"),
    [
        (State.SUCCEEDED, ExitCode.OK),
        (State.FAILED, ExitCode.FAILED),
        (State.CANCELLED, ExitCode.CANCELLED),
    ],
    ids=["succeeded", "failed", "cancelled"],
)
def test_terminal_states_end_the_wait_with_their_exit_code(state: State, code: ExitCode) -> None:
    outcome, script, _ = run(sequence([op(State.PENDING), op(State.RUNNING), op(state)]))
    assert outcome.exit_code is code
    assert len(script.calls) == 3


@pytest.mark.parametrize("state", [State.RUNNING, State.UNKNOWN], ids=["running", "unknown"])
def test_timeout_ends_124_at_the_deadline_and_never_polls_after_it(state: State) -> None:
    outcome, script, _ = run(lambda _now, _n: op(state), timeout=60.0)
    assert outcome.exit_code is ExitCode.TIMEOUT
    assert max(script.calls) <= 60.0
    assert "60" in (outcome.message or "") or "1m" in (outcome.message or "")


def test_retry_after_that_crosses_the_deadline_ends_124_at_once() -> None:
    outcome, script, _ = run(
        sequence([op(State.RUNNING), failure(FailureKind.TRANSIENT, retry_after=500.0)]),
        timeout=120.0,
    )
    assert outcome.exit_code is ExitCode.TIMEOUT
    assert len(script.calls) == 2 and script.calls[1] < 10


def test_retry_after_on_a_good_poll_sets_the_next_poll() -> None:
    answers = [
        PollResult(operation=op(State.RUNNING).operation, retry_after=42.0),
        op(State.SUCCEEDED),
    ]
    outcome, script, _ = run(sequence(answers))
    assert outcome.exit_code is ExitCode.OK
    assert script.calls[1] - script.calls[0] == pytest.approx(42.0)


@pytest.mark.parametrize(
    ("asked", "expected"),
    [(0.0, 1.0), (-5.0, 1.0), (36000.0, 600.0)],
    ids=["zero-floored", "negative-floored", "ten-hours-clamped"],
)
def test_retry_after_is_floored_and_clamped(asked: float, expected: float) -> None:
    answers = [
        PollResult(operation=op(State.RUNNING).operation, retry_after=asked),
        op(State.SUCCEEDED),
    ]
    _, script, _ = run(sequence(answers), timeout=None)
    assert script.calls[1] - script.calls[0] == pytest.approx(expected)


def test_transient_failures_past_the_error_budget_end_6() -> None:
    outcome, script, recorder = run(
        lambda _now, n: op(State.RUNNING) if n == 1 else failure(FailureKind.TRANSIENT),
        error_budget=300.0,
    )
    assert outcome.exit_code is ExitCode.UNREACHABLE
    failing_from = script.calls[1]
    assert script.calls[-1] - failing_from >= 300.0
    assert len(recorder.retries) == len(script.calls) - 2


def test_the_backoff_doubles_up_to_a_minute() -> None:
    _, _, recorder = run(lambda _now, _n: failure(FailureKind.TRANSIENT), error_budget=900.0)
    delays = [delay for _msg, delay in recorder.retries]
    assert len(delays) > 10 and max(delays) > 30.0  # it did reach the cap region
    for n, delay in enumerate(delays, start=1):
        ceiling = min(60.0, 5.0 * 2 ** (n - 1))
        assert ceiling * 0.5 - 1e-9 <= delay <= ceiling + 1e-9


def test_a_good_poll_resets_the_error_budget() -> None:
    # 200 s of failures, a good poll, 200 s more: never 300 s in a row, so it succeeds.
    def answer(now: float, _n: int) -> PollResult:
        if now >= 480:
            return op(State.SUCCEEDED)
        if 200 <= now < 280:
            return op(State.RUNNING)
        return failure(FailureKind.TRANSIENT)

    outcome, script, _ = run(answer, error_budget=300.0, interval=1.0)
    assert outcome.exit_code is ExitCode.OK
    assert script.calls[-1] >= 480


def test_time_spent_honouring_retry_after_is_not_charged_to_the_budget() -> None:
    answers = [op(State.RUNNING)] + [failure(FailureKind.TRANSIENT, retry_after=120.0)] * 4
    outcome, script, _ = run(
        lambda now, n: answers[n - 1] if n <= 4 else op(State.SUCCEEDED), error_budget=300.0
    )
    assert outcome.exit_code is ExitCode.OK
    assert script.calls[-1] >= 360  # waited 3 × 120 s of Retry-After without exit 6


def test_three_unreadable_bodies_in_a_row_end_7_but_a_good_one_between_resets() -> None:
    outcome, _, _ = run(sequence([op(State.RUNNING)] + [failure(FailureKind.MALFORMED)] * 3))
    assert outcome.exit_code is ExitCode.PROTOCOL
    mixed = (
        [failure(FailureKind.MALFORMED)] * 2
        + [op(State.RUNNING)]
        + [failure(FailureKind.MALFORMED)] * 2
        + [op(State.SUCCEEDED)]
    )
    outcome, _, _ = run(sequence(mixed))
    assert outcome.exit_code is ExitCode.OK


@pytest.mark.parametrize(
    ("kind", "code"),
    [
        (FailureKind.AUTH, ExitCode.AUTH),
        (FailureKind.PROTOCOL, ExitCode.PROTOCOL),
        (FailureKind.TLS, ExitCode.UNREACHABLE),
        (FailureKind.FATAL, ExitCode.USAGE),
    ],
    ids=["auth", "protocol", "tls", "fatal"],
)
def test_refusals_end_at_once_without_retry(kind: FailureKind, code: ExitCode) -> None:
    outcome, script, _ = run(sequence([op(State.RUNNING), failure(kind)]))
    assert outcome.exit_code is code
    assert len(script.calls) == 2


def test_not_found_at_start_is_retried_for_the_grace_then_found() -> None:
    outcome, script, _ = run(
        lambda now, _n: failure(FailureKind.NOT_FOUND) if now < 8 else op(State.SUCCEEDED),
        not_found_grace=15.0,
        interval=2.0,
    )
    assert outcome.exit_code is ExitCode.OK
    assert script.calls[-1] >= 8


def test_not_found_past_the_grace_ends_4() -> None:
    outcome, script, _ = run(
        lambda _now, _n: failure(FailureKind.NOT_FOUND), not_found_grace=15.0, interval=2.0
    )
    assert outcome.exit_code is ExitCode.NOT_FOUND
    assert 15.0 <= script.calls[-1] < 20.0
    assert outcome.operation is None


def test_gone_after_a_good_poll_is_confirmed_once_then_4_naming_the_last_state() -> None:
    outcome, script, _ = run(sequence([op(State.RUNNING)] + [failure(FailureKind.NOT_FOUND)] * 5))
    assert outcome.exit_code is ExitCode.NOT_FOUND
    assert len(script.calls) == 3  # the good poll, the 404, one confirming poll
    assert "running" in (outcome.message or "")


def test_connection_refused_at_start_is_tried_three_times_a_second_apart() -> None:
    outcome, script, _ = run(lambda _now, _n: failure(FailureKind.UNREACHABLE))
    assert outcome.exit_code is ExitCode.UNREACHABLE
    assert script.calls == [0.0, 1.0, 2.0]


def test_connection_refused_mid_wait_is_transient() -> None:
    answers = [
        op(State.RUNNING),
        failure(FailureKind.UNREACHABLE),
        failure(FailureKind.UNREACHABLE),
        failure(FailureKind.UNREACHABLE),
        op(State.SUCCEEDED),
    ]
    outcome, _, _ = run(sequence(answers))
    assert outcome.exit_code is ExitCode.OK


def test_fail_fast_stops_the_others_at_the_first_failure() -> None:
    clock = VirtualClock()
    failing = Script(clock, lambda now, _n: op(State.FAILED if now >= 10 else State.RUNNING))
    slow = Script(clock, lambda _now, _n: op(State.RUNNING))
    engine = Engine(clock, Recorder(), rng=random.Random(1))
    refs = [OperationRef("p", "gcore", i, i) for i in ("a", "b")]
    targets = [
        Target(refs[0], PollPolicy(interval=5.0), failing),
        Target(refs[1], PollPolicy(interval=5.0), slow),
    ]
    outcomes = clock.run(engine.wait_all(targets, fail_fast=True))
    assert engine.fail_fast_outcome is not None
    assert engine.fail_fast_outcome.exit_code is ExitCode.FAILED
    assert [o.exit_code for o in outcomes] == [ExitCode.FAILED, ExitCode.IN_PROGRESS]
    assert max(slow.calls) < 20


def test_many_operations_share_one_loop_and_each_ends_on_its_own() -> None:
    clock = VirtualClock()
    scripts = [
        Script(
            clock, lambda now, _n, end=i * 10: op(State.SUCCEEDED if now >= end else State.RUNNING)
        )
        for i in range(1, 201)
    ]
    targets = [
        Target(OperationRef("p", "gcore", str(i), str(i)), PollPolicy(interval=5.0), s)
        for i, s in enumerate(scripts)
    ]
    outcomes = clock.run(Engine(clock, Recorder()).wait_all(targets))
    assert all(o.exit_code is ExitCode.OK for o in outcomes)
    assert all(s.calls[-1] >= (i + 1) * 10 for i, s in enumerate(scripts))


def test_interval_precedence() -> None:
    def builtin(op_type: str | None) -> float | None:
        return 30.0 if op_type == "create_k8s" else None

    default = PollPolicy(
        interval=5.0, interval_by_type={"create_vm": 3.0}, builtin_interval=builtin
    )
    assert default.interval_for("create_vm") == 3.0  # the profile's per-type interval
    assert default.interval_for("create_k8s") == 30.0  # the provider's built-in
    assert default.interval_for("other") == 5.0
    assert default.interval_for(None) == 5.0
    profile = PollPolicy(
        interval=7.0,
        interval_by_type={"create_vm": 3.0},
        builtin_interval=builtin,
        interval_from="profile",
    )
    assert profile.interval_for("create_k8s") == 7.0  # the profile's interval beats built-ins
    assert profile.interval_for("create_vm") == 3.0
    flagged = PollPolicy(
        interval=2.0,
        interval_by_type={"create_vm": 3.0},
        builtin_interval=builtin,
        interval_from="flag",
    )
    assert flagged.interval_for("create_vm") == 2.0
    assert flagged.interval_for("create_k8s") == 2.0
    assert PollPolicy(interval=0.1, min_interval=1.0).interval_for(None) == 1.0


@given(interval=st.floats(0.01, 3600), attempt=st.integers(1, 200), seed=st.integers(0, 2**32))
def test_backoff_stays_within_its_bounds(interval: float, attempt: int, seed: int) -> None:
    delay = backoff(interval, attempt, 1.0, random.Random(seed))
    ceiling = min(60.0, interval * 2 ** min(attempt - 1, 32))
    assert max(1.0, ceiling * 0.5) - 1e-9 <= delay <= max(1.0, ceiling) + 1e-9


@given(interval=st.floats(0.01, 3600), seed=st.integers(0, 2**32))
def test_jitter_is_ten_percent_and_never_below_the_floor(interval: float, seed: int) -> None:
    delay = jittered(interval, 1.0, random.Random(seed))
    assert delay >= 1.0
    assert delay <= max(1.0, interval * 1.1) + 1e-9
    if interval * 0.9 >= 1.0:
        assert delay >= interval * 0.9 - 1e-9


@given(st.floats(-1e9, 1e9))
def test_retry_after_delay_is_always_between_the_floor_and_ten_minutes(value: float) -> None:
    delay = honour_retry_after(value, 1.0)
    assert 1.0 <= delay <= 600.0
    # Within the bounds, exactly what the server asked for.
    if 1.0 <= value <= 600.0:
        assert delay == value
    elif value < 1.0:
        assert delay == 1.0  # the floor (negative counts as 0)
    else:
        assert delay == 600.0  # the clamp
