"""The profiles `lro sim serve` prints: valid config, and each reaches its dialect's default ops."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from lro_cli.commands.sim import profiles_yaml, sim_profiles
from lro_cli.config import validate_file
from lro_cli.sim import default_scenario
from tests.sim.rig import Rig


def test_printed_profiles_validate(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(profiles_yaml("http://127.0.0.1:8123", default_scenario()))
    path.chmod(0o600)
    config, problems = validate_file(path, {})
    assert problems == [] and config is not None
    names = set(sim_profiles("http://127.0.0.1:8123", default_scenario()))
    assert {"sim-redpanda", "sim-lakesail", "sim-google", "sim-azure", "sim-http"} <= names


def test_each_new_profile_reaches_its_default_operations(rig_factory: Callable[..., Rig]) -> None:
    rig = rig_factory(default_scenario())
    url = rig.server.url
    profiles = sim_profiles(url, rig.sim.scenario)
    redpanda, lakesail = profiles["sim-redpanda"], profiles["sim-lakesail"]
    google, azure, custom = profiles["sim-google"], profiles["sim-azure"], profiles["sim-http"]
    issued = rig.client.post(
        redpanda["token_url"],
        data={
            "grant_type": "client_credentials",
            "client_id": redpanda["client_id"],
            "client_secret": redpanda["client_secret"],
            "audience": redpanda["audience"],
        },
    ).json()
    listed = rig.client.get(
        f"{redpanda['base_url']}/v1/operations",
        headers={"Authorization": f"Bearer {issued['access_token']}"},
    )
    assert len(listed.json()["operations"]) == 2
    bearer = {"Authorization": f"Bearer {lakesail['token']}"}
    assert rig.client.get(
        f"{lakesail['base_url']}/operations/OPSIM00001", headers=bearer
    ).is_success
    bearer = {"Authorization": f"Bearer {google['token']}"}
    ops = rig.client.get(f"{google['base_url']}/v1/{google['parent']}/operations", headers=bearer)
    assert len(ops.json()["operations"]) == 2
    vm = rig.sim.scenario.operations[-5].options["resource_path"]
    bearer = {"Authorization": f"Bearer {azure['token']}"}
    started = rig.client.put(
        f"{azure['base_url']}{vm}", params={"api-version": "2024-07-01"}, headers=bearer
    )
    assert started.status_code == 201 and "azure-asyncoperation" in started.headers
    jobs = rig.client.get(
        f"{custom['base_url']}{custom['list']}", headers={"X-API-Key": custom["api_key"]}
    )
    assert [item["job"]["id"] for item in jobs.json()["items"]] == ["job-sim-0001", "job-sim-0002"]
