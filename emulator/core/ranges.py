"""Range checks for the control plane's numbers: clock instants, durations, scales, journal queries.

A number is checked before it touches state: `1e308` seconds or `now_ms: 1e300` used to be
accepted and left the tenant's clock at a time no timestamp can express (every later call of the
tenant, and the tenant list, answered 500 OverflowError). Instants stay within years 1970-9999,
the range every timestamp format the APIs use can render.
"""
from __future__ import annotations

import math
from typing import Any

MAX_EPOCH_S = 253_402_300_799.999  # 9999-12-31T23:59:59.999Z
MAX_EPOCH_MS = 253_402_300_799_999
MAX_SCALE = 1_000_000.0  # virtual seconds per real second
MAX_QUERY_INT = 2**53  # journal since/until/after/limit: what JSON numbers carry exactly


class RangeError(ValueError):
    """A number out of range (the control plane answers 400 with this message)."""


def number(value: Any, what: str, *, minimum: float = 0.0, maximum: float = math.inf,
           exclusive_minimum: bool = False) -> float:
    """`value` as a finite float in [minimum, maximum] (strings of numbers too: query parameters)."""
    if isinstance(value, bool):
        raise RangeError(f"`{what}` must be a number")
    try:
        n = float(value)
    except (TypeError, ValueError, OverflowError):
        raise RangeError(f"`{what}` must be a number") from None
    if not math.isfinite(n):
        raise RangeError(f"`{what}` must be a finite number")
    if n < minimum or (exclusive_minimum and n == minimum):
        word = "greater than" if exclusive_minimum else "at least"
        raise RangeError(f"`{what}` must be {word} {minimum:g}")
    if n > maximum:
        raise RangeError(f"`{what}` must be at most {maximum:g}")
    return n


def integer(value: Any, what: str, *, minimum: int = 0, maximum: int = MAX_QUERY_INT) -> int:
    n = number(value, what, minimum=minimum, maximum=maximum)
    if n != int(n):
        raise RangeError(f"`{what}` must be an integer")
    return int(n)


def instant_ms(value: Any, what: str) -> float:
    """An epoch-milliseconds instant between 1970 and 9999, as seconds."""
    return number(value, what, maximum=MAX_EPOCH_MS) / 1000.0


def advance_seconds(value: Any, now_s: float) -> float:
    """How far a manual clock may move from `now_s`: never past year 9999."""
    return number(value, "seconds", maximum=max(0.0, MAX_EPOCH_S - now_s))


def known_keys(body: dict[str, Any], allowed: set[str] | frozenset[str], what: str) -> None:
    unknown = sorted(str(k) for k in body if k not in allowed)
    if unknown:
        raise RangeError(f"unknown {what} field(s) {unknown}; expected among {sorted(allowed)}")
