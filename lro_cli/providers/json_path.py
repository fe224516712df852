"""Dotted paths into JSON documents, for the `http` dialect's rules (`items.0.status`).

A segment of digits (optionally negative) indexes a list; any segment names a key of an object,
so `"0"` still reads a key spelled "0". A path that runs into a missing key, an index out of
range or a value of the wrong type yields `MISSING`, never an exception: the document comes
from a server and the path from a user, and either may be wrong.
"""

from __future__ import annotations

import enum
import re
from typing import Final

# Bounded: `int()` refuses texts of thousands of digits, and no list is that long anyway.
_INDEX = re.compile(r"-?[0-9]{1,18}")


class Missing(enum.Enum):
    """Nothing at the path (distinct from a JSON `null`, which is `None`)."""

    MISSING = "missing"

    def __bool__(self) -> bool:
        return False


MISSING: Final = Missing.MISSING


def get(document: object, path: str) -> object:
    """The value at the dotted `path` in `document`, or `MISSING`."""
    value = document
    for part in path.split("."):
        if isinstance(value, dict):
            if part not in value:
                return MISSING
            value = value[part]
        elif isinstance(value, list) and _INDEX.fullmatch(part):
            index = int(part)
            if not -len(value) <= index < len(value):
                return MISSING
            value = value[index]
        else:
            return MISSING
    return value
