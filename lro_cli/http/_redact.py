"""Redaction of secrets from anything `lro` may show: debug logs, messages, masked config."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote

_REDACTIONS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"([a-z][a-z0-9+.-]*://)[^/@\s]+@", re.IGNORECASE), r"\1***@"),
    (
        re.compile(
            r"\b(authorization|proxy-authorization|x-api-key|api-key|x-auth-token|cookie|set-cookie)"
            r"(\s*[:=]\s*)[^\r\n,;]+",
            re.IGNORECASE,
        ),
        r"\1\2***",
    ),
    (re.compile(r"\b(bearer|apikey)\s+[A-Za-z0-9._~+/=-]+", re.IGNORECASE), r"\1 ***"),
    (
        re.compile(
            r"([?&](?:access_token|token|api_key|apikey|key|client_secret|password)=)[^&\s#\"']+",
            re.IGNORECASE,
        ),
        r"\1***",
    ),
    (
        re.compile(
            r"(\"(?:access_token|refresh_token|id_token|token|api_key|apikey|client_secret"
            r"|password|secret)\"\s*:\s*)\"(?:[^\"\\]|\\.)*\"",
            re.IGNORECASE,
        ),
        r'\1"***"',
    ),
)
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def redact(text: str, secrets: Iterable[str]) -> str:
    """Replace every known secret value, and anything shaped like a credential, by `***`."""
    text = redact_known(text, secrets)
    for pattern, replacement in _REDACTIONS:
        text = pattern.sub(replacement, text)
    return text


def redact_known(text: str, secrets: Iterable[str]) -> str:
    """Replace every known secret value (in any form it takes in a URL or JSON) by `***`.

    Only the values: for a server's own text (an operation's message, its raw payload), which
    may say "Bearer token expired" and mean nothing secret by it.
    """
    for form in _forms(secrets):
        text = text.replace(form, "***")
    return text


def redact_data(value: Any, secrets: Iterable[str]) -> Any:
    """A JSON-like value (mappings, lists, text) with every known secret value redacted from its
    text, keys included; `value` itself when none occurs in it."""
    forms = _forms(secrets)
    if not forms:
        return value
    return _redact_data(value, forms)


def _redact_data(value: Any, forms: tuple[str, ...]) -> Any:
    if isinstance(value, str):
        for form in forms:
            if form in value:
                value = value.replace(form, "***")
        return value
    if isinstance(value, Mapping):
        items = [(_redact_data(k, forms), _redact_data(v, forms)) for k, v in value.items()]
        changed = any(
            nk is not k or nv is not v
            for (nk, nv), (k, v) in zip(items, value.items(), strict=True)
        )
        return dict(items) if changed else value
    if isinstance(value, (list, tuple)):
        redacted = [_redact_data(item, forms) for item in value]
        if all(new is old for new, old in zip(redacted, value, strict=True)):
            return value
        return type(value)(redacted) if isinstance(value, tuple) else redacted
    return value


def _forms(secrets: Iterable[str]) -> tuple[str, ...]:
    """Every form of every secret (as it is, URL-quoted, inside a JSON string), longest first."""
    forms: set[str] = set()
    for secret in secrets:
        if secret:
            forms.update({secret, quote(secret, safe=""), json.dumps(secret)[1:-1]})
    forms.discard("")
    return tuple(sorted(forms, key=len, reverse=True))
