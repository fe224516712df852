from __future__ import annotations

import io

import pytest
from rich.console import Console
from rich.style import Style

from lro_cli.model import ErrorInfo, Operation, State
from lro_cli.render.table import (
    COLUMNS,
    operation_row,
    operations_plain,
    operations_table,
    state_style,
    state_symbol,
)
from tests.factories import at, op

NOW = at(125)
LONG_ID = "274e240f-1e7d-4c2b-9a5d-0123456789ab"


def sample_ops() -> list[Operation]:
    return [
        op(
            LONG_ID,
            State.RUNNING,
            profile="neon-development-eu",
            provider="neon",
            type="start_compute",
            progress=0.4,
            stage="provisioning",
            message="starting compute endpoint in region aws-eu-central-1, waiting on capacity",
            started_at=at(5),
        ),
        op(
            "b2",
            State.FAILED,
            error=ErrorInfo(code="QUOTA", message="quota exceeded\x1b[2J for project"),
            started_at=at(0),
            finished_at=at(30),
        ),
        op("c3", State.UNKNOWN, raw_state="SOMETHING_NEW_AND_LONG", created_at=at(100)),
        op("d4", State.PENDING, type=None),
    ]


def column(name: str) -> int:
    return [c.header for c in COLUMNS].index(name)


def test_symbols_are_distinct_with_an_ascii_fallback() -> None:
    assert len({state_symbol(s) for s in State}) == len(State)
    assert len({state_symbol(s, ascii=True) for s in State}) == len(State)
    assert all(state_symbol(s, ascii=True).isascii() for s in State)
    assert state_symbol(State.SUCCEEDED) == "✓"
    assert state_symbol(State.FAILED) == "✗"


@pytest.mark.parametrize("state", list(State), ids=lambda s: s.value)
def test_styles_are_rich_styles(state: State) -> None:
    Style.parse(state_style(state))


def test_row_cells() -> None:
    running, failed, unknown, pending = (operation_row(o, NOW) for o in sample_ops())
    assert len(running) == len(COLUMNS)
    assert running[column("PROFILE")] == "neon-development-eu"
    assert running[column("ID")] == "274e240f-1e…"
    assert running[column("TYPE")] == "start_compute"
    assert running[column("STATE")] == "● running"
    assert running[column("PROGRESS")] == "40%"
    assert running[column("MESSAGE")].startswith("provisioning: starting compute endpoint")
    assert running[column("ELAPSED")] == "2m00s"  # still running: measured to now
    assert failed[column("STATE")] == "✗ failed"
    assert failed[column("MESSAGE")] == "QUOTA: quota exceeded for project"
    assert failed[column("ELAPSED")] == "30s"  # terminal: measured to its end
    assert unknown[column("STATE")] == "? unknown [SOMETHING_NEW_AND_LONG]"
    assert pending[column("TYPE")] == "" and pending[column("PROGRESS")] == ""
    assert pending[column("ELAPSED")] == ""


def test_progress_never_shows_100_while_running() -> None:
    assert operation_row(op(progress=0.999), NOW)[column("PROGRESS")] == "99%"
    assert operation_row(op(progress=1.7), NOW)[column("PROGRESS")] == "100%"
    assert operation_row(op(state=State.SUCCEEDED, progress=0.9), NOW)[column("PROGRESS")] == "100%"


def render(ops: list[Operation], width: int) -> str:
    console = Console(file=io.StringIO(), width=width, record=True, color_system="truecolor")
    console.print(operations_table(ops, NOW, width=width))
    return console.export_text()


@pytest.mark.parametrize("width", [40, 80, 200])
def test_table_fits_the_width(width: int) -> None:
    text = render(sample_ops(), width)
    lines = text.splitlines()
    assert len(lines) == 1 + len(sample_ops())  # one line per row: nothing wraps
    assert all(len(line) <= width for line in lines), text
    assert "ID" in lines[0] and "STATE" in lines[0]
    assert "✗ failed" in text and "\x1b" not in text


def test_narrow_table_keeps_the_important_columns() -> None:
    header = render(sample_ops(), 40).splitlines()[0].split()
    assert header[:2] == ["ID", "STATE"]
    assert "PROFILE" not in header
    wide = render(sample_ops(), 200).splitlines()[0].split()
    assert wide == [c.header for c in COLUMNS]


def test_table_colours_the_state_on_a_terminal() -> None:
    console = Console(file=io.StringIO(), width=100, force_terminal=True, color_system="standard")
    console.print(operations_table([op(state=State.FAILED)], NOW, width=100))
    output = console.file.getvalue()  # type: ignore[attr-defined]
    assert "\x1b[1;31m✗ failed" in output


def test_plain_table_is_aligned_text_with_full_ids() -> None:
    text = operations_plain(sample_ops(), NOW)
    lines = text.splitlines()
    assert text.endswith("\n")
    assert "\x1b" not in text
    assert LONG_ID in lines[1]
    state_at = lines[0].index("STATE")
    assert lines[1][state_at:].startswith("● running")
    assert lines[2][state_at:].startswith("✗ failed")
    assert lines[3][state_at:].startswith("? unknown [SOMETHING_NEW_AND_LONG]")
    assert all(line == line.rstrip() for line in lines)


def test_plain_table_of_nothing_is_empty() -> None:
    assert operations_plain([], NOW) == ""
