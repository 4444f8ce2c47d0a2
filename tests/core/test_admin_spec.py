"""openapi/emulator-admin.yaml names every /_emulator route exactly once, by its route name."""
from __future__ import annotations

from pathlib import Path

import yaml
from starlette.routing import Route

from emulator.app import create_app
from emulator.settings import Settings

SPEC = Path(__file__).resolve().parents[2] / "openapi" / "emulator-admin.yaml"


def test_admin_spec_operation_ids_match_admin_routes() -> None:
    doc = yaml.safe_load(SPEC.read_text())
    in_spec = {(m.upper(), path, op["operationId"]) for path, item in doc["paths"].items()
               for m, op in item.items() if m != "parameters"}
    app = create_app(Settings(grpc_enabled=False))
    routes = {(m, r.path, r.name) for r in app.routes if isinstance(r, Route) and r.path.startswith("/_emulator")
              for m in (r.methods or ()) if m != "HEAD"}
    assert in_spec == routes
    ids = [op for _, _, op in in_spec]
    assert len(ids) == len(set(ids))
