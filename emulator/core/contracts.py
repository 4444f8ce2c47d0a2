"""Serves the emulator's OpenAPI contracts (`GET /_emulator/openapi/{document}`), YAML or JSON.

Each API's descriptor names its contract (core/api.py: Contract); the control plane's own is
`emulator-admin`. The project's contracts live in `openapi/` at the repository root (spec first,
DESIGN.md house rule 4); an installed copy may instead sit beside the package.
`EMULATOR_OPENAPI_DIR` overrides both.
"""
from __future__ import annotations

import functools
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import orjson
import yaml
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from emulator.core.api import ApiDescriptor, Contract
from emulator.core.emulator import Emulator
from emulator.core.http import ApiMount

ADMIN = Contract("emulator-admin", "emulator-admin.yaml")
ADMIN_ALIAS = "admin"


def openapi_dirs() -> list[Path]:
    """Where contracts without a directory of their own are looked for, in order."""
    env = os.environ.get("EMULATOR_OPENAPI_DIR")
    here = Path(__file__).resolve()
    return ([Path(env)] if env else []) + [here.parents[2] / "openapi", here.parents[1] / "openapi"]


def contract_file(contract: Contract) -> Path | None:
    """The file holding a contract, or None when it is nowhere (not written yet, not installed)."""
    dirs = [contract.directory] if contract.directory is not None else openapi_dirs()
    for d in dirs:
        p = d / contract.file
        if p.is_file():
            return p
    return None


def documents(apis: Iterable[ApiDescriptor]) -> dict[str, Contract]:
    """Every contract served: the APIs' (in their order), then the control plane's."""
    out = {d.contract.document: d.contract for d in apis}
    out[ADMIN.document] = ADMIN
    return out


def resolve(name: str, apis: Iterable[ApiDescriptor]) -> Contract:
    """The contract called `name`, or of the API called `name` (`flow`), or `admin`; KeyError if none."""
    apis = tuple(apis)
    for d in apis:
        if name in (d.name, d.contract.document):
            return d.contract
    if name in (ADMIN.document, ADMIN_ALIAS):
        return ADMIN
    raise KeyError(name)


def contract_path(contract: Contract) -> Path:
    """Where the contract is (or would be): FileNotFoundError on open when it is missing."""
    found = contract_file(contract)
    if found is not None:
        return found
    dirs = [contract.directory] if contract.directory is not None else openapi_dirs()
    if not dirs:
        raise FileNotFoundError(contract.file)
    return dirs[-1] / contract.file


@functools.lru_cache(maxsize=16)
def _load(path: str, mtime: float) -> dict[str, Any]:
    with open(path, encoding="utf-8") as fh:
        data: dict[str, Any] = yaml.safe_load(fh)
    return data


def load_contract(contract: Contract) -> dict[str, Any]:
    """The parsed contract (cached until the file changes); FileNotFoundError when it is missing."""
    path = contract_path(contract)
    return _load(str(path), path.stat().st_mtime)


def install(emulator: Emulator, apis: tuple[ApiDescriptor, ...] = ()) -> ApiMount:
    async def get_openapi_document(request: Request) -> Response:
        raw = request.path_params["document"]
        stem, _, ext = raw.rpartition(".")
        if ext not in ("yaml", "yml", "json") or not stem:
            stem, ext = raw, "yaml"
        try:
            contract = resolve(stem, apis)
            if ext == "json":
                return Response(orjson.dumps(load_contract(contract)), media_type="application/json")
            return Response(contract_path(contract).read_bytes(), media_type="application/yaml")
        except (KeyError, FileNotFoundError):
            known = sorted(documents(apis))
            body = orjson.dumps({"error": f"no such contract [{raw}]; known: {known}", "status": 404})
            return Response(body, 404, media_type="application/json")

    return ApiMount(None, [Route("/_emulator/openapi/{document}", get_openapi_document, methods=["GET"],
                                 name="get_openapi_document")])
