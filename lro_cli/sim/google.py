"""Google AIP-151 long-running operations (google.longrunning.Operations over HTTP/JSON), from
PROVIDERS.md, AIP-151/158 and the google.longrunning and google.rpc protos.

Mounted at `/google`, so a client's base URL is `<sim>/google` and its paths are Google's own:

- `GET /v1/{parent}/operations/{op}` → `{name, metadata, done, error | response}`. Like any proto3
  JSON, `done` is left out while it is false (a step may set `show_done: true` to send
  `"done": false`), and so are unset `metadata`, `error` and `response`. `error` is a
  google.rpc.Status with a numeric `code` (a scenario may script a code name; it is sent as its
  number, as proto3 JSON prints an int32). The official `google-api-core` client parses these
  bodies refusing unknown keys, so nothing else is added.
- `GET /v1/{parent}/operations?filter=&pageSize=&pageToken=` → `{"operations": [...],
  "nextPageToken": "..."}`, oldest first; an empty page is `{}` and the last page has no
  `nextPageToken` (proto3 JSON leaves out empty fields). `filter` understands `done=true|false`.
- `POST /v1/{parent}/operations/{op}:cancel` with `{}` (or, as google-api-core sends it, an empty
  body) → `{}`; a running operation becomes done with error code 1 (CANCELLED). An operation
  scripted with `cancel_unimplemented: true` answers 501 UNIMPLEMENTED instead.
- HTTP errors are `{"error": {"code", "message", "status", "details"}}`; auth is a Bearer token.

Scenario keys: `parent` (default `google_parent`), `cancel_unimplemented`, `metadata`; timeline
`state` is `running` or `done`, with step fields `metadata`, `error`, `response`, `show_done`.
"""

from __future__ import annotations

import json
from typing import Any

from lro_cli.sim.exchange import Answer, SimRequest
from lro_cli.sim.operations import LiveOperation, World
from lro_cli.sim.wire import bearer, page_token, read_page_token, rpc_name, rpc_number, rpc_status

DEFAULT_PAGE_SIZE = 50  # AIP-158 leaves the default to the service
MAX_PAGE_SIZE = 1000  # AIP-158: larger values are coerced down
_CANCELLED = {"code": 1, "message": "Operation was cancelled.", "details": []}


class GoogleDialect:
    name = "google"
    prefix = "/google"

    def handle(self, request: SimRequest, world: World) -> Answer:
        if bearer(request) != world.scenario.credentials.google_token:
            return self._error(
                401,
                "Request had invalid authentication credentials. Expected OAuth 2 access token,"
                " login cookie or other valid authentication credential.",
                world,
            )
        path = request.path.strip("/")
        if not path.startswith("v1/"):
            return self._error(404, f"The requested URL /{path} was not found.", world)
        name = path[len("v1/") :]
        if name.endswith(":cancel"):
            if request.method != "POST":
                return self._error(405, "Method not allowed.", world)
            return self._cancel(name[: -len(":cancel")], request, world)
        parts = name.split("/")
        if parts[-1] == "operations" and len(parts) >= 3:
            if request.method != "GET":
                return self._error(405, "Method not allowed.", world)
            return self._list("/".join(parts[:-1]), request, world)
        if len(parts) >= 4 and parts[-2] == "operations":
            if request.method == "DELETE":
                return self._error(501, "Operation deletion is not supported.", world)
            if request.method != "GET":
                return self._error(405, "Method not allowed.", world)
            return self._get(name, world)
        return self._error(404, f"The requested URL /{path} was not found.", world)

    def error_payload(self, status: int, message: str, request_id: str) -> dict[str, Any]:
        reason = rpc_name(status)
        info = {
            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
            "reason": reason,
            "domain": "googleapis.com",
        }
        return {"error": {"code": status, "message": message, "status": reason, "details": [info]}}

    def strip_state(self, payload: Any) -> Any:
        if isinstance(payload, dict) and isinstance(payload.get("operations"), list):
            return {**payload, "operations": [self.strip_state(op) for op in payload["operations"]]}
        if isinstance(payload, dict):
            return {key: value for key, value in payload.items() if key != "done"}
        return payload

    def render(self, live: LiveOperation, world: World) -> dict[str, Any]:
        view = world.see(live)
        fields = view.step.fields
        operation: dict[str, Any] = {"name": _name(live)}
        if fields.get("metadata") is not None:
            operation["metadata"] = fields["metadata"]
        cancelled = self._cancelled(world).get(live.spec.id)
        if cancelled is not None:
            operation.update(done=True, error=dict(_CANCELLED))
        elif view.state == "done":
            operation["done"] = True
            if fields.get("error") is not None:
                status = rpc_status(fields["error"], 2)
                operation["error"] = {**status, "code": rpc_number(status["code"])}
            elif fields.get("response") is not None:
                operation["response"] = fields["response"]
        elif fields.get("show_done"):
            operation["done"] = False
        operation.update(view.step.extra)
        return operation

    def _find(self, name: str, world: World) -> LiveOperation | None:
        parent, _, op_id = name.rpartition("/operations/")
        live = world.book.find(self.name, op_id)
        return live if live is not None and live.spec.project_id == parent else None

    def _get(self, name: str, world: World) -> Answer:
        live = self._find(name, world)
        if live is None:
            return self._error(404, f"Operation {name} not found.", world)
        fault = live.fault_for_poll()
        operation = self.render(live, world)
        if live.expired(world.now):
            answer = self._error(404, f"Operation {name} not found.", world)
        else:
            answer = Answer(200, operation)
        answer.operation_id, answer.fault = live.spec.id, fault
        return answer

    def _list(self, parent: str, request: SimRequest, world: World) -> Answer:
        try:
            size = int(request.param("pageSize") or DEFAULT_PAGE_SIZE)
            offset = read_page_token(request.param("pageToken"))
            done = _done_filter(request.param("filter") or "")
        except ValueError as exc:
            return self._error(400, f"Invalid argument: {exc}", world)
        if size < 0:
            return self._error(400, "Invalid argument: pageSize must not be negative", world)
        size = min(size or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
        shown = [
            self.render(live, world)
            for live in world.listing(self.name)
            if live.spec.project_id == parent
        ]
        chosen = [op for op in shown if done is None or op.get("done", False) == done]
        page = chosen[offset : offset + size]
        payload: dict[str, Any] = {}
        if page:
            payload["operations"] = page
        if offset + size < len(chosen):
            payload["nextPageToken"] = page_token(offset + size)
        return Answer(200, payload)

    def _cancel(self, name: str, request: SimRequest, world: World) -> Answer:
        try:
            body = json.loads(request.body or b"{}")
        except ValueError:
            return self._error(400, "Invalid JSON payload received.", world)
        if not isinstance(body, dict) or set(body) - {"name"}:
            return self._error(400, "Invalid JSON payload received. Unknown name.", world)
        live = self._find(name, world)
        if live is None or live.expired(world.now):
            return self._error(404, f"Operation {name} not found.", world)
        view = world.see(live)  # a cancel concerns the operation: its timeline starts here too
        if live.spec.options.get("cancel_unimplemented"):
            return self._error(501, "Operation cancellation is not supported.", world)
        if view.state != "done":  # best effort: a finished operation stays as it ended
            self._cancelled(world).setdefault(live.spec.id, world.now)
        return Answer(200, {}, operation_id=live.spec.id)

    def _cancelled(self, world: World) -> dict[str, float]:
        cancelled: dict[str, float] = world.book.state[self.name].setdefault("cancelled", {})
        return cancelled

    def _error(self, status: int, message: str, world: World) -> Answer:
        return Answer(status, self.error_payload(status, message, world.request_id))


def _name(live: LiveOperation) -> str:
    return f"{live.spec.project_id}/operations/{live.spec.id}"


def _done_filter(text: str) -> bool | None:
    compact = "".join(text.split()).lower()
    if not compact:
        return None
    if compact in ("done=true", "done:true"):
        return True
    if compact in ("done=false", "done:false"):
        return False
    raise ValueError(f"unsupported filter {text!r}")
