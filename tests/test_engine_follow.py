"""`Engine.follow` (what `lro watch --running` runs) on the virtual clock: operations found by
discovery as time goes on, relisting at its interval, `until_idle`, `fail_fast`."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Sequence

from lro_cli.clock import VirtualClock
from lro_cli.engine import Engine, Target
from lro_cli.errors import ExitCode
from lro_cli.model import Operation, OperationRef, Outcome, PollResult, State
from lro_cli.schedule import PollPolicy
from tests.test_engine import Recorder

POLICY = PollPolicy(interval=5.0, timeout=3600.0)


class World:
    """Operations that appear at a time and end at another; a discovery that lists them."""

    def __init__(self, clock: VirtualClock) -> None:
        self.clock = clock
        # id → (appears at, ends at, end state)
        self.ops: dict[str, tuple[float, float, State]] = {}
        self.discoveries: list[float] = []
        self.polls: dict[str, list[float]] = {}

    def add(self, op_id: str, appears: float, ends: float, state: State = State.SUCCEEDED) -> None:
        self.ops[op_id] = (appears, ends, state)

    def state_of(self, op_id: str) -> State:
        _, ends, state = self.ops[op_id]
        return state if self.clock.monotonic() >= ends else State.RUNNING

    def target(self, op_id: str) -> Target:
        async def fetch() -> PollResult:
            self.polls.setdefault(op_id, []).append(self.clock.monotonic())
            state = self.state_of(op_id)
            return PollResult(operation=Operation("p", "gcore", op_id, state, state.value))

        return Target(OperationRef("p", "gcore", op_id, f"p:{op_id}"), POLICY, fetch)

    async def discover(self) -> list[Target]:
        now = self.clock.monotonic()
        self.discoveries.append(now)
        return [
            self.target(op_id)
            for op_id, (appears, _, _) in self.ops.items()
            if appears <= now and self.state_of(op_id).in_progress
        ]


def follow(
    world: World,
    *,
    every: float = 30.0,
    until_idle: bool = False,
    fail_fast: bool = False,
    stop_after: float | None = None,
) -> tuple[list[Outcome], Engine]:
    clock = world.clock
    engine = Engine(clock, Recorder(), rng=random.Random(3))

    async def main() -> list[Outcome]:
        initial = await world.discover()
        run = asyncio.ensure_future(
            engine.follow(
                initial, world.discover, every=every, until_idle=until_idle, fail_fast=fail_fast
            )
        )
        if stop_after is None:
            return await run
        await clock.sleep(stop_after)
        run.cancel()
        await asyncio.gather(run, return_exceptions=True)
        return []

    return clock.run(main()), engine


def ids(outcomes: Sequence[Outcome]) -> list[str]:
    return [o.ref.id for o in outcomes]


def test_until_idle_follows_what_appears_and_ends_when_none_is_left() -> None:
    world = World(VirtualClock())
    world.add("a", appears=0, ends=100)
    world.add("b", appears=50, ends=400)  # found by the relist at 60 s
    world.add("c", appears=500, ends=600)  # appears after everything ended: never seen
    outcomes, _ = follow(world, until_idle=True)
    assert ids(outcomes) == ["a", "b"]
    assert all(o.exit_code is ExitCode.OK for o in outcomes)
    assert world.polls["b"][0] == 60.0  # found at the second relist (every 30 s)
    # The end is noticed at b's last poll, and confirmed by a fresh discovery then.
    end = world.polls["b"][-1]
    assert 400 <= end < 410
    assert world.discoveries[-1] == end
    assert "c" not in world.polls


def test_discoveries_come_every_interval_and_duplicates_are_followed_once() -> None:
    world = World(VirtualClock())
    world.add("a", appears=0, ends=10_000)
    _, engine = follow(world, every=30.0, stop_after=301.0)
    assert world.discoveries == [30.0 * n for n in range(11)]
    assert [t.ref.id for t in engine.followed] == ["a"]  # listed 11 times, followed once


def test_without_until_idle_it_keeps_watching_when_nothing_is_left() -> None:
    world = World(VirtualClock())
    world.add("a", appears=0, ends=20)
    world.add("late", appears=200, ends=260)
    _, engine = follow(world, stop_after=400.0)
    assert [t.ref.id for t in engine.followed] == ["a", "late"]
    assert world.polls["late"][0] == 210.0  # the first relist after it appeared
    assert max(world.polls["late"]) >= 260  # followed to its end


def test_fail_fast_stops_at_the_first_failure() -> None:
    world = World(VirtualClock())
    world.add("long", appears=0, ends=5000)
    world.add("bad", appears=0, ends=40, state=State.FAILED)
    outcomes, engine = follow(world, until_idle=True, fail_fast=True)
    assert engine.fail_fast_outcome is not None and engine.fail_fast_outcome.ref.id == "bad"
    codes = {o.ref.id: o.exit_code for o in outcomes}
    assert codes == {"long": ExitCode.IN_PROGRESS, "bad": ExitCode.FAILED}
    assert max(world.polls["long"]) < 50


def test_each_timeout_counts_from_when_the_operation_was_found() -> None:
    world = World(VirtualClock())
    world.add("early", appears=0, ends=10_000)
    world.add("later", appears=1000, ends=10_000)
    outcomes, _ = follow(world, until_idle=True)
    by_id = {o.ref.id: o for o in outcomes}
    assert by_id["early"].exit_code is ExitCode.TIMEOUT
    assert by_id["later"].exit_code is ExitCode.TIMEOUT
    assert max(world.polls["early"]) <= 3600.0
    # `later` was found by the relist at 1020 s: its hour ends at 4620 s, not at 3600 s.
    assert world.polls["later"][0] == 1020.0
    assert 4600.0 <= max(world.polls["later"]) <= 4620.0
