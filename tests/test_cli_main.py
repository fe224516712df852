"""The console entry point: how a crash and a closed pipe end, whatever the command."""

from __future__ import annotations

import pytest

from lro_cli import cli


def _crash(*_args: object, **_kwargs: object) -> None:
    raise RuntimeError("secret-looking detail that must not be printed")


def test_an_unexpected_exception_is_one_line_and_exit_70(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(cli, "app", _crash)
    monkeypatch.setattr("sys.argv", ["lro", "wait", "x"])
    with pytest.raises(SystemExit) as ended:
        cli.main()
    assert ended.value.code == cli.INTERNAL_ERROR
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "internal error (RuntimeError)" in err
    assert "Traceback" not in err and "secret-looking" not in err


def test_with_debug_the_traceback_is_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "app", _crash)
    monkeypatch.setattr("sys.argv", ["lro", "wait", "--debug", "x"])
    with pytest.raises(RuntimeError):
        cli.main()
