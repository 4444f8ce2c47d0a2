"""The plugin's two system-index mappings (flow-framework src/main/resources/mappings/global-context.json and
workflow-state.json, schema_version 4) and what they make searchable.

Both mappings are `"dynamic": false`: only the fields listed here are indexed. Everything else in
`_source` (`workflows.*`, `user_outputs.*`, the disabled `ui_metadata`) is stored but not searchable, so
a query on it matches nothing and an aggregation sees no values. `version`, `user` and
`resources_created` are `nested`: their fields live in hidden child documents that only a `nested`
query or aggregation reaches. Only `name` (and the `user.*` fields) have a `.keyword` subfield, which
skips strings longer than its `ignore_above` (256).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from emulator.opensearch_flow.errors import STATE_INDEX, TEMPLATES_INDEX

DATE_FORMAT = "strict_date_time||epoch_millis"  # every date field of both mappings


@dataclass(frozen=True)
class Field:
    kind: str  # text | keyword | date | integer
    source: str  # the dotted `_source` path holding the values (a `.keyword` subfield reads its parent)
    nested: str | None = None  # the nested object path the field lives under
    ignore_above: int | None = None


def _text(path: str, nested: str | None = None, keyword: int | None = 0) -> dict[str, Field]:
    out = {path: Field("text", path, nested)}
    if keyword != 0:
        out[f"{path}.keyword"] = Field("keyword", path, nested, keyword)
    return out


def _user() -> dict[str, Field]:
    fields = _text("user.name", "user", 256)
    for sub in ("backend_roles", "roles", "custom_attribute_names"):
        fields.update(_text(f"user.{sub}", "user", None))
    return fields



TEMPLATE_FIELDS: dict[str, Field] = {
    "workflow_id": Field("keyword", "workflow_id"),
    **_text("name", keyword=256),
    **_text("description"),
    "use_case": Field("keyword", "use_case"),
    **_text("version.template", "version"),
    **_text("version.compatibility", "version"),
    **_user(),
    **{k: Field("date", k) for k in ("created_time", "last_updated_time", "last_provisioned_time")},
    "tenant_id": Field("keyword", "tenant_id"),
    "all_shared_principals": Field("keyword", "all_shared_principals"),
}
STATE_FIELDS: dict[str, Field] = {
    "schema_version": Field("integer", "schema_version"),
    "workflow_id": Field("keyword", "workflow_id"),
    **_text("error"),
    "state": Field("keyword", "state"),
    "provisioning_progress": Field("keyword", "provisioning_progress"),
    **{k: Field("date", k) for k in ("provision_start_time", "provision_end_time")},
    **_user(),
    **{f"resources_created.{k}": Field("keyword", f"resources_created.{k}", "resources_created")
       for k in ("workflow_step_name", "workflow_step_id", "resource_type", "resource_id")},
    "tenant_id": Field("keyword", "tenant_id"),
    "all_shared_principals": Field("keyword", "all_shared_principals"),
}


@dataclass(frozen=True)
class Mapping:
    index: str
    fields: dict[str, Field]
    nested: frozenset[str]
    objects: frozenset[str]  # mapped object fields: `workflows`, `ui_metadata`, `user_outputs`

    def field(self, path: str) -> Field | None:
        return self.fields.get(path)

    def kind_of(self, path: str) -> str | None:
        """What a path is in the mapping: a leaf kind, `nested`, `object`, or None when unmapped."""
        f = self.fields.get(path)
        if f is not None:
            return f.kind
        if path in self.nested:
            return "nested"
        if path in self.objects or any(k.startswith(path + ".") for k in self.fields):
            return "object"
        return None

    def under(self, path: str) -> list[str]:
        """The mapped leaf fields below an object or nested path (what `exists` on it expands to)."""
        return [k for k in self.fields if k.startswith(path + ".")]


MAPPINGS = {
    TEMPLATES_INDEX: Mapping(TEMPLATES_INDEX, TEMPLATE_FIELDS, frozenset({"version", "user"}),
                             frozenset({"workflows", "ui_metadata"})),
    STATE_INDEX: Mapping(STATE_INDEX, STATE_FIELDS, frozenset({"resources_created", "user"}),
                         frozenset({"user_outputs"})),
}


def walk(doc: Any, path: str) -> list[Any]:
    """Every value at a dotted `_source` path, flattening arrays as Lucene indexes them."""
    current = [doc]
    for part in path.split(".") if path else []:
        nxt: list[Any] = []
        for c in current:
            if isinstance(c, dict) and part in c:
                v = c[part]
                nxt.extend(v if isinstance(v, list) else [v])
        current = nxt
    return [v for v in current if v is not None]


def children(doc: Any, path: str) -> list[dict[str, Any]]:
    """The nested child documents of `path` (each object of the array is its own hidden document)."""
    return [c for c in walk(doc, path) if isinstance(c, dict)]


Getter = Callable[[Any], list[Any]]


def getter(mapping: Mapping, path: str, nested: str | None) -> Getter | None:
    """How to read a field's indexed values from a document of the current scope (the top document, or
    a nested child of `nested`); None when the field is unmapped or lives in another scope."""
    f = mapping.field(path)
    if f is None or f.nested != nested:
        return None
    source = f.source[len(nested) + 1:] if nested else f.source
    limit = f.ignore_above

    def values(doc: Any) -> list[Any]:
        out = [v for v in walk(doc, source) if not isinstance(v, (dict, list))]
        if f.kind == "keyword":
            out = [_keyword(v) for v in out]
            if limit is not None:
                out = [v for v in out if len(v) <= limit]
        return out
    return values


def _keyword(v: Any) -> str:
    return {True: "true", False: "false"}[v] if isinstance(v, bool) else str(v)
