"""Redaction of secrets from anything `lro` may show: debug logs, messages, masked config."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
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
    forms: set[str] = set()
    for secret in secrets:
        if secret:
            # Also the forms a secret takes inside a URL or a JSON string.
            forms.update({secret, quote(secret, safe=""), json.dumps(secret)[1:-1]})
    for form in sorted(forms, key=len, reverse=True):
        text = text.replace(form, "***")
    for pattern, replacement in _REDACTIONS:
        text = pattern.sub(replacement, text)
    return text
