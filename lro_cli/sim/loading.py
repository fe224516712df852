"""Reading scenarios (the schema is in `lro_cli.sim.scenario`), strictly: a typo is an error."""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from lro_cli.sim.dialect_keys import (
    CREDENTIAL_TEXTS,
    INITIAL_FIELDS,
    OPTIONS,
    STEP_FIELDS,
    check_options,
)
from lro_cli.sim.scenario import (
    DIALECTS,
    FAULT_KINDS,
    Credentials,
    Fault,
    Scenario,
    ScenarioError,
    ScriptedOperation,
    Step,
)

_STEP_KEYS = frozenset({"at", "state", "status", "extra"})
_OPERATION_KEYS = frozenset(
    {"dialect", "id", "type", "timeline", "faults", "expire_after", "age", "created_by_call"}
    | {"project_id", "region_id", "extra"}
)
_FAULT_KEYS = frozenset(
    {"request", "kind", "status", "retry_after", "retry_after_date", "body", "content_type"}
    | {"seconds", "headers", "path", "method"}
)


def load_scenario(source: str | os.PathLike[str] | Mapping[str, Any]) -> Scenario:
    """A scenario from a mapping, or from a `.yaml`/`.yml`/`.json` file."""
    if isinstance(source, Mapping):
        return parse_scenario(source)
    path = Path(source)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise ScenarioError(f"{path}: cannot read: {reason}") from None
    is_json = path.suffix == ".json"
    try:
        data = json.loads(text) if is_json else _yaml(text)
    except Exception as exc:  # json's and yaml's errors alike: reported in one line
        detail = " ".join(str(exc).split())
        language = "JSON" if is_json else "YAML"
        raise ScenarioError(f"{path}: not valid {language}: {detail}") from None
    try:
        return parse_scenario(data if data is not None else {})
    except ScenarioError as exc:
        raise ScenarioError(f"{path}: {exc}") from None


def _yaml(text: str) -> Any:
    import yaml

    return yaml.safe_load(text)


def demo_scenario() -> Scenario:
    """The mix `lro demo` watches: 3 Gcore tasks, 3 Neon operations, one failure, two faults."""
    return _packaged("demo.yaml")


def default_scenario() -> Scenario:
    """What `lro sim serve` scripts without a scenario file: success, failure, every fault."""
    return _packaged("default.yaml")


def _packaged(name: str) -> Scenario:
    from importlib.resources import files

    text = files("lro_cli.sim").joinpath("scenarios").joinpath(name).read_text(encoding="utf-8")
    return parse_scenario(_yaml(text))


def parse_scenario(data: Any) -> Scenario:
    top = _mapping(data, "scenario")
    _no_unknown(
        top,
        {"description", "credentials", "neon_project_id", "gcore_project_id", "gcore_region_id"}
        | {"faults", "operations", "google_parent", "azure_subscription"},
        "scenario",
    )
    base = Scenario()
    scenario = Scenario(
        credentials=_credentials(top.get("credentials") or {}),
        neon_project_id=_text(top.get("neon_project_id", base.neon_project_id), "neon_project_id"),
        google_parent=_text(top.get("google_parent", base.google_parent), "google_parent"),
        azure_subscription=_text(
            top.get("azure_subscription", base.azure_subscription), "azure_subscription"
        ),
        gcore_project_id=_integer(top.get("gcore_project_id", 1), "gcore_project_id"),
        gcore_region_id=_integer(top.get("gcore_region_id", 1), "gcore_region_id"),
        description=str(top.get("description", "")),
        faults=tuple(
            parse_fault(item, f"faults[{i}]", server_wide=True)
            for i, item in enumerate(_sequence(top.get("faults") or [], "faults"))
        ),
    )
    operations = tuple(
        parse_operation(item, scenario, where=f"operations[{i}]")
        for i, item in enumerate(_sequence(top.get("operations") or [], "operations"))
    )
    seen: set[tuple[str, str]] = set()
    for op in operations:
        if (op.dialect, op.id) in seen:
            raise ScenarioError(f"operation {op.id!r} ({op.dialect}) is scripted twice")
        seen.add((op.dialect, op.id))
    return replace(scenario, operations=operations)


def _credentials(data: Any) -> Credentials:
    creds = _mapping(data, "credentials")
    allowed = set(CREDENTIAL_TEXTS) | {"redpanda_expires_in", "redpanda_token_lifetime"}
    _no_unknown(creds, allowed, "credentials")
    base = Credentials()
    texts = {key: _text(creds.get(key, getattr(base, key)), key) for key in CREDENTIAL_TEXTS}
    expires_in = _integer(creds.get("redpanda_expires_in", base.redpanda_expires_in), "expires_in")
    if expires_in < 1:
        raise ScenarioError("credentials.redpanda_expires_in: must be positive")
    lifetime = creds.get("redpanda_token_lifetime")
    return Credentials(
        **texts,
        redpanda_expires_in=expires_in,
        redpanda_token_lifetime=None if lifetime is None else _seconds(lifetime, "lifetime"),
    )


def parse_operation(
    data: Any, scenario: Scenario | None = None, *, where: str = "operation"
) -> ScriptedOperation:
    """One `operations` entry; project and region default to `scenario`'s."""
    scenario = scenario or Scenario()
    item = _mapping(data, where)
    dialect = item.get("dialect")
    if dialect not in DIALECTS:
        raise ScenarioError(f"{where}.dialect: expected one of {', '.join(DIALECTS)}")
    _no_unknown(item, _OPERATION_KEYS | INITIAL_FIELDS[dialect] | OPTIONS[dialect], where)
    if "id" not in item or "type" not in item:
        raise ScenarioError(f"{where}: 'id' and 'type' are required")
    initial = {key: item[key] for key in INITIAL_FIELDS[dialect] if key in item}
    extra = dict(_mapping(item.get("extra") or {}, f"{where}.extra"))
    steps = _parse_timeline(item.get("timeline"), dialect, initial, extra, f"{where}.timeline")
    options = {key: item[key] for key in OPTIONS[dialect] if key in item}
    check_options(dialect, options, where)
    default_project: str | int = {
        "gcore": scenario.gcore_project_id,
        "neon": scenario.neon_project_id,
        # A Google operation's scope is its parent; Azure's is the subscription.
        "google": item.get("parent", scenario.google_parent),
        "azure": scenario.azure_subscription,
    }.get(dialect, "-")
    project_id = item.get("project_id", default_project)
    if dialect == "gcore":
        project_id = _integer(project_id, f"{where}.project_id")
    else:
        project_id = _text(project_id, f"{where}.project_id")
    region = item.get("region_id", scenario.gcore_region_id if dialect == "gcore" else None)
    created_by_call = item.get("created_by_call", 0)
    expire_after = item.get("expire_after")
    return ScriptedOperation(
        dialect=dialect,
        id=_text(item["id"], f"{where}.id"),
        type=_text(item["type"], f"{where}.type"),
        timeline=steps,
        project_id=project_id,
        region_id=None if region is None else _integer(region, f"{where}.region_id"),
        faults=tuple(
            parse_fault(fault, f"{where}.faults[{i}]", server_wide=False)
            for i, fault in enumerate(_sequence(item.get("faults") or [], f"{where}.faults"))
        ),
        expire_after=None if expire_after is None else _seconds(expire_after, "expire_after"),
        age=_seconds(item.get("age", 0), f"{where}.age"),
        created_by_call=_batch(created_by_call, f"{where}.created_by_call"),
        options=options,
    )


def _parse_timeline(
    data: Any, dialect: str, initial: dict[str, Any], extra: dict[str, Any], where: str
) -> tuple[Step, ...]:
    entries = _sequence(data, where)
    if not entries:
        raise ScenarioError(f"{where}: at least one step is required")
    fields = dict(initial)
    steps: list[Step] = []
    state: str | None = None
    for i, raw in enumerate(entries):
        step = dict(_mapping(raw, f"{where}[{i}]"))
        _no_unknown(step, STEP_FIELDS[dialect] | _STEP_KEYS, f"{where}[{i}]")
        at = _seconds(step.pop("at", None), f"{where}[{i}].at")
        if steps and at < steps[-1].at:
            raise ScenarioError(f"{where}[{i}].at: steps must be in time order")
        # Neon calls its state `status`; either key is accepted for either dialect.
        raw_state = step.pop("state", step.pop("status", state))
        if raw_state is None:
            raise ScenarioError(f"{where}[{i}]: the first step needs a state")
        state = _text(raw_state, f"{where}[{i}].state")
        if dialect == "google" and state not in ("running", "done"):
            # An AIP-151 operation has no state text: only `done`, told from error/response.
            raise ScenarioError(f"{where}[{i}].state: expected running or done")
        extra.update(_mapping(step.pop("extra", {}), f"{where}[{i}].extra"))
        fields.update(step)
        steps.append(Step(at=at, state=state, fields=dict(fields), extra=dict(extra)))
    return tuple(steps)


def parse_fault(data: Any, where: str, *, server_wide: bool) -> Fault:
    item = _mapping(data, where)
    allowed = _FAULT_KEYS if server_wide else _FAULT_KEYS - {"path", "method"}
    _no_unknown(item, allowed, where)
    numbers = item.get("request")
    listed = numbers if isinstance(numbers, list) else [numbers]
    requests = frozenset(_integer(n, f"{where}.request") for n in listed)
    if not requests or min(requests) < 1:
        raise ScenarioError(f"{where}.request: 1-based request numbers are required")
    status = item.get("status")
    kind = item.get("kind", "status" if status is not None else None)
    if kind not in FAULT_KINDS:
        raise ScenarioError(f"{where}.kind: expected one of {', '.join(sorted(FAULT_KINDS))}")
    if kind == "status" and status is None:
        raise ScenarioError(f"{where}: a status fault needs 'status'")
    retry_after = item.get("retry_after")
    retry_date = item.get("retry_after_date")
    method = item.get("method")
    return Fault(
        requests=requests,
        kind=kind,
        status=None if status is None else _integer(status, f"{where}.status"),
        retry_after=None if retry_after is None else _retry_after_text(retry_after),
        retry_after_date=None if retry_date is None else _seconds(retry_date, where),
        body=None if item.get("body") is None else str(item["body"]),
        content_type=item.get("content_type"),
        seconds=_seconds(item.get("seconds", 60), f"{where}.seconds"),
        headers={str(k): str(v) for k, v in _mapping(item.get("headers") or {}, where).items()},
        path=item.get("path"),
        method=None if method is None else str(method).upper(),
    )


def _batch(value: Any, where: str) -> int:
    if isinstance(value, bool):
        return int(value)
    number = _integer(value, where)
    if number < 0:
        raise ScenarioError(f"{where}: must not be negative")
    return number


def _retry_after_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _mapping(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ScenarioError(f"{where}: expected a mapping")
    return value


def _sequence(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise ScenarioError(f"{where}: expected a list")
    return value


def _no_unknown(item: Mapping[str, Any], allowed: frozenset[str] | set[str], where: str) -> None:
    unknown = sorted(set(item) - set(allowed))
    if unknown:
        raise ScenarioError(f"{where}: unknown key {unknown[0]!r}")


def _text(value: Any, where: str) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)) or value == "":
        raise ScenarioError(f"{where}: expected a non-empty text")
    return str(value)


def _integer(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ScenarioError(f"{where}: expected an integer")
    return value


def _seconds(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ScenarioError(f"{where}: expected a number of seconds")
    if value < 0:
        raise ScenarioError(f"{where}: must not be negative")
    return float(value)
