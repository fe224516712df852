from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from lro_cli.errors import ExitCode
from lro_cli.model import ErrorInfo, Operation, State
from lro_cli.render.base import Reporter
from lro_cli.render.github import GitHubReporter, escape_data, escape_property
from tests.factories import at, op, outcome, ref


class Script:
    """A GitHubReporter writing to a list, at a fixed time."""

    def __init__(self, summary: Path | None = None) -> None:
        self.t = 100.0
        self.written: list[str] = []
        self.reporter = GitHubReporter(self.written.append, self.now, summary)
        self.as_protocol: Reporter = self.reporter

    def now(self) -> datetime:
        return at(self.t)

    @property
    def lines(self) -> list[str]:
        assert all(chunk.endswith("\n") and chunk.count("\n") == 1 for chunk in self.written)
        return [chunk[:-1] for chunk in self.written]


def failed(
    id: str = "op-1",
    message: str = "quota exceeded",
    *,
    profile: str = "p",
    type: str = "create_vm",
    started_at: datetime | None = None,
    finished_at: datetime | None = None,
) -> Operation:
    return op(
        id,
        State.FAILED,
        error=message,
        profile=profile,
        type=type,
        started_at=started_at,
        finished_at=finished_at,
    )


# Escaping.


def test_data_escapes_percent_and_line_breaks_only() -> None:
    assert escape_data("50%\r\nnext: a, b") == "50%25%0D%0Anext: a, b"


def test_property_escapes_colon_and_comma_too() -> None:
    assert escape_property("a: b, 5%\n") == "a%3A b%2C 5%25%0A"


# Annotations.


def test_a_failed_operation_is_one_error_line() -> None:
    s = Script()
    s.reporter.update(ref("op-1"), op("op-1", State.RUNNING))
    s.reporter.finished(outcome(failed(), ExitCode.FAILED, message="quota exceeded"))
    assert s.lines == ["::error title=lro%3A p%3Aop-1 failed::quota exceeded"]


def test_the_error_code_joins_the_providers_message() -> None:
    s = Script()
    error = ErrorInfo(code="QUOTA", message="volume_size over by 20")
    s.reporter.finished(outcome(op("op-1", State.FAILED, error=error), ExitCode.FAILED))
    assert s.lines == ["::error title=lro%3A p%3Aop-1 failed::QUOTA: volume_size over by 20"]


def test_message_and_title_are_escaped() -> None:
    s = Script()
    failing = failed("a,b:c", "disk 100% full\nretry: later, maybe", profile="prod,eu")
    s.reporter.finished(outcome(failing, ExitCode.FAILED))
    # `clean` makes the message one line; `%` is escaped; `:` and `,` only in the title.
    assert s.lines == [
        "::error title=lro%3A prod%2Ceu%3Aa%2Cb%3Ac failed::disk 100%25 full retry: later, maybe"
    ]


def test_control_sequences_are_stripped() -> None:
    s = Script()
    message = "\x1b]0;pwned\x07\x1b[31mdisk full\x1b[0m"
    s.reporter.finished(outcome(failed("op-\x1b[2Jx", message), ExitCode.FAILED))
    assert s.lines == ["::error title=lro%3A p%3Aop-x failed::disk full"]
    assert "\x1b" not in "".join(s.written) and "\x07" not in "".join(s.written)


@pytest.mark.parametrize(
    ("code", "operation", "message", "line"),
    [
        (
            ExitCode.CANCELLED,
            op("op-1", State.CANCELLED),
            None,
            "::error title=lro%3A p%3Aop-1 was cancelled::was cancelled (last state cancelled)",
        ),
        (
            ExitCode.NOT_FOUND,
            None,
            "operation op-1: 404 Not Found",
            "::error title=lro%3A p%3Aop-1 not found::operation op-1: 404 Not Found",
        ),
        (
            ExitCode.TIMEOUT,
            op("op-1", State.RUNNING),
            "still running after 10m (--timeout); it goes on server-side",
            "::error title=lro%3A p%3Aop-1 timed out::"
            "still running after 10m (--timeout); it goes on server-side",
        ),
        (
            ExitCode.AUTH,
            None,
            "403 Forbidden",
            "::error title=lro%3A p%3Aop-1 authentication refused::403 Forbidden",
        ),
    ],
    ids=["cancelled", "not-found", "timeout", "auth"],
)
def test_every_failure_is_annotated(
    code: ExitCode, operation: Operation | None, message: str | None, line: str
) -> None:
    s = Script()
    s.reporter.finished(outcome(operation, code, message=message))
    assert s.lines == [line]


@pytest.mark.parametrize(
    ("code", "state"),
    [
        (ExitCode.OK, State.SUCCEEDED),
        (ExitCode.IN_PROGRESS, State.RUNNING),  # not waited for (--fail-fast)
        (ExitCode.INTERRUPTED, State.RUNNING),
        (ExitCode.TERMINATED, State.RUNNING),
        (ExitCode.PIPE_CLOSED, State.SUCCEEDED),
    ],
)
def test_success_and_stops_are_not_annotated(code: ExitCode, state: State) -> None:
    s = Script()
    done = outcome(op("op-1", state), code, message="not waited for (--fail-fast)")
    s.reporter.finished(done)
    s.reporter.close([done], code)
    assert s.written == []


def test_one_annotation_per_operation() -> None:
    s = Script()
    bad = outcome(failed(), ExitCode.FAILED)
    s.reporter.finished(bad)
    s.reporter.finished(outcome(failed(), ExitCode.FAILED))  # another Outcome, same operation
    s.reporter.close([bad], ExitCode.FAILED)
    assert len(s.lines) == 1


def test_close_annotates_an_outcome_that_never_came_through_finished() -> None:
    s = Script()
    s.reporter.close([outcome(failed(), ExitCode.FAILED)], ExitCode.FAILED)
    assert s.lines == ["::error title=lro%3A p%3Aop-1 failed::quota exceeded"]


def test_progress_prints_nothing() -> None:
    s = Script()
    s.as_protocol.update(ref("op-1"), op("op-1", State.RUNNING, progress=0.4, message="boot"))
    s.as_protocol.retrying(ref("op-1"), "503 Service Unavailable", 2.0)
    s.as_protocol.tick()
    assert s.written == []


# The job summary.


def test_the_summary_is_a_markdown_table(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    s = Script(summary)
    ok = op(
        "op-ok",
        State.SUCCEEDED,
        type="create_vm",
        started_at=at(0),
        finished_at=at(42),
        stage="done",
    )
    bad = failed(
        "projects/x/operations/op-bad",
        "quota | exceeded\x1b[31m",
        profile="g|cp",
        type="create|volume",
        started_at=at(10),
        finished_at=at(75),
    )
    outcomes = [
        outcome(ok),
        outcome(bad, ExitCode.FAILED),
        outcome(None, ExitCode.NOT_FOUND, message="404 Not Found", id="op-gone"),
        outcome(op("op-slow", State.RUNNING, started_at=at(40)), ExitCode.TIMEOUT, message="t"),
    ]
    for each in outcomes:
        s.reporter.finished(each)
    s.reporter.close(outcomes, ExitCode.NOT_FOUND)
    assert summary.read_text(encoding="utf-8") == (
        "### lro: 4 operations — exit 4\n"
        "\n"
        "| | Profile | Operation | Type | State | Duration | Message |\n"
        "| --- | --- | --- | --- | --- | --- | --- |\n"
        "| ✓ | p | `op-ok` | create_vm | succeeded | 42s | done |\n"
        "| ✗ | g\\|cp | `projects/x/operations/op-bad` | create\\|volume | failed | 1m05s"
        " | quota \\| exceeded |\n"
        "| ✗ | p | `op-gone` |  | not found |  | 404 Not Found |\n"
        "| ● | p | `op-slow` | create_vm | running (timed out) | 1m00s | t |\n"
        "\n"
    )
    # The annotations went to `write`, not to the file.
    assert [line.split("::")[1] for line in s.lines] == [
        "error title=lro%3A g|cp%3Aprojects/x/operations/op-bad failed",
        "error title=lro%3A p%3Aop-gone not found",
        "error title=lro%3A p%3Aop-slow timed out",
    ]


def test_one_operation_is_singular_and_none_is_a_heading_alone(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    s = Script(summary)
    s.reporter.close([outcome(op("op-1", State.SUCCEEDED))], ExitCode.OK)
    Script(summary).reporter.close([], ExitCode.INTERRUPTED)
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("### lro: 1 operation — exit 0\n\n| |")
    assert text.endswith("|\n\n### lro: 0 operations — exit 130\n\n")


def test_an_id_with_backticks_keeps_its_code_span(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    Script(summary).reporter.close([outcome(op("a`b", State.SUCCEEDED))], ExitCode.OK)
    assert "| ``a`b`` |" in summary.read_text(encoding="utf-8")


def test_the_summary_is_appended_after_what_other_steps_wrote(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("## Build\n\nall green", encoding="utf-8")  # no final newline
    s = Script(summary)
    s.reporter.close([outcome(op("op-1", State.SUCCEEDED))], ExitCode.OK)
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("## Build\n\nall green\n### lro: 1 operation — exit 0\n")
    assert text.count("### lro:") == 1


def test_close_twice_writes_one_summary(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    s = Script(summary)
    done = [outcome(op("op-1", State.SUCCEEDED))]
    s.reporter.close(done, ExitCode.OK)
    s.reporter.close(done, ExitCode.OK)
    assert summary.read_text(encoding="utf-8").count("### lro:") == 1


def test_no_summary_path_writes_no_file(tmp_path: Path) -> None:
    s = Script(None)
    s.reporter.close([outcome(op("op-1", State.SUCCEEDED))], ExitCode.OK)
    assert s.written == [] and list(tmp_path.iterdir()) == []


# (A read-only file is no test here: CI runs as root, whom file modes do not bind.)
@pytest.mark.parametrize("where", ["missing-dir", "directory"])
def test_an_unwritable_summary_is_one_warning(tmp_path: Path, where: str) -> None:
    summary = tmp_path / "nope" / "summary.md" if where == "missing-dir" else tmp_path
    s = Script(summary)
    s.reporter.close([outcome(failed(), ExitCode.FAILED)], ExitCode.FAILED)
    assert s.lines[0].startswith("::error ")
    assert len(s.lines) == 2
    assert s.lines[1].startswith(f"lro: warning: cannot write $GITHUB_STEP_SUMMARY ({summary}: ")
