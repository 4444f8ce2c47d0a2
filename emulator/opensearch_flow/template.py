"""Use-case-agnostic template parsing and rendering as the plugin's `Template`/`Workflow`/`WorkflowNode` do
(reference §4)."""
from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import orjson

from emulator.opensearch_flow import errors
from emulator.opensearch_flow.domain import EdgeDoc, Node, NodeDoc, Template, VersionDoc, WorkflowDoc
from emulator.opensearch_flow.java_collections import hash_order

TEMPLATE_KEYS = ("name", "description", "use_case", "version", "workflows", "ui_metadata")
# accepted (and ignored or overwritten) because the real parser reads its own output format (§4.2)
SERVER_KEYS = ("user", "created_time", "last_updated_time", "last_provisioned_time", "tenant_id",
               "all_shared_principals")
NODE_KEYS = ("id", "type", "previous_node_inputs", "user_inputs")
JSON_STRING_KEYS = ("configurations", "interface", "llm")
_VERSION = re.compile(r"^(\d+)\.(\d+)\.(\d+)(?:-[A-Za-z0-9]+)?$")

# Template.toXContent trims with String.trim() (ff:model/Template.java:352-354): code points <= U+0020 only
JAVA_TRIM = "".join(chr(c) for c in range(33))


def _text(v: Any) -> str:
    """A scalar token's text as the Java parser reads it (numbers and booleans stringified)."""
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return orjson.dumps(v).decode()
    raise errors.template_content_invalid()


def _version(v: Any) -> str:
    m = _VERSION.match(_text(v))
    if not m:
        raise errors.template_content_invalid()
    return ".".join(str(int(g)) for g in m.groups())


def parse_template(obj: Any, *, require_name: bool = True) -> Template:
    """The stored form of a request template; raises the plugin's parse messages (§4.2)."""
    if not isinstance(obj, dict):
        raise errors.template_content_invalid()
    for key in obj:
        if key not in TEMPLATE_KEYS and key not in SERVER_KEYS:
            raise errors.template_unknown_field(key)
    out: Template = {}
    if obj.get("name") is not None:
        out["name"] = _text(obj["name"]).strip(JAVA_TRIM)
    elif require_name:
        raise errors.template_requires_name()
    out["description"] = _trimmed(obj, "description")
    out["use_case"] = _trimmed(obj, "use_case")
    if "version" in obj:
        out["version"] = parse_version(obj["version"])
    workflows = obj.get("workflows")
    if workflows is not None:
        if not isinstance(workflows, dict):
            raise errors.template_content_invalid()
        out["workflows"] = {name: parse_workflow(wf) for name, wf in workflows.items()}
    elif "name" in out:
        out["workflows"] = {}
    ui = obj.get("ui_metadata")
    if ui is not None:
        if not isinstance(ui, dict):
            raise errors.template_content_invalid()
        out["ui_metadata"] = ui
    return out


def _trimmed(obj: dict[str, Any], key: str) -> str:
    return _text(obj[key]).strip(JAVA_TRIM) if obj.get(key) is not None else ""


def parse_version(v: Any) -> VersionDoc:
    if not isinstance(v, dict):
        raise errors.template_content_invalid()
    out: VersionDoc = {}
    for key, value in v.items():
        if key == "template":
            out["template"] = _version(value)
        elif key == "compatibility":
            if not isinstance(value, list):
                raise errors.template_content_invalid()
            out["compatibility"] = [_version(x) for x in value]
        else:
            raise errors.version_unknown_field()
    return out


def parse_workflow(wf: Any) -> WorkflowDoc:
    if not isinstance(wf, dict):
        raise errors.template_content_invalid()
    params = wf.get("user_params") or {}
    if not isinstance(params, dict):
        raise errors.template_content_invalid()
    nodes_in = wf.get("nodes") or []
    edges_in = wf.get("edges") or []
    if not isinstance(nodes_in, list) or not isinstance(edges_in, list):
        raise errors.template_content_invalid()
    nodes = [parse_node(n) for n in nodes_in]
    edges = [parse_edge(e) for e in edges_in]
    if not nodes:
        raise errors.workflow_needs_node()
    # edges are inferred from previous_node_inputs and appended after the explicit ones (§4.2)
    seen = {(e["source"], e["dest"]) for e in edges}
    for n in nodes:
        for source in n["previous_node_inputs"]:
            if (source, n["id"]) not in seen:
                seen.add((source, n["id"]))
                edges.append({"source": source, "dest": n["id"]})
    return {"user_params": {str(k): _text(v) for k, v in params.items()}, "nodes": nodes, "edges": edges}


def parse_edge(e: Any) -> EdgeDoc:
    if not isinstance(e, dict):
        raise errors.template_content_invalid()
    for key in e:
        if key not in ("source", "dest"):
            raise errors.edge_unknown_field(key)
    if e.get("source") is None or e.get("dest") is None:
        raise errors.edge_requires_ends()
    return {"source": _text(e["source"]), "dest": _text(e["dest"])}


def parse_node(n: Any) -> NodeDoc:
    if not isinstance(n, dict):
        raise errors.template_content_invalid()
    for key in n:
        if key not in NODE_KEYS:
            raise errors.node_unknown_field(key)
    if n.get("id") is None or n.get("type") is None:
        raise errors.node_requires_id_type()
    prev = n.get("previous_node_inputs") or {}
    inputs = n.get("user_inputs") or {}
    if not isinstance(prev, dict) or not isinstance(inputs, dict):
        raise errors.template_content_invalid()
    return {"id": _text(n["id"]), "type": _text(n["type"]),
            "previous_node_inputs": {str(k): _text(v) for k, v in prev.items()},
            "user_inputs": {str(k): _user_input(str(k), v) for k, v in inputs.items()}}


def _user_input(key: str, v: Any) -> Any:
    """§4.2 typing table: what GET returns for each user_inputs value."""
    if isinstance(v, (str, bool, int, float)):
        return v
    if isinstance(v, dict):
        if key in JSON_STRING_KEYS:
            try:
                return orjson.dumps(_java_map_order(v)).decode()
            except TypeError:
                raise errors.failed_to_parse_map(key) from None
        if key == "guardrails":
            return v
        return {str(k): _string_map_value(x) for k, x in v.items()}
    if isinstance(v, list):
        if key == "processors":
            return v
        if key == "tools_order":
            return [_text(x) for x in v]
        if not all(isinstance(x, dict) for x in v):
            raise errors.template_content_invalid()
        return [{str(k): _object_map_value(x) for k, x in item.items()} for item in v]
    raise errors.node_unknown_field(key)


def _object_map_value(x: Any) -> Any:
    """One value of `ParseUtils.parseStringToObjectMap` (ParseUtils.java:199-226), which parses each object
    of an array in user_inputs: objects become string maps, arrays become their Java `List.toString()`
    with numbers bare and everything else quoted; `parser.text()` on a nested array, object or null
    throws, which Template.parse reports as invalid content."""
    if isinstance(x, dict):
        return _string_map(x)
    if isinstance(x, list):
        parts = []
        for e in x:
            if isinstance(e, (bool, str)):
                parts.append(f'"{_text(e)}"')
            elif isinstance(e, (int, float)):
                parts.append(str(e) if isinstance(e, int) else _java_double(e))
            else:
                raise errors.template_content_invalid()
        return "[" + ", ".join(parts) + "]"
    return _text(x)


def _java_double(x: float) -> str:
    """`String.valueOf(double)`: plain between 1e-3 and 1e7, else computerized scientific notation."""
    if x == 0 or 1e-3 <= abs(x) < 1e7:
        return repr(x)
    sign, digits, exponent = Decimal(repr(x)).normalize().as_tuple()
    text = "".join(map(str, digits))
    return f"{'-' if sign else ''}{text[0]}.{text[1:] or '0'}E{int(exponent) + len(text) - 1}"


def _java_map_order(v: Any) -> Any:
    """`parser.map()` builds HashMaps (AbstractXContentParser.readMap) and Jsonb writes them in iteration
    order (WorkflowNode.java parse, MAP_FIELDS branch): the JSON string's keys come in Java HashMap order."""
    if isinstance(v, dict):
        keys = {str(k): k for k in v}
        return {k: _java_map_order(v[keys[k]]) for k in hash_order(keys)}
    if isinstance(v, list):
        return [_java_map_order(x) for x in v]
    return v


def _string_map_value(x: Any) -> str:
    if isinstance(x, (dict, list)) or x is None:
        raise errors.template_content_invalid()
    return _text(x)


def _string_map(x: dict[str, Any]) -> dict[str, str]:
    return {str(k): _string_map_value(v) for k, v in x.items()}


def render_template(t: Template, *, strip_credentials: bool = True) -> Template:
    """GET output (§4.4): field order, credentials removed, empties omitted."""
    out: Template = {}
    if "name" in t:
        out["name"] = t["name"]
    if "description" in t:
        out["description"] = t["description"]
    if "use_case" in t:
        out["use_case"] = t["use_case"]
    version = t.get("version", {})
    if version.get("template") is not None or version.get("compatibility"):
        shown: VersionDoc = {}
        if version.get("template"):
            shown["template"] = version["template"]
        if version.get("compatibility"):
            shown["compatibility"] = version["compatibility"]
        out["version"] = shown
    if "workflows" in t:
        out["workflows"] = {name: _render_workflow(wf, strip_credentials) for name, wf in t["workflows"].items()}
    if t.get("ui_metadata"):
        out["ui_metadata"] = t["ui_metadata"]
    if t.get("created_time") is not None:
        out["created_time"] = t["created_time"]
    if t.get("last_updated_time") is not None:
        out["last_updated_time"] = t["last_updated_time"]
    if t.get("last_provisioned_time") is not None:
        out["last_provisioned_time"] = t["last_provisioned_time"]
    return out


def _render_workflow(wf: WorkflowDoc, strip: bool) -> WorkflowDoc:
    nodes: list[NodeDoc] = []
    for n in wf["nodes"]:
        inputs = {k: v for k, v in n["user_inputs"].items() if not (strip and k == "credential")}
        nodes.append({"id": n["id"], "type": n["type"], "previous_node_inputs": dict(n["previous_node_inputs"]),
                      "user_inputs": inputs})
    edges: list[EdgeDoc] = [{"source": e["source"], "dest": e["dest"]} for e in wf["edges"]]
    return {"user_params": dict(wf["user_params"]), "nodes": nodes, "edges": edges}


def node_signature(n: Node) -> tuple[bytes, bytes]:
    """What reprovision compares to decide a node changed (§10.2)."""
    return (orjson.dumps(dict(n.user_inputs), option=orjson.OPT_SORT_KEYS),
            orjson.dumps(dict(n.previous_node_inputs), option=orjson.OPT_SORT_KEYS))
