"""`lro list`: a profile's operations, every page followed, filtered, up to a total limit."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

from lro_cli.commands.runtime import Adapters, fail, load_config, print_error
from lro_cli.env import Env
from lro_cli.errors import LroError, UsageError
from lro_cli.model import Operation, State
from lro_cli.options import ListOptions

if TYPE_CHECKING:
    from lro_cli.config import Profile
    from lro_cli.providers.base import ListQuery

OUTPUTS = ("table", "json", "ndjson")
STATE_NAMES = ", ".join(state.value for state in State)
SINCE_EXAMPLES = "a duration like 2h or 90m, or an ISO 8601 time like 2026-01-31T09:00:00Z"


def run(opts: ListOptions, env: Env) -> int:
    try:
        query = build_query(opts, env.clock.now())
        from lro_cli import naming

        config = load_config(opts.common, env)
        name = naming.default_profile_name(config, opts.common.profile, env.environ)
        profile = config.profile(name, env.environ)
        # NDJSON goes out as each operation arrives, so `lro list -o ndjson | head` needs no
        # wait for the last page; the other outputs need every operation first.
        emit = _ndjson_writer(env, opts.raw) if opts.output == "ndjson" else None
        ops = env.clock.run(_collect(env, profile, query, opts.common.debug, emit))
    except LroError as error:
        return fail(env, error, opts.common.debug)
    if opts.output == "json":
        from lro_cli.render.json import dumps_many, operation_to_dict

        env.write_out(dumps_many(operation_to_dict(op, raw=opts.raw) for op in ops))
    elif opts.output == "table":
        _print_table(env, ops, name)
    return 0


def build_query(opts: ListOptions, now: datetime) -> ListQuery:
    """The flags as a ListQuery; UsageError (exit 2) for any that cannot be read."""
    from lro_cli.providers.base import ListQuery

    if opts.output not in OUTPUTS:
        raise UsageError(f"--output must be one of {', '.join(OUTPUTS)}, not {opts.output!r}")
    if opts.limit < 0:
        raise UsageError(f"--limit must be 0 (no limit) or more, not {opts.limit}")
    if any(not value for value in opts.types):
        raise UsageError("--type: an empty type matches nothing; name a provider type")
    return ListQuery(
        states=parse_states(opts.states),
        types=tuple(dict.fromkeys(opts.types)),  # once each: Gcore pushes a single type down
        since=None if opts.since is None else parse_since(opts.since, now),
        limit=opts.limit,
    )


def parse_states(values: Iterable[str]) -> tuple[State, ...]:
    """`--state` values, each repeatable or comma-separated, as States in the order given."""
    states: dict[State, None] = {}
    for value in values:
        for name in value.split(","):
            try:
                states[State(name.strip().lower())] = None
            except ValueError:
                raise UsageError(
                    f"--state: unknown state {name.strip()!r}; use one of {STATE_NAMES}"
                ) from None
    return tuple(states)


def parse_since(text: str, now: datetime) -> datetime:
    """`--since`: a duration before `now`, or an ISO 8601 time (no offset means UTC)."""
    from lro_cli.durations import parse_duration

    try:
        return now - timedelta(seconds=parse_duration(text))
    except ValueError:
        pass  # not a duration: perhaps a timestamp
    except OverflowError:
        raise UsageError(f"--since: {text!r} reaches before year 1") from None
    stripped = text.strip()
    # Python before 3.11 reads no `Z`; it means the same as +00:00.
    if stripped[-1:] in ("Z", "z"):
        stripped = stripped[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(stripped)
    except ValueError:
        raise UsageError(f"--since: cannot read {text!r}: expected {SINCE_EXAMPLES}") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


async def _collect(
    env: Env,
    profile: Profile,
    query: ListQuery,
    debug: bool,
    emit: Callable[[Operation], None] | None,
) -> list[Operation]:
    """The operations in the API's order; with `emit`, each is handed over instead of kept."""
    ops: list[Operation] = []
    async with Adapters(env, {profile.name: profile}, debug) as adapters:
        async for op in adapters[profile.name].list_operations(query):
            if emit is None:
                ops.append(op)
            else:
                emit(op)
    return ops


def _ndjson_writer(env: Env, raw: bool) -> Callable[[Operation], None]:
    from lro_cli.render.json import dumps_line, operation_to_dict

    def emit(op: Operation) -> None:
        # write_out flushes: a closed pipe raises BrokenPipeError here, which the CLI exits 141 on.
        env.write_out(dumps_line(operation_to_dict(op, raw=raw)))

    return emit


def _print_table(env: Env, ops: list[Operation], profile: str) -> None:
    if not ops:
        # An empty table (or a header alone) would read as a result: say so on stderr instead.
        print_error(env, f"no operations match (profile '{profile}')")
        return
    from lro_cli.render.table import operations_plain, operations_table

    if env.stdout_tty:
        env.out.print(operations_table(ops, env.clock.now(), width=env.out.width))
    else:
        env.write_out(operations_plain(ops, env.clock.now()))
