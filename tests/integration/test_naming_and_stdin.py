"""Naming operations (SPEC.md "Naming an operation"), and `lro wait -` reading a start response."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.integration.harness import GCORE, GCORE_KEY, NEON, NEON_KEY, LroSim, Rig, neon_op


def created_by_call(op: dict[str, object]) -> dict[str, object]:
    """Hidden until a create call (a POST) claims it, as a real create call would start it."""
    return {**op, "created_by_call": 1}


def post(rig: Rig, path: str, key: str, body: object) -> httpx.Response:
    """The create call a script would make, answered by the simulator."""
    scheme = "APIKey" if path.startswith("/gcore") else "Bearer"
    headers = {"Authorization": f"{scheme} {key}"}
    return httpx.post(f"{rig.url}{path}", json=body, headers=headers, timeout=5)


def curl_i(response: httpx.Response) -> str:
    """What `curl -i` prints: the status line, the headers, a blank line, the body."""
    head = [f"HTTP/1.1 {response.status_code} {response.reason_phrase}"]
    head += [f"{name}: {value}" for name, value in response.headers.items()]
    return "\r\n".join(head) + "\r\n\r\n" + response.text


def test_wait_reads_a_gcore_tasks_body_from_stdin(lro_sim: LroSim) -> None:
    rig = lro_sim(
        created_by_call(GCORE.succeeded("g-1", suffix="one")),
        created_by_call(GCORE.succeeded("g-2", at=0.6, suffix="two")),
    )
    started = post(rig, "/gcore/cloud/v1/instances/1/1", GCORE_KEY, {"name": "vm"})
    assert started.json() == {"tasks": ["g-1", "g-2"]}
    result = rig.run("wait", "-", stdin=started.text)
    assert result.code == 0, result.err
    assert result.out.splitlines() == GCORE.resources("one") + GCORE.resources("two")


def test_wait_reads_a_neon_operations_body_from_stdin(lro_sim: LroSim) -> None:
    branch = neon_op(
        "n-branch",
        {"at": 0, "status": "running"},
        {"at": 0.3, "status": "finished"},
        branch_id="br-new",
    )
    compute = neon_op(
        "n-compute",
        {"at": 0, "status": "scheduling"},
        {"at": 0.5, "status": "finished"},
        type="start_compute",
        branch_id="br-new",
        endpoint_id="ep-new",
    )
    rig = lro_sim(created_by_call(branch), created_by_call(compute))
    started = post(rig, "/neon/api/v2/projects/sim-project-000001/branches", NEON_KEY, {})
    assert [op["id"] for op in started.json()["operations"]] == ["n-branch", "n-compute"]
    result = rig.run("wait", "--profile", "sim-neon", "-", stdin=started.text)
    assert result.code == 0, result.err
    assert result.out.splitlines() == ["br-new", "ep-new"]


def test_wait_reads_curl_i_output_and_answers_json_as_an_array(lro_sim: LroSim) -> None:
    rig = lro_sim(created_by_call(GCORE.succeeded("g-1")))
    started = post(rig, "/gcore/cloud/v1/volumes/1/1", GCORE_KEY, {"size": 10})
    text = curl_i(started)
    assert text.startswith("HTTP/1.1 200 OK\r\n")
    result = rig.run("wait", "-o", "json", "-", stdin=text, env={"LRO_PROFILE": "sim-gcore"})
    assert result.code == 0, result.err
    items = json.loads(result.out)
    assert isinstance(items, list)  # `-` is never "exactly one ID argument"
    assert [item["id"] for item in items] == ["g-1"]


@pytest.mark.parametrize(
    ("stdin", "said"),
    [
        ("<html>502 Bad Gateway</html>\n", "neither JSON nor `curl -i` output"),
        ('{"id": "g-1", "state": "RUNNING"}', '{"tasks": ['),
        ("", "standard input is empty"),
    ],
    ids=["garbage", "json-naming-nothing", "empty"],
)
def test_unusable_stdin_exits_2_saying_what_was_expected(
    lro_sim: LroSim, stdin: str, said: str
) -> None:
    rig = lro_sim(GCORE.running("g-1"))
    result = rig.run("wait", "-", stdin=stdin)
    assert result.code == 2
    assert said in result.err
    assert 'expected a Gcore response with {"tasks": [' in result.err
    assert result.err_lines == [f"lro: {result.err[5:].strip()}"]  # one line, no summary
    assert rig.sim.requests == []


def test_the_profile_comes_from_the_flag_then_lro_profile_then_the_default(
    lro_sim: LroSim,
) -> None:
    # The same id in both dialects: which one answers tells which profile was used.
    rig = lro_sim(GCORE.succeeded("same", at=0), NEON.succeeded("same", at=0))

    def profile_of(*args: str, lro_profile: str | None = None) -> str:
        env = {"LRO_PROFILE": lro_profile} if lro_profile else {}
        result = rig.run("get", "-o", "json", *args, env=env)
        assert result.code == 0, result.err
        return str(json.loads(result.out)["profile"])

    assert profile_of("same") == "sim-gcore"  # default_profile
    assert profile_of("same", lro_profile="sim-neon") == "sim-neon"
    assert profile_of("--profile", "sim-gcore", "same", lro_profile="sim-neon") == "sim-gcore"
    assert profile_of("sim-neon:same", lro_profile="sim-gcore") == "sim-neon"


def test_a_url_picks_the_profile_with_the_longest_base_url(lro_sim: LroSim) -> None:
    # `root` is a prefix of every URL on the server; the dialects' own profiles are longer ones.
    rig = lro_sim(
        GCORE.succeeded("g-1", suffix="g"),
        NEON.succeeded("n-1", suffix="n"),
        profiles={"root": {"provider": "gcore", "api_key": "CANARY-root", "base_url": "{url}"}},
    )
    task_url = f"{rig.url}/gcore/cloud/v1/tasks/g-1"
    operation_url = f"{rig.url}/neon/api/v2/projects/sim-project-000001/operations/n-1"
    result = rig.run("wait", "-o", "json", task_url, operation_url)
    assert result.code == 0, result.err
    items = json.loads(result.out)
    assert [(i["profile"], i["id"], i["state"]) for i in items] == [
        ("sim-gcore", "g-1", "succeeded"),
        ("sim-neon", "n-1", "succeeded"),
    ]
    paths = {r.path for r in rig.sim.requests}
    assert paths == {
        "/gcore/cloud/v1/tasks/g-1",
        "/neon/api/v2/projects/sim-project-000001/operations/n-1",
    }


def test_a_url_two_profiles_match_equally_exits_2_naming_them(lro_sim: LroSim) -> None:
    rig = lro_sim(GCORE.running("g-1"))
    text = rig.config.read_text()
    twin = text[text.index("  sim-gcore:") : text.index("  sim-neon:")]
    rig.config.write_text(text + twin.replace("sim-gcore:", "twin-gcore:", 1))
    result = rig.run("wait", f"{rig.url}/gcore/cloud/v1/tasks/g-1")
    assert result.code == 2
    assert "sim-gcore" in result.err and "twin-gcore" in result.err
    assert rig.sim.requests == []
