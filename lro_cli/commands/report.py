"""What `wait` prints once the waiting is over: results on stdout, problems on stderr."""

from __future__ import annotations

from collections.abc import Sequence

from lro_cli.env import Env
from lro_cli.errors import ExitCode
from lro_cli.model import OperationRef, Outcome
from lro_cli.render.words import WHAT_HAPPENED

STOPPED = (ExitCode.INTERRUPTED, ExitCode.TERMINATED)


def print_results(
    env: Env, output: str, outcomes: Sequence[Outcome], one_object: bool, raw: bool
) -> None:
    if output == "ids":
        from lro_cli.render.text import clean

        seen: set[str] = set()
        lines = []
        for outcome in outcomes:
            if outcome.exit_code is not ExitCode.OK or outcome.operation is None:
                continue
            for resource in outcome.operation.resources:
                # Server text, on a terminal as often as in `$(…)`: inert, and one per line.
                shown = clean(resource.id)
                if shown and shown not in seen:
                    seen.add(shown)
                    lines.append(shown)
        if lines:
            env.write_out("".join(f"{line}\n" for line in lines))
    elif output == "json":
        from lro_cli.render.json import dumps_outcomes

        env.write_out(dumps_outcomes(outcomes, one=one_object, raw=raw))


def label(outcome: Outcome) -> str:
    return f"{outcome.ref.profile}:{outcome.ref.id}"


def print_outcomes(
    env: Env,
    outcomes: Sequence[Outcome],
    code: ExitCode,
    fail_fast_hit: Outcome | None,
    *,
    errors: bool,
    cancel_asked: Sequence[OperationRef] = (),
    verb: str = "wait",
    resume: str | None = None,
) -> None:
    """How to resume what still runs; with `errors`, one line per operation that did not succeed
    (otherwise the progress log has already said so). `cancel_asked`: operations the provider
    accepted to cancel (`--cancel-on-interrupt`). The resume line is `lro VERB` naming what still
    runs, unless `resume` gives the whole command."""
    from lro_cli.commands.runtime import print_error
    from lro_cli.naming import resume_command

    for outcome in outcomes if errors else ():
        what = WHAT_HAPPENED.get(outcome.exit_code)
        if what is None:
            continue
        state = outcome.operation.state.value if outcome.operation else "never seen"
        detail = f": {outcome.message}" if outcome.message else ""
        print_error(env, f"{label(outcome)} {what} (last state {state}){detail}")
    still_running = [
        o.ref for o in outcomes if o.exit_code in (ExitCode.TIMEOUT, ExitCode.IN_PROGRESS, *STOPPED)
    ]
    if not still_running:
        return
    if code in STOPPED:
        reason = "interrupted"
    elif fail_fast_hit is not None:
        reason = f"stopped at {label(fail_fast_hit)} (--fail-fast)"
    else:
        reason = "timed out"
    count = len(still_running)
    noun = "operation still runs" if count == 1 else "operations still run"
    asked = sum(1 for ref in still_running if ref in cancel_asked)
    cancelled = "nothing was cancelled"
    if asked:
        cancelled = "cancel requested" + ("" if asked == count else f" for {asked} of them")
    print_error(
        env,
        f"{reason}: {count} {noun} server-side; {cancelled}. "
        f"Resume with: {resume or resume_command(verb, still_running)}",
    )
