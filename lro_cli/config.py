"""Profiles from YAML: location, interpolation, validation, lazy secrets.

CONTRACT (implemented by the config helper; signatures are fixed, other modules rely on them).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROVIDERS = ("redpanda", "neon", "gcore", "google", "azure", "lakesail", "http")


@dataclass(frozen=True)
class PollSettings:
    """Per-profile overrides of SPEC.md's polling defaults; None means 'not set in the file'."""

    interval: float | None = None
    interval_by_type: Mapping[str, float] = field(default_factory=dict)
    min_interval: float | None = None
    timeout: float | None = None
    timeout_none: bool = False  # `timeout: none` opts out of the overall deadline
    error_budget: float | None = None
    not_found_grace: float | None = None


@dataclass(frozen=True)
class Credentials:
    """Secrets of one profile, resolved from ${VAR} / *_env only when that profile is used.

    `token_command` is the argv (shlex-split) to run for a token; it is run by `http.py`, not here.
    """

    api_key: str | None = None
    token: str | None = None
    token_command: tuple[str, ...] | None = None
    client_id: str | None = None
    client_secret: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)

    def secrets(self) -> list[str]:
        """Every secret value, for redaction."""
        values = [self.api_key, self.token, self.client_secret, *self.headers.values()]
        return [v for v in values if v]


@dataclass(frozen=True)
class Profile:
    name: str
    provider: str
    base_url: str  # default per provider applied; no trailing slash
    options: Mapping[str, Any]  # provider-specific keys (project_id, region_id, parent, http rules…)
    credentials: Credentials
    polling: PollSettings
    allow_insecure_http: bool = False
    source: Path | None = None


@dataclass(frozen=True)
class Config:
    path: Path
    default_profile: str | None
    raw_profiles: Mapping[str, Mapping[str, Any]]
    exists: bool = True

    @property
    def profile_names(self) -> list[str]:
        return sorted(self.raw_profiles)

    def profile(self, name: str, environ: Mapping[str, str]) -> Profile:
        """Resolve one profile (interpolation, *_env) or raise ConfigError / UsageError (exit 2)."""
        raise NotImplementedError


def load(path: Path, environ: Mapping[str, str]) -> Config:
    """Read and validate the whole file (structure only; secrets stay unresolved).

    A missing file is an empty config (exists=False). Problems raise ConfigError naming file,
    profile and key.
    """
    raise NotImplementedError
