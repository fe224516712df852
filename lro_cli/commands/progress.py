"""Which progress display a waiting command gets (SPEC.md "Streams")."""

from __future__ import annotations

from lro_cli.engine import TICK_SECONDS
from lro_cli.env import Env
from lro_cli.options import CommonOptions
from lro_cli.render.base import Reporter

HEARTBEAT_EVERY = 300.0  # SPEC.md: without a TTY, a line at least every 5 minutes


def progress_reporter(
    env: Env, common: CommonOptions, *, ndjson: bool = False, raw: bool = False
) -> Reporter:
    """The live table on a TTY, plain lines otherwise, nothing with --quiet; NDJSON to stdout;
    GitHub annotations and a job summary under GitHub Actions."""
    from lro_cli.render.ndjson import FanoutReporter, NdjsonReporter, NullReporter

    progress: Reporter
    if common.quiet:
        progress = NullReporter()
    elif env.animates(common.plain):
        from lro_cli.render.live import LiveReporter

        progress = LiveReporter(env.err, env.clock.now, env.clock.monotonic)
    else:
        from lro_cli.render.plain import PlainReporter

        # The engine ticks every TICK_SECONDS: a heartbeat due before the next tick goes out at
        # this one, so that no silence lasts longer than HEARTBEAT_EVERY.
        progress = PlainReporter(
            env.write_err,
            env.clock.now,
            env.clock.monotonic,
            heartbeat_every=HEARTBEAT_EVERY - TICK_SECONDS,
        )
    reporters: list[Reporter] = [progress]
    if env.environ.get("GITHUB_ACTIONS") == "true":
        from pathlib import Path

        from lro_cli.render.github import GitHubReporter

        # Annotations are errors, so they are written under --quiet too.
        summary = env.environ.get("GITHUB_STEP_SUMMARY")
        reporters.append(
            GitHubReporter(env.write_err, env.clock.now, Path(summary) if summary else None)
        )
    if ndjson:
        reporters.append(NdjsonReporter(env.write_out, env.clock.now, raw=raw))
    return reporters[0] if len(reporters) == 1 else FanoutReporter(*reporters)
