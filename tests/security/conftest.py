"""Fixtures for the security suite (helpers in `rig.py`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from lro_cli.sim import SimServer
from tests.security.rig import CanaryRig, start_canary_rig

MakeCanaryRig = Callable[..., CanaryRig]


@pytest.fixture
def canary_rig(tmp_path: Path) -> Iterator[MakeCanaryRig]:
    """`canary_rig(*operations, faults=(), edit=None)` → a CanaryRig (see rig.py)."""
    servers: list[SimServer] = []

    def make(*operations: Any, **kwargs: Any) -> CanaryRig:
        return start_canary_rig(tmp_path, operations, servers, **kwargs)

    yield make
    for server in servers:
        server.stop()
