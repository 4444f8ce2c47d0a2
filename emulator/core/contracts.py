"""Serves the emulator's own OpenAPI contracts (`GET /_emulator/openapi/{document}`), YAML or JSON.

The contracts live in `openapi/` at the repository root (spec first, DESIGN.md house rule 4); an
installed copy may instead sit beside the package. `EMULATOR_OPENAPI_DIR` overrides both.
"""
from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any

import orjson
import yaml
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from emulator.core.emulator import Emulator
from emulator.core.http import ApiMount

# name -> file; the names are what `workflow-emulator contract-test --api` and the URL use
DOCUMENTS = {
    "opensearch-flow-framework": "opensearch-flow-framework.yaml",
    "clarifai-workflows": "clarifai-workflows.yaml",
    "emulator-admin": "emulator-admin.yaml",
}
ALIASES = {"flow": "opensearch-flow-framework", "clarifai": "clarifai-workflows", "admin": "emulator-admin"}


def openapi_dir() -> Path:
    """The directory holding the contracts, found relative to the package, not the working directory."""
    env = os.environ.get("EMULATOR_OPENAPI_DIR")
    candidates = [Path(env)] if env else []
    here = Path(__file__).resolve()
    candidates += [here.parents[2] / "openapi", here.parents[1] / "openapi"]
    for c in candidates:
        if (c / DOCUMENTS["opensearch-flow-framework"]).is_file():
            return c
    return candidates[-1]


def document_path(name: str) -> Path:
    name = ALIASES.get(name, name)
    if name not in DOCUMENTS:
        raise KeyError(name)
    return openapi_dir() / DOCUMENTS[name]


@functools.lru_cache(maxsize=8)
def _load(path: str, mtime: float) -> dict[str, Any]:
    with open(path, encoding="utf-8") as fh:
        data: dict[str, Any] = yaml.safe_load(fh)
    return data


def load_document(name: str) -> dict[str, Any]:
    """The parsed contract (cached until the file changes)."""
    path = document_path(name)
    return _load(str(path), path.stat().st_mtime)


def install(emulator: Emulator) -> ApiMount:
    async def get_openapi_document(request: Request) -> Response:
        raw = request.path_params["document"]
        stem, _, ext = raw.rpartition(".")
        if ext not in ("yaml", "yml", "json") or not stem:
            stem, ext = raw, "yaml"
        try:
            path = document_path(stem)
            if ext == "json":
                body = orjson.dumps(load_document(stem))
                return Response(body, media_type="application/json")
            return Response(path.read_bytes(), media_type="application/yaml")
        except (KeyError, FileNotFoundError):
            known = sorted(DOCUMENTS)
            body = orjson.dumps({"error": f"no such contract [{raw}]; known: {known}", "status": 404})
            return Response(body, 404, media_type="application/json")

    return ApiMount(None, [Route("/_emulator/openapi/{document}", get_openapi_document, methods=["GET"],
                                 name="get_openapi_document")])
