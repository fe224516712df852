import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lro_cli.durations import format_duration, parse_duration, parse_timeout

VALID = [
    ("500ms", 0.5),
    ("5s", 5.0),
    ("2m", 120.0),
    ("1h", 3600.0),
    ("1h30m", 5400.0),
    ("1h30m5s", 5405.0),
    ("1.5s", 1.5),
    (".5s", 0.5),
    ("2d", 172800.0),
    ("10", 10.0),
    ("0.25", 0.25),
    ("0", 0.0),
    (" 5s ", 5.0),
    ("5S", 5.0),
    (7, 7.0),
    (2.5, 2.5),
    (0, 0.0),
]


@pytest.mark.parametrize(("text", "seconds"), VALID, ids=[repr(t) for t, _ in VALID])
def test_parse_duration_reads(text: str | int | float, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


INVALID = [
    ("", "empty"),
    ("   ", "empty"),
    ("-5s", "negative"),
    ("-1", "negative"),
    (-3, "negative"),
    ("5x", "5x"),
    ("h", "expected a duration"),
    ("ms", "expected a duration"),
    ("1h30", "expected a duration"),
    ("5 s", "expected a duration"),
    ("1e3", "expected a duration"),
    ("nan", "expected a duration"),
    ("inf", "expected a duration"),
    (float("inf"), "finite"),
    (float("nan"), "finite"),
    (True, "expected a duration"),
    ("5s garbage", "expected a duration"),
    ("٥s", "expected a duration"),  # a digit, but not an ASCII one
]


@pytest.mark.parametrize(("text", "fragment"), INVALID, ids=[repr(t) for t, _ in INVALID])
def test_parse_duration_refuses_with_one_clear_line(text: object, fragment: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_duration(text)  # type: ignore[arg-type]
    message = str(caught.value)
    assert fragment in message
    assert "\n" not in message


@pytest.mark.parametrize("text", ["none", "None", " NONE "], ids=["lower", "title", "spaced"])
def test_parse_timeout_none_means_no_deadline(text: str) -> None:
    assert parse_timeout(text) is None


def test_parse_timeout_reads_durations() -> None:
    assert parse_timeout("90m") == 5400.0
    assert parse_timeout(30) == 30.0


@pytest.mark.parametrize("text", ["0", "0s", 0], ids=["text", "unit", "number"])
def test_parse_timeout_refuses_zero_and_points_at_none(text: str | int) -> None:
    with pytest.raises(ValueError, match="'none'"):
        parse_timeout(text)


def test_parse_timeout_refuses_garbage() -> None:
    with pytest.raises(ValueError, match="invalid duration"):
        parse_timeout("soon")


FORMATS = [
    (0, "0s"),
    (0.8, "800ms"),
    (0.9999, "1s"),
    (1.5, "1.5s"),
    (45, "45s"),
    (59.96, "1m"),
    (120, "2m"),
    (125, "2m05s"),
    (3600, "1h"),
    (3605, "1h00m05s"),
    (3900, "1h05m"),
    (5400, "1h30m"),
    (90061, "25h01m01s"),
    (-5, "-5s"),
    (math.inf, "none"),
]


@pytest.mark.parametrize(("seconds", "text"), FORMATS, ids=[t for _, t in FORMATS])
def test_format_duration(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


@given(st.floats(min_value=0, max_value=10_000_000, allow_nan=False))
def test_format_duration_parses_back_within_its_rounding(seconds: float) -> None:
    tolerance = 0.0005 if seconds < 1 else (0.05 if seconds < 60 else 0.5)
    assert parse_duration(format_duration(seconds)) == pytest.approx(seconds, abs=tolerance + 1e-9)


@given(
    st.integers(min_value=0, max_value=500),
    st.integers(min_value=0, max_value=59),
    st.integers(min_value=0, max_value=59),
    st.integers(min_value=0, max_value=999),
)
def test_units_add_up(hours: int, minutes: int, seconds: int, millis: int) -> None:
    text = f"{hours}h{minutes}m{seconds}s{millis}ms"
    expected = hours * 3600 + minutes * 60 + seconds + millis / 1000
    assert parse_duration(text) == pytest.approx(expected)


@given(st.text(max_size=30))
def test_any_text_is_a_finite_duration_or_a_value_error(text: str) -> None:
    try:
        seconds = parse_duration(text)
    except ValueError as exc:
        assert str(exc) and "\n" not in str(exc)
    else:
        assert math.isfinite(seconds)
        assert seconds >= 0
