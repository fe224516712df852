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


@pytest.mark.parametrize(
    ("argv", "line"),
    [
        (["list", "--limit", "abc"], "lro list: Invalid value for '--limit': "),
        (["wait", "--bogus", "x"], "lro wait: No such option: --bogus (see 'lro wait -h')"),
        (["wait"], "lro wait: Missing argument 'ID'. (see 'lro wait -h')"),
        (["nope"], "lro: No such command 'nope'. (see 'lro -h')"),
        (["--bogus"], "lro: No such option: --bogus (see 'lro -h')"),
        (["config", "show", "--nope"], "lro config show: No such option: --nope"),
    ],
)
def test_a_usage_error_is_one_line_and_exit_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], argv: list[str], line: str
) -> None:
    monkeypatch.setattr("sys.argv", ["lro", *argv])
    with pytest.raises(SystemExit) as ended:
        cli.main()
    assert ended.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(line), err


@pytest.mark.parametrize("argv", [[], ["sim"], ["config"]])
def test_a_group_alone_still_shows_its_help(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    monkeypatch.setattr("sys.argv", ["lro", *argv])
    with pytest.raises(SystemExit):
        cli.main()
    captured = capsys.readouterr()
    assert "Usage: lro" in captured.out + captured.err
    assert "Commands:" in captured.out + captured.err
