"""config.example.yaml is documentation that must stay true: it loads, validates and covers
every provider and every option."""

import re
from pathlib import Path

import pytest

from lro_cli.config import load, validate_file
from lro_cli.config_schema import COMMON_KEYS, PROVIDER_KEYS, PROVIDERS, SECRET_KEYS

EXAMPLE = Path(__file__).resolve().parent.parent / "config.example.yaml"
TEXT = EXAMPLE.read_text()


def referenced_variables() -> dict[str, str]:
    names = set(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", TEXT))
    names |= set(re.findall(r"^\s*\w+_env:\s*([A-Za-z_][A-Za-z0-9_]*)", TEXT, re.MULTILINE))
    return {name: f"value-of-{name}" for name in names}


def test_example_validates_with_its_variables_set() -> None:
    config, problems = validate_file(EXAMPLE, referenced_variables())
    assert problems == []
    assert config is not None
    for name in config.profile_names:
        config.profile(name, referenced_variables())


def test_example_without_variables_reports_them_but_still_loads() -> None:
    load(EXAMPLE, {})
    _config, problems = validate_file(EXAMPLE, {})
    assert problems
    assert all("environment variable" in problem for problem in problems)


def test_example_has_a_profile_for_every_provider() -> None:
    providers = {raw["provider"] for raw in load(EXAMPLE, {}).raw_profiles.values()}
    assert providers == set(PROVIDERS)


def test_every_provider_is_built_so_none_is_marked_coming() -> None:
    from lro_cli.providers.registry import ADAPTERS

    assert set(ADAPTERS) == set(PROVIDERS)
    assert "# coming:" not in TEXT


@pytest.mark.parametrize("provider", PROVIDERS)
def test_every_key_of_every_provider_is_shown(provider: str) -> None:
    used: set[str] = set()
    for raw in load(EXAMPLE, {}).raw_profiles.values():
        if raw["provider"] == provider:
            used |= {key.removesuffix("_env") for key in raw}
    # An alternative (a token instead of an OAuth client…) may be shown as a comment.
    commented = set(re.findall(r"#\s*(\w+):", TEXT)) | set(re.findall(r"or (\w+)", TEXT))
    commented = {key.removesuffix("_env") for key in commented}
    missing = set(PROVIDER_KEYS[provider]) - used - commented
    assert not missing


def test_every_common_key_is_shown() -> None:
    used = {key for raw in load(EXAMPLE, {}).raw_profiles.values() for key in raw}
    assert set(COMMON_KEYS) <= used


def test_example_holds_no_literal_secret() -> None:
    for name, raw in load(EXAMPLE, {}).raw_profiles.items():
        for key in SECRET_KEYS:
            if key in raw:
                assert re.fullmatch(r"\$\{\w+\}", raw[key]), (name, key)
        for value in raw.get("headers", {}).values():
            assert re.fullmatch(r"\$\{\w+\}", value), (name, "headers")
