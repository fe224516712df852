"""Fixtures of the fault matrix (the helpers they use are in `matrix.py`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.faults.matrix import DIALECTS, InProcess, Process, Shared


@pytest.fixture(params=DIALECTS)
def dialect(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture
def in_process(tmp_path: Path) -> Callable[..., InProcess]:
    """`in_process(*operations, settings=..., credentials=..., server_skew=...)` → InProcess."""

    def make(*operations: Any, **kwargs: Any) -> InProcess:
        return InProcess(tmp_path, *operations, **kwargs)

    return make


@pytest.fixture
def process(tmp_path: Path) -> Iterator[Callable[..., Process]]:
    """`process(*operations, settings=SHORT, ...)` → a Process (its server stops after the test)."""
    made: list[Process] = []

    def make(*operations: Any, **kwargs: Any) -> Process:
        made.append(Process(tmp_path, *operations, **kwargs))
        return made[-1]

    yield make
    for rig in made:
        rig.stop()


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shared]:
    runs = Shared(tmp_path_factory)
    yield runs
    runs.close()
