"""Reading a provider's original response from standard input: a JSON body or `curl -i` output."""

from __future__ import annotations

import json
import re

from lro_cli.errors import UsageError

_STATUS_LINE = re.compile(r"^HTTP/\d(?:\.\d)?\s+\d{3}")


def read_start_response(text: str) -> tuple[object, dict[str, str]]:
    """(JSON body or None, headers with lowercase names) from what a starting call printed."""
    stripped = text.lstrip("\ufeff").lstrip()
    if not stripped:
        raise UsageError("standard input is empty: pipe in the response that started the operation")
    headers: dict[str, str] = {}
    body_text = stripped
    # `curl -i` may print several header blocks (100 Continue, proxies): the last one counts.
    while _STATUS_LINE.match(body_text):
        head, _, body_text = _split_head(body_text)
        headers = _parse_headers(head)
    body: object = None
    if body_text.strip():
        try:
            body = json.loads(body_text)
        except ValueError:
            if not headers:
                raise UsageError(
                    "standard input is neither JSON nor `curl -i` output with headers"
                ) from None
    return body, headers


def _split_head(text: str) -> tuple[str, str, str]:
    normalized = text.replace("\r\n", "\n")
    head, sep, rest = normalized.partition("\n\n")
    return head, sep, rest.lstrip("\n") if _STATUS_LINE.match(rest.lstrip("\n")) else rest


def _parse_headers(head: str) -> dict[str, str]:
    headers: dict[str, str] = {}
    for line in head.split("\n")[1:]:
        name, sep, value = line.partition(":")
        if sep and name.strip():
            headers[name.strip().lower()] = value.strip()
    return headers
