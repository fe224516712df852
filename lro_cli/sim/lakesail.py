"""The LakeSail platform's operation document, from PROVIDERS.md and its API reference (seed 001).

Mounted at `/lakesail/api/v1`: `GET /operations/{operationId}` answers the operation at top level,
camelCase, every documented key present (`null` when unset: the reference types them without
saying which are optional; unverified). `status` is the scenario's raw text in any case, since the
reference types it only as a string. `completedAt` is set once the timeline's last step is
reached (a step can override it with `completed_at`: seconds after time zero, text or null).
There is no list endpoint: `GET /operations` is 404. Auth is `Authorization: Bearer <token>`.
Errors are `{"code", "message", "errorType", "details": {"requestId"}}`, the shape of the
operation's own `error` (unverified for HTTP errors).

Scenario keys: operation-level `organization_id`, `member_id`, `resource_id`, `resource_type`;
step fields `result` ({items, metadata}), `error` (a mapping as sent, or a text: the message),
`progress` ({stage, message, resources, summary}), `resource_id`, `resource_type`,
`started_at`, `completed_at`.
"""

from __future__ import annotations

from typing import Any

from lro_cli.sim.exchange import Answer, SimRequest
from lro_cli.sim.operations import OperationView, World
from lro_cli.sim.wire import bearer, rfc3339, scripted_time

DEFAULT_ORGANIZATION = "ORGSIM0001"
DEFAULT_MEMBER = "MEMSIM0001"
_ERROR_CODES = {401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}


class LakesailDialect:
    name = "lakesail"
    prefix = "/lakesail/api/v1"

    def handle(self, request: SimRequest, world: World) -> Answer:
        if bearer(request) != world.scenario.credentials.lakesail_token:
            message = "invalid token" if request.headers.get("authorization") else "unauthorized"
            return self._error(401, message, world)
        parts = request.path.strip("/").split("/")
        if len(parts) != 2 or parts[0] != "operations":
            return self._error(404, f"no route for {request.path}", world)
        if request.method != "GET":
            return self._error(405, "method not allowed", world)
        return self._get(parts[1], world)

    def error_payload(self, status: int, message: str, request_id: str) -> dict[str, Any]:
        return {
            "code": _ERROR_CODES.get(status, "INTERNAL_ERROR" if status >= 500 else "BAD_REQUEST"),
            "message": message,
            "errorType": "server" if status >= 500 else "client",
            "details": {"retryable": status >= 500 or status == 429, "requestId": request_id},
        }

    def strip_state(self, payload: Any) -> Any:
        if isinstance(payload, dict):
            return {key: value for key, value in payload.items() if key != "status"}
        return payload

    def render(self, view: OperationView) -> dict[str, Any]:
        fields, options = view.step.fields, view.spec.options
        last = view.index == len(view.spec.timeline) - 1
        if "completed_at" in fields:
            completed = scripted_time(view, fields["completed_at"])
        else:
            completed = rfc3339(view.updated) if last else None
        error = fields.get("error")
        if error is not None and not isinstance(error, dict):
            error = {"code": "OPERATION_FAILED", "message": str(error), "errorType": "operation"}
        operation = {
            "id": view.spec.id,
            "organizationId": options.get("organization_id", DEFAULT_ORGANIZATION),
            "memberId": options.get("member_id", DEFAULT_MEMBER),
            "operation": view.spec.type,
            "status": view.state,
            "result": fields.get("result"),
            "error": error,
            "progress": fields.get("progress"),
            "resourceType": fields.get("resource_type"),
            "resourceId": fields.get("resource_id"),
            "createdAt": rfc3339(view.created),
            "updatedAt": rfc3339(view.updated),
            "startedAt": scripted_time(view, fields.get("started_at", 0.0)),
            "completedAt": completed,
        }
        operation.update(view.step.extra)
        return operation

    def _get(self, operation_id: str, world: World) -> Answer:
        live = world.book.find(self.name, operation_id)
        if live is None:
            return self._error(404, f"operation {operation_id} not found", world)
        fault = live.fault_for_poll()
        view = world.see(live)
        if live.expired(world.now):
            answer = self._error(404, f"operation {operation_id} not found", world)
        else:
            answer = Answer(200, self.render(view))
        answer.operation_id, answer.fault = operation_id, fault
        return answer

    def _error(self, status: int, message: str, world: World) -> Answer:
        return Answer(status, self.error_payload(status, message, world.request_id))
