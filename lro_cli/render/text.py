"""Text helpers for everything shown to a person: cleaning server text, fitting it, durations.

Server text (messages, stages, types, raw states) can carry terminal control sequences, by
accident or on purpose (retitling the window, clearing the screen, hiding text). `clean` makes it
inert and one line long before any renderer shows it.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

from rich.cells import cell_len, set_cell_size

ELLIPSIS = "…"

_CONTROL_SEQUENCE = re.compile(
    r"""
      \x1b\[[0-?]*[ -/]*[@-~]?                  # CSI
    | \x1b\][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?  # OSC, ended by BEL or ST
    | \x1b[PX^_][^\x1b\x9c]*(?:\x1b\\|\x9c)?    # DCS, SOS, PM, APC strings
    | \x1b[ -/]*[0-~]?                          # any other escape sequence, or a lone ESC
    | \x9b[0-?]*[ -/]*[@-~]?                    # 8-bit CSI
    | \x9d[^\x07\x9c]*(?:\x07|\x9c)?            # 8-bit OSC
    | [\x90\x98\x9e\x9f][^\x9c]*\x9c?           # 8-bit DCS, SOS, PM, APC
    """,
    re.VERBOSE,
)
_LINE_BREAKS = re.compile(r"\r\n|[\n\t\v\f\x85\u2028\u2029]")
# What is left: C0 and C1 controls (a bare \r rewrites the line), and the bidirectional
# overrides that make text read differently from what it is.
_INVISIBLE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_SPACES = re.compile(r" {2,}")


def clean(text: str | None) -> str:
    """Server text made safe to print: no control sequences, one line, trimmed."""
    if not text:
        return ""
    text = _CONTROL_SEQUENCE.sub("", text)
    text = _LINE_BREAKS.sub(" ", text)
    text = _INVISIBLE.sub("", text)
    return _SPACES.sub(" ", text).strip()


def truncate(text: str, width: int) -> str:
    """`text` cut to `width` terminal cells, ending in an ellipsis when it was cut."""
    if width <= 0:
        return ""
    if cell_len(text) <= width:
        return text
    return set_cell_size(text, width - 1).rstrip() + ELLIPSIS


def short_id(id: str, width: int = 12) -> str:
    """An id short enough for a table cell.

    URL-like ids (Azure status URLs, Google operation names) keep their last path segment,
    which is the part that tells operations apart.
    """
    shown = clean(id)
    if "/" in shown:
        tail = shown.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
        shown = tail or shown
    return truncate(shown, width)


def format_duration(seconds: float) -> str:
    """A duration as a person reads it: 0s, 42s, 3m05s, 2h07m, 3d04h."""
    total = max(0, int(seconds))
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d{hours:02d}h"
    if hours:
        return f"{hours}h{minutes:02d}m"
    if minutes:
        return f"{minutes}m{secs:02d}s"
    return f"{secs}s"


def format_delay(seconds: float) -> str:
    """A wait before the next try: sub-second delays keep one decimal."""
    if 0 < seconds < 1:
        return f"{seconds:.1f}s"
    return format_duration(seconds + 0.5)


def utc_stamp(moment: datetime) -> str:
    """A log-line time: UTC to the second, `2026-01-01T00:00:05Z`."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
