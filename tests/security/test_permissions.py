"""A config file holding secrets that group or others can read draws a warning naming
`chmod 600` (SPEC.md "Configuration"), on standard error, from every command that reads it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.integration.harness import base_environ, run_lro
from tests.security.rig import assert_no_secret, token_script

pytestmark = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")

SECRET = "CANARY-mode-5b0e2d7c19"
BASE = {"provider": "neon", "base_url": "http://127.0.0.1:9/neon", "project_id": "p"}


def config(tmp_path: Path, mode: int, **extra: Any) -> tuple[Path, dict[str, str]]:
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump({"profiles": {"p": {**BASE, **extra}}}), encoding="utf-8")
    path.chmod(mode)
    return path, base_environ(path)


def warnings(err: str) -> list[str]:
    return [line for line in err.splitlines() if "chmod 600" in line]


LITERAL: dict[str, dict[str, Any]] = {
    "api_key": {**BASE, "api_key": SECRET},
    "headers": {"provider": "http", "base_url": "http://127.0.0.1:9", "get": "/j/{id}",
                "state_path": "s", "states": {"x": "running"}, "headers": {"X-Key": SECRET}},
    "client_secret": {"provider": "redpanda", "base_url": "http://127.0.0.1:9",
                      "token_url": "http://127.0.0.1:9/t", "client_id": "c",
                      "client_secret": SECRET},
    "token": {"provider": "lakesail", "base_url": "http://127.0.0.1:9", "token": SECRET},
}  # fmt: skip


MODES = list(zip(LITERAL, [0o644, 0o640, 0o604, 0o666], strict=True))


@pytest.mark.parametrize(("kind", "mode"), MODES)
def test_a_literal_secret_readable_by_others_draws_the_warning(
    tmp_path: Path, kind: str, mode: int
) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump({"profiles": {"p": LITERAL[kind]}}), encoding="utf-8")
    path.chmod(mode)
    env = base_environ(path)
    commands = [["config", "validate"]] + ([["config", "show"]] if kind == "api_key" else [])
    for argv in commands:
        result = run_lro(argv, env)
        assert result.code == 0, result.err
        said = warnings(result.err)
        assert len(said) == 1, result.err
        assert str(path) in said[0] and f"{mode:03o}" in said[0]
        assert "chmod 600" not in result.out  # a warning is not a result
        assert_no_secret(result)


def test_every_command_that_reads_the_file_warns(tmp_path: Path) -> None:
    _, env = config(tmp_path, 0o644, api_key=SECRET)
    for argv in (["get", "p:1"], ["list", "-p", "p"]):
        result = run_lro(argv, env)
        assert len(warnings(result.err)) == 1, (argv, result.err)
        assert_no_secret(result)


@pytest.mark.parametrize(
    "extra",
    [
        {"api_key": SECRET},  # private: 0600
        {"api_key": "${NEON_KEY}"},
        {"api_key_env": "NEON_KEY"},
        {},
    ],
    ids=["private", "reference", "env-key", "none"],
)
def test_no_warning_for_a_private_file_or_one_without_literal_secrets(
    tmp_path: Path, extra: dict[str, Any]
) -> None:
    mode = 0o600 if extra == {"api_key": SECRET} else 0o644
    _, env = config(tmp_path, mode, **extra)
    for argv in (["config", "validate"],):
        result = run_lro(argv, {**env, "NEON_KEY": SECRET})
        assert warnings(result.err) == [], (argv, result.err)
        assert_no_secret(result)


def test_a_token_command_is_no_literal_secret(tmp_path: Path) -> None:
    command = token_script(tmp_path, "tok", "t")
    path = tmp_path / "config.yaml"
    profile = {"provider": "azure", "base_url": "http://127.0.0.1:9", "token_command": command}
    path.write_text(yaml.safe_dump({"profiles": {"p": profile}}))
    path.chmod(0o644)
    result = run_lro(["config", "validate"], base_environ(path))
    assert result.code == 0 and warnings(result.err) == []
