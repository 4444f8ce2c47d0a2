"""An API is one package plus one descriptor (DESIGN.md rule 11): a third API mounts without touching
core, and each API's explicit error list is complete (coverage's "never seen" report relies on it)."""
from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from emulator import apis
from emulator.app import create_app
from emulator.core.api import ApiDescriptor
from emulator.core.coverage import describe_error, error_catalogue
from emulator.settings import Settings
from tests.core.widgets_api.api import DESCRIPTOR as WIDGETS

T = {"x-emulator-tenant": "w"}


@pytest.fixture
def widgets() -> Iterator[TestClient]:
    # by package name: what a user adds to emulator/apis.py is exactly this string
    app = create_app(Settings(grpc_enabled=False, clock="manual", seed=7), apis=[*apis.API_PACKAGES, "tests.core.widgets_api"])
    with TestClient(app) as c:
        yield c


def test_third_api_routes_and_journal(widgets: TestClient) -> None:
    assert widgets.post("/widgets", json={"name": "w1"}, headers=T).json() == {"id": "w1"}
    assert widgets.post("/widgets/w1/polish", headers=T).json() == {"id": "w1", "shine": 1}
    r = widgets.post("/widgets/nope/polish", headers=T)
    assert (r.status_code, r.json()) == (404, {"widget_error": "no widget [nope]"})
    entries = widgets.get("/_emulator/journal", headers=T).json()["entries"]
    assert [(e["api"], e["operation"], e["status"], e["error"]) for e in entries] == [
        ("widgets", "create_widget", 201, None), ("widgets", "polish_widget", 200, None),
        ("widgets", "polish_widget", 404, "no widget [nope]")]
    # the built-in APIs are still served beside it
    assert widgets.get("/", headers=T).status_code == 200


def test_third_api_http_and_domain_faults(widgets: TestClient) -> None:
    widgets.post("/widgets", json={"name": "w1"}, headers=T)
    rules = [{"match": {"api": "widgets", "operation": "list_widgets"}, "effect": {"type": "error", "status": 503},
              "count": 1},
             # the hook is inferred from the API's own effect type; its match key is the API's own
             {"match": {"widget_id": "w1"}, "effect": {"type": "polish_error"}, "count": 1}]
    added = widgets.post("/_emulator/faults", json=rules, headers=T)
    assert added.status_code == 201, added.text
    assert [f["on"] for f in added.json()["faults"]] == ["http", "widget_polish"]
    r = widgets.get("/widgets", headers=T)
    assert (r.status_code, r.json()) == (503, {"widget_error": "Injected fault"})
    r = widgets.post("/widgets/w1/polish", headers=T)
    assert (r.status_code, r.json()) == (500, {"widget_error": "polishing widget [w1] failed"})
    assert widgets.post("/widgets/w1/polish", headers=T).status_code == 200
    bad = widgets.post("/_emulator/faults", json={"match": {"api": "gadgets"}, "effect": {"type": "drop"}}, headers=T)
    assert bad.status_code == 400 and "'widgets'" in bad.json()["error"]


def test_third_api_coverage_contract_health_seed_and_admin(widgets: TestClient) -> None:
    assert widgets.get("/_emulator/health").json()["apis"] == {"flow": "up", "clarifai": "up", "widgets": "up"}
    seeded = widgets.post("/_emulator/seed", json={"widgets": {"names": ["a", "b"]}}, headers=T)
    assert seeded.status_code == 200, seeded.text
    assert seeded.json()["widgets_created"] == ["a", "b"]
    assert widgets.get("/_emulator/widgets/count", headers=T).json() == {"count": 2}
    widgets.post("/widgets/zzz/polish", headers=T)
    cov = widgets.get("/_emulator/coverage", headers=T).json()
    assert cov["sources"]["widgets"]["openapi"].endswith("widgets-api.yaml")
    summary = cov["apis"]["widgets"]["summary"]
    assert summary == {"operations_total": 3, "operations_exercised": 1, "errors_known": 2, "errors_never_seen": 1}
    assert [e["constructor"] for e in cov["apis"]["widgets"]["errors_never_seen"]] == ["polish_failed"]
    doc = widgets.get("/_emulator/openapi/widgets-api.json")
    assert doc.status_code == 200 and doc.json()["info"]["title"].startswith("Widgets")
    assert widgets.get("/_emulator/openapi/widgets").text.startswith("openapi: 3.1.0")


def test_third_api_alone_serves_no_built_in_api() -> None:
    with TestClient(create_app(Settings(grpc_enabled=False, clock="manual"), apis=[WIDGETS])) as c:
        assert c.get("/widgets").json() == {"widgets": []}
        assert c.get("/_emulator/health").json()["apis"] == {"widgets": "up"}
        assert c.get("/_plugins/_flow_framework/workflow/x").status_code == 404


def test_create_app_refuses_two_apis_with_one_name() -> None:
    with pytest.raises(ValueError, match="share a name"):
        create_app(Settings(grpc_enabled=False), apis=[WIDGETS, WIDGETS])


def _return_type(fn: Any, namespace: dict[str, Any]) -> Any:
    ann = fn.__annotations__.get("return")
    try:  # only the return annotation: parameters may name types imported for type checking only
        return eval(ann, namespace) if isinstance(ann, str) else ann
    except NameError:
        return None


def _error_constructors(d: ApiDescriptor) -> dict[str, Any]:
    """Every function of the API's package returning the API's error type (found by scanning)."""
    error_types = tuple({_return_type(fn, vars(inspect.getmodule(fn))) for fn in d.errors})
    package = importlib.import_module(d.install.__module__.rsplit(".", 1)[0])
    found: dict[str, Any] = {}
    for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        module = importlib.import_module(info.name)
        for name, fn in vars(module).items():
            if name.startswith("_") or not inspect.isfunction(fn) or fn.__module__ != module.__name__:
                continue
            ret = _return_type(fn, vars(module))
            if isinstance(ret, type) and issubclass(ret, error_types):
                found[f"{module.__name__}.{name}"] = fn
    return found


def _generic(fn: Any) -> bool:
    """A builder whose status, code and message are all its arguments (errors.plugin(status, message))
    names no error of its own."""
    e = describe_error(fn)
    return e["status"] is None and e["code"] is None and re.fullmatch(r"<\w+>", e["message"]) is not None


@pytest.mark.parametrize("api", apis.descriptors(), ids=lambda d: d.name)
def test_error_catalogue_lists_every_error_constructor(api: ApiDescriptor) -> None:
    listed = set(api.errors)
    missing = [name for name, fn in _error_constructors(api).items() if fn not in listed and not _generic(fn)]
    assert missing == [], f"add these to the `errors` of {api.name}'s descriptor: {missing}"
    catalogue = error_catalogue(api)
    assert [e["constructor"] for e in catalogue[:len(api.errors)]] == [fn.__name__ for fn in api.errors]
    for entry in catalogue:
        assert "\x00" not in entry["message"], entry
