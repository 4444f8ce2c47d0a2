"""OpenSearch's `filter_path` response filtering (reference §1.3: accepted on every request).

`filter_path=a.b,c.*.d,**.id,-x.y` keeps only the named fields of a successful response:
comma-separated dotted paths; `*` inside a segment is a wildcard over field names, `**` spans any
number of levels; a path through an array applies to the objects in it; a leading `-` excludes
(applied after the includes). What matches nothing is left out, objects and arrays emptied by the
filter included, and a response with no match at all is `{}`. Error responses are never filtered
(OpenSearch builds them without the filter).
"""
from __future__ import annotations

import functools
from typing import Any

_NOTHING = object()  # "no field here survives the filter"
Path = tuple[str, ...]


def apply(body: Any, spec: str) -> Any:
    exprs = [e.strip() for e in spec.split(",") if e.strip()]
    includes = [tuple(e.split(".")) for e in exprs if not e.startswith("-")]
    excludes = [tuple(e[1:].split(".")) for e in exprs if e.startswith("-") and len(e) > 1]
    out = body
    if includes:
        out = _include(body, includes)
        if out is _NOTHING:
            out = {}
    if excludes:
        out = _exclude(out, excludes)
    return out


@functools.lru_cache(maxsize=256)
def _segment(pattern: str) -> tuple[str, ...] | str:
    if "*" not in pattern:
        return pattern
    return tuple(pattern.split("*"))


def _match(pattern: str, key: str) -> bool:
    seg = _segment(pattern)
    return seg == key if isinstance(seg, str) else glob_match(seg, key)


def glob_match(parts: tuple[str, ...], key: str) -> bool:
    """`key` matches the `*`-separated `parts` (at least two): the first part is a prefix, the last
    a suffix, the ones between are found left to right, each at its first place after the previous.
    Taking the first place is always right for `*` (it leaves the most room for what follows), so
    this is linear in the key whatever the number of stars; a regex `.*a.*a.*b` backtracks
    exponentially (30 stars held a core for minutes). OpenSearch's `Glob.globMatch` gives the
    same answers."""
    first, last = parts[0], parts[-1]
    if len(key) < len(first) + len(last) or not key.startswith(first) or not key.endswith(last):
        return False
    pos, end = len(first), len(key) - len(last)
    for part in parts[1:-1]:
        if not part:
            continue
        found = key.find(part, pos, end)
        if found < 0:
            return False
        pos = found + len(part)
    return True


def _step(paths: list[Path], key: str) -> tuple[bool, list[Path]]:
    """(a path ends at `key`, the paths that go on below `key`)."""
    ends, below = False, []
    for p in paths:
        head, rest = p[0], p[1:]
        if head == "**":
            below.append(p)  # `**` spans this level and stays available below
            if not rest:
                ends = True
            elif _match(rest[0], key):  # or spans no level at all
                if len(rest) == 1:
                    ends = True
                else:
                    below.append(rest[1:])
        elif _match(head, key):
            if rest:
                below.append(rest)
            else:
                ends = True
    return ends, below


def _include(value: Any, paths: list[Path]) -> Any:
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            ends, below = _step(paths, str(k))
            if ends:
                out[k] = v
            elif below:
                kept = _include(v, below)
                if kept is not _NOTHING:
                    out[k] = kept
        return out if out else _NOTHING
    if isinstance(value, list):
        items = [kept for item in value if (kept := _include(item, paths)) is not _NOTHING]
        return items if items else _NOTHING
    return _NOTHING  # a scalar where the path still goes on


def _exclude(value: Any, paths: list[Path]) -> Any:
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            ends, below = _step(paths, str(k))
            if ends:
                continue
            out[k] = _exclude(v, below) if below else v
        return out
    if isinstance(value, list):
        return [_exclude(item, paths) for item in value]
    return value
