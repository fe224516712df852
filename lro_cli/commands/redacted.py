"""Adapters as the commands hand them on: what they return holds no secret of the run.

A server may echo a credential back inside an operation (its message, its error, its raw
payload), by carelessness or on purpose. The session redacts what it says itself (failures, the
debug log); everything an adapter builds from a response body passes through here, so no
renderer, resume line or JSON document (`--raw` included) can show one. Only the secret values
the run knows are replaced (static ones and those fetched at run time), never text that merely
looks like a credential: it is the server's text.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import replace
from typing import Any

from lro_cli.http import redact_data, redact_known
from lro_cli.model import ErrorInfo, Operation, PollFailure, PollResult, Progress, Resource
from lro_cli.providers.base import ListQuery, Provider

Secrets = Callable[[], list[str]]
# Shorter values are placeholders (`api_key: test`), not secrets: replacing them would rewrite
# ordinary words in ids and messages (`test-cluster` → `***-cluster`) and hide nothing.
MIN_SECRET_LENGTH = 8


class RedactedProvider:
    """`provider`, with every Operation and failure it returns redacted of `secrets()`.

    `secrets` is asked on each call: tokens fetched during the run count from then on.
    Anything else (an optional capability such as `cancel`) is the provider's own.
    """

    def __init__(self, provider: Provider, secrets: Secrets) -> None:
        self._provider = provider
        self._secrets = secrets
        self.name = provider.name
        self.default_interval = provider.default_interval
        self.start_response_hint = provider.start_response_hint

    def __getattr__(self, name: str) -> Any:
        return getattr(self._provider, name)

    def secrets(self) -> list[str]:
        return [secret for secret in self._secrets() if len(secret) >= MIN_SECRET_LENGTH]

    async def fetch(self, op_id: str) -> PollResult:
        return redact_result(await self._provider.fetch(op_id), self.secrets())

    def interval_for(self, op_type: str | None) -> float | None:
        return self._provider.interval_for(op_type)

    async def list_operations(self, query: ListQuery) -> AsyncIterator[Operation]:
        async for operation in self._provider.list_operations(query):
            yield redact_operation(operation, self.secrets())

    def ids_from_start_response(self, body: object, headers: Mapping[str, str]) -> list[str]:
        return self._provider.ids_from_start_response(body, headers)


def redact_result(result: PollResult, secrets: list[str]) -> PollResult:
    if result.operation is not None:
        operation = redact_operation(result.operation, secrets)
        return result if operation is result.operation else replace(result, operation=operation)
    if result.failure is not None:
        failure = redact_failure(result.failure, secrets)
        return result if failure is result.failure else replace(result, failure=failure)
    return result


def redact_failure(failure: PollFailure, secrets: list[str]) -> PollFailure:
    message = redact_known(failure.message, secrets)
    return failure if message == failure.message else replace(failure, message=message)


def redact_operation(operation: Operation, secrets: list[str]) -> Operation:
    """`operation` with no secret value in any of its text (ids, names, messages, raw)."""
    if not any(secrets):
        return operation

    def text(value: str | None) -> str | None:
        return None if value is None else redact_known(value, secrets)

    return replace(
        operation,
        id=redact_known(operation.id, secrets),
        type=text(operation.type),
        raw_state=text(operation.raw_state),
        resources=tuple(
            Resource(redact_known(r.id, secrets), text(r.type)) for r in operation.resources
        ),
        progress=_progress(operation.progress, text),
        error=_error(operation.error, text),
        raw=redact_data(operation.raw, secrets),
    )


Text = Callable[[str | None], str | None]


def _progress(progress: Progress | None, text: Text) -> Progress | None:
    if progress is None:
        return None
    counts = progress.counts
    if counts is not None:
        counts = {text(name) or "": value for name, value in counts.items()}
    return replace(
        progress, stage=text(progress.stage), message=text(progress.message), counts=counts
    )


def _error(error: ErrorInfo | None, text: Text) -> ErrorInfo | None:
    if error is None:
        return None
    details = {text(str(k)) or "": text(str(v)) or "" for k, v in error.details.items()}
    code = text(error.code) if isinstance(error.code, str) else error.code
    return replace(error, code=code, message=text(error.message), details=details)
