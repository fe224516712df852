"""Flags become Options values; the commands themselves are tested apart (STYLE.md, item 1)."""

from __future__ import annotations

from typing import Any

import pytest
from typer.testing import CliRunner

from lro_cli import cli
from lro_cli.options import CancelOptions, CommonOptions, GetOptions, WaitOptions


@pytest.fixture
def captured(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    seen: dict[str, Any] = {}

    def fake_run(opts: Any, env: Any) -> int:
        seen["opts"] = opts
        return 7

    from lro_cli.commands import cancel, get, wait

    monkeypatch.setattr(wait, "run", fake_run)
    monkeypatch.setattr(get, "run", fake_run)
    monkeypatch.setattr(cancel, "run", fake_run)
    return seen


def invoke(*args: str) -> Any:
    return CliRunner().invoke(cli.app, list(args))


def test_wait_flags(captured: dict[str, Any]) -> None:
    result = invoke(
        "wait",
        "-p",
        "neon-dev",
        "--config",
        "c.yaml",
        "--timeout",
        "30m",
        "--interval",
        "2s",
        "--plain",
        "--quiet",
        "--debug",
        "--fail-fast",
        "--raw",
        "-o",
        "ndjson",
        "a",
        "b:c/d",
    )
    assert result.exit_code == 7  # the command's exit code is the process's
    assert captured["opts"] == WaitOptions(
        ids=("a", "b:c/d"),
        common=CommonOptions(
            profile="neon-dev",
            config="c.yaml",
            timeout="30m",
            interval="2s",
            plain=True,
            quiet=True,
            debug=True,
        ),
        output="ndjson",
        fail_fast=True,
        raw=True,
    )


def test_wait_defaults(captured: dict[str, Any]) -> None:
    invoke("wait", "op-1")
    assert captured["opts"] == WaitOptions(ids=("op-1",))


def test_get_flags(captured: dict[str, Any]) -> None:
    result = invoke("get", "--exit-status", "-o", "json", "--profile", "p", "-")
    assert result.exit_code == 7
    assert captured["opts"] == GetOptions(
        ids=("-",), common=CommonOptions(profile="p"), output="json", exit_status=True
    )


def test_wait_cancel_on_interrupt(captured: dict[str, Any]) -> None:
    invoke("wait", "--cancel-on-interrupt", "op-1")
    assert captured["opts"] == WaitOptions(ids=("op-1",), cancel_on_interrupt=True)


def test_cancel_flags(captured: dict[str, Any]) -> None:
    result = invoke("cancel", "-p", "g", "--config", "c.yaml", "--debug", "a", "g:b/c")
    assert result.exit_code == 7
    assert captured["opts"] == CancelOptions(
        ids=("a", "g:b/c"), common=CommonOptions(profile="g", config="c.yaml", debug=True)
    )


def test_cancel_defaults(captured: dict[str, Any]) -> None:
    invoke("cancel", "op-1")
    assert captured["opts"] == CancelOptions(ids=("op-1",))


@pytest.mark.parametrize(
    "args",
    [
        ["wait"],
        ["wait", "--no-such-flag", "x"],
        ["get"],
        ["frobnicate"],
        ["cancel"],
        ["cancel", "--timeout", "5s", "x"],
    ],
    ids=[
        "wait-without-ids",
        "unknown-flag",
        "get-without-ids",
        "unknown-verb",
        "cancel-without-ids",
        "cancel-has-no-timeout",
    ],
)
def test_usage_errors_exit_2_before_any_command_runs(
    captured: dict[str, Any], args: list[str]
) -> None:
    result = invoke(*args)
    assert result.exit_code == 2
    assert "opts" not in captured
