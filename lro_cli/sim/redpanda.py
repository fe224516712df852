"""Redpanda Cloud control-plane operations, from PROVIDERS.md, Redpanda's long-running operations
guide and its published OpenAPI document (`/v1/operations`, `v1.Operation`, `rpc.Status`).

Mounted at `/redpanda`:

- `POST /oauth/token` — the OAuth2 client-credentials exchange (Redpanda's is at
  `auth.prd.cloud.redpanda.com`; here it shares the port). A form body `grant_type=
  client_credentials&client_id=…&client_secret=…&audience=…` (or the client in HTTP Basic, or a
  JSON body) answers `{"access_token", "token_type": "Bearer", "expires_in"}`. The n-th token
  issued is `<redpanda_token>.issued-<n>`: the scenario chooses what tokens look like (a canary,
  in the secrecy tests) and can script a hostile answer that echoes one back. Issued tokens stop
  working `redpanda_token_lifetime` seconds (default: `redpanda_expires_in`) after issue: then
  every call answers 401, so a client's refresh can be tested. The static `redpanda_token` always
  works. Errors are Auth0's `{"error", "error_description"}` (unverified: Auth0's usual shape).
- `GET /v1/operations/{id}` → `{"operation": Operation}`.
- `GET /v1/operations?page_size=&page_token=&filter.state=&filter.type_in=…&filter.resource_id=`
  → `{"operations": [...], "next_page_token": "..."}`, newest first; `next_page_token` is `""` on
  the last page (the gateway prints unset fields; the OpenAPI text also allows it to be missing).

Operations are snake_case; fields never scripted are left out (as in Redpanda's own example of an
in-progress operation), and a field scripted as `null` is sent as `null` (as in the OpenAPI
examples of completed operations, whose `started_at`/`finished_at` are null). Errors are
`rpc.Status` bodies whose `code` is a name, as the OpenAPI enum has it.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any
from urllib.parse import parse_qsl

from lro_cli.sim.exchange import Answer, SimRequest
from lro_cli.sim.operations import OperationView, World
from lro_cli.sim.wire import (
    bearer,
    page_token,
    read_page_token,
    rfc3339,
    rpc_name,
    rpc_status,
    scripted_time,
)

STATES = ("STATE_IN_PROGRESS", "STATE_COMPLETED", "STATE_FAILED")
TERMINAL = frozenset({"STATE_COMPLETED", "STATE_FAILED"})
MAX_PAGE_SIZE = 100
# Unverified: the OpenAPI document gives only the cap; the default page is taken to be the cap.
DEFAULT_PAGE_SIZE = 100
TOKEN_PATH = "/oauth/token"


class RedpandaDialect:
    name = "redpanda"
    prefix = "/redpanda"

    def handle(self, request: SimRequest, world: World) -> Answer:
        if request.path == TOKEN_PATH:
            if request.method != "POST":
                return Answer(405, {"error": "invalid_request", "error_description": "POST only"})
            return self._issue_token(request, world)
        denied = self._authenticate(request, world)
        if denied is not None:
            return denied
        parts = request.path.strip("/").split("/")
        if parts[:2] != ["v1", "operations"] or len(parts) > 3:
            return self._error(404, "Not Found", world)
        if request.method != "GET":
            return self._error(405, "Method Not Allowed", world)
        if len(parts) == 3:
            return self._get(parts[2], world)
        return self._list(request, world)

    def error_payload(self, status: int, message: str, request_id: str) -> dict[str, Any]:
        return {"code": rpc_name(status), "message": message, "details": []}

    def strip_state(self, payload: Any) -> Any:
        if not isinstance(payload, dict):
            return payload
        if isinstance(payload.get("operation"), dict):
            return {**payload, "operation": _without(payload["operation"], "state")}
        if isinstance(payload.get("operations"), list):
            operations = [_without(op, "state") for op in payload["operations"]]
            return {**payload, "operations": operations}
        return payload

    def render(self, view: OperationView) -> dict[str, Any]:
        fields = view.step.fields
        operation: dict[str, Any] = {"id": view.spec.id}
        if "metadata" in fields:
            operation["metadata"] = fields["metadata"]
        operation["state"] = view.state
        operation["started_at"] = scripted_time(view, fields.get("started_at", 0.0))
        settled = view.settled_at(TERMINAL)
        if "finished_at" in fields:
            operation["finished_at"] = scripted_time(view, fields["finished_at"])
        elif settled is not None:
            operation["finished_at"] = rfc3339(view.wall_at(settled))
        operation["type"] = view.spec.type
        if "resource_id" in fields:
            operation["resource_id"] = fields["resource_id"]
        if fields.get("error") is not None:
            operation["error"] = rpc_status(fields["error"], "UNKNOWN")
        if "response" in fields:
            operation["response"] = fields["response"]
        operation.update(view.step.extra)
        return operation

    # -- tokens -------------------------------------------------------------------------------

    def _issue_token(self, request: SimRequest, world: World) -> Answer:
        form = _form(request)
        client_id, client_secret = form.get("client_id"), form.get("client_secret")
        basic = _basic(request.headers.get("authorization", ""))
        if basic is not None:
            client_id, client_secret = basic
        creds = world.scenario.credentials
        if form.get("grant_type") != "client_credentials":
            return Answer(
                400,
                {
                    "error": "unsupported_grant_type",
                    "error_description": "Unsupported grant type: " + str(form.get("grant_type")),
                },
            )
        if client_id != creds.redpanda_client_id or client_secret != creds.redpanda_client_secret:
            return Answer(401, {"error": "access_denied", "error_description": "Unauthorized"})
        if form.get("audience") != creds.redpanda_audience:
            description = f"Service not enabled within domain: {form.get('audience')}"
            return Answer(403, {"error": "access_denied", "error_description": description})
        tokens = self._tokens(world)
        token = f"{creds.redpanda_token}.issued-{len(tokens) + 1}"
        lifetime = creds.redpanda_token_lifetime
        if lifetime is None:
            lifetime = float(creds.redpanda_expires_in)
        tokens[token] = world.now + lifetime
        body = {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": creds.redpanda_expires_in,
        }
        return Answer(200, body, headers={"Cache-Control": "no-store"})

    def _authenticate(self, request: SimRequest, world: World) -> Answer | None:
        token = bearer(request)
        if token is None:
            return self._error(401, "missing bearer token", world)
        if token == world.scenario.credentials.redpanda_token:
            return None
        expires = self._tokens(world).get(token)
        if expires is None:
            return self._error(401, "invalid bearer token", world)
        if world.now >= expires:
            return self._error(401, "token is expired", world)
        return None

    def _tokens(self, world: World) -> dict[str, float]:
        tokens: dict[str, float] = world.book.state[self.name].setdefault("tokens", {})
        return tokens

    # -- operations ---------------------------------------------------------------------------

    def _get(self, operation_id: str, world: World) -> Answer:
        live = world.book.find(self.name, operation_id)
        if live is None:
            return self._error(404, f"operation {operation_id} not found", world)
        fault = live.fault_for_poll()
        view = world.see(live)
        if live.expired(world.now):
            answer = self._error(404, f"operation {operation_id} not found", world)
        else:
            answer = Answer(200, {"operation": self.render(view)})
        answer.operation_id, answer.fault = operation_id, fault
        return answer

    def _list(self, request: SimRequest, world: World) -> Answer:
        try:
            size_text = request.param("page_size")
            size = DEFAULT_PAGE_SIZE if not size_text else int(size_text)
            offset = read_page_token(request.param("page_token"))
        except ValueError as exc:
            return self._error(400, f"invalid argument: {exc}", world)
        if size < 0:
            return self._error(400, "page_size must not be negative", world)
        size = min(size or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)  # "the page is capped to 100"
        state = request.param("filter.state")
        if state is not None and state not in STATES:
            return self._error(400, f"invalid value for filter.state: {state!r}", world)
        types = set(request.params("filter.type_in"))
        resource = request.param("filter.resource_id")
        views = [(live.seq, world.see(live)) for live in world.listing(self.name)]
        chosen = [
            view
            for _, view in sorted(views, key=lambda pair: (pair[1].created, pair[0]), reverse=True)
            if (state is None or view.state == state)
            and (not types or view.spec.type in types)
            and (resource is None or view.step.fields.get("resource_id") == resource)
        ]
        page = chosen[offset : offset + size]
        more = offset + size < len(chosen)
        return Answer(
            200,
            {
                "operations": [self.render(view) for view in page],
                "next_page_token": page_token(offset + size) if more else "",
            },
        )

    def _error(self, status: int, message: str, world: World) -> Answer:
        return Answer(status, self.error_payload(status, message, world.request_id))


def _form(request: SimRequest) -> dict[str, str]:
    body = request.body.decode("utf-8", "replace")
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            data = json.loads(body or "{}")
        except ValueError:
            return {}
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}
    return dict(parse_qsl(body, keep_blank_values=True))


def _basic(header: str) -> tuple[str, str] | None:
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, _, password = base64.b64decode(value.strip()).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return user, password


def _without(operation: Any, key: str) -> Any:
    if not isinstance(operation, dict):
        return operation
    return {k: v for k, v in operation.items() if k != key}
