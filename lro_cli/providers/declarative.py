"""The `http` dialect: any JSON API, described by rules in the profile (SPEC.md "Configuration").

Like botocore's waiters, the conditions are data: `Rules` holds the profile's dotted paths and
its `states` table, and one reader applies them to whatever the server sends. Nothing here
knows a particular API; a body the rules cannot read is a classified failure, never an exception.
"""

from __future__ import annotations

import json
import math
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from lro_cli.config import Profile
from lro_cli.config_schema import OPTION_DEFAULTS
from lro_cli.config_values import json_text
from lro_cli.errors import ConfigError, ProtocolError, UsageError
from lro_cli.http import HttpSession, Params, segment
from lro_cli.model import ErrorInfo, Operation, PollResult, Progress, Resource, State
from lro_cli.providers import json_path
from lro_cli.providers.base import ListQuery
from lro_cli.providers.failures import error_for
from lro_cli.providers.fields import ident, is_url, malformed, text
from lro_cli.providers.listing import take, unique

DEFAULTS = OPTION_DEFAULTS["http"]
NULL = json_text(None)  # a `states` key for a JSON null, when a profile maps one


@dataclass(frozen=True)
class Rules:
    """A profile's description of its API: where each field is, and what each raw state means."""

    get: str
    state_path: str
    states: Mapping[str, State]  # keyed by the raw value as JSON text (`json_text`)
    progress_path: str | None = None
    progress_max: float = 100.0
    error_path: str | None = None
    resource_paths: tuple[str, ...] = ()
    start_id_paths: tuple[str, ...] = ()
    list_path: str | None = None
    items_path: str | None = None
    id_path: str = "id"
    next_path: str | None = None
    cursor_param: str = "cursor"

    @classmethod
    def from_profile(cls, profile: Profile) -> Rules:
        options = {**DEFAULTS, **profile.options}
        missing = [key for key in ("get", "state_path", "states") if not options.get(key)]
        if missing:
            raise ConfigError(f"profile '{profile.name}': provider http needs {', '.join(missing)}")
        return cls(
            get=str(options["get"]),
            state_path=str(options["state_path"]),
            # Config has already keyed these by JSON text; json_text again is a no-op for them
            # and lets a Profile built in code use YAML-like keys (True, 3) too.
            states={json_text(raw): State(state) for raw, state in options["states"].items()},
            progress_path=options["progress_path"],
            progress_max=float(options["progress_max"] or DEFAULTS["progress_max"]),
            error_path=options["error_path"],
            resource_paths=_paths(options["resource_path"]),
            start_id_paths=_paths(options["start_id_path"]),
            list_path=options["list"],
            items_path=options["items_path"],
            id_path=str(options["id_path"] or DEFAULTS["id_path"]),
            next_path=options["next_path"],
            cursor_param=str(options["cursor_param"] or DEFAULTS["cursor_param"]),
        )


class DeclarativeProvider:
    """The `http` dialect: the profile's `Rules` applied to one exchange at a time."""

    name = "http"
    default_interval = 5.0

    def __init__(self, profile: Profile, session: HttpSession) -> None:
        self.profile = profile
        self.session = session
        self.rules = Rules.from_profile(profile)
        paths = " or ".join(f"'{path}'" for path in self.rules.start_id_paths)
        self.start_response_hint = (
            f"a JSON response with the operation id (or a list of ids) at {paths}"
            if paths
            else "a profile with start_id_path (the dotted path to the operation id in a "
            f"starting response); profile '{profile.name}' sets none"
        )

    async def fetch(self, op_id: str) -> PollResult:
        path = op_id if is_url(op_id) else self.rules.get.replace("{id}", segment(op_id))
        reply = await self.session.get(path)
        if reply.failure is not None:
            return PollResult(failure=reply.failure, retry_after=reply.retry_after)
        document = _json(reply.body)
        if document is json_path.MISSING:
            return malformed("the response is not JSON", reply.retry_after)
        problem = self._state_problem(document)
        if problem is not None:
            return malformed(problem, reply.retry_after)
        own = ident(json_path.get(document, self.rules.id_path)) if is_url(op_id) else None
        return PollResult(
            operation=self.operation(document, own or op_id), retry_after=reply.retry_after
        )

    def interval_for(self, op_type: str | None) -> float | None:
        return None  # the profile's own interval_by_type is applied by the engine's policy

    def list_operations(self, query: ListQuery) -> AsyncIterator[Operation]:
        return take(self._pages(), query)

    async def _pages(self) -> AsyncIterator[list[Operation | None]]:
        rules = self.rules
        if rules.list_path is None:
            raise UsageError(
                f"profile '{self.profile.name}' has no `list`: set list (the path that lists "
                "operations) and items_path in its config to use lro list"
            )
        context = f"listing operations of profile '{self.profile.name}'"
        target, params = rules.list_path, None
        seen: set[str] = set()
        while True:
            reply = await self.session.get(target, params)
            if reply.failure is not None:
                raise error_for(reply.failure, context)
            page = _json(reply.body)
            if page is json_path.MISSING:
                raise ProtocolError(f"{context}: the response is not JSON")
            items = page if rules.items_path is None else json_path.get(page, rules.items_path)
            if not isinstance(items, list):
                where = f"at items_path '{rules.items_path}'" if rules.items_path else ""
                raise ProtocolError(f"{context}: the response has no list {where}".rstrip())
            yield [self._listed(item) for item in items]
            cursor = ident(json_path.get(page, rules.next_path)) if rules.next_path else None
            # An empty page or a cursor seen before ends the list: a server that repeats itself
            # must not keep `lro list` going for ever.
            if not items or cursor is None or cursor in seen:
                return
            seen.add(cursor)
            target, params = self._next_page(cursor, context)

    def _listed(self, item: object) -> Operation | None:
        op_id = ident(json_path.get(item, self.rules.id_path))
        return self.operation(item, op_id) if op_id else None

    def ids_from_start_response(self, body: object, headers: Mapping[str, str]) -> list[str]:
        found: list[str | None] = []
        for path in self.rules.start_id_paths:
            value = json_path.get(body, path)
            found += [ident(item) for item in (value if isinstance(value, list) else [value])]
        return unique(found)

    def operation(self, document: object, op_id: str) -> Operation:
        """The normalized view of one document; a state it lacks reads as unknown."""
        rules = self.rules
        value = json_path.get(document, rules.state_path)
        # An unmapped null is no state at all; a profile may still map `null` explicitly.
        raw_state = None if value is None and NULL not in rules.states else _scalar(value)
        return Operation(
            profile=self.profile.name,
            provider=self.name,
            id=op_id,
            state=rules.states.get(raw_state, State.UNKNOWN) if raw_state else State.UNKNOWN,
            raw_state=raw_state,
            type=None,  # the http dialect has no rule for a type
            resources=self._resources(document),
            progress=self._progress(document),
            error=self._error(document),
            raw=document if isinstance(document, dict) else None,
        )

    def _state_problem(self, document: object) -> str | None:
        """Why the state cannot be read from a fetched document, or None when it can."""
        path = self.rules.state_path
        value = json_path.get(document, path)
        if value is json_path.MISSING:
            return f"the response has no state at state_path '{path}'"
        if value is None and NULL not in self.rules.states:
            return f"the state at state_path '{path}' is null"
        if _scalar(value) is None:
            return f"state_path '{path}' names {_kind(value)}, not a state value"
        return None

    def _progress(self, document: object) -> Progress | None:
        if self.rules.progress_path is None:
            return None
        value = json_path.get(document, self.rules.progress_path)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return None
        try:
            fraction = value / self.rules.progress_max
        except OverflowError:  # an integer too large for a float is no progress report
            return None
        if not math.isfinite(fraction):
            return None
        return Progress(fraction=min(1.0, max(0.0, fraction)))

    def _error(self, document: object) -> ErrorInfo | None:
        if self.rules.error_path is None:
            return None
        value = json_path.get(document, self.rules.error_path)
        if isinstance(value, dict):
            message, code = text(value.get("message")), ident(value.get("code"))
        else:
            message, code = text(value), None
        if message is None and code is None:
            return None
        return ErrorInfo(code=code, message=message)

    def _resources(self, document: object) -> tuple[Resource, ...]:
        found: list[Resource] = []
        for path in self.rules.resource_paths:
            value = json_path.get(document, path)
            for item in value if isinstance(value, list) else [value]:
                resource_id = ident(item)
                if resource_id:
                    found.append(Resource(resource_id))
        return tuple(found)

    def _next_page(self, cursor: str, context: str) -> tuple[str, Params | None]:
        """Where the next page is: a same-origin URL as given, or the list path with the cursor."""
        if not is_url(cursor):
            return self.rules.list_path or "", [(self.rules.cursor_param, cursor)]
        if not self.session.same_origin(cursor):
            # Only the host is shown: the URL came from the server and may carry anything.
            host = _host(cursor)
            raise ProtocolError(
                f"{context}: the next page is on another origin ({host}): not followed "
                "(credentials go only to the profile's own origin)"
            )
        return cursor, None


def _paths(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    return tuple(str(item) for item in value) if isinstance(value, (list, tuple)) else ()


def _json(body: bytes) -> Any:
    """The body as JSON, or MISSING when it is not JSON."""
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return json_path.MISSING


def _scalar(value: object) -> str | None:
    """A JSON scalar as the text `states` is keyed by; None for nothing, a list or an object."""
    if value is json_path.MISSING or isinstance(value, (dict, list)):
        return None
    return json_text(value)


def _kind(value: object) -> str:
    return "an object" if isinstance(value, dict) else "a list"


def _host(url: str) -> str:
    try:
        return urlsplit(url).hostname or "an unknown host"
    except ValueError:
        return "an unknown host"
