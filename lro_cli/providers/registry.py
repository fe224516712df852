"""Which adapter and which credentials a profile gets.

Adapter modules are imported only when a profile needs them, so that commands that never talk
to a provider (and `lro --help`) import neither the adapters nor httpx.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Final

from lro_cli.config import Profile
from lro_cli.config_schema import OPTION_DEFAULTS
from lro_cli.errors import ConfigError, UsageError

if TYPE_CHECKING:
    import httpx

    from lro_cli.http import Auth, HttpSession
    from lro_cli.providers.base import Provider

REDPANDA_TOKEN_URL: Final = OPTION_DEFAULTS["redpanda"]["token_url"]


# provider → (module, class): imported only when a profile of that provider is used.
ADAPTERS: Final[Mapping[str, tuple[str, str]]] = {
    "gcore": ("lro_cli.providers.gcore", "GcoreProvider"),
    "neon": ("lro_cli.providers.neon", "NeonProvider"),
    "redpanda": ("lro_cli.providers.redpanda", "RedpandaProvider"),
    "lakesail": ("lro_cli.providers.lakesail", "LakesailProvider"),
    "google": ("lro_cli.providers.google", "GoogleProvider"),
    "azure": ("lro_cli.providers.azure", "AzureProvider"),
    "http": ("lro_cli.providers.declarative", "DeclarativeProvider"),
}


def adapter_class(profile: Profile) -> Callable[..., Provider]:
    """The adapter class of the profile's provider; UsageError (exit 2) for one not built yet."""
    import importlib

    module_name, class_name = ADAPTERS.get(profile.provider, ("", ""))
    try:
        module = importlib.import_module(module_name) if module_name else None
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise
        module = None
    factory = getattr(module, class_name, None) if module is not None else None
    if factory is None:
        raise UsageError(
            f"provider '{profile.provider}' (profile '{profile.name}') is not supported yet"
        )
    return factory  # type: ignore[no-any-return]


def create(profile: Profile, session: HttpSession) -> Provider:
    """The adapter for the profile's provider, talking through `session`."""
    return adapter_class(profile)(profile, session)


def make_auth(
    profile: Profile,
    client: httpx.AsyncClient | None = None,
    *,
    monotonic: Callable[[], float] | None = None,
    debug: Callable[[str], None] | None = None,
) -> Auth:
    """The credentials scheme of the profile's provider (PROVIDERS.md "Auth" lines).

    `client`, `monotonic` and `debug` serve an OAuth token exchange (Redpanda): the run's HTTP
    client, its clock for token expiry, and its debug log.
    """
    import time

    from lro_cli.http import ClientCredentialsAuth, StaticAuth, TokenCommandAuth

    creds = profile.credentials
    extra = dict(creds.headers)
    if creds.token_command:
        return TokenCommandAuth(creds.token_command, extra_headers=extra)
    if profile.provider == "gcore" and creds.api_key:
        return StaticAuth({**extra, "Authorization": f"APIKey {creds.api_key}"})
    if profile.provider == "http" and creds.api_key:
        header = str(profile.options.get("api_key_header") or "X-API-Key")
        extra[header] = creds.api_key
    if profile.provider == "redpanda" and creds.client_id and not creds.token:
        if not creds.client_secret:
            raise ConfigError(f"profile '{profile.name}': client_id needs client_secret")
        return ClientCredentialsAuth(
            token_url=str(profile.options.get("token_url") or REDPANDA_TOKEN_URL),
            client_id=creds.client_id,
            client_secret=creds.client_secret,
            audience=str(profile.options.get("audience") or "") or None,
            client=client,
            monotonic=monotonic or time.monotonic,
            extra_headers=extra,
            debug=debug,
        )
    # Neon's API key is a bearer token; elsewhere `token` is.
    token = creds.token or (creds.api_key if profile.provider == "neon" else None)
    if token:
        extra["Authorization"] = f"Bearer {token}"
    if not extra and profile.provider != "http":
        needed = "api_key" if profile.provider in ("gcore", "neon") else "token or token_command"
        raise ConfigError(f"profile '{profile.name}': provider {profile.provider} needs {needed}")
    return StaticAuth(extra)
