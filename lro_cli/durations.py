"""Durations as people write them (`500ms`, `5s`, `2m`, `1h30m`, a bare number of seconds).

Used by the config file and by flags such as `--timeout`, `--interval` and `list --since`.
"""

from __future__ import annotations

import math
import re

_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_NUMBER = r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"
_BARE = re.compile(rf"{_NUMBER}")
# `ms` must come before `m` so that `500ms` is not read as 500 minutes and an `s`.
_PART = re.compile(rf"({_NUMBER})(ms|s|m|h|d)")
_EXAMPLES = "like 500ms, 5s, 2m, 1h, 1h30m or a number of seconds"


def parse_duration(text: str | int | float) -> float:
    """Seconds in `text`; ValueError with a one-line message for anything else."""
    if isinstance(text, bool) or not isinstance(text, (str, int, float)):
        kind = type(text).__name__
        raise ValueError(f"invalid duration (a {kind}): expected a duration {_EXAMPLES}")
    if not isinstance(text, str):
        return _checked(float(text), repr(text))
    raw = text
    text = text.strip().lower()
    if not text:
        raise ValueError(f"empty duration: expected a duration {_EXAMPLES}")
    if text.startswith("-"):
        raise ValueError(f"invalid duration {raw!r}: a duration cannot be negative")
    if _BARE.fullmatch(text):
        return _checked(float(text), repr(raw))
    total = 0.0
    position = 0
    for part in _PART.finditer(text):
        if part.start() != position:
            break
        total += float(part.group(1)) * _UNITS[part.group(2)]
        position = part.end()
    if position != len(text) or position == 0:
        raise ValueError(f"invalid duration {raw!r}: expected a duration {_EXAMPLES}")
    return _checked(total, repr(raw))


def _checked(seconds: float, shown: str) -> float:
    if math.isnan(seconds) or math.isinf(seconds):
        raise ValueError(f"invalid duration {shown}: expected a finite duration {_EXAMPLES}")
    if seconds < 0:
        raise ValueError(f"invalid duration {shown}: a duration cannot be negative")
    return seconds


def parse_timeout(text: str | int | float) -> float | None:
    """Like parse_duration, but `none` means no deadline (None); zero is refused.

    A zero deadline would turn every wait into an instant exit 124, which is never what a
    person writing `0` meant (GNU timeout reads 0 as "no deadline"), so we ask for `none`.
    """
    if isinstance(text, str) and text.strip().lower() == "none":
        return None
    seconds = parse_duration(text)
    if seconds == 0:
        raise ValueError(f"invalid timeout {text!r}: write 'none' for no deadline")
    return seconds


def format_duration(seconds: float) -> str:
    """Short text for messages (`800ms`, `1.5s`, `45s`, `2m05s`, `1h30m`) that parses back."""
    if math.isnan(seconds) or math.isinf(seconds):
        return "none" if seconds > 0 else str(seconds)
    if seconds < 0:
        return "-" + format_duration(-seconds)
    if seconds < 1:
        millis = round(seconds * 1000)
        return "0s" if millis == 0 else ("1s" if millis == 1000 else f"{millis}ms")
    tenths = round(seconds * 10)
    if tenths < 600:
        if tenths % 10 == 0:
            return f"{tenths // 10}s"
        return f"{tenths // 10}.{tenths % 10}s"
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        text = f"{hours}h"
        if minutes or secs:
            text += f"{minutes:02d}m"
        if secs:
            text += f"{secs:02d}s"
        return text
    return f"{minutes}m{secs:02d}s" if secs else f"{minutes}m"
