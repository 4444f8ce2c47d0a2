"""Relevance scores of search hits, the way OpenSearch's Lucene computes them (BM25, k1 = 1.2, b = 0.75).

Without a `sort`, hits come back by descending `_score` (ties in index order), and `max_score` is
the best one. Scored like OpenSearch's query types:
- `match` and `term` sum a BM25 term score per query term present (analyzed text fields use field
  length norms; keyword fields have none);
- `match_all`, `terms`, `ids`, `exists` and `range` score a constant 1.0;
- `bool` sums its `must` and matching `should` clauses (`filter` and `must_not` add nothing).

Corpus statistics come from the documents being searched. Lucene stores field lengths lossily and
per shard, so values are close to a real single-shard cluster's, not bit-identical; the order is
what clients rely on.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

K1, B = 1.2, 0.75
Scorer = Callable[[dict[str, Any]], float]


class Stats:
    """Per-field statistics over the searched documents, computed on first use."""

    def __init__(self, docs: list[dict[str, Any]], values: Callable[[Any, str], list[Any]],
                 tokens: Callable[[Any], list[str]], token: Callable[[Any], str], text_fields: frozenset[str]) -> None:
        # the index's field readers (search.py): values at a path, analyzed tokens, a keyword term
        self.docs, self.values, self.tokens, self.token, self.text_fields = docs, values, tokens, token, text_fields
        self._fields: dict[str, tuple[list[list[str]], float]] = {}
        # how a `nested` query scores (set by search.py, which knows the mapping's nested scopes)
        self.nested: Callable[[dict[str, Any]], Scorer] | None = None
        self._idf: dict[tuple[str, str, bool], float] = {}

    def terms(self, doc: dict[str, Any], field: str) -> list[str]:
        vals = self.values(doc, field)
        if field in self.text_fields:
            return [t for v in vals for t in self.tokens(v)]
        return [self.token(v) for v in vals]

    def field(self, field: str) -> tuple[list[list[str]], float]:
        """(terms of every document that has the field, average field length)."""
        hit = self._fields.get(field)
        if hit is None:
            per_doc = [t for t in (self.terms(d, field) for d in self.docs) if t]
            avg = sum(len(t) for t in per_doc) / len(per_doc) if per_doc else 0.0
            hit = self._fields[field] = (per_doc, avg)
        return hit

    def idf(self, field: str, term: str, whole_values: bool = False) -> float:
        """Lucene's BM25 idf of `term` in `field` (`whole_values`: the `.keyword` view of a text field)."""
        key = (field, term, whole_values)
        hit = self._idf.get(key)
        if hit is None:
            if whole_values:
                per_doc = [t for t in ([self.token(v) for v in self.values(d, field)] for d in self.docs) if t]
            else:
                per_doc = self.field(field)[0]
            n = sum(1 for t in per_doc if term in t)
            hit = self._idf[key] = math.log(1 + (len(per_doc) - n + 0.5) / (n + 0.5))
        return hit

    def term_score(self, doc: dict[str, Any], field: str, term: str) -> float:
        have = self.terms(doc, field)
        tf = have.count(term)
        if not tf:
            return 0.0
        avgdl = self.field(field)[1]
        idf = self.idf(field, term)
        if field in self.text_fields and avgdl:
            norm = K1 * (1 - B + B * len(have) / avgdl)
        else:
            norm = K1  # keyword fields have no length norms
        return idf * tf / (tf + norm)


def scorer(q: dict[str, Any], stats: Stats, matcher: Callable[[Any], Callable[[dict[str, Any]], bool]]) -> Scorer:
    """The score of a document the (already validated) query matches; `matcher` compiles sub-queries."""
    kind, body = next(iter(q.items()))
    field, spec = (next(iter(body.items())) if isinstance(body, dict) and body else ("", None))
    if kind in ("match", "match_phrase", "term"):
        text = spec.get("query" if kind != "term" else "value") if isinstance(spec, dict) else spec
        path = field.removesuffix(".keyword")
        if field.endswith(".keyword"):  # the whole value is one term, no length norm
            term = stats.token(text)
            return lambda doc: _keyword_score(stats, doc, path, term)
        if kind == "term" or field not in stats.text_fields:
            terms = [stats.token(text)]  # a term query is not analyzed; a keyword field is one term
        else:
            terms = stats.tokens(text)
        return lambda doc: sum(stats.term_score(doc, path, t) for t in terms)
    if kind == "nested" and stats.nested is not None:
        return stats.nested(body)
    if kind == "bool":
        must = [scorer(c, stats, matcher) for c in _list(body, "must")]
        should = [(matcher(c), scorer(c, stats, matcher)) for c in _list(body, "should")]

        def score(doc: dict[str, Any]) -> float:
            return sum(s(doc) for s in must) + sum(s(doc) for m, s in should if m(doc))
        return score
    return lambda doc: 1.0  # match_all, terms, ids, exists, range: constant score


def _keyword_score(stats: Stats, doc: dict[str, Any], path: str, term: str) -> float:
    """`name.keyword`: the whole value is the term, no length norm."""
    tf = [stats.token(v) for v in stats.values(doc, path)].count(term)
    return stats.idf(path, term, whole_values=True) * tf / (tf + K1) if tf else 0.0


def _list(body: dict[str, Any], key: str) -> list[dict[str, Any]]:
    v = body.get(key) or []
    return v if isinstance(v, list) else [v]
