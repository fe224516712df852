"""`lro demo` (no account, no config) and `lro sim serve` (profiles a config file accepts)."""

from __future__ import annotations

import json
import signal
import socket
import struct
import subprocess
import time
from pathlib import Path

import yaml

from tests.integration.harness import base_environ, lro_command, run_lro


def test_demo_runs_with_no_config_and_says_what_wait_would_exit(tmp_path: Path) -> None:
    env = base_environ(tmp_path / "no-such-config.yaml")
    started = time.monotonic()
    result = run_lro(["demo"], env, timeout=25)
    took = time.monotonic() - started
    assert result.code == 0, result.err
    assert took < 20
    last = result.err_lines[-1]
    assert "`lro wait` would have exited 1" in last
    assert "failed" in last and "Quota limit for volume_size exceeded" in last
    assert "not as scripted" not in result.err
    # Progress as any wait shows it (plain: stderr is a pipe), and nothing on stdout but ids.
    assert any("→ succeeded" in line for line in result.err_lines)


def test_sim_serve_prints_profiles_that_lro_accepts(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        lro_command("sim", "serve", "--port", "0"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=base_environ(None),
    )
    try:
        assert proc.stderr is not None and proc.stdout is not None
        said = proc.stderr.readline().decode()  # written (and flushed) after the profiles
        assert "serving on http://127.0.0.1:" in said, said
        url = said.split("serving on ", 1)[1].split()[0]
        printed = proc.stdout.read1().decode()  # type: ignore[attr-defined]
        profiles = yaml.safe_load(printed)["profiles"]
        assert profiles["sim-gcore"]["base_url"] == f"{url}/gcore"
        assert profiles["sim-neon"]["base_url"] == f"{url}/neon/api/v2"
        config = tmp_path / "config.yaml"
        config.write_text(printed)
        config.chmod(0o600)
        valid = run_lro(["config", "validate"], base_environ(config))
        assert valid.code == 0, valid.err
        assert f"config OK: {len(profiles)} profiles" in valid.err
        assert {"sim-redpanda", "sim-lakesail", "sim-google", "sim-azure", "sim-http"} <= set(
            profiles
        )
        # From the default scenario: a Neon operation that is `skipped` (succeeded) in 1 s.
        got = run_lro(
            ["get", "-o", "json", "sim-neon:10a172a8-417b-4c4f-8967-9468f0b204a2"],
            base_environ(config),
        )
        assert got.code == 0, got.err
        assert json.loads(got.out)["provider"] == "neon"
        hang_up_mid_request(url)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0
    assert err == b""  # a client hanging up is not worth a traceback (nor anything else)


def hang_up_mid_request(url: str) -> None:
    """Half a request, then a reset: what an interrupted client leaves behind."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(b"GET /gcore/cloud/v1/tasks HTTP/1.1\r\nHost: sim\r\n")
        time.sleep(0.1)  # the server is reading the headers
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    time.sleep(0.2)
