"""Route lookup by path shape: Starlette's first-match routing without a regex per route per request.

The app serves ~70 routes (both APIs and the control plane); Starlette's `Router` tries them in
order, so a Clarifai predict paid ~30 regex matches (≈40 µs, as much as the whole request
of a bare app) before reaching its handler. `IndexedRouter` first narrows the list to the routes
whose segment count and literal segments fit the path, keeping their order, then runs the same
matching loop; anything unusual (no candidate, websockets, `{x:path}` routes) falls back to the
stock behaviour, so redirects, 404 and 405 are Starlette's own.
"""
from __future__ import annotations

from collections.abc import MutableMapping, Sequence
from typing import Any

from starlette.convertors import PathConvertor
from starlette.routing import BaseRoute, Match, Route, Router
from starlette.types import Receive, Scope, Send

Checks = tuple[tuple[int, str], ...]
MEMO_CAP = 10_000  # remembered (method, path) matches


def _shape(route: BaseRoute) -> tuple[int, Checks] | None:
    """(segment count, literal segments by position) for a plain Route; None = may match anything."""
    if type(route) is not Route:
        return None
    if any(isinstance(c, PathConvertor) for c in route.param_convertors.values()):
        return None
    segments = route.path_format.split("/")
    literal = tuple((i, s) for i, s in enumerate(segments) if "{" not in s)
    return len(segments), literal


def get_route_path(scope: Scope) -> str:
    """The path routes match against: `path` minus the `root_path` it is mounted under (what
    Starlette's routing does, in its private `starlette._utils.get_route_path`; the two are
    compared by tests/core/test_asgi_contract.py under the installed Starlette)."""
    path: str = scope["path"]
    root_path: str = scope.get("root_path", "")
    if not root_path or not path.startswith(root_path):
        return path
    if path == root_path:
        return ""
    return path[len(root_path):] if path[len(root_path)] == "/" else path


class IndexedRouter(Router):
    def __init__(self, routes: Sequence[BaseRoute], lifespan: Any = None) -> None:
        super().__init__(routes, lifespan=lifespan)
        self._indexed: tuple[list[BaseRoute] | None, int] = (None, -1)
        self._by_count: dict[int, list[tuple[BaseRoute, Checks]]] = {}
        self._anywhere: list[tuple[BaseRoute, Checks]] = []
        # (method, path) -> (route, endpoint, path params) of full matches: clients repeat the same
        # few paths (a predict loop), and matching a route costs a regex and its convertors
        self._memo: dict[tuple[str, str], tuple[BaseRoute, Any, dict[str, Any]]] = {}

    def _reindex(self) -> None:
        shapes = [(r, _shape(r)) for r in self.routes]
        counts = {s[0] for _, s in shapes if s is not None}
        # every group keeps the original route order, with the "may match anything" routes in place
        self._by_count = {n: [(r, s[1] if s else ()) for r, s in shapes if s is None or s[0] == n] for n in counts}
        self._anywhere = [(r, ()) for r, s in shapes if s is None]
        self._indexed = (self.routes, len(self.routes))
        self._memo = {}

    def remembered(self, scope: Scope) -> tuple[BaseRoute, Any, dict[str, Any]] | None:
        """The remembered full match (route, endpoint, path params) of this request, if any: shared,
        so callers copy the path params before handing them on."""
        if self._indexed[0] is not self.routes or self._indexed[1] != len(self.routes) or "path_params" in scope:
            return None
        return self._memo.get((scope["method"], get_route_path(scope)))

    def lookup(self, scope: Scope) -> tuple[BaseRoute | None, Match, MutableMapping[str, Any]]:
        """The route Starlette's loop would pick (first FULL, else first PARTIAL), or None when the
        stock loop must decide (no candidate, or a path the index does not model)."""
        if self._indexed[0] is not self.routes or self._indexed[1] != len(self.routes):  # routes added later
            self._reindex()
        path = get_route_path(scope)
        key = (scope["method"], path)
        hit = self._memo.get(key)
        if hit is not None and "path_params" not in scope:
            return hit[0], Match.FULL, {"endpoint": hit[1], "path_params": dict(hit[2])}
        route, match, child_scope = self._lookup(scope, path)
        if match is Match.FULL and "path_params" not in scope and set(child_scope) == {"endpoint", "path_params"}:
            if len(self._memo) >= MEMO_CAP:
                self._memo.clear()
            self._memo[key] = (route, child_scope["endpoint"], dict(child_scope["path_params"]))  # type: ignore[assignment]
        return route, match, child_scope

    def _lookup(self, scope: Scope, path: str) -> tuple[BaseRoute | None, Match, MutableMapping[str, Any]]:
        if path.endswith("\n"):  # `$` in the route regexes matches before a final newline
            return None, Match.NONE, {}
        segments = path.split("/")
        partial: BaseRoute | None = None
        partial_scope: MutableMapping[str, Any] = {}
        for route, checks in self._by_count.get(len(segments), self._anywhere):
            for i, literal in checks:
                if segments[i] != literal:
                    break
            else:
                match, child_scope = route.matches(scope)
                if match is Match.FULL:
                    return route, match, child_scope
                if match is Match.PARTIAL and partial is None:
                    partial, partial_scope = route, child_scope
        return partial, (Match.NONE if partial is None else Match.PARTIAL), partial_scope

    async def app(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().app(scope, receive, send)
            return
        route, _, child_scope = self.lookup(scope)
        if route is None:
            await super().app(scope, receive, send)  # slash redirects and 404, exactly as Starlette does
            return
        if "router" not in scope:
            scope["router"] = self
        scope["route"] = route
        scope.update(child_scope)
        await route.handle(scope, receive, send)
