"""A generic JSON job API for the declarative `http` provider (no real provider behind it).

Mounted at `/custom`; every call needs `X-API-Key: <http_api_key>` (401 otherwise). Errors are
`{"error": {"message": "..."}}`. The shape, which the `http` adapter's tests rely on:

- `GET /custom/jobs/{id}` → 200
  `{"job": {"id": "...", "phase": "QUEUED", "pct": 0, "failure": {"reason": "..."},
  "outputs": ["..."]}}`. `phase` is the timeline's raw state (by convention `QUEUED`, `RUNNING`,
  `DONE`, `BROKEN`, but any text is sent as scripted); `pct` (0–100) is left out until scripted;
  `failure` is present only when scripted (a text becomes `{"reason": text}`); `outputs` is
  always a list (empty until scripted). Unknown id: 404.
- `GET /custom/jobs?cursor=<c>&limit=<n>` → `{"items": [{"job": job}, ...], "next": "<c>"}` in
  creation order, `limit` 1–100 (default 2, so that paging shows up with few jobs); `next` is left
  out on the last page. Each item has the shape of a GET answer: the `http` provider reads list
  items and GET bodies with the same paths (SPEC.md has one `state_path` for both).
- `POST /custom/jobs` → 201 `{"job": {"id": "..."}}`: the next scripted batch waiting for a create
  call (`created_by_call`), or else a new job that is QUEUED, then RUNNING at 1 s (pct 50) and DONE
  at 3 s (pct 100, outputs [`out/<id>.json`]).

Scenario: dialect `http`, timeline `state` is the phase; step fields `pct`, `failure`, `outputs`.
A matching `http` profile: `get: /jobs/{id}`, `state_path: job.phase`, `progress_path: job.pct`,
`error_path: job.failure.reason`, `resource_path: job.outputs`, `start_id_path: job.id`,
`list: /jobs`, `items_path: items`, `id_path: job.id`, `next_path: next`, `cursor_param: cursor`.
"""

from __future__ import annotations

from typing import Any

from lro_cli.sim.exchange import Answer, SimRequest
from lro_cli.sim.operations import LiveOperation, OperationView, World
from lro_cli.sim.scenario import ScriptedOperation, Step
from lro_cli.sim.wire import page_token, read_page_token

DEFAULT_PAGE_SIZE = 2


class CustomDialect:
    name = "http"
    prefix = "/custom"

    def handle(self, request: SimRequest, world: World) -> Answer:
        if request.headers.get("x-api-key") != world.scenario.credentials.http_api_key:
            return self._error(401, "missing or invalid X-API-Key")
        parts = request.path.strip("/").split("/")
        if parts[0] != "jobs" or len(parts) > 2:
            return self._error(404, "not found")
        if len(parts) == 2:
            if request.method != "GET":
                return self._error(405, "method not allowed")
            return self._get(parts[1], world)
        if request.method == "POST":
            return self._start(world)
        if request.method == "GET":
            return self._list(request, world)
        return self._error(405, "method not allowed")

    def error_payload(self, status: int, message: str, request_id: str) -> dict[str, Any]:
        return {"error": {"message": message}}

    def strip_state(self, payload: Any) -> Any:
        if isinstance(payload, dict) and isinstance(payload.get("job"), dict):
            return {**payload, "job": _without_phase(payload["job"])}
        if isinstance(payload, dict) and isinstance(payload.get("items"), list):
            return {**payload, "items": [self.strip_state(item) for item in payload["items"]]}
        return payload

    def render(self, view: OperationView) -> dict[str, Any]:
        fields = view.step.fields
        job: dict[str, Any] = {"id": view.spec.id, "phase": view.state}
        if fields.get("pct") is not None:
            job["pct"] = fields["pct"]
        failure = fields.get("failure")
        if failure is not None:
            job["failure"] = failure if isinstance(failure, dict) else {"reason": str(failure)}
        job["outputs"] = list(fields.get("outputs") or [])
        job.update(view.step.extra)
        return job

    def _get(self, job_id: str, world: World) -> Answer:
        live = world.book.find(self.name, job_id)
        if live is None:
            return self._error(404, f"job {job_id} not found")
        fault = live.fault_for_poll()
        view = world.see(live)
        if live.expired(world.now):
            answer = self._error(404, f"job {job_id} not found")
        else:
            answer = Answer(200, {"job": self.render(view)})
        answer.operation_id, answer.fault = job_id, fault
        return answer

    def _list(self, request: SimRequest, world: World) -> Answer:
        try:
            limit = int(request.param("limit") or DEFAULT_PAGE_SIZE)
            offset = read_page_token(request.param("cursor"))
        except ValueError:
            return self._error(400, "invalid limit or cursor")
        if not 1 <= limit <= 100:
            return self._error(400, "limit must be from 1 to 100")
        jobs = sorted(world.listing(self.name), key=lambda live: live.seq)
        page = jobs[offset : offset + limit]
        # Items have the shape of a GET answer, so that one set of paths reads both.
        items = [{"job": self.render(world.see(live))} for live in page]
        payload: dict[str, Any] = {"items": items}
        if offset + limit < len(jobs):
            payload["next"] = page_token(offset + limit)
        return Answer(200, payload)

    def _start(self, world: World) -> Answer:
        claimed = world.book.claim(self.name) or [self._new_job(world)]
        for live in claimed:
            world.see(live)
        # One id per create call: the first of the batch (a batch of one is the usual case).
        return Answer(201, {"job": {"id": claimed[0].spec.id}}, operation_id=claimed[0].spec.id)

    def _new_job(self, world: World) -> LiveOperation:
        job_id = world.book.new_id(self.name)
        spec = ScriptedOperation(
            dialect=self.name,
            id=job_id,
            type="job",
            project_id="-",
            timeline=(
                Step(0.0, "QUEUED", {"pct": 0}, {}),
                Step(1.0, "RUNNING", {"pct": 50}, {}),
                Step(3.0, "DONE", {"pct": 100, "outputs": [f"out/{job_id}.json"]}, {}),
            ),
        )
        return world.book.add(spec)

    def _error(self, status: int, message: str) -> Answer:
        return Answer(status, self.error_payload(status, message, ""))


def _without_phase(job: Any) -> Any:
    if not isinstance(job, dict):
        return job
    return {key: value for key, value in job.items() if key != "phase"}
