"""Secrets never leave: what stands in for a credential, an API key or a token wherever a request
is kept or shown (the journal, the dashboard, state dumps, logs), and which request headers are
kept at all.
"""
from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

import orjson

REDACTED = "<redacted>"  # the prefix of every redacted value: "<redacted sha256:1a2b3c4d>"
# Flow templates carry secrets in `credential` maps (reference/opensearch-flow-framework.md §4.3);
# Clarifai sends `Authorization: Key <PAT>`; anything else named like a secret goes too.
SECRET_KEYS = frozenset({"credential", "credentials", "authorization", "api_key", "apikey", "pat",
                         "password", "secret", "secret_key", "access_key", "session_token", "token",
                         "proxy-authorization", "cookie", "x-api-key", "admin_token", "x-emulator-admin-token"})
# request headers worth keeping (others are noise for a test author)
KEPT_HEADERS = ("authorization", "content-type", "user-agent", "x-emulator-fault",
                "x-clarifai-request-id-prefix", "x-clarifai-grpc-client", "x-opaque-id")

_KEPT = frozenset(KEPT_HEADERS)
_KEPT_RAW = frozenset(h.encode("latin-1") for h in KEPT_HEADERS)


def _secret_key(key: Any) -> bool:
    # dotted names count by any segment: a Flow use-case body sends `create_connector.credential.key`
    name = str(key).lower()
    return name in SECRET_KEYS or ("." in name and any(part in SECRET_KEYS for part in name.split(".")))


# the same answer for the keys request bodies repeat (`inputs`, `data`, `image`, `url`...): a pure
# function of a string, so remembering it cannot change it; bounded, because keys come from callers
_secret_name = functools.lru_cache(maxsize=4096)(_secret_key)


def secret_free(value: Any) -> bool:
    """True when `redact(value)` would be an unchanged copy: no key at any depth is a secret's.
    Walks the keys only, so a body carrying tens of kilobytes of base64 costs what its few keys do
    (a scan of the raw bytes read every byte, twice for the long strings)."""
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, dict):
            for k, x in v.items():
                if _secret_name(k) if type(k) is str else _secret_key(k):
                    return False
                if isinstance(x, (dict, list)):
                    stack.append(x)
        elif isinstance(v, list):
            stack.extend(x for x in v if isinstance(x, (dict, list)))
    return True


def fingerprint(secret: Any) -> str:
    """What stands in for a secret: enough to tell two secrets apart (or see the same one used
    twice), nothing to recover it from."""
    text = secret if isinstance(secret, str) else orjson.dumps(secret, default=str).decode()
    return f"{REDACTED[:-1]} sha256:{hashlib.sha256(text.encode()).hexdigest()[:8]}>"


def _hide(value: Any) -> Any:
    """Every scalar under a secret key becomes its fingerprint (a `credential` map keeps its keys)."""
    if isinstance(value, dict):
        return {k: _hide(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_hide(v) for v in value]
    return None if value is None else fingerprint(value)


def redact(value: Any) -> Any:
    """Secrets replaced by fingerprints before anything is stored or shown: `credential` maps
    (Flow), API keys, PATs, tokens."""
    if isinstance(value, dict):
        return {k: (_hide(v) if _secret_key(k) else redact(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v) for v in value]
    return value


def kept_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """`redact_headers` for headers already keyed by lower-case name."""
    out: dict[str, str] = {}
    for key in KEPT_HEADERS:
        value = headers.get(key)
        if value is not None:
            out[key] = fingerprint(value) if key in SECRET_KEYS else value
    return out


def redact_headers(headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> dict[str, str]:
    """The request headers a test author cares about, with credentials replaced."""
    out: dict[str, str] = {}
    # Starlette's Headers: every request pays this, so skip decoding the headers that are dropped
    raw = getattr(headers, "raw", None)
    if isinstance(raw, list):
        for kb, vb in raw:
            if kb.lower() in _KEPT_RAW:
                key = kb.decode("latin-1").lower()
                out[key] = fingerprint(vb.decode("latin-1")) if key in SECRET_KEYS else vb.decode("latin-1")
        return out
    items = headers.items() if isinstance(headers, Mapping) else headers
    for k, v in items:
        key = k.lower()
        if key in _KEPT:
            out[key] = fingerprint(v) if key in SECRET_KEYS else v
    return out
