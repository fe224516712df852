"""google-api-core's own REST operations client, pointed at the simulator's Google dialect.

The client parses every body with `ignore_unknown_fields=False`, so an invented key fails here.
Its REST transport takes a `path_prefix` (default "v1"), so "google/v1" reaches the dialect's
`/google` mount without serving anything at the root.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from google.api_core import exceptions
from google.api_core.operations_v1 import AbstractOperationsClient
from google.api_core.operations_v1.transports.rest import OperationsRestTransport
from google.oauth2.credentials import Credentials
from google.protobuf import descriptor_pb2, descriptor_pool, json_format, message_factory

from lro_cli.clock import VirtualClock
from lro_cli.sim import SimServer, Simulator

PARENT = "projects/fidelity/locations/europe-west4"
META_TYPE = "type.googleapis.com/lro.sim.fidelity.v1.OperationMetadata"
RESPONSE_TYPE = "type.googleapis.com/lro.sim.fidelity.v1.Instance"


def _register_types() -> None:
    """Message types for `metadata` and `response`: an Any is parsed only if its type is known."""
    pool = descriptor_pool.Default()
    try:
        pool.FindMessageTypeByName("lro.sim.fidelity.v1.Instance")
        return
    except KeyError:
        pass
    proto = descriptor_pb2.FileDescriptorProto(
        name="lro/sim/fidelity/v1/fidelity.proto", package="lro.sim.fidelity.v1", syntax="proto3"
    )
    string = descriptor_pb2.FieldDescriptorProto.TYPE_STRING
    optional = descriptor_pb2.FieldDescriptorProto.LABEL_OPTIONAL
    for message, names in (("OperationMetadata", ("target", "verb")), ("Instance", ("name",))):
        described = proto.message_type.add(name=message)
        for number, field in enumerate(names, start=1):
            described.field.add(name=field, number=number, type=string, label=optional)
    pool.Add(proto)
    for message in ("OperationMetadata", "Instance"):
        message_factory.GetMessageClass(
            pool.FindMessageTypeByName(f"lro.sim.fidelity.v1.{message}")
        )


def operation(op_id: str, *steps: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {
        "dialect": "google",
        "id": op_id,
        "type": "create_instance",
        "parent": PARENT,
        "metadata": {"@type": META_TYPE, "target": f"instances/{op_id}", "verb": "create"},
        "timeline": list(steps),
        **fields,
    }


SCENARIO = {
    "credentials": {"google_token": "fidelity-token"},
    "operations": [
        operation(
            "op-ok",
            {"at": 0, "state": "running"},
            {"at": 5, "state": "done", "response": {"@type": RESPONSE_TYPE, "name": "vm-ok"}},
        ),
        operation(
            "op-failed",
            {"at": 0, "state": "running", "show_done": True},
            {
                "at": 5,
                "state": "done",
                "error": {"code": "FAILED_PRECONDITION", "message": "zone exhausted"},
            },
        ),
        *[operation(f"op-{i}", {"at": 0, "state": "running"}) for i in range(3)],
        operation("op-stuck", {"at": 0, "state": "running"}, cancel_unimplemented=True),
    ],
}


@pytest.fixture
def rig() -> Iterator[tuple[AbstractOperationsClient, VirtualClock]]:
    _register_types()
    clock = VirtualClock()
    sim = Simulator(SCENARIO, clock=clock.monotonic, wall=clock.now)
    with SimServer(sim) as server:
        transport = OperationsRestTransport(
            # OperationsRestTransport does not hand `url_scheme` to its base class (2.44), so
            # the scheme goes in `host`, which the base class accepts with one.
            host=server.url,
            # A fixed token: the session sends it as `Authorization: Bearer …` by itself.
            credentials=Credentials(token="fidelity-token"),  # type: ignore[no-untyped-call]
            url_scheme="http",
            path_prefix="google/v1",
        )
        client = AbstractOperationsClient(transport=transport)
        yield client, clock


def test_get_parses_done_response_and_error(
    rig: tuple[AbstractOperationsClient, VirtualClock],
) -> None:
    client, clock = rig
    ok, failed = f"{PARENT}/operations/op-ok", f"{PARENT}/operations/op-failed"
    first = client.get_operation(ok)
    assert first.name == ok and not first.done and first.WhichOneof("result") is None
    assert first.metadata.type_url == META_TYPE
    assert client.get_operation(failed).done is False
    clock.advance(5)
    done = client.get_operation(ok)
    assert done.done and done.response.type_url == RESPONSE_TYPE
    parsed = json_format.MessageToDict(done)
    assert parsed["response"]["name"] == "vm-ok"  # the scenario's response name
    error = client.get_operation(failed)
    assert error.done and error.error.code == 9 and error.error.message == "zone exhausted"


def test_list_pages_and_cancel(rig: tuple[AbstractOperationsClient, VirtualClock]) -> None:
    client, _ = rig
    pager = client.list_operations(PARENT, page_size=2)
    pages = [[op.name.rsplit("/", 1)[1] for op in page.operations] for page in pager.pages]
    assert pages == [["op-ok", "op-failed"], ["op-0", "op-1"], ["op-2", "op-stuck"]]
    client.cancel_operation(f"{PARENT}/operations/op-0")
    cancelled = client.get_operation(f"{PARENT}/operations/op-0")
    assert cancelled.done and cancelled.error.code == 1  # google.rpc.Code.CANCELLED
    with pytest.raises(exceptions.MethodNotImplemented):
        client.cancel_operation(f"{PARENT}/operations/op-stuck")
    with pytest.raises(exceptions.NotFound):
        client.get_operation(f"{PARENT}/operations/nope")
