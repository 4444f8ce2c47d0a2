"""Test support for the Clarifai client tests: a clarifai-grpc stub over either channel, bound to one
tenant, projections of responses onto what a user of the examples can observe, and the shared
workflow, fault rules and journal of a live server's tenant."""
from __future__ import annotations

from typing import Any

from clarifai_grpc.channel.clarifai_channel import ClarifaiChannel
from clarifai_grpc.grpc.api import resources_pb2, service_pb2, service_pb2_grpc

from emulator.core.emulator import TENANT_HEADER
from emulator.testing import LiveServer
from tests.clients import clarifai_examples as ex

PAT = "emulator-test-pat"
METRO_NORTH = ex.METRO_NORTH
# (model id, model version id) of the source document's models (seeds/002), from the shared examples
FOOD, GENERAL, TRAVEL, NSFW, WEDDING = (n[1:] for n in (ex.FOOD, ex.GENERAL, ex.TRAVEL, ex.NSFW, ex.WEDDING))


class Stub:
    """A V2Stub plus the metadata every call carries (the PAT and, over gRPC, the tenant)."""

    def __init__(self, channel_kind: str, stub: Any, metadata: tuple[tuple[str, str], ...], channel: Any) -> None:
        self.kind = channel_kind
        self.stub = stub
        self.metadata = metadata
        self.channel = channel

    def call(self, rpc: str, request: Any, metadata: tuple[tuple[str, str], ...] | None = None) -> Any:
        return getattr(self.stub, rpc)(request, metadata=self.metadata if metadata is None else metadata)


def make_stub(kind: str, server: LiveServer, tenant: str, pat: str = PAT) -> Stub:
    """The channel and its stub are built together: clarifai-grpc picks the response decoder from a
    module global set by the most recent `get_*_channel` call, read when the stub is constructed."""
    metadata: tuple[tuple[str, str], ...] = (("authorization", "Key " + pat),)
    if kind == "grpc":
        channel = ClarifaiChannel.get_insecure_grpc_channel(base="127.0.0.1", port=server.grpc_port)
        stub = service_pb2_grpc.V2Stub(channel)
        metadata += ((TENANT_HEADER, tenant),)
    else:
        channel = ClarifaiChannel.get_json_channel(base_url=server.url)
        stub = service_pb2_grpc.V2Stub(channel)
        # the JSON channel forwards only `authorization` from the metadata; the tenant rides on the session
        channel.session.headers[TENANT_HEADER] = tenant
    return Stub(kind, stub, metadata, channel)


def workflow_node(node_id: str, model: tuple[str, str], **kw: Any) -> resources_pb2.WorkflowNode:
    return resources_pb2.WorkflowNode(
        id=node_id,
        model=resources_pb2.Model(id=model[0], model_version=resources_pb2.ModelVersion(id=model[1])), **kw)


def node_models(workflow: resources_pb2.Workflow) -> list[tuple[str, str, str]]:
    return [(n.id, n.model.id, n.model.model_version.id) for n in workflow.nodes]


def observe_predict(response: Any) -> tuple[int, list[tuple[int, list[tuple[str, str, int, list[Any]]]]]]:
    """(top-level code, per result: (code, per output: (model id, version id, code, concepts)))."""
    return (response.status.code, [
        (r.status.code, [(o.model.id, o.model.model_version.id, o.status.code,
                          [(c.id, c.name, round(c.value, 6)) for c in o.data.concepts]) for o in r.outputs])
        for r in response.results])


def create_shared(stub: Stub, workflow_id: str = "wf-shared") -> Any:
    return stub.call("PostWorkflows", service_pb2.PostWorkflowsRequest(workflows=[resources_pb2.Workflow(
        id=workflow_id, nodes=[workflow_node("food", FOOD), workflow_node("general", GENERAL)])]))


def predict_shared(stub: Stub, workflow_id: str = "wf-shared") -> Any:
    return stub.call("PostWorkflowResults", service_pb2.PostWorkflowResultsRequest(
        workflow_id=workflow_id,
        inputs=[resources_pb2.Input(data=resources_pb2.Data(image=resources_pb2.Image(url=METRO_NORTH)))]))


def add_fault(server: LiveServer, tenant: str, spec: dict[str, Any]) -> None:
    async def add() -> None:
        server.emulator.tenant(tenant).faults.add(spec)
    server.call(add())


def journal_of(server: LiveServer, tenant: str) -> list[Any]:
    async def entries() -> list[Any]:
        return server.emulator.tenant(tenant).journal.entries()
    result: list[Any] = server.call(entries())
    return result
