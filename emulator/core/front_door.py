"""The door every HTTP request passes first: request limits for all, and the control plane's guard.

The control plane (/_emulator/) can reset tenants and inject faults, so (DESIGN.md rule 14):
- bound to loopback it is open by default; bound anywhere else the server refuses to start without
  an admin token (`EMULATOR_ADMIN_TOKEN` / `--admin-token`), and with a token every control-plane
  call must carry it (`Authorization: Bearer <token>` or `x-emulator-admin-token: <token>`);
- a browser page must not drive it: state-changing calls need `Content-Type: application/json`
  (a cross-site form or a "simple" fetch cannot send it without a CORS preflight, which is never
  granted), and a request with an `Origin` other than the emulator's own is refused;
- DNS rebinding is closed by the `Host` check: loopback names, the address the connection came in
  on, or a configured allowed host (`EMULATOR_ALLOWED_HOSTS`, comma-separated).
The APIs themselves are not guarded: they are what clients under test call, from anywhere.
"""
from __future__ import annotations

import hmac
import ipaddress
import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import orjson
from starlette.types import Receive, Scope, Send

from emulator.core import limits
from emulator.core.http import scope_headers
from emulator.settings import Settings

ADMIN_PREFIX = "/_emulator"
TOKEN_HEADER = "x-emulator-admin-token"
UI_PREFIX = ADMIN_PREFIX + "/ui"
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1", "ip6-localhost"})
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
REFUSALS_TRACKED = 1024  # (client, status) pairs counted for log throttling
logger = logging.getLogger("emulator")
Render = Any  # (scope, status, message, headers) -> ASGI response callable


class StartupRefused(RuntimeError):
    """The settings would open the control plane to the network without a credential."""


def is_loopback(host: str) -> bool:
    host = host.strip("[]").lower()
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_startup(settings: Settings) -> None:
    if not is_loopback(settings.host) and not settings.admin_token:
        raise StartupRefused(
            f"refusing to serve on {settings.host}: the control plane (/_emulator/) can reset tenants and inject "
            "faults, so off loopback it needs a credential; set EMULATOR_ADMIN_TOKEN or --admin-token "
            "(clients then send it as `Authorization: Bearer <token>`)")


def _host_name(value: str) -> str:
    """The host part of a `Host` header or an origin's netloc (port and IPv6 brackets removed)."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[1:value.find("]")] if "]" in value else value
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


class FrontDoor:
    def __init__(self, settings: Settings, api_limits: tuple[tuple[Callable[[str], bool], int], ...] = ()) -> None:
        self.settings = settings
        self.api_limits = api_limits  # (path owned by an API?, its body limit)
        self.allowed = {h.strip().lower() for h in settings.allowed_hosts.split(",") if h.strip()}
        bound = settings.host.strip("[]").lower()
        if bound not in ("0.0.0.0", "::", ""):
            self.allowed.add(bound)
        self.token = settings.admin_token.encode() if settings.admin_token else None
        self._refusals: dict[tuple[str, int], int] = {}

    def _log_refusal(self, scope: Scope, status: int, message: str) -> None:
        """A stranger at the control plane is worth a log line; a flood of them, one line in 100."""
        client = str((scope.get("client") or ("?",))[0])
        key = (client, status)
        n = self._refusals.get(key, 0)
        if len(self._refusals) < REFUSALS_TRACKED or key in self._refusals:
            self._refusals[key] = n + 1
        if n % 100 == 0:
            logger.warning("control plane refused %s %s from %s: %d %s%s", scope["method"], scope["path"], client,
                           status, message, f" ({n + 1} so far)" if n else "")

    def host_allowed(self, name: str, scope: Scope) -> bool:
        if not name:
            return False
        if is_loopback(name) or name in self.allowed:
            return True
        server = scope.get("server")  # the local address this connection came in on
        return server is not None and name == str(server[0]).lower()

    def refuse_admin(self, scope: Scope, headers: dict[str, str]) -> tuple[int, str, dict[str, str]] | None:
        """Why a control-plane request is refused (status, message, headers), or None."""
        host = _host_name(headers.get("host", ""))
        if not self.host_allowed(host, scope):
            return 421, (f"Host {headers.get('host', '')!r} is not this emulator's: use a loopback address, the "
                         "address it is bound to, or add the name to EMULATOR_ALLOWED_HOSTS"), {}
        origin = headers.get("origin")
        if origin is not None and not self.host_allowed(_host_name(urlsplit(origin).netloc), scope):
            return 403, f"cross-origin control-plane requests are refused (Origin {origin!r})", {}
        if self.token is not None and not _static_page(scope):
            given = headers.get(TOKEN_HEADER, "")
            auth = headers.get("authorization", "")
            if auth[:7].lower() == "bearer ":
                given = given or auth[7:].strip()
            if not hmac.compare_digest(given.encode(), self.token):
                return 401, ("the control plane needs the admin token: send `Authorization: Bearer <token>` or "
                             f"`{TOKEN_HEADER}: <token>`"), {"www-authenticate": 'Bearer realm="emulator"'}
        if scope["method"] in UNSAFE_METHODS:
            ctype = headers.get("content-type", "").split(";")[0].strip().lower()
            if ctype != "application/json":
                return 415, ("state-changing control-plane calls need `Content-Type: application/json` "
                             f"(got {headers.get('content-type')!r})"), {}
        return None

    def admits_now(self, scope: Scope, body: bytes) -> bool:
        """Whether `admit` would let this request, its whole body read, through untouched (noted in the
        scope: `admit` then does not check it again)."""
        path: str = scope["path"]
        if path == ADMIN_PREFIX or path.startswith(ADMIN_PREFIX + "/"):
            return False
        try:
            limits.check_head(scope, self.settings)
        except limits.HeadTooLarge:
            return False
        admitted = scope[_ADMITTED] = len(body) <= limits.body_limit(self.settings, path, self.api_limits)
        return admitted

    async def admit(self, scope: Scope, receive: Receive, send: Send, render: Render) -> Receive | None:
        """The `receive` to run the request with, or None when the door answered it already."""
        if scope.get(_ADMITTED):
            return receive
        path: str = scope["path"]
        try:
            limits.check_head(scope, self.settings)
        except limits.HeadTooLarge as exc:
            response = render(scope, 431, str(exc), {"connection": "close"})
            await response(scope, receive, send)
            return None
        if path == ADMIN_PREFIX or path.startswith(ADMIN_PREFIX + "/"):
            refused = self.refuse_admin(scope, scope_headers(scope))
            if refused is not None:
                status, message, extra = refused
                self._log_refusal(scope, status, message)
                await _admin_answer(send, status, message, extra)
                return None
        limit = limits.body_limit(self.settings, path, self.api_limits)
        if limits.announced_within(scope_headers(scope), limit):
            return receive
        return limits.capped_receive(receive, limit)


_ADMITTED = "emulator.admitted"  # `admits_now` said yes: the whole body is in, within the limits


def _static_page(scope: Scope) -> bool:
    """The dashboard's page and assets hold no data (ui/serve.py): a browser must be able to load them
    to be asked for the token its calls then carry."""
    path: str = scope["path"]
    return scope["method"] in ("GET", "HEAD") and (path == UI_PREFIX or path.startswith(UI_PREFIX + "/"))


async def _admin_answer(send: Send, status: int, message: str, extra: dict[str, str]) -> None:
    body = orjson.dumps({"error": message, "status": status})
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
               *((k.encode(), v.encode()) for k, v in extra.items())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
