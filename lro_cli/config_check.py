"""Checks of a whole config document and of one profile, before and after its variables resolve.

Every check reports a `Problem` instead of stopping, so `lro config validate` can list them all;
`load` and `Config.profile` raise the first one.
"""

from __future__ import annotations

import difflib
import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from lro_cli.config_resolve import Unresolved, defer, resolve_value
from lro_cli.config_schema import (
    PROFILE_NAME,
    PROVIDERS,
    REQUIRED_KEYS,
    SECRET_KEYS,
    allowed_keys,
)
from lro_cli.config_values import CHECKERS, Deferred, NestedProblem, json_text

TOP_KEYS = ("default_profile", "profiles")
_VERBS = ("is ", "has ", "must ", "names ", "cannot ")


@dataclass(frozen=True)
class Problem:
    profile: str | None
    key: str | None
    text: str  # a verb phrase ("is …", "must …") reads on from the key; the rest after a colon

    def format(self, path: object) -> str:
        where = f"config {path}"
        if self.profile is not None:
            where += f": profile {self.profile!r}"
        if self.key is not None:
            where += f": key {self.key!r}"
            if self.text.startswith(_VERBS):
                return f"{where} {self.text}"
        return f"{where}: {self.text}"


def check_document(doc: object) -> tuple[str | None, dict[str, Mapping[str, Any]], list[Problem]]:
    """The default profile, the usable raw profiles, and every structural problem."""
    if doc is None:
        return None, {}, []
    if not isinstance(doc, Mapping):
        text = "the top level must be a mapping with 'profiles' and 'default_profile'"
        return None, {}, [Problem(None, None, text)]
    problems = [_unknown(None, key, TOP_KEYS) for key in doc if key not in TOP_KEYS]
    profiles: dict[str, Mapping[str, Any]] = {}
    raw_profiles = doc.get("profiles")
    if raw_profiles is not None and not isinstance(raw_profiles, Mapping):
        problems.append(Problem(None, "profiles", "must be a mapping of profile names"))
        raw_profiles = None
    for name, raw in (raw_profiles or {}).items():
        if not isinstance(name, str) or not PROFILE_NAME.fullmatch(name):
            text = "is not a valid profile name (letters, digits, '_', '.', '-')"
            problems.append(Problem(None, f"profiles.{json_text(name)}", text))
        elif not isinstance(raw, Mapping):
            problems.append(Problem(name, None, "must be a mapping with at least 'provider'"))
        else:
            profiles[name] = raw
            problems.extend(static_problems(name, raw))
    default = doc.get("default_profile")
    if default is not None and not isinstance(default, str):
        problems.append(Problem(None, "default_profile", "must be text (a profile name)"))
        default = None
    elif isinstance(default, str) and default not in profiles:
        known = ", ".join(sorted(profiles)) or "none"
        text = f"names no profile: {default!r} (profiles: {known})"
        problems.append(Problem(None, "default_profile", text))
    return default, profiles, problems


def static_problems(name: str, raw: Mapping[Any, Any]) -> list[Problem]:
    """Problems visible without the environment: keys, types, formats of literal values."""
    deferred: dict[Any, Any] = {}
    problems = []
    for key, value in raw.items():
        try:
            deferred[key] = defer(value)
        except ValueError as exc:
            problems.append(Problem(name, json_text(key), str(exc)))
    _values, more = check_profile(name, deferred)
    return problems + more


def resolved_values(
    name: str, raw: Mapping[str, Any], environ: Mapping[str, str]
) -> tuple[dict[str, Any], list[Problem]]:
    """The profile's normalized values with the environment read; `raw` has no static problem."""
    resolved: dict[str, Any] = {}
    problems = []
    for key, value in raw.items():
        try:
            new_key, new_value = resolve_value(key, value, environ)
        except Unresolved as exc:
            entries = exc.entries or ((None, str(exc)),)
            for entry, text in entries:
                problems.append(Problem(name, key if entry is None else f"{key}.{entry}", text))
            # Left deferred, so the rest of the profile is still checked (validate lists all).
            new_key, new_value = key, defer(value)
        resolved[new_key] = new_value
    values, more = check_profile(name, resolved)
    problems += more + transport_problems(name, values)
    return ({} if problems else values), problems


def check_profile(name: str, raw: Mapping[Any, Any]) -> tuple[dict[str, Any], list[Problem]]:
    """Normalized values of one profile and every problem with its keys and values."""
    values: dict[str, Any] = {}
    problems: list[Problem] = []
    provider = raw.get("provider")
    known = provider if isinstance(provider, str) and provider in PROVIDERS else None
    for key, value in raw.items():
        if not isinstance(key, str) or not _allowed(key, known):
            problems.append(_unknown(name, key, _candidates(known), known))
        elif value is None:
            problems.append(Problem(name, key, "has no value"))
        else:
            try:
                values[key] = CHECKERS[key](value)
            except NestedProblem as exc:
                problems += [Problem(name, f"{key}.{entry}", text) for entry, text in exc.problems]
            except ValueError as exc:
                problems.append(Problem(name, key, str(exc)))
    if "provider" not in raw:
        problems.append(Problem(name, "provider", f"is required (one of {', '.join(PROVIDERS)})"))
    if known is not None:
        problems.extend(_combination_problems(name, known, raw))
    return values, problems


def _candidates(provider: str | None) -> tuple[str, ...]:
    if provider is not None:
        return allowed_keys(provider)
    return tuple(dict.fromkeys(key for p in PROVIDERS for key in allowed_keys(p)))


def _allowed(key: str, provider: str | None) -> bool:
    # Without a valid provider (its own problem is reported) any provider's key passes.
    return key in _candidates(provider)


def _unknown(
    profile: str | None, key: object, candidates: tuple[str, ...], provider: str | None = None
) -> Problem:
    shown = json_text(key)
    owners = [p for p in PROVIDERS if shown in allowed_keys(p)] if profile else []
    if owners and provider:
        text = f"is not used by provider {provider!r} (it is a key of {', '.join(owners)})"
        return Problem(profile, shown, text)
    close = difflib.get_close_matches(shown, candidates, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return Problem(profile, shown, f"is not known{hint}")


def _combination_problems(name: str, provider: str, raw: Mapping[Any, Any]) -> list[Problem]:
    def given(key: str) -> bool:
        return key in raw or f"{key}_env" in raw

    problems = [
        Problem(name, f"{key}_env", f"is set together with '{key}': set only one")
        for key in SECRET_KEYS
        if key in raw and f"{key}_env" in raw
    ]
    if given("token") and "token_command" in raw:
        text = "is set together with 'token': set only one"
        problems.append(Problem(name, "token_command", text))
    if provider == "redpanda":
        if given("client_id") != given("client_secret"):
            missing = "client_secret" if given("client_id") else "client_id"
            other = "client_id" if missing == "client_secret" else "client_secret"
            problems.append(Problem(name, missing, f"is required together with '{other}'"))
        if given("token") and (given("client_id") or given("client_secret")):
            text = "is set together with client_id/client_secret: use a token or the OAuth client"
            problems.append(Problem(name, "token", text))
    if provider == "http":
        problems += _unused_http_rules(name, raw)
    for key in REQUIRED_KEYS.get(provider, ()):
        if not given(key):
            problems.append(Problem(name, key, f"is required for provider {provider!r}"))
    return problems


# http rules that only mean something alongside another one: alone, they would be ignored.
_HTTP_RULE_NEEDS = {
    "items_path": "list",
    "next_path": "list",
    "cursor_param": "next_path",
    "progress_max": "progress_path",
}


def _unused_http_rules(name: str, raw: Mapping[Any, Any]) -> list[Problem]:
    return [
        Problem(name, key, f"has no effect without '{needed}': set it too, or remove {key}")
        for key, needed in _HTTP_RULE_NEEDS.items()
        if key in raw and needed not in raw
    ]


def transport_problems(name: str, values: Mapping[str, Any]) -> list[Problem]:
    """Plain http:// is for loopback only, unless the profile opts in (credentials travel)."""
    if values.get("allow_insecure_http"):
        return []
    problems = []
    for key in ("base_url", "token_url"):
        url = values.get(key)
        if isinstance(url, str) and not isinstance(url, Deferred) and is_insecure(url):
            text = (
                f"is plain http:// to a host that is not loopback ({url}): refused; use https://,"
                " or set allow_insecure_http: true"
            )
            problems.append(Problem(name, key, text))
    return problems


def is_insecure(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme == "http" and not is_loopback(parts.hostname or "")


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback
