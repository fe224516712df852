"""The config file is data: YAML is loaded safely, and nothing runs but an explicit
`token_command`, when (and only when) its profile is used.

The property tests throw YAML at the loader and at `lro config show` / `validate` (in process):
tags of every kind (Python's included), anchors, aliases and merges, directives, several
documents, odd scalars, in random arrangements; every outcome is a Config or a one-line exit 2,
never a traceback.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lro_cli.commands import config as config_command
from lro_cli.config import (
    PROVIDERS,
    Config,
    load,
    profile_names_for_completion,
    validate_all,
    validate_file,
)
from lro_cli.env import Env
from lro_cli.errors import ConfigError, LroError, UsageError
from lro_cli.options import CommonOptions, ConfigOptions
from tests.integration.harness import base_environ, run_lro

MARKER = "lro-yaml-ran"


def python_tags(marker: Path) -> list[str]:
    """YAML that would run a command (creating `marker`) under an unsafe loader."""
    touch = f"touch {marker}"
    return [
        f"!!python/object/apply:os.system [{touch!r}]",
        f"!!python/object/apply:subprocess.call [[touch, {str(marker)!r}]]",
        f"!!python/object/new:subprocess.Popen [[touch, {str(marker)!r}]]",
        "!!python/name:os.system",
        "!!python/module:os",
        f"!!python/object:builtins.exec {{source: {touch!r}}}",
        f'!<tag:yaml.org,2002:python/object/apply:os.system> ["{touch}"]',
    ]


def in_process(path: Path, action: str) -> int:
    env = Env.for_test(environ={})
    return config_command.run(ConfigOptions(action, CommonOptions(config=str(path))), env)


@pytest.mark.parametrize("where", ["value", "key", "top", "profile"])
def test_python_tags_never_run(tmp_path: Path, where: str) -> None:
    marker = tmp_path / MARKER
    for tag in python_tags(marker):
        text = {
            "value": f"profiles:\n  p:\n    provider: neon\n    api_key: {tag}\n",
            "key": f"profiles:\n  p:\n    ? {tag}\n    : x\n",
            "top": f"{tag}\n",
            "profile": f"profiles:\n  p: {tag}\n",
        }[where]
        path = tmp_path / "config.yaml"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(ConfigError) as refused:
            load(path, {})
        assert "\n" not in refused.value.message
        assert in_process(path, "validate") == 2
        assert in_process(path, "show") == 2
        assert profile_names_for_completion(path) in ([], ["p"])
        assert not marker.exists(), tag


def test_python_tags_never_run_from_the_command_line(tmp_path: Path) -> None:
    marker = tmp_path / MARKER
    path = tmp_path / "config.yaml"
    env = base_environ(path)
    for tag, argv in zip(python_tags(marker), (["get", "x"], ["config", "validate"]), strict=False):
        path.write_text(f"default_profile: p\nprofiles:\n  p: {tag}\n", encoding="utf-8")
        result = run_lro(argv, env)
        assert result.code == 2, result.err
        assert len(result.err.splitlines()) == 1, result.err
    assert not marker.exists()


@pytest.mark.parametrize(
    "value",
    ["!!bool CANARY-tag", "!!int CANARY-tag", "!!float CANARY-tag", "!!timestamp CANARY-tag",
     "!!timestamp 2001-99-99", "!!set {[a]: b}"],
)  # fmt: skip
def test_unreadable_tagged_values_are_one_line_naming_the_line(tmp_path: Path, value: str) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(f"profiles:\n  p:\n    provider: neon\n    api_key: {value}\n")
    with pytest.raises(ConfigError) as refused:
        load(path, {})
    assert "line 4: invalid YAML" in refused.value.message
    assert "CANARY" not in refused.value.message  # the value is not quoted: it may be a secret


def test_nothing_runs_but_the_token_command_of_the_profile_in_use(tmp_path: Path) -> None:
    ran = tmp_path / "token-command-ran"
    script = tmp_path / "token.py"
    script.write_text(f"import pathlib; pathlib.Path({str(ran)!r}).write_text('x'); print('tok')\n")
    path = tmp_path / "config.yaml"
    document = {
        "default_profile": "other",
        "profiles": {
            "with-command": {
                "provider": "google",
                "base_url": "http://127.0.0.1:9",
                "token_command": f"{sys.executable} {script}",
            },
            "other": {"provider": "azure", "base_url": "http://127.0.0.1:9", "token": "t"},
        },
    }
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    path.chmod(0o600)
    env = base_environ(path)
    for argv in (["config", "show"], ["config", "validate"], ["get", "other:1"]):
        run_lro(argv, env)
        assert not ran.exists(), argv
    result = run_lro(["get", "with-command:1"], env)  # connection refused: exit 6
    assert result.code == 6, result.err
    assert ran.exists()


def test_alias_bombs_stay_cheap(tmp_path: Path) -> None:
    """A billion laughs: aliases are shared, never expanded, by the loader or by `config show`."""
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, 10):
        refs = ", ".join([f"*a{level - 1}"] * 9)
        lines.append(f"a{level}: &a{level} [{refs}]")
    bomb = "\n".join("    " + line for line in lines)
    path = tmp_path / "config.yaml"
    for text in (
        f"profiles:\n  p:\n    provider: neon\n    project_id: x\n    headers:\n{bomb}\n",
        f"profiles:\n  p:\n    provider: neon\n    project_id: x\n    interval_by_type:\n{bomb}\n",
        "x: &x\n" + bomb.replace("    ", "  ") + "\nprofiles: {p: {provider: neon, extra: *x}}\n",
    ):
        path.write_text(text, encoding="utf-8")
        started = time.monotonic()
        try:
            config = load(path, {})
        except ConfigError:
            pass
        else:
            validate_all(config, {})
        assert in_process(path, "validate") == 2
        assert in_process(path, "show") in (0, 2)
        assert time.monotonic() - started < 5


def test_self_referencing_aliases(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    for text in (
        "profiles: &p {p: *p}\n",
        "profiles:\n  p: &x\n    provider: neon\n    project_id: x\n    headers: *x\n",
        "&a [*a]\n",
    ):
        path.write_text(text, encoding="utf-8")
        assert in_process(path, "validate") == 2
        assert in_process(path, "show") == 2


# -- property: YAML of every shape ----------------------------------------------------------------

KEYS = ["provider", "base_url", "api_key", "api_key_env", "token", "token_command", "headers",
        "project_id", "interval", "interval_by_type", "timeout", "allow_insecure_http", "states",
        "state_path", "get", "parent", "client_id", "client_secret", "token_url", "<<", "? x",
        "1", "null", "~", "[a]"]  # fmt: skip
YAML_VALUES = [
    "neon", "http", "gcore", "redpanda", "google", "azure", "lakesail", "nope",
    "https://api.example.com", "http://127.0.0.1:9", "http://u:p@127.0.0.1", "${X}", "${",
    "$${X}", "5s", "none", "-1s", "1e999", ".inf", ".nan", "0x1F", "0o17", "~", "null", "yes",
    "on", "2001-12-14t21:59:43.10-05:00", "2001-12-14", "!!binary aGVsbG8=", "!!str 5",
    "!!int x", "!!float nope", "!!bool maybe", "!!timestamp 2001-99-99", "!!set {a, b}",
    "!!omap [a: 1, b: 2]", "!!pairs [a: 1]", "!!map {a: 1}", "!!seq [1]", "!custom x",
    "!!python/name:os.system", "&anchor value", "*anchor", "*undefined", "[a, {b: c}]",
    "{D: succeeded, R: running}", "{a: [1, 2]}", "'quoted: text'", '"\\x1b[2J\\u009b"',
    "|\n  a\n  b", ">\n  folded", "[[[[[]]]]]", "{X-Key: v}", "[sh, -c, 'touch x']",
]  # fmt: skip
PREFIXES = ["", "%YAML 1.1\n---\n", "%TAG ! tag:example.com,2000:\n---\n", "--- !!map\n",
            "\ufeff", "---\n", "# comment\n"]  # fmt: skip
SUFFIXES = ["", "\n...\n", "\n---\nsecond: document\n", "\n--- !!str\n", "\nextra: [unclosed"]


@st.composite
def yaml_documents(draw: st.DrawFn) -> str:
    lines = [draw(st.sampled_from(PREFIXES)) + "profiles:"]
    for name in draw(st.lists(st.sampled_from(["p", "q", "a b", "&base b", "<<"]), max_size=3)):
        lines.append(f"  {name}:")
        if draw(st.booleans()):
            lines.append(f"    provider: {draw(st.sampled_from(PROVIDERS))}")
        for _ in range(draw(st.integers(0, 5))):
            key = draw(st.sampled_from(KEYS))
            value = draw(st.sampled_from(YAML_VALUES) | st.text(max_size=8))
            value = value.replace("\n", "\n      ")
            lines.append(f"    {key}: {value}")
        if draw(st.booleans()):
            lines.append(f"    <<: {draw(st.sampled_from(['*base', '[*base]', '{a: 1}', '*x']))}")
    if draw(st.booleans()):
        lines.insert(0, f"default_profile: {draw(st.sampled_from(['p', 'q', '*base', '[p]']))}")
    text = "\n".join(lines) + draw(st.sampled_from(SUFFIXES)) + "\n"
    # A random edit anywhere: a character in, out, or changed.
    if draw(st.booleans()) and text:
        at = draw(st.integers(0, len(text) - 1))
        text = (
            text[:at]
            + draw(st.sampled_from(["", ":", "\t", "'", "&", "*", "!", "- ", "{"]))
            + (text[at + 1 :])
        )
    return text


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=yaml_documents())
def test_random_yaml_is_a_config_or_one_line_exit_2(
    tmp_path_factory: pytest.TempPathFactory, text: str
) -> None:
    directory = tmp_path_factory.getbasetemp()
    path = directory / "random.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        config = load(path, {"X": "v"})
    except (ConfigError, UsageError) as error:
        assert error.exit_code == 2 and "\n" not in error.message
    else:
        assert isinstance(config, Config)
        for name in config.profile_names:
            try:
                config.profile(name, {"X": "v"})
            except LroError as error:
                assert error.exit_code == 2 and "\n" not in error.message
    _config, problems = validate_file(path, {})
    assert all("\n" not in problem for problem in problems)
    assert in_process(path, "validate") in (0, 2)
    assert in_process(path, "show") in (0, 2)
    assert isinstance(profile_names_for_completion(path), list)
    assert not (directory / "x").exists()  # `[sh, -c, 'touch x']` is only ever a value
