"""The security suite's rig: every credential kind a canary, the simulator, and hostile servers.

`canary_rig(tmp_path, *operations)` starts a simulator whose credentials are the canaries below
and writes a config (mode 600) with one profile per credential kind, all pointing at it:

| profile              | credential kind                                                   |
| -------------------- | ----------------------------------------------------------------- |
| `sim-gcore`          | API key (`Authorization: APIKey …`)                               |
| `sim-neon`           | API key (a bearer token)                                          |
| `sim-redpanda`       | OAuth client secret, and the access tokens the token endpoint issues |
| `sim-redpanda-token` | a static token                                                    |
| `sim-lakesail`       | a token                                                           |
| `sim-google`         | `token_command` output (a script in tmp_path, run without a shell) |
| `sim-azure`          | `token_command` output                                            |
| `sim-http`           | `api_key` in `api_key_header`, and a secret `headers:` value      |
| `sim-http-bearer`    | `token` (Bearer), the API key given as a `headers:` value         |

URL userinfo cannot be in that config (lro refuses it, which would refuse the whole file): the
tests that need it write their own. `Recorder` is a loopback server that logs every request it
gets: the "other origin" that must never see one.
"""

from __future__ import annotations

import json
import re
import sys
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from lro_cli.commands.sim import sim_profiles
from lro_cli.sim import SimServer, Simulator
from tests.integration.harness import SHORT, Result, base_environ, run_lro, write_config

# Every secret is distinct and starts with CANARY-; its hex tail is unique too, so a secret shown
# in part (cut, or with its prefix redacted away) is still caught.
GCORE_KEY = "CANARY-gcore-apikey-3f9a1c7e20"
NEON_KEY = "CANARY-neon-apikey-8b2d64e1f5"
REDPANDA_SECRET = "CANARY-redpanda-clientsecret-51c0e9a7d3"
REDPANDA_TOKEN = "CANARY-redpanda-token-a4e27f0c96"  # issued tokens: <this>.issued-<n>
LAKESAIL_TOKEN = "CANARY-lakesail-token-0d6b3e8f21"
GOOGLE_TOKEN = "CANARY-google-tokencmd-7e1a5c9b40"
AZURE_TOKEN = "CANARY-azure-tokencmd-c28f0d4a17"
HTTP_KEY = "CANARY-http-apikey-96b1e3d0c5"
HTTP_HEADER = "CANARY-http-header-2a7f5e1b08"
HTTP_BEARER = "CANARY-http-bearer-e53c9a0f72"
USERINFO = "CANARY-userinfo-4c0b8e2d69"
ENV_SECRET = "CANARY-envvar-f1d7a93c0e"

CANARIES = (
    GCORE_KEY,
    NEON_KEY,
    REDPANDA_SECRET,
    REDPANDA_TOKEN,
    LAKESAIL_TOKEN,
    GOOGLE_TOKEN,
    AZURE_TOKEN,
    HTTP_KEY,
    HTTP_HEADER,
    HTTP_BEARER,
    USERINFO,
    ENV_SECRET,
)
_TAILS = tuple(canary.rsplit("-", 1)[1] for canary in CANARIES)

CREDENTIALS: dict[str, Any] = {
    "gcore_api_key": GCORE_KEY,
    "neon_api_key": NEON_KEY,
    "redpanda_client_id": "sim-redpanda-client",
    "redpanda_client_secret": REDPANDA_SECRET,
    "redpanda_token": REDPANDA_TOKEN,
    "lakesail_token": LAKESAIL_TOKEN,
    "google_token": GOOGLE_TOKEN,
    "azure_token": AZURE_TOKEN,
    "http_api_key": HTTP_KEY,
}

GOOGLE_PARENT = "projects/sim-project/locations/us-central1"
AZURE_SUB = "00000000-0000-4000-8000-00000000a2e0"
API_VERSION = "2024-07-01"
HOUR = 3600

# Profile → the secrets its requests carry (what a hostile server could echo back).
SENT: dict[str, tuple[str, ...]] = {
    "sim-gcore": (GCORE_KEY,),
    "sim-neon": (NEON_KEY,),
    "sim-redpanda": (f"{REDPANDA_TOKEN}.issued-1",),  # after a reset of the simulator
    "sim-redpanda-token": (REDPANDA_TOKEN,),
    "sim-lakesail": (LAKESAIL_TOKEN,),
    "sim-google": (GOOGLE_TOKEN,),
    "sim-azure": (AZURE_TOKEN,),
    "sim-http": (HTTP_KEY, HTTP_HEADER),
    "sim-http-bearer": (HTTP_BEARER, HTTP_KEY),
}
# Profile → the header scheme its credential goes with, for echoes that look real.
SCHEME = {"sim-gcore": "APIKey", "sim-http": "X-API-Key:"}
PROFILES = tuple(SENT)
DIALECT = {
    "sim-gcore": "gcore",
    "sim-neon": "neon",
    "sim-redpanda": "redpanda",
    "sim-redpanda-token": "redpanda",
    "sim-lakesail": "lakesail",
    "sim-google": "google",
    "sim-azure": "azure",
    "sim-http": "http",
    "sim-http-bearer": "http",
}


def assert_no_secret(result: Result, *extra: str) -> None:
    """No canary, whole or in part, on either stream (the harness checks `CANARY-` already)."""
    for stream, text in (("stdout", result.out), ("stderr", result.err)):
        assert "CANARY" not in text.upper(), f"a canary on {stream}:\n{text}"
        for tail in (*_TAILS, *extra):
            assert tail not in text, f"part of a canary ({tail}) on {stream}:\n{text}"


def echo(profile: str, *also: str) -> str:
    """What a hostile server that echoes the request's credentials back would say."""
    sent = (*SENT[profile], *also)
    scheme = SCHEME.get(profile, "Bearer")
    parts = [f"Authorization: {scheme} {sent[0]}"]
    parts += [f"you sent {value!r} (raw: {value})" for value in sent]
    return "; ".join(parts)


def error_body(text: str) -> str:
    """A JSON error body every dialect's error reader finds its message in."""
    return json.dumps(
        {
            "message": text,
            "error": {"code": 16, "message": text, "status": "UNAUTHENTICATED"},
            "error_description": text,
            "detail": text,
            "exception_class": "Echo",
            "code": "Echo",
        }
    )


def token_script(directory: Path, name: str, token: str) -> list[str]:
    """A token_command (as a list of words): a script that prints `token`, run without a shell."""
    script = directory / f"{name}.py"
    script.write_text(f"print({token!r})\n", encoding="utf-8")
    # A word that a shell would run: given as an argument, it must stay an argument.
    marker = directory / f"{name}-shell-ran"
    return [sys.executable, str(script), f"$(touch {marker})", ";", "touch", str(marker)]


def google_name(op_id: str) -> str:
    return f"{GOOGLE_PARENT}/operations/{op_id}"


def azure_status_url(url: str, op_id: str) -> str:
    return (
        f"{url}/azure/subscriptions/{AZURE_SUB}/providers/Microsoft.Compute/locations/westus/"
        f"operations/{op_id}?api-version={API_VERSION}"
    )


def op(dialect: str, op_id: str, *steps: Mapping[str, Any], **fields: Any) -> dict[str, Any]:
    fields.setdefault("type", "create")
    return {"dialect": dialect, "id": op_id, "timeline": list(steps), **fields}


@dataclass
class CanaryRig:
    sim: Simulator
    server: SimServer
    config: Path
    tmp: Path
    env: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.server.url

    def run(
        self,
        *args: str,
        env: Mapping[str, str] | None = None,
        reset: bool = True,
        timeout: float = 20.0,
    ) -> Result:
        """`lro ARGS`, checked by the harness and for every canary; the simulator starts over
        first (so the n-th issued Redpanda token is the n-th of this run)."""
        if reset:
            self.sim.reset()
        merged = {**self.env, **(env or {})}
        result = run_lro(args, merged, timeout=timeout, debug="--debug" in args)
        assert_no_secret(result)
        return result

    def arg(self, profile: str, op_id: str) -> str:
        """How a command line names an operation of `profile`."""
        if profile == "sim-azure":
            return f"{profile}:{azure_status_url(self.url, op_id)}"
        if profile == "sim-google":
            return f"{profile}:{google_name(op_id)}"
        return f"{profile}:{op_id}"

    def shell_ran(self) -> list[Path]:
        return sorted(self.tmp.glob("*-shell-ran"))


def canary_profiles(url: str, sim: Simulator, tmp: Path) -> dict[str, dict[str, Any]]:
    profiles = sim_profiles(url, sim.scenario)
    profiles["sim-redpanda-token"] = {
        "provider": "redpanda",
        "base_url": f"{url}/redpanda",
        "token": REDPANDA_TOKEN,
    }
    for name, token in (("sim-google", GOOGLE_TOKEN), ("sim-azure", AZURE_TOKEN)):
        del profiles[name]["token"]
        profiles[name]["token_command"] = token_script(tmp, name, token)
    http = profiles["sim-http"]
    http["api_key_header"] = "X-API-Key"
    http["headers"] = {"X-Tenant-Secret": HTTP_HEADER}
    bearer = {key: value for key, value in http.items() if key not in ("api_key", "headers")}
    profiles["sim-http-bearer"] = {
        **bearer,
        "token": HTTP_BEARER,
        "headers": {"X-API-Key": HTTP_KEY},
    }
    for profile in profiles.values():
        profile.update(SHORT)
    return profiles


def start_canary_rig(
    tmp: Path,
    operations: Sequence[Mapping[str, Any]],
    servers: list[SimServer],
    *,
    faults: Sequence[Mapping[str, Any]] = (),
    edit: Callable[[dict[str, dict[str, Any]]], None] | None = None,
) -> CanaryRig:
    sim = Simulator(
        {"credentials": CREDENTIALS, "operations": list(operations), "faults": list(faults)}
    )
    server = SimServer(sim).start()
    servers.append(server)
    profiles = canary_profiles(server.url, sim, tmp)
    if edit is not None:
        edit(profiles)
    config = tmp / f"secrets-{len(servers)}.yaml"
    write_config(config, {"default_profile": "sim-gcore", "profiles": profiles})
    return CanaryRig(sim, server, config, tmp, base_environ(config))


# -- a server on another origin that records whatever reaches it ----------------------------------


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    headers: Mapping[str, str]


class Recorder:
    """A loopback HTTP server that answers 200 with a plausible JSON body and logs every request
    (with its headers): what a redirect's target or another origin would have received."""

    def __init__(self, body: Any = None) -> None:
        self.seen: list[Seen] = []
        self._body = json.dumps(body if body is not None else {"state": "FINISHED"}).encode()
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def _any(self) -> None:
                recorder.seen.append(Seen(self.command, self.path, dict(self.headers.items())))
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(recorder._body)))
                self.end_headers()
                self.wfile.write(recorder._body)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _any

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def __enter__(self) -> Recorder:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


# -- terminal control sequences --------------------------------------------------------------------

TITLE = "\x1b]0;pwned-title\x07"
CLEAR = "\x1b[2J"
RED = "\x1b[31m"
CSI8 = "\x9b"
CR = "\r"
HOSTILE = (TITLE, CLEAR, RED, CSI8, CR)


def nasty(word: str) -> str:
    """`word` wrapped in every hostile sequence, each between readable letters."""
    return f"{word}{TITLE}A{CLEAR}B{RED}C{CSI8}2JD{CR}E"


def every_hostile(text: str) -> list[str]:
    """The hostile sequences (and bytes) present in `text`."""
    return [sequence for sequence in HOSTILE if sequence in text]


def lines_with(text: str, needles: Iterable[str]) -> list[str]:
    return [line for line in re.split(r"\n", text) if any(n in line for n in needles)]
