"""`lro watch`: the live table of many operations, named or found by listing (`--running`)."""

from __future__ import annotations

import asyncio
import functools
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import replace

from lro_cli.commands import wait
from lro_cli.commands.progress import progress_reporter
from lro_cli.commands.runtime import (
    Adapters,
    fail,
    load_config,
    parse_duration_flag,
    policy_for,
    resolve,
)
from lro_cli.config import Config, Profile
from lro_cli.engine import Engine, Target
from lro_cli.env import Env
from lro_cli.errors import ExitCode, LroError, UsageError
from lro_cli.model import OperationRef, Outcome, State
from lro_cli.options import WaitOptions, WatchOptions
from lro_cli.providers.base import ListQuery
from lro_cli.render.base import Reporter

OUTPUTS = ("none", "json", "ndjson")
RELIST_EVERY = 30.0  # --running: list again this often (a list is pages of requests: modest)
IN_PROGRESS_QUERY = ListQuery(states=(State.PENDING, State.RUNNING), limit=0)
# A listing that fails for these reasons is tried again at the next relist; others end the run.
_LISTING_TRANSIENT = (ExitCode.UNREACHABLE, ExitCode.PROTOCOL, ExitCode.NOT_FOUND)


def run(opts: WatchOptions, env: Env) -> int:
    try:
        if opts.output not in OUTPUTS:
            raise UsageError(f"--output must be one of {', '.join(OUTPUTS)}, not {opts.output!r}")
        if opts.until_idle and not opts.running:
            raise UsageError("--until-idle goes with --running")
        if opts.running:
            if opts.ids:
                raise UsageError("name operations or use --running, not both")
            return _follow_running(opts, env, load_config(opts.common, env))
        if not opts.ids:
            raise UsageError(
                "name the operations to watch (ids, PROFILE:ID, URLs or -), "
                "or follow a profile's with --running --profile P"
            )
        if len(opts.profiles) > 1:
            raise UsageError(
                "--profile is repeatable only with --running; name operations as PROFILE:ID "
                "to watch several profiles"
            )
        request = resolve(opts.ids, opts.common, load_config(opts.common, env), env)
    except LroError as error:
        return fail(env, error, opts.common.debug)
    # SPEC.md: `watch --output json` is the final array, whatever the command line names.
    request = replace(request, one_object=False)
    return int(wait.execute(_as_wait(opts), env, request, verb="watch").exit_code)


def _as_wait(opts: WatchOptions) -> WaitOptions:
    return WaitOptions(opts.ids, opts.common, opts.output, opts.fail_fast, opts.raw)


def _follow_running(opts: WatchOptions, env: Env, config: Config) -> int:
    """`--running`: every in-progress operation the profiles' list endpoints show."""
    from lro_cli import naming

    names = opts.profiles or (naming.default_profile_name(config, None, env.environ),)
    profiles = {name: config.profile(name, env.environ) for name in dict.fromkeys(names)}
    every = parse_duration_flag("--relist", opts.relist) or RELIST_EVERY
    wait_opts = _as_wait(opts)
    reporter = progress_reporter(env, opts.common, ndjson=opts.output == "ndjson", raw=opts.raw)
    run_state = wait.RunState()
    following = _Following(opts, env, profiles, every, reporter, run_state)
    try:
        outcomes = env.clock.run(following.run())
    except LroError as error:
        if run_state.started:
            reporter.close([], error.exit_code)
        return fail(env, error, opts.common.debug)
    except BaseException as error:
        reporter.close([], wait.ENDED_BY.get(type(error), ExitCode.USAGE))
        raise
    if not outcomes and opts.until_idle and not opts.common.quiet:
        env.write_err(f"lro: nothing in progress on {_names(profiles)}\n")
    resume = shlex.join(["lro", "watch", "--running", *_profile_flags(profiles)])
    code = wait.finish(
        env, wait_opts, reporter, outcomes, run_state, False, verb="watch", resume=resume
    )
    return int(code)


class _Following:
    """One `watch --running` run: the first listing, then the engine following what it finds."""

    def __init__(
        self,
        opts: WatchOptions,
        env: Env,
        profiles: Mapping[str, Profile],
        every: float,
        reporter: Reporter,
        run_state: wait.RunState,
    ) -> None:
        self.opts = opts
        self.env = env
        self.profiles = profiles
        self.every = every
        self.reporter = reporter
        self.run_state = run_state

    async def run(self) -> list[Outcome]:
        async with Adapters(self.env, self.profiles, self.opts.common.debug) as adapters:
            policies = {
                name: policy_for(profile, adapters[name], self.opts.common)
                for name, profile in self.profiles.items()
            }

            failing = False

            async def discover() -> list[Target]:
                nonlocal failing
                found: list[Target] = []
                for name, profile in self.profiles.items():
                    adapter = adapters[name]
                    try:
                        async for op in adapter.list_operations(IN_PROGRESS_QUERY):
                            ref = OperationRef(name, profile.provider, op.id, f"{name}:{op.id}")
                            fetch = functools.partial(adapter.fetch, op.id)
                            found.append(Target(ref, policies[name], fetch))
                    except LroError as error:
                        if not self.run_state.started or error.exit_code not in _LISTING_TRANSIENT:
                            raise
                        failing = True
                        self.reporter.notice(
                            f"listing profile '{name}' failed ({error.message}); "
                            f"trying again in {self.every:g}s"
                        )
                        return found
                if failing:
                    failing = False
                    self.reporter.notice(self._following_text())
                return found

            initial = await discover()  # a profile that cannot list: exit 2 before anything
            self.reporter.notice(self._following_text())
            engine = Engine(self.env.clock, self.reporter)
            wait.on_signals(self.run_state)
            stdout_check = wait.stop_when_stdout_closes(self.env, self.run_state)
            self.run_state.started = True
            try:
                outcomes = await engine.follow(
                    initial,
                    discover,
                    every=self.every,
                    until_idle=self.opts.until_idle,
                    fail_fast=self.opts.fail_fast,
                )
            except asyncio.CancelledError:
                if self.run_state.signal_exit is None:
                    raise
                return engine.stopped(engine.followed, self.run_state.signal_exit)
            finally:
                if stdout_check is not None:
                    stdout_check.cancel()
            self.run_state.fail_fast_hit = engine.fail_fast_outcome
            return outcomes

    def _following_text(self) -> str:
        until = "until none is left" if self.opts.until_idle else "until interrupted"
        return (
            f"following in-progress operations of {_names(self.profiles)}, "
            f"listing every {self.every:g}s, {until}"
        )


def _names(profiles: Mapping[str, Profile]) -> str:
    return ", ".join(f"'{name}'" for name in profiles)


def _profile_flags(profiles: Mapping[str, Profile]) -> Sequence[str]:
    return [word for name in profiles for word in ("--profile", name)]
