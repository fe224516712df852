"""A small OpenAPI 3.0 schema check: $ref, allOf, oneOf, nullable, types, required, enum, formats,
closed objects.

`closed` also rejects keys a schema does not declare, so the simulator cannot invent fields.
Neon's document is the default; pass `document=load(REDPANDA_SPEC_PATH)` for another one.
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
REDPANDA_SPEC_PATH = SPEC_PATH.with_name("redpanda-controlplane-openapi.yaml")
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
    return load(SPEC_PATH)


@cache
def load(path: Path) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        loaded: dict[str, Any] = json.loads(text)
    else:
        import yaml

        # The C loader when built: the pure-Python one takes seconds on Redpanda's 345 kB file.
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        loaded = yaml.load(text, Loader=loader)  # a safe loader either way
    return loaded


def schema(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def response_schema(name: str) -> dict[str, Any]:
    found: dict[str, Any] = spec()["components"]["responses"][name]["content"]["application/json"]
    return found["schema"]  # type: ignore[no-any-return]


def problems(
    value: Any, node: dict[str, Any], *, closed: bool = True, document: dict[str, Any] | None = None
) -> list[str]:
    found: list[str] = []
    _check(value, node, "$", closed, found, document=document or spec())
    return found


def _resolve(node: dict[str, Any], document: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = document
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def _declared(node: dict[str, Any], document: dict[str, Any]) -> set[str]:
    node = _resolve(node, document)
    # A required key counts as declared: Neon's Pagination requires `limit` it never describes.
    keys = set(node.get("properties", {})) | set(node.get("required", []))
    for part in node.get("allOf", []):
        keys |= _declared(part, document)
    return keys


def _check(
    value: Any,
    node: dict[str, Any],
    where: str,
    closed: bool,
    found: list[str],
    own_keys: bool = True,
    *,
    document: dict[str, Any],
) -> None:
    node = _resolve(node, document)
    if value is None and node.get("nullable"):
        return
    if "oneOf" in node:
        # Exactly one branch must fit; its own closed check decides which keys are allowed.
        fits = 0
        for branch in node["oneOf"]:
            tried: list[str] = []
            _check(value, branch, where, closed, tried, document=document)
            fits += not tried
        if fits != 1:
            found.append(f"{where}: fits {fits} of the oneOf branches, not exactly 1")
    for part in node.get("allOf", []):
        # Each part declares only some keys: the whole allOf is checked for unknown ones below.
        _check(value, part, where, closed, found, own_keys=False, document=document)
    declared = _declared(node, document)
    if closed and own_keys and isinstance(value, dict) and declared:
        for key in sorted(set(value) - declared):
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
                _check(value[key], sub, f"{where}.{key}", closed, found, document=document)
    if isinstance(value, list) and "items" in node:
        for index, item in enumerate(value):
            _check(item, node["items"], f"{where}[{index}]", closed, found, document=document)


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
