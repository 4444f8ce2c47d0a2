"""The query DSL clients use against the plugin's two indices, compiled over their real mappings (reference
§3.8; mappings.py says what is searchable; search.py runs the request and builds the response).

Queries compile against the index mapping: a field that is not mapped (`dynamic: false`) or that
lives in a nested object matches nothing at the top level; a `nested` query reaches the nested
child documents. Text fields are analyzed, keyword fields match whole values, dates take epoch
millis or date math.
"""
from __future__ import annotations

import contextvars
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from emulator.opensearch_flow import date_math, errors
from emulator.opensearch_flow.core_errors import query_shard, search_parse
from emulator.opensearch_flow.mappings import DATE_FORMAT, Getter, Mapping, children, getter

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


def tokens(v: Any) -> list[str]:
    return re.findall(r"\w+", str(v).lower())


def term_text(value: Any) -> str:
    json_like = {True: "true", False: "false"}
    return json_like[value] if isinstance(value, bool) else str(value)


def _none(doc: dict[str, Any]) -> bool:
    return False


def _exact(kind: str, value: Any) -> Callable[[Any], bool]:
    """Equality with one indexed value of a non-text field (the query value parsed for the field)."""
    if kind in ("date", "integer"):
        try:
            want = _date(value, _scope.get().now_ms, False) if kind == "date" else float(term_text(value))
        except (date_math.DateError, ValueError):
            raise _bad_bound(value) if kind == "date" else search_parse(
                f"failed to create query: For input string: \"{term_text(value)}\"") from None
        return lambda v: _num(v) == want
    token = term_text(value)
    return lambda v: term_text(v) == token


def _term(path: str, value: Any) -> Query:
    scope = _scope.get()
    values, kind = scope.values(path), scope.kind(path)
    if values is None or kind is None:
        return _none  # unmapped, or in a nested object: Lucene finds no such term in these documents
    if kind == "text":
        token = term_text(value)
        return lambda doc: any(token in tokens(v) for v in values(doc))
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
    wanted = tokens(text)

    def q(doc: dict[str, Any]) -> bool:
        have = {t for v in values(doc) for t in tokens(v)}
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
                raise search_parse(f"failed to create query: For input string: \"{term_text(b)}\"")
            limits[op] = y
        else:
            limits[op] = term_text(b)  # keyword and text ranges compare terms as strings
    numeric = kind in ("date", "integer")

    def ok(v: Any) -> bool:
        x = _num(v) if numeric else term_text(v)
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
        raise search_parse("[nested] requires 'path' field")
    if "query" not in body:
        raise search_parse("[nested] requires 'query' field")
    path, scope = body["path"], _scope.get()
    kind = scope.mapping.kind_of(path)
    if kind is None:
        if body.get("ignore_unmapped") is True:
            return _none
        raise query_shard(f"[nested] failed to find nested object under path [{path}]")
    if kind != "nested":
        raise query_shard(f"[nested] nested object under path [{path}] is not of nested type")
    token = _scope.set(Scope(scope.mapping, path, scope.now_ms))
    try:
        inner = compile_query(body["query"])
    finally:
        _scope.reset(token)
    return lambda doc: any(inner(child) for child in children(doc, path))


def _single_field(kind: str, body: Any) -> tuple[str, Any]:
    if not isinstance(body, dict) or len(body) != 1:
        raise search_parse(f"[{kind}] query doesn't support multiple fields, found [{', '.join(body)}]"
                                  if isinstance(body, dict) and body else f"[{kind}] query malformed, no field")
    path, spec = next(iter(body.items()))
    return path, spec


def compile_query(q: Any) -> Query:
    if not isinstance(q, dict) or len(q) != 1:
        raise search_parse("[_na] query malformed, must start with start_object" if not isinstance(q, dict)
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
            raise search_parse("[exists] must be provided with a [field]")
        return _exists(body["field"])
    if kind == "range":
        path, spec = _single_field(kind, body)
        if not isinstance(spec, dict):
            raise search_parse("[range] query malformed, no start_object after query name")
        return _range(path, spec)
    if kind == "nested":
        return _nested(body)
    if kind == "bool":
        return _bool(body)
    raise search_parse(f"unknown query [{kind}]")


def _terms(body: Any) -> Query:
    if not isinstance(body, dict):
        raise search_parse("[terms] query malformed")
    fields = [(k, v) for k, v in body.items() if k != "boost"]
    if len(fields) != 1 or not isinstance(fields[0][1], list):
        raise search_parse("[terms] query does not support multiple fields")
    subs = [_term(fields[0][0], v) for v in fields[0][1]]
    return lambda doc: any(s(doc) for s in subs)


def _ids(body: Any) -> Query:
    raw = body.get("values") if isinstance(body, dict) else None
    if not isinstance(raw, list):
        raise search_parse("[ids] query malformed, [values] must be an array")
    values = set(map(str, raw))
    return lambda doc: str(doc.get("_id")) in values


def _clauses(body: dict[str, Any], key: str) -> list[Query]:
    v = body.get(key) or []
    return [compile_query(c) for c in (v if isinstance(v, list) else [v])]


def _bool(body: Any) -> Query:
    if not isinstance(body, dict):
        raise search_parse("[bool] malformed query, expected [END_OBJECT] but found [START_ARRAY]")
    for key in body:
        if key not in ("must", "should", "filter", "must_not", "minimum_should_match", "boost"):
            raise search_parse(f"[bool] query does not support [{key}]")
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
