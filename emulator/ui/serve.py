"""Serves the dashboard's static files under the control plane: `GET /_emulator/ui` is the page,
`GET /_emulator/ui/<file>` its scripts and styles (shipped in the package, read once, no internet).

The page holds no data: everything it shows comes from the control plane's JSON endpoints, which it
calls with the admin token it is given (`#token=...` in the URL, or typed when asked). A strict
Content-Security-Policy keeps it to its own scripts and this origin.
"""
from __future__ import annotations

import functools
import re
from importlib import resources

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from emulator.core.http import ApiMount

PREFIX = "/_emulator/ui"
MEDIA_TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
               ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml"}
_ASSET = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}\.(?:js|css|svg)$")
HEADERS = {
    "content-security-policy": ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                                "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"),
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-cache",
}


@functools.lru_cache(maxsize=64)
def asset(name: str) -> bytes | None:
    """A shipped file's bytes (None when the name is not one of them)."""
    if name != "index.html" and not _ASSET.match(name):
        return None
    f = resources.files("emulator.ui").joinpath("static", name)
    return f.read_bytes() if f.is_file() else None


def _file(name: str) -> Response:
    body = asset(name)
    if body is None:
        return Response(b'{"error":"no such dashboard file","status":404}', 404, media_type="application/json")
    return Response(body, 200, headers=HEADERS, media_type=MEDIA_TYPES["." + name.rsplit(".", 1)[1]])


async def get_ui(request: Request) -> Response:
    return _file("index.html")


async def get_ui_asset(request: Request) -> Response:
    return _file(request.path_params["asset"])


def install() -> ApiMount:
    return ApiMount(None, [Route(PREFIX, get_ui, methods=["GET"], name="get_ui"),
                           Route(PREFIX + "/{asset}", get_ui_asset, methods=["GET"], name="get_ui_asset")])
