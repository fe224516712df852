"""What the commands get from an adapter holds no secret of the run (`commands/redacted.py`)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field

from lro_cli.commands.redacted import RedactedProvider
from lro_cli.http import redact_data, redact_known
from lro_cli.model import (
    ErrorInfo,
    FailureKind,
    Operation,
    PollFailure,
    PollResult,
    Progress,
    Resource,
    State,
)
from lro_cli.providers.base import ListQuery, cancel_capability

KEY = "CANARY-unit-key-0a9b8c7d"
TOKEN = "CANARY-unit-token-6e5f4a3b"


def leaky(secret: str) -> Operation:
    """An operation with `secret` in every text it has, as a server echoing it would send."""
    said = f"sent {secret} and {json.dumps(secret)}"
    return Operation(
        profile="p",
        provider="gcore",
        id=f"op-{secret}",
        state=State.FAILED,
        raw_state=said,
        type=said,
        resources=(Resource(f"r-{secret}", said),),
        progress=Progress(0.5, said, said, {secret: 1}),
        error=ErrorInfo(said, said, False, None, {secret: said}),
        raw={"note": said, secret: [said, {"k": said}], "n": 5},
    )


@dataclass
class Fake:
    name: str = "gcore"
    default_interval: float = 5.0
    start_response_hint: str = "a body"
    can_cancel: bool = True
    secret: str = KEY
    cancelled: list[str] = field(default_factory=list)

    async def fetch(self, op_id: str) -> PollResult:
        return PollResult(operation=leaky(self.secret))

    def interval_for(self, op_type: str | None) -> float | None:
        return None

    async def list_operations(self, query: ListQuery) -> AsyncIterator[Operation]:
        yield leaky(self.secret)

    def ids_from_start_response(self, body: object, headers: Mapping[str, str]) -> list[str]:
        return ["x"]

    async def cancel(self, op_id: str) -> PollFailure | None:
        self.cancelled.append(op_id)
        return None


def test_every_text_of_an_operation_is_redacted_raw_included() -> None:
    provider = RedactedProvider(Fake(), lambda: [KEY])
    result = asyncio.run(provider.fetch("op"))
    assert result.operation is not None
    shown = repr(result.operation)
    assert "CANARY" not in shown and "0a9b8c7d" not in shown
    assert result.operation.state is State.FAILED and result.operation.raw is not None
    assert result.operation.raw["n"] == 5  # what is not text stays as it is

    async def listed() -> list[Operation]:
        return [op async for op in provider.list_operations(ListQuery())]

    assert "CANARY" not in repr(asyncio.run(listed()))


def test_tokens_fetched_during_the_run_count_from_then_on() -> None:
    known = [KEY]
    provider = RedactedProvider(Fake(secret=TOKEN), lambda: list(known))
    assert TOKEN in repr(asyncio.run(provider.fetch("op")))  # not known yet: nothing to do
    known.append(TOKEN)
    assert TOKEN not in repr(asyncio.run(provider.fetch("op")))


def test_placeholders_are_not_secrets_worth_rewriting_ids_for() -> None:
    provider = RedactedProvider(Fake(secret="test"), lambda: ["test"])
    result = asyncio.run(provider.fetch("op"))
    assert result.operation is not None and result.operation.id == "op-test"


def test_failures_and_capabilities_pass_through() -> None:
    class Failing(Fake):
        async def fetch(self, op_id: str) -> PollResult:
            return PollResult(failure=PollFailure(FailureKind.PROTOCOL, f"bad {KEY}", 400))

    provider = RedactedProvider(Failing(), lambda: [KEY])
    result = asyncio.run(provider.fetch("op"))
    assert result.failure is not None and result.failure.message == "bad ***"
    canceller = cancel_capability(provider)
    assert canceller is not None
    assert asyncio.run(canceller.cancel("op-1")) is None
    assert provider.ids_from_start_response({}, {}) == ["x"]
    assert provider.name == "gcore" and provider.default_interval == 5.0


def test_redact_data_and_known_values() -> None:
    data = {"a": [KEY, (f"x{KEY}", 1)], KEY: None, "json": json.dumps({"k": KEY})}
    redacted = redact_data(data, [KEY])
    assert "CANARY" not in repr(redacted)
    assert redacted["a"][1] == ("x***", 1)
    untouched = {"a": ["b"]}
    assert redact_data(untouched, [KEY]) is untouched
    assert redact_data(data, []) is data
    # Only the values, never text that merely looks like a credential: it is the server's.
    assert redact_known("Bearer token expired", [KEY]) == "Bearer token expired"
    assert redact_known(f"k={KEY}&v=1", [KEY]) == "k=***&v=1"
