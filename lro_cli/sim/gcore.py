"""Gcore Cloud tasks, as PROVIDERS.md and Gcore's task-polling guide describe them.

Tasks come back at top level; timestamps carry no zone (`2026-05-23T05:07:31`); errors are
`{"exception_class", "message", "request_id"}`; `Authorization: APIKey <key>`.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from lro_cli.sim.exchange import Answer, SimRequest
from lro_cli.sim.operations import OperationView, World
from lro_cli.sim.scenario import ScriptedOperation, Step

STATES = ("NEW", "RUNNING", "FINISHED", "ERROR")
TERMINAL = frozenset({"FINISHED", "ERROR"})
# Every key of `created_resources`, as Gcore's API schema lists them (the `CreatedResources` of
# the `gcore` SDK 0.59, generated from it: `heat` is gone, `clusters` and the security groups are
# new); all are present once set.
CREATED_RESOURCE_KEYS = (
    "ai_clusters", "api_keys", "caas_containers", "clusters", "ddos_profiles", "faas_functions",
    "faas_namespaces", "file_shares", "floatingips", "healthmonitors", "images",
    "inference_instances", "instances", "k8s_clusters", "k8s_pools", "l7polices", "l7rules",
    "laas_topic", "listeners", "loadbalancers", "members", "networks", "pools", "ports",
    "postgresql_clusters", "projects", "registry_registries", "registry_users", "routers",
    "secrets", "security_group_rules", "security_groups", "servergroups", "snapshots", "subnets",
    "volumes",
)  # fmt: skip
_EXCEPTION_CLASSES = {400: "ValidationError", 401: "NotAuthenticated", 404: "NotFoundError"}
DEFAULT_USER_ID = 1234
DEFAULT_CLIENT_ID = 5678
# What a create call on a resource path starts when no scripted task is waiting for it.
_CREATED_BY_RESOURCE = {
    "instances": ("create_vm", "instances"),
    "volumes": ("create_volume", "volumes"),
    "networks": ("create_network", "networks"),
    "subnets": ("create_subnet", "subnets"),
    "floatingips": ("create_fip", "floatingips"),
    "loadbalancers": ("create_loadbalancer", "loadbalancers"),
    "k8s": ("create_k8s_cluster_v2", "k8s_clusters"),
    "snapshots": ("create_snapshot", "snapshots"),
}


def timestamp(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")


class GcoreDialect:
    name = "gcore"
    prefix = "/gcore"

    def handle(self, request: SimRequest, world: World) -> Answer:
        denied = self._authenticate(request, world)
        if denied is not None:
            return denied
        parts = request.path.strip("/").split("/")
        if parts[:3] != ["cloud", "v1", "tasks"]:
            if request.method == "POST" and len(parts) >= 5 and parts[0] == "cloud":
                return self._create(parts, world)
            return self._error(404, "Not Found", world)
        rest = parts[3:]
        if not rest:
            return self._list(request, world) if request.method == "GET" else self._no_method(world)
        if len(rest) == 1:
            return self._get(rest[0], world) if request.method == "GET" else self._no_method(world)
        if len(rest) == 2 and rest[1] == "acknowledge":
            if request.method != "POST":
                return self._no_method(world)
            return self._acknowledge(rest[0], world)
        return self._error(404, "Not Found", world)

    def error_payload(self, status: int, message: str, request_id: str) -> dict[str, Any]:
        return {
            "exception_class": _EXCEPTION_CLASSES.get(status, "HTTPError"),
            "message": message,
            "request_id": request_id,
        }

    def strip_state(self, payload: Any) -> Any:
        if isinstance(payload, dict) and isinstance(payload.get("results"), list):
            return {**payload, "results": [self.strip_state(item) for item in payload["results"]]}
        if isinstance(payload, dict):
            return {key: value for key, value in payload.items() if key != "state"}
        return payload

    def render(self, view: OperationView) -> dict[str, Any]:
        fields = view.step.fields
        settled = view.settled_at(TERMINAL)
        user_id = fields.get("user_id", DEFAULT_USER_ID)
        acknowledged = view.acknowledged_at
        task: dict[str, Any] = {
            "id": view.spec.id,
            "task_type": view.spec.type,
            "state": view.state,
            "error": fields.get("error"),
            "created_on": timestamp(view.created),
            "updated_on": timestamp(view.updated),
            "finished_on": None if settled is None else timestamp(view.wall_at(settled)),
            "created_resources": _created_resources(fields, view.state),
            "detailed_state": fields.get("detailed_state"),
            "data": fields.get("data"),
            "user_id": user_id,
            "project_id": view.spec.project_id,
            "region_id": view.spec.region_id,
            "request_id": fields.get("request_id", view.spec.id.replace("-", "")[:32]),
            "client_id": DEFAULT_CLIENT_ID,
            "acknowledged_at": None if acknowledged is None else timestamp(acknowledged),
            "acknowledged_by": None if acknowledged is None else user_id,
            "job_id": None,
            "lifecycle_policy_id": None,
            "schedule_id": None,
            "user_client_id": None,
        }
        task.update(view.step.extra)
        return task

    def _authenticate(self, request: SimRequest, world: World) -> Answer | None:
        header = request.headers.get("authorization")
        if not header:
            return self._error(401, "Authentication credentials were not provided.", world)
        scheme, _, key = header.partition(" ")
        if scheme != "APIKey" or key.strip() != world.scenario.credentials.gcore_api_key:
            return self._error(401, "Invalid authentication credentials.", world)
        return None

    def _get(self, task_id: str, world: World) -> Answer:
        live = world.book.find(self.name, task_id)
        if live is None:
            return self._error(404, f"Task {task_id} could not be found", world)
        fault = live.fault_for_poll()
        view = world.see(live)
        if live.expired(world.now):
            answer = self._error(404, f"Task {task_id} could not be found", world)
        else:
            answer = Answer(200, self.render(view))
        answer.operation_id, answer.fault = task_id, fault
        return answer

    def _acknowledge(self, task_id: str, world: World) -> Answer:
        live = world.book.find(self.name, task_id)
        if live is None or live.expired(world.now):
            return self._error(404, f"Task {task_id} could not be found", world)
        world.see(live)
        if live.acknowledged_at is None:
            live.acknowledged_at = world.wall
        return Answer(200, self.render(live.view(world.now)), operation_id=task_id)

    def _list(self, request: SimRequest, world: World) -> Answer:
        try:
            query = _TaskQuery.parse(request)
        except ValueError as exc:
            return self._error(400, f"Validation Error: {exc}", world)
        views = [
            (live.seq, world.see(live))
            for live in world.listing(self.name)
            if query.selects(live.spec)
        ]
        views = [(seq, view) for seq, view in views if query.admits(view)]
        views.sort(key=lambda pair: (pair[1].created, pair[0]), reverse=query.descending)
        page = views[query.offset : query.offset + query.limit]
        return Answer(200, {"count": len(views), "results": [self.render(v) for _, v in page]})

    def _create(self, parts: list[str], world: World) -> Answer:
        try:
            project_id, region_id = int(parts[-2]), int(parts[-1])
        except ValueError:
            return self._error(404, "Not Found", world)
        claimed = world.book.claim(self.name)
        if not claimed:
            task_type, key = _CREATED_BY_RESOURCE.get(parts[2], (f"create_{parts[2]}", parts[2]))
            resource = world.book.new_id(self.name)
            spec = ScriptedOperation(
                dialect=self.name,
                id=world.book.new_id(self.name),
                type=task_type,
                project_id=project_id,
                region_id=region_id,
                timeline=(
                    Step(0.0, "NEW", {}, {}),
                    Step(1.0, "RUNNING", {}, {}),
                    Step(3.0, "FINISHED", {"created_resources": {key: [resource]}}, {}),
                ),
            )
            claimed = [world.book.add(spec)]
        for live in claimed:
            world.see(live)
        return Answer(200, {"tasks": [live.spec.id for live in claimed]})

    def _no_method(self, world: World) -> Answer:
        return self._error(405, "Method Not Allowed", world)

    def _error(self, status: int, message: str, world: World) -> Answer:
        return Answer(status, self.error_payload(status, message, world.request_id))


def _created_resources(fields: Any, state: str) -> dict[str, Any] | None:
    if "created_resources" in fields:
        scripted = fields["created_resources"]
        if scripted is None:
            return None
    elif state == "FINISHED":
        scripted = {}
    else:
        # Gcore's guide shows `null` on an ERROR task; nothing is created before the end either.
        return None
    # Scripted keys keep their order (clients must keep it too); every other key is an empty list.
    resources = {key: list(ids) for key, ids in scripted.items()}
    resources.update({key: [] for key in CREATED_RESOURCE_KEYS if key not in resources})
    return resources


class _TaskQuery:
    def __init__(self) -> None:
        self.limit, self.offset, self.descending = 10, 0, False
        self.states: set[str] = set()
        self.task_type: str | None = None
        self.projects: set[int] = set()
        self.regions: set[int] = set()
        self.since: datetime | None = None
        self.until: datetime | None = None
        self.acknowledged: bool | None = None

    @classmethod
    def parse(cls, request: SimRequest) -> _TaskQuery:
        query = cls()
        query.limit = _integer(request.param("limit"), "limit", 10, 1, 1000)
        query.offset = _integer(request.param("offset"), "offset", 0, 0, None)
        query.states = set(request.params("state"))
        unknown = query.states - set(STATES)
        if unknown:
            raise ValueError(f"state: unexpected value {sorted(unknown)[0]!r}")
        query.task_type = request.param("task_type")
        query.projects = {
            _integer(v, "project_id", 0, 0, None) for v in request.params("project_id")
        }
        query.regions = {_integer(v, "region_id", 0, 0, None) for v in request.params("region_id")}
        query.since = _moment(request.param("from_timestamp"), "from_timestamp")
        query.until = _moment(request.param("to_timestamp"), "to_timestamp")
        acknowledged = request.param("is_acknowledged")
        if acknowledged is not None:
            if acknowledged.lower() not in ("true", "false"):
                raise ValueError("is_acknowledged: expected true or false")
            query.acknowledged = acknowledged.lower() == "true"
        order = request.param("order_by") or request.param("sorting") or "asc"
        if order not in ("asc", "desc"):
            raise ValueError("order_by: expected asc or desc")
        query.descending = order == "desc"
        return query

    def selects(self, spec: ScriptedOperation) -> bool:
        return (
            (self.task_type is None or spec.type == self.task_type)
            and (not self.projects or spec.project_id in self.projects)
            and (not self.regions or spec.region_id in self.regions)
        )

    def admits(self, view: OperationView) -> bool:
        created = view.created.replace(microsecond=0)
        return (
            (not self.states or view.state in self.states)
            and (self.since is None or created >= self.since)
            and (self.until is None or created <= self.until)
            and self.acknowledged in (None, view.acknowledged_at is not None)
        )


def _integer(text: str | None, name: str, default: int, low: int, high: int | None) -> int:
    if text is None:
        return default
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"{name}: expected an integer") from None
    if value < low or (high is not None and value > high):
        raise ValueError(f"{name}: out of range")
    return value


def _moment(text: str | None, name: str) -> datetime | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{name}: expected an ISO 8601 datetime") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
