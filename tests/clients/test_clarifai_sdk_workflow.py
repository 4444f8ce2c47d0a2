"""The `clarifai` SDK predicts through the emulator's gRPC door (reference clarifai-workflows.md §10).

Without `input_type`, `Workflow.predict_by_url` builds a `Model` without `base_url` (§10 "Obstacle"),
which falls back to CLARIFAI_API_BASE read when the SDK is imported; that case runs in a subprocess
with the environment set before the import. The SDK only sends `authorization` and its request-id
prefix, so these tests use the default tenant with an app of their own.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import uuid

from clarifai_grpc.grpc.api import resources_pb2, service_pb2
from clarifai_grpc.grpc.api.status import status_code_pb2

from emulator.testing import LiveServer
from tests.clients.clarifai_grpc_support import FOOD, GENERAL, METRO_NORTH, PAT, make_stub, workflow_node

USER_ID = "emulator-user"


def _create_in_app(server: LiveServer, app_id: str, workflow_id: str) -> None:
    stub = make_stub("grpc", server, "default")
    created = stub.call("PostWorkflows", service_pb2.PostWorkflowsRequest(
        user_app_id=resources_pb2.UserAppIDSet(user_id=USER_ID, app_id=app_id),
        workflows=[resources_pb2.Workflow(id=workflow_id, nodes=[workflow_node("food", FOOD),
                                                                 workflow_node("general", GENERAL)])]))
    assert created.status.code == status_code_pb2.SUCCESS, created.status


def test_post_workflow_results_sdk_predict_by_url_with_input_type(live_emulator: LiveServer) -> None:
    from clarifai.client.workflow import Workflow

    app_id = "sdk-" + uuid.uuid4().hex[:8]
    _create_in_app(live_emulator, app_id, "sdk-workflow")
    workflow = Workflow(workflow_id="sdk-workflow", user_id=USER_ID, app_id=app_id,
                        base_url=f"http://127.0.0.1:{live_emulator.grpc_port}", pat=PAT)
    response = workflow.predict_by_url(METRO_NORTH, input_type="image")
    assert response.status.code == status_code_pb2.SUCCESS
    assert response.status.req_id.startswith("sdk-python-")
    [result] = response.results
    assert [(o.model.id, o.model.model_version.id) for o in result.outputs] == [FOOD, GENERAL]
    assert all(len(o.data.concepts) > 0 for o in result.outputs)


_SDK_SCRIPT = textwrap.dedent("""
    import json, sys
    from clarifai.client.app import App
    from clarifai.client.workflow import Workflow

    user_id, app_id, url = sys.argv[1:4]
    workflow = Workflow(workflow_id="sdk-workflow", user_id=user_id, app_id=app_id)
    response = workflow.predict_by_url(url)  # no input_type: GetWorkflow, GetModel, GetModelType first
    app = App(user_id=user_id, app_id=app_id)
    print(json.dumps({
        "input_types": list(workflow.input_types),
        "code": response.status.code,
        "outputs": [[o.model.id, len(o.data.concepts)] for o in response.results[0].outputs],
        "listed": [w.id for w in app.list_workflows()],
        "versions": len(list(workflow.list_versions())),
    }))
""")


def test_post_workflow_results_sdk_without_input_type_uses_get_model(live_emulator: LiveServer,
                                                                      tmp_path: os.PathLike[str]) -> None:
    app_id = "sdk-" + uuid.uuid4().hex[:8]
    _create_in_app(live_emulator, app_id, "sdk-workflow")
    base = f"http://127.0.0.1:{live_emulator.grpc_port}"
    # HOME points away from any `clarifai login` config so only these variables count (§10)
    env = {**os.environ, "CLARIFAI_API_BASE": base, "CLARIFAI_PAT": PAT, "HOME": str(tmp_path),
           "CLARIFAI_USER_ID": USER_ID}
    journal = live_emulator.emulator.tenant("default").journal
    before = max((e.seq for e in journal.entries()), default=0)
    done = subprocess.run([sys.executable, "-c", _SDK_SCRIPT, USER_ID, app_id, METRO_NORTH], check=False, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["input_types"] == ["image"]
    assert seen["code"] == status_code_pb2.SUCCESS
    assert [o[0] for o in seen["outputs"]] == [FOOD[0], GENERAL[0]] and all(n > 0 for _, n in seen["outputs"])
    assert seen["listed"] == ["sdk-workflow"]
    assert seen["versions"] == 1
    ops = [e.operation for e in journal.entries() if e.seq > before and e.transport == "grpc"]
    # §10: the SDK's own sequence when it has to find out the input type itself
    # (the reference saw GetModel twice with another SDK version; 12.5.0 calls it once)
    first = [op for i, op in enumerate(ops) if i == 0 or ops[i - 1] != op]
    assert first[:4] == ["get_workflow", "get_model", "get_model_type", "post_workflow_results"], ops
