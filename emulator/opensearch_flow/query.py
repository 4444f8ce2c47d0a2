"""The search DSL subset clients use against the plugin's two indices, with the standard search response (reference §3.8)."""
from __future__ import annotations

import contextvars
import copy
import fnmatch
import re
import time
from collections.abc import Callable
from typing import Any

from emulator.opensearch_flow import date_math, errors, scoring
from emulator.opensearch_flow.credentials import SEARCH_CREDENTIAL_PATH
from emulator.opensearch_flow.models import DocIndex

# §3.8 "useful field mappings": analyzed text fields; everything else matches exactly (keyword/date)
TEXT_FIELDS = frozenset({"name", "description", "error"})
DATE_FIELDS = frozenset({"created_time", "last_updated_time", "last_provisioned_time", "provision_start_time",
                         "provision_end_time"})
TOP_KEYS = frozenset({"query", "size", "from", "sort", "_source", "track_total_hits", "timeout",
                      "seq_no_primary_term", "version", "track_scores", "explain", "stored_fields"})
Query = Callable[[dict[str, Any]], bool]
# `now` of date math in the query being compiled: the tenant's clock (search() sets it)
_now_ms: contextvars.ContextVar[int] = contextvars.ContextVar("search_now_ms", default=0)


def _tokens(v: Any) -> list[str]:
    return re.findall(r"\w+", str(v).lower())


def _values(doc: Any, path: str) -> list[Any]:
    """Every value at a dotted path, flattening arrays (nested resources_created, node lists)."""
    path = path.removesuffix(".keyword")
    current = [doc]
    for part in path.split("."):
        nxt: list[Any] = []
        for c in current:
            if isinstance(c, dict) and part in c:
                v = c[part]
                nxt.extend(v if isinstance(v, list) else [v])
        current = nxt
    return current


def _token(value: Any) -> str:
    json_like = {True: "true", False: "false"}
    return json_like[value] if isinstance(value, bool) else str(value)


def _term(path: str, value: Any) -> Query:
    analyzed = path in TEXT_FIELDS

    def q(doc: dict[str, Any]) -> bool:
        for v in _values(doc, path):
            if analyzed and _token(value) in _tokens(v):
                return True
            if not analyzed and _token(v) == _token(value):
                return True
        return False
    return q


def _match(path: str, spec: Any) -> Query:
    if isinstance(spec, dict):
        text, operator = spec.get("query"), str(spec.get("operator", "or")).lower()
    else:
        text, operator = spec, "or"
    if path not in TEXT_FIELDS and not path.endswith(".keyword"):
        return _term(path, text)  # match on a keyword field is an exact term query
    if path.endswith(".keyword"):
        return _term(path, text)
    wanted = _tokens(text)

    def q(doc: dict[str, Any]) -> bool:
        have = {t for v in _values(doc, path) for t in _tokens(v)}
        hits = [t in have for t in wanted]
        return bool(wanted) and (all(hits) if operator == "and" else any(hits))
    return q


def _range(path: str, spec: dict[str, Any]) -> Query:
    bounds = {k: spec[k] for k in ("gt", "gte", "lt", "lte") if k in spec}
    if path.removesuffix(".keyword") in DATE_FIELDS:
        # epoch millis, strict_date_optional_time or date math; gt/lte round up (date_math.py)
        now_ms = _now_ms.get()
        try:
            limits = {op: date_math.resolve(b, now_ms, op in ("gt", "lte")) for op, b in bounds.items()}
        except date_math.DateError as exc:
            raise _bad_bound(exc) from None
    else:
        limits = {}
        for op, b in bounds.items():
            if (y := _num(b)) is None:
                raise _bad_bound(b)
            limits[op] = y

    def ok(v: Any) -> bool:
        x = _num(v)
        if x is None:
            return False
        for op, y in limits.items():
            if (op == "gt" and not x > y) or (op == "gte" and not x >= y) or (op == "lt" and not x < y) \
                    or (op == "lte" and not x <= y):
                return False
        return True

    return lambda doc: any(ok(v) for v in _values(doc, path))


def _bad_bound(value: Any) -> Exception:
    return errors.search_parse(f"failed to parse date field [{value}] with format "
                               "[strict_date_optional_time||epoch_millis]")


def _num(v: Any) -> float | None:
    if isinstance(v, bool):
        return None
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


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
        return lambda doc: False
    if kind in ("match", "match_phrase"):
        return _match(*_single_field(kind, body))
    if kind == "term":
        path, spec = _single_field(kind, body)
        return _term(path, spec.get("value") if isinstance(spec, dict) else spec)
    if kind == "terms":
        if not isinstance(body, dict):
            raise errors.search_parse("[terms] query malformed")
        fields = [(k, v) for k, v in body.items() if k != "boost"]
        if len(fields) != 1 or not isinstance(fields[0][1], list):
            raise errors.search_parse("[terms] query does not support multiple fields")
        subs = [_term(fields[0][0], v) for v in fields[0][1]]
        return lambda doc: any(s(doc) for s in subs)
    if kind == "ids":
        raw = body.get("values") if isinstance(body, dict) else None
        if not isinstance(raw, list):
            raise errors.search_parse("[ids] query malformed, [values] must be an array")
        values = set(map(str, raw))
        return lambda doc: str(doc.get("_id")) in values
    if kind == "exists":
        if not isinstance(body, dict) or not isinstance(body.get("field"), str):
            raise errors.search_parse("[exists] must be provided with a [field]")
        path = body["field"]
        return lambda doc: bool(_values(doc, path))
    if kind == "range":
        path, spec = _single_field(kind, body)
        if not isinstance(spec, dict):
            raise errors.search_parse("[range] query malformed, no start_object after query name")
        return _range(path, spec)
    if kind == "bool":
        return _bool(body)
    raise errors.search_parse(f"unknown query [{kind}]")


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


def _sort_keys(sort: Any) -> list[tuple[str, bool]]:
    items = sort if isinstance(sort, list) else [sort]
    out: list[tuple[str, bool]] = []
    for item in items:
        if isinstance(item, str):
            out.append((item, item == "_score"))
        elif isinstance(item, dict) and len(item) == 1:
            field, spec = next(iter(item.items()))
            order = spec.get("order", "asc") if isinstance(spec, dict) else spec
            out.append((field, str(order).lower() == "desc"))
        else:
            raise errors.search_parse("[sort] malformed")
    for field, _ in out:
        if field in TEXT_FIELDS:
            raise errors.search_illegal(
                "Text fields are not optimised for operations that require per-document field data like "
                "aggregations and sorting, so these operations are disabled by default. Please use a keyword field "
                f"instead. Alternatively, set fielddata=true on [{field}] in order to load field data by "
                "uninverting the inverted index. Note that this can use significant memory.")
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


def _source_spec(spec: Any) -> tuple[bool, list[str], list[str]]:
    if spec is None or spec is True:
        return True, [], []
    if spec is False:
        return False, [], []
    if isinstance(spec, str):
        return True, [spec], []
    if isinstance(spec, list):
        return True, [str(s) for s in spec], []
    if isinstance(spec, dict):
        inc: Any = spec.get("includes", spec.get("include")) or []
        exc: Any = spec.get("excludes", spec.get("exclude")) or []
        return True, [inc] if isinstance(inc, str) else list(inc), [exc] if isinstance(exc, str) else list(exc)
    raise errors.search_parse("[_source] malformed")


def search(index: DocIndex, body: dict[str, Any], render: Callable[[dict[str, Any]], dict[str, Any]],
           timeout_s: float, now_ms: int | None = None) -> dict[str, Any]:
    token = _now_ms.set(int(time.time() * 1000) if now_ms is None else now_ms)
    try:
        return _search(index, body, render, timeout_s)
    finally:
        _now_ms.reset(token)


def _search(index: DocIndex, body: dict[str, Any], render: Callable[[dict[str, Any]], dict[str, Any]],
            timeout_s: float) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise errors.search_parse("request body must be a JSON object")
    for key, value in body.items():
        if key not in TOP_KEYS:
            token = ("START_OBJECT" if isinstance(value, dict) else "START_ARRAY" if isinstance(value, list)
                     else "VALUE_STRING" if isinstance(value, str) else "VALUE_BOOLEAN" if isinstance(value, bool)
                     else "VALUE_NUMBER")
            raise errors.search_parse(f"Unknown key for a {token} in [{key}].")
    query = body.get("query", {"match_all": {}})
    matcher = compile_query(query)
    size, offset = body.get("size", 10), body.get("from", 0)
    for key, value in (("size", size), ("from", offset)):
        if isinstance(value, bool):  # JSON true/false is not a number to OpenSearch's parser
            raise errors.search_parse(f"[{key}] failed to parse field: Current token (VALUE_{str(value).upper()}) "
                                      "not numeric, can not use numeric value accessors")
    if not isinstance(size, int) or not isinstance(offset, int) or size < 0 or offset < 0:
        raise errors.search_illegal(f"[size] parameter cannot be negative, found [{size}]" if isinstance(size, int)
                                    and size < 0 else "[from] parameter cannot be negative")
    sort = _sort_keys(body["sort"]) if "sort" in body else []
    if not index.exists:
        raise errors.index_not_found(index.name)
    rendered = [(doc_id, doc, render(doc.source)) for doc_id, doc in index.docs.items()]
    corpus = [{**source, "_id": doc_id} for doc_id, _, source in rendered]
    score_of = scoring.scorer(query, scoring.Stats(corpus, _values, _tokens, _token, TEXT_FIELDS), compile_query)
    hits = []
    scores: dict[str, float] = {}
    for (doc_id, doc, source), searchable in zip(rendered, corpus):
        if matcher(searchable):
            hits.append((doc_id, doc, source))
            scores[doc_id] = score_of(searchable)
    if not sort:
        hits.sort(key=lambda h: -scores[h[0]])  # by relevance; a stable sort keeps index order for ties
    else:
        for field, desc in reversed(sort):
            if field == "_score":
                hits.sort(key=lambda h: scores[h[0]], reverse=desc)
                continue
            present = [h for h in hits if _values(h[2], field)]
            missing = [h for h in hits if not _values(h[2], field)]
            present.sort(key=_sort_key(field), reverse=desc)
            hits = present + missing  # missing values sort last either way
    fetch, includes, excludes = _source_spec(body.get("_source"))
    # §3.8: the plugin always hides `user` and credentials; with an explicit _source also ui_metadata
    excludes = excludes + ["user", SEARCH_CREDENTIAL_PATH]
    if "_source" in body:
        excludes.append("ui_metadata")
    scored = not sort or any(f == "_score" for f, _ in sort)
    out_hits = []
    for doc_id, doc, source in hits[offset: offset + size]:
        hit: dict[str, Any] = {"_index": index.name, "_id": doc_id, "_version": doc.version,
                               "_seq_no": doc.seq_no, "_primary_term": 1,
                               "_score": _f32(scores[doc_id]) if scored else None}
        if fetch:
            hit["_source"] = _filter_source(copy.deepcopy(source), includes, excludes)
        if sort:
            hit["sort"] = [_sort_value((_values(source, f) or [None])[0]) if f != "_score" else _f32(scores[doc_id])
                           for f, _ in sort]
        out_hits.append(hit)
    return {"took": 1, "timed_out": False,
            "_shards": {"total": 1, "successful": 1, "skipped": 0, "failed": 0},
            "hits": {"total": {"value": len(hits), "relation": "eq"},
                     "max_score": (_f32(max(scores.values())) if hits else None) if scored else None,
                     "hits": out_hits}}


def _f32(score: float) -> float:
    """Scores are Java floats: 7 significant digits survive."""
    return float(f"{score:.7g}")


def _sort_key(field: str) -> Callable[[tuple[str, Any, dict[str, Any]]], Any]:
    return lambda hit: _sort_value(_values(hit[2], field)[0])


def _sort_value(v: Any) -> Any:
    return v if isinstance(v, (int, float)) and not isinstance(v, bool) else str(v)
