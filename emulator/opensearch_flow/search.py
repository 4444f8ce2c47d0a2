"""The `_search` request over one of the plugin's system indices and the standard search response: paging,
sorting, `_source` filtering, scores and aggregations (reference §3.8; query.py compiles the query).
"""
from __future__ import annotations

import copy
import fnmatch
import time
from collections.abc import Callable, Mapping
from typing import Any

from emulator.opensearch_flow import aggs, errors, scoring
from emulator.opensearch_flow.core_errors import index_not_found, query_shard, search_illegal, search_parse
from emulator.opensearch_flow.credentials import SEARCH_CREDENTIAL_PATH
from emulator.opensearch_flow.mappings import MAPPINGS, Getter, children
from emulator.opensearch_flow.models import DocIndex
from emulator.opensearch_flow.query import Query, Scope, compile_query, in_scope, term_text, tokens

TOP_KEYS = frozenset({"query", "size", "from", "sort", "_source", "track_total_hits", "timeout",
                      "seq_no_primary_term", "version", "track_scores", "explain", "stored_fields", "aggs",
                      "aggregations"})


def _sort_keys(sort: Any, scope: Scope) -> list[tuple[str, bool, Getter | None]]:
    items = sort if isinstance(sort, list) else [sort]
    out: list[tuple[str, bool, Getter | None]] = []
    for item in items:
        if isinstance(item, str):
            field, desc = item, item == "_score"
        elif isinstance(item, dict) and len(item) == 1:
            field, spec = next(iter(item.items()))
            order = spec.get("order", "asc") if isinstance(spec, dict) else spec
            desc = str(order).lower() == "desc"
        else:
            raise search_parse("[sort] malformed")
        if field == "_score":
            out.append((field, desc, None))
            continue
        f = scope.mapping.field(field)
        if f is None:
            raise query_shard(f"No mapping found for [{field}] in order to sort on")
        if f.kind == "text":
            raise search_illegal(aggs.fielddata_disabled(field))
        if f.nested is not None:
            raise query_shard("it is mandatory to set the [nested] context on the nested sort field: "
                                     f"[{field}].")
        out.append((field, desc, scope.values(field)))
    return out


def _filter_source(source: Mapping[str, Any], includes: list[str], excludes: list[str]) -> dict[str, Any]:
    def walk(obj: Mapping[str, Any], prefix: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for k, v in obj.items():
            path = f"{prefix}{k}"
            if any(fnmatch.fnmatchcase(path, e) for e in excludes):
                continue
            if isinstance(v, list):
                v = [walk(x, path + ".") if isinstance(x, dict) else x for x in v]
            elif isinstance(v, dict):
                v = walk(v, path + ".")
            if includes and not any(fnmatch.fnmatchcase(path, i) or i.startswith(path + ".")
                                    or fnmatch.fnmatchcase(path, i + ".*") or path.startswith(i + ".")
                                    for i in includes):
                continue
            out[k] = v
        return out
    return walk(source, "")


def _source_spec(spec: Any) -> tuple[list[str], list[str]]:
    if spec is None or isinstance(spec, bool):
        return [], []
    if isinstance(spec, str):
        return [spec], []
    if isinstance(spec, list):
        return [str(s) for s in spec], []
    if isinstance(spec, dict):
        inc: Any = spec.get("includes", spec.get("include")) or []
        exc: Any = spec.get("excludes", spec.get("exclude")) or []
        return [inc] if isinstance(inc, str) else list(inc), [exc] if isinstance(exc, str) else list(exc)
    raise search_parse("[_source] malformed")


def search(index: DocIndex, body: dict[str, Any], render: Callable[[dict[str, Any]], Mapping[str, Any]],
           timeout_s: float, now_ms: int | None = None, *, aggs_answered: bool = True) -> dict[str, Any]:
    scope = Scope(MAPPINGS[index.name], None, int(time.time() * 1000) if now_ms is None else now_ms)
    out: dict[str, Any] = in_scope(scope.mapping, scope.now_ms, None,
                                   lambda: _search(index, body, render, scope, aggs_answered))
    return out


def _check_top_keys(body: Any) -> None:
    if not isinstance(body, dict):
        raise search_parse("request body must be a JSON object")
    for key, value in body.items():
        if key not in TOP_KEYS:
            token = ("START_OBJECT" if isinstance(value, dict) else "START_ARRAY" if isinstance(value, list)
                     else "VALUE_STRING" if isinstance(value, str) else "VALUE_BOOLEAN" if isinstance(value, bool)
                     else "VALUE_NUMBER")
            raise search_parse(f"Unknown key for a {token} in [{key}].")


def _page(body: dict[str, Any]) -> tuple[int, int]:
    """`size` and `from`, checked as OpenSearch's parser and SearchSourceBuilder do."""
    size, offset = body.get("size", 10), body.get("from", 0)
    for key, value in (("size", size), ("from", offset)):
        if isinstance(value, bool):  # JSON true/false is not a number to OpenSearch's parser
            raise search_parse(f"[{key}] failed to parse field: Current token (VALUE_{str(value).upper()}) "
                                      "not numeric, can not use numeric value accessors")
    if not isinstance(size, int) or not isinstance(offset, int) or size < 0 or offset < 0:
        raise search_illegal(f"[size] parameter cannot be negative, found [{size}]" if isinstance(size, int)
                                    and size < 0 else "[from] parameter cannot be negative")
    return size, offset


def _search(index: DocIndex, body: dict[str, Any], render: Callable[[dict[str, Any]], Mapping[str, Any]],
            scope: Scope, aggs_answered: bool) -> dict[str, Any]:
    _check_top_keys(body)
    query = body.get("query", {"match_all": {}})
    matcher = compile_query(query)
    size, offset = _page(body)
    aggregations = aggs.parse(body, lambda q, nested: in_scope(scope.mapping, scope.now_ms, nested,
                                                              lambda: compile_query(q)), scope.mapping)
    sort = _sort_keys(body["sort"], scope) if "sort" in body else []
    if not index.exists:
        raise index_not_found(index.name)
    rendered = [(doc_id, doc, render(doc.source)) for doc_id, doc in index.docs.items()]
    corpus = [{**source, "_id": doc_id} for doc_id, _, source in rendered]
    stats = scoring.Stats(corpus, _field_values(scope), tokens, term_text,
                          frozenset(k for k, f in scope.mapping.fields.items() if f.kind == "text"))
    stats.nested = lambda q: _nested_scorer(q, scope, corpus)
    score_of = scoring.scorer(query, stats, compile_query)
    hits = []
    scores: dict[str, float] = {}
    for (doc_id, doc, source), searchable in zip(rendered, corpus, strict=False):
        if matcher(searchable):
            hits.append((doc_id, doc, source))
            scores[doc_id] = score_of(searchable)
    matched = [searchable for (doc_id, _, _), searchable in zip(rendered, corpus, strict=False) if doc_id in scores]
    if not sort:
        hits.sort(key=lambda h: -scores[h[0]])  # by relevance; a stable sort keeps index order for ties
    else:
        for _field, desc, values in reversed(sort):
            if values is None:
                hits.sort(key=lambda h: scores[h[0]], reverse=desc)
                continue
            read = values
            present = [h for h in hits if read(h[2])]
            missing = [h for h in hits if not read(h[2])]
            present.sort(key=lambda h: _sort_value(read(h[2])[0]), reverse=desc)
            hits = present + missing  # missing values sort last either way
    includes, excludes = _source_spec(body.get("_source"))
    # RestHandlerUtils.getSourceContext (RestHandlerUtils.java:51-62): any `_source` (even false) becomes
    # FetchSourceContext(true, includes, excludes + user, ui_metadata, credential); none hides user and
    # the credential only
    excludes = excludes + ["user", SEARCH_CREDENTIAL_PATH]
    if "_source" in body:
        excludes.append("ui_metadata")
    scored = not sort or any(f == "_score" for f, _, _ in sort)
    out_hits = []
    for doc_id, doc, source in hits[offset: offset + size]:
        hit: dict[str, Any] = {"_index": index.name, "_id": doc_id, "_version": doc.version,
                               "_seq_no": doc.seq_no, "_primary_term": 1,
                               "_score": _f32(scores[doc_id]) if scored else None,
                               "_source": _filter_source(copy.deepcopy(source), includes, excludes)}
        if sort:
            hit["sort"] = [_sort_value((values(source) or [None])[0]) if values is not None
                           else _f32(scores[doc_id]) for _, _, values in sort]
        out_hits.append(hit)
    best = (_f32(max(scores.values())) if hits else None) if scored and size > 0 else None
    out: dict[str, Any] = {"took": 1, "timed_out": False,
                           "_shards": {"total": 1, "successful": 1, "skipped": 0, "failed": 0},
                           "hits": {"total": {"value": len(hits), "relation": "eq"}, "max_score": best,
                                    "hits": out_hits}}
    if aggregations is not None:
        if aggregations and not aggs_answered:
            raise errors.search_response_unparsable()
        out["aggregations"] = aggs.run(aggregations, matched, scope.mapping)
    return out


def _field_values(scope: Scope) -> Callable[[Any, str], list[Any]]:
    cache: dict[str, Getter | None] = {}

    def values(doc: Any, path: str) -> list[Any]:
        if path not in cache:
            cache[path] = scope.values(path)
        read = cache[path]
        return read(doc) if read is not None else []
    return values


def _nested_scorer(q: dict[str, Any], scope: Scope, corpus: list[dict[str, Any]]) -> scoring.Scorer:
    """`score_mode: avg` (the default): the mean score of the matching child documents, whose statistics
    are those of all child documents of that path."""
    path = q["path"]
    child = Scope(scope.mapping, path, scope.now_ms)

    def build() -> tuple[Query, scoring.Scorer]:
        matches = compile_query(q["query"])
        kids = [c for d in corpus for c in children(d, path)]
        stats = scoring.Stats(kids, _field_values(child), tokens, term_text, frozenset(
            k for k, f in child.mapping.fields.items() if f.kind == "text"))
        return matches, scoring.scorer(q["query"], stats, compile_query)
    inner, score = in_scope(scope.mapping, scope.now_ms, path, build)

    def avg(doc: dict[str, Any]) -> float:
        got = [score(c) for c in children(doc, path) if inner(c)]
        return sum(got) / len(got) if got else 0.0
    return avg


def _f32(score: float) -> float:
    """Scores are Java floats: 7 significant digits survive."""
    return float(f"{score:.7g}")


def _sort_value(v: Any) -> Any:
    return v if isinstance(v, (int, float)) and not isinstance(v, bool) else str(v)
