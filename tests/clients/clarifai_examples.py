"""The seed document's examples (seeds/002, "Setting Up Mesh Workflows") as clarifai-grpc requests.

Shared by the JSON-channel tests and the gRPC tests so both transports run the same examples:
each builder returns the exact request message the documentation's Python snippet sends.
"""
from __future__ import annotations

import base64

from clarifai_grpc.grpc.api import resources_pb2, service_pb2

WORKFLOW_ID = "my-custom-workflow"
METRO_NORTH = "https://samples.clarifai.com/metro-north.jpg"
AUTH = (("authorization", "Key test-pat"),)

# (node id, model id, model version id) exactly as in the seed document
FOOD = ("food-concepts", "bd367be194cf45149e75f01d59f77ba7", "dfebc169854e429086aceb8368662641")
GENERAL = ("general-concepts", "aaa03c23b3724a16a56b629203edc62c", "aa9ca48295b37401f8af92ad1af0d91d")
TRAVEL = ("travel-concepts", "ccc28c313d69466f836ab83287a54ed9", "cce28c313d69466f836ab83287a54ed9")
NSFW = ("nsfw-concepts", "ccc76d86d2004ed1a38ba0cf39ecb4b1", "cc76a92beaeb4d8495a58ba197998158")
WEDDING = ("wedding-concepts", "c386b7a870114f4a87477c0824499348", "787cc9a002164250800598d36b072384")

# smallest valid images (what a client would send as bytes)
PNG_1PX = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")
NOT_AN_IMAGE = b"this is not an image at all"


def node(node_id: str, model_id: str, version_id: str) -> resources_pb2.WorkflowNode:
    return resources_pb2.WorkflowNode(
        id=node_id, model=resources_pb2.Model(id=model_id, model_version=resources_pb2.ModelVersion(id=version_id)))


def user_app(user_id: str | None, app_id: str | None) -> resources_pb2.UserAppIDSet | None:
    return resources_pb2.UserAppIDSet(user_id=user_id or "", app_id=app_id) if app_id else None


def create_workflow(workflow_id: str = WORKFLOW_ID, app: resources_pb2.UserAppIDSet | None = None,
                    nodes: tuple[tuple[str, str, str], ...] = (FOOD, GENERAL)) -> service_pb2.PostWorkflowsRequest:
    """Seed "Create": my-custom-workflow with the Food and General models."""
    return service_pb2.PostWorkflowsRequest(
        user_app_id=app, workflows=[resources_pb2.Workflow(id=workflow_id, nodes=[node(*n) for n in nodes])])


def predict_url(workflow_id: str = WORKFLOW_ID, url: str = METRO_NORTH,
                app: resources_pb2.UserAppIDSet | None = None) -> service_pb2.PostWorkflowResultsRequest:
    """Seed "Workflow Predict": metro-north.jpg through the workflow."""
    return service_pb2.PostWorkflowResultsRequest(
        user_app_id=app, workflow_id=workflow_id,
        inputs=[resources_pb2.Input(data=resources_pb2.Data(image=resources_pb2.Image(url=url)))])


def predict_inputs(inputs: list[resources_pb2.Input], workflow_id: str = WORKFLOW_ID,
                   app: resources_pb2.UserAppIDSet | None = None) -> service_pb2.PostWorkflowResultsRequest:
    return service_pb2.PostWorkflowResultsRequest(user_app_id=app, workflow_id=workflow_id, inputs=inputs)


def image_bytes_input(raw: bytes) -> resources_pb2.Input:
    return resources_pb2.Input(data=resources_pb2.Data(image=resources_pb2.Image(base64=raw)))


def image_url_input(url: str) -> resources_pb2.Input:
    return resources_pb2.Input(data=resources_pb2.Data(image=resources_pb2.Image(url=url)))


def list_workflows(app: resources_pb2.UserAppIDSet | None = None, page: int = 0,
                   per_page: int = 0) -> service_pb2.ListWorkflowsRequest:
    """Seed "Get all Workflows in an App"."""
    return service_pb2.ListWorkflowsRequest(user_app_id=app, page=page, per_page=per_page)


def get_workflow(workflow_id: str = WORKFLOW_ID,
                 app: resources_pb2.UserAppIDSet | None = None) -> service_pb2.GetWorkflowRequest:
    """Seed "Get a Workflow by a Specific ID"."""
    return service_pb2.GetWorkflowRequest(user_app_id=app, workflow_id=workflow_id)


def patch_overwrite(workflow_id: str = WORKFLOW_ID,
                    app: resources_pb2.UserAppIDSet | None = None) -> service_pb2.PatchWorkflowsRequest:
    """Seed "Patch Workflow": overwrite with the Travel, NSFW and Wedding models."""
    return service_pb2.PatchWorkflowsRequest(
        user_app_id=app, action="overwrite",
        workflows=[resources_pb2.Workflow(id=workflow_id, nodes=[node(*n) for n in (TRAVEL, NSFW, WEDDING)])])


def delete_workflow(workflow_id: str = WORKFLOW_ID,
                    app: resources_pb2.UserAppIDSet | None = None) -> service_pb2.DeleteWorkflowRequest:
    """Seed "Delete Workflow by ID"."""
    return service_pb2.DeleteWorkflowRequest(user_app_id=app, workflow_id=workflow_id)


def delete_all(app: resources_pb2.UserAppIDSet | None = None) -> service_pb2.DeleteWorkflowsRequest:
    """Seed "Delete all Workflows"."""
    return service_pb2.DeleteWorkflowsRequest(user_app_id=app, delete_all=True)
