from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lro_cli.providers import json_path
from lro_cli.providers.json_path import MISSING

DOC: dict[str, Any] = {
    "job": {"status": "RUNNING", "done": False, "result": None, "percent": 40},
    "items": [{"status": "a"}, {"status": "b"}, ["x", "y"]],
    "0": "key spelled zero",
    "": "empty key",
}

CASES = [
    ("job.status", "RUNNING"),
    ("job.done", False),
    ("job.result", None),
    ("job", DOC["job"]),
    ("items.0.status", "a"),
    ("items.1.status", "b"),
    ("items.2.1", "y"),
    ("items.-1.0", "x"),
    ("0", "key spelled zero"),
    ("", "empty key"),
    ("job.missing", MISSING),
    ("items.3", MISSING),
    ("items.-4", MISSING),
    ("items.first", MISSING),
    ("items.+1", MISSING),
    ("job.status.0", MISSING),
    ("job.percent.x", MISSING),
    ("job.result.x", MISSING),
    ("items.99999999999999999999999", MISSING),
    ("items." + "9" * 5000, MISSING),
]


@pytest.mark.parametrize(("path", "expected"), CASES, ids=[path[:30] for path, _ in CASES])
def test_get(path: str, expected: object) -> None:
    assert json_path.get(DOC, path) == expected


def test_a_top_level_list_is_indexed() -> None:
    assert json_path.get([{"id": "j1"}], "0.id") == "j1"


@pytest.mark.parametrize("document", [None, 3, "text", True, 1.5], ids=repr)
def test_a_scalar_document_has_nothing_inside(document: object) -> None:
    assert json_path.get(document, "a") is MISSING
    assert json_path.get(document, "0") is MISSING


def test_missing_is_distinct_from_null_and_falsy() -> None:
    assert json_path.get({"a": None}, "a") is None
    assert json_path.get({}, "a") is MISSING
    assert not MISSING


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=3), inner),
    max_leaves=20,
)
segments = st.one_of(
    st.text(max_size=4).filter(lambda s: "." not in s),
    st.integers(-6, 6).map(str),
    st.sampled_from(["0", "1", "-1", "a", ""]),
)
paths = st.lists(segments, min_size=1, max_size=5).map(".".join)


@given(json_values, paths)
def test_random_documents_and_paths_never_raise(document: object, path: str) -> None:
    value = json_path.get(document, path)
    assert (
        value is MISSING or value is None or isinstance(value, (bool, int, float, str, list, dict))
    )


@given(st.dictionaries(st.text(min_size=1, max_size=3).filter(lambda s: "." not in s), json_values))
def test_each_top_level_key_reads_back(document: dict[str, Any]) -> None:
    for key, value in document.items():
        found = json_path.get(document, key)
        assert found is value
