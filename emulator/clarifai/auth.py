"""Clarifai key authentication, scopes and per-key rate limits (reference §8, §9).

By default any well-formed `Key <token>` is accepted as a personal access token of the default
user. Once keys are registered (settings file or `register_key`), unknown tokens answer 11009,
tokens that cannot be keys answer 11008, and keys with scopes answer 11007 for RPCs whose
`cl_depending_scopes` they lack.
"""
from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import orjson

from emulator.clarifai import errors

# Real PATs and API keys are 32 hex chars; "SOME_INVALID_KEY" answers 11008 on the live API (§8)
_KEY_SHAPE = re.compile(r"^[0-9A-Za-z]{32}$")


@dataclass(frozen=True)
class ApiKey:
    key: str
    kind: str  # "pat" | "app" | "session"
    user_id: str
    app_id: str | None = None
    scopes: frozenset[str] | None = None  # None = all scopes


@dataclass(frozen=True)
class Principal:
    key: str
    user_id: str
    app_id: str | None  # set for app-specific keys: they imply user and app (§8)
    scopes: frozenset[str] | None


def api_key_from_json(d: dict[str, Any], default_user: str) -> ApiKey:
    if not isinstance(d, dict) or not isinstance(d.get("key"), str) or not d["key"]:
        raise errors.invalid_argument("An API key entry needs a non-empty string `key`")
    kind = str(d.get("type") or d.get("kind") or ("app" if d.get("app_id") else "pat")).lower()
    if kind not in ("pat", "app", "session"):
        raise errors.invalid_argument("An API key `type` must be 'pat', 'app' or 'session'")
    if kind == "app" and not d.get("app_id"):
        raise errors.invalid_argument("An app-specific API key needs `app_id`")
    scopes = d.get("scopes")
    return ApiKey(d["key"], kind, str(d.get("user_id") or default_user),
                  str(d["app_id"]) if kind == "app" else None,
                  frozenset(str(s) for s in scopes) if scopes is not None else None)


@lru_cache(maxsize=8)
def _keys_file(path: str) -> tuple[dict[str, Any], ...]:
    with open(path, "rb") as fh:
        data = orjson.loads(fh.read())
    items = data.get("keys", []) if isinstance(data, dict) else data
    return tuple(items)


class KeyRegistry:
    def __init__(self, default_user: str, keys_path: str | None = None) -> None:
        self.default_user = default_user
        self.keys: dict[str, ApiKey] = {}
        if keys_path:
            for d in _keys_file(keys_path):
                self.register(d)

    def register(self, d: dict[str, Any]) -> ApiKey:
        k = api_key_from_json(d, self.default_user)
        self.keys[k.key] = k
        return k

    def forget_app(self, user_id: str, app_id: str) -> None:
        """App keys die with their app (DeleteApp)."""
        for token in [t for t, k in self.keys.items() if (k.user_id, k.app_id) == (user_id, app_id)]:
            del self.keys[token]

    def authenticate(self, authorization: str | None, session_token: str | None = None) -> Principal:
        if session_token and not authorization:
            return self._session(session_token)
        # the header must be exactly "Key <token>" (§8: lowercase "key" is malformed)
        if not authorization or not authorization.startswith("Key "):
            raise errors.missing_authorization()
        token = authorization[4:]
        if not token or " " in token:
            raise errors.missing_authorization()
        if not self.keys:
            return Principal(token, self.default_user, None, None)
        k = self.keys.get(token)
        if k is None:
            if not _KEY_SHAPE.match(token):
                raise errors.key_invalid()
            raise errors.key_not_found(None)
        if k.kind == "session":
            raise errors.key_not_found(None)  # a session token is not a key
        return Principal(k.key, k.user_id, k.app_id, k.scopes)

    def _session(self, token: str) -> Principal:
        """§8: `X-Clarifai-Session-Token` (gRPC `x-clarifai-session-token`), the SDK's `token=`: a user's
        login session, with that user's rights (like a PAT)."""
        if not self.keys:
            return Principal(token, self.default_user, None, None)
        k = self.keys.get(token)
        if k is None or k.kind == "app":
            # unverified wording; CONN_TOKEN_INVALID is the status the protos have for bad tokens
            raise errors.ClarifaiError(11001, "Invalid session token", "session_token_invalid")
        return Principal(k.key, k.user_id, None, k.scopes)


def check_scopes(principal: Principal, needed: tuple[str, ...]) -> None:
    if principal.scopes is None or "All" in principal.scopes:
        return
    missing = [s for s in needed if s not in principal.scopes]
    if missing:
        raise errors.insufficient_scopes(missing)


class RateLimiter:
    """Requests per second per key over a sliding one-second window of tenant-clock time (§9)."""

    def __init__(self) -> None:
        self._hits: dict[str, deque[float]] = {}

    def check(self, key: str, now: float, rps: float) -> None:
        if rps <= 0:
            return
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - 1.0:
            hits.popleft()
        if len(hits) >= rps:
            raise errors.throttled(rps)
        hits.append(now)
