"""The gRPC door over TLS (reference clarifai-workflows.md §10): clarifai-grpc's `get_grpc_channel` with
`root_certificates_path` and the `clarifai` SDK with an `https://` base reach the emulator when it is
given a certificate whose SAN matches the host."""
from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator

import pytest
from clarifai_grpc.channel.clarifai_channel import ClarifaiChannel
from clarifai_grpc.grpc.api import service_pb2_grpc
from clarifai_grpc.grpc.api.status import status_code_pb2

from emulator.settings import Settings
from emulator.testing import LiveServer
from tests.clients import clarifai_examples as ex
from tests.clients.clarifai_grpc_support import PAT

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    out = tmp_path_factory.mktemp("tls")
    cert, key = out / "cert.pem", out / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                   check=True, capture_output=True, timeout=60)
    return str(cert), str(key)


@pytest.fixture(scope="module")
def tls_server(certificate: tuple[str, str]) -> Iterator[LiveServer]:
    cert, key = certificate
    with LiveServer(Settings(grpc_tls_cert_file=cert, grpc_tls_key_file=key)) as server:
        yield server


def test_post_workflow_results_grpc_over_tls(tls_server: LiveServer, certificate: tuple[str, str],
                                             tenant_id: str) -> None:
    channel = ClarifaiChannel.get_grpc_channel(base=f"127.0.0.1:{tls_server.grpc_port}",
                                               root_certificates_path=certificate[0])
    stub = service_pb2_grpc.V2Stub(channel)
    metadata = (("authorization", "Key " + PAT), ("x-emulator-tenant", tenant_id))
    assert stub.PostWorkflows(ex.create_workflow(), metadata=metadata).status.code == status_code_pb2.SUCCESS
    predicted = stub.PostWorkflowResults(ex.predict_url(), metadata=metadata)
    assert predicted.status.code == status_code_pb2.SUCCESS
    assert [o.model.id for o in predicted.results[0].outputs] == [ex.FOOD[1], ex.GENERAL[1]]


def test_post_workflow_results_sdk_https_base_over_tls(tls_server: LiveServer,
                                                       certificate: tuple[str, str]) -> None:
    from clarifai.client.workflow import Workflow

    stub = service_pb2_grpc.V2Stub(ClarifaiChannel.get_grpc_channel(
        base=f"127.0.0.1:{tls_server.grpc_port}", root_certificates_path=certificate[0]))
    app = ex.user_app("emulator-user", "tls-app")
    created = stub.PostWorkflows(ex.create_workflow(app=app), metadata=(("authorization", "Key " + PAT),))
    assert created.status.code == status_code_pb2.SUCCESS
    workflow = Workflow(workflow_id=ex.WORKFLOW_ID, user_id="emulator-user", app_id="tls-app", pat=PAT,
                        base_url=f"https://127.0.0.1:{tls_server.grpc_port}",
                        root_certificates_path=certificate[0])
    response = workflow.predict_by_url(ex.METRO_NORTH, input_type="image")
    assert response.status.code == status_code_pb2.SUCCESS
    assert len(response.results[0].outputs) == 2
