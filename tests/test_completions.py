"""Shell completion: the committed scripts are current, and the protocol they call answers.

The scripts under completions/ only call `lro` back (`_LRO_COMPLETE=complete_<shell> lro`), so
most of what matters is that protocol: driven here in a subprocess for bash, zsh and fish, the
way each script drives it, against a config file of our own.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "gen_completions", ROOT / "scripts" / "gen_completions.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GEN = _generator()

CONFIG = """\
profiles:
  neon-dev:
    provider: neon
    project_id: hidden-river-50598307
    api_key: not-a-secret
  gcore-prod:
    provider: gcore
    api_key: not-a-secret
"""
OTHER_CONFIG = CONFIG.replace("neon-dev", "neon-other")
BROKEN_CONFIGS: dict[str, str | bytes] = {
    "bad-yaml": "profiles: [neon-dev\n",
    "a-list": "- neon-dev\n- gcore-prod\n",
    "profiles-a-list": "profiles: [neon-dev, gcore-prod]\n",
    "not-utf8": b"\xff\xfe\x00profiles:\n",
    "empty": "",
    "tab-indent": "profiles:\n\tneon-dev: {provider: neon}\n",
}


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(CONFIG, encoding="utf-8")
    path.chmod(0o600)
    return path


def _environ(config: Path | str, extra: Mapping[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LRO_", "_LRO_", "_TYPER_"))}
    env.update(LRO_CONFIG=str(config), PYTHONIOENCODING="utf-8", **extra)
    return env


def _lro(config: Path | str, extra: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-c", GEN.RUN_AS_LRO],
        env=_environ(config, extra),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert "Traceback" not in done.stderr, done.stderr
    return done


def complete_bash(config: Path | str, line: str) -> list[str]:
    words = shlex.split(line) + ([""] if line.endswith(" ") else [])
    extra = {
        "_LRO_COMPLETE": "complete_bash",
        "COMP_WORDS": line,
        "COMP_CWORD": str(len(words) - 1),
    }
    done = _lro(config, extra)
    assert done.returncode == 0, done.stderr
    return [item for item in done.stdout.splitlines() if item]


def complete_zsh(config: Path | str, line: str) -> list[str]:
    done = _lro(config, {"_LRO_COMPLETE": "complete_zsh", "_TYPER_COMPLETE_ARGS": line})
    assert done.returncode == 0, done.stderr
    if done.stdout.strip() == "_files":  # nothing of ours: zsh falls back to file names
        return []
    # _arguments '*: :(("value":"help" "value" ...))': the values, without their help texts.
    return re.findall(r'^\(*"((?:[^"]|"")*)"', done.stdout.split("((", 1)[1], flags=re.M)


def complete_fish(config: Path | str, line: str) -> list[str]:
    extra = {"_LRO_COMPLETE": "complete_fish", "_TYPER_COMPLETE_ARGS": line}
    done = _lro(config, {**extra, "_TYPER_COMPLETE_FISH_ACTION": "get-args"})
    assert done.returncode == 0, done.stderr
    values = [item.split("\t")[0] for item in done.stdout.splitlines() if item]
    # fish first asks whether to offer our values at all (exit 0) or file names (exit 1).
    asked = _lro(config, {**extra, "_TYPER_COMPLETE_FISH_ACTION": "is-args"})
    assert asked.returncode == (0 if values else 1), asked.stderr
    return values


COMPLETERS = {"bash": complete_bash, "zsh": complete_zsh, "fish": complete_fish}


# The committed scripts.


@pytest.mark.parametrize("shell", sorted(GEN.FILES))
def test_committed_script_is_current(shell: str) -> None:
    name = GEN.FILES[shell]
    path = ROOT / "completions" / name
    assert path.is_file(), f"completions/{name} is missing: run {GEN.REGENERATE}"
    assert path.read_text(encoding="utf-8") == GEN.generate(shell), (
        f"completions/{name} is stale (Typer's {shell} template changed?): run {GEN.REGENERATE}"
    )


def test_scripts_name_no_path_of_this_machine() -> None:
    for name in GEN.FILES.values():
        text = (ROOT / "completions" / name).read_text(encoding="utf-8")
        assert str(ROOT) not in text and sys.executable not in text, name
        assert "_LRO_COMPLETE=complete_" in text, name


# The protocol.


@pytest.mark.parametrize("shell", sorted(COMPLETERS))
@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("lro wait --profile ", ["gcore-prod", "neon-dev"]),
        ("lro wait --profile neon", ["neon-dev"]),
        ("lro get -p g", ["gcore-prod"]),
        ("lro config show --profile ", ["gcore-prod", "neon-dev"]),
        ("lro wait --profile x", []),
    ],
    ids=["all", "prefix", "short-option", "config-show", "no-match"],
)
def test_profile_names_complete(shell: str, line: str, expected: list[str], config: Path) -> None:
    assert sorted(COMPLETERS[shell](config, line)) == expected


@pytest.mark.parametrize("shell", sorted(COMPLETERS))
def test_config_option_on_the_line_names_the_file(shell: str, config: Path) -> None:
    other = config.with_name("other.yaml")
    other.write_text(OTHER_CONFIG, encoding="utf-8")
    line = f"lro wait --config {other} --profile "
    assert sorted(COMPLETERS[shell](config, line)) == ["gcore-prod", "neon-other"]


@pytest.mark.parametrize("shell", sorted(COMPLETERS))
def test_commands_complete(shell: str, config: Path) -> None:
    assert COMPLETERS[shell](config, "lro ") == [
        "get",
        "wait",
        "watch",
        "list",
        "cancel",
        "demo",
        "sim",
        "config",
    ]


@pytest.mark.parametrize("content", list(BROKEN_CONFIGS.values()), ids=list(BROKEN_CONFIGS))
def test_broken_config_completes_nothing(content: str | bytes, tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    assert complete_bash(path, "lro wait --profile ") == []


@pytest.mark.parametrize("shell", ["zsh", "fish"])
def test_broken_config_completes_nothing_in_zsh_and_fish(shell: str, tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("profiles: [neon-dev\n", encoding="utf-8")
    assert COMPLETERS[shell](path, "lro wait --profile ") == []


@pytest.mark.parametrize(
    "config",
    ["/nonexistent/lro/config.yaml", "DIRECTORY"],
    ids=["missing", "a-directory"],
)
def test_unreadable_config_completes_nothing(config: str, tmp_path: Path) -> None:
    path = tmp_path if config == "DIRECTORY" else Path(config)
    assert complete_bash(path, "lro wait --profile ") == []
    assert complete_bash(path, "lro wait --config ~nobody-lro-test/x --profile ") == []


# The scripts themselves, in real shells (where installed), calling an `lro` found on PATH.


@pytest.fixture
def path_with_lro(tmp_path: Path) -> str:
    shim = tmp_path / "bin" / "lro"
    shim.parent.mkdir()
    shim.write_text(
        f'#!/bin/sh\nexec {shlex.quote(sys.executable)} -c {shlex.quote(GEN.RUN_AS_LRO)} "$@"\n'
    )
    shim.chmod(0o755)
    return f"{shim.parent}{os.pathsep}{os.environ.get('PATH', '')}"


def _shell(argv: list[str], config: Path, path: str) -> str:
    done = subprocess.run(
        argv,
        env=_environ(config, {"PATH": path}),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_bash_script_offers_profiles(config: Path, path_with_lro: str) -> None:
    script = shlex.quote(str(ROOT / "completions" / GEN.FILES["bash"]))
    session = f"""
        source {script}
        COMP_WORDS=(lro wait --profile ne)
        COMP_CWORD=3
        _lro_completion lro ne --profile
        printf '%s\\n' "${{COMPREPLY[@]}}"
        COMP_WORDS=(lro wait --profile "")
        _lro_completion lro "" --profile
        printf '%s\\n' "${{COMPREPLY[@]}}"
    """
    out = _shell(["bash", "--norc", "--noprofile", "-c", session], config, path_with_lro)
    assert out.splitlines() == ["neon-dev", "gcore-prod", "neon-dev"]
