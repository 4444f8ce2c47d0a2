"""IndexedRouter (emulator/core/routing.py) picks exactly the route Starlette's own loop picks."""
from __future__ import annotations

import itertools
from typing import Any

from starlette.routing import BaseRoute, Match, Route

from emulator.app import create_app
from emulator.core.routing import IndexedRouter
from emulator.settings import Settings

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD")


def stock_lookup(routes: list[BaseRoute], scope: dict[str, Any]) -> tuple[BaseRoute | None, Match]:
    partial = None
    for route in routes:
        match, _ = route.matches(scope)
        if match is Match.FULL:
            return route, match
        if match is Match.PARTIAL and partial is None:
            partial = route
    return partial, (Match.NONE if partial is None else Match.PARTIAL)


def sample_paths(routes: list[BaseRoute]) -> list[str]:
    paths = {"/", "/v2", "/v2/", "/v2/x/y", "/_emulator/", "/_plugins/_flow_framework/workflow/",
             "/_plugins/_flow_framework/workflow/a/b/c", "/v2/workflows\n", "//v2//workflows"}
    for r in routes:
        if isinstance(r, Route):
            for fill in ("x", "ids", "_search", "state", "_steps", "versions", "results", "types"):
                p = r.path_format
                for name in r.param_convertors:
                    p = p.replace("{" + name + "}", fill)
                paths.update({p, p + "/", p + "/extra", p.rsplit("/", 1)[0]})
    return sorted(paths)


def test_lookup_matches_starlette_for_every_route_and_method() -> None:
    app = create_app(Settings(grpc_enabled=False))
    router = app.router
    assert isinstance(router, IndexedRouter)
    checked = 0
    for path, method in itertools.product(sample_paths(router.routes), METHODS):
        scope = {"type": "http", "path": path, "root_path": "", "method": method, "headers": []}
        want_route, want_match = stock_lookup(router.routes, scope)
        got_route, got_match, _ = router.lookup(scope)
        if got_route is None:  # the router defers to Starlette's loop, which then finds nothing
            assert want_match is Match.NONE or path.endswith("\n"), (method, path)
        else:
            assert (got_route, got_match) == (want_route, want_match), (method, path)
        checked += 1
    assert checked > 1000


def test_lookup_sees_routes_added_later() -> None:
    app = create_app(Settings(grpc_enabled=False))

    async def endpoint(request: Any) -> Any:
        raise AssertionError

    app.router.routes.append(Route("/late/{x}", endpoint, methods=["GET"], name="late"))
    scope = {"type": "http", "path": "/late/1", "root_path": "", "method": "GET", "headers": []}
    route, match, child = app.router.lookup(scope)  # type: ignore[attr-defined]
    assert route is not None and route.name == "late" and match is Match.FULL  # type: ignore[attr-defined]
    assert child["path_params"] == {"x": "1"}


def test_remembered_matches_answer_like_a_fresh_lookup_with_their_own_path_params() -> None:
    app = create_app(Settings(grpc_enabled=False))
    router = app.router
    assert isinstance(router, IndexedRouter)
    for path, method in itertools.product(sample_paths(router.routes), METHODS):
        scope = {"type": "http", "path": path, "root_path": "", "method": method, "headers": []}
        first = router.lookup(scope)
        again = router.lookup(dict(scope))
        assert (again[0], again[1]) == (first[0], first[1]), (method, path)
        if first[1] is Match.FULL:
            assert again[2] == first[2] and again[2]["path_params"] is not first[2]["path_params"]
            again[2]["path_params"]["mutated"] = "by a handler"
            assert "mutated" not in router.lookup(dict(scope))[2]["path_params"]
    assert router._memo  # the memo is in use


def test_remembered_matches_are_forgotten_when_routes_change() -> None:
    app = create_app(Settings(grpc_enabled=False))
    scope = {"type": "http", "path": "/v2/workflows/w1", "root_path": "", "method": "GET", "headers": []}
    before = app.router.lookup(scope)[0]  # type: ignore[attr-defined]

    async def endpoint(request: Any) -> Any:
        raise AssertionError

    app.router.routes.insert(0, Route("/v2/workflows/{x}", endpoint, methods=["GET"], name="first"))
    after = app.router.lookup(scope)[0]  # type: ignore[attr-defined]
    assert after is not before and after.name == "first"


def test_remembered_is_the_memo_of_full_matches_only() -> None:
    app = create_app(Settings(grpc_enabled=False))
    router = app.router
    assert isinstance(router, IndexedRouter)
    scope = {"type": "http", "path": "/v2/users/me/apps/main/workflows/w/results", "root_path": "",
             "method": "POST", "headers": []}
    assert router.remembered(scope) is None  # not looked up yet
    route, match, child = router.lookup(dict(scope))
    hit = router.remembered(dict(scope))
    assert match is Match.FULL and hit is not None
    assert (hit[0], hit[1], hit[2]) == (route, child["endpoint"], child["path_params"])
    assert router.remembered({**scope, "method": "GET"}) is None
    assert router.remembered({**scope, "path_params": {}}) is None
