"""Start-up stays light: what `lro --help`, `lro --version` and flag parsing must not import.

STYLE.md item 11. Each command runs in a fresh interpreter, started the way the console script
starts it, and reports `sys.modules` as the process exits. Timing is bench/startup.py's job;
this only holds the imports that would make it slow.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

# Run as the console script does, then print every module loaded, whatever way the run exits.
PROBE = """\
import atexit, sys

def report():
    import json
    loaded = sorted(name for name, module in sys.modules.items() if module is not None)
    with open(OUT, "w", encoding="utf-8") as file:
        json.dump(loaded, file)

atexit.register(report)
sys.argv = ["lro", *sys.argv[1:]]
from lro_cli.__main__ import main
main()
"""

# Never for help or the version: the network stack, config parsing, the live view, the engine,
# an adapter, the simulator, Rich (help is plain text) and Pydantic (Typer's value coercion).
HEAVY = (
    "httpx",
    "httpcore",
    "yaml",
    "rich",
    "rich.live",
    "pydantic",
    "asyncio",
    "lro_cli.engine",
    "lro_cli.providers",
    "lro_cli.providers.gcore",
    "lro_cli.providers.neon",
    "lro_cli.sim",
    "lro_cli.render",
    "lro_cli.config",
)


def loaded_modules(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> set[str]:
    out = tmp_path / "modules.json"
    code = f"OUT = {str(out)!r}\n{PROBE}"
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("LRO_", "_LRO_"))}
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        env={**environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert "Traceback" not in done.stderr, done.stderr
    modules: list[str] = json.loads(out.read_text(encoding="utf-8"))
    return set(modules)


def heavy_in(modules: set[str], heavy: tuple[str, ...] = HEAVY) -> list[str]:
    return sorted(name for name in heavy if name in modules)


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["-h"],
        ["wait", "--help"],
        ["get", "--help"],
        ["config", "--help"],
        ["sim", "serve", "--help"],
    ],
    ids=lambda args: " ".join(args),
)
def test_help_imports_nothing_heavy(args: list[str], tmp_path: Path) -> None:
    modules = loaded_modules(tmp_path, *args)
    assert "typer" in modules  # the probe did run the app
    assert heavy_in(modules) == []


def test_version_is_answered_before_typer(tmp_path: Path) -> None:
    modules = loaded_modules(tmp_path, "--version")
    assert heavy_in(modules, (*HEAVY, "typer", "click", "lro_cli.cli")) == []


def test_get_loads_neither_pydantic_nor_httpx_command_line(tmp_path: Path) -> None:
    # Typer coerces option values through Pydantic unless lro_cli.cli_coercion defers it, and
    # httpx imports click, rich and pygments for its own CLI unless lro_cli.cli stops it.
    config = tmp_path / "config.yaml"
    config.write_text(
        "profiles:\n  p:\n    provider: neon\n    project_id: proj\n    api_key: k\n"
        f"    base_url: http://127.0.0.1:{closed_port()}/api/v2\n",
        encoding="utf-8",
    )
    config.chmod(0o600)
    args = ["get", "--output", "json", "--profile", "p", "--config", str(config), "op-1", "op-2"]
    modules = loaded_modules(tmp_path, *args)
    assert "httpx" in modules  # the probe did get as far as a request
    unwanted = ("pydantic", "click", "pygments", "rich.progress", "rich.live", "lro_cli.sim")
    assert heavy_in(modules, unwanted) == []


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port
