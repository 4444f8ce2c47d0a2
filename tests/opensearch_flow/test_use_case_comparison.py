"""The use-case comparison test (#13 item 1): every `?use_case=` as GET returns it, field by field, against
facts recorded from the plugin's own files.

`use_case_facts.json` was written by tools/record_use_case_facts.py straight from flow-framework's git
tag 3.7.0.0 (DefaultUseCases.java, defaults/*.json, substitutionTemplates/*.json, plain string
replacement): it does not go through the emulator's vendored copies or its substitution code. Here
the recorded template is turned into what `GET` prints (the WorkflowNode typing rules: maps under
`configurations`/`llm`/`interface` as JSON strings, other maps with string values, inferred edges,
credentials removed) and compared path by path with the emulator's answer.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from emulator.opensearch_flow.releases import parse_version
from emulator.opensearch_flow.use_cases import catalog_for
from tests.opensearch_flow.flow_builders import BASE, FlowApi

FACTS = json.loads((Path(__file__).parent / "use_case_facts.json").read_text())
CASES: dict[str, Any] = FACTS["use_cases"]
JSON_STRING_KEYS = ("configurations", "llm", "interface")
_JAVA_TRIM = "".join(chr(c) for c in range(33))  # String.trim(): every char <= U+0020


def _text(v: Any) -> str:
    return ("true" if v else "false") if isinstance(v, bool) else str(v)


def _expected_input(key: str, v: Any) -> Any:
    """WorkflowNode.parse (ff:model/WorkflowNode.java) typing of one user_inputs value, as GET prints it."""
    if isinstance(v, dict):
        if key in JSON_STRING_KEYS:
            return ("json", v)
        return {k: _text(x) for k, x in v.items()}
    if isinstance(v, list) and key not in ("processors", "tools_order"):
        return [{k: ({a: _text(b) for a, b in x.items()} if isinstance(x, dict) else _text(x))
                 for k, x in item.items()} for item in v]
    return v


def _expected_get(template: dict[str, Any]) -> dict[str, Any]:
    # Template.toXContent trims name, description and use_case (ff:model/Template.java:352-354)
    out: dict[str, Any] = {k: template[k].strip(_JAVA_TRIM) for k in ("name", "description", "use_case")}
    out.update(version=template["version"], workflows={})
    for wf_name, wf in template["workflows"].items():
        nodes, edges = [], [dict(e) for e in wf.get("edges", [])]
        for n in wf["nodes"]:
            prev = n.get("previous_node_inputs", {})
            nodes.append({"id": n["id"], "type": n["type"], "previous_node_inputs": prev,
                          "user_inputs": {k: _expected_input(k, v) for k, v in n.get("user_inputs", {}).items()}})
            for source in prev:  # Workflow.parse infers an edge per previous node input
                if {"source": source, "dest": n["id"]} not in edges:
                    edges.append({"source": source, "dest": n["id"]})
        out["workflows"][wf_name] = {"user_params": wf.get("user_params", {}), "nodes": nodes, "edges": edges}
    return out


def _diff(expected: Any, got: Any, path: str, out: list[str]) -> None:
    if isinstance(expected, tuple) and expected[0] == "json":
        if not isinstance(got, str):
            out.append(f"{path}: expected a JSON string, got {got!r}")
            return
        _diff(expected[1], json.loads(got), path + "<json>", out)
    elif isinstance(expected, dict) and isinstance(got, dict):
        for k in sorted(set(expected) | set(got)):
            if k not in got:
                out.append(f"{path}.{k}: missing")
            elif k not in expected:
                out.append(f"{path}.{k}: unexpected {got[k]!r}")
            else:
                _diff(expected[k], got[k], f"{path}.{k}", out)
    elif isinstance(expected, list) and isinstance(got, list) and len(expected) == len(got):
        for i, (e, g) in enumerate(zip(expected, got, strict=False)):
            _diff(e, g, f"{path}[{i}]", out)
    elif expected != got or type(expected) is not type(got):
        out.append(f"{path}: expected {expected!r}, got {got!r}")


SECRET = "sk-comparison-secret"


def _required_body(name: str) -> dict[str, str]:
    """The defaults' own values for required ids (so the facts apply), a secret for every credential."""
    return {p: SECRET if ".credential." in p else CASES[name]["defaults"][p] for p in CASES[name]["required"]}


def test_create_workflow_use_case_catalogue_matches_the_plugin() -> None:
    catalog = catalog_for(parse_version("3.7.0"))
    assert catalog is not None
    assert list(catalog.use_cases) == list(CASES)
    for name, facts in CASES.items():
        use_case = catalog.use_cases[name]
        assert list(use_case.required) == facts["required"], name
        assert catalog.defaults(use_case) == facts["defaults"], name


@pytest.mark.parametrize("name", sorted(CASES))
def test_create_workflow_use_case_renders_as_the_plugin(name: str, flow: FlowApi) -> None:
    # validation=none: the two OpenAI use cases fail the 3.7 name check (test_use_cases.py shows it)
    r = flow.request("POST", BASE, params={"use_case": name, "validation": "none"}, json=_required_body(name))
    assert r.status_code == 201, r.text
    got = flow.request("GET", f"{BASE}/{r.json()['workflow_id']}").json()
    got.pop("created_time")
    got.pop("last_updated_time")
    mismatches: list[str] = []
    _diff(_expected_get(CASES[name]["template"]), got, name, mismatches)
    assert mismatches == []
    assert SECRET not in r.text + json.dumps(got)
