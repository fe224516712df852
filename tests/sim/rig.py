"""A simulator on a virtual clock behind a real loopback server, and an httpx client for it."""

from __future__ import annotations

import ssl
from collections.abc import Mapping
from functools import cache
from typing import Any

import httpx

from lro_cli.clock import VirtualClock
from lro_cli.sim import SimServer, Simulator

GCORE_AUTH = {"Authorization": "APIKey sim-gcore-key"}
NEON_AUTH = {"Authorization": "Bearer sim-neon-key"}
NEON_PROJECT = "sim-project-000001"


@cache
def _tls() -> ssl.SSLContext:
    # Plain HTTP only, but httpx builds a TLS context per client: build it once for the suite.
    return ssl.create_default_context()


class Rig:
    """One simulator, its server and a client; `advance` moves the simulator's clock."""

    def __init__(self, sim: Simulator, server: SimServer, clock: VirtualClock) -> None:
        self.sim, self.server, self.clock = sim, server, clock
        self.client = httpx.Client(base_url=server.url, timeout=5.0, verify=_tls())

    def advance(self, seconds: float) -> None:
        self.clock.advance(seconds)

    def gcore(self, path: str, **kwargs: Any) -> httpx.Response:
        headers = kwargs.pop("headers", GCORE_AUTH)
        return self.client.request(
            kwargs.pop("method", "GET"), f"/gcore{path}", headers=headers, **kwargs
        )

    def neon(self, path: str, **kwargs: Any) -> httpx.Response:
        headers = kwargs.pop("headers", NEON_AUTH)
        return self.client.request(
            kwargs.pop("method", "GET"), f"/neon/api/v2{path}", headers=headers, **kwargs
        )

    def task(self, task_id: str, **kwargs: Any) -> httpx.Response:
        return self.gcore(f"/cloud/v1/tasks/{task_id}", **kwargs)

    def operation(self, op_id: str, project: str = NEON_PROJECT, **kwargs: Any) -> httpx.Response:
        return self.neon(f"/projects/{project}/operations/{op_id}", **kwargs)


def gcore_op(op_id: str, *steps: Mapping[str, Any], **fields: Any) -> dict[str, Any]:
    timeline = list(steps) or [{"at": 0, "state": "RUNNING"}]
    return {"dialect": "gcore", "id": op_id, "type": "create_vm", "timeline": timeline, **fields}


def neon_op(op_id: str, *steps: Mapping[str, Any], **fields: Any) -> dict[str, Any]:
    timeline = list(steps) or [{"at": 0, "status": "running"}]
    return {"dialect": "neon", "id": op_id, "type": "create_branch", "timeline": timeline, **fields}
