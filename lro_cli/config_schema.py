"""The config file's schema as data: providers, the keys each takes, defaults, names."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

PROVIDERS = ("redpanda", "neon", "gcore", "google", "azure", "lakesail", "http")

# Google has no single API host (every service has its own), and the http dialect is whatever
# the user describes, so those two must name their base_url.
DEFAULT_BASE_URLS: Mapping[str, str] = {
    "redpanda": "https://api.redpanda.com",
    "neon": "https://console.neon.tech/api/v2",
    "gcore": "https://api.gcore.com",
    "azure": "https://management.azure.com",
    "lakesail": "https://platform.lakesail.com/api/v1",
}

SECRET_KEYS = ("api_key", "token", "client_id", "client_secret")  # each also as `X_env`
CREDENTIAL_KEYS = (*SECRET_KEYS, "headers")

COMMON_KEYS = (
    "provider",
    "base_url",
    "interval",
    "interval_by_type",
    "min_interval",
    "timeout",
    "error_budget",
    "not_found_grace",
    "allow_insecure_http",
)
_HTTP_RULES = (
    "get",
    "state_path",
    "states",
    "progress_path",
    "progress_max",
    "error_path",
    "resource_path",
    "start_id_path",
    "list",
    "items_path",
    "id_path",
    "next_path",
    "cursor_param",
)
PROVIDER_KEYS: Mapping[str, tuple[str, ...]] = {
    "redpanda": ("client_id", "client_secret", "token", "token_url", "audience"),
    "neon": ("api_key", "project_id"),
    "gcore": ("api_key", "project_id", "region_id"),
    "google": ("token", "token_command", "parent"),
    "azure": ("token", "token_command"),
    "lakesail": ("token",),
    "http": ("token", "api_key", "api_key_header", "headers", *_HTTP_RULES),
}
REQUIRED_KEYS: Mapping[str, tuple[str, ...]] = {
    "neon": ("project_id",),
    "google": ("base_url",),
    "http": ("base_url", "get", "state_path", "states"),
}
# Non-secret provider keys, always present in Profile.options (None when not set).
OPTION_DEFAULTS: Mapping[str, Mapping[str, Any]] = {
    "redpanda": {
        "token_url": "https://auth.prd.cloud.redpanda.com/oauth/token",
        "audience": "cloudv2-production.redpanda.cloud",
    },
    "neon": {"project_id": None},
    "gcore": {"project_id": None, "region_id": None},
    "google": {"parent": None},
    "azure": {},
    "lakesail": {},
    "http": {
        "api_key_header": "X-API-Key",
        "get": None,
        "state_path": None,
        "states": None,
        "progress_path": None,
        "progress_max": 100.0,
        "error_path": None,
        "resource_path": (),  # always a tuple of dotted paths
        "start_id_path": (),
        "list": None,
        "items_path": None,
        "id_path": "id",
        "next_path": None,
        "cursor_param": "cursor",
    },
}

PROFILE_NAME = re.compile(r"[A-Za-z0-9_.-]+")
ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def allowed_keys(provider: str) -> tuple[str, ...]:
    own = PROVIDER_KEYS.get(provider, ())
    return (*COMMON_KEYS, *own, *(f"{key}_env" for key in own if key in SECRET_KEYS))
