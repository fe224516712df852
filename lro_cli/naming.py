"""How a command-line argument names an operation (SPEC.md "Naming an operation"), and the
shell-quoted command line that names the same operations again (resume lines).

In order: a URL picks the profile given by `--profile`, else the one whose base_url is its
longest prefix; `PROFILE:ID` names a configured profile; anything else is an id for `--profile`,
`LRO_PROFILE` or `default_profile`. `-` (read standard input) is the caller's business.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping, Sequence
from urllib.parse import SplitResult, urlsplit

from lro_cli.config import Config, profile_base_url, unknown_profile_message
from lro_cli.errors import UsageError
from lro_cli.model import OperationRef

URL = re.compile(r"^[a-z][a-z0-9+.-]*://")
_DEFAULT_PORTS = {"http": 80, "https": 443}


def resolve_operation_args(
    args: Sequence[str], config: Config, profile_flag: str | None, environ: Mapping[str, str]
) -> list[OperationRef]:
    """One OperationRef per argument, in order; UsageError (exit 2) naming what is ambiguous."""
    return [resolve_operation_arg(arg, config, profile_flag, environ) for arg in args]


def resolve_operation_arg(
    arg: str, config: Config, profile_flag: str | None, environ: Mapping[str, str]
) -> OperationRef:
    if not arg.strip():
        raise UsageError("an operation id cannot be empty")
    if URL.match(arg):
        return _ref(config, _profile_for_url(arg, config, profile_flag, environ), arg, arg)
    head, colon, rest = arg.partition(":")
    if colon and head in config.raw_profiles:
        if not rest:
            raise UsageError(f"no operation id after the profile in {arg!r}")
        return _ref(config, head, rest, arg)
    return _ref(config, _default_profile(config, profile_flag, environ, arg), arg, arg)


def default_profile_name(
    config: Config, profile_flag: str | None, environ: Mapping[str, str]
) -> str:
    """The profile for a bare id (and for `-`): --profile, else LRO_PROFILE, else the default."""
    return _default_profile(config, profile_flag, environ, None)


def _default_profile(
    config: Config, flag: str | None, environ: Mapping[str, str], arg: str | None
) -> str:
    if flag:
        return _known(config, flag, "")
    from_env = environ.get("LRO_PROFILE", "").strip()
    if from_env:
        return _known(config, from_env, "LRO_PROFILE: ")
    if config.default_profile:
        return _known(config, config.default_profile, "default_profile: ")
    what = f"for {arg!r}" if arg is not None else "given"
    if not config.exists:
        raise UsageError(
            f"no profile {what}: config {config.path} does not exist;"
            " create it (see config.example.yaml) or pass --config"
        )
    raise UsageError(
        f"no profile {what}: pass --profile, set LRO_PROFILE, or set default_profile in"
        f" {config.path}"
    )


def _known(config: Config, name: str, source: str) -> str:
    if name not in config.raw_profiles:
        raise UsageError(source + unknown_profile_message(config, name))
    return name


def _ref(config: Config, profile: str, op_id: str, arg: str) -> OperationRef:
    provider = config.raw_profiles[profile].get("provider")
    return OperationRef(profile=profile, provider=str(provider), id=op_id, arg=arg)


def _profile_for_url(url: str, config: Config, flag: str | None, environ: Mapping[str, str]) -> str:
    target = _split(url)
    if flag:
        _known(config, flag, "")
        base = profile_base_url(config, flag, environ)
        # Credentials go only to the profile's own origin (SPEC.md "Configuration").
        if base is not None and _origin(_split(base)) != _origin(target):
            raise UsageError(
                f"{_shown(target)} is not on profile {flag!r}'s origin ({base}):"
                " lro sends its credentials nowhere else"
            )
        return flag
    bases = {name: profile_base_url(config, name, environ) for name in config.profile_names}
    matches: dict[str, int] = {}
    for name, base in bases.items():
        length = None if base is None else _prefix_length(target, _split(base))
        if length is not None:
            matches[name] = length
    if not matches:
        known = ", ".join(f"{name} ({base})" for name, base in bases.items() if base) or "none"
        raise UsageError(
            f"no profile's base_url is a prefix of {_shown(target)}; pass --profile"
            f" (profiles: {known})"
        )
    best = max(matches.values())
    tied = sorted(name for name, length in matches.items() if length == best)
    if len(tied) > 1:
        raise UsageError(
            f"{_shown(target)} matches profiles {', '.join(tied)} equally; pass --profile"
        )
    return tied[0]


def _split(url: str) -> SplitResult:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises ValueError on a port that is not a number)
    except ValueError as exc:
        raise UsageError(f"not a valid URL: {exc}") from None
    if parts.username is not None or parts.password is not None:
        raise UsageError("a URL argument must not carry user:password@; configure a profile")
    return parts


def _origin(parts: SplitResult) -> tuple[str, str, int | None]:
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").lower(), parts.port or _DEFAULT_PORTS.get(scheme)


def _prefix_length(target: SplitResult, base: SplitResult) -> int | None:
    """How much of `target`'s path `base` covers, on a segment boundary; None if it does not."""
    if _origin(target) != _origin(base):
        return None
    prefix = base.path.rstrip("/")
    if target.path == prefix or target.path.startswith(prefix + "/"):
        return len(prefix)
    return None


def _shown(parts: SplitResult) -> str:
    return parts.geturl()


def resume_command(verb: str, refs: Sequence[OperationRef], extra: Sequence[str] = ()) -> str:
    """A shell-quoted `lro VERB …` naming each operation as `PROFILE:ID` or by its URL.

    `PROFILE:ID` resolves to PROFILE whatever `--profile` says, so a `--profile` added for URL
    operations (when they share one profile) changes nothing for the others.
    """
    words = ["lro", verb]
    # A URL, or an id that would read as one after `PROFILE:` (`p` + `://x`), needs --profile.
    flagged = sorted({ref.profile for ref in refs if URL.match(f"{ref.profile}:{ref.id}")})
    flagged += sorted({ref.profile for ref in refs if URL.match(ref.id)} - set(flagged))
    flag = flagged[0] if len(flagged) == 1 else None
    if flag is not None:
        words += ["--profile", flag]
    words += extra
    names = [_name(ref, flag) for ref in refs]
    if any(name.startswith("-") for name in names):
        words.append("--")
    words += names
    return " ".join(shlex.quote(word) for word in words)


def _name(ref: OperationRef, flag: str | None) -> str:
    if URL.match(ref.id):
        return ref.id
    qualified = f"{ref.profile}:{ref.id}"
    # A bare `//…` id cannot start with a profile name, so with --profile it reads back whole.
    return ref.id if URL.match(qualified) and ref.profile == flag else qualified
