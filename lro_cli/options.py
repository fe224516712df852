"""What each command was asked to do, parsed from flags; no behaviour and no heavy imports."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CommonOptions:
    profile: str | None = None
    config: str | None = None
    timeout: str | None = None  # a duration text or "none"; parsed by the command
    interval: str | None = None
    plain: bool = False
    quiet: bool = False
    debug: bool = False


@dataclass(frozen=True)
class GetOptions:
    ids: tuple[str, ...]
    common: CommonOptions = CommonOptions()
    output: str = "table"  # table | json
    exit_status: bool = False
    raw: bool = False


@dataclass(frozen=True)
class WaitOptions:
    ids: tuple[str, ...]
    common: CommonOptions = CommonOptions()
    output: str = "ids"  # ids | json | ndjson
    fail_fast: bool = False
    raw: bool = False
    cancel_on_interrupt: bool = False  # on SIGINT / SIGTERM, ask to cancel what still runs


@dataclass(frozen=True)
class WatchOptions:
    ids: tuple[str, ...]
    common: CommonOptions = CommonOptions()
    output: str = "none"  # none | json | ndjson: stdout carries nothing unless asked
    fail_fast: bool = False
    raw: bool = False
    running: bool = False  # follow what the list endpoints of `profiles` show as in progress
    profiles: tuple[str, ...] = ()  # --profile, repeatable here
    until_idle: bool = False  # with --running: stop once nothing is left in progress
    relist: str | None = None  # with --running: how often to list again (a duration text)


@dataclass(frozen=True)
class ListOptions:
    common: CommonOptions = CommonOptions()
    states: tuple[str, ...] = ()  # normalized state names
    types: tuple[str, ...] = ()  # raw provider types
    since: str | None = None  # a duration (2h) or an ISO 8601 timestamp
    limit: int = 50  # a total across pages; 0 for no limit
    output: str = "table"  # table | json | ndjson
    raw: bool = False


@dataclass(frozen=True)
class CancelOptions:
    ids: tuple[str, ...]
    common: CommonOptions = CommonOptions()


@dataclass(frozen=True)
class ConfigOptions:
    action: str  # path | show | validate
    common: CommonOptions = CommonOptions()


@dataclass(frozen=True)
class SimServeOptions:
    port: int = 0
    host: str = "127.0.0.1"
    scenario: str | None = None


@dataclass(frozen=True)
class DemoOptions:
    common: CommonOptions = CommonOptions()
