"""`lro cancel`: ask the provider to cancel operations, where its API can (Google's `:cancel`).

Also what `lro wait --cancel-on-interrupt` does when a signal stops the wait.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence

from lro_cli.commands.runtime import (
    Adapters,
    Request,
    fail,
    load_config,
    print_error,
    read_stdin_refs,
    resolve,
)
from lro_cli.config import Profile
from lro_cli.env import Env
from lro_cli.errors import ExitCode, LroError, UsageError, most_severe
from lro_cli.model import OperationRef
from lro_cli.options import CancelOptions
from lro_cli.providers.base import Cancellable, cancel_capability


def run(opts: CancelOptions, env: Env) -> int:
    try:
        request = resolve(opts.ids, opts.common, load_config(opts.common, env), env)
        codes = env.clock.run(_cancel_all(opts, env, request))
    except LroError as error:
        return fail(env, error, opts.common.debug)
    return int(most_severe(codes))


async def _cancel_all(opts: CancelOptions, env: Env, request: Request) -> list[ExitCode]:
    async with Adapters(env, request.profiles, opts.common.debug) as adapters:
        cancellers = require_cancel(adapters, request.profiles)
        read_stdin_refs(request, adapters, env)
        codes = await ask_to_cancel(env, cancellers, request.refs, follow_hint=True)
    return list(codes.values())


def require_cancel(adapters: Adapters, profiles: Mapping[str, Profile]) -> dict[str, Cancellable]:
    """Each profile's cancel; UsageError (exit 2) naming those that cannot, before any request."""
    found = {name: cancel_capability(adapters[name]) for name in profiles}
    missing = [profiles[name] for name, canceller in found.items() if canceller is None]
    if missing:
        named = ", ".join(f"'{p.provider}' (profile '{p.name}')" for p in missing)
        raise UsageError(f"provider {named} cannot cancel operations: its API has no cancel")
    return {name: canceller for name, canceller in found.items() if canceller is not None}


async def ask_to_cancel(
    env: Env,
    cancellers: Mapping[str, Cancellable],
    refs: Sequence[OperationRef],
    *,
    follow_hint: bool,
) -> dict[OperationRef, ExitCode]:
    """Ask for each operation at once; one line on stderr each, accepted or refused.

    OK for an accepted request; a refusal's code as `get` gives it for a single call (a 501
    UNIMPLEMENTED is a rejected request: 7).
    """
    from lro_cli.commands.get import EXIT_BY_CALL_FAILURE
    from lro_cli.naming import resume_command

    failures = await asyncio.gather(*(cancellers[ref.profile].cancel(ref.id) for ref in refs))
    codes: dict[OperationRef, ExitCode] = {}
    for ref, failure in zip(refs, failures, strict=True):
        label = f"{ref.profile}:{ref.id}"
        if failure is None:
            hint = f" Follow with: {resume_command('wait', [ref])}" if follow_hint else ""
            print_error(env, f"{label}: asked the provider to cancel; it may still finish.{hint}")
            codes[ref] = ExitCode.OK
        else:
            print_error(env, f"{label}: cancel refused: {failure.message}")
            codes[ref] = EXIT_BY_CALL_FAILURE[failure.kind]
    return codes


# A stopped run should end promptly: CI runners send SIGKILL some seconds after SIGTERM.
INTERRUPT_GRACE = 5.0


async def cancel_after_interrupt(
    env: Env, cancellers: Mapping[str, Cancellable], refs: Sequence[OperationRef]
) -> list[OperationRef]:
    """`wait --cancel-on-interrupt`: ask for every unfinished operation, within a short grace.

    Returns those the provider accepted. A second signal or the grace running out abandons the
    requests still in flight (and says so), never the exit.
    """
    if not refs:
        return []
    try:
        codes = await asyncio.wait_for(
            ask_to_cancel(env, cancellers, refs, follow_hint=False), INTERRUPT_GRACE
        )
    except asyncio.TimeoutError:
        print_error(env, f"cancel requests abandoned: no answer within {INTERRUPT_GRACE:g} s")
        return []
    except asyncio.CancelledError:
        print_error(env, "cancel requests abandoned: interrupted again")
        return []
    return [ref for ref, code in codes.items() if code is ExitCode.OK]
