import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lro_cli import config
from lro_cli.config import Config, load, profile_names_for_completion, validate_all
from lro_cli.config_schema import PROVIDERS, allowed_keys
from lro_cli.errors import ConfigError, ExitCode, UsageError
from lro_cli.model import State


def write(tmp_path: Path, text: str, mode: int = 0o600) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(textwrap.dedent(text))
    path.chmod(mode)
    return path


def neon(extra: str = "", name: str = "neon-dev") -> str:
    body = textwrap.indent(textwrap.dedent(extra), " " * 4)
    return f"profiles:\n  {name}:\n    provider: neon\n    project_id: p-1\n{body}"


def load_error(path: Path) -> str:
    with pytest.raises(ConfigError) as caught:
        load(path, {})
    assert caught.value.exit_code == ExitCode.USAGE
    assert "\n" not in caught.value.message
    return caught.value.message


# --- loading ---------------------------------------------------------------------------------


def test_missing_file_is_an_empty_config(tmp_path: Path) -> None:
    loaded = load(tmp_path / "nope.yaml", {})
    assert not loaded.exists
    assert loaded.profile_names == []
    with pytest.raises(UsageError) as caught:
        loaded.profile("neon-dev", {})
    assert "does not exist" in caught.value.message
    assert "--config" in caught.value.message


def test_empty_file_has_no_profiles(tmp_path: Path) -> None:
    loaded = load(write(tmp_path, ""), {})
    assert loaded.exists
    assert loaded.profile_names == []


def test_minimal_neon_profile_gets_every_default(tmp_path: Path) -> None:
    path = write(tmp_path, neon("api_key: literal-key\n"))
    profile = load(path, {}).profile("neon-dev", {})
    assert profile.provider == "neon"
    assert profile.base_url == "https://console.neon.tech/api/v2"
    assert profile.options == {"project_id": "p-1"}
    assert profile.credentials.api_key == "literal-key"
    assert profile.polling == config.PollSettings()
    assert profile.source == path


@pytest.mark.parametrize(
    ("provider", "base_url"),
    [
        ("redpanda", "https://api.redpanda.com"),
        ("gcore", "https://api.gcore.com"),
        ("azure", "https://management.azure.com"),
        ("lakesail", "https://platform.lakesail.com/api/v1"),
    ],
    ids=["redpanda", "gcore", "azure", "lakesail"],
)
def test_default_base_url_per_provider(tmp_path: Path, provider: str, base_url: str) -> None:
    path = write(tmp_path, f"profiles:\n  p:\n    provider: {provider}\n")
    assert load(path, {}).profile("p", {}).base_url == base_url


def test_redpanda_options_defaults(tmp_path: Path) -> None:
    path = write(tmp_path, "profiles:\n  rp:\n    provider: redpanda\n    token: t\n")
    options = load(path, {}).profile("rp", {}).options
    assert options["token_url"] == "https://auth.prd.cloud.redpanda.com/oauth/token"
    assert options["audience"] == "cloudv2-production.redpanda.cloud"


def test_polling_settings_are_read(tmp_path: Path) -> None:
    extra = """\
        interval: 5s
        interval_by_type: {create_branch: 500ms, apply_config: 2}
        min_interval: 1.5
        timeout: none
        error_budget: 2m
        not_found_grace: 0
    """
    polling = load(write(tmp_path, neon(extra)), {}).profile("neon-dev", {}).polling
    assert polling.interval == 5.0
    assert polling.interval_by_type == {"create_branch": 0.5, "apply_config": 2.0}
    assert polling.min_interval == 1.5
    assert polling.timeout is None
    assert polling.timeout_none
    assert polling.error_budget == 120.0
    assert polling.not_found_grace == 0.0


def test_timeout_duration_is_not_none(tmp_path: Path) -> None:
    polling = load(write(tmp_path, neon("timeout: 1h30m\n")), {}).profile("neon-dev", {}).polling
    assert polling.timeout == 5400.0
    assert not polling.timeout_none


def test_base_url_loses_its_trailing_slash(tmp_path: Path) -> None:
    path = write(tmp_path, neon("base_url: https://neon.example.com/api/v2/\n"))
    assert load(path, {}).profile("neon-dev", {}).base_url == "https://neon.example.com/api/v2"


HTTP_PROFILE = """\
profiles:
  builds:
    provider: http
    base_url: https://ci.example.com/api
    get: /builds/{id}
    state_path: build.status
    states: {queued: pending, Passed: SUCCEEDED, true: succeeded, 3: failed}
"""


def test_http_rules_with_defaults(tmp_path: Path) -> None:
    profile = load(write(tmp_path, HTTP_PROFILE), {}).profile("builds", {})
    options = profile.options
    assert options["get"] == "/builds/{id}"
    assert options["state_path"] == "build.status"
    # Keys as JSON text (YAML's `true` and `3` are what a JSON body would hold), values normalized.
    assert options["states"] == {
        "queued": State.PENDING,
        "Passed": State.SUCCEEDED,
        "true": State.SUCCEEDED,
        "3": State.FAILED,
    }
    assert options["api_key_header"] == "X-API-Key"
    assert options["progress_max"] == 100.0
    assert options["id_path"] == "id"
    assert options["cursor_param"] == "cursor"
    assert options["resource_path"] == ()
    assert options["list"] is None


def test_http_resource_path_text_or_list(tmp_path: Path) -> None:
    one = load(write(tmp_path, HTTP_PROFILE + "    resource_path: a.b\n"), {})
    assert one.profile("builds", {}).options["resource_path"] == ("a.b",)
    many = load(write(tmp_path, HTTP_PROFILE + "    resource_path: [a.b, c.0]\n"), {})
    assert many.profile("builds", {}).options["resource_path"] == ("a.b", "c.0")


def test_gcore_ids_may_be_numbers(tmp_path: Path) -> None:
    path = write(tmp_path, "profiles:\n  g:\n    provider: gcore\n    project_id: 12\n")
    assert load(path, {}).profile("g", {}).options == {"project_id": "12", "region_id": None}


# --- every validation error names file, profile and key --------------------------------------

PROFILE_ERRORS = [
    ("intervl: 5s\n", "intervl", "is not known (did you mean 'interval'?)"),
    ("interval: 5x\n", "interval", "invalid duration '5x'"),
    ("interval: -5s\n", "interval", "negative"),
    ("interval: [1]\n", "interval", "invalid duration"),
    ("timeout: 0\n", "timeout", "'none'"),
    ("timeout: soon\n", "timeout", "invalid duration"),
    ("min_interval:\n", "min_interval", "has no value"),
    ("interval_by_type: {a: 5x}\n", "interval_by_type.a", "invalid duration"),
    ("interval_by_type: 5s\n", "interval_by_type", "must be a mapping"),
    ("allow_insecure_http: yes please\n", "allow_insecure_http", "true or false"),
    ("api_key: 12345\n", "api_key", "must be text, not a number (quote it)"),
    ("api_key: ''\n", "api_key", "must not be empty"),
    ("api_key_env: 'not a name'\n", "api_key_env", "environment variable"),
    ("api_key: a\napi_key_env: B\n", "api_key_env", "set only one"),
    ("parent: projects/p\n", "parent", "is not used by provider 'neon' (it is a key of google)"),
    ("token: t\n", "token", "is not used by provider 'neon'"),
    ("base_url: ftp://example.com\n", "base_url", "http:// or https://"),
    ("base_url: https://u:pw@example.com\n", "base_url", "user:password"),
    ("base_url: https://example.com/?a=1\n", "base_url", "?query"),
    ("base_url: https://example.com:port\n", "base_url", "not a valid URL"),
    ("api_key: ${BROKEN\n", "api_key", "malformed"),
]


@pytest.mark.parametrize(
    ("extra", "key", "fragment"),
    PROFILE_ERRORS,
    ids=[f"{k}:{f[:24]}" for _, k, f in PROFILE_ERRORS],
)
def test_profile_error_names_file_profile_and_key(
    tmp_path: Path, extra: str, key: str, fragment: str
) -> None:
    path = write(tmp_path, neon(extra))
    message = load_error(path)
    assert message.startswith(f"config {path}: profile 'neon-dev': key '{key}'")
    assert fragment in message


PROVIDER_ERRORS = [
    ("provider: nope\n", "provider", "unknown provider 'nope'"),
    ("base_url: https://x.example\n", "provider", "is required"),
    ("provider: neon\n", "project_id", "is required for provider 'neon'"),
    ("provider: google\n", "base_url", "is required for provider 'google'"),
    ("provider: http\nbase_url: https://x.example\n", "get", "is required for provider 'http'"),
    ("provider: redpanda\nclient_id: a\n", "client_secret", "is required together"),
    ("provider: redpanda\ntoken: t\nclient_id: a\nclient_secret: b\n", "token", "OAuth"),
    ("provider: redpanda\ntoken_url: http://auth.example\n", "token_url", "plain http://"),
    (
        "provider: google\nbase_url: https://g.example\ntoken: a\ntoken_command: b\n",
        "token_command",
        "set only one",
    ),
    (
        'provider: google\nbase_url: https://g.example\ntoken_command: "a \'b"\n',
        "token_command",
        "cannot be split",
    ),
    ("provider: azure\ntoken_command: []\n", "token_command", "must name a command"),
    (
        "provider: http\nbase_url: https://x.example\nget: /b\nstate_path: s\nstates: {a: b}\n",
        "get",
        "{id}",
    ),
    (
        "provider: http\nbase_url: https://x.example\nget: /b/{id}\nstate_path: a..b\n"
        "states: {a: failed}\n",
        "state_path",
        "dotted path",
    ),
    (
        "provider: http\nbase_url: https://x.example\nget: /b/{id}\nstate_path: s\n"
        "states: {DONE: finished}\n",
        "states.DONE",
        "must be one of pending",
    ),
    (
        "provider: http\nbase_url: https://x.example\nget: /{id}\nstate_path: s\nstates: {}\n",
        "states",
        "at least one",
    ),
    (
        "provider: http\nbase_url: https://x.example\nget: /b/{id}\nstate_path: s\n"
        "states: {a: failed}\nprogress_max: 0\n",
        "progress_max",
        "positive",
    ),
    (
        "provider: http\nbase_url: https://x.example\nget: /b/{id}\nstate_path: s\n"
        "states: {a: failed}\nheaders: {'bad header': x}\n",
        "headers.bad header",
        "header name",
    ),
    (
        "provider: http\nbase_url: https://x.example\nget: /b/{id}\nstate_path: s\n"
        "states: {a: failed}\napi_key_header: 'X Key'\n",
        "api_key_header",
        "header name",
    ),
    (
        "provider: http\nbase_url: https://x.example\nget: /p/{project}/b/{id}\n"
        "state_path: s\nstates: {a: failed}\n",
        "get",
        "write {project} out",
    ),
    (
        "provider: http\nbase_url: https://x.example\nget: /b/{id}\nstate_path: s\n"
        "states: {a: failed}\nitems_path: items\n",
        "items_path",
        "has no effect without 'list'",
    ),
    (
        "provider: http\nbase_url: https://x.example\nget: /b/{id}\nstate_path: s\n"
        "states: {a: failed}\nlist: /b\ncursor_param: after\n",
        "cursor_param",
        "has no effect without 'next_path'",
    ),
    (
        "provider: http\nbase_url: https://x.example\nget: /b/{id}\nstate_path: s\n"
        "states: {a: failed}\nprogress_max: 10\n",
        "progress_max",
        "has no effect without 'progress_path'",
    ),
]


@pytest.mark.parametrize(
    ("body", "key", "fragment"),
    PROVIDER_ERRORS,
    ids=[f"{k}:{f[:20]}" for _, k, f in PROVIDER_ERRORS],
)
def test_provider_rules_name_file_profile_and_key(
    tmp_path: Path, body: str, key: str, fragment: str
) -> None:
    path = write(tmp_path, "profiles:\n  p:\n" + textwrap.indent(body, "    "))
    with pytest.raises(ConfigError) as caught:
        # token_url's refusal is made when the profile is used; the rest at load.
        load(path, {}).profile("p", {})
    message = caught.value.message
    assert message.startswith(f"config {path}: profile 'p': key '{key}'"), message
    assert fragment in message


DOCUMENT_ERRORS = [
    (
        "profile:\n  a: {provider: neon}\n",
        "config {path}: key 'profile' is not known (did you mean 'profiles'?)",
    ),
    ("- a\n- b\n", "config {path}: the top level must be a mapping"),
    ("profiles: [a]\n", "config {path}: key 'profiles' must be a mapping"),
    (
        "profiles:\n  'bad name': {provider: neon}\n",
        "config {path}: key 'profiles.bad name' is not a valid profile name",
    ),
    ("profiles:\n  a: 5\n", "config {path}: profile 'a': must be a mapping"),
    (
        "default_profile: nope\nprofiles:\n  a: {provider: azure}\n",
        "config {path}: key 'default_profile' names no profile: 'nope' (profiles: a)",
    ),
    ("default_profile: [a]\n", "config {path}: key 'default_profile' must be text"),
]


@pytest.mark.parametrize(
    ("text", "expected"),
    DOCUMENT_ERRORS,
    ids=["top-key", "list", "profiles-list", "name", "scalar", "default", "default-type"],
)
def test_document_errors_name_file_and_key(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, text)
    assert load_error(path).startswith(expected.format(path=path))


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "profiles:\n  a:\n    provider: neon\n   bad: [\n")
    message = load_error(path)
    assert message.startswith(f"config {path}: line ")
    assert "invalid YAML" in message


def test_duplicate_profile_is_refused_with_its_line(tmp_path: Path) -> None:
    text = "profiles:\n  a: {provider: azure}\n  b: {provider: azure}\n  a: {provider: neon}\n"
    message = load_error(write(tmp_path, text))
    assert "line 4" in message
    assert "duplicate key 'a'" in message


def test_yaml_merge_keys_still_work(tmp_path: Path) -> None:
    text = """\
    base: &base {provider: azure, interval: 5s}
    profiles:
      a:
        <<: *base
        interval: 7s
    """
    # `base` is not a known top-level key: merge keys are fine, the stray key is reported.
    assert "key 'base' is not known" in load_error(write(tmp_path, text))


def test_unreadable_or_undecodable_file_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_bytes(b"profiles: \xff\xfe\n")
    assert load_error(path) == f"config {path}: is not UTF-8 text"
    assert load_error(tmp_path).startswith(f"config {tmp_path}: cannot read")


def test_first_problem_says_how_many_more(tmp_path: Path) -> None:
    message = load_error(write(tmp_path, neon("intervl: 5s\ntimout: 5s\nerror_budget: x\n")))
    assert message.endswith("(and 2 more: run 'lro config validate')")


# --- interpolation and *_env, resolved only for the profile in use ---------------------------


def test_interpolation_in_any_string_value(tmp_path: Path) -> None:
    extra = """\
        base_url: https://${HOST}/api/v2
        api_key: ${KEY}
        interval: ${EVERY}
    """
    environ = {"HOST": "neon.example.com", "KEY": "k-123", "EVERY": "3s"}
    profile = load(write(tmp_path, neon(extra)), {}).profile("neon-dev", environ)
    assert profile.base_url == "https://neon.example.com/api/v2"
    assert profile.credentials.api_key == "k-123"
    assert profile.polling.interval == 3.0


def test_dollar_dollar_brace_is_a_literal_and_lone_dollars_stay(tmp_path: Path) -> None:
    path = write(tmp_path, neon("api_key: 'a$$${NOT}$b$'\n"))
    assert load(path, {}).profile("neon-dev", {}).credentials.api_key == "a$${NOT}$b$"


def test_env_keys_read_the_named_variable(tmp_path: Path) -> None:
    path = write(tmp_path, neon("api_key_env: NEON_KEY\n"))
    profile = load(path, {}).profile("neon-dev", {"NEON_KEY": "  from-env\n"})
    assert profile.credentials.api_key == "from-env"


@pytest.mark.parametrize(
    ("extra", "key", "variable"),
    [
        ("api_key: ${NEON_KEY}\n", "api_key", "NEON_KEY"),
        ("api_key_env: NEON_KEY\n", "api_key_env", "NEON_KEY"),
        ("interval_by_type: {a: '${EVERY}'}\n", "interval_by_type.a", "EVERY"),
        ("base_url: https://${HOST}\n", "base_url", "HOST"),
    ],
    ids=["interpolated", "env-key", "nested", "base-url"],
)
def test_unset_variable_names_file_profile_key_and_variable(
    tmp_path: Path, extra: str, key: str, variable: str
) -> None:
    path = write(tmp_path, neon(extra))
    loaded = load(path, {})  # loading never reads the environment
    for environ in ({}, {variable: ""}):
        with pytest.raises(ConfigError) as caught:
            loaded.profile("neon-dev", environ)
        message = caught.value.message
        assert message.startswith(f"config {path}: profile 'neon-dev': key '{key}'")
        assert f"environment variable {variable} is" in message


def test_resolved_values_are_checked_too(tmp_path: Path) -> None:
    loaded = load(write(tmp_path, neon("interval: ${EVERY}\n")), {})
    with pytest.raises(ConfigError, match="key 'interval': invalid duration 'soon'"):
        loaded.profile("neon-dev", {"EVERY": "soon"})


TWO_PROFILES = """\
default_profile: a
profiles:
  a:
    provider: lakesail
    token: ${A_TOKEN}
  b:
    provider: lakesail
    token_env: B_TOKEN
"""


def test_another_profiles_unset_variable_does_not_matter(tmp_path: Path) -> None:
    loaded = load(write(tmp_path, TWO_PROFILES), {})
    assert loaded.profile("a", {"A_TOKEN": "t"}).credentials.token == "t"


def test_validate_all_reports_every_profiles_unset_variables(tmp_path: Path) -> None:
    path = write(tmp_path, TWO_PROFILES)
    problems = validate_all(load(path, {}), {"A_TOKEN": "t"})
    assert problems == [
        f"config {path}: profile 'b': key 'token_env': environment variable B_TOKEN is not set"
    ]
    assert len(validate_all(load(path, {}), {})) == 2
    assert validate_all(load(path, {}), {"A_TOKEN": "t", "B_TOKEN": "u"}) == []


def test_validate_all_lists_every_problem_of_an_in_memory_config(tmp_path: Path) -> None:
    built = Config(
        path=tmp_path / "c.yaml",
        default_profile="missing",
        raw_profiles={
            "a": {"provider": "neon", "intervl": "5s"},
            "b": {"provider": "azure", "base_url": "http://example.com"},
        },
    )
    problems = validate_all(built, {})
    assert any("key 'default_profile' names no profile" in p for p in problems)
    assert any("profile 'a': key 'intervl' is not known" in p for p in problems)
    assert any("profile 'a': key 'project_id' is required" in p for p in problems)
    assert any("profile 'b': key 'base_url' is plain http://" in p for p in problems)
    with pytest.raises(ConfigError, match="key 'intervl'"):
        built.profile("a", {})


def test_token_command_is_split_before_interpolation_and_never_run(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    script = tmp_path / "get-token"
    script.write_text(f"#!/bin/sh\ntouch {marker}\necho token\n")
    script.chmod(0o755)
    text = f"""\
    profiles:
      g:
        provider: google
        base_url: https://run.googleapis.com
        token_command: {script} --account "${{ACCOUNT}}" --flag
    """
    path = write(tmp_path, text)
    loaded = load(path, {})
    profile = loaded.profile("g", {"ACCOUNT": "me with spaces"})
    assert profile.credentials.token_command == (
        str(script),
        "--account",
        "me with spaces",
        "--flag",
    )
    assert validate_all(loaded, {"ACCOUNT": "x"}) == []
    assert not marker.exists()


def test_token_command_may_be_a_list(tmp_path: Path) -> None:
    path = write(tmp_path, "profiles:\n  z:\n    provider: azure\n    token_command: [az, a b]\n")
    assert load(path, {}).profile("z", {}).credentials.token_command == ("az", "a b")


def test_headers_are_credentials(tmp_path: Path) -> None:
    text = HTTP_PROFILE + "    headers: {X-Tenant: '${TENANT}', X-Static: s}\n"
    creds = load(write(tmp_path, text), {}).profile("builds", {"TENANT": "t1"}).credentials
    assert creds.headers == {"X-Tenant": "t1", "X-Static": "s"}
    assert set(creds.secrets()) == {"t1", "s"}


def test_secrets_lists_every_secret(tmp_path: Path) -> None:
    text = "profiles:\n  rp:\n    provider: redpanda\n    client_id: i\n    client_secret: s\n"
    creds = load(write(tmp_path, text), {}).profile("rp", {}).credentials
    assert set(creds.secrets()) == {"i", "s"}


# --- plain http:// -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8765/neon",
        "http://127.5.6.7",
        "http://[::1]:9000",
        "http://localhost",
        "http://LOCALHOST:80/x",
        "http://[::ffff:127.0.0.1]",
        "https://example.com",
    ],
    ids=["127.0.0.1", "127/8", "ipv6", "localhost", "upper", "v4-mapped", "https"],
)
def test_loopback_or_https_is_allowed(tmp_path: Path, url: str) -> None:
    path = write(tmp_path, neon(f"base_url: '{url}'\n"))
    assert load(path, {}).profile("neon-dev", {}).base_url == url.rstrip("/")


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com",
        "http://10.0.0.1",
        "http://128.0.0.1",
        "http://localhost.example.com",
        "http://[::2]",
    ],
    ids=["name", "private", "near-loopback", "localhost-prefix", "ipv6"],
)
def test_plain_http_elsewhere_is_refused_unless_allowed(tmp_path: Path, url: str) -> None:
    path = write(tmp_path, neon(f"base_url: '{url}'\n"))
    loaded = load(path, {})  # refused when used, so other profiles stay usable
    with pytest.raises(ConfigError) as caught:
        loaded.profile("neon-dev", {})
    assert caught.value.exit_code == ExitCode.USAGE
    assert caught.value.message.startswith(f"config {path}: profile 'neon-dev': key 'base_url'")
    assert "allow_insecure_http" in caught.value.message
    allowed = write(tmp_path, neon(f"base_url: '{url}'\nallow_insecure_http: true\n"))
    profile = load(allowed, {}).profile("neon-dev", {})
    assert profile.allow_insecure_http
    assert profile.base_url == url


# --- profile names -------------------------------------------------------------------------


def test_unknown_profile_names_the_known_ones(tmp_path: Path) -> None:
    loaded = load(write(tmp_path, TWO_PROFILES), {})
    with pytest.raises(UsageError) as caught:
        loaded.profile("c", {})
    assert caught.value.exit_code == ExitCode.USAGE
    assert "unknown profile 'c'" in caught.value.message
    assert "a, b" in caught.value.message


def test_unknown_profile_suggests_a_close_one(tmp_path: Path) -> None:
    loaded = load(write(tmp_path, neon()), {})
    with pytest.raises(UsageError, match="did you mean 'neon-dev'"):
        loaded.profile("neon-dve", {})


def test_completion_lists_names_fast_and_never_raises(tmp_path: Path) -> None:
    assert profile_names_for_completion(write(tmp_path, TWO_PROFILES)) == ["a", "b"]
    assert profile_names_for_completion(tmp_path / "missing.yaml") == []
    assert profile_names_for_completion(write(tmp_path, "profiles: [\n")) == []
    assert profile_names_for_completion(write(tmp_path, "- 1\n")) == []
    assert profile_names_for_completion(tmp_path) == []
    text = "profiles:\n  ok: {}\n  'bad name': {}\n  3: {}\n"
    assert profile_names_for_completion(write(tmp_path, text)) == ["ok"]


# --- permissions ---------------------------------------------------------------------------


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
@pytest.mark.parametrize(
    ("extra", "mode", "warned"),
    [
        ("api_key: literal\n", 0o644, True),
        ("api_key: ${KEY}\n", 0o640, False),
        ("api_key: literal\n", 0o604, True),
        ("api_key: literal\n", 0o600, False),
        ("api_key_env: KEY\n", 0o644, False),
        ("", 0o644, False),
    ],
    ids=["literal-644", "reference-640", "others-604", "private", "env-key-only", "no-secret"],
)
def test_readable_file_with_secrets_draws_a_chmod_warning(
    tmp_path: Path, extra: str, mode: int, warned: bool
) -> None:
    path = write(tmp_path, neon(extra), mode=mode)
    warnings = load(path, {}).warnings
    if warned:
        assert len(warnings) == 1
        assert f"chmod 600 {path}" in warnings[0]
        assert str(path) in warnings[0]
    else:
        assert warnings == ()


def test_loading_config_does_not_import_yaml_until_needed() -> None:
    code = (
        "import sys; import lro_cli.config, lro_cli.naming, lro_cli.durations;"
        " assert 'yaml' not in sys.modules, 'yaml imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# --- whatever the file holds, the answer is a Config or one ConfigError ----------------------

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**6), max_value=10**20)
    | st.floats(allow_nan=True)
    | st.text(max_size=12)
    | st.sampled_from(
        [
            "5s",
            "none",
            "0",
            "-1s",
            "${X}",
            "${",
            "$${X}",
            "https://a.example/p/",
            "http://b",
            "http://127.0.0.1:1",
            "/x/{id}",
            "a.b.0",
            "succeeded",
            "RUNNING",
            "a 'b",
            "X-Key",
        ]
    )
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(max_size=6) | st.integers(), inner, max_size=3)
    ),
    max_leaves=8,
)
KEYS = st.sampled_from(sorted({key for p in PROVIDERS for key in allowed_keys(p)})) | st.text(
    max_size=8
)
PROFILES = st.fixed_dictionaries(
    {"provider": st.sampled_from([*PROVIDERS, "nope"]) | SCALARS},
    optional={},
).flatmap(lambda base: st.dictionaries(KEYS, VALUES, max_size=6).map(lambda d: {**base, **d}))
DOCUMENTS = (
    st.fixed_dictionaries(
        {
            "profiles": st.dictionaries(
                st.sampled_from(["a", "b", "c d", "x"]), PROFILES, max_size=3
            )
        },
        optional={"default_profile": st.sampled_from(["a", "b", "z"]) | SCALARS},
    )
    | VALUES
)
ENVIRON = st.dictionaries(st.sampled_from(["X", "Y"]), st.sampled_from(["", "5s", "v", "a b"]))


def _exercise(path: Path, environ: dict[str, str]) -> None:
    try:
        loaded = load(path, environ)
    except ConfigError as exc:
        assert exc.message.startswith(f"config {path}")
        assert "\n" not in exc.message
        return
    assert isinstance(loaded, Config)
    for problem in validate_all(loaded, environ):
        assert problem.startswith(f"config {path}") and "\n" not in problem
    for name in loaded.profile_names:
        try:
            profile = loaded.profile(name, environ)
        except ConfigError as exc:
            assert "\n" not in exc.message
        else:
            assert profile.provider in PROVIDERS
            assert not profile.base_url.endswith("/")


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(doc=DOCUMENTS, environ=ENVIRON)
def test_random_documents_give_a_config_or_a_config_error(
    tmp_path_factory: pytest.TempPathFactory, doc: object, environ: dict[str, str]
) -> None:
    import yaml

    path = tmp_path_factory.getbasetemp() / "random.yaml"
    path.write_text(yaml.safe_dump(doc))
    _exercise(path, environ)


@settings(max_examples=300)
@given(text=st.text(max_size=80) | st.from_regex(r"[a-z_: \n\-\[\]{}'\"&*!|>%@`#,?0-9]{0,60}"))
def test_random_text_gives_a_config_or_a_config_error(
    tmp_path_factory: pytest.TempPathFactory, text: str
) -> None:
    path = tmp_path_factory.getbasetemp() / "random.txt"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    _exercise(path, {})
