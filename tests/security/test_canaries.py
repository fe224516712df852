"""No secret of any kind is ever shown (SPEC.md "Configuration", last point).

A distinct canary sits in every credential kind (rig.py lists them: API keys, static tokens, an
OAuth client secret and the tokens its endpoint issues, `token_command` output, http `headers:`
and `api_key`); every command runs as a real process against the simulator, with and without
`--debug`, through success, failure and every error path, with the server echoing back the very
credentials it received, in error bodies and in the operations themselves, as a hostile or merely
careless server would. Neither stream may carry a canary, whole or in part.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.integration.harness import Result, base_environ, run_lro
from tests.integration.test_watch_tty import run_on_terminal
from tests.security.conftest import MakeCanaryRig
from tests.security.rig import (
    DIALECT,
    ENV_SECRET,
    HTTP_KEY,
    PROFILES,
    REDPANDA_SECRET,
    REDPANDA_TOKEN,
    SENT,
    USERINFO,
    CanaryRig,
    assert_no_secret,
    echo,
    error_body,
    op,
)

SHORT_ID = {
    "sim-gcore": "g",
    "sim-neon": "n",
    "sim-redpanda": "rp",
    "sim-redpanda-token": "rpt",
    "sim-lakesail": "LS",
    "sim-google": "go",
    "sim-azure": "az",
    "sim-http": "h",
    "sim-http-bearer": "hb",
}
KINDS = ("ok", "fail", "e401", "e403", "e404", "e500")
ISSUED = [f"{REDPANDA_TOKEN}.issued-{n}" for n in (1, 2)]


def content_echo(profile: str) -> str:
    """An echo inside an operation (a 200 body): what any profile of the dialect may list."""
    if DIALECT[profile] == "http":
        return f"X-API-Key: {HTTP_KEY} was used"  # the secret both http profiles send
    if DIALECT[profile] == "redpanda":
        return f"Authorization: Bearer {ISSUED[0]} was used"
    return echo(profile)


def op_id(profile: str, kind: str) -> str:
    name = f"{SHORT_ID[profile]}-{kind}"
    return name.upper() if profile == "sim-lakesail" else name  # LakeSail's ids are upper case


def _steps(dialect: str, kind: str, said: str) -> list[dict[str, Any]]:
    """The timeline of one operation: `ok` succeeds at 0.3 s, `fail` has failed from the start
    (its error message is `said`), the fault kinds succeed once their faults are through."""
    if kind == "fail":
        failed: dict[str, dict[str, Any]] = {
            "gcore": {"state": "ERROR", "error": said},
            "neon": {"status": "failed", "error": said},
            "redpanda": {"state": "STATE_FAILED", "error": {"code": "PERMISSION_DENIED",
                                                            "message": said}},
            "lakesail": {"state": "failed", "error": {"code": "DENIED", "message": said,
                                                      "errorType": said}},
            "google": {"state": "done", "error": {"code": 7, "message": said}},
            "azure": {"state": "Failed", "error": {"code": "Denied", "message": said}},
            "http": {"state": "BROKEN", "failure": said},
        }  # fmt: skip
        return [{"at": 0, **failed[dialect]}]
    timeline: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
        "gcore": ({"state": "RUNNING", "detailed_state": "NETWORK"}, {"state": "FINISHED"}),
        "neon": ({"status": "running"}, {"status": "finished"}),
        "redpanda": ({"state": "STATE_IN_PROGRESS"}, {"state": "STATE_COMPLETED"}),
        "lakesail": (
            {"state": "running", "progress": {"stage": "deploy", "message": said,
                                              "resources": [], "summary": {"total": 2}}},
            {"state": "succeeded"},
        ),
        "google": ({"state": "running"}, {"state": "done"}),
        "azure": ({"state": "InProgress"}, {"state": "Succeeded"}),
        "http": ({"state": "RUNNING", "pct": 10}, {"state": "DONE", "outputs": ["out/1"]}),
    }  # fmt: skip
    running, done = timeline[dialect]
    return [{"at": 0, **running}, {"at": 0.3, **done}]


def _faults(profile: str, kind: str) -> list[dict[str, Any]]:
    if kind not in ("e401", "e403", "e404", "e500"):
        return []
    status = int(kind[1:])
    body = error_body(echo(profile))
    if kind == "e500":  # twice, then the operation goes on: `wait` retries, `get` answers 6
        return [{"request": [1, 2], "status": 500, "body": body}]
    if kind == "e401" and profile == "sim-redpanda":
        # The second request carries the token the refresh fetched: the echo is of that one.
        again = error_body(echo(profile, ISSUED[1]).replace(ISSUED[0], ISSUED[1]))
        return [
            {"request": 1, "status": 401, "body": body},
            {"request": list(range(2, 40)), "status": 401, "body": again},
        ]
    return [{"request": list(range(1, 40)), "status": status, "body": body}]


def operations() -> list[dict[str, Any]]:
    ops: dict[tuple[str, str], dict[str, Any]] = {}
    for profile in PROFILES:
        dialect = DIALECT[profile]
        for kind in KINDS:
            fields: dict[str, Any] = {"type": f"{kind}-type"}
            if dialect == "gcore":
                fields["type"] = "create_vm"
            if dialect == "redpanda":
                fields.update(type="TYPE_CREATE_CLUSTER", resource_id=f"cl-{profile}-{kind}")
            if dialect == "azure":
                fields["urls"] = ["async_operation"]
            ops[profile, kind] = op(
                dialect,
                op_id(profile, kind),
                *_steps(dialect, kind, content_echo(profile)),
                faults=_faults(profile, kind),
                **fields,
            )
    return list(ops.values())


@pytest.fixture
def rig(canary_rig: MakeCanaryRig) -> CanaryRig:
    return canary_rig(*operations())


def args(rig: CanaryRig, *kinds: str, profiles: tuple[str, ...] = PROFILES) -> list[str]:
    return [rig.arg(profile, op_id(profile, kind)) for kind in kinds for profile in profiles]


DEBUG = pytest.mark.parametrize("debug", [[], ["--debug"]], ids=["quiet", "debug"])


def test_wait_through_success_and_retried_echoing_500s(rig: CanaryRig) -> None:
    # --debug: the bodies of the 500s, which echo the credentials, are logged (redacted).
    result = rig.run("wait", "--debug", *args(rig, "ok", "e500"))
    assert result.code == 0, result.err
    assert "cl-sim-redpanda-ok" in result.out
    assert "500" in result.err  # the retries were said, their echoes redacted
    assert rig.shell_ran() == []  # the token_command's `$(…)` and `;` were plain arguments


@pytest.mark.parametrize(("output", "debug"), [("json", []), ("ndjson", ["--debug"])])
def test_wait_machine_output_raw_included(rig: CanaryRig, output: str, debug: list[str]) -> None:
    result = rig.run("wait", *debug, "-o", output, "--raw", *args(rig, "ok", "fail"))
    assert result.code == 1, result.err
    text = result.out if output == "json" else "[" + ",".join(result.out.splitlines()) + "]"
    assert len(json.loads(text)) >= 2 * len(PROFILES)
    assert "***" in result.out  # the echoed credentials, inside the operations' own text


@DEBUG
def test_failed_operations_whose_messages_echo_the_credentials(
    rig: CanaryRig, debug: list[str]
) -> None:
    result = rig.run("wait", *debug, *args(rig, "fail"))
    assert result.code == 1
    failed = [line for line in result.err.splitlines() if "→ failed" in line and "***" in line]
    assert {p for p in PROFILES for line in failed if f"  {p}  " in line} == set(PROFILES)


@pytest.mark.parametrize(("output", "debug"), [("table", ["--debug"]), ("json", [])])
def test_get_through_401_403_404_500_with_echoing_bodies(
    rig: CanaryRig, debug: list[str], output: str
) -> None:
    extra = ["--raw"] if output == "json" else []
    kinds = ("ok", "fail", "e401", "e403", "e404", "e500")
    result = rig.run("get", *debug, "-o", output, *extra, *args(rig, *kinds))
    assert result.code == 5, result.err  # the most severe of 5 (401, 403), 4, 6
    said = [line for line in result.err.splitlines() if line.startswith("lro: ")]
    assert len(said) == 4 * len(PROFILES), result.err  # one line for each refused operation
    # What the server said is shown (a 5xx is named by its status only), redacted.
    assert sum("***" in line for line in said) == 3 * len(PROFILES), result.err
    if "--debug" in debug:
        assert "debug: http: body:" in result.err
    # The OAuth profile fetched a token, then another after the 401: both were echoed back.
    assert len(rig.sim.token_requests()) == 2


def test_wait_on_refused_and_missing_operations(rig: CanaryRig) -> None:
    result = rig.run("wait", "--debug", *args(rig, "e401", "e403", "e404"))
    assert result.code == 5
    assert result.err.count("401") >= len(PROFILES) and result.err.count("404") >= len(PROFILES)


@pytest.mark.parametrize(("output", "debug"), [("none", ["--debug"]), ("ndjson", [])])
def test_watch(rig: CanaryRig, output: str, debug: list[str]) -> None:
    result = rig.run("watch", *debug, "-o", output, "--raw", *args(rig, "ok", "fail"))
    assert result.code == 1, result.err


LISTED = [p for p in PROFILES if p not in ("sim-azure", "sim-lakesail")]


@pytest.mark.parametrize("profile", LISTED)
def test_list(rig: CanaryRig, profile: str) -> None:
    output = ("table", "json")[LISTED.index(profile) % 2]
    result = rig.run("list", "--debug", "-p", profile, "-o", output, "--state", "failed")
    assert result.code == 0, result.err
    assert "fail" in result.out


def test_list_quiet_and_where_the_dialect_has_none(rig: CanaryRig) -> None:
    result = rig.run("list", "-p", "sim-http", "--state", "failed")
    assert result.code == 0, result.err
    assert "h-fail" in result.out
    for profile in ("sim-azure", "sim-lakesail"):
        assert rig.run("list", "--debug", "-p", profile).code == 2


def test_a_live_terminal(rig: CanaryRig) -> None:
    """The live table on a pseudo-terminal: what it draws carries no secret either."""
    screen = run_on_terminal(rig, "wait", *args(rig, "ok", "fail", "e500"))  # type: ignore[arg-type]
    assert screen.code == 1
    assert "\x1b[" in screen.raw  # it did animate
    assert_no_secret(Result(screen.code, screen.out, screen.raw + "\n".join(screen.lines)))


# -- the config commands, and errors before any request ------------------------------------------


def test_config_show_and_validate_mask_every_kind(rig: CanaryRig) -> None:
    shown = rig.run("config", "show")
    assert shown.code == 0, shown.err
    document = yaml.safe_load(shown.out.split("\n", 2)[2])
    profiles = document["profiles"]
    assert profiles["sim-http"]["headers"] == {"X-Tenant-Secret": "****"}
    assert profiles["sim-http-bearer"]["headers"] == {"X-API-Key": "****"}
    assert profiles["sim-redpanda"]["client_secret"] == "****"
    assert profiles["sim-redpanda-token"]["token"] == "****"
    assert rig.run("config", "show", "-p", "sim-http").code == 0
    assert rig.run("config", "validate").code == 0


BAD_COMMAND_LINES = [
    ["wait", "--interval", "soon", "sim-gcore:x"],
    ["get", "-o", "yaml", "sim-gcore:x"],
    ["watch", "--until-idle", "sim-gcore:x"],
    ["wait", "-p", "no-such-profile", "x"],
    ["list", "--since", "yesterday", "-p", "sim-neon"],
    ["cancel", "sim-gcore:x"],
]


def test_bad_flags_and_names(rig: CanaryRig) -> None:
    for number, argv in enumerate(BAD_COMMAND_LINES):
        debug = ["--debug"] if number % 3 == 0 else []
        result = rig.run(*argv[:1], *debug, *argv[1:], reset=False)
        assert result.code == 2, (argv, result.err)
    assert rig.sim.requests == []


def _config(tmp_path: Path, profiles: Mapping[str, Mapping[str, Any]]) -> dict[str, str]:
    path = tmp_path / "config.yaml"
    document = {"profiles": {name: dict(profile) for name, profile in profiles.items()}}
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    path.chmod(0o600)
    return base_environ(path)


HTTP_RULES = {
    "provider": "http",
    "get": "/jobs/{id}",
    "state_path": "s",
    "states": {"D": "succeeded"},
}
USERINFO_URLS = {
    "http-loopback": f"http://user:{USERINFO}@127.0.0.1:9/custom",
    "https-user-only": f"https://{USERINFO}@api.example.com",
    "other-scheme": f"ftp://user:{USERINFO}@127.0.0.1/x",
    "no-host": f"http://user:{USERINFO}@",
    "bad-port": f"http://user:{USERINFO}@127.0.0.1:port/x",
    "garbled": f"https://user:{USERINFO}@exa mple.com/x?token=1",
    "no-scheme": f"user:{USERINFO}@127.0.0.1/x",
}


def run_clean(argv: list[str], env: Mapping[str, str]) -> Result:
    result = run_lro(argv, env, debug="--debug" in argv)
    assert_no_secret(result)
    return result


def test_userinfo_in_a_base_url_is_refused_and_never_shown(tmp_path: Path) -> None:
    """lro sends URL userinfo nowhere (not even as Basic auth): it refuses it, exit 2, and never
    prints it, whatever else is wrong with the URL."""
    profiles = {
        name: {**HTTP_RULES, "base_url": url, "api_key": ENV_SECRET}
        for name, url in USERINFO_URLS.items()
    }
    profiles["token-url"] = {
        "provider": "redpanda",
        "token_url": f"http://client:{REDPANDA_SECRET}@127.0.0.1:9/oauth/token",
        "client_id": "c",
        "client_secret": ENV_SECRET,
    }
    env = _config(tmp_path, profiles)
    validated = run_clean(["config", "validate"], env)
    assert validated.code == 2
    assert validated.err.count("user:password@") == len(profiles), validated.err
    for argv in (["get", "--debug", "no-host:1"], ["config", "show"], ["list", "-p", "garbled"]):
        assert run_clean(argv, env).code == 2


def test_userinfo_from_a_variable_is_refused_and_never_shown(tmp_path: Path) -> None:
    url = f"http://user:{USERINFO}@127.0.0.1:9/custom"
    env = {**_config(tmp_path, {"p": {**HTTP_RULES, "base_url": "${BASE}"}}), "BASE": url}
    for argv, code in ((["get", "--debug", "p:1"], 2), (["config", "validate"], 2)):
        assert run_clean(argv, env).code == code
    assert "${BASE}" in run_clean(["config", "show"], env).out  # the reference, as written


def test_userinfo_in_a_url_argument_is_refused_and_never_shown(rig: CanaryRig) -> None:
    for argv in (
        ["get", f"http://user:{USERINFO}@127.0.0.1:9/custom/jobs/1"],
        ["wait", "--debug", "-p", "sim-http", f"https://{USERINFO}@api.example.com/x"],
        ["watch", f"http://user:{USERINFO}@127.0.0.1:bad/x"],
    ):
        result = rig.run(*argv, reset=False)
        assert result.code == 2, result.err
    assert rig.sim.requests == []


# Secrets written where they do not belong: the problem is reported, the value never quoted.
MISPLACED: dict[str, tuple[str, Any]] = {
    "secret-as-env-name": ("api_key_env", ENV_SECRET),
    "two-lines": ("api_key", f"{ENV_SECRET}\nsecond line"),
    "list": ("api_key", ["list", ENV_SECRET]),
    "header-list": ("headers", {"X-Secret": [ENV_SECRET]}),
    "mapping": ("token", {"nested": ENV_SECRET}),
    "reference": ("token_env", f"${{{ENV_SECRET}}}"),
    "malformed-reference": ("token", f"{ENV_SECRET}${{"),
    "header-malformed": ("headers", {"X-Secret": f"${{{ENV_SECRET}"}),
}


def test_config_problems_never_quote_a_secret(tmp_path: Path) -> None:
    profiles = {
        name: {**HTTP_RULES, "base_url": "http://127.0.0.1:9", key: value}
        for name, (key, value) in MISPLACED.items()
    }
    env = _config(tmp_path, profiles)
    validated = run_clean(["config", "validate"], env)
    assert validated.code == 2
    assert all(f"profile {name!r}" in validated.err for name in profiles), validated.err
    for argv in (["get", "--debug", "list:1"], ["config", "show"]):
        assert run_clean(argv, env).code == 2


def test_an_unset_secret_variable_is_named_and_its_neighbours_not_shown(tmp_path: Path) -> None:
    profile = {
        **HTTP_RULES,
        "base_url": "http://127.0.0.1:9",
        "api_key": "${MISSING_KEY}",
        "headers": {"X-A": ENV_SECRET, "X-B": "${MISSING_HEADER}"},
    }
    env = _config(tmp_path, {"p": profile})
    result = run_clean(["config", "validate"], env)
    assert result.code == 2
    assert "MISSING_KEY" in result.err and "MISSING_HEADER" in result.err
    assert run_clean(["get", "p:1"], env).code == 2
    shown = run_clean(["config", "show"], env)
    assert shown.code == 0 and "${MISSING_KEY}" in shown.out


def test_secrets_from_variables_are_redacted_like_literal_ones(canary_rig: MakeCanaryRig) -> None:
    def from_env(profiles: dict[str, dict[str, Any]]) -> None:
        profiles["sim-gcore"]["api_key"] = "${GCORE_KEY}"
        profiles["sim-neon"].pop("api_key")
        profiles["sim-neon"]["api_key_env"] = "NEON_KEY"

    rig = canary_rig(*operations(), edit=from_env)
    env = {"GCORE_KEY": SENT["sim-gcore"][0], "NEON_KEY": SENT["sim-neon"][0]}
    profiles = ("sim-gcore", "sim-neon")
    result = rig.run("wait", "--debug", *args(rig, "ok", "fail", profiles=profiles), env=env)
    assert result.code == 1, result.err
    shown = rig.run("config", "show", env=env)
    assert "${GCORE_KEY}" in shown.out and "NEON_KEY" in shown.out
