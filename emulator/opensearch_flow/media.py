"""The response media type OpenSearch's REST channel picks, and YAML rendering (reference §1.1).

`AbstractRestChannel.newBuilder`: the `format` parameter wins, then the `Accept` header, then the
request body's own content type; JSON when none of them names a known type. Of the types
OpenSearch can answer, the emulator writes JSON and YAML; CBOR and Smile answer JSON.
YAML looks like Jackson's YAMLGenerator output: a `---` document start, field names plain,
string values double-quoted.
"""
from __future__ import annotations

from typing import Any

import orjson
import yaml
from starlette.requests import Request

JSON_MEDIA = "application/json; charset=UTF-8"
YAML_MEDIA = "application/yaml"
_YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml")


def response_format(request: Request) -> str:
    """"json" or "yaml" for this request's answers."""
    fmt = request.query_params.get("format")
    if fmt:
        if fmt.lower() == "yaml":
            return "yaml"
        if fmt.lower() in ("json", "cbor", "smile"):
            return "json"
    for header in ("accept", "content-type"):
        value = request.headers.get(header, "").split(";")[0].strip().lower()
        if value in _YAML_TYPES:
            return "yaml"
        if value in ("application/json", "application/cbor", "application/smile", "application/vnd.opensearch+json"):
            return "json"
        if header == "content-type" and request.method in ("GET", "DELETE", "HEAD"):
            break  # no body: its content type says nothing
    return "json"


def render(body: Any, fmt: str, pretty: bool = False) -> tuple[bytes, str]:
    if fmt == "yaml":
        text = yaml.dump(body, Dumper=_Dumper, explicit_start=True, sort_keys=False, default_flow_style=False,
                         allow_unicode=True, width=10_000)
        return text.encode(), YAML_MEDIA
    return orjson.dumps(body, option=orjson.OPT_INDENT_2 if pretty else 0), JSON_MEDIA


class _Dumper(yaml.SafeDumper):
    pass


def _string(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style='"')


def _mapping(dumper: yaml.SafeDumper, data: dict[Any, Any]) -> yaml.Node:
    pairs = [(yaml.ScalarNode("tag:yaml.org,2002:str", str(k)), dumper.represent_data(v)) for k, v in data.items()]
    return yaml.MappingNode("tag:yaml.org,2002:map", pairs, flow_style=not pairs)


_Dumper.add_representer(str, _string)
_Dumper.add_representer(dict, _mapping)
