"""Spec first (DESIGN.md house rule 4): the contracts in openapi/ and the app's routes match one-to-one."""
from __future__ import annotations

import re
from collections import Counter
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from starlette.routing import Route

from emulator.apis import document_path, documents, load_document
from emulator.app import create_app
from emulator.conformance.validator import Contracts, document_for_path
from emulator.settings import Settings

HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


_api_of = document_for_path


def _template(path: str) -> str:
    return re.sub(r"{([^}:]+)(:[^}]*)?}", "{}", path)


@pytest.fixture(scope="module")
def routes() -> list[Route]:
    app = create_app(Settings(grpc_enabled=False, clock="manual", seed=7))
    return [r for r in app.routes if isinstance(r, Route)]


def _document(name: str) -> dict[str, Any]:
    if not document_path(name).is_file():
        pytest.skip(f"{document_path(name).name} not written yet")
    return load_document(name)


def _operations(doc: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(op["operationId"], method.upper(), path)
            for path, item in doc["paths"].items()
            for method, op in item.items() if method in HTTP_METHODS]


@pytest.mark.parametrize("name", sorted(documents()))
def test_spec_document_is_valid_openapi_3_1(name: str) -> None:
    doc = _document(name)
    assert str(doc["openapi"]).startswith("3.1"), doc["openapi"]
    for schema in (doc.get("components", {}).get("schemas") or {}).values():
        Draft202012Validator.check_schema(schema)
    ops = _operations(doc)
    ids = Counter(oid for oid, _, _ in ops)
    assert [oid for oid, n in ids.items() if n > 1] == []
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method not in HTTP_METHODS:
                continue
            declared = {p["name"] for p in item.get("parameters", []) + op.get("parameters", [])
                        if "name" in p} | {_ref_name(doc, p) for p in item.get("parameters", []) +
                                           op.get("parameters", []) if "$ref" in p}
            for param in re.findall(r"{([^}]+)}", path):
                assert param in declared, f"{op['operationId']}: path parameter {param} not declared"
            assert op.get("responses"), op["operationId"]


def _ref_name(doc: dict[str, Any], param: dict[str, Any]) -> str:
    node: Any = doc
    for part in param["$ref"][2:].split("/"):
        node = node[part]
    return str(node["name"])


@pytest.mark.parametrize("name", sorted(documents()))
def test_every_operation_has_exactly_one_route_named_after_its_operation_id(
        name: str, routes: list[Route]) -> None:
    doc = _document(name)
    names = Counter(r.name for r in routes if _api_of(r.path) == name)
    missing = [oid for oid, _, _ in _operations(doc) if names[oid] == 0]
    duplicated = [oid for oid, _, _ in _operations(doc) if names[oid] > 1]
    assert missing == [], f"operations without a route in {name}"
    assert duplicated == [], f"operations with several routes in {name}"


@pytest.mark.parametrize("name", sorted(documents()))
def test_every_route_has_an_operation_with_its_method_and_path(name: str, routes: list[Route]) -> None:
    doc = _document(name)
    spec = {oid: (method, _template(path)) for oid, method, path in _operations(doc)}
    undocumented = []
    mismatched = []
    for r in routes:
        if _api_of(r.path) != name:
            continue
        if r.name not in spec:
            undocumented.append(f"{sorted(r.methods or [])} {r.path} ({r.name})")
            continue
        method, path = spec[r.name]
        if method not in (r.methods or set()) or path != _template(r.path):
            mismatched.append(f"{r.name}: route {sorted(r.methods or [])} {r.path} vs spec {method} {path}")
    assert undocumented == []
    assert mismatched == []


def test_contract_validator_rejects_a_body_missing_a_required_field() -> None:
    contracts = Contracts(("opensearch-flow-framework",))
    assert contracts.check("opensearch-flow-framework", "create_workflow", 201, b'{"workflow_id":"abc"}') == []
    assert contracts.check("opensearch-flow-framework", "create_workflow", 201, b'{"id":"abc"}') != []
    assert contracts.check("opensearch-flow-framework", "get_workflow", 418, b"{}")[0].startswith("get_workflow: status 418 is not documented")
    assert contracts.check("opensearch-flow-framework", "get_workflow", 404, b'{"error":"x","extra":1}') != []


def test_contract_validator_accepts_both_flow_error_shapes() -> None:
    contracts = Contracts(("opensearch-flow-framework",))
    core = (b'{"error":{"root_cause":[{"type":"t","reason":"r"}],"type":"t","reason":"r"},"status":400}')
    assert contracts.check("opensearch-flow-framework", "get_workflow", 400, core) == []
    assert contracts.check("opensearch-flow-framework", "get_workflow", 404, b'{"error":"Failed to retrieve template (x) from global context."}') == []
    assert contracts.check("opensearch-flow-framework", "get_workflow", 404, b'{"message":"nope"}') != []


def test_get_openapi_document_serves_yaml_and_json() -> None:
    from starlette.testclient import TestClient

    with TestClient(create_app(Settings(grpc_enabled=False, clock="manual"))) as c:
        r = c.get("/_emulator/openapi/opensearch-flow-framework.yaml")
        assert r.status_code == 200 and r.headers["content-type"].startswith("application/yaml")
        assert b"operationId: create_workflow" in r.content
        j = c.get("/_emulator/openapi/clarifai-workflows.json")
        assert j.status_code == 200 and j.json()["openapi"].startswith("3.1")
        missing = c.get("/_emulator/openapi/nope.yaml")
        assert missing.status_code == 404 and "no such contract [nope.yaml]" in missing.json()["error"]


def _examples(media: dict[str, Any]) -> list[Any]:
    found = [media["example"]] if "example" in media else []
    return found + [e["value"] for e in (media.get("examples") or {}).values() if "value" in e]


@pytest.mark.parametrize("name", sorted(documents()))
def test_spec_examples_match_their_schemas(name: str) -> None:
    """Every request and response example of a contract is valid against its own schema."""
    doc = _document(name)
    contracts = Contracts((name,))
    uri = f"urn:workflow-emulator:{name}"
    bad: list[str] = []
    checked = 0
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method not in HTTP_METHODS:
                continue
            targets: list[tuple[str, dict[str, Any]]] = []
            body = op.get("requestBody")
            if body is not None:
                pointer = f"/paths/{_escape(path)}/{method}/requestBody"
                if "$ref" in body:
                    pointer = body["$ref"][1:]
                    body = contracts._resolve(name, pointer)
                targets.append((pointer, body))
            for status in op.get("responses", {}):
                found = contracts.response_spec(contracts.operations[(name, op["operationId"])], int(status))
                if found is not None:
                    targets.append(found)
            for pointer, obj in targets:
                media = (obj.get("content") or {}).get("application/json")
                if not media or "schema" not in media:
                    continue
                ref = {"$ref": f"{uri}#{pointer}/content/application~1json/schema"}
                validator = Draft202012Validator(ref, registry=contracts.registry)
                for example in _examples(media):
                    checked += 1
                    bad += [f"{op['operationId']} {pointer}: {e.message[:200]}" for e in validator.iter_errors(example)]
    assert sorted(set(bad)) == []
    assert checked >= 5, f"only {checked} examples in {name}"


def _escape(path: str) -> str:
    return path.replace("~", "~0").replace("/", "~1")


@pytest.mark.parametrize(("name", "method", "path", "status"), [
    ("opensearch-flow-framework", "GET", "/_plugins/_flow_framework/workflow/abc", 503),
    ("opensearch-flow-framework", "POST", "/_plugins/_flow_framework/workflow/_search", 429),
    ("clarifai-workflows", "GET", "/v2/workflows", 503),
    ("clarifai-workflows", "POST", "/v2/workflows/wf/results", 429),
])
def test_injected_http_faults_render_in_the_apis_error_shape(name: str, method: str, path: str, status: int) -> None:
    """A fault may answer a status the contract does not list, but always in the API's own error shape."""
    from starlette.testclient import TestClient

    fault = f'{{"type": "error", "status": {status}, "message": "injected"}}'
    with TestClient(create_app(Settings(grpc_enabled=False, clock="manual"))) as c:
        r = c.request(method, path, headers={"x-emulator-fault": fault, "Authorization": "Key test-pat"})
    assert r.status_code == status
    contracts = Contracts((name,))
    # validate against the API's generic error schema
    schema = "FlowError" if name == "opensearch-flow-framework" else "ErrorResponse"
    validator = Draft202012Validator({"$ref": f"urn:workflow-emulator:{name}#/components/schemas/{schema}"},
                                     registry=contracts.registry)
    assert [e.message for e in validator.iter_errors(r.json())] == []
