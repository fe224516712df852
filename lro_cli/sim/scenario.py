"""Scenarios: scripted operations and faults for the simulator, as plain data (YAML, JSON, dict).

```yaml
description: free text
credentials: {gcore_api_key: sim-gcore-key, neon_api_key: sim-neon-key}   # these are the defaults
neon_project_id: sim-project-000001        # the default Neon project
gcore_project_id: 1                        # default Gcore project_id / region_id of tasks
gcore_region_id: 1
faults:                                    # server-wide: each rule counts the requests it matches
  - {request: 1, path: "/neon/api/v2/projects/*", method: GET, status: 503}
operations:
  - dialect: gcore                         # or neon
    id: d4a4b10e-5d22-4c23-8e09-f7a3e1c1a999
    type: create_vm                        # Gcore task_type / Neon action
    project_id: 1                          # Gcore: also region_id, user_id, request_id, data
    age: 0                                 # seconds it had already run when first seen
    expire_after: 3600                     # seconds after time zero: then it is 404 and unlisted
    created_by_call: 1                     # hidden until the 1st batch of create calls claims it
    extra: {}                              # raw keys added to every payload as they are
    timeline:                              # the dialect's own raw values (Neon: `status` too)
      - {at: 0, state: NEW}
      - {at: 2, state: RUNNING, detailed_state: NETWORK}
      - {at: 6, state: FINISHED, created_resources: {instances: [i-1]}}
    faults:                                # on this operation's GET, 1-based request numbers
      - {request: 2, status: 503, retry_after: 3}
      - {request: [3, 4], kind: reset}
```

Step fields: Gcore `detailed_state`, `error`, `created_resources`, `data`; Neon `branch_id`,
`endpoint_id` (also at operation level), `error`, `retry_at` (seconds after time zero, or text),
`failures_count`, `total_duration_ms` (computed when absent). Each step keeps the fields of the
steps before it unless it sets them again; `null` clears one.

Other dialects (each module's docstring has its paths and shapes):

- `redpanda` (`lro_cli.sim.redpanda`): `state` is Redpanda's raw `STATE_*`, `type` its `TYPE_*`;
  operation-level `resource_id`, `metadata`; step fields `resource_id`, `metadata`, `response`
  (each with "@type"), `error` (an rpc.Status: `code` a name like FAILED_PRECONDITION or a number),
  `started_at`/`finished_at` (seconds after time zero, text, or null).
- `lakesail`: any raw `status` text; `organization_id`, `member_id`, `resource_id`,
  `resource_type`; step fields `result`, `error`, `progress`, `started_at`, `completed_at`.
- `google`: `state` is `running` or `done`; `parent` (default `google_parent`),
  `cancel_unimplemented`, `metadata`; step fields `metadata`, `error`, `response`, `show_done`.
- `azure`: raw ARM status text; options `urls` (async_operation, location | request_reply),
  `method`, `resource_path`, `location`, `initial_status`, `final_status`, `failure_status`,
  `redirect_status`, `redirect_to`; step fields `percent_complete`, `error`, `properties`,
  `resource`, `retry_after`.
- `http` (the `/custom` job API): `state` is the phase; step fields `pct`, `failure`, `outputs`.

Top-level `google_parent` and `azure_subscription`; `credentials` also takes
`redpanda_client_id`, `redpanda_client_secret`, `redpanda_audience`, `redpanda_token` (static),
`redpanda_expires_in` (announced), `redpanda_token_lifetime` (real; then 401), `lakesail_token`,
`google_token`, `azure_token`, `http_api_key`.

Time zero of a timeline is the first request that concerns the operation (its GET, a list page
showing it, or the create call returning it), less its `age`.

Fault keys: `request` (a number or a list), `kind` (one of `FAULT_KINDS`; a fault with only
`status` is a `status` fault), `status`, `retry_after` (sent as it is), `retry_after_date`
(seconds: an HTTP date that far after the response's `Date`), `body`, `content_type`, `headers`,
`seconds` (how long a `slow` response takes). `html` is a proxy's error page (502 unless `status`
says otherwise), `garbage` a 200 that is not JSON, `truncated` half the real body,
`missing_state` the real JSON without its state field, `expired` a 404 in the provider's shape.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

DIALECTS = ("gcore", "neon", "redpanda", "lakesail", "google", "azure", "http")
FAULT_KINDS = frozenset(
    {"status", "reset", "slow", "garbage", "html", "truncated", "missing_state", "expired"}
)
DEFAULT_NEON_PROJECT = "sim-project-000001"
DEFAULT_GOOGLE_PARENT = "projects/sim-project/locations/us-central1"
DEFAULT_AZURE_SUBSCRIPTION = "00000000-0000-4000-8000-00000000a2e0"


class ScenarioError(ValueError):
    """A scenario that cannot be used; the message is one line naming where the problem is."""


@dataclass(frozen=True)
class Fault:
    requests: frozenset[int]
    kind: str
    status: int | None = None
    retry_after: str | None = None
    retry_after_date: float | None = None  # seconds after the response's Date header
    body: str | None = None
    content_type: str | None = None
    seconds: float = 0.0
    headers: Mapping[str, str] = field(default_factory=dict)
    path: str | None = None  # server-wide rules only: exact, or a prefix ending in "*"
    method: str | None = None

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method != method.upper():
            return False
        if self.path is None:
            return True
        if self.path.endswith("*"):
            return path.startswith(self.path[:-1])
        return path == self.path


@dataclass(frozen=True)
class Step:
    at: float
    state: str
    fields: Mapping[str, Any]  # everything scripted so far (later steps override earlier ones)
    extra: Mapping[str, Any]  # raw keys added to the payload as they are


@dataclass(frozen=True)
class ScriptedOperation:
    dialect: str
    id: str
    type: str
    timeline: tuple[Step, ...]
    project_id: str | int
    region_id: int | None = None
    faults: tuple[Fault, ...] = ()
    expire_after: float | None = None
    age: float = 0.0
    created_by_call: int = 0
    options: Mapping[str, Any] = field(default_factory=dict)  # dialect settings, not on a timeline


@dataclass(frozen=True)
class Credentials:
    gcore_api_key: str = "sim-gcore-key"
    neon_api_key: str = "sim-neon-key"
    redpanda_client_id: str = "sim-redpanda-client"
    redpanda_client_secret: str = "sim-redpanda-secret"
    redpanda_audience: str = "cloudv2-production.redpanda.cloud"
    redpanda_token: str = "sim-redpanda-token"  # a static token, accepted as well as issued ones
    redpanda_expires_in: int = 3600  # what the token endpoint announces
    redpanda_token_lifetime: float | None = None  # how long issued tokens work (expires_in)
    lakesail_token: str = "sim-lakesail-token"
    google_token: str = "sim-google-token"
    azure_token: str = "sim-azure-token"
    http_api_key: str = "sim-http-key"


@dataclass(frozen=True)
class Scenario:
    operations: tuple[ScriptedOperation, ...] = ()
    faults: tuple[Fault, ...] = ()
    credentials: Credentials = Credentials()
    neon_project_id: str = DEFAULT_NEON_PROJECT
    gcore_project_id: int = 1
    gcore_region_id: int = 1
    google_parent: str = DEFAULT_GOOGLE_PARENT
    azure_subscription: str = DEFAULT_AZURE_SUBSCRIPTION
    description: str = ""
