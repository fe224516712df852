"""What passes between the simulator's core, its dialects and its front ends (socket, transport)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from lro_cli.sim.operations import World
    from lro_cli.sim.scenario import Fault


@dataclass(frozen=True)
class SimRequest:
    method: str  # upper case
    path: str  # below the dialect's prefix, e.g. "/cloud/v1/tasks/abc"
    query: tuple[tuple[str, str], ...]
    headers: Mapping[str, str]  # keys in lower case
    body: bytes = b""

    def param(self, name: str) -> str | None:
        """The last value of a query parameter, as most web frameworks read a repeated one."""
        values = self.params(name)
        return values[-1] if values else None

    def params(self, name: str) -> list[str]:
        return [value for key, value in self.query if key == name]


@dataclass
class Answer:
    """A dialect's reply before faults and framing: JSON payload or raw bytes."""

    status: int
    payload: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    operation_id: str | None = None
    fault: Fault | None = None  # this operation's scripted fault for this request, if any


@dataclass(frozen=True)
class SimResponse:
    """What the client receives. `fault` names the fault applied; a `reset` has no response at all
    (status 0) and a `slow` one is to be delivered after `delay` seconds."""

    status: int
    headers: Mapping[str, str]
    body: bytes
    fault: str | None = None
    delay: float = 0.0


@dataclass(frozen=True)
class RequestRecord:
    """One request in the simulator's log; `time` is on the simulator's (injectable) clock."""

    time: float
    wall: datetime
    method: str
    path: str
    query: tuple[tuple[str, str], ...]
    status: int | None  # None: the connection was dropped without a response
    operation_id: str | None
    fault: str | None
    dialect: str | None


class Dialect(Protocol):
    """One provider's API as its reference describes it, mounted under `prefix`."""

    name: str
    prefix: str

    def handle(self, request: SimRequest, world: World) -> Answer:
        """Answer one request (authentication included) as the provider would."""

    def error_payload(self, status: int, message: str, request_id: str) -> dict[str, Any]:
        """The provider's error body."""

    def strip_state(self, payload: Any) -> Any:
        """The payload with every operation's state field removed (for `missing_state`)."""
