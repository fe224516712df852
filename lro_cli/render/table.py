"""Pure presentation: from operations to symbols, cells and rows.

`get` and `list` print these rows as a result table; the progress reporters and the live view
of `watch` reuse the same cells, so an operation reads the same everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from rich.cells import cell_len

from lro_cli.model import Operation, State
from lro_cli.render.text import clean, format_duration, short_id

if TYPE_CHECKING:
    from rich.table import Table

_SYMBOLS: dict[State, str] = {
    State.PENDING: "◷",
    State.RUNNING: "●",
    State.SUCCEEDED: "✓",
    State.FAILED: "✗",
    State.CANCELLED: "⊘",
    State.UNKNOWN: "?",
}
_ASCII_SYMBOLS: dict[State, str] = {
    State.PENDING: ".",
    State.RUNNING: "*",
    State.SUCCEEDED: "+",
    State.FAILED: "x",
    State.CANCELLED: "-",
    State.UNKNOWN: "?",
}
_STYLES: dict[State, str] = {
    State.PENDING: "dim",
    State.RUNNING: "cyan",
    State.SUCCEEDED: "green",
    State.FAILED: "bold red",
    State.CANCELLED: "magenta",
    State.UNKNOWN: "yellow",
}


def state_symbol(state: State, *, ascii: bool = False) -> str:
    """A symbol that tells the state apart without colour."""
    return (_ASCII_SYMBOLS if ascii else _SYMBOLS)[state]


def state_style(state: State) -> str:
    """The Rich style for a state (dropped by the console under NO_COLOR)."""
    return _STYLES[state]


def state_label(op: Operation) -> str:
    """The state's name; an unrecognized state carries the provider's raw value."""
    if op.state is State.UNKNOWN:
        raw = clean(op.raw_state)
        return f"unknown [{raw}]" if raw else "unknown"
    return str(op.state.value)


def progress_text(op: Operation) -> str:
    """`40%`, or "" when the provider gives no fraction.

    Rounded down, so an operation still running never shows 100%.
    """
    if op.progress is None or op.progress.fraction is None:
        return ""
    fraction = min(1.0, max(0.0, op.progress.fraction))
    if op.state is State.SUCCEEDED:
        fraction = 1.0
    return f"{int(fraction * 100)}%"


def operation_message(op: Operation) -> str:
    """One cleaned line: the error of a failed operation, else its stage and progress message."""
    error_text = ""
    if op.error is not None:
        code, message = clean(op.error.code), clean(op.error.message)
        error_text = f"{code}: {message}" if code and message else code or message
    if error_text and op.state in (State.FAILED, State.CANCELLED):
        return error_text
    stage = clean(op.progress.stage) if op.progress else ""
    message = clean(op.progress.message) if op.progress else ""
    if stage and message and stage != message:
        return f"{stage}: {message}"
    return stage or message or error_text


def elapsed_text(op: Operation, now: datetime) -> str:
    """How long it has run (in progress) or ran (terminal); "" when the provider gives no start."""
    start = op.started_at or op.created_at
    if start is None:
        return ""
    end = now
    if op.state.is_terminal:
        end = op.finished_at or op.updated_at or now
    return format_duration((as_aware(end) - as_aware(start)).total_seconds())


def as_aware(moment: datetime) -> datetime:
    """A provider's time without an offset, read as UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class Column:
    header: str
    min_width: int  # below this the column is dropped rather than squeezed
    priority: int  # lower is dropped first when the width is short
    flexible: bool = False  # gives up its width first


COLUMNS: tuple[Column, ...] = (
    Column("PROFILE", 7, 2),
    Column("ID", 8, 8),
    Column("TYPE", 6, 3),
    Column("STATE", 9, 9),
    Column("PROGRESS", 8, 5),
    Column("MESSAGE", 10, 6, flexible=True),
    Column("ELAPSED", 7, 4),
)
GAP = 2  # cells between two columns


def operation_row(op: Operation, now: datetime, *, full_id: bool = False) -> list[str]:
    """The cells of one operation, in `COLUMNS` order, every one cleaned of control text."""
    return [
        clean(op.profile),
        clean(op.id) if full_id else short_id(op.id),
        clean(op.type),
        f"{state_symbol(op.state)} {state_label(op)}",
        progress_text(op),
        operation_message(op),
        elapsed_text(op, now),
    ]


def fitting_columns(
    width: int, rows: Sequence[Sequence[str]] = (), columns: Sequence[Column] = COLUMNS
) -> list[int]:
    """Indexes of the columns that fit `width` at their minimum, the most important kept.

    A column that is empty in every row goes first: it would only show its header.
    """
    kept = list(range(len(columns)))

    def drop_order(i: int) -> tuple[bool, int]:
        return (bool(rows) and any(row[i] for row in rows), columns[i].priority)

    for index in sorted(kept, key=drop_order):
        needed = sum(columns[i].min_width for i in kept) + GAP * (len(kept) - 1)
        if needed <= width or len(kept) == 1:
            break
        kept.remove(index)
    return kept


def column_widths(
    rows: Sequence[Sequence[str]],
    kept: Sequence[int],
    width: int,
    columns: Sequence[Column] = COLUMNS,
) -> list[int]:
    """Widths for the `kept` columns of `rows` within `width` cells.

    Each column starts as wide as its content; while too wide, the widest column above its
    minimum gives up a cell, the flexible one counting half its width (it is the one worth
    reading in full, but it must not starve the others).
    """
    widths = [max([cell_len(columns[i].header)] + [cell_len(row[i]) for row in rows]) for i in kept]
    excess = sum(widths) + GAP * (len(kept) - 1) - width
    while excess > 0:
        candidates = [k for k in range(len(kept)) if widths[k] > columns[kept[k]].min_width]
        if not candidates:
            break
        widest = max(candidates, key=lambda k: widths[k] / (2 if columns[kept[k]].flexible else 1))
        widths[widest] -= 1
        excess -= 1
    return widths


def operations_table(ops: Sequence[Operation], now: datetime, *, width: int) -> Table:
    """A Rich table for a terminal `width` cells wide; columns that cannot fit are left out."""
    from rich.table import Table
    from rich.text import Text

    rows = [operation_row(op, now) for op in ops]
    kept = fitting_columns(width, rows)
    widths = column_widths(rows, kept, width)
    table = Table(box=None, padding=(0, GAP // 2), pad_edge=False, show_edge=False)
    for index, column_width in zip(kept, widths, strict=True):
        table.add_column(
            COLUMNS[index].header,
            header_style="bold",
            no_wrap=True,
            overflow="ellipsis",
            width=column_width,
        )
    state_column = [column.header for column in COLUMNS].index("STATE")
    for op, cells in zip(ops, rows, strict=True):
        table.add_row(
            *(
                Text(cells[i], style=state_style(op.state) if i == state_column else "")
                for i in kept
            )
        )
    return table


def operations_plain(ops: Sequence[Operation], now: datetime) -> str:
    """Aligned columns of plain text for a non-TTY stdout: full ids, no escape codes.

    Nothing at all when there is no operation: a header alone would read as a result.
    """
    if not ops:
        return ""
    rows = [[column.header for column in COLUMNS]]
    rows += [operation_row(op, now, full_id=True) for op in ops]
    widths = [max(cell_len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    lines = []
    for row in rows:
        cells = [cell + " " * (widths[i] - cell_len(cell)) for i, cell in enumerate(row)]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines) + "\n"
