"""How each value of the config file is checked and normalized.

A checker returns the normalized value (seconds for a duration, a tuple of words for a command…)
or raises `ValueError` whose text follows "key 'K'" in a message. A string still holding a
`${VAR}` reference is a `Deferred`: only its type is checked until the profile in use is resolved.
"""

from __future__ import annotations

import math
import re
import shlex
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from lro_cli.config_schema import ENV_NAME, PROVIDERS, SECRET_KEYS
from lro_cli.durations import parse_duration, parse_timeout
from lro_cli.model import State

Checker = Callable[[object], Any]

_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


class Deferred(str):
    """A string holding a `${VAR}` reference: only its type is checked until it is resolved."""


def _lenient(check: Checker) -> Checker:
    def checked(value: object) -> Any:
        return value if isinstance(value, Deferred) else check(value)

    return checked


def json_text(value: object) -> str:
    """A raw JSON scalar as text, the way the http dialect's `states` keys are stored."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    return str(value)


def _type_name(value: object) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"a value of type {type(value).__name__}"


def _text(value: object) -> str:
    if not isinstance(value, str):
        hint = " (quote it)" if isinstance(value, (int, float, date)) else ""
        raise ValueError(f"must be text, not {_type_name(value)}{hint}")
    if not value.strip():
        raise ValueError("must not be empty")
    return value


def _secret(value: object) -> str:
    text = _text(value).strip()
    if "\n" in text or "\r" in text:
        raise ValueError("must not contain a line break")
    return text


def _env_name(value: object) -> str:
    text = _text(value)
    if not ENV_NAME.fullmatch(text):
        # Never quoted: what is here instead of a name is most likely the secret itself.
        raise ValueError(
            "must name an environment variable (letters, digits and '_'), not hold a value"
        )
    return text


def _provider(value: object) -> str:
    text = _text(value)
    if text not in PROVIDERS:
        raise ValueError(f"unknown provider {text!r} (one of {', '.join(PROVIDERS)})")
    return text


_USERINFO = re.compile(r"^([^/?#]*//)?[^/?#]*@")


def _url(value: object) -> str:
    text = _text(value).strip()
    if _USERINFO.match(text):
        # Before anything that shows the URL: a password in it must never be printed.
        raise ValueError("must not carry user:password@ (put credentials in token or api_key)")
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018  (raises ValueError on a port that is not a number)
    except ValueError as exc:
        raise ValueError(f"is not a valid URL ({exc})") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"must be an http:// or https:// URL with a host, not {text!r}")
    if parts.username is not None or parts.password is not None:
        raise ValueError("must not carry user:password@ (put credentials in token or api_key)")
    if parts.query or parts.fragment:
        raise ValueError("must not carry a ?query or #fragment")
    return text.rstrip("/")


def _duration(value: object) -> float:
    return parse_duration(value)  # type: ignore[arg-type]  # it refuses other types itself


def _timeout(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValueError(f"must be a duration or 'none', not {_type_name(value)}")
    return parse_timeout(value)


def _bool(value: object) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"must be true or false, not {_type_name(value)}")
    return value


def _ident(value: object) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return _text(value)


def _number(value: object) -> float:
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            raise ValueError(f"must be a number, not {value!r}") from None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"must be a number, not {_type_name(value)}")
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"must be a positive number, not {value!r}")
    return float(value)


def _command(value: object) -> tuple[str, ...]:
    if isinstance(value, list):
        words = tuple(_text(word) for word in value)  # a Deferred word is text too
    else:
        try:
            words = tuple(shlex.split(_text(value)))
        except ValueError as exc:
            raise ValueError(f"cannot be split into words: {exc}") from None
    if not words:
        raise ValueError("must name a command")
    return words


def _header_name(value: object) -> str:
    text = _text(value)
    if not _HEADER_NAME.fullmatch(text):
        raise ValueError(f"is not a valid HTTP header name: {text!r}")
    return text


def _template(value: object) -> str:
    text = _text(value)
    if "{id}" not in text:
        raise ValueError(f"must contain {{id}} where the operation id goes, not {text!r}")
    # Only {id} is filled in: any other placeholder would be sent to the server as written.
    others = sorted({f"{{{name}}}" for name in _PLACEHOLDER.findall(text)} - {"{id}"})
    if others:
        raise ValueError(f"must hold no placeholder but {{id}} (write {others[0]} out)")
    return text


def _path(value: object) -> str:
    text = _text(value)
    if any(not part for part in text.split(".")):
        raise ValueError(f"is not a dotted path like 'status.state': {text!r}")
    return text


def _paths(value: object) -> tuple[str, ...]:
    if isinstance(value, list):
        if not value:
            raise ValueError("must name at least one path")
        return tuple(_lenient(_path)(item) for item in value)
    return (_path(value),)


class NestedProblem(ValueError):
    """Problems with entries of a mapping value, each reported as `key 'K.ENTRY'`."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__(problems[0][1])
        self.problems = problems


def _mapping(value: object, check_key: Callable[[object], str], check: Checker) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise ValueError(f"must be a mapping, not {_type_name(value)}")
    result: dict[str, Any] = {}
    problems = []
    for raw_key, item in value.items():
        try:
            result[check_key(raw_key)] = _lenient(check)(item)
        except ValueError as exc:
            problems.append((json_text(raw_key), str(exc)))
    if problems:
        raise NestedProblem(problems)
    return result


def _durations(value: object) -> dict[str, Any]:
    return _mapping(value, json_text, _duration)


def _headers(value: object) -> dict[str, Any]:
    return _mapping(value, _header_name, _secret)


def _state(value: object) -> State:
    text = _text(value).strip().lower()
    try:
        return State(text)
    except ValueError:
        names = ", ".join(state.value for state in State)
        raise ValueError(f"must be one of {names}, not {value!r}") from None


def _states(value: object) -> dict[str, Any]:
    states = _mapping(value, json_text, _state)
    if not states:
        raise ValueError("must map at least one raw value to a state")
    return states


_CHECKS: Mapping[str, Checker] = {
    "provider": _provider,
    "base_url": _url,
    "interval": _duration,
    "interval_by_type": _durations,
    "min_interval": _duration,
    "timeout": _timeout,
    "error_budget": _duration,
    "not_found_grace": _duration,
    "allow_insecure_http": _bool,
    **{key: _secret for key in SECRET_KEYS},
    **{f"{key}_env": _env_name for key in SECRET_KEYS},
    "headers": _headers,
    "token_command": _command,
    "token_url": _url,
    "audience": _text,
    "project_id": _ident,
    "region_id": _ident,
    "parent": _text,
    "api_key_header": _header_name,
    "get": _template,
    "state_path": _path,
    "states": _states,
    "progress_path": _path,
    "progress_max": _number,
    "error_path": _path,
    "resource_path": _paths,
    "start_id_path": _paths,
    "list": _text,
    "items_path": _path,
    "id_path": _path,
    "next_path": _path,
    "cursor_param": _text,
}
# `provider` and booleans cannot come from a variable: they decide how the rest is read.
CHECKERS: Mapping[str, Checker] = {
    key: check if key in ("provider", "allow_insecure_http") else _lenient(check)
    for key, check in _CHECKS.items()
}
