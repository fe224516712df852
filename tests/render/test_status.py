from __future__ import annotations

import io
import re
import subprocess
import sys

import pytest
from rich.console import Console

from lro_cli.errors import ExitCode
from lro_cli.model import ErrorInfo, State
from lro_cli.render.base import Reporter
from lro_cli.render.status import StatusReporter
from tests.factories import at, op, outcome, ref

A = ref("274e240f-1e7d-4c2b", profile="neon-dev", provider="neon")
B = ref("b2")


class Terminal:
    def __init__(self, width: int = 100) -> None:
        self.t = 0.0
        self.console = Console(
            file=io.StringIO(),
            width=width,
            force_terminal=True,
            record=True,
            color_system="standard",
        )
        self.reporter = StatusReporter(
            self.console, lambda: at(self.t), lambda: self.t, auto_refresh=False
        )
        self.as_protocol: Reporter = self.reporter

    @property
    def raw(self) -> str:
        return self.console.file.getvalue()  # type: ignore[attr-defined, no-any-return]


def test_status_line_summarizes_and_features_the_latest_change() -> None:
    term = Terminal()
    assert term.reporter.status_text().plain == "waiting for the first answer…"
    term.reporter.update(B, op("b2", State.PENDING))
    term.t = 65
    term.reporter.update(
        A, op(A.id, State.RUNNING, profile="neon-dev", type="start_compute", progress=0.4)
    )
    assert term.reporter.status_text().plain == (
        "1 running · 1 pending · 1m05s — neon-dev 274e240f-1e… start_compute running 40%"
    )
    term.reporter.finished(outcome(op("b2", State.SUCCEEDED)))
    assert term.reporter.status_text().plain.startswith("1 running · 1 done · 1m05s — neon-dev")
    term.reporter.close([], ExitCode.OK)


def test_state_changes_print_permanent_coloured_lines_and_close_clears_the_spinner() -> None:
    term = Terminal()
    term.reporter.update(A, op(A.id, State.PENDING, profile="neon-dev", type="start_compute"))
    term.t = 3
    term.reporter.update(A, op(A.id, State.RUNNING, profile="neon-dev", type="start_compute"))
    term.reporter.update(
        A, op(A.id, State.RUNNING, profile="neon-dev", type="start_compute", progress=0.5)
    )
    term.reporter.tick()
    failed = op(
        A.id,
        State.FAILED,
        profile="neon-dev",
        type="start_compute",
        error=ErrorInfo(message="no \x1b[2Jquota"),
    )
    term.t = 9
    term.reporter.finished(outcome(failed, ExitCode.FAILED))
    term.reporter.close([outcome(failed, ExitCode.FAILED)], ExitCode.FAILED)

    assert term.reporter._live is None
    text = term.console.export_text()
    # Without its control codes the record runs each spinner frame into the next line printed.
    permanent = re.findall(r"2026-\S+Z  .*", text)
    assert permanent == [
        "2026-01-01T00:00:00Z  neon-dev  274e240f-1e…  start_compute  → pending",
        "2026-01-01T00:00:03Z  neon-dev  274e240f-1e…  start_compute  pending → running",
        "2026-01-01T00:00:09Z  neon-dev  274e240f-1e…  start_compute  running → failed  no quota",
        "2026-01-01T00:00:09Z  done in 9s: 1 failed — exit 1",
    ]  # a progress change only redraws the status line
    assert "\x1b[2J" not in term.raw
    assert "\x1b[36mrunning" in term.raw  # coloured on a terminal
    assert "1 running · 3s" in text  # the spinner line was drawn


@pytest.mark.parametrize("width", [40, 80, 200])
def test_status_line_never_wraps(width: int) -> None:
    term = Terminal(width)
    long = "x" * 300
    term.reporter.update(A, op(A.id, State.RUNNING, profile="neon-dev", type=long, progress=0.1))
    assert term.reporter._live is not None
    console = Console(file=io.StringIO(), width=width, record=True)
    console.print(term.reporter._live.renderable)
    lines = console.export_text().splitlines()
    assert len(lines) == 1 and len(lines[0]) <= width
    term.reporter.stop()


def test_stop_without_any_event_is_harmless() -> None:
    term = Terminal()
    term.reporter.stop()
    term.reporter.close([], ExitCode.INTERRUPTED)
    assert term.console.export_text().endswith("done in 0s — exit 130\n")


def test_importing_renderers_does_not_import_live_or_status() -> None:
    code = (
        "import sys, lro_cli.render.status, lro_cli.render.plain, lro_cli.render.ndjson, "
        "lro_cli.render.table, lro_cli.render.json, lro_cli.render.text\n"
        "bad = [m for m in ('rich.live', 'rich.status', 'httpx') if m in sys.modules]\n"
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
