"""A small OpenAPI 3.0 schema check: $ref, allOf, types, required, enum, formats, closed objects.

`closed` also rejects keys a schema does not declare, so the simulator cannot invent fields.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

SPEC_PATH = Path(__file__).resolve().parents[1] / "data" / "neon-v2-openapi.json"
_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
}


@cache
def spec() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    return loaded


def schema(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def response_schema(name: str) -> dict[str, Any]:
    found: dict[str, Any] = spec()["components"]["responses"][name]["content"]["application/json"]
    return found["schema"]  # type: ignore[no-any-return]


def problems(value: Any, node: dict[str, Any], *, closed: bool = True) -> list[str]:
    found: list[str] = []
    _check(value, node, "$", closed, found)
    return found


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = spec()
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def _declared(node: dict[str, Any]) -> set[str]:
    node = _resolve(node)
    # A required key counts as declared: Neon's Pagination requires `limit` it never describes.
    keys = set(node.get("properties", {})) | set(node.get("required", []))
    for part in node.get("allOf", []):
        keys |= _declared(part)
    return keys


def _check(
    value: Any,
    node: dict[str, Any],
    where: str,
    closed: bool,
    found: list[str],
    own_keys: bool = True,
) -> None:
    node = _resolve(node)
    for part in node.get("allOf", []):
        # Each part declares only some keys: the whole allOf is checked for unknown ones below.
        _check(value, part, where, closed, found, own_keys=False)
    if closed and own_keys and isinstance(value, dict) and _declared(node):
        for key in sorted(set(value) - _declared(node)):
            found.append(f"{where}: undeclared key {key!r}")
    kind = node.get("type")
    if kind is not None:
        ok = isinstance(value, _TYPES[kind]) and not (
            kind in ("integer", "number") and isinstance(value, bool)
        )
        if not ok:
            found.append(f"{where}: expected {kind}, got {type(value).__name__}")
            return
    if "enum" in node and value not in node["enum"]:
        found.append(f"{where}: {value!r} not in enum")
    if isinstance(value, str):
        _check_string(value, node, where, found)
    if isinstance(value, dict):
        for key in node.get("required", []):
            if key not in value:
                found.append(f"{where}: missing required {key!r}")
        for key, sub in node.get("properties", {}).items():
            if key in value:
                _check(value[key], sub, f"{where}.{key}", closed, found)
    if isinstance(value, list) and "items" in node:
        for index, item in enumerate(value):
            _check(item, node["items"], f"{where}[{index}]", closed, found)


def _check_string(value: str, node: dict[str, Any], where: str, found: list[str]) -> None:
    if len(value) < node.get("minLength", 0):
        found.append(f"{where}: shorter than {node['minLength']}")
    if "pattern" in node and not re.search(node["pattern"], value):
        found.append(f"{where}: {value!r} does not match {node['pattern']}")
    fmt = node.get("format")
    try:
        if fmt == "date-time":
            # RFC 3339 requires a zone; fromisoformat alone would accept a naive time.
            if not re.fullmatch(r".+T.+(Z|[+-]\d\d:\d\d)", value):
                raise ValueError(value)
            datetime.fromisoformat(value.replace("Z", "+00:00"))
        elif fmt == "uuid":
            uuid.UUID(value)
    except ValueError:
        found.append(f"{where}: {value!r} is not a valid {fmt}")
