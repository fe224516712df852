"""`lro config path | show | validate`: where the file is, what it says, whether it is valid."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lro_cli.commands.runtime import fail, print_error
from lro_cli.config import Config, load, unknown_profile_message, validate_file
from lro_cli.config_schema import SECRET_KEYS
from lro_cli.env import Env
from lro_cli.errors import ExitCode, LroError, UsageError
from lro_cli.options import ConfigOptions

ACTIONS = ("path", "show", "validate")
MASK = "****"
# A value that is only a reference says where the secret comes from and holds none of it.
_ONLY_REFERENCE = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*\}")


def run(opts: ConfigOptions, env: Env) -> int:
    path = env.config_path(opts.common.config)
    try:
        if opts.action == "path":
            env.write_out(f"{path}\n")
            return int(ExitCode.OK)
        if opts.action == "show":
            return _show(load(path, env.environ), opts.common.profile, env)
        if opts.action == "validate":
            return _validate(env, path)
        raise UsageError(f"unknown config action {opts.action!r} (one of {', '.join(ACTIONS)})")
    except LroError as error:
        return fail(env, error, opts.common.debug)


def _show(config: Config, only: str | None, env: Env) -> int:
    import yaml

    _missing(config)
    for warning in config.warnings:
        print_error(env, f"warning: {warning}")
    names = list(config.raw_profiles)  # as written in the file
    if only is not None:
        if only not in config.raw_profiles:
            raise UsageError(unknown_profile_message(config, only))
        names = [only]
    doc: dict[str, Any] = {}
    if config.default_profile is not None:
        doc["default_profile"] = config.default_profile
    doc["profiles"] = {name: masked(config.raw_profiles[name]) for name in names}
    header = f"# {config.path}\n# default profile: {config.default_profile or 'none'}\n"
    body = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, default_flow_style=False)
    env.write_out(header + body)
    return int(ExitCode.OK)


def masked(raw: Mapping[str, Any]) -> dict[str, Any]:
    """A raw profile with every secret value replaced by `****` (a bare `${VAR}` is kept)."""
    shown: dict[str, Any] = {}
    for key, value in raw.items():
        if key in SECRET_KEYS:
            shown[key] = _mask(value)
        elif key == "headers" and isinstance(value, Mapping):
            shown[key] = {name: _mask(item) for name, item in value.items()}
        elif key == "headers":
            shown[key] = MASK
        else:
            shown[key] = value
    return shown


def _mask(value: object) -> object:
    if isinstance(value, str) and _ONLY_REFERENCE.fullmatch(value.strip()):
        return value
    return MASK


def _validate(env: Env, path: Path) -> int:
    config, problems = validate_file(path, env.environ)
    for problem in problems:
        print_error(env, problem)
    for warning in config.warnings if config is not None else ():
        print_error(env, f"warning: {warning}")
    if problems or config is None:
        return int(ExitCode.USAGE)
    _missing(config)
    count = len(config.raw_profiles)
    env.write_err(f"config OK: {count} profile{'' if count == 1 else 's'} ({config.path})\n")
    return int(ExitCode.OK)


def _missing(config: Config) -> None:
    if not config.exists:
        raise UsageError(
            f"config {config.path} does not exist; create it (see config.example.yaml)"
            " or pass --config"
        )
