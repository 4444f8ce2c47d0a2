"""Extra schemathesis check: the emulator never crashes, whatever status the contract allows.

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
