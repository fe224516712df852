"""Profiles from YAML: location, interpolation, validation, lazy secrets.

The file is checked as a whole when loaded (`load`), but `${VAR}` and `X_env` are read only for
the profile in use (`Config.profile`), so another profile's unset variable never gets in the way.
`validate_all` is the exception: it reports every problem of every profile, for `lro config
validate`. Nothing here runs a `token_command`. The schema lives in `config_schema`, value
checks in `config_values`, interpolation in `config_resolve`, and the checks in `config_check`.
"""

from __future__ import annotations

import difflib
import functools
import os
import re
import shlex
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lro_cli.config_check import Problem, check_document, resolved_values, static_problems
from lro_cli.config_resolve import substitute
from lro_cli.config_schema import (
    CREDENTIAL_KEYS,
    DEFAULT_BASE_URLS,
    OPTION_DEFAULTS,
    PROFILE_NAME,
    PROVIDERS,
)
from lro_cli.errors import ConfigError, UsageError

__all__ = [
    "PROVIDERS",
    "Config",
    "Credentials",
    "PollSettings",
    "Profile",
    "load",
    "profile_base_url",
    "profile_names_for_completion",
    "unknown_profile_message",
    "validate_all",
    "validate_file",
]


@dataclass(frozen=True)
class PollSettings:
    """Per-profile overrides of SPEC.md's polling defaults; None means 'not set in the file'."""

    interval: float | None = None
    interval_by_type: Mapping[str, float] = field(default_factory=dict)
    min_interval: float | None = None
    timeout: float | None = None
    timeout_none: bool = False  # `timeout: none` opts out of the overall deadline
    error_budget: float | None = None
    not_found_grace: float | None = None


@dataclass(frozen=True)
class Credentials:
    """Secrets of one profile, resolved from ${VAR} / *_env only when that profile is used.

    `token_command` is the argv (shlex-split) to run for a token; it is run by `http.py`, not here.
    """

    api_key: str | None = None
    token: str | None = None
    token_command: tuple[str, ...] | None = None
    client_id: str | None = None
    client_secret: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)

    def secrets(self) -> list[str]:
        """Every secret value, for redaction."""
        values = [self.api_key, self.token, self.client_id, self.client_secret]
        values += self.headers.values()
        return [v for v in values if v]


@dataclass(frozen=True)
class Profile:
    name: str
    provider: str
    base_url: str  # default per provider applied; no trailing slash
    options: Mapping[str, Any]  # non-secret provider keys, defaults filled (see config_schema)
    credentials: Credentials
    polling: PollSettings
    allow_insecure_http: bool = False
    source: Path | None = None


@dataclass(frozen=True)
class Config:
    path: Path
    default_profile: str | None
    raw_profiles: Mapping[str, Mapping[str, Any]]
    exists: bool = True
    warnings: tuple[str, ...] = ()  # one line each for standard error, without a "warning:" prefix

    @property
    def profile_names(self) -> list[str]:
        return sorted(self.raw_profiles)

    def profile(self, name: str, environ: Mapping[str, str]) -> Profile:
        """Resolve one profile (interpolation, *_env) or raise ConfigError / UsageError (exit 2)."""
        raw = self.raw_profiles.get(name)
        if raw is None:
            raise UsageError(unknown_profile_message(self, name))
        problems = static_problems(name, raw)
        values: dict[str, Any] = {}
        if not problems:
            values, problems = resolved_values(name, raw, environ)
        if problems:
            raise ConfigError(problems[0].format(self.path))
        return _build(self, name, values)


def load(path: Path, environ: Mapping[str, str]) -> Config:
    """Read and validate the whole file (structure only; secrets stay unresolved).

    A missing file is an empty config (exists=False). Problems raise ConfigError naming file,
    profile and key.
    """
    config, problems = _parse(path)
    if problems:
        more = len(problems) - 1
        tail = f" (and {more} more: run 'lro config validate')" if more else ""
        raise ConfigError(problems[0].format(path) + tail)
    return config


def validate_file(path: Path, environ: Mapping[str, str]) -> tuple[Config | None, list[str]]:
    """Every problem of the file at `path`, one line each (for `lro config validate`)."""
    try:
        config, problems = _parse(path)
    except ConfigError as exc:
        return None, [exc.message]
    return config, _report(config, problems, environ)


def validate_all(config: Config, environ: Mapping[str, str]) -> list[str]:
    """Every problem across every profile, unset variables included; never runs token_command."""
    doc = {"default_profile": config.default_profile, "profiles": dict(config.raw_profiles)}
    _default, _profiles, problems = check_document(doc)
    return _report(config, problems, environ)


def _report(config: Config, problems: list[Problem], environ: Mapping[str, str]) -> list[str]:
    lines = [problem.format(config.path) for problem in problems]
    broken = {problem.profile for problem in problems}
    for name, raw in config.raw_profiles.items():
        if name not in broken:
            _values, more = resolved_values(name, raw, environ)
            lines.extend(problem.format(config.path) for problem in more)
    return lines


def unknown_profile_message(config: Config, name: str) -> str:
    if not config.exists:
        return (
            f"no profile {name!r}: config {config.path} does not exist;"
            " create it (see config.example.yaml) or pass --config"
        )
    if not config.raw_profiles:
        return f"no profile {name!r}: config {config.path} defines no profiles"
    close = difflib.get_close_matches(name, config.profile_names, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    known = ", ".join(config.profile_names)
    return f"unknown profile {name!r}{hint}; profiles in {config.path}: {known}"


def profile_base_url(config: Config, name: str, environ: Mapping[str, str]) -> str | None:
    """The profile's base_url (default applied, variables read), or None if it has none yet."""
    raw = config.raw_profiles.get(name)
    if not isinstance(raw, Mapping):
        return None
    value = raw.get("base_url")
    if value is None:
        return DEFAULT_BASE_URLS.get(str(raw.get("provider")))
    if not isinstance(value, str):
        return None
    try:
        return substitute(value, environ).strip().rstrip("/")
    except ValueError:
        return None


def profile_names_for_completion(path: Path | str) -> list[str]:
    """Profile names for shell completion: fast, no validation, never raises."""
    try:
        import yaml

        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        doc = yaml.load(Path(path).read_text(encoding="utf-8-sig"), Loader=loader)
        profiles = doc.get("profiles") if isinstance(doc, dict) else None
        if not isinstance(profiles, dict):
            return []
        names = (n for n in profiles if isinstance(n, str) and PROFILE_NAME.fullmatch(n))
        return sorted(names)
    except Exception:  # completion must never break the shell, whatever the file holds
        return []


def _parse(path: Path) -> tuple[Config, list[Problem]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return Config(path=path, default_profile=None, raw_profiles={}, exists=False), []
    except UnicodeDecodeError:
        raise ConfigError(f"config {path}: is not UTF-8 text") from None
    except OSError as exc:
        raise ConfigError(f"config {path}: cannot read: {exc.strerror or exc}") from None
    default, profiles, problems = check_document(_parse_yaml(path, text))
    config = Config(path, default, profiles, True, _permission_warnings(path, profiles))
    return config, problems


def _parse_yaml(path: Path, text: str) -> object:
    import yaml

    try:
        return yaml.load(text, Loader=_unique_key_loader())  # a SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}: " if mark is not None else ""
        problem = exc.problem or exc.context or "unreadable"
        raise ConfigError(f"config {path}: {where}invalid YAML: {problem}") from None
    except yaml.YAMLError as exc:
        detail = " ".join(str(exc).split()) or type(exc).__name__
        raise ConfigError(f"config {path}: invalid YAML: {detail}") from None
    except _UNREADABLE as exc:
        # What the loader could not tie to a place: never quoted (the value may be a secret).
        raise ConfigError(f"config {path}: invalid YAML ({type(exc).__name__})") from None


_MERGE = "tag:yaml.org,2002:merge"  # `<<:` may legitimately repeat keys it merges
# What PyYAML's constructors let out, besides its own errors, for a value they cannot read.
_UNREADABLE = (ValueError, LookupError, TypeError, AttributeError, OverflowError, RecursionError)


@functools.lru_cache(maxsize=1)
def _unique_key_loader() -> type[Any]:
    import yaml

    class UniqueKeyLoader(yaml.SafeLoader):
        """A SafeLoader that refuses a key written twice (a second profile would hide the first)
        and that reports a tagged value it cannot read (`!!bool maybe`, `!!int x`, a bad
        `!!timestamp`) as a YAML error at its place, never quoting it: PyYAML lets a KeyError or
        a ValueError out for those, with the value in its text."""

        def construct_object(self, node: Any, deep: bool = False) -> Any:
            try:
                return super().construct_object(node, deep=deep)
            except _UNREADABLE as exc:
                if isinstance(exc, (yaml.YAMLError, RecursionError)):
                    raise
                tag = str(node.tag).replace("tag:yaml.org,2002:", "!!")
                raise yaml.constructor.ConstructorError(
                    None, None, f"cannot read this {tag} value", node.start_mark
                ) from None

        def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
            seen: set[tuple[str, str]] = set()
            for key_node, _value in node.value:
                if isinstance(key_node, yaml.ScalarNode) and key_node.tag != _MERGE:
                    key = (key_node.tag, key_node.value)
                    if key in seen:
                        raise yaml.constructor.ConstructorError(
                            None, None, f"duplicate key {key_node.value!r}", key_node.start_mark
                        )
                    seen.add(key)
            return super().construct_mapping(node, deep=deep)

    return UniqueKeyLoader


def _permission_warnings(path: Path, profiles: Mapping[str, Mapping[str, Any]]) -> tuple[str, ...]:
    if os.name != "posix":
        return ()
    if not any(
        _literal_secret(raw.get(key)) for raw in profiles.values() for key in CREDENTIAL_KEYS
    ):
        return ()
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return ()
    if not mode & 0o044:
        return ()
    return (
        f"config {path} holds credentials and can be read by group or others"
        f" (mode {mode:03o}): run chmod 600 {shlex.quote(str(path))}",
    )


def _literal_secret(value: object) -> bool:
    """A secret written into the file itself; a bare ${VAR} reference holds nothing to read."""
    if isinstance(value, Mapping):
        return any(_literal_secret(item) for item in value.values())
    return isinstance(value, str) and not _REFERENCE.fullmatch(value.strip())


_REFERENCE = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*\}")


def _build(config: Config, name: str, values: Mapping[str, Any]) -> Profile:
    provider: str = values["provider"]
    options = {key: values.get(key, default) for key, default in OPTION_DEFAULTS[provider].items()}
    polling = PollSettings(
        interval=values.get("interval"),
        interval_by_type=values.get("interval_by_type", {}),
        min_interval=values.get("min_interval"),
        timeout=values.get("timeout"),
        timeout_none="timeout" in values and values["timeout"] is None,
        error_budget=values.get("error_budget"),
        not_found_grace=values.get("not_found_grace"),
    )
    credentials = Credentials(
        api_key=values.get("api_key"),
        token=values.get("token"),
        token_command=values.get("token_command"),
        client_id=values.get("client_id"),
        client_secret=values.get("client_secret"),
        headers=values.get("headers", {}),
    )
    return Profile(
        name=name,
        provider=provider,
        base_url=values.get("base_url") or DEFAULT_BASE_URLS[provider],
        options=options,
        credentials=credentials,
        polling=polling,
        allow_insecure_http=values.get("allow_insecure_http", False),
        source=config.path if config.exists else None,
    )
