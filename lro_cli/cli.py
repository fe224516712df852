"""The thin Typer layer: flags become an Options value, `commands.<verb>.run(opts, env)` works.

Command modules are imported inside each function so that `lro --help` stays fast and never
loads httpx, yaml or the live renderer.
"""

from __future__ import annotations

import os
import sys
from typing import Annotated, Optional

import typer

from lro_cli import __version__
from lro_cli.options import (
    CommonOptions,
    ConfigOptions,
    DemoOptions,
    GetOptions,
    SimServeOptions,
    WaitOptions,
)


def _complete_profile(incomplete: str) -> list[str]:
    from lro_cli.config import profile_names_for_completion
    from lro_cli.env import Env

    path = Env.from_process().config_path(None)
    return [name for name in profile_names_for_completion(path) if name.startswith(incomplete)]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"lro {__version__}")
        raise typer.Exit(0)


app = typer.Typer(
    name="lro",
    help="Watch cloud long-running operations until they finish; exit codes scripts can trust.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
sim_app = typer.Typer(help="The embedded control-plane simulator.", no_args_is_help=True)
config_app = typer.Typer(
    help="Where the config file is, what it says, whether it is valid.", no_args_is_help=True
)
app.add_typer(sim_app, name="sim")
app.add_typer(config_app, name="config")


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """lro: one watcher for every cloud's long-running operations."""


Profile = Annotated[
    Optional[str],  # noqa: UP045 - Typer reads the annotation at run time on Python 3.10
    typer.Option(
        "--profile",
        "-p",
        help="Profile to use (default: LRO_PROFILE, then default_profile).",
        autocompletion=_complete_profile,
        show_default=False,
    ),
]
ConfigPath = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(
        "--config",
        help="Config file (default: LRO_CONFIG, then the user config dir).",
        show_default=False,
    ),
]
Timeout = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(
        "--timeout",
        help="Give up after this long (e.g. 30m, 2h, none); exit 124.",
        show_default=False,
    ),
]
Interval = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(
        "--interval",
        help="Poll every this long (e.g. 5s), overriding the profile.",
        show_default=False,
    ),
]
Plain = Annotated[bool, typer.Option("--plain", help="No animation: one line per change.")]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No progress, only results and errors.")]
Debug = Annotated[
    bool, typer.Option("--debug", help="HTTP exchanges on stderr (secrets redacted), tracebacks.")
]
Raw = Annotated[bool, typer.Option("--raw", help="Add the provider's raw payload to JSON.")]
Ids = Annotated[
    list[str],
    typer.Argument(help="Operation ids, PROFILE:ID, URLs, or - for stdin.", show_default=False),
]


def _common(
    profile: str | None,
    config: str | None,
    timeout: str | None = None,
    interval: str | None = None,
    plain: bool = False,
    quiet: bool = False,
    debug: bool = False,
) -> CommonOptions:
    return CommonOptions(
        profile=profile,
        config=config,
        timeout=timeout,
        interval=interval,
        plain=plain,
        quiet=quiet,
        debug=debug,
    )


def _finish(code: int) -> None:
    raise typer.Exit(code)


@app.command()
def get(
    ids: Ids,
    output: Annotated[str, typer.Option("--output", "-o", help="table or json.")] = "table",
    exit_status: Annotated[
        bool, typer.Option("--exit-status", help="Exit code follows the states, as wait would.")
    ] = False,
    profile: Profile = None,
    config: ConfigPath = None,
    raw: Raw = False,
    quiet: Quiet = False,
    debug: Debug = False,
) -> None:
    """Fetch each operation once and show it."""
    from lro_cli.commands import get as command
    from lro_cli.env import Env

    opts = GetOptions(
        tuple(ids), _common(profile, config, quiet=quiet, debug=debug), output, exit_status, raw
    )
    _finish(command.run(opts, Env.from_process()))


@app.command()
def wait(
    ids: Ids,
    output: Annotated[str, typer.Option("--output", "-o", help="ids, json or ndjson.")] = "ids",
    fail_fast: Annotated[
        bool, typer.Option("--fail-fast", help="Stop at the first failed or cancelled operation.")
    ] = False,
    profile: Profile = None,
    config: ConfigPath = None,
    timeout: Timeout = None,
    interval: Interval = None,
    plain: Plain = False,
    quiet: Quiet = False,
    debug: Debug = False,
    raw: Raw = False,
) -> None:
    """Block until every operation is finished; print the resources they created."""
    from lro_cli.commands import wait as command
    from lro_cli.env import Env

    common = _common(profile, config, timeout, interval, plain, quiet, debug)
    _finish(
        command.run(WaitOptions(tuple(ids), common, output, fail_fast, raw), Env.from_process())
    )


@app.command()
def demo(
    plain: Plain = False,
    quiet: Quiet = False,
    debug: Debug = False,
) -> None:
    """Run a scripted mix of operations on the embedded simulator: no account needed."""
    from lro_cli.commands import demo as command
    from lro_cli.env import Env

    opts = DemoOptions(_common(None, None, plain=plain, quiet=quiet, debug=debug))
    _finish(command.run(opts, Env.from_process()))


@sim_app.command("serve")
def sim_serve(
    port: Annotated[int, typer.Option("--port", help="Port on 127.0.0.1 (0: any free).")] = 0,
    scenario: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--scenario", help="Scenario file (YAML or JSON).", show_default=False),
    ] = None,
) -> None:
    """Serve the simulator on loopback and print the profiles that point at it."""
    from lro_cli.commands import sim as command
    from lro_cli.env import Env

    _finish(command.run(SimServeOptions(port=port, scenario=scenario), Env.from_process()))


def _config_command(action: str, profile: str | None, config: str | None) -> None:
    from lro_cli.commands import config as command
    from lro_cli.env import Env

    _finish(command.run(ConfigOptions(action, _common(profile, config)), Env.from_process()))


@config_app.command("path")
def config_path(config: ConfigPath = None) -> None:
    """Print where the config file is."""
    _config_command("path", None, config)


@config_app.command("show")
def config_show(config: ConfigPath = None, profile: Profile = None) -> None:
    """Print the profiles, every secret masked."""
    _config_command("show", profile, config)


@config_app.command("validate")
def config_validate(config: ConfigPath = None) -> None:
    """Check every profile and report every problem (exit 2 if any)."""
    _config_command("validate", None, config)


def main() -> None:
    """Console entry point: exit codes per SPEC.md, 141 when stdout closes early."""
    try:
        app()
    except BrokenPipeError:
        _quiet_stdout()
        sys.exit(141)
    except KeyboardInterrupt:
        sys.exit(130)


def _quiet_stdout() -> None:
    # Python would report the broken pipe again when it flushes stdout at exit.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except OSError:
        pass
