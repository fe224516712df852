"""`lro get`: fetch each operation once and show it."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from lro_cli.commands.runtime import (
    Adapters,
    Request,
    fail,
    load_config,
    read_stdin_refs,
    resolve,
)
from lro_cli.engine import EXIT_BY_FAILURE, EXIT_BY_STATE
from lro_cli.env import Env
from lro_cli.errors import ExitCode, LroError, UsageError, most_severe
from lro_cli.model import FailureKind, OperationRef, Outcome, PollResult
from lro_cli.options import GetOptions

OUTPUTS = ("table", "json")
# `get` answers for its call: a transient failure is not retried here, it is the answer.
EXIT_BY_CALL_FAILURE = {
    **EXIT_BY_FAILURE,
    FailureKind.NOT_FOUND: ExitCode.NOT_FOUND,
    FailureKind.TRANSIENT: ExitCode.UNREACHABLE,
    FailureKind.UNREACHABLE: ExitCode.UNREACHABLE,
    FailureKind.MALFORMED: ExitCode.PROTOCOL,
}


def run(opts: GetOptions, env: Env) -> int:
    try:
        if opts.output not in OUTPUTS:
            raise UsageError(f"--output must be one of {', '.join(OUTPUTS)}, not {opts.output!r}")
        request = resolve(opts.ids, opts.common, load_config(opts.common, env), env)
        outcomes = env.clock.run(_fetch_all(opts, env, request))
    except LroError as error:
        return fail(env, error, opts.common.debug)
    _show(opts, env, outcomes, request.one_object)
    from lro_cli.commands.report import label
    from lro_cli.commands.runtime import print_error

    for outcome in outcomes:
        if outcome.operation is None:
            print_error(env, f"{label(outcome)}: {outcome.message}")
    return int(_exit_code(outcomes, opts.exit_status))


async def _fetch_all(opts: GetOptions, env: Env, request: Request) -> list[Outcome]:
    async with Adapters(env, request.profiles, opts.common.debug) as adapters:
        read_stdin_refs(request, adapters, env)
        results = await asyncio.gather(
            *(adapters[ref.profile].fetch(ref.id) for ref in request.refs)
        )
    return [_outcome(ref, result) for ref, result in zip(request.refs, results, strict=True)]


def _outcome(ref: OperationRef, result: PollResult) -> Outcome:
    if result.operation is not None:
        state_code = EXIT_BY_STATE.get(result.operation.state, ExitCode.IN_PROGRESS)
        return Outcome(ref, state_code, result.operation)
    assert result.failure is not None
    code = EXIT_BY_CALL_FAILURE[result.failure.kind]
    return Outcome(ref, code, None, result.failure.message)


def _exit_code(outcomes: Sequence[Outcome], exit_status: bool) -> ExitCode:
    codes = []
    for outcome in outcomes:
        if outcome.operation is None or exit_status:
            codes.append(outcome.exit_code)
    return most_severe(codes)


def _show(opts: GetOptions, env: Env, outcomes: Sequence[Outcome], one_object: bool) -> None:
    found = [o for o in outcomes if o.operation is not None]
    if opts.output == "json":
        from lro_cli.render.json import dumps_outcomes

        env.write_out(dumps_outcomes(outcomes, one=one_object, raw=opts.raw))
        return
    operations = [o.operation for o in found if o.operation is not None]
    if not operations:
        return
    from lro_cli.render.table import operations_plain, operations_table

    if env.stdout_tty:
        env.out.print(operations_table(operations, env.clock.now(), width=env.out.width))
    else:
        env.write_out(operations_plain(operations, env.clock.now()))
