"""Strict scenario validation for the new dialects' keys."""

from __future__ import annotations

from typing import Any

import pytest

from lro_cli.sim import ScenarioError, load_scenario


def one(**fields: Any) -> dict[str, Any]:
    return {"operations": [{"id": "x", "type": "t", **fields}]}


@pytest.mark.parametrize(
    ("scenario", "message"),
    [
        ({"credentials": {"redpanda_secret": "s"}}, "unknown key 'redpanda_secret'"),
        ({"credentials": {"redpanda_expires_in": 0}}, "must be positive"),
        (one(dialect="redpanda", timeline=[{"at": 0, "state": "S", "pct": 1}]), "'pct'"),
        (one(dialect="google", timeline=[{"at": 0, "state": "RUNNING"}]), "running or done"),
        (one(dialect="google", parent="", timeline=[{"at": 0, "state": "done"}]), "parent"),
        (one(dialect="azure", urls=["sideways"], timeline=[{"at": 0, "state": "A"}]), "urls"),
        (
            one(
                dialect="azure",
                urls=["location", "request_reply"],
                timeline=[{"at": 0, "state": "A"}],
            ),
            "request_reply goes alone",
        ),
        (one(dialect="azure", final_status="204", timeline=[{"at": 0, "state": "A"}]), "final"),
        (one(dialect="lakesail", urls=[], timeline=[{"at": 0, "state": "a"}]), "'urls'"),
        (one(dialect="http", cancel_unimplemented=True, timeline=[{"at": 0}]), "cancel"),
    ],
)
def test_mistakes_are_one_line_errors(scenario: dict[str, Any], message: str) -> None:
    with pytest.raises(ScenarioError, match=message):
        load_scenario(scenario)


def test_new_settings_are_read() -> None:
    scenario = load_scenario(
        {
            "credentials": {"redpanda_expires_in": 5, "redpanda_token_lifetime": 2.5},
            "google_parent": "projects/a/locations/b",
            "operations": [
                {
                    "dialect": "google",
                    "id": "g",
                    "type": "t",
                    "timeline": [{"at": 0, "state": "done"}],
                }
            ],
        }
    )
    assert scenario.credentials.redpanda_token_lifetime == 2.5
    assert scenario.operations[0].project_id == "projects/a/locations/b"
