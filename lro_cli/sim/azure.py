"""Azure asynchronous operations: ARM's `Azure-AsyncOperation` and `Location` URLs, and the
asynchronous request-reply pattern, from PROVIDERS.md, "Track asynchronous Azure operations" (ARM)
and the Azure Architecture Center's request-reply pattern.

Mounted at `/azure`; ARM paths (`/subscriptions/…`) need `api-version` (400
`MissingApiVersionParameter` otherwise) and every call a Bearer token (401
`AuthenticationFailed`). Each scripted operation has a resource path
(option `resource_path`, default `/subscriptions/{s}/resourceGroups/sim-rg/providers/
Microsoft.Compute/virtualMachines/vm-<id>`) and offers the URL kinds listed in `urls`:

- starting call: any PUT/PATCH/POST/DELETE on the resource path starts the timeline and answers
  `initial_status` (default 201 for a PUT offering `async_operation`, else 202; a 201 carries the
  resource body) with `Azure-AsyncOperation` and/or `Location` (absolute URLs on the caller's
  host) and `Retry-After` when scripted. An unscripted path gets a 3-second success.
- `async_operation`: `GET /subscriptions/{s}/providers/Microsoft.Compute/locations/{region}/
  operations/{id}` is always 200 with `{id, name, status, startTime, endTime, percentComplete,
  properties, error}` (the last four only when set/terminal).
- `location`: `.../operationResults/{id}` is 202 with no body while running, then `final_status`
  (200 with the resource body, or 204); a Failed or Canceled one answers `failure_status`
  (default 400) with an ARM error body `{"error": {"code", "message"}}`.
- `request_reply` (alone): the starting call answers 202 with `Location: …/azure/api/status/{id}`;
  that status endpoint is 200 with the status body while pending (and after a failure: the
  pattern says nothing of failures), and `redirect_status` (302 by default, or 303) with
  `Location: redirect_to` (default: the resource path on this host; any URL, another host too)
  once Succeeded.
- `GET` on the resource path: the resource (`{id, name, type, properties.provisioningState}` merged
  with the scripted `resource`), 404 `ResourceNotFound` before the starting call.

Status values are the scenario's raw text (Accepted, InProgress, Succeeded, Failed, Canceled or a
service's own); Succeeded/Failed/Canceled are terminal, matched without case as azure-core does.
`Retry-After` (step field `retry_after`) goes on every non-terminal status, Location and 200
answer. Step fields: `percent_complete`, `error` (text or {code, message, details}),
`properties`, `resource`, `retry_after`. Options: `urls`, `method`, `resource_path`, `location`
(region), `initial_status`, `final_status`, `failure_status`, `redirect_status`, `redirect_to`.
"""

from __future__ import annotations

from typing import Any

from lro_cli.sim.exchange import Answer, SimRequest
from lro_cli.sim.operations import LiveOperation, OperationView, World
from lro_cli.sim.scenario import ScriptedOperation, Step

TERMINAL = frozenset({"succeeded", "failed", "canceled"})
API_VERSION = "2024-07-01"
REGION = "westus"
_STARTING = frozenset({"PUT", "PATCH", "POST", "DELETE"})


def timestamp(view: OperationView, offset: float) -> str:
    # ARM's own examples print seven fractional digits and an offset: 2017-01-06T20:56:36.0028129Z
    return view.wall_at(offset).strftime("%Y-%m-%dT%H:%M:%S.%f0+00:00")


class AzureDialect:
    name = "azure"
    prefix = "/azure"

    def handle(self, request: SimRequest, world: World) -> Answer:
        expected = f"Bearer {world.scenario.credentials.azure_token}"
        if request.headers.get("authorization", "") != expected:
            missing = "authorization" not in request.headers
            message = (
                "Authentication failed. The 'Authorization' header is missing."
                if missing
                else "The access token is invalid."
            )
            code = "AuthenticationFailed" if missing else "InvalidAuthenticationToken"
            return _arm_error(
                401, code, message, {"WWW-Authenticate": 'Bearer error="invalid_token"'}
            )
        path = request.path.rstrip("/")
        parts = path.strip("/").split("/")
        if parts[:2] == ["api", "status"] and len(parts) == 3:
            return self._status(parts[2], request, world, reply=True)
        if parts[0] == "subscriptions" and request.param("api-version") is None:
            return _arm_error(
                400,
                "MissingApiVersionParameter",
                "The api-version query parameter (?api-version=) is required for all requests.",
            )
        # /subscriptions/{s}/providers/Microsoft.Compute/locations/{region}/operations/{id}
        if len(parts) == 8 and parts[0] == "subscriptions" and parts[4] == "locations":
            if parts[6] == "operations" and request.method == "GET":
                return self._status(parts[7], request, world, reply=False)
            if parts[6] == "operationResults" and request.method == "GET":
                return self._location(parts[7], request, world)
        return self._resource(path, request, world)

    def error_payload(self, status: int, message: str, request_id: str) -> dict[str, Any]:
        code = {404: "ResourceNotFound", 429: "TooManyRequests"}.get(status, "InternalServerError")
        return {"error": {"code": code if status >= 404 else "BadRequest", "message": message}}

    def strip_state(self, payload: Any) -> Any:
        if isinstance(payload, dict):
            return {key: value for key, value in payload.items() if key != "status"}
        return payload

    def status_body(self, live: LiveOperation, view: OperationView) -> dict[str, Any]:
        fields = view.step.fields
        body: dict[str, Any] = {
            "id": f"{_operations_root(live)}/operations/{live.spec.id}",
            "name": live.spec.id,
            "status": view.state,
            "startTime": timestamp(view, 0.0),
        }
        settled = view.settled_at(frozenset(s for s in _states(live) if s.lower() in TERMINAL))
        if settled is not None:
            body["endTime"] = timestamp(view, settled)
        if fields.get("percent_complete") is not None:
            body["percentComplete"] = fields["percent_complete"]
        if fields.get("properties") is not None:
            body["properties"] = fields["properties"]
        if fields.get("error") is not None and view.state.lower() in ("failed", "canceled"):
            body["error"] = _error_object(fields["error"], view.state)
        body.update(view.step.extra)
        return body

    def resource_body(self, live: LiveOperation, view: OperationView) -> dict[str, Any]:
        state = view.state if view.state.lower() in TERMINAL else "Creating"
        path = _resource_path(live)
        body: dict[str, Any] = {
            "id": path,
            "name": path.rsplit("/", 1)[-1],
            "type": "/".join(path.split("/")[6:8]) if "/providers/" in path else "Sim/resources",
        }
        scripted = view.step.fields.get("resource") or {}
        body.update({key: value for key, value in scripted.items() if key != "properties"})
        body["properties"] = {"provisioningState": state, **scripted.get("properties", {})}
        return body

    # -- the URLs -----------------------------------------------------------------------------

    def _status(self, op_id: str, request: SimRequest, world: World, *, reply: bool) -> Answer:
        live = world.book.find(self.name, op_id)
        kind = "request_reply" if reply else "async_operation"
        if live is None or kind not in live.spec.options["urls"] or live.expired(world.now):
            return _arm_error(
                404, "OperationNotFound", f"Operation {op_id} was not found.", None, op_id
            )
        fault = live.fault_for_poll()
        view = world.see(live)
        options, state = live.spec.options, view.state.lower()
        if reply and state == "succeeded":
            target = options.get("redirect_to") or _url(request, _resource_path(live))
            status = int(options.get("redirect_status", 302))
            answer = Answer(status, None, {"Location": target})
        else:
            answer = Answer(200, self.status_body(live, view), _retry(view))
        answer.operation_id, answer.fault = op_id, fault
        return answer

    def _location(self, op_id: str, request: SimRequest, world: World) -> Answer:
        live = world.book.find(self.name, op_id)
        if live is None or "location" not in live.spec.options["urls"] or live.expired(world.now):
            return _arm_error(
                404, "OperationNotFound", f"Operation {op_id} was not found.", None, op_id
            )
        fault = live.fault_for_poll()
        view = world.see(live)
        state, options = view.state.lower(), live.spec.options
        if state not in TERMINAL:
            headers = {"Location": _url(request, _location_path(live)), **_retry(view)}
            answer = Answer(202, None, headers)
        elif state == "succeeded":
            final = int(options.get("final_status", 200))
            answer = Answer(final, None if final == 204 else self.resource_body(live, view))
        else:
            error = _error_object(view.step.fields.get("error"), view.state)
            answer = Answer(int(options.get("failure_status", 400)), {"error": error})
        answer.operation_id, answer.fault = op_id, fault
        return answer

    def _resource(self, path: str, request: SimRequest, world: World) -> Answer:
        live = next((op for op in world.book.all(self.name) if _resource_path(op) == path), None)
        if request.method == "GET":
            if live is None or not live.visible or live.t0 is None or live.expired(world.now):
                message = f"The Resource '{path.rsplit('/', 1)[-1]}' was not found."
                return _arm_error(404, "ResourceNotFound", message)
            return Answer(
                200, self.resource_body(live, live.view(world.now)), operation_id=live.spec.id
            )
        if request.method not in _STARTING:
            return _arm_error(405, "MethodNotAllowed", f"{request.method} is not supported.")
        if live is None:
            live = world.book.add(_default_operation(path, world))
        live.visible = True
        view = world.see(live)
        return self._started(live, view, request)

    def _started(self, live: LiveOperation, view: OperationView, request: SimRequest) -> Answer:
        urls, options = live.spec.options["urls"], live.spec.options
        headers = _retry(view)
        if "request_reply" in urls:
            headers["Location"] = _url(request, f"/api/status/{live.spec.id}")
            return Answer(202, None, headers, operation_id=live.spec.id)
        if "async_operation" in urls:
            headers["Azure-AsyncOperation"] = _url(request, _status_path(live))
        if "location" in urls:
            headers["Location"] = _url(request, _location_path(live))
        default = 201 if request.method == "PUT" and "async_operation" in urls else 202
        status = int(options.get("initial_status", default))
        body = self.resource_body(live, view) if status in (200, 201) else None
        return Answer(status, body, headers, operation_id=live.spec.id)


def _states(live: LiveOperation) -> set[str]:
    return {step.state for step in live.spec.timeline}


def _retry(view: OperationView) -> dict[str, str]:
    value = view.step.fields.get("retry_after")
    if value is None or view.state.lower() in TERMINAL:
        return {}
    return {"Retry-After": str(int(value)) if isinstance(value, float) else str(value)}


def _operations_root(live: LiveOperation) -> str:
    region = live.spec.options.get("location", REGION)
    return f"/subscriptions/{live.spec.project_id}/providers/Microsoft.Compute/locations/{region}"


def _status_path(live: LiveOperation) -> str:
    return f"{_operations_root(live)}/operations/{live.spec.id}"


def _location_path(live: LiveOperation) -> str:
    return f"{_operations_root(live)}/operationResults/{live.spec.id}"


def _resource_path(live: LiveOperation) -> str:
    scripted = live.spec.options.get("resource_path")
    if scripted:
        return str(scripted).rstrip("/")
    return (
        f"/subscriptions/{live.spec.project_id}/resourceGroups/sim-rg/providers/"
        f"Microsoft.Compute/virtualMachines/vm-{live.spec.id[:8]}"
    )


def _url(request: SimRequest, path: str) -> str:
    """An absolute URL on the host the client called, as ARM sends them (ARM's versioned)."""
    host = request.headers.get("host")
    query = f"?api-version={API_VERSION}" if path.startswith("/subscriptions/") else ""
    base = f"http://{host}/azure" if host else "/azure"
    return f"{base}{path}{query}"


def _error_object(error: Any, state: str) -> dict[str, Any]:
    if isinstance(error, dict):
        return {"code": "OperationFailed", "message": "", **error}
    if error is None:
        code = "Canceled" if state.lower() == "canceled" else "OperationFailed"
        return {"code": code, "message": f"The operation ended as {state}."}
    return {"code": "OperationFailed", "message": str(error)}


def _arm_error(
    status: int,
    code: str,
    message: str,
    headers: dict[str, str] | None = None,
    operation_id: str | None = None,
) -> Answer:
    return Answer(
        status, {"error": {"code": code, "message": message}}, headers or {}, operation_id
    )


def _default_operation(path: str, world: World) -> ScriptedOperation:
    return ScriptedOperation(
        dialect="azure",
        id=world.book.new_id("azure"),
        type="create",
        project_id=world.scenario.azure_subscription,
        timeline=(
            Step(0.0, "Accepted", {}, {}),
            Step(1.0, "InProgress", {}, {}),
            Step(3.0, "Succeeded", {}, {}),
        ),
        options={"urls": ["async_operation", "location"], "resource_path": path},
    )
