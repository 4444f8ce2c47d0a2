"""Per-tenant bounded ring buffer of request/response summaries (what a client did)."""
from __future__ import annotations

import itertools
from collections import deque
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(slots=True)
class Entry:
    seq: int
    time_ms: int
    api: str
    operation: str
    method: str
    path: str
    status: int
    duration_ms: float
    query: str = ""
    # API-level outcome: the Flow error message or the Clarifai status code/description
    error: str | None = None
    code: int | None = None
    fault: str | None = None
    request: Any = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


REDACTED = "<redacted>"


def redact(value: Any) -> Any:
    """Drop secrets before they are stored: `credential` maps (Flow) and API keys."""
    if isinstance(value, dict):
        return {k: (REDACTED if k in ("credential", "authorization", "api_key") else redact(v))
                for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v) for v in value]
    return value


class Journal:
    def __init__(self, cap: int) -> None:
        self._entries: deque[Entry] = deque(maxlen=max(1, cap))
        self._seq = itertools.count(1)
        self.cap = cap

    def record(self, **kw: Any) -> Entry:
        e = Entry(seq=next(self._seq), **kw)
        self._entries.append(e)
        return e

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)

    def entries(self) -> list[Entry]:
        return list(self._entries)

    def query(self, operation: str | None = None, status: int | None = None, api: str | None = None,
              since_ms: int | None = None, until_ms: int | None = None, limit: int | None = None) -> list[Entry]:
        out = [e for e in self._entries
               if (operation is None or e.operation == operation)
               and (status is None or e.status == status)
               and (api is None or e.api == api)
               and (since_ms is None or e.time_ms >= since_ms)
               and (until_ms is None or e.time_ms <= until_ms)]
        return out[-limit:] if limit else out
