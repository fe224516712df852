"""TLS: the real `lro` against the simulator served over HTTPS on loopback (SPEC.md "Polling").

A certificate `lro` does not trust is exit 6 at once (one handshake, never retried) with one line
naming SSL_CERT_FILE; SSL_CERT_FILE or SSL_CERT_DIR naming the signing CA makes the same wait
succeed. The certificates are test-only, in tests/data/tls/ (scripts/gen_test_cert.sh): a test
CA, a server certificate it signed for localhost/127.0.0.1/::1, one for another host and one that
expired in 2000. Verification is never turned off: the last test holds the source to it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from lro_cli.commands.sim import sim_profiles
from lro_cli.env import Env
from lro_cli.errors import ConfigError
from lro_cli.sim import Simulator
from lro_cli.sim.server import SimServer, server_tls
from tests.integration.harness import (
    GCORE_KEY,
    NEON_KEY,
    Result,
    base_environ,
    gcore_task,
    run_lro,
    write_config,
)

TLS = Path(__file__).resolve().parents[1] / "data" / "tls"
CA = TLS / "ca.pem"
CA_DIR = TLS / "certs"
REPO = Path(__file__).resolve().parents[2]
# Long enough that a retried handshake would show (more than one), short enough for a test.
SETTINGS = {"interval": "200ms", "min_interval": "100ms", "error_budget": "3s"}
HINT = "point SSL_CERT_FILE at"


class TlsRig:
    def __init__(self, server: SimServer, config: Path) -> None:
        self.server = server
        self.sim = server.simulator
        # Whatever trust the machine running the tests sets, lro gets none of it unless asked.
        self.env = {
            k: v
            for k, v in base_environ(config).items()
            if k not in ("SSL_CERT_FILE", "SSL_CERT_DIR")
        }

    def run(self, *args: str, env: Mapping[str, str] | None = None) -> Result:
        return run_lro(args, {**self.env, **(env or {})}, timeout=20)


@pytest.fixture
def https_sim(tmp_path: Path) -> Iterator[Any]:
    """`https_sim(cert="server.pem")` → a TlsRig: the simulator serving that certificate."""
    servers: list[SimServer] = []

    def make(cert: str = "server.pem") -> TlsRig:
        operations = [
            gcore_task(
                "tls-task",
                {"at": 0, "state": "RUNNING"},
                {"at": 0.3, "state": "FINISHED", "created_resources": {"instances": ["inst-tls"]}},
            ),
            {
                "dialect": "redpanda",
                "id": "rp-tls",
                "type": "TYPE_CREATE_CLUSTER",
                "resource_id": "cl-tls",
                "timeline": [
                    {"at": 0, "state": "STATE_IN_PROGRESS"},
                    {"at": 0.3, "state": "STATE_COMPLETED"},
                ],
            },
        ]
        sim = Simulator(
            {
                "credentials": {
                    "gcore_api_key": GCORE_KEY,
                    "neon_api_key": NEON_KEY,
                    "redpanda_client_id": "sim-redpanda-client",
                    "redpanda_client_secret": "CANARY-redpanda-secret-0b7e4d2c91",
                },
                "operations": operations,
            }
        )
        server = SimServer(sim, tls=server_tls(TLS / cert, TLS / "server.key")).start()
        servers.append(server)
        assert server.url.startswith("https://127.0.0.1:")
        profiles = sim_profiles(server.url, sim.scenario)
        for profile in profiles.values():
            profile.update(SETTINGS)
        config = tmp_path / f"tls-{len(servers)}.yaml"
        write_config(config, {"profiles": profiles})
        return TlsRig(server, config)

    yield make
    for server in servers:
        server.stop()


def assert_refused_at_once(rig: TlsRig, result: Result, reason: str) -> None:
    assert result.code == 6, result.err
    hinted = [line for line in result.err_lines if "TLS certificate verification failed" in line]
    assert len(hinted) == 1, result.err
    assert HINT in hinted[0] and reason in hinted[0], hinted[0]
    # One handshake, refused by lro; no HTTP request ever reached the simulator.
    assert rig.server.tls_handshakes == (1, 1)
    assert rig.sim.requests == []


# -- the default trust: not this CA ------------------------------------------------------------


def test_wait_exits_6_at_once_on_a_certificate_it_does_not_trust(https_sim: Any) -> None:
    rig = https_sim()
    result = rig.run("wait", "-p", "sim-gcore", "tls-task")
    assert_refused_at_once(rig, result, "unable to get local issuer certificate")
    assert result.out == ""


def test_get_exits_6_at_once_on_a_certificate_it_does_not_trust(https_sim: Any) -> None:
    rig = https_sim()
    result = rig.run("get", "-p", "sim-gcore", "-o", "json", "tls-task")
    assert_refused_at_once(rig, result, "unable to get local issuer certificate")
    document = json.loads(result.out)
    assert document["state"] is None and HINT in document["error"]["message"]


def test_an_empty_ssl_cert_file_counts_as_unset(https_sim: Any) -> None:
    # SSL_CERT_FILE set to nothing is unset: certifi's CAs, which never signed the test CA.
    rig = https_sim()
    result = rig.run("wait", "-p", "sim-gcore", "tls-task", env={"SSL_CERT_FILE": ""})
    assert_refused_at_once(rig, result, "unable to get local issuer certificate")


# -- SSL_CERT_FILE / SSL_CERT_DIR naming the CA ------------------------------------------------


@pytest.mark.parametrize(
    "trust", [{"SSL_CERT_FILE": str(CA)}, {"SSL_CERT_DIR": str(CA_DIR)}], ids=["file", "dir"]
)
def test_the_ca_named_by_the_environment_is_trusted(https_sim: Any, trust: dict[str, str]) -> None:
    rig = https_sim()
    result = rig.run("wait", "-p", "sim-gcore", "tls-task", env=trust)
    assert result.code == 0, result.err
    assert result.out.splitlines() == ["inst-tls"]

    got = rig.run("get", "-p", "sim-gcore", "-o", "json", "tls-task", env=trust)
    assert got.code == 0, got.err
    assert json.loads(got.out)["state"] == "succeeded"


def test_the_oauth_token_exchange_verifies_with_the_same_trust(https_sim: Any) -> None:
    # Redpanda's token endpoint is on the same HTTPS server: the exchange trusts SSL_CERT_FILE too.
    rig = https_sim()
    result = rig.run("wait", "-p", "sim-redpanda", "rp-tls", env={"SSL_CERT_FILE": str(CA)})
    assert result.code == 0, result.err
    assert result.out.splitlines() == ["cl-tls"]
    assert len(rig.sim.token_requests()) == 1


def test_a_token_endpoint_it_does_not_trust_is_exit_6_at_once(https_sim: Any) -> None:
    rig = https_sim()
    result = rig.run("wait", "-p", "sim-redpanda", "rp-tls")
    assert result.code == 6, result.err
    assert rig.server.tls_handshakes == (1, 1), rig.server.tls_handshakes
    assert HINT in result.err


# -- trusted CA, certificate still wrong ---------------------------------------------------------


@pytest.mark.parametrize(
    ("cert", "reason"),
    [
        ("expired.pem", "certificate has expired"),
        ("wrong-host.pem", "certificate is not valid for '127.0.0.1'"),
    ],
    ids=["expired", "wrong-host"],
)
def test_a_bad_certificate_from_a_trusted_ca_is_exit_6_at_once(
    https_sim: Any, cert: str, reason: str
) -> None:
    rig = https_sim(cert)
    result = rig.run("wait", "-p", "sim-gcore", "tls-task", env={"SSL_CERT_FILE": str(CA)})
    assert_refused_at_once(rig, result, reason)


# -- a variable naming nothing usable: exit 2, no fallback to other CAs --------------------------


@pytest.mark.parametrize(
    ("trust", "said"),
    [
        ({"SSL_CERT_FILE": "/nonexistent/ca.pem"}, "SSL_CERT_FILE=/nonexistent/ca.pem"),
        ({"SSL_CERT_FILE": str(TLS / "server.key")}, "NO_CERTIFICATE_OR_CRL_FOUND"),
        ({"SSL_CERT_DIR": "/nonexistent/certs"}, "SSL_CERT_DIR=/nonexistent/certs"),
    ],
    ids=["missing-file", "not-a-bundle", "missing-dir"],
)
def test_trust_that_cannot_be_loaded_is_a_configuration_error(
    https_sim: Any, trust: dict[str, str], said: str
) -> None:
    rig = https_sim()
    result = rig.run("wait", "-p", "sim-gcore", "tls-task", env=trust)
    assert result.code == 2, result.err
    assert len(result.err_lines) == 1 and said in result.err
    assert rig.server.tls_handshakes == (0, 0)


def test_tls_context_reads_env_environ_and_always_verifies(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import ssl

    monkeypatch.setenv("SSL_CERT_FILE", str(CA))  # the process's: not what Env.environ says
    default = Env.for_test(environ={}).tls_context()
    names = {
        dict(item[0] for item in cert["subject"]).get("commonName")
        for cert in default.get_ca_certs()
    }
    assert "lro test CA (test only, do not trust)" not in names, "os.environ was read"
    assert len(default.get_ca_certs()) > 50  # certifi's bundle

    ours = Env.for_test(environ={"SSL_CERT_FILE": str(CA)}).tls_context()
    assert len(ours.get_ca_certs()) == 1
    for context in (default, ours):
        assert context.verify_mode is ssl.CERT_REQUIRED and context.check_hostname
    with pytest.raises(ConfigError):
        Env.for_test(environ={"SSL_CERT_DIR": "/nonexistent"}).tls_context()


# -- never silently insecure --------------------------------------------------------------------

INSECURE = re.compile(
    r"verify\s*=\s*False|CERT_NONE|check_hostname\s*=\s*False|_create_unverified_context"
    r"|PYTHONHTTPSVERIFY|ssl\._create_default_https_context"
)


def test_no_code_path_turns_verification_off() -> None:
    found = [
        f"{path.relative_to(REPO)}:{number}: {line.strip()}"
        for path in sorted((REPO / "lro_cli").rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if INSECURE.search(line)
    ]
    assert found == []
