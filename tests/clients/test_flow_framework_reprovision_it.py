"""The flow-framework plugin's REST integration tests of reprovisioning, ported to opensearch-py against a
live emulator: an updated template with ?reprovision=true adds nodes at the end or in the middle and
updates a node in place; no change and a deleted node are refused.

Each test names the Java test it ports (src/test/java/org/opensearch/flowframework/rest/
FlowFrameworkRestApiIT.java). Every assertion a REST client can observe is kept: statuses, states,
messages, resource lists. What needs an API the emulator does not serve (core's GET _ingest/pipeline
and index settings) is checked through the emulator's own cluster model instead, and marked so.
"""
from __future__ import annotations

from typing import Any

from tests.clients.flow_it_support import Cluster, _deprovision_to_not_started, by_step
from tests.clients.flow_it_templates import (
    remote_model,
    remote_model_index,
    remote_model_pipeline,
    remote_model_pipeline_index,
    remote_model_pipeline_update_index,
)


def default_pipeline(it: Cluster, index: str) -> Any:
    """getIndexSettingsAsMap(index)["index.default_pipeline"]: core's GET <index>/_settings, read from the
    emulator's cluster model (flat `index.` keys, as OpenSearch normalises them)."""
    settings = it.cluster.indices[index]["settings"]
    flat = settings.get("index", settings)
    return flat.get("default_pipeline", flat.get("index.default_pipeline"))


def _reprovision(it: Cluster, wid: str, body: dict[str, Any]) -> None:
    it.advancing(lambda: it.ff.update(workflow_id=wid, body=body, params={"reprovision": "true"}))
    assert it.status == 202


def test_reprovision_workflow(it: Cluster) -> None:
    # FlowFrameworkRestApiIT.testReprovisionWorkflow
    wid = it.create(remote_model(), provision="true")
    assert it.status == 202
    created = it.resources(wid, 120)
    assert len(created) == 3 and {"create_connector", "register_remote_model"} <= set(by_step(created))
    _reprovision(it, wid, remote_model_pipeline())
    created = it.resources(wid)
    assert len(created) == 4
    steps = by_step(created)
    assert {"create_connector", "register_remote_model", "create_ingest_pipeline"} <= set(steps)
    model_id, pipeline_id = steps["register_remote_model"]["resource_id"], steps["create_ingest_pipeline"]["resource_id"]
    # getPipelines(pipelineId) is core's GET _ingest/pipeline: the emulator's cluster model holds it
    assert model_id in str(it.cluster.ingest_pipelines[pipeline_id])
    _reprovision(it, wid, remote_model_pipeline_index())
    steps = by_step(created := it.resources(wid))
    assert len(created) == 5 and "create_index" in steps
    index_name = steps["create_index"]["resource_id"]
    assert default_pipeline(it, index_name) == pipeline_id
    _reprovision(it, wid, remote_model_pipeline_update_index())
    assert len(it.resources(wid)) == 5  # updating a node keeps the resource count
    assert default_pipeline(it, index_name) == "_none"
    _deprovision_to_not_started(it, wid, allow_delete=f"{pipeline_id},{index_name}")
    it.ff.delete(workflow_id=wid)
    assert it.status == 200


def test_reprovision_workflow_mid_node_addition(it: Cluster) -> None:
    # FlowFrameworkRestApiIT.testReprovisionWorkflowMidNodeAddition
    wid = it.create(remote_model_index(), provision="true")
    assert it.status == 202
    created = it.resources(wid, 120)
    assert len(created) == 4 and {"create_connector", "register_remote_model", "create_index"} <= set(by_step(created))
    _reprovision(it, wid, remote_model_pipeline_index())
    steps = by_step(created := it.resources(wid))
    assert len(created) == 5
    assert {"create_connector", "register_remote_model", "create_ingest_pipeline", "create_index"} <= set(steps)
    model_id, pipeline_id = steps["register_remote_model"]["resource_id"], steps["create_ingest_pipeline"]["resource_id"]
    assert model_id in str(it.cluster.ingest_pipelines[pipeline_id])
    index_name = steps["create_index"]["resource_id"]
    assert default_pipeline(it, index_name) == pipeline_id
    _deprovision_to_not_started(it, wid, allow_delete=f"{pipeline_id},{index_name}")
    it.ff.delete(workflow_id=wid)
    assert it.status == 200


def test_reprovision_with_no_change(it: Cluster) -> None:
    # FlowFrameworkRestApiIT.testReprovisionWithNoChange
    wid = it.create(remote_model_pipeline_index(), provision="true")
    assert it.status == 202
    it.resources(wid, 120)
    err = it.fails(lambda: it.ff.update(workflow_id=wid, body=remote_model_pipeline_index(),
                                        params={"reprovision": "true"}))
    assert err.status_code == 400 and "Template does not contain any modifications" in str(err.info)
    _deprovision_to_not_started(it, wid, allow_delete="nlp-ingest-pipeline,my-nlp-index")
    it.ff.delete(workflow_id=wid)
    assert it.status == 200


def test_reprovision_with_deletion(it: Cluster) -> None:
    # FlowFrameworkRestApiIT.testReprovisionWithDeletion
    wid = it.create(remote_model_pipeline_index(), provision="true")
    assert it.status == 202
    it.resources(wid, 120)
    err = it.fails(lambda: it.ff.update(workflow_id=wid, body=remote_model_index(), params={"reprovision": "true"}))
    assert err.status_code == 400
    assert "Workflow Step deletion is not supported when reprovisioning a template." in str(err.info)
    _deprovision_to_not_started(it, wid, allow_delete="nlp-ingest-pipeline,my-nlp-index")
    it.ff.delete(workflow_id=wid)
    assert it.status == 200
