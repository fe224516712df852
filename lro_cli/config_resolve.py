"""`${VAR}` interpolation and `X_env` keys: the only places the environment enters a profile.

`$${` writes a literal `${`; a `$` anywhere else is kept as written, so secrets holding `$`
need no escaping.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from typing import Any

from lro_cli.config_schema import SECRET_KEYS
from lro_cli.config_values import Deferred

_REFERENCE = re.compile(r"\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$\{")


class Unresolved(ValueError):
    """References that cannot be resolved; `entries` names the items of a list or mapping."""

    def __init__(self, message: str, entries: tuple[tuple[str, str], ...] = ()) -> None:
        super().__init__(message)
        self.entries = entries


def references(text: str) -> list[str]:
    """The variables `text` names; ValueError on a malformed `${…}`."""
    names = []
    for match in _REFERENCE.finditer(text):
        if match.group(0) == "${":
            raise ValueError(_malformed(match))
        if match.group(1):
            names.append(match.group(1))
    return names


def substitute(text: str, environ: Mapping[str, str]) -> str:
    """`text` with every `${VAR}` replaced; Unresolved if a variable is unset or empty."""

    def replace(match: re.Match[str]) -> str:
        if match.group(0) == "$${":
            return "${"
        name = match.group(1)
        if name is None:
            raise Unresolved(_malformed(match))
        return _variable(name, environ)

    return _REFERENCE.sub(replace, text)


def _malformed(match: re.Match[str]) -> str:
    # The value is not quoted: it may be a secret (one that happens to hold `${`).
    return (
        f"has a malformed ${{…}} reference at character {match.start() + 1}"
        " (write ${NAME}, or $${ for a literal ${)"
    )


def _variable(name: str, environ: Mapping[str, str]) -> str:
    value = environ.get(name)
    if value is None:
        raise Unresolved(f"environment variable {name} is not set")
    if not value.strip():
        raise Unresolved(f"environment variable {name} is empty")
    return value


def _has_reference(text: str) -> bool:
    return "${" in text


def defer(value: object) -> object:
    """`value` with each string that holds a reference wrapped as Deferred (syntax checked).

    Only one level of lists and mappings is walked: no valid value nests deeper, and the
    checkers refuse what does (this also keeps YAML's self-referencing aliases harmless).
    """
    if isinstance(value, str):
        references(value)
        return Deferred(value) if _has_reference(value) else value
    if isinstance(value, list):
        return [_defer_item(item) for item in value]
    if isinstance(value, Mapping):
        return {key: _defer_item(item) for key, item in value.items()}
    return value


def _defer_item(item: object) -> object:
    if isinstance(item, str):
        references(item)
        return Deferred(item) if _has_reference(item) else item
    return item


def resolve_value(key: str, value: object, environ: Mapping[str, str]) -> tuple[str, Any]:
    """The key and value a profile's checks see once the environment is read.

    `X_env: NAME` becomes `X: $NAME`; a `token_command` string is split into words before
    interpolation, so a variable's value stays one word whatever spaces it holds.
    """
    if key.endswith("_env") and key[: -len("_env")] in SECRET_KEYS and isinstance(value, str):
        return key[: -len("_env")], _variable(value, environ)
    if key == "token_command" and isinstance(value, str):
        try:
            value = shlex.split(value)
        except ValueError:
            return key, value  # the checker reports the quoting
    if isinstance(value, str):
        return key, substitute(value, environ)
    if isinstance(value, list):
        items = _resolve_items(dict(enumerate(value)), environ)
        return key, list(items.values())
    if isinstance(value, Mapping):
        return key, _resolve_items(value, environ)
    return key, value


def _resolve_items(value: Mapping[Any, Any], environ: Mapping[str, str]) -> dict[Any, Any]:
    resolved: dict[Any, Any] = {}
    problems: list[tuple[str, str]] = []
    for entry, item in value.items():
        try:
            resolved[entry] = substitute(item, environ) if isinstance(item, str) else item
        except Unresolved as exc:
            problems.append((str(entry), str(exc)))
    if problems:
        raise Unresolved(problems[0][1], tuple(problems))
    return resolved
