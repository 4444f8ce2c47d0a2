"""Extra schemathesis checks: the emulator never crashes; Clarifai request ids honour their prefix.

Some 5xx answers are real service behaviour (Flow's 500/501, reference §3.4 and §5), so the stock
`not_a_server_error` check is relaxed for them; this check keeps catching genuine crashes, which
the app factory renders as "Internal emulator error: <exception>" (emulator/app.py).
"""
from __future__ import annotations

from typing import Any

import schemathesis

CRASH_MARKER = b"Internal emulator error"


@schemathesis.check
def no_emulator_crash(ctx: Any, response: Any, case: Any) -> bool | None:
    if response.status_code >= 500 and CRASH_MARKER in (response.content or b""):
        raise AssertionError(f"the emulator crashed: {response.status_code} {response.content[:300]!r}")
    return None


@schemathesis.check
def clarifai_req_id_prefix(ctx: Any, response: Any, case: Any) -> bool | None:
    """Clarifai: `X-Clarifai-Request-ID-Prefix: P` makes `status.req_id` `P-<32 hex>` (reference §1)."""
    prefix = (case.headers or {}).get("X-Clarifai-Request-ID-Prefix")
    if not prefix or not case.path.startswith("/v2/"):
        return None
    try:
        req_id = response.json()["status"]["req_id"]
    except (ValueError, KeyError, TypeError):
        return None  # the body shape is response_schema_conformance's business
    if not (isinstance(req_id, str) and req_id.startswith(prefix + "-") and len(req_id) == len(prefix) + 33):
        raise AssertionError(f"req_id {req_id!r} does not honour X-Clarifai-Request-ID-Prefix {prefix!r}")
    return None
