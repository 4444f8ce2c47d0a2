"""Search aggregations over the plugin's index mappings: terms, cardinality, value_count, min, max, filter, nested.

Aggregations read the same indexed values as queries (mappings.py): unmapped fields have none, text
fields refuse (no fielddata), nested fields are reached through a `nested` aggregation. The results
have OpenSearch's standard shapes (`buckets` with `key`/`doc_count`, `value`, `value_as_string` for
dates). Whether the plugin can answer them at all depends on the release (releases.py
`search_response_reparsed`).
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from emulator.opensearch_flow.core_errors import query_shard, search_illegal, search_parse
from emulator.opensearch_flow.mappings import Mapping, children, getter

METRICS = ("cardinality", "value_count", "min", "max")
BUCKETS = ("terms", "filter", "nested")
Matcher = Callable[[dict[str, Any]], bool]
CompileAt = Callable[[Any, "str | None"], Matcher]  # compile a query for documents of a nested scope


def fielddata_disabled(field_name: str) -> str:
    return ("Text fields are not optimised for operations that require per-document field data like aggregations "
            "and sorting, so these operations are disabled by default. Please use a keyword field instead. "
            f"Alternatively, set fielddata=true on [{field_name}] in order to load field data by uninverting the "
            "inverted index. Note that this can use significant memory.")


@dataclass
class Agg:
    name: str
    kind: str
    spec: dict[str, Any]
    nested: str | None  # the nested scope the aggregation reads documents of
    subs: list[Agg] = field(default_factory=list)
    matcher: Matcher | None = None  # `filter`


def parse(body: dict[str, Any], compile_at: CompileAt, mapping: Mapping) -> list[Agg] | None:
    """The request's `aggs` (or `aggregations`), validated against the mapping; None without any."""
    keys = [k for k in body if k in ("aggs", "aggregations")]
    if not keys:
        return None
    raw = body[keys[-1]]  # SearchSourceBuilder.parseXContent keeps the last of the two spellings
    if not isinstance(raw, dict):
        # anything but an object under the key is not an aggregations section at all
        token = ("VALUE_NULL" if raw is None else "START_ARRAY" if isinstance(raw, list) else "VALUE_STRING"
                 if isinstance(raw, str) else "VALUE_BOOLEAN" if isinstance(raw, bool) else "VALUE_NUMBER")
        raise search_parse(f"Unknown key for a {token} in [{keys[-1]}].")
    return _parse_level(raw, compile_at, mapping, None)


def _parse_level(raw: Any, compile_at: CompileAt, mapping: Mapping, nested: str | None) -> list[Agg]:
    if not isinstance(raw, dict):
        raise search_parse("Unexpected token in aggregations")
    out = []
    for name, definition in raw.items():
        if re.search(r"[\[\]>]", name):
            raise search_parse(f"Invalid aggregation name [{name}]. Aggregation names can contain any "
                                      "character except '[', ']', and '>'")
        if not isinstance(definition, dict):
            raise search_parse(f"Expected [START_OBJECT] under [{name}], but got a [VALUE_STRING] in [{name}]")
        kinds = [k for k in definition if k not in ("aggs", "aggregations", "meta")]
        if not kinds:
            raise search_parse(f"Missing definition for aggregation [{name}]")
        if len(kinds) > 1:
            raise search_parse(f"Found two aggregation type definitions in [{name}]: [{kinds[0]}] and "
                                      f"[{kinds[1]}]")
        kind, spec = kinds[0], definition[kinds[0]]
        if kind not in METRICS and kind not in BUCKETS:
            raise search_parse(f"Unknown aggregation type [{kind}]")
        if not isinstance(spec, dict):
            raise search_parse(f"Expected [START_OBJECT] under [{kind}], but got a [VALUE_STRING] in [{name}]")
        agg = Agg(name, kind, spec, nested)
        if kind == "filter":
            agg.matcher = compile_at(spec, nested)
        sub_raw = definition.get("aggs", definition.get("aggregations"))
        if sub_raw is not None:
            if kind in METRICS:
                raise search_illegal(f"Aggregator [{name}] of type [{kind}] cannot accept sub-aggregations")
            inner = _nested_path(spec, mapping) if kind == "nested" else nested
            agg.subs = _parse_level(sub_raw, compile_at, mapping, inner)
        elif kind == "nested":
            _nested_path(spec, mapping)
        if kind in METRICS or kind == "terms":
            _check_field(agg, mapping)
        out.append(agg)
    return out


def _nested_path(spec: dict[str, Any], mapping: Mapping) -> str:
    path = spec.get("path")
    if not isinstance(path, str):
        raise search_parse("[nested] requires 'path' field")
    kind = mapping.kind_of(path)
    if kind is None:
        raise query_shard(f"[nested] failed to find nested object under path [{path}]")
    if kind != "nested":
        raise query_shard(f"[nested] nested object under path [{path}] is not of nested type")
    return path


def _check_field(agg: Agg, mapping: Mapping) -> None:
    name = agg.spec.get("field")
    if not isinstance(name, str):
        raise search_illegal("Required one of fields [field, script], but none were specified.")
    f = mapping.field(name)
    if f is None:
        return  # unmapped: no values, an empty result
    if f.kind == "text":
        raise search_illegal(fielddata_disabled(name))
    if agg.kind in ("min", "max") and f.kind == "keyword":
        raise search_illegal(f"Field [{name}] of type [keyword] is not supported for aggregation [{agg.kind}]")


def run(aggs: list[Agg], docs: list[dict[str, Any]], mapping: Mapping) -> dict[str, Any]:
    return {a.name: _one(a, docs, mapping) for a in aggs}


def _values(agg: Agg, mapping: Mapping) -> tuple[Callable[[Any], list[Any]], str | None]:
    name = str(agg.spec["field"])
    read = getter(mapping, name, agg.nested)
    f = mapping.field(name)
    return (read if read is not None else (lambda doc: [])), (f.kind if f is not None else None)


def _one(agg: Agg, docs: list[dict[str, Any]], mapping: Mapping) -> dict[str, Any]:
    if agg.kind == "filter":
        assert agg.matcher is not None
        kept = [d for d in docs if agg.matcher(d)]
        return {"doc_count": len(kept), **run(agg.subs, kept, mapping)}
    if agg.kind == "nested":
        path = str(agg.spec["path"])
        kids = [c for d in docs for c in children(d, path)]
        return {"doc_count": len(kids), **run(agg.subs, kids, mapping)}
    read, kind = _values(agg, mapping)
    if agg.kind == "terms":
        return _terms(agg, docs, read, kind, mapping)
    values = [v for d in docs for v in read(d)]
    if agg.kind == "value_count":
        return {"value": len(values)}
    if agg.kind == "cardinality":
        return {"value": len({_key(v, kind) for v in values})}
    nums = [float(v) for v in values if not isinstance(v, bool) and _is_number(v)]
    if not nums:
        return {"value": None}
    best = min(nums) if agg.kind == "min" else max(nums)
    out: dict[str, Any] = {"value": best}
    if kind == "date":
        out["value_as_string"] = date_string(best)
    return out


def _terms(agg: Agg, docs: list[dict[str, Any]], read: Callable[[Any], list[Any]], kind: str | None,
           mapping: Mapping) -> dict[str, Any]:
    groups: dict[Any, list[dict[str, Any]]] = {}
    for d in docs:
        for k in dict.fromkeys(_key(v, kind) for v in read(d)):  # a document counts once per term
            groups.setdefault(k, []).append(d)
    size = agg.spec.get("size", 10)
    min_count = agg.spec.get("min_doc_count", 1)
    if not isinstance(size, int) or isinstance(size, bool) or size < 1:
        raise search_illegal(f"[size] must be greater than 0. Found [{size}] in [{agg.name}]")
    order = agg.spec.get("order", {"_count": "desc"})
    order = order[0] if isinstance(order, list) and order else order
    (by, direction), = (order.items() if isinstance(order, dict) and len(order) == 1 else [("_count", "desc")])
    desc = str(direction).lower() == "desc"
    items = [(k, g) for k, g in groups.items() if len(g) >= min_count]
    if by == "_key":
        items.sort(key=lambda kv: kv[0], reverse=desc)
    else:  # by count, ties by key ascending
        items.sort(key=lambda kv: kv[0])
        items.sort(key=lambda kv: len(kv[1]), reverse=desc)
    shown = items[:size]
    buckets = []
    for k, group in shown:
        bucket: dict[str, Any] = {"key": k}
        if kind == "date":
            bucket["key_as_string"] = date_string(k)
        bucket["doc_count"] = len(group)
        bucket.update(run(agg.subs, group, mapping))
        buckets.append(bucket)
    return {"doc_count_error_upper_bound": 0, "sum_other_doc_count": sum(len(g) for _, g in items[size:]),
            "buckets": buckets}


def _key(v: Any, kind: str | None) -> Any:
    if kind in ("date", "integer") and _is_number(v):
        return int(float(v))
    return str(v)


def _is_number(v: Any) -> bool:
    try:
        float(v)
    except (TypeError, ValueError):
        return False
    return True


def date_string(ms: float) -> str:
    """The field's first format, strict_date_time: `yyyy-MM-dd'T'HH:mm:ss.SSSZ` in UTC."""
    when = dt.datetime.fromtimestamp(int(ms) / 1000, dt.UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{int(ms) % 1000:03d}Z"
