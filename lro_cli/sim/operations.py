"""Operations as the simulator runs them: a scripted timeline plus what clients have done to it."""

from __future__ import annotations

import bisect
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from lro_cli.sim.scenario import DIALECTS, Fault, Scenario, ScriptedOperation, Step

_ID_NAMESPACE = uuid.UUID("5b1c0a52-94a7-4c4e-9a53-8a1d2f3e4b5c")


@dataclass(frozen=True)
class OperationView:
    """An operation at one instant: the timeline step in force and the times around it."""

    spec: ScriptedOperation
    index: int  # of the step in force
    created: datetime  # wall time at timeline zero
    elapsed: float  # seconds since timeline zero
    acknowledged_at: datetime | None

    @property
    def step(self) -> Step:
        return self.spec.timeline[self.index]

    @property
    def state(self) -> str:
        return self.step.state

    def wall_at(self, offset: float) -> datetime:
        return self.created + timedelta(seconds=offset)

    @property
    def updated(self) -> datetime:
        return self.wall_at(self.step.at)

    def settled_at(self, terminal: frozenset[str]) -> float | None:
        """Offset at which the current run of terminal states began; None while in progress."""
        index = self.index
        if self.step.state not in terminal:
            return None
        while index > 0 and self.spec.timeline[index - 1].state in terminal:
            index -= 1
        return self.spec.timeline[index].at


@dataclass(eq=False)
class LiveOperation:
    spec: ScriptedOperation
    seq: int
    visible: bool = True
    t0: float | None = None  # clock seconds at timeline zero: first sight less `age`
    created: datetime | None = None
    polls: int = 0  # requests to its GET so far
    acknowledged_at: datetime | None = None
    _offsets: list[float] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self._offsets = [step.at for step in self.spec.timeline]

    def elapsed(self, now: float) -> float:
        return 0.0 if self.t0 is None else max(0.0, now - self.t0)

    def expired(self, now: float) -> bool:
        limit = self.spec.expire_after
        return limit is not None and self.t0 is not None and self.elapsed(now) >= limit

    def view(self, now: float) -> OperationView:
        assert self.created is not None, "an operation is started before it is shown"
        elapsed = self.elapsed(now)
        index = max(0, bisect.bisect_right(self._offsets, elapsed) - 1)
        return OperationView(
            spec=self.spec,
            index=index,
            created=self.created,
            elapsed=elapsed,
            acknowledged_at=self.acknowledged_at,
        )

    def fault_for_poll(self) -> Fault | None:
        """Count one request to this operation's GET and return the fault scripted for it."""
        self.polls += 1
        return next((f for f in self.spec.faults if self.polls in f.requests), None)


class OperationBook:
    """Every scripted operation by dialect and id, in the order they were added."""

    def __init__(self) -> None:
        self._by_dialect: dict[str, dict[str, LiveOperation]] = {d: {} for d in DIALECTS}
        self._projects: dict[str, set[str | int]] = {d: set() for d in DIALECTS}
        # Per-dialect state that is not an operation (issued tokens): gone with the book on reset.
        self.state: dict[str, dict[str, Any]] = {d: {} for d in DIALECTS}
        self._created_taken: set[datetime] = set()
        self._seq = 0

    def add(self, spec: ScriptedOperation) -> LiveOperation:
        operations = self._by_dialect[spec.dialect]
        if spec.id in operations:
            raise ValueError(f"operation {spec.id!r} ({spec.dialect}) already exists")
        self._seq += 1
        live = LiveOperation(spec=spec, seq=self._seq, visible=spec.created_by_call == 0)
        operations[spec.id] = live
        self._projects[spec.dialect].add(spec.project_id)
        return live

    def find(self, dialect: str, operation_id: str) -> LiveOperation | None:
        live = self._by_dialect[dialect].get(operation_id)
        return live if live is not None and live.visible else None

    def has_project(self, dialect: str, project_id: str | int) -> bool:
        return project_id in self._projects[dialect]

    def all(self, dialect: str) -> Iterator[LiveOperation]:
        """Every operation of a dialect, those still waiting for a create call included."""
        return iter(self._by_dialect[dialect].values())

    def visible(self, dialect: str) -> Iterator[LiveOperation]:
        return (live for live in self._by_dialect[dialect].values() if live.visible)

    def see(self, live: LiveOperation, now: float, wall: datetime) -> None:
        """Start the timeline the first time a client is shown this operation."""
        if live.t0 is not None:
            return
        live.t0 = now - live.spec.age
        created = wall - timedelta(seconds=live.spec.age)
        # Creation times double as Neon's keyset cursor, so no two may be equal.
        while created in self._created_taken:
            created += timedelta(microseconds=1)
        self._created_taken.add(created)
        live.created = created

    def claim(self, dialect: str, project_id: str | int | None = None) -> list[LiveOperation]:
        """Reveal the lowest batch of operations waiting for a create call (of that project)."""
        waiting = [
            live
            for live in self._by_dialect[dialect].values()
            if not live.visible and (project_id is None or live.spec.project_id == project_id)
        ]
        if not waiting:
            return []
        batch = min(live.spec.created_by_call for live in waiting)
        claimed = [live for live in waiting if live.spec.created_by_call == batch]
        for live in claimed:
            live.visible = True
        return claimed

    def new_id(self, dialect: str) -> str:
        self._seq += 1
        return str(uuid.uuid5(_ID_NAMESPACE, f"{dialect}-{self._seq}"))


@dataclass
class World:
    """What a dialect sees while answering one request."""

    book: OperationBook
    scenario: Scenario
    now: float
    wall: datetime
    request_id: str

    def see(self, live: LiveOperation) -> OperationView:
        self.book.see(live, self.now, self.wall)
        return live.view(self.now)

    def listing(self, dialect: str) -> list[LiveOperation]:
        """Visible operations that have not expired; all of them count as seen from now on."""
        shown = []
        for live in self.book.visible(dialect):
            self.book.see(live, self.now, self.wall)
            if not live.expired(self.now):
                shown.append(live)
        return shown
