"""The thin Typer layer: flags become an Options value, `commands.<verb>.run(opts, env)` works.

Command modules are imported inside each function so that `lro --help` stays fast and never
loads httpx, yaml or the live renderer.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer
from typer.core import TyperGroup

from lro_cli import __version__
from lro_cli.cli_coercion import defer_typer_coercion

if TYPE_CHECKING:
    from lro_cli.options import CommonOptions

defer_typer_coercion()


def _complete_profile(ctx: typer.Context, incomplete: str) -> list[str]:
    from lro_cli.config import profile_names_for_completion
    from lro_cli.env import Env

    # A `--config` earlier on the line names the file; a shell's Tab must never see a traceback.
    config = ctx.params.get("config")
    try:
        path = Env.from_process().config_path(config if isinstance(config, str) else None)
    except Exception:  # e.g. `--config ~nobody/x.yaml`: no such user to expand
        return []
    return [name for name in profile_names_for_completion(path) if name.startswith(incomplete)]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"lro {__version__}")
        raise typer.Exit(0)


class _Lro(TyperGroup):
    """The root command: standard output closed early is exit 141 (Typer would exit 1), and a
    bad flag or argument is one line on stderr and exit 2 (Typer prints usage, a blank line and
    a boxed error)."""

    def make_context(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().make_context(*args, **kwargs)
        except Exception as error:
            _one_line_usage_error(error)
            raise

    def invoke(self, ctx: Any) -> Any:  # a Context of the click that Typer vendors
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            _quiet_stdout()
            raise typer.Exit(141) from None
        except Exception as error:
            _one_line_usage_error(error)
            raise


def _one_line_usage_error(error: Exception) -> None:
    """Raise typer.Exit(2) after one line for a usage error; return for anything else."""
    # By class name: Typer vendors click from 0.2x on, and used click itself before.
    names = [cls.__name__ for cls in type(error).__mro__]
    # `lro` or `lro sim` alone shows the help, which click raises as a usage error too.
    if "UsageError" not in names or "NoArgsIsHelpError" in names:
        return
    ctx = getattr(error, "ctx", None)
    path = getattr(ctx, "command_path", None) or "lro"
    message = " ".join(str(error.format_message()).split())  # type: ignore[attr-defined]
    sys.stderr.write(f"{path}: {message} (see '{path} -h')\n")
    raise typer.Exit(2) from None


# Plain help and usage errors (rich_markup_mode=None): Typer's Rich help costs more start-up
# time than all the rest of `lro --help`. Short helps keep the command lists untruncated at 80
# columns.
app = typer.Typer(
    cls=_Lro,
    name="lro",
    help="Watch cloud long-running operations until they finish; exit codes scripts can trust.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)
sim_app = typer.Typer(
    help="The embedded control-plane simulator.", no_args_is_help=True, rich_markup_mode=None
)
config_app = typer.Typer(
    help="Where the config file is, what it says, whether it is valid.",
    no_args_is_help=True,
    rich_markup_mode=None,
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
        metavar="PROFILE",
        help="Profile to use (default: LRO_PROFILE, then default_profile).",
        autocompletion=_complete_profile,
        show_default=False,
    ),
]
ConfigPath = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(
        "--config",
        metavar="FILE",
        help="Config file (default: LRO_CONFIG, then the user config dir).",
        show_default=False,
    ),
]
Timeout = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(
        "--timeout",
        metavar="DURATION",
        help="Give up after this long (e.g. 30m, 2h, none); exit 124.",
        show_default=False,
    ),
]
Interval = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(
        "--interval",
        metavar="DURATION",
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
FailFast = Annotated[
    bool, typer.Option("--fail-fast", help="Stop at the first failed or cancelled operation.")
]
Ids = Annotated[
    list[str],
    typer.Argument(
        metavar="ID", help="Operation ids, PROFILE:ID, URLs, or - for stdin.", show_default=False
    ),
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
    from lro_cli.options import CommonOptions

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
    output: Annotated[
        str, typer.Option("--output", "-o", metavar="FORMAT", help="table or json.")
    ] = "table",
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
    from lro_cli.options import GetOptions

    opts = GetOptions(
        tuple(ids), _common(profile, config, quiet=quiet, debug=debug), output, exit_status, raw
    )
    _finish(command.run(opts, Env.from_process()))


@app.command(short_help="Block until every operation is finished; print what they created.")
def wait(
    ids: Ids,
    output: Annotated[
        str, typer.Option("--output", "-o", metavar="FORMAT", help="ids, json or ndjson.")
    ] = "ids",
    fail_fast: FailFast = False,
    profile: Profile = None,
    config: ConfigPath = None,
    timeout: Timeout = None,
    interval: Interval = None,
    plain: Plain = False,
    quiet: Quiet = False,
    debug: Debug = False,
    raw: Raw = False,
    cancel_on_interrupt: Annotated[
        bool,
        typer.Option(
            "--cancel-on-interrupt",
            help="On Ctrl-C / SIGTERM, ask the provider to cancel what still runs.",
        ),
    ] = False,
) -> None:
    """Block until every operation is finished; print the resources they created."""
    from lro_cli.commands import wait as command
    from lro_cli.env import Env
    from lro_cli.options import WaitOptions

    common = _common(profile, config, timeout, interval, plain, quiet, debug)
    opts = WaitOptions(
        tuple(ids), common, output, fail_fast, raw, cancel_on_interrupt=cancel_on_interrupt
    )
    _finish(command.run(opts, Env.from_process()))


@app.command(short_help="Live table of operations from any profiles (--running: follow them).")
def watch(
    ids: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Argument(
            metavar="ID",
            help="Operation ids, PROFILE:ID, URLs, or - for stdin.",
            show_default=False,
        ),
    ] = None,
    running: Annotated[
        bool,
        typer.Option(
            "--running", help="Follow every in-progress operation the --profile lists show."
        ),
    ] = False,
    until_idle: Annotated[
        bool, typer.Option("--until-idle", help="With --running: stop when none is left.")
    ] = False,
    profile: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option(
            "--profile",
            "-p",
            metavar="PROFILE",
            help="Profile to use; repeatable with --running.",
            autocompletion=_complete_profile,
            show_default=False,
        ),
    ] = None,
    output: Annotated[
        str,
        typer.Option("--output", "-o", metavar="FORMAT", help="none, json (at the end) or ndjson."),
    ] = "none",
    fail_fast: FailFast = False,
    relist: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            "--relist",
            metavar="DURATION",
            help="With --running: list again this often (default 30s).",
            show_default=False,
        ),
    ] = None,
    config: ConfigPath = None,
    timeout: Timeout = None,
    interval: Interval = None,
    plain: Plain = False,
    quiet: Quiet = False,
    debug: Debug = False,
    raw: Raw = False,
) -> None:
    """Show operations live, one row each, until every one is finished (or, with --running,
    follow what is in progress until interrupted)."""
    from lro_cli.commands import watch as command
    from lro_cli.env import Env
    from lro_cli.options import WatchOptions

    profiles = tuple(profile or ())
    common = _common(
        profiles[0] if len(profiles) == 1 else None,
        config,
        timeout,
        interval,
        plain,
        quiet,
        debug,
    )
    opts = WatchOptions(
        tuple(ids or ()),
        common,
        output,
        fail_fast,
        raw,
        running=running,
        profiles=profiles,
        until_idle=until_idle,
        relist=relist,
    )
    _finish(command.run(opts, Env.from_process()))


@app.command("list", short_help="List a profile's operations, every page followed.")
def list_(
    state: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option(
            "--state",
            metavar="STATE",
            help="Only this state (pending, running, succeeded, failed, cancelled, unknown); "
            "repeatable, or comma-separated.",
            show_default=False,
        ),
    ] = None,
    type_: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option(
            "--type",
            metavar="TYPE",
            help="Only this provider operation type; repeatable.",
            show_default=False,
        ),
    ] = None,
    since: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            "--since",
            metavar="WHEN",
            help="Only those created since: a duration (2h) or an ISO 8601 time.",
            show_default=False,
        ),
    ] = None,
    limit: Annotated[
        int, typer.Option("--limit", metavar="N", help="At most this many in all (0: no limit).")
    ] = 50,
    output: Annotated[
        str, typer.Option("--output", "-o", metavar="FORMAT", help="table, json or ndjson.")
    ] = "table",
    profile: Profile = None,
    config: ConfigPath = None,
    raw: Raw = False,
    debug: Debug = False,
) -> None:
    """List a profile's operations, newest first where the API sorts that way."""
    from lro_cli.commands import list as command
    from lro_cli.env import Env
    from lro_cli.options import ListOptions

    opts = ListOptions(
        _common(profile, config, debug=debug),
        tuple(state or ()),
        tuple(type_ or ()),
        since,
        limit,
        output,
        raw,
    )
    _finish(command.run(opts, Env.from_process()))


@app.command(short_help="Ask the provider to cancel operations, where its API can.")
def cancel(
    ids: Ids,
    profile: Profile = None,
    config: ConfigPath = None,
    debug: Debug = False,
) -> None:
    """Ask the provider to cancel each operation (best effort); follow with `lro wait`."""
    from lro_cli.commands import cancel as command
    from lro_cli.env import Env
    from lro_cli.options import CancelOptions

    opts = CancelOptions(tuple(ids), _common(profile, config, debug=debug))
    _finish(command.run(opts, Env.from_process()))


@app.command(short_help="Scripted operations on the embedded simulator: no account needed.")
def demo(
    plain: Plain = False,
    quiet: Quiet = False,
    debug: Debug = False,
) -> None:
    """Run a scripted mix of operations on the embedded simulator: no account needed."""
    from lro_cli.commands import demo as command
    from lro_cli.env import Env
    from lro_cli.options import DemoOptions

    opts = DemoOptions(_common(None, None, plain=plain, quiet=quiet, debug=debug))
    _finish(command.run(opts, Env.from_process()))


@sim_app.command(
    "serve", short_help="Serve the simulator on loopback; print profiles that point at it."
)
def sim_serve(
    port: Annotated[
        int, typer.Option("--port", metavar="PORT", help="Port on 127.0.0.1 (0: any free).")
    ] = 0,
    scenario: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option(
            "--scenario", metavar="FILE", help="Scenario file (YAML or JSON).", show_default=False
        ),
    ] = None,
) -> None:
    """Serve the simulator on loopback and print the profiles that point at it."""
    from lro_cli.commands import sim as command
    from lro_cli.env import Env
    from lro_cli.options import SimServeOptions

    _finish(command.run(SimServeOptions(port=port, scenario=scenario), Env.from_process()))


def _config_command(action: str, profile: str | None, config: str | None) -> None:
    from lro_cli.commands import config as command
    from lro_cli.env import Env
    from lro_cli.options import ConfigOptions

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


INTERNAL_ERROR = 70  # EX_SOFTWARE (sysexits.h): not one of SPEC.md's codes, so never mistaken


def main() -> None:
    """Console entry point: exit codes per SPEC.md, 141 when stdout closes early."""
    # httpx imports its own command line (click, rich, pygments) when it can: tens of
    # milliseconds that `lro` never uses. A None entry makes that import fail, as httpx allows.
    sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
    try:
        app()
    except BrokenPipeError:
        _quiet_stdout()
        sys.exit(141)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:  # a bug in lro: one line, never a traceback without --debug
        if "--debug" in sys.argv[1:]:
            raise
        sys.stderr.write(
            f"lro: internal error ({type(exc).__name__}); run again with --debug for the "
            "traceback, and please report it\n"
        )
        sys.exit(INTERNAL_ERROR)


def _quiet_stdout() -> None:
    # Python would report the broken pipe again when it flushes stdout at exit.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except OSError:
        pass
