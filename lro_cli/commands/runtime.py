"""What every networked command does first: config, arguments, profiles, adapters, policies."""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any

from lro_cli.config import Config, Profile
from lro_cli.env import Env
from lro_cli.errors import LroError, UsageError
from lro_cli.model import OperationRef
from lro_cli.options import CommonOptions
from lro_cli.schedule import PollPolicy

if TYPE_CHECKING:
    from lro_cli.providers.base import Provider

DEFAULTS = PollPolicy()


def print_error(env: Env, message: str) -> None:
    from lro_cli.render.text import clean

    env.write_err(f"lro: {clean(message)}\n")


def fail(env: Env, error: LroError, debug: bool) -> int:
    """One line on stderr (a traceback too with --debug) and the error's exit code."""
    if debug:
        import traceback

        env.write_err("".join(traceback.format_exception(*sys.exc_info())))
    print_error(env, error.message)
    return int(error.exit_code)


def load_config(common: CommonOptions, env: Env) -> Config:
    from lro_cli import config

    loaded = config.load(env.config_path(common.config), env.environ)
    for warning in loaded.warnings:
        print_error(env, f"warning: {warning}")
    return loaded


def parse_duration_flag(name: str, text: str | None, allow_none: bool = False) -> float | None:
    if text is None:
        return None
    from lro_cli.durations import parse_duration, parse_timeout

    try:
        return parse_timeout(text) if allow_none else parse_duration(text)
    except ValueError as exc:
        raise UsageError(f"{name}: {exc}") from None


@dataclass
class Request:
    """The operations a command line names, with their resolved profiles.

    With `-`, `refs` is filled from standard input once the profile's adapter exists, since only
    the adapter knows how its provider's starting responses read.
    """

    refs: list[OperationRef]
    profiles: Mapping[str, Profile]
    one_object: bool  # exactly one ID argument, not '-': JSON output is an object
    from_stdin: str | None = None  # the profile that reads standard input


def resolve(ids: Sequence[str], common: CommonOptions, config: Config, env: Env) -> Request:
    """Arguments → OperationRefs and the profiles they use (secrets resolved for those only)."""
    from lro_cli import naming

    if not ids:
        raise UsageError("name at least one operation (an id, PROFILE:ID, a URL or -)")
    if "-" in ids:
        if len(ids) > 1:
            raise UsageError("'-' reads operations from standard input; do not mix it with ids")
        name = naming.default_profile_name(config, common.profile, env.environ)
        return Request([], {name: config.profile(name, env.environ)}, False, from_stdin=name)
    refs = naming.resolve_operation_args(ids, config, common.profile, env.environ)
    profiles = {ref.profile: config.profile(ref.profile, env.environ) for ref in refs}
    return Request(refs, profiles, one_object=len(ids) == 1)


def read_stdin_refs(request: Request, adapters: Adapters, env: Env) -> None:
    """Fill `request.refs` from the starting response on standard input (`lro wait -`)."""
    if request.from_stdin is None:
        return
    from lro_cli.commands.stdin import read_start_response

    profile = request.profiles[request.from_stdin]
    adapter = adapters[profile.name]
    try:
        body, headers = read_start_response(env.stdin.read())
    except UsageError as error:
        raise UsageError(f"{error.message} (expected {adapter.start_response_hint})") from None
    ids = adapter.ids_from_start_response(body, headers)
    if not ids:
        raise UsageError(
            f"standard input names no operation for provider '{profile.provider}' "
            f"(profile '{profile.name}'): expected {adapter.start_response_hint}"
        )
    request.refs = [
        OperationRef(profile.name, profile.provider, op_id, f"{profile.name}:{op_id}")
        for op_id in ids
    ]


def policy_for(profile: Profile, provider: Provider, common: CommonOptions) -> PollPolicy:
    """SPEC.md's defaults, then the profile's settings, then the command-line flags."""
    settings = profile.polling
    flag_interval = parse_duration_flag("--interval", common.interval)
    flag_timeout = parse_duration_flag("--timeout", common.timeout, allow_none=True)
    timeout: float | None = DEFAULTS.timeout
    if settings.timeout_none:
        timeout = None
    elif settings.timeout is not None:
        timeout = settings.timeout
    if common.timeout is not None:
        timeout = flag_timeout
    interval_from = "default"
    interval = provider.default_interval
    if flag_interval is not None:
        interval, interval_from = flag_interval, "flag"
    elif settings.interval is not None:
        interval, interval_from = settings.interval, "profile"
    return PollPolicy(
        interval=interval,
        interval_by_type=settings.interval_by_type,
        builtin_interval=provider.interval_for,
        interval_from=interval_from,
        min_interval=_first(settings.min_interval, DEFAULTS.min_interval),
        timeout=timeout,
        error_budget=_first(settings.error_budget, DEFAULTS.error_budget),
        not_found_grace=_first(settings.not_found_grace, DEFAULTS.not_found_grace),
    )


def _first(value: float | None, default: float) -> float:
    return default if value is None else value


class Adapters(AbstractAsyncContextManager["Adapters"]):
    """One HTTP client (one keep-alive pool) and one adapter per profile, for one run."""

    def __init__(self, env: Env, profiles: Mapping[str, Profile], debug: bool) -> None:
        self._env = env
        self._profiles = profiles
        self._debug = debug
        self._client: Any = None
        self._adapters: dict[str, Provider] = {}

    async def __aenter__(self) -> Adapters:
        from lro_cli.commands.redacted import RedactedProvider
        from lro_cli.http import HttpSession
        from lro_cli.providers import registry

        self._client = self._env.http_client()
        debug_log = self._debug_line if self._debug else None
        for name, profile in self._profiles.items():
            session = HttpSession(
                self._client,
                profile,
                registry.make_auth(
                    profile, self._client, monotonic=self._env.clock.monotonic, debug=debug_log
                ),
                debug=debug_log,
                now=self._env.clock.now,
            )
            # What adapters read from responses is redacted of the run's secrets before any
            # renderer, report or engine sees it (a server may echo a credential back).
            self._adapters[name] = RedactedProvider(
                registry.create(profile, session), session.secrets
            )
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._client is not None:
            await self._client.aclose()

    def _debug_line(self, text: str) -> None:
        from lro_cli.render.text import clean

        self._env.write_err(f"debug: {clean(text)}\n")

    def __getitem__(self, profile_name: str) -> Provider:
        return self._adapters[profile_name]
