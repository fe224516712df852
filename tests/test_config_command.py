import textwrap
from pathlib import Path

import pytest
import yaml

from lro_cli.commands import config as command
from lro_cli.env import Env
from lro_cli.options import CommonOptions, ConfigOptions


def run(
    action: str,
    path: Path | None = None,
    environ: dict[str, str] | None = None,
    profile: str | None = None,
) -> tuple[int, str, str]:
    env = Env.for_test(environ=environ or {})
    common = CommonOptions(config=str(path) if path else None, profile=profile)
    code = command.run(ConfigOptions(action=action, common=common), env)
    return code, env.stdout.getvalue(), env.stderr.getvalue()  # type: ignore[attr-defined]


def write(tmp_path: Path, text: str, mode: int = 0o600) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(textwrap.dedent(text))
    path.chmod(mode)
    return path


# --- path ----------------------------------------------------------------------------------


def test_path_prints_the_flag(tmp_path: Path) -> None:
    assert run("path", tmp_path / "c.yaml") == (0, f"{tmp_path / 'c.yaml'}\n", "")


def test_path_follows_lro_config(tmp_path: Path) -> None:
    code, out, _err = run("path", environ={"LRO_CONFIG": str(tmp_path / "env.yaml")})
    assert (code, out) == (0, f"{tmp_path / 'env.yaml'}\n")


def test_path_defaults_to_the_user_config_dir() -> None:
    code, out, _err = run("path")
    assert code == 0
    assert out.rstrip("\n").endswith(str(Path("lro") / "config.yaml"))


# --- show ----------------------------------------------------------------------------------

CANARY_CONFIG = """\
default_profile: builds
profiles:
  builds:
    provider: http
    base_url: https://ci.example.com/api
    token: CANARY-token-literal
    api_key: CANARY-${SUFFIX}
    headers:
      X-Tenant: CANARY-header-literal
      X-From-Env: ${HEADER_SECRET}
    get: /b/{id}
    state_path: status
    states: {done: succeeded}
  rp:
    provider: redpanda
    client_id: CANARY-client-id
    client_secret: CANARY-client-secret
  rp-env:
    provider: redpanda
    client_id_env: RP_ID
    client_secret_env: RP_SECRET
  neon:
    provider: neon
    project_id: visible-project
    api_key: ${NEON_KEY}
  lake:
    provider: lakesail
    token_env: LAKE_TOKEN
"""
CANARY_ENV = {
    "SUFFIX": "CANARY-suffix",
    "HEADER_SECRET": "CANARY-header-env",
    "RP_ID": "CANARY-rp-id",
    "RP_SECRET": "CANARY-rp-secret",
    "NEON_KEY": "CANARY-neon-key",
    "LAKE_TOKEN": "CANARY-lake",
}


def test_show_never_prints_a_secret(tmp_path: Path) -> None:
    path = write(tmp_path, CANARY_CONFIG)
    code, out, err = run("show", path, environ=CANARY_ENV)
    assert code == 0
    assert "CANARY" not in out + err
    shown = yaml.safe_load(out)
    assert shown["default_profile"] == "builds"
    builds = shown["profiles"]["builds"]
    assert builds["token"] == "****"
    assert builds["api_key"] == "****"  # a literal part around a reference is still a secret
    assert builds["headers"] == {"X-Tenant": "****", "X-From-Env": "${HEADER_SECRET}"}
    assert builds["states"] == {"done": "succeeded"}
    assert shown["profiles"]["rp"]["client_id"] == "****"
    assert shown["profiles"]["rp"]["client_secret"] == "****"
    assert shown["profiles"]["rp-env"]["client_secret_env"] == "RP_SECRET"
    assert shown["profiles"]["neon"] == {
        "provider": "neon",
        "project_id": "visible-project",
        "api_key": "${NEON_KEY}",
    }
    assert f"# {path}" in out
    assert "# default profile: builds" in out


def test_show_one_profile(tmp_path: Path) -> None:
    code, out, _err = run("show", write(tmp_path, CANARY_CONFIG), profile="neon")
    assert code == 0
    assert list(yaml.safe_load(out)["profiles"]) == ["neon"]


def test_show_unknown_profile_is_exit_2(tmp_path: Path) -> None:
    code, out, err = run("show", write(tmp_path, CANARY_CONFIG), profile="nope")
    assert (code, out) == (2, "")
    assert "unknown profile 'nope'" in err


def test_show_warns_about_a_readable_file(tmp_path: Path) -> None:
    path = write(tmp_path, CANARY_CONFIG, mode=0o644)
    code, _out, err = run("show", path)
    assert code == 0
    assert "chmod 600" in err
    assert "CANARY" not in err


def test_show_of_an_invalid_file_is_one_line_and_exit_2(tmp_path: Path) -> None:
    code, out, err = run("show", write(tmp_path, "profiles:\n  a: {provider: nope}\n"))
    assert (code, out) == (2, "")
    assert err.count("\n") == 1
    assert "unknown provider 'nope'" in err


def test_show_of_a_missing_file_is_exit_2(tmp_path: Path) -> None:
    code, out, err = run("show", tmp_path / "missing.yaml")
    assert (code, out) == (2, "")
    assert "does not exist" in err


# --- validate ------------------------------------------------------------------------------


def test_validate_ok(tmp_path: Path) -> None:
    path = write(tmp_path, CANARY_CONFIG)
    code, out, err = run("validate", path, environ=CANARY_ENV)
    assert (code, out) == (0, "")
    assert err == f"config OK: 5 profiles ({path})\n"


def test_validate_reports_every_problem_one_line_each(tmp_path: Path) -> None:
    text = """\
    default_profile: ghost
    profiles:
      a:
        provider: neon
        intervl: 5s
      b:
        provider: lakesail
        token: ${UNSET_TOKEN}
      c:
        provider: azure
        base_url: http://example.com
    """
    path = write(tmp_path, text)
    code, out, err = run("validate", path)
    assert (code, out) == (2, "")
    lines = err.splitlines()
    expected = [
        "profile 'a': key 'intervl' is not known",
        "profile 'a': key 'project_id' is required",
        "key 'default_profile' names no profile",
        "profile 'b': key 'token': environment variable UNSET_TOKEN is not set",
        "profile 'c': key 'base_url' is plain http://",
    ]
    assert len(lines) == len(expected)
    for fragment in expected:
        assert sum(fragment in line and str(path) in line for line in lines) == 1, fragment


def test_validate_never_runs_a_token_command(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    script = tmp_path / "token.sh"
    script.write_text(f"#!/bin/sh\ntouch {marker}\n")
    script.chmod(0o755)
    text = f"profiles:\n  z:\n    provider: azure\n    token_command: {script} --x\n"
    code, _out, _err = run("validate", write(tmp_path, text))
    assert code == 0
    assert not marker.exists()


@pytest.mark.parametrize(
    ("text", "fragment"),
    [("profiles: [\n", "invalid YAML"), ("profiles:\n  a: 1\n  a: 2\n", "duplicate key 'a'")],
    ids=["syntax", "duplicate"],
)
def test_validate_unreadable_yaml_is_one_line(tmp_path: Path, text: str, fragment: str) -> None:
    code, _out, err = run("validate", write(tmp_path, text))
    assert code == 2
    assert err.count("\n") == 1
    assert fragment in err
    assert "line " in err


def test_validate_missing_file_is_exit_2(tmp_path: Path) -> None:
    code, _out, err = run("validate", tmp_path / "missing.yaml")
    assert code == 2
    assert "does not exist" in err


def test_validate_singular_profile(tmp_path: Path) -> None:
    path = write(tmp_path, "profiles:\n  z: {provider: azure}\n")
    assert run("validate", path)[2] == f"config OK: 1 profile ({path})\n"


def test_unknown_action_is_exit_2(tmp_path: Path) -> None:
    code, _out, err = run("edit", tmp_path / "c.yaml")
    assert code == 2
    assert "path, show, validate" in err
