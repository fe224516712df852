"""Neon API v2 operations, as PROVIDERS.md, Neon's operations guide and its OpenAPI document say.

Operations come wrapped (`{"operation": {...}}`), optional fields are left out rather than null,
timestamps are RFC 3339 with `Z`, lists are newest first with an opaque keyset cursor, errors are
`{"code", "message", "request_id"}` and auth is `Authorization: Bearer <key>`.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from lro_cli.sim.exchange import Answer, SimRequest
from lro_cli.sim.operations import LiveOperation, OperationView, World
from lro_cli.sim.scenario import ScriptedOperation, Step

STATUSES = frozenset(
    {"scheduling", "running", "finished", "failed", "error", "cancelling", "cancelled", "skipped"}
)
TERMINAL = frozenset({"finished", "failed", "cancelled", "skipped"})
DEFAULT_PAGE_SIZE = 10
_CURSOR_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def timestamp(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class NeonDialect:
    name = "neon"
    prefix = "/neon/api/v2"

    def handle(self, request: SimRequest, world: World) -> Answer:
        header = request.headers.get("authorization", "")
        scheme, _, key = header.partition(" ")
        if scheme.lower() != "bearer" or key.strip() != world.scenario.credentials.neon_api_key:
            message = "invalid API key" if header else "authentication required"
            return self._error(401, message, world)
        parts = request.path.strip("/").split("/")
        if len(parts) < 3 or parts[0] != "projects" or parts[2] not in ("operations", "branches"):
            return self._error(404, "not found", world)
        project_id, collection, rest = parts[1], parts[2], parts[3:]
        known = world.book.has_project(self.name, project_id)
        if not known and project_id != world.scenario.neon_project_id:
            return self._error(404, f"project {project_id} not found", world)
        if collection == "branches":
            if rest:
                return self._error(404, "not found", world)
            if request.method != "POST":
                return self._error(405, "method not allowed", world)
            return self._create_branch(project_id, request, world)
        if request.method != "GET":
            return self._error(405, "method not allowed", world)
        if not rest:
            return self._list(project_id, request, world)
        if len(rest) == 1:
            return self._get(project_id, rest[0], world)
        return self._error(404, "not found", world)

    def error_payload(self, status: int, message: str, request_id: str) -> dict[str, Any]:
        # Neon's ErrorCode is free text; the code is left empty as for most Neon errors.
        return {"request_id": request_id, "code": "", "message": message}

    def strip_state(self, payload: Any) -> Any:
        if not isinstance(payload, dict):
            return payload
        if isinstance(payload.get("operation"), dict):
            return {**payload, "operation": _without_status(payload["operation"])}
        if isinstance(payload.get("operations"), list):
            return {**payload, "operations": [_without_status(op) for op in payload["operations"]]}
        return payload

    def render(self, view: OperationView) -> dict[str, Any]:
        fields = view.step.fields
        settled = view.settled_at(TERMINAL)
        duration = fields.get("total_duration_ms")
        if duration is None:
            duration = int(1000 * (view.elapsed if settled is None else settled))
        operation: dict[str, Any] = {"id": view.spec.id, "project_id": view.spec.project_id}
        for key in ("branch_id", "endpoint_id"):
            if fields.get(key) is not None:
                operation[key] = fields[key]
        operation.update(action=view.spec.type, status=view.state)
        if fields.get("error") is not None:
            operation["error"] = fields["error"]
        operation["failures_count"] = fields.get("failures_count", 0)
        retry_at = fields.get("retry_at")
        if retry_at is not None:
            # A number is seconds from the operation's start; text is sent as it is.
            is_offset = isinstance(retry_at, (int, float))
            operation["retry_at"] = timestamp(view.wall_at(retry_at)) if is_offset else retry_at
        operation.update(
            created_at=timestamp(view.created),
            updated_at=timestamp(view.updated),
            total_duration_ms=duration,
        )
        operation.update(view.step.extra)
        return operation

    def _get(self, project_id: str, operation_id: str, world: World) -> Answer:
        live = world.book.find(self.name, operation_id)
        if live is None or live.spec.project_id != project_id:
            return self._error(404, f"operation {operation_id} not found", world)
        fault = live.fault_for_poll()
        view = world.see(live)
        if live.expired(world.now):
            answer = self._error(404, f"operation {operation_id} not found", world)
        else:
            answer = Answer(200, {"operation": self.render(view)})
        answer.operation_id, answer.fault = operation_id, fault
        return answer

    def _list(self, project_id: str, request: SimRequest, world: World) -> Answer:
        limit_text = request.param("limit")
        try:
            limit = DEFAULT_PAGE_SIZE if limit_text is None else int(limit_text)
        except ValueError:
            limit = 0
        if not 1 <= limit <= 1000:
            return self._error(400, "limit must be an integer from 1 to 1000", world)
        cursor_text = request.param("cursor")
        before: datetime | None = None
        if cursor_text:
            try:
                before = datetime.strptime(cursor_text, _CURSOR_FORMAT).replace(tzinfo=timezone.utc)
            except ValueError:
                return self._error(400, "invalid cursor", world)
        views = [
            world.see(live)
            for live in world.listing(self.name)
            if live.spec.project_id == project_id
        ]
        views = [view for view in views if before is None or view.created < before]
        views.sort(key=lambda view: view.created, reverse=True)
        page = views[:limit]
        payload: dict[str, Any] = {"operations": [self.render(view) for view in page]}
        if page:
            # The last page still carries a cursor: clients stop at the empty page after it.
            cursor = page[-1].created.astimezone(timezone.utc).strftime(_CURSOR_FORMAT)
            payload["pagination"] = {"cursor": cursor, "limit": limit}
        return Answer(200, payload)

    def _create_branch(self, project_id: str, request: SimRequest, world: World) -> Answer:
        try:
            body = json.loads(request.body or b"{}")
        except ValueError:
            return self._error(400, "request body is not valid JSON", world)
        wants_endpoint = isinstance(body, dict) and bool(body.get("endpoints"))
        claimed = world.book.claim(self.name, project_id)
        if not claimed:
            claimed = self._new_branch_operations(project_id, wants_endpoint, world)
        views = [world.see(live) for live in claimed]
        branch_id = next(
            (v.step.fields["branch_id"] for v in views if v.step.fields.get("branch_id")),
            f"br-sim-{world.book.new_id(self.name)[:8]}",
        )
        now = timestamp(world.wall)
        branch = {
            "id": branch_id,
            "project_id": project_id,
            "name": branch_id,
            "current_state": "init",
            "pending_state": "ready",
            "state_changed_at": now,
            "creation_source": "console",
            "default": False,
            "protected": False,
            "cpu_used_sec": 0,
            "active_time_seconds": 0,
            "compute_time_seconds": 0,
            "written_data_bytes": 0,
            "data_transfer_bytes": 0,
            "created_at": now,
            "updated_at": now,
        }
        return Answer(
            201,
            {
                "branch": branch,
                "endpoints": [],
                "operations": [self.render(view) for view in views],
                "roles": [],
                "databases": [],
            },
        )

    def _new_branch_operations(
        self, project_id: str, wants_endpoint: bool, world: World
    ) -> list[LiveOperation]:
        suffix = world.book.new_id(self.name)[:8]
        branch = {"branch_id": f"br-sim-{suffix}"}
        actions = [("create_branch", branch)]
        if wants_endpoint:
            actions.append(("start_compute", {**branch, "endpoint_id": f"ep-sim-{suffix}"}))
        created = []
        for action, fields in actions:
            spec = ScriptedOperation(
                dialect=self.name,
                id=world.book.new_id(self.name),
                type=action,
                project_id=project_id,
                timeline=(
                    Step(0.0, "scheduling", fields, {}),
                    Step(1.0, "running", fields, {}),
                    Step(3.0, "finished", fields, {}),
                ),
            )
            created.append(world.book.add(spec))
        return created

    def _error(self, status: int, message: str, world: World) -> Answer:
        return Answer(status, self.error_payload(status, message, world.request_id))


def _without_status(operation: Any) -> Any:
    if not isinstance(operation, dict):
        return operation
    return {key: value for key, value in operation.items() if key != "status"}
