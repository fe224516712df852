import shlex
from collections.abc import Sequence
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lro_cli.config import Config
from lro_cli.errors import ExitCode, UsageError
from lro_cli.model import OperationRef
from lro_cli.naming import default_profile_name, resolve_operation_args, resume_command

PATH = Path("/home/u/.config/lro/config.yaml")
PROFILES = {
    "neon": {"provider": "neon", "project_id": "p"},  # default base_url
    "azure": {"provider": "azure"},
    "run": {"provider": "google", "base_url": "https://run.googleapis.com"},
    "run-b": {"provider": "google", "base_url": "https://run.googleapis.com/v1/projects/b/"},
    "twin-1": {"provider": "http", "base_url": "https://twin.example.com/api"},
    "twin-2": {"provider": "http", "base_url": "https://twin.example.com/api/"},
    "sim": {"provider": "neon", "base_url": "http://127.0.0.1:8765/neon/api/v2"},
    "envy": {"provider": "lakesail", "base_url": "https://${LAKE_HOST}/api/v1"},
}


def cfg(default: str | None = None, exists: bool = True) -> Config:
    return Config(path=PATH, default_profile=default, raw_profiles=PROFILES, exists=exists)


def resolve(
    *args: str,
    config: Config | None = None,
    flag: str | None = None,
    environ: dict[str, str] | None = None,
) -> list[tuple[str, str]]:
    refs = resolve_operation_args(args, config or cfg(), flag, environ or {})
    return [(ref.profile, ref.id) for ref in refs]


def usage_error(*args: str, **kwargs: object) -> str:
    with pytest.raises(UsageError) as caught:
        resolve(*args, **kwargs)  # type: ignore[arg-type]
    assert caught.value.exit_code == ExitCode.USAGE
    assert "\n" not in caught.value.message
    return caught.value.message


URLS = [
    ("https://console.neon.tech/api/v2/projects/p/operations/1", "neon"),
    ("https://management.azure.com/subscriptions/s/operations/x?api-version=1", "azure"),
    ("https://MANAGEMENT.azure.com:443/subscriptions/s", "azure"),
    ("https://run.googleapis.com/v1/projects/a/locations/l/operations/o", "run"),
    ("https://run.googleapis.com/v1/projects/b/locations/l/operations/o", "run-b"),
    ("https://run.googleapis.com/v1/projects/b", "run-b"),
    ("https://run.googleapis.com/v1/projects/bb/operations/o", "run"),
    ("http://127.0.0.1:8765/neon/api/v2/projects/p/operations/1", "sim"),
]


@pytest.mark.parametrize(
    ("url", "profile"), URLS, ids=[p + str(i) for i, (_, p) in enumerate(URLS)]
)
def test_url_picks_the_longest_base_url_prefix(url: str, profile: str) -> None:
    assert resolve(url) == [(profile, url)]


def test_url_base_urls_read_variables_of_the_environment() -> None:
    url = "https://lake.example.com/api/v1/operations/9"
    assert resolve(url, environ={"LAKE_HOST": "lake.example.com"}) == [("envy", url)]


@pytest.mark.parametrize(
    "url",
    [
        "https://elsewhere.example.com/op/1",
        "http://management.azure.com/subscriptions/s",  # scheme differs
        "https://management.azure.com:8443/subscriptions/s",  # port differs
        "http://127.0.0.1:8766/neon/api/v2/projects/p/operations/1",  # port differs
        "https://console.neon.tech/api/v2x/operations/1",  # not on a segment boundary
        "https://console.neon.tech/api/operations/1",  # shorter than the base path
    ],
    ids=["host", "scheme", "port", "sim-port", "segment", "shorter"],
)
def test_url_matching_no_profile_names_the_candidates(url: str) -> None:
    message = usage_error(url)
    assert "no profile's base_url is a prefix" in message
    assert "--profile" in message
    assert "azure (https://management.azure.com)" in message


def test_url_tie_names_the_tied_profiles() -> None:
    message = usage_error("https://twin.example.com/api/jobs/1")
    assert "twin-1, twin-2" in message
    assert "--profile" in message


def test_url_with_profile_flag_uses_it() -> None:
    url = "https://twin.example.com/api/jobs/1"
    assert resolve(url, flag="twin-2") == [("twin-2", url)]


def test_url_with_profile_flag_must_share_its_origin() -> None:
    message = usage_error("https://evil.example.com/steal", flag="azure")
    assert "origin" in message
    assert "azure" in message


def test_url_with_userinfo_is_refused_without_echoing_it() -> None:
    message = usage_error("https://user:CANARY-pw@management.azure.com/x")
    assert "CANARY" not in message


def test_profile_colon_id_keeps_further_colons_and_slashes() -> None:
    name = "projects/p/locations/l/operations/op:with:colons"
    assert resolve(f"run:{name}", "neon:abc", "neon:a:b/c") == [
        ("run", name),
        ("neon", "abc"),
        ("neon", "a:b/c"),
    ]


def test_profile_colon_wins_over_the_profile_flag() -> None:
    assert resolve("azure:x", flag="neon") == [("azure", "x")]


def test_profile_colon_without_an_id_is_refused() -> None:
    assert "no operation id" in usage_error("neon:")


def test_text_before_a_colon_that_is_no_profile_is_part_of_the_id() -> None:
    assert resolve("urn:op:1", config=cfg(default="neon")) == [("neon", "urn:op:1")]


@pytest.mark.parametrize(
    ("flag", "environ", "default", "expected"),
    [
        ("azure", {"LRO_PROFILE": "run"}, "neon", "azure"),
        (None, {"LRO_PROFILE": "run"}, "neon", "run"),
        (None, {"LRO_PROFILE": ""}, "neon", "neon"),
        (None, {}, "neon", "neon"),
    ],
    ids=["flag", "LRO_PROFILE", "empty-LRO_PROFILE", "default_profile"],
)
def test_bare_id_profile_order(
    flag: str | None, environ: dict[str, str], default: str, expected: str
) -> None:
    config = cfg(default=default)
    assert resolve("op-1", config=config, flag=flag, environ=environ) == [(expected, "op-1")]
    assert default_profile_name(config, flag, environ) == expected


def test_bare_id_without_any_profile_says_what_to_do() -> None:
    message = usage_error("op-1")
    assert "'op-1'" in message
    assert "--profile" in message
    assert "default_profile" in message
    with pytest.raises(UsageError, match="--profile"):
        default_profile_name(cfg(), None, {})


def test_bare_id_without_a_config_file_says_to_create_it() -> None:
    empty = Config(path=PATH, default_profile=None, raw_profiles={}, exists=False)
    message = usage_error("op-1", config=empty)
    assert "create it" in message
    assert str(PATH) in message
    assert "--config" in message


@pytest.mark.parametrize(
    ("flag", "environ", "source"),
    [("nope", {}, ""), (None, {"LRO_PROFILE": "nope"}, "LRO_PROFILE")],
    ids=["flag", "LRO_PROFILE"],
)
def test_unknown_profile_names_the_known_ones(
    flag: str | None, environ: dict[str, str], source: str
) -> None:
    message = usage_error("op-1", flag=flag, environ=environ)
    assert "unknown profile 'nope'" in message
    assert "azure, envy, neon" in message
    assert message.startswith(source)


def test_refs_carry_provider_and_argument_as_typed() -> None:
    refs = resolve_operation_args(["run:ops/1", "x"], cfg(default="azure"), None, {})
    assert refs == [
        OperationRef(profile="run", provider="google", id="ops/1", arg="run:ops/1"),
        OperationRef(profile="azure", provider="azure", id="x", arg="x"),
    ]


def test_empty_argument_is_refused() -> None:
    assert "empty" in usage_error("", config=cfg(default="neon"))


# --- resume lines ------------------------------------------------------------------------------


def _reparse(command: str) -> tuple[str, str | None, list[str]]:
    words = shlex.split(command)
    assert words[0] == "lro"
    verb, rest = words[1], words[2:]
    flag = None
    if rest[:1] == ["--profile"]:
        flag, rest = rest[1], rest[2:]
    if rest[:1] == ["--"]:
        rest = rest[1:]
    return verb, flag, rest


RESUMES = [
    ([OperationRef("neon", "neon", "abc")], "lro wait neon:abc"),
    ([OperationRef("neon", "neon", "id with space")], "lro wait 'neon:id with space'"),
    ([OperationRef("neon", "neon", "it's $HOME")], "lro wait 'neon:it'\"'\"'s $HOME'"),
    (
        [OperationRef("twin-2", "http", "https://twin.example.com/api/j/1")],
        "lro wait --profile twin-2 https://twin.example.com/api/j/1",
    ),
    (
        [OperationRef("neon", "neon", "a"), OperationRef("run", "google", "ops/x:y")],
        "lro wait neon:a run:ops/x:y",
    ),
]


@pytest.mark.parametrize(
    ("refs", "expected"), RESUMES, ids=["plain", "space", "quote", "url", "two"]
)
def test_resume_command(refs: Sequence[OperationRef], expected: str) -> None:
    command = resume_command("wait", refs)
    assert command == expected
    _verb, flag, args = _reparse(command)
    assert resolve(*args, flag=flag) == [(ref.profile, ref.id) for ref in refs]


def test_resume_command_puts_extra_words_after_the_verb_and_guards_dashes() -> None:
    config = Config(path=PATH, default_profile=None, raw_profiles={"-x": {"provider": "azure"}})
    refs = [OperationRef("-x", "azure", "op")]
    command = resume_command("wait", refs, ["--timeout", "2h"])
    assert command == "lro wait --timeout 2h -- -x:op"
    words = shlex.split(command)
    args = words[words.index("--") + 1 :]
    assert resolve(*args, config=config) == [("-x", "op")]


NAMES = st.from_regex(r"[A-Za-z0-9_.-]{1,8}", fullmatch=True)
TEXT = st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"))
IDS = TEXT.filter(lambda text: text.strip() and not text.startswith(("http://", "https://", "//")))
# `PROFILE:` + `//x` would read as a URL when PROFILE looks like a scheme.
SCHEMELIKE = st.tuples(
    st.from_regex(r"[a-z][a-z0-9.-]{0,5}", fullmatch=True), TEXT.map("//".__add__)
)


@given(st.lists(st.tuples(NAMES, IDS), min_size=1, max_size=4), st.lists(SCHEMELIKE, max_size=1))
def test_resume_command_round_trips_through_the_shell(
    plain: list[tuple[str, str]], schemelike: list[tuple[str, str]]
) -> None:
    pairs = plain + schemelike
    config = Config(
        path=PATH,
        default_profile=None,
        raw_profiles={name: {"provider": "azure"} for name, _ in pairs},
    )
    refs = [OperationRef(name, "azure", op_id) for name, op_id in pairs]
    _verb, flag, args = _reparse(resume_command("wait", refs))
    assert resolve(*args, config=config, flag=flag) == pairs
