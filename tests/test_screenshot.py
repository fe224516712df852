"""docs/watch.svg, the README's picture of `lro watch`, is what the live view draws today.

`scripts/render_screenshot.py --check` draws the picture again from the code (a scripted watch
through the real LiveReporter) and compares it byte for byte with the committed file; the rows
are read back from the SVG, so an empty or broken picture cannot pass for a current one.
"""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "render_screenshot.py"
PICTURE = ROOT / "docs" / "watch.svg"
SVG = "{http://www.w3.org/2000/svg}"
REGENERATE = "python scripts/render_screenshot.py"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    # This tree's lro_cli, whatever is installed; the script ignores TERM, NO_COLOR, COLUMNS.
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": path},
        timeout=120,
    )


def _screen_lines(svg: str) -> list[str]:
    """The picture's text, line by line (each <text> at its column)."""
    root = ET.fromstring(svg)
    cells: dict[float, dict[int, str]] = {}
    char_width = 20 * 0.61  # Rich's export: 20px characters, Fira Code's aspect ratio
    for node in root.iter(f"{SVG}text"):
        clip = node.get("clip-path", "")
        if "-line-" not in clip:
            continue  # the window title
        y, x = float(node.get("y", "0")), float(node.get("x", "0"))
        cells.setdefault(y, {})[round(x / char_width)] = (node.text or "").replace("\xa0", " ")
    lines = []
    for y in sorted(cells):
        line = ""
        for column, text in sorted(cells[y].items()):
            line = line.ljust(column) + text
        lines.append(line.rstrip())
    return lines


def test_the_committed_picture_is_what_the_script_draws() -> None:
    done = _run("--check")
    assert done.returncode == 0, (
        f"{PICTURE.relative_to(ROOT)} is stale: run `{REGENERATE}` and commit it\n{done.stderr}"
    )


def test_the_picture_shows_the_live_table() -> None:
    lines = _screen_lines(PICTURE.read_text(encoding="utf-8"))
    assert lines[0].split() == [
        "PROFILE", "ID", "TYPE", "STATE", "PROGRESS", "MESSAGE", "ELAPSED", "ETA",
    ]  # fmt: skip
    rows = {line.split()[0] + " " + line.split()[1]: line for line in lines[1:-1]}
    expected = {
        "sim-gcore d4a4b10e-5d…": ("create_vm", "● running", "▓▓▓", "POST_DEPLOY_SETUP"),
        "sim-gcore c3149c20-4c…": ("✗ failed", "Quota limit for volume_size"),
        "sim-neon 3a307656-29…": ("start_compute", "✓ succeeded", "100%"),
        "sim-neon a1af3b8e-5c…": ("● running", "▓▓▓", "retrying in 4s: HTTP 503"),
        "sim-neon 8c5c7594-0a…": ("apply_config", "◷ pending"),
        "sim-redpanda cqfc6vdmvio…": ("TYPE_CREATE_C", "● running", "▓▓▓"),
        "sim-lakesail OPDEMO0001": ("● running", "35%", "deploy: installing", "~10m"),
        "sim-azure 5e7c1a62-83…": ("● running", "47%"),
    }
    for row, texts in expected.items():
        assert row in rows, f"no row {row!r} in the picture:\n" + "\n".join(lines)
        for text in texts:
            assert text in rows[row], f"{text!r} not in the row {rows[row]!r}"
    assert lines[-1].startswith("✗ 1 failed · ● 5 running · ◷ 3 pending · ✓ 1 succeeded")
    assert "10 operations" in lines[-1]


def test_check_tells_a_stale_picture(tmp_path: Path) -> None:
    stale = tmp_path / "watch.svg"
    old = PICTURE.read_bytes().replace(b"47%", b"46%")
    assert old != PICTURE.read_bytes()
    stale.write_bytes(old)
    done = _run("--check", "--output", str(stale))
    assert done.returncode == 1
    assert "out of date" in done.stderr
    assert stale.read_bytes() == old  # --check writes nothing

    missing = _run("--check", "--output", str(tmp_path / "none.svg"))
    assert missing.returncode == 1
    assert not (tmp_path / "none.svg").exists()
