"""`lro wait`: block until every operation is terminal, then print what they created."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import signal
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from lro_cli.commands.progress import progress_reporter
from lro_cli.commands.runtime import (
    Adapters,
    Request,
    fail,
    load_config,
    policy_for,
    read_stdin_refs,
    resolve,
)
from lro_cli.engine import Engine, Target
from lro_cli.env import Env
from lro_cli.errors import ExitCode, LroError, UsageError, most_severe
from lro_cli.model import OperationRef, Outcome
from lro_cli.options import WaitOptions
from lro_cli.providers.base import Cancellable
from lro_cli.render.base import Reporter

OUTPUTS = ("ids", "json", "ndjson")
SIGNAL_EXITS = {signal.SIGINT: ExitCode.INTERRUPTED, signal.SIGTERM: ExitCode.TERMINATED}
ENDED_BY: dict[type[BaseException], ExitCode] = {
    BrokenPipeError: ExitCode.PIPE_CLOSED,
    KeyboardInterrupt: ExitCode.INTERRUPTED,
}


def run(opts: WaitOptions, env: Env) -> int:
    try:
        if opts.output not in OUTPUTS:
            raise UsageError(f"--output must be one of {', '.join(OUTPUTS)}, not {opts.output!r}")
        request = resolve(opts.ids, opts.common, load_config(opts.common, env), env)
    except LroError as error:
        return fail(env, error, opts.common.debug)
    return int(execute(opts, env, request).exit_code)


@dataclass(frozen=True)
class WaitResult:
    exit_code: ExitCode
    outcomes: Sequence[Outcome]


def execute(opts: WaitOptions, env: Env, request: Request, *, verb: str = "wait") -> WaitResult:
    """Wait on already-resolved operations (also `lro watch`'s and the demo's entry point)."""
    reporter = progress_reporter(env, opts.common, ndjson=opts.output == "ndjson", raw=opts.raw)
    run_result = RunState()
    try:
        outcomes = env.clock.run(_wait(opts, env, request, reporter, run_result))
    except LroError as error:
        # Refused before any poll (stdin, flags, profiles): one error line, no progress summary.
        if run_result.started:
            reporter.close([], error.exit_code)
        return WaitResult(ExitCode(fail(env, error, opts.common.debug)), [])
    except BaseException as error:
        # Never leave an animation on the screen; the summary says how the run really ends.
        reporter.close([], ENDED_BY.get(type(error), ExitCode.USAGE))
        raise
    code = finish(env, opts, reporter, outcomes, run_result, request.one_object, verb=verb)
    return WaitResult(code, outcomes)


def finish(
    env: Env,
    opts: WaitOptions,
    reporter: Reporter,
    outcomes: Sequence[Outcome],
    run_result: RunState,
    one_object: bool,
    *,
    verb: str = "wait",
    resume: str | None = None,
) -> ExitCode:
    """The end of a run: the exit code, the progress summary, results, errors, resume line."""
    code = exit_code_of(outcomes, run_result)
    reporter.close(outcomes, code)
    from lro_cli.commands.report import print_outcomes, print_results

    print_results(env, opts.output, outcomes, one_object, opts.raw)
    print_outcomes(
        env,
        outcomes,
        code,
        run_result.fail_fast_hit,
        errors=opts.common.quiet,
        cancel_asked=run_result.cancel_asked,
        verb=verb,
        resume=resume,
    )
    return code


class RunState:
    def __init__(self) -> None:
        self.signal_exit: ExitCode | None = None
        self.fail_fast_hit: Outcome | None = None
        self.started = False  # the engine is polling
        self.cancellers: Mapping[str, Cancellable] = {}  # with --cancel-on-interrupt
        self.cancel_asked: list[OperationRef] = []  # the provider accepted to cancel these


def exit_code_of(outcomes: Sequence[Outcome], run_result: RunState) -> ExitCode:
    if run_result.signal_exit is not None:
        return run_result.signal_exit
    if run_result.fail_fast_hit is not None:
        return run_result.fail_fast_hit.exit_code
    return most_severe(outcome.exit_code for outcome in outcomes)


async def _wait(
    opts: WaitOptions, env: Env, request: Request, reporter: Reporter, run_result: RunState
) -> list[Outcome]:
    async with Adapters(env, request.profiles, opts.common.debug) as adapters:
        if opts.cancel_on_interrupt:
            from lro_cli.commands.cancel import require_cancel

            run_result.cancellers = require_cancel(adapters, request.profiles)  # exit 2 first
        read_stdin_refs(request, adapters, env)
        targets = []
        for ref in request.refs:
            adapter = adapters[ref.profile]
            policy = policy_for(request.profiles[ref.profile], adapter, opts.common)
            targets.append(Target(ref, policy, functools.partial(adapter.fetch, ref.id)))
        engine = Engine(env.clock, reporter)
        on_signals(run_result)
        stdout_check = stop_when_stdout_closes(env, run_result)
        run_result.started = True
        try:
            outcomes = await engine.wait_all(targets, fail_fast=opts.fail_fast)
        except asyncio.CancelledError:
            if run_result.signal_exit is None:
                raise
            code = run_result.signal_exit
            stopped = engine.stopped(targets, code)
            # Only a person's Ctrl-C or a SIGTERM asks to cancel; a closed pipe does not.
            if run_result.cancellers and code is not ExitCode.PIPE_CLOSED:
                from lro_cli.commands.cancel import cancel_after_interrupt

                unfinished = [o.ref for o in stopped if o.ref not in engine.outcomes]
                run_result.cancel_asked = await cancel_after_interrupt(
                    env, run_result.cancellers, unfinished
                )
            return stopped
        finally:
            if stdout_check is not None:
                stdout_check.cancel()
        run_result.fail_fast_hit = engine.fail_fast_outcome
        return outcomes


def stop_when_stdout_closes(env: Env, run_result: RunState) -> asyncio.Future[None] | None:
    """A reader that went away (`lro wait -o ndjson … | head -1`) ends the run with 141 now,
    not at the next write, which may be hours away. Only a pipe can tell: its write end
    reports an error once the read end is closed."""
    import select

    try:
        fd = env.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # in-memory streams (tests)
        return None
    if env.stdout_tty or not hasattr(select, "poll"):
        return None
    poller = select.poll()
    poller.register(fd, select.POLLOUT)
    task = asyncio.current_task()

    async def check() -> None:
        while True:
            await env.clock.sleep(1.0)
            if any(events & (select.POLLERR | select.POLLHUP) for _, events in poller.poll(0)):
                run_result.signal_exit = ExitCode.PIPE_CLOSED
                if task is not None:
                    task.cancel()
                return

    return asyncio.ensure_future(check())


def on_signals(run_result: RunState) -> None:
    """SIGINT / SIGTERM stop the wait (never the operations) and lead to 130 / 143."""
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()

    def stop(code: ExitCode) -> None:
        run_result.signal_exit = code
        if task is not None:
            task.cancel()

    for signum, code in SIGNAL_EXITS.items():
        # Not the main thread (tests) or no signal support: default handling stays.
        with contextlib.suppress(RuntimeError, ValueError, NotImplementedError):
            loop.add_signal_handler(signum, stop, code)
