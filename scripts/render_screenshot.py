"""Draw docs/watch.svg, the picture of `lro watch` in the README, from the live view's own code.

A scripted set of operations across the providers goes through a real `LiveReporter` (the
board, `_Frame`, Rich's `Live`) on a recording Rich console, on a fixed clock, and one frame is
exported as SVG. Nothing is drawn by hand, and the output is byte-for-byte the same on every
run: the console ignores the environment (TERM, NO_COLOR, COLUMNS...) and the SVG's element ids
are fixed rather than derived from the content. Usage:

    python scripts/render_screenshot.py            # write docs/watch.svg
    python scripts/render_screenshot.py --check    # exit 1 if docs/watch.svg is out of date

The picture depends on the installed Rich (its SVG template) as well as on this repository's
code: after an upgrade of Rich, run the script again and commit the new picture.
"""

from __future__ import annotations

import argparse
import io
import sys
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path

from rich.console import Console

from lro_cli.errors import ExitCode
from lro_cli.model import ErrorInfo, Operation, OperationRef, Outcome, Progress, State
from lro_cli.render.live import LiveReporter

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = ROOT / "docs" / "watch.svg"
WIDTH = 120
HEIGHT = 40
TITLE = "lro watch"
UNIQUE_ID = "lro-watch"  # the SVG's CSS class and clip-path prefix (Rich defaults to a hash)
T0 = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)  # when the watch started
# When the frame is drawn, in seconds after T0. The pulse of an operation without a fraction
# moves with the clock (8 steps a second): this also fixes where it stands in the picture.
FRAME_AT = 247.75

AZURE_STATUS_URL = (
    "https://management.azure.com/subscriptions/00000000-0000-4000-8000-00000000a2e0"
    "/providers/Microsoft.Compute/locations/westeurope/operations"
    "/5e7c1a62-83d4-4f0e-9a51-2c6b0f4d7e19?api-version=2024-07-01"
)
GOOGLE_OPERATION = "projects/sim-project/locations/us-central1/operations/operation-1772443800"
GCORE_VM = "d4a4b10e-5d22-4c23-8e09-f7a3e1c1a999"
GCORE_VOLUME = "c3149c20-4cd4-4063-818e-3eda472a63b6"
GCORE_LB = "f54aec20-e565-4638-ac08-89c060e3fe1e"
NEON_COMPUTE = "3a307656-2972-4895-898e-c32414a78071"
NEON_BRANCH = "a1af3b8e-5c41-4bac-beda-50caaa0434c5"
NEON_CONFIG = "8c5c7594-0a92-4574-91a7-7670a9f649c5"
REDPANDA_CLUSTER = "cqfc6vdmvio001r4vu4"


class ScriptedClock:
    """The wall clock and the monotonic clock of the run, moved by the script alone."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def now(self) -> datetime:
        return T0 + timedelta(seconds=self.seconds)

    def monotonic(self) -> float:
        return self.seconds


Event = tuple[float, Callable[[LiveReporter], None]]


class Scripted:
    """One operation of the script: what each poll said, and how its wait ended."""

    def __init__(
        self,
        events: list[Event],
        profile: str,
        provider: str,
        id: str,
        type: str | None,
        *,
        created: float,
    ) -> None:
        self.events = events
        self.ref = OperationRef(profile=profile, provider=provider, id=id, arg=id)
        self.type = type
        self.created = created  # seconds after T0 (before the watch: negative)

    def operation(
        self,
        state: State,
        raw_state: str,
        *,
        fraction: float | None = None,
        stage: str | None = None,
        message: str | None = None,
        error: str | None = None,
        finished: float | None = None,
    ) -> Operation:
        progress = None
        if fraction is not None or stage or message:
            progress = Progress(fraction=fraction, stage=stage, message=message)
        return Operation(
            profile=self.ref.profile,
            provider=self.ref.provider,
            id=self.ref.id,
            state=state,
            raw_state=raw_state,
            type=self.type,
            progress=progress,
            error=ErrorInfo(message=error) if error else None,
            created_at=T0 + timedelta(seconds=self.created),
            finished_at=T0 + timedelta(seconds=finished) if finished is not None else None,
        )

    def poll(self, at: float, op: Operation) -> Scripted:
        self.events.append((at, lambda reporter: reporter.update(self.ref, op)))
        return self

    def end(self, at: float, code: ExitCode, op: Operation) -> Scripted:
        outcome = Outcome(ref=self.ref, exit_code=code, operation=op)
        self.events.append((at, lambda reporter: reporter.finished(outcome)))
        return self

    def retry(self, at: float, message: str, delay: float) -> Scripted:
        self.events.append((at, lambda reporter: reporter.retrying(self.ref, message, delay)))
        return self


def _script() -> list[Event]:
    """What the watch saw: (seconds after T0, what the reporter was told)."""
    events: list[Event] = []
    running, pending = State.RUNNING, State.PENDING

    vm = Scripted(events, "sim-gcore", "gcore", GCORE_VM, "create_vm", created=-95)
    vm.poll(0, vm.operation(running, "RUNNING", stage="NETWORK"))  # Gcore gives no fraction
    vm.poll(120, vm.operation(running, "RUNNING", stage="NETWORK"))
    vm.poll(240, vm.operation(running, "RUNNING", stage="POST_DEPLOY_SETUP"))

    volume = Scripted(events, "sim-gcore", "gcore", GCORE_VOLUME, "create_volume", created=-12)
    volume.poll(0.2, volume.operation(running, "RUNNING"))
    quota = "Quota limit for volume_size exceeded by 20"
    failed = volume.operation(State.FAILED, "ERROR", error=quota, finished=31)
    volume.end(35, ExitCode.FAILED, failed)

    lb = Scripted(events, "sim-gcore", "gcore", GCORE_LB, "create_loadbalancer", created=-2)
    lb.poll(0.3, lb.operation(pending, "NEW"))

    compute = Scripted(events, "sim-neon", "neon", NEON_COMPUTE, "start_compute", created=-3)
    compute.poll(0.4, compute.operation(running, "running"))
    done = compute.operation(State.SUCCEEDED, "finished", finished=6)
    compute.end(10, ExitCode.OK, done)

    branch = Scripted(events, "sim-neon", "neon", NEON_BRANCH, "create_branch", created=-20)
    branch.poll(0.5, branch.operation(running, "running"))
    branch.retry(246, "HTTP 503 Service Unavailable", 4.0)

    config = Scripted(events, "sim-neon", "neon", NEON_CONFIG, "apply_config", created=-1)
    config.poll(0.6, config.operation(pending, "scheduling"))

    cluster = Scripted(
        events, "sim-redpanda", "redpanda", REDPANDA_CLUSTER, "TYPE_CREATE_CLUSTER", created=-412
    )
    cluster.poll(0.7, cluster.operation(running, "STATE_IN_PROGRESS"))  # no fraction: a pulse

    lake = Scripted(
        events, "sim-lakesail", "lakesail", "OPDEMO0001", "provision_cluster", created=-30
    )
    for at, fraction, message in (
        (0.8, 0.10, "creating node pools"),
        (180, 0.28, "creating node pools"),
        (245, 0.35, "installing system pods"),
    ):
        op = lake.operation(running, "running", fraction=fraction, stage="deploy", message=message)
        lake.poll(at, op)

    azure = Scripted(events, "sim-azure", "azure", AZURE_STATUS_URL, None, created=-48)
    azure.poll(0.9, azure.operation(running, "InProgress", fraction=0.05))
    azure.poll(243, azure.operation(running, "InProgress", fraction=0.47))

    google = Scripted(events, "sim-google", "google", GOOGLE_OPERATION, "create", created=-5)
    google.poll(1.0, google.operation(pending, "running", stage="queued for a worker"))
    return sorted(events, key=lambda event: event[0])


def render_svg(width: int = WIDTH) -> str:
    """The picture, as SVG text: one frame of the live view after the scripted events."""
    console = Console(
        file=io.StringIO(),
        record=True,
        width=width,
        height=HEIGHT,  # taller than the frame: every row shows, the picture ends with it
        force_terminal=True,
        force_interactive=True,
        color_system="truecolor",
        legacy_windows=False,
        # The settings `lro` gives its own consoles (lro_cli/env.py).
        highlight=False,
        soft_wrap=False,
        emoji=False,
        markup=False,
        _environ={},  # no TERM, NO_COLOR, COLUMNS... from whoever runs this
    )
    clock = ScriptedClock()
    reporter = LiveReporter(console, clock.now, clock.monotonic, auto_refresh=False)
    try:
        for at, event in _script():
            clock.seconds = at
            event(reporter)
        clock.seconds = FRAME_AT
        console.export_text(clear=True)  # only the frame below goes into the picture
        reporter.refresh()
        return console.export_svg(title=TITLE, unique_id=UNIQUE_ID)
    finally:
        reporter.close([], ExitCode.IN_PROGRESS)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the file is out of date")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="the SVG to write")
    args = parser.parse_args(argv)
    picture = render_svg().encode("utf-8")
    output: Path = args.output
    if args.check:
        try:
            current = output.read_bytes()
        except FileNotFoundError:
            current = b""
        if current != picture:
            print(
                f"{output} is out of date: run `python scripts/render_screenshot.py` "
                "and commit the new picture",
                file=sys.stderr,
            )
            return 1
        print(f"{output} is up to date")
        return 0
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(picture)
    print(f"wrote {output} ({len(picture)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
