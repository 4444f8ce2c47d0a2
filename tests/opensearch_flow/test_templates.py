"""Template parsing and GET rendering (reference §4): messages, inferred edges, user_inputs typing, field order."""
from __future__ import annotations

from typing import Any

import pytest

from emulator.opensearch_flow.errors import FlowError
from emulator.opensearch_flow.template import parse_template, render_template
from tests.opensearch_flow.flow_builders import BASE, FlowApi, connector, model, noop, template


def parse_error(obj: Any) -> str:
    with pytest.raises(FlowError) as exc:
        parse_template(obj)
    assert exc.value.status == 400
    return exc.value.message


def test_create_workflow_template_parse_messages() -> None:
    node = {"id": "a", "type": "noop"}
    assert parse_error({"name": "x", "bogus": 1}) == "Unable to parse field [bogus] in a template object."
    assert parse_error({"description": "x"}) == "A template object requires a name."
    assert parse_error({"name": "x", "version": {"templates": "1.0.0"}}) == \
        "Unable to parse field [version] in a version object."
    assert parse_error({"name": "x", "workflows": {"provision": {"nodes": []}}}) == \
        "A workflow must have at least one node."
    assert parse_error({"name": "x", "workflows": {"provision": {"nodes": [node], "edges": [{"source": "a", "to": "b"}]}}}) \
        == "Unable to parse field [to] in an edge object."
    assert parse_error({"name": "x", "workflows": {"provision": {"nodes": [node], "edges": [{"source": "a"}]}}}) == \
        "An edge object requires both a source and dest field."
    assert parse_error({"name": "x", "workflows": {"provision": {"nodes": [{**node, "extra": 1}]}}}) == \
        "Unable to parse field [extra] in a node object."
    assert parse_error({"name": "x", "workflows": {"provision": {"nodes": [{"id": "a"}]}}}) == \
        "An node object requires both an id and type field."
    assert parse_error({"name": "x", "workflows": {"provision": {"nodes": [{**node, "user_inputs": {"k": None}}]}}}) \
        == "Unable to parse field [k] in a node object."
    assert parse_error({"name": "x", "workflows": {"provision": {"nodes": [{**node, "user_inputs": {"k": ["a"]}}]}}}) \
        == "IOException: template content invalid for specified Content-Type."


def test_create_workflow_server_managed_fields_accepted() -> None:
    t = parse_template({"name": " padded ", "created_time": 5, "user": {"name": "u"}, "tenant_id": "x"})
    assert t == {"name": "padded", "description": "", "use_case": "", "workflows": {}}


def test_create_workflow_edges_inferred_after_explicit() -> None:
    t = parse_template({"name": "x", "workflows": {"provision": {
        "nodes": [{"id": "a", "type": "noop"}, {"id": "b", "type": "noop", "previous_node_inputs": {"a": "x"}},
                  {"id": "c", "type": "noop", "previous_node_inputs": {"a": "y", "b": "z"}}],
        "edges": [{"source": "b", "dest": "c"}]}}})
    assert t["workflows"]["provision"]["edges"] == [
        {"source": "b", "dest": "c"}, {"source": "a", "dest": "b"}, {"source": "a", "dest": "c"}]


def test_create_workflow_user_inputs_typing() -> None:
    inputs = {"s": "str", "i": 7, "f": 1.5, "b": True, "configurations": {"settings": {"index.knn": True}},
              "llm": {"model_id": "m", "parameters": {"k": 1}}, "parameters": {"n": 100, "ok": False},
              "tools_order": ["a", "b"], "actions": [{"method": "POST", "headers": {"h": 1}}],
              "processors": [{"text_embedding": {"field_map": {"a": "b"}}}], "credential": {"key": "k"}}
    t = parse_template({"name": "x", "workflows": {"provision": {"nodes": [
        {"id": "a", "type": "noop", "user_inputs": inputs}]}}})
    got = t["workflows"]["provision"]["nodes"][0]["user_inputs"]
    assert got["s"] == "str" and got["i"] == 7 and got["f"] == 1.5 and got["b"] is True
    assert got["configurations"] == '{"settings":{"index.knn":true}}'
    assert got["llm"] == '{"model_id":"m","parameters":{"k":1}}'
    assert got["parameters"] == {"n": "100", "ok": "false"}
    assert got["tools_order"] == ["a", "b"]
    assert got["actions"] == [{"method": "POST", "headers": {"h": "1"}}]
    assert got["processors"] == [{"text_embedding": {"field_map": {"a": "b"}}}]
    assert "credential" not in render_template(t)["workflows"]["provision"]["nodes"][0]["user_inputs"]
    assert got["credential"] == {"key": "k"}  # stored for provisioning, never returned


def test_get_workflow_field_order_and_epoch_millis(flow: FlowApi) -> None:
    body = template(connector(), model(), version={"template": "1.0.0", "compatibility": ["2.12.0", "3.0.0"]},
                    ui_metadata={"type": "basic"})
    wid = flow.create_id(body)
    got = flow.request("GET", f"{BASE}/{wid}").json()
    assert list(got) == ["name", "description", "use_case", "version", "workflows", "ui_metadata", "created_time",
                         "last_updated_time"]
    assert got["version"] == {"template": "1.0.0", "compatibility": ["2.12.0", "3.0.0"]}
    assert isinstance(got["created_time"], int) and got["created_time"] == flow.clock.now_ms()
    assert got["created_time"] == got["last_updated_time"]
    node = got["workflows"]["provision"]["nodes"][0]
    assert list(node) == ["id", "type", "previous_node_inputs", "user_inputs"]
    assert "credential" not in node["user_inputs"]
    wf = got["workflows"]["provision"]
    assert list(wf) == ["user_params", "nodes", "edges"]
    assert wf["edges"] == [{"source": "create_connector_1", "dest": "register_model_1"}]
    flow.provision(wid)
    flow.advance(5)
    assert flow.request("GET", f"{BASE}/{wid}").json()["last_provisioned_time"] == got["created_time"]


def test_get_workflow_name_only_template(flow: FlowApi) -> None:
    wid = flow.create_id({"name": "only"})
    got = flow.request("GET", f"{BASE}/{wid}").json()
    now = flow.clock.now_ms()
    assert got == {"name": "only", "description": "", "use_case": "", "workflows": {}, "created_time": now,
                   "last_updated_time": now}


def test_get_workflow_ignores_request_body_and_search_hides_credentials(flow: FlowApi) -> None:
    wid = flow.create_id(template(connector(), noop("n")))
    hits = flow.request("POST", f"{BASE}/_search", json={"query": {"ids": {"values": [wid]}}}).json()["hits"]["hits"]
    assert "sk-secret" not in str(hits)
    assert hits[0]["_source"]["workflows"]["provision"]["nodes"][0]["user_inputs"]["name"] == "Test connector"
