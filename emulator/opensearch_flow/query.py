"""The search DSL clients use against the plugin's two indices, over their real mappings, with the standard
search response (reference §3.8; mappings.py says what is searchable).

Queries compile against the index mapping: a field that is not mapped (`dynamic: false`) or that
lives in a nested object matches nothing at the top level; a `nested` query reaches the nested
child documents. Text fields are analyzed, keyword fields match whole values, dates take epoch
millis or date math.
"""
from __future__ import annotations

import contextvars
import copy
import fnmatch
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from emulator.opensearch_flow import aggs, date_math, errors, scoring
from emulator.opensearch_flow.credentials import SEARCH_CREDENTIAL_PATH
from emulator.opensearch_flow.mappings import DATE_FORMAT, MAPPINGS, Getter, Mapping, children, getter
from emulator.opensearch_flow.models import DocIndex

TOP_KEYS = frozenset({"query", "size", "from", "sort", "_source", "track_total_hits", "timeout",
                      "seq_no_primary_term", "version", "track_scores", "explain", "stored_fields", "aggs",
                      "aggregations"})
Query = Callable[[dict[str, Any]], bool]


@dataclass(frozen=True)
class Scope:
    """What a query compiles against: the index mapping, the nested path it runs in, `now` for date math."""

    mapping: Mapping
    nested: str | None
    now_ms: int

    def values(self, path: str) -> Getter | None:
        return getter(self.mapping, path, self.nested)

    def kind(self, path: str) -> str | None:
        f = self.mapping.field(path)
        return f.kind if f is not None and f.nested == self.nested else None


_scope: contextvars.ContextVar[Scope] = contextvars.ContextVar("search_scope")


def _tokens(v: Any) -> list[str]:
    return re.findall(r"\w+", str(v).lower())


def _token(value: Any) -> str:
    json_like = {True: "true", False: "false"}
    return json_like[value] if isinstance(value, bool) else str(value)


def _none(doc: dict[str, Any]) -> bool:
    return False


def _exact(kind: str, value: Any) -> Callable[[Any], bool]:
    """Equality with one indexed value of a non-text field (the query value parsed for the field)."""
    if kind in ("date", "integer"):
        try:
            want = _date(value, _scope.get().now_ms, False) if kind == "date" else float(_token(value))
        except (date_math.DateError, ValueError):
            raise _bad_bound(value) if kind == "date" else errors.search_parse(
                f"failed to create query: For input string: \"{_token(value)}\"") from None
        return lambda v: _num(v) == want
    token = _token(value)
    return lambda v: _token(v) == token


def _term(path: str, value: Any) -> Query:
    scope = _scope.get()
    values, kind = scope.values(path), scope.kind(path)
    if values is None or kind is None:
        return _none  # unmapped, or in a nested object: Lucene finds no such term in these documents
    if kind == "text":
        token = _token(value)
        return lambda doc: any(token in _tokens(v) for v in values(doc))
    same = _exact(kind, value)
    return lambda doc: any(same(v) for v in values(doc))


def _match(path: str, spec: Any) -> Query:
    if isinstance(spec, dict):
        text, operator = spec.get("query"), str(spec.get("operator", "or")).lower()
    else:
        text, operator = spec, "or"
    scope = _scope.get()
    values = scope.values(path)
    if scope.kind(path) != "text" or values is None:
        return _term(path, text)  # match on a keyword, date or number field is a term query
    wanted = _tokens(text)

    def q(doc: dict[str, Any]) -> bool:
        have = {t for v in values(doc) for t in _tokens(v)}
        hits = [t in have for t in wanted]
        return bool(wanted) and (all(hits) if operator == "and" else any(hits))
    return q


def _range(path: str, spec: dict[str, Any]) -> Query:
    bounds = {k: spec[k] for k in ("gt", "gte", "lt", "lte") if k in spec}
    scope = _scope.get()
    values, kind = scope.values(path), scope.kind(path)
    if values is None or kind is None:
        return _none
    limits: dict[str, Any] = {}
    for op, b in bounds.items():
        if kind == "date":
            try:  # epoch millis, a date or date math; gt/lte round up (date_math.py)
                limits[op] = _date(b, scope.now_ms, op in ("gt", "lte"))
            except date_math.DateError:
                raise _bad_bound(b) from None
        elif kind == "integer":
            if (y := _num(b)) is None:
                raise errors.search_parse(f"failed to create query: For input string: \"{_token(b)}\"")
            limits[op] = y
        else:
            limits[op] = _token(b)  # keyword and text ranges compare terms as strings
    numeric = kind in ("date", "integer")

    def ok(v: Any) -> bool:
        x = _num(v) if numeric else _token(v)
        if x is None:
            return False
        for op, y in limits.items():
            if (op == "gt" and not x > y) or (op == "gte" and not x >= y) or (op == "lt" and not x < y) \
                    or (op == "lte" and not x <= y):
                return False
        return True

    return lambda doc: any(ok(v) for v in values(doc))


# The date fields' mapping format (mappings.DATE_FORMAT): a date must carry a time and a zone; a bare
# number is epoch millis (never a year)
_STRICT_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3,9})?(Z|[+-]\d{2}:\d{2}|[+-]\d{4})")


def _date(value: Any, now_ms: int, round_up: bool) -> float:
    """A date query value parsed with the field's own format, `strict_date_time||epoch_millis` (a range
    without `format` uses the mapping's parser: DateFieldMapper.DateFieldType.rangeQuery), date math on top."""
    if isinstance(value, str) and not value.strip().startswith("now"):
        anchor = value.partition("||")[0].strip()
        if re.fullmatch(r"-?\d+", anchor) and anchor == value.strip():
            return float(anchor)
        if not _STRICT_DATE_TIME.fullmatch(anchor):
            raise _bad_bound(anchor)
    return date_math.resolve(value, now_ms, round_up)


def _bad_bound(value: Any) -> Exception:
    # JavaDateMathParser.parseDateTime wraps the formatter's own message
    inner = f"failed to parse date field [{value}] with format [{DATE_FORMAT}]"
    return errors.FlowError(400, f"{inner}: [{inner}]", core_type="parse_exception")


def _num(v: Any) -> float | None:
    if isinstance(v, bool):
        return None
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def _exists(path: str) -> Query:
    scope = _scope.get()
    kind = scope.mapping.kind_of(path)
    if kind in ("object", "nested"):
        # an object field expands to its mapped leaves; a nested one's live in other documents
        leaves = [g for g in (scope.values(p) for p in scope.mapping.under(path)) if g is not None]
        return lambda doc: any(g(doc) for g in leaves)
    values = scope.values(path)
    if values is None:
        return _none
    return lambda doc: bool(values(doc))


def _nested(body: Any) -> Query:
    if not isinstance(body, dict) or not isinstance(body.get("path"), str):
        raise errors.search_parse("[nested] requires 'path' field")
    if "query" not in body:
        raise errors.search_parse("[nested] requires 'query' field")
    path, scope = body["path"], _scope.get()
    kind = scope.mapping.kind_of(path)
    if kind is None:
        if body.get("ignore_unmapped") is True:
            return _none
        raise errors.query_shard(f"[nested] failed to find nested object under path [{path}]")
    if kind != "nested":
        raise errors.query_shard(f"[nested] nested object under path [{path}] is not of nested type")
    token = _scope.set(Scope(scope.mapping, path, scope.now_ms))
    try:
        inner = compile_query(body["query"])
    finally:
        _scope.reset(token)
    return lambda doc: any(inner(child) for child in children(doc, path))


def _single_field(kind: str, body: Any) -> tuple[str, Any]:
    if not isinstance(body, dict) or len(body) != 1:
        raise errors.search_parse(f"[{kind}] query doesn't support multiple fields, found [{', '.join(body)}]"
                                  if isinstance(body, dict) and body else f"[{kind}] query malformed, no field")
    path, spec = next(iter(body.items()))
    return path, spec


def compile_query(q: Any) -> Query:
    if not isinstance(q, dict) or len(q) != 1:
        raise errors.search_parse("[_na] query malformed, must start with start_object" if not isinstance(q, dict)
                                  else "[query] malformed query, expected a single query type")
    kind, body = next(iter(q.items()))
    if kind == "match_all":
        return lambda doc: True
    if kind == "match_none":
        return _none
    if kind in ("match", "match_phrase"):
        return _match(*_single_field(kind, body))
    if kind == "term":
        path, spec = _single_field(kind, body)
        return _term(path, spec.get("value") if isinstance(spec, dict) else spec)
    if kind == "terms":
        return _terms(body)
    if kind == "ids":
        return _ids(body)
    if kind == "exists":
        if not isinstance(body, dict) or not isinstance(body.get("field"), str):
            raise errors.search_parse("[exists] must be provided with a [field]")
        return _exists(body["field"])
    if kind == "range":
        path, spec = _single_field(kind, body)
        if not isinstance(spec, dict):
            raise errors.search_parse("[range] query malformed, no start_object after query name")
        return _range(path, spec)
    if kind == "nested":
        return _nested(body)
    if kind == "bool":
        return _bool(body)
    raise errors.search_parse(f"unknown query [{kind}]")


def _terms(body: Any) -> Query:
    if not isinstance(body, dict):
        raise errors.search_parse("[terms] query malformed")
    fields = [(k, v) for k, v in body.items() if k != "boost"]
    if len(fields) != 1 or not isinstance(fields[0][1], list):
        raise errors.search_parse("[terms] query does not support multiple fields")
    subs = [_term(fields[0][0], v) for v in fields[0][1]]
    return lambda doc: any(s(doc) for s in subs)


def _ids(body: Any) -> Query:
    raw = body.get("values") if isinstance(body, dict) else None
    if not isinstance(raw, list):
        raise errors.search_parse("[ids] query malformed, [values] must be an array")
    values = set(map(str, raw))
    return lambda doc: str(doc.get("_id")) in values


def _clauses(body: dict[str, Any], key: str) -> list[Query]:
    v = body.get(key) or []
    return [compile_query(c) for c in (v if isinstance(v, list) else [v])]


def _bool(body: Any) -> Query:
    if not isinstance(body, dict):
        raise errors.search_parse("[bool] malformed query, expected [END_OBJECT] but found [START_ARRAY]")
    for key in body:
        if key not in ("must", "should", "filter", "must_not", "minimum_should_match", "boost"):
            raise errors.search_parse(f"[bool] query does not support [{key}]")
    must = _clauses(body, "must") + _clauses(body, "filter")
    should, must_not = _clauses(body, "should"), _clauses(body, "must_not")
    msm = body.get("minimum_should_match")
    need = int(msm) if msm is not None else (1 if should and not must else 0)

    def q(doc: dict[str, Any]) -> bool:
        return (all(c(doc) for c in must) and not any(c(doc) for c in must_not)
                and sum(1 for c in should if c(doc)) >= need)
    return q


def in_scope(mapping: Mapping, now_ms: int, nested: str | None, build: Callable[[], Any]) -> Any:
    """Run `build` (a query or aggregation compiler) against a mapping scope."""
    token = _scope.set(Scope(mapping, nested, now_ms))
    try:
        return build()
    finally:
        _scope.reset(token)


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
            raise errors.search_parse("[sort] malformed")
        if field == "_score":
            out.append((field, desc, None))
            continue
        f = scope.mapping.field(field)
        if f is None:
            raise errors.query_shard(f"No mapping found for [{field}] in order to sort on")
        if f.kind == "text":
            raise errors.search_illegal(aggs.fielddata_disabled(field))
        if f.nested is not None:
            raise errors.query_shard("it is mandatory to set the [nested] context on the nested sort field: "
                                     f"[{field}].")
        out.append((field, desc, scope.values(field)))
    return out


def _filter_source(source: dict[str, Any], includes: list[str], excludes: list[str]) -> dict[str, Any]:
    def walk(obj: Any, prefix: str) -> Any:
        if not isinstance(obj, dict):
            return obj
        out: dict[str, Any] = {}
        for k, v in obj.items():
            path = f"{prefix}{k}"
            if any(fnmatch.fnmatchcase(path, e) for e in excludes):
                continue
            if isinstance(v, list):
                v = [walk(x, path + ".") for x in v]
            elif isinstance(v, dict):
                v = walk(v, path + ".")
            if includes and not any(fnmatch.fnmatchcase(path, i) or i.startswith(path + ".")
                                    or fnmatch.fnmatchcase(path, i + ".*") or path.startswith(i + ".")
                                    for i in includes):
                continue
            out[k] = v
        return out
    return walk(source, "")  # type: ignore[no-any-return]


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
    raise errors.search_parse("[_source] malformed")


def search(index: DocIndex, body: dict[str, Any], render: Callable[[dict[str, Any]], dict[str, Any]],
           timeout_s: float, now_ms: int | None = None, *, aggs_answered: bool = True) -> dict[str, Any]:
    scope = Scope(MAPPINGS[index.name], None, int(time.time() * 1000) if now_ms is None else now_ms)
    token = _scope.set(scope)
    try:
        return _search(index, body, render, scope, aggs_answered)
    finally:
        _scope.reset(token)


def _check_top_keys(body: Any) -> None:
    if not isinstance(body, dict):
        raise errors.search_parse("request body must be a JSON object")
    for key, value in body.items():
        if key not in TOP_KEYS:
            token = ("START_OBJECT" if isinstance(value, dict) else "START_ARRAY" if isinstance(value, list)
                     else "VALUE_STRING" if isinstance(value, str) else "VALUE_BOOLEAN" if isinstance(value, bool)
                     else "VALUE_NUMBER")
            raise errors.search_parse(f"Unknown key for a {token} in [{key}].")


def _page(body: dict[str, Any]) -> tuple[int, int]:
    """`size` and `from`, checked as OpenSearch's parser and SearchSourceBuilder do."""
    size, offset = body.get("size", 10), body.get("from", 0)
    for key, value in (("size", size), ("from", offset)):
        if isinstance(value, bool):  # JSON true/false is not a number to OpenSearch's parser
            raise errors.search_parse(f"[{key}] failed to parse field: Current token (VALUE_{str(value).upper()}) "
                                      "not numeric, can not use numeric value accessors")
    if not isinstance(size, int) or not isinstance(offset, int) or size < 0 or offset < 0:
        raise errors.search_illegal(f"[size] parameter cannot be negative, found [{size}]" if isinstance(size, int)
                                    and size < 0 else "[from] parameter cannot be negative")
    return size, offset


def _search(index: DocIndex, body: dict[str, Any], render: Callable[[dict[str, Any]], dict[str, Any]],
            scope: Scope, aggs_answered: bool) -> dict[str, Any]:
    _check_top_keys(body)
    query = body.get("query", {"match_all": {}})
    matcher = compile_query(query)
    size, offset = _page(body)
    aggregations = aggs.parse(body, lambda q, nested: in_scope(scope.mapping, scope.now_ms, nested,
                                                              lambda: compile_query(q)), scope.mapping)
    sort = _sort_keys(body["sort"], scope) if "sort" in body else []
    if not index.exists:
        raise errors.index_not_found(index.name)
    rendered = [(doc_id, doc, render(doc.source)) for doc_id, doc in index.docs.items()]
    corpus = [{**source, "_id": doc_id} for doc_id, _, source in rendered]
    stats = scoring.Stats(corpus, _field_values(scope), _tokens, _token,
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
    token = _scope.set(child)
    try:
        inner = compile_query(q["query"])
        kids = [c for d in corpus for c in children(d, path)]
        stats = scoring.Stats(kids, _field_values(child), _tokens, _token, frozenset(
            k for k, f in child.mapping.fields.items() if f.kind == "text"))
        score = scoring.scorer(q["query"], stats, compile_query)
    finally:
        _scope.reset(token)

    def avg(doc: dict[str, Any]) -> float:
        got = [score(c) for c in children(doc, path) if inner(c)]
        return sum(got) / len(got) if got else 0.0
    return avg


def _f32(score: float) -> float:
    """Scores are Java floats: 7 significant digits survive."""
    return float(f"{score:.7g}")


def _sort_value(v: Any) -> Any:
    return v if isinstance(v, (int, float)) and not isinstance(v, bool) else str(v)
