from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lro_cli.render.text import clean, format_delay, format_duration, short_id, truncate, utc_stamp


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("plain text", "plain text"),
        ("\x1b]0;title\x07boom", "boom"),
        ("\x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\", "link"),
        ("\x1b[2Jcleared", "cleared"),
        ("\x1b[31mred\x1b[0m text", "red text"),
        ("\x1b[38;5;196mcolour\x1b[m", "colour"),
        ("\x9b31mC1 csi\x9b0m", "C1 csi"),
        ("\x9d0;title\x9cafter", "after"),
        ("done 100%\rfaked 0%", "done 100%faked 0%"),
        ("\x1b(Bcharset", "charset"),
        ("\x1bPq#0;2;0;0;0\x1b\\sixel gone", "sixel gone"),
        ("bell\x07 and back\x08space", "bell and backspace"),
        ("nul\x00byte", "nulbyte"),
        ("lone escape at end\x1b", "lone escape at end"),
        ("line one\nline two\r\nline three", "line one line two line three"),
        ("tab\tseparated\t\tcells", "tab separated cells"),
        ("  padded  ", "padded"),
        ("abc\u202edcba", "abcdcba"),
        ("naïve café ✓ 日本", "naïve café ✓ 日本"),
        (None, ""),
        ("", ""),
    ],
    ids=repr,
)
def test_clean_strips_control_text(raw: str | None, shown: str) -> None:
    assert clean(raw) == shown


@given(st.text())
def test_clean_leaves_nothing_a_terminal_would_act_on(raw: str) -> None:
    shown = clean(raw)
    assert not any(ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F for ch in shown)
    assert shown == shown.strip()


@pytest.mark.parametrize(
    ("text", "width", "expected"),
    [
        ("short", 10, "short"),
        ("exactly10!", 10, "exactly10!"),
        ("much too long", 8, "much to…"),
        ("abc", 1, "…"),
        ("abc", 0, ""),
        ("日本語のテキスト", 7, "日本語…"),  # wide characters take two cells each
    ],
)
def test_truncate_counts_cells_and_ends_with_ellipsis(text: str, width: int, expected: str) -> None:
    assert truncate(text, width) == expected


def test_short_id() -> None:
    assert short_id("274e240f-1e7d-4c2b-9a5d-0123456789ab") == "274e240f-1e…"
    assert short_id("274e240f-1e7d-4c2b-9a5d-0123456789ab", 9) == "274e240f…"
    assert short_id("task-1") == "task-1"
    assert short_id("projects/p/locations/l/operations/op-123") == "op-123"
    url = "https://management.azure.com/subscriptions/s/operations/abc123?api-version=2023-01-01"
    assert short_id(url) == "abc123"
    assert short_id("evil\x1b[2J-id") == "evil-id"


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0s"), (-3, "0s"), (42.9, "42s"), (185, "3m05s"), (7620, "2h07m"), (273600, "3d04h")],
)
def test_format_duration(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


def test_format_delay_rounds_and_keeps_subsecond() -> None:
    assert format_delay(4.0) == "4s"
    assert format_delay(3.6) == "4s"
    assert format_delay(0.5) == "0.5s"
    assert format_delay(90) == "1m30s"


def test_utc_stamp_converts_to_utc() -> None:
    paris = timezone(timedelta(hours=2))
    assert utc_stamp(datetime(2026, 1, 1, 2, 0, 5, 999, tzinfo=paris)) == "2026-01-01T00:00:05Z"
    assert utc_stamp(datetime(2026, 1, 1, 0, 0, 5)) == "2026-01-01T00:00:05Z"
