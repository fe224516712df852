"""`lro wait` in a GitHub Actions step: `::error` annotations on stderr, a job summary table."""

from __future__ import annotations

from pathlib import Path

from tests.integration.harness import Dialect, LroSim, Rig


def without_github(rig: Rig) -> None:
    """The run must not inherit GitHub's variables when the suite itself runs in Actions."""
    for name in ("GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY"):
        rig.env.pop(name, None)


def test_a_failure_is_one_annotation_and_a_summary_row(
    lro_sim: LroSim, dialect: Dialect, tmp_path: Path
) -> None:
    message = f"{dialect.name}: quota for volume_size exceeded by 20%, retry: later"
    rig = lro_sim(dialect.succeeded("op-ok", suffix="ok"), dialect.failed("op-bad", message))
    without_github(rig)
    summary = tmp_path / "summary.md"
    summary.write_text("## Earlier step\n\n", encoding="utf-8")
    env = {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)}

    result = rig.run("wait", "--profile", dialect.profile, "op-ok", "op-bad", env=env)

    assert result.code == 1, result.err
    assert result.out.splitlines() == dialect.resources("ok")  # stdout: results only
    commands = [line for line in result.err_lines if line.startswith("::")]
    escaped = message.replace("%", "%25")
    assert len(commands) == 1, result.err
    assert commands[0].startswith(f"::error title=lro%3A {dialect.profile}%3Aop-bad failed::")
    assert commands[0].endswith(escaped)
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("## Earlier step\n\n### lro: 2 operations — exit 1\n\n")
    assert "| | Profile | Operation | Type | State | Duration | Message |\n" in text
    rows = [line for line in text.splitlines() if line.startswith(("| ✓", "| ✗"))]
    assert len(rows) == 2, text
    assert rows[0].startswith(f"| ✓ | {dialect.profile} | `op-ok` | ")
    assert "| succeeded |" in rows[0]
    assert rows[1].startswith(f"| ✗ | {dialect.profile} | `op-bad` | ")
    assert "| failed |" in rows[1] and rows[1].endswith(f"{message} |")
    assert text.endswith(" |\n\n")


def test_success_has_no_annotation_but_a_summary(lro_sim: LroSim, tmp_path: Path) -> None:
    rig = lro_sim(Dialect("gcore", "sim-gcore").succeeded("op-ok", suffix="ok"))
    without_github(rig)
    summary = tmp_path / "summary.md"
    env = {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)}
    result = rig.run("wait", "--quiet", "op-ok", env=env)
    assert result.code == 0, result.err
    assert result.err == ""
    assert summary.read_text(encoding="utf-8").startswith("### lro: 1 operation — exit 0\n")


def test_an_unwritable_summary_is_a_warning_not_a_failure(lro_sim: LroSim, tmp_path: Path) -> None:
    rig = lro_sim(Dialect("gcore", "sim-gcore").succeeded("op-ok", suffix="ok"))
    without_github(rig)
    env = {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(tmp_path / "no" / "summary.md")}
    result = rig.run("wait", "--quiet", "op-ok", env=env)
    assert result.code == 0
    assert result.err_lines == [
        f"lro: warning: cannot write $GITHUB_STEP_SUMMARY ({tmp_path / 'no' / 'summary.md'}: "
        "No such file or directory)"
    ]


def test_outside_github_actions_nothing_of_it(
    lro_sim: LroSim, dialect: Dialect, tmp_path: Path
) -> None:
    rig = lro_sim(dialect.succeeded("op-ok", suffix="ok"), dialect.failed("op-bad", "no quota"))
    without_github(rig)
    summary = tmp_path / "summary.md"
    result = rig.run(
        "wait",
        "--profile",
        dialect.profile,
        "op-ok",
        "op-bad",
        env={"GITHUB_STEP_SUMMARY": str(summary)},
    )
    assert result.code == 1
    assert not any(line.startswith("::") for line in result.err_lines), result.err
    assert not summary.exists()
