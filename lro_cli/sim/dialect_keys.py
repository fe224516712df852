"""Which scenario keys each dialect takes: timeline fields, operation-level ones, options."""

from __future__ import annotations

from typing import Any

from lro_cli.sim.scenario import ScenarioError

STEP_FIELDS = {
    "gcore": frozenset({"detailed_state", "error", "created_resources", "data"}),
    "neon": frozenset(
        {"branch_id", "endpoint_id", "error", "retry_at", "failures_count", "total_duration_ms"}
    ),
    "redpanda": frozenset(
        {"resource_id", "started_at", "finished_at", "error", "metadata", "response"}
    ),
    "lakesail": frozenset(
        {"result", "error", "progress", "resource_id", "resource_type", "started_at"}
        | {"completed_at"}
    ),
    "google": frozenset({"metadata", "error", "response", "show_done"}),
    "azure": frozenset({"percent_complete", "error", "resource", "properties", "retry_after"}),
    "http": frozenset({"pct", "failure", "outputs"}),
}
# Operation-level keys that seed the first step's fields.
INITIAL_FIELDS = {
    "gcore": frozenset({"data", "user_id", "request_id"}),
    "neon": frozenset({"branch_id", "endpoint_id"}),
    "redpanda": frozenset({"resource_id", "metadata"}),
    "lakesail": frozenset({"resource_id", "resource_type"}),
    "google": frozenset({"metadata"}),
    "azure": frozenset({"resource", "retry_after"}),
    "http": frozenset(),
}
# Operation-level settings that are not on the timeline (kept in `ScriptedOperation.options`).
OPTIONS = {
    "gcore": frozenset(),
    "neon": frozenset(),
    "redpanda": frozenset(),
    "lakesail": frozenset({"organization_id", "member_id"}),
    "google": frozenset({"parent", "cancel_unimplemented"}),
    "azure": frozenset(
        {"urls", "method", "resource_path", "initial_status", "final_status", "failure_status"}
        | {"redirect_status", "redirect_to", "location"}
    ),
    "http": frozenset(),
}
CREDENTIAL_TEXTS = (
    "gcore_api_key", "neon_api_key", "redpanda_client_id", "redpanda_client_secret",
    "redpanda_audience", "redpanda_token", "lakesail_token", "google_token", "azure_token",
    "http_api_key",
)  # fmt: skip


_AZURE_URL_KINDS = frozenset({"async_operation", "location", "request_reply"})


def check_options(dialect: str, options: dict[str, Any], where: str) -> None:
    """The options whose mistakes would otherwise only show as a puzzling answer."""
    if dialect == "azure":
        kinds = options.setdefault("urls", ["async_operation", "location"])
        if not isinstance(kinds, list) or not kinds or not set(kinds) <= _AZURE_URL_KINDS:
            choices = ", ".join(sorted(_AZURE_URL_KINDS))
            raise ScenarioError(f"{where}.urls: a non-empty list of {choices}")
        if "request_reply" in kinds and len(kinds) > 1:
            raise ScenarioError(f"{where}.urls: request_reply goes alone")
        for key in ("initial_status", "final_status", "failure_status", "redirect_status"):
            value = options.get(key, 200)
            if isinstance(value, bool) or not isinstance(value, int):
                raise ScenarioError(f"{where}.{key}: expected an integer")
    if dialect == "google":
        parent = options.get("parent", "projects/p/locations/l")
        if not isinstance(parent, str) or not parent or parent.endswith("/"):
            raise ScenarioError(f"{where}.parent: expected a text like projects/p/locations/l")
