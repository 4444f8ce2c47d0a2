"""The flow-framework plugin's REST integration tests of templates, ported to opensearch-py against a live
emulator: search, update (whole and by fields), the cycle check of create's validation, timestamps,
and CRUD with the x-tenant-id header while multi-tenancy is off.

Each test names the Java test it ports (src/test/java/org/opensearch/flowframework/rest/
FlowFrameworkRestApiIT.java, RestWorkflowTenantAwareIT.java). Every assertion a REST client can
observe is kept: statuses, states, messages, search hits. Provisioning is ported in
test_flow_framework_provision_it.py, reprovisioning in test_flow_framework_reprovision_it.py; the
harness is tests/clients/flow_it_support.py, the fixtures tests/clients/conftest.py.
"""
from __future__ import annotations

from opensearchpy import OpenSearch

from emulator.testing import LiveServer
from tests.clients.flow_it_support import Cluster, RecordingConnection
from tests.clients.flow_it_templates import connector_model_deploy_agent, noop


def test_search_workflows(it: Cluster) -> None:
    # FlowFrameworkRestApiIT.testSearchWorkflows
    wid = it.create(connector_model_deploy_agent())
    assert it.status == 201
    hits = it.ff.search(body={"query": {"ids": {"values": [wid]}}})["hits"]
    assert hits["total"]["value"] == 1


def test_failed_update_workflow(it: Cluster) -> None:
    # FlowFrameworkRestApiIT.testFailedUpdateWorkflow
    it.create(connector_model_deploy_agent())
    err = it.fails(lambda: it.ff.update(workflow_id="123", body=connector_model_deploy_agent()))
    assert "Failed to retrieve template (123) from global context." in str(err.info)
    wid = it.create(connector_model_deploy_agent())
    assert it.status == 201
    it.ff.provision(workflow_id=wid)
    assert it.status == 202
    it.assert_state(wid, "PROVISIONING", "IN_PROGRESS")
    err = it.fails(lambda: it.ff.update(workflow_id=wid, body=connector_model_deploy_agent()))
    assert "The template can not be updated unless its provisioning state is NOT_STARTED" in str(err.info)


def test_update_workflow_using_fields(it: Cluster) -> None:
    # FlowFrameworkRestApiIT.testUpdateWorkflowUsingFields
    wid = it.create(connector_model_deploy_agent())
    it.ff.provision(workflow_id=wid)
    assert it.status == 202
    it.assert_state(wid, "PROVISIONING", "IN_PROGRESS")
    err = it.fails(lambda: it.ff.update(workflow_id=wid, body={"workflows": {}}, params={"update_fields": "true"}))
    assert err.info == {"error": "You can not update the field [workflows] without updating the whole template."}
    it.ff.update(workflow_id=wid, body={"name": "foo", "description": "bar"}, params={"update_fields": "true"})
    assert it.status == 201
    got = it.ff.get(workflow_id=wid)
    assert it.status == 200 and (got["name"], got["description"]) == ("foo", "bar")


def test_create_and_provision_cyclical_template(it: Cluster) -> None:
    # FlowFrameworkRestApiIT.testCreateAndProvisionCyclicalTemplate (createWorkflowValidation: ?validation=all)
    cyclic = connector_model_deploy_agent()
    cyclic["workflows"]["provision"]["edges"] = [{"source": "workflow_step_2", "dest": "workflow_step_3"},
                                                 {"source": "workflow_step_3", "dest": "workflow_step_2"}]
    for node in cyclic["workflows"]["provision"]["nodes"]:
        node.pop("previous_node_inputs", None)
    err = it.fails(lambda: it.ff.create(body=cyclic, params={"validation": "all"}))
    message = str(err.info)
    assert "Cycle detected" in message
    assert "workflow_step_2->workflow_step_3" in message and "workflow_step_3->workflow_step_2" in message


def test_timestamps(it: Cluster) -> None:
    # FlowFrameworkRestApiIT.testTimestamps
    wid = it.create(noop())
    t = it.ff.get(workflow_id=wid)
    assert it.status == 200
    created, updated = t["created_time"], t["last_updated_time"]
    assert created == updated and "last_provisioned_time" not in t
    it.advance(1)
    it.ff.update(workflow_id=wid, body=noop())
    assert it.status == 201
    t = it.ff.get(workflow_id=wid)
    assert t["created_time"] == created and t["last_updated_time"] > updated
    updated = t["last_updated_time"]
    assert "last_provisioned_time" not in t
    it.advance(1)
    it.ff.provision(workflow_id=wid)
    assert it.status == 202
    t = it.ff.get(workflow_id=wid)
    assert (t["created_time"], t["last_updated_time"]) == (created, updated)
    assert t["last_provisioned_time"] > updated
    it.ff.delete(workflow_id=wid)
    assert it.status == 200


def test_workflow_crud_tenant_aware_with_multi_tenancy_off(server: LiveServer) -> None:
    # RestWorkflowTenantAwareIT.testWorkflowCRUD, its `multiTenancyEnabled == false` branch: the x-tenant-id
    # header changes nothing, no tenant_id is stored, every caller sees and edits every workflow
    tenant, other, anonymous = (Cluster(server, **{"x-tenant-id": "123:abc"}),
                                Cluster(server, **{"x-tenant-id": "other:tenant"}), Cluster(server))
    other.tenant = anonymous.tenant = tenant.tenant  # one emulator tenant seen with three x-tenant-id headers
    for c in (other, anonymous):
        c.client = OpenSearch(hosts=[server.url], max_retries=0, timeout=30, connection_class=RecordingConnection,
                              headers={"x-emulator-tenant": tenant.tenant,
                                       **({"x-tenant-id": "other:tenant"} if c is other else {})})
        c.ff = c.client.plugins.flow_framework
    wid = tenant.create(noop())
    for c in (tenant, other, anonymous):
        got = c.ff.get(workflow_id=wid)
        assert c.status == 200 and got["name"] == "noop" and "tenant_id" not in got
    for c, name in ((tenant, "Updated name"), (other, "Other tenant name"), (anonymous, "Null tenant name")):
        assert c.ff.update(workflow_id=wid, body={"name": name}) == {"workflow_id": wid}
        assert 200 <= c.status < 300
        assert tenant.ff.get(workflow_id=wid)["name"] == name
    other_wid = other.create(noop())
    assert other.ff.get(workflow_id=other_wid)["name"] == "noop"
    for c in (tenant, other, anonymous):
        hits = c.client.transport.perform_request("GET", "/_plugins/_flow_framework/workflow/_search",
                                                  body={"query": {"match_all": {}}})["hits"]
        assert hits["total"]["value"] == 2
        assert [h["_source"].get("tenant_id") for h in hits["hits"]] == [None, None]
    for c, gone in ((tenant, wid), (other, other_wid)):
        assert c.ff.delete(workflow_id=gone)["_id"] == gone and c.status == 200
        err = c.fails(lambda c=c, gone=gone: c.ff.get(workflow_id=gone))  # type: ignore[misc]
        assert (err.status_code, err.info) == (404, {
            "error": f"Failed to retrieve template ({gone}) from global context."})
