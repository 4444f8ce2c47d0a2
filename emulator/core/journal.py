"""Per-tenant bounded ring buffer of request/response summaries (what a client did).

Besides the ring buffer the journal keeps one small tally per distinct (api, operation, status,
error, code) outcome, so consumer coverage survives the ring buffer wrapping around.
"""
from __future__ import annotations

import contextvars
import itertools
import json
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

import orjson

from emulator.core.redaction import REDACTED, SECRET_KEYS, redact

OUTCOME_CAP = 10_000
# The newest answers are kept as they were sent, for the dashboard's request view: bounded in count
# and bytes, and by reference (no copy on the request path; redacted when read).
RESPONSES_KEPT = 256
RESPONSE_BYTES_KEPT = 16 * 1024 * 1024
RESPONSE_BODY_CAP = 256 * 1024
# what an entry costs besides its request body (the dataclass, its strings and headers dict):
# ~600 bytes measured with tracemalloc for a predict entry; rounded up
ENTRY_OVERHEAD = 1024

# While a list: the entries the current task records (per task: concurrent requests do not see
# each other's), for a caller that needs its own request's entry (clarifai/predict_lane.py)
recorded: contextvars.ContextVar[list[Entry] | None] = contextvars.ContextVar("journal_recorded", default=None)
# Set while the control plane replays seed requests, which are not the client's doing.
suppressed: contextvars.ContextVar[bool] = contextvars.ContextVar("journal_suppressed", default=False)


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
    headers: dict[str, str] | None = None
    response_bytes: int | None = None
    transport: str = "rest"
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _status_matches(status: int, want: int | str | Iterable[int | str] | None) -> bool:
    if want is None:
        return True
    if isinstance(want, (int, str)):
        want = [want]
    for w in want:
        s = str(w).lower()
        if s.endswith("xx") and len(s) == 3 and str(status)[0] == s[0]:
            return True
        if s.isdigit() and int(s) == status:
            return True
    return False


class KeptResponses:
    """The answers every tenant's journal keeps for the dashboard, bounded together: per tenant they
    are capped at RESPONSE_BYTES_KEPT, but 1,000 tenants of 16 MB each would be 16 GB; over this
    emulator-wide budget the oldest kept answer of any tenant goes first."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.bytes = 0
        self._order: OrderedDict[tuple[int, int], tuple[Journal, int]] = OrderedDict()

    def add(self, journal: Journal, seq: int, size: int) -> None:
        self._order[(id(journal), seq)] = (journal, size)
        self.bytes += size
        while self.bytes > self.max_bytes and self._order:
            (_, old_seq), (owner, old) = self._order.popitem(last=False)
            self.bytes -= old
            owner.drop_response(old_seq)

    def discard(self, journal: Journal, seq: int) -> None:
        kept = self._order.pop((id(journal), seq), None)
        if kept is not None:
            self.bytes -= kept[1]


class Journal:
    """Bounded twice: at most `cap` entries and about `max_bytes` bytes (the oldest go first); a
    request body over `body_max` bytes is kept as its size only."""

    def __init__(self, cap: int, max_bytes: int = 32 * 1024 * 1024, body_max: int = 64 * 1024) -> None:
        self._entries: deque[Entry] = deque()
        self._sizes: deque[int] = deque()
        self._seq = itertools.count(1)
        self.cap = max(1, cap)
        self.max_bytes = max_bytes
        self.body_max = body_max
        self.bytes = 0
        self.outcomes: dict[tuple[str, str, int, str | None, int | None], int] = {}
        self.dropped = 0  # entries pushed out of the ring buffer
        # the access log, when it is on (core/access_log.py): sees every entry as it is added
        self.sink: Callable[[Entry], None] | None = None
        # seq -> (raw response headers, body): the newest answers (RESPONSES_KEPT, RESPONSE_BYTES_KEPT)
        self._responses: OrderedDict[int, tuple[Any, bytes | Callable[[], Any], int]] = OrderedDict()
        self._response_bytes = 0
        self._sized: tuple[Any, int] = (None, 0)  # the last request summary measured, and its size
        self.kept: KeptResponses | None = None  # the emulator-wide budget of kept answers, when shared

    def record(self, *, time_ms: int, api: str, operation: str, method: str, path: str, status: int,
               duration_ms: float, query: str = "", error: str | None = None, code: int | None = None,
               fault: str | None = None, request: Any = None, headers: dict[str, str] | None = None,
               response_bytes: int | None = None, transport: str = "rest",
               extra: dict[str, Any] | None = None, body_bytes: int | None = None) -> Entry | None:
        """The one way an entry is built (API operations via core/operation.py, the predict lane,
        the control plane's access log); None while seeding (`suppressed`). `body_bytes`: the size
        of the request body `request` summarises (measured when not given)."""
        if suppressed.get():
            return None
        return self.add(Entry(0, time_ms, api, operation, method, path, status, duration_ms, query, error, code,
                              fault, request, headers, response_bytes, transport, {} if extra is None else extra),
                        body_bytes)

    def _body_size(self, request: Any) -> int:
        if request is None:
            return 0
        last, size = self._sized
        if request is not last:  # the predict lane journals one shared summary per template
            try:
                size = len(orjson.dumps(request, default=str))
            except TypeError:  # an integer beyond 64 bits (a fuzzed `per_page`): orjson refuses it
                size = len(json.dumps(request, default=str))
            self._sized = (request, size)
        return size

    def add(self, e: Entry, body_bytes: int | None = None) -> Entry:
        """Append a built entry (its `seq` is assigned here); `body_bytes` is the size of the request
        body it summarises, measured here when not given."""
        e.seq = next(self._seq)
        mine = recorded.get()
        if mine is not None:
            mine.append(e)
        size = self._body_size(e.request) if body_bytes is None else body_bytes
        if size > self.body_max and e.request is not None:
            e.request = {"omitted": f"a request body of {size} bytes (journal_body_max_bytes is {self.body_max})"}
            size = 128
        size += ENTRY_OVERHEAD + len(e.path) + len(e.query)
        self._entries.append(e)
        self._sizes.append(size)
        self.bytes += size
        while len(self._entries) > self.cap or (self.bytes > self.max_bytes and len(self._entries) > 1):
            self._entries.popleft()
            self.bytes -= self._sizes.popleft()
            self.dropped += 1
        key = (e.api, e.operation, e.status, e.error, e.code)
        if key in self.outcomes or len(self.outcomes) < OUTCOME_CAP:
            self.outcomes[key] = self.outcomes.get(key, 0) + 1
        if self.sink is not None:
            self.sink(e)
        return e

    def keep_response(self, e: Entry | None, raw_headers: Any, body: bytes | Callable[[], Any],
                      size: int = 0) -> None:
        """Keep an entry's answer while it is among the newest. `raw_headers`: header pairs; `body`:
        the bytes sent, or (gRPC) a function rendering the answer as JSON when asked, `size` bytes."""
        if e is None:
            return
        if isinstance(body, bytes):
            if len(body) > RESPONSE_BODY_CAP:
                body = body[:RESPONSE_BODY_CAP]
            size = len(body)
        self._responses[e.seq] = (raw_headers, body, size)
        self._response_bytes += size
        while len(self._responses) > RESPONSES_KEPT or self._response_bytes > RESPONSE_BYTES_KEPT:
            seq, (_, _, old) = self._responses.popitem(last=False)
            self._response_bytes -= old
            if self.kept is not None:
                self.kept.discard(self, seq)
        if self.kept is not None:
            self.kept.add(self, e.seq, size)

    def drop_response(self, seq: int) -> None:
        """The emulator-wide budget (KeptResponses) lets go of one of this journal's answers."""
        kept = self._responses.pop(seq, None)
        if kept is not None:
            self._response_bytes -= kept[2]

    def release(self) -> None:
        """The tenant is gone: its kept answers leave the emulator-wide budget."""
        if self.kept is not None:
            for seq in list(self._responses):
                self.kept.discard(self, seq)
        self._responses.clear()
        self._response_bytes = 0

    def entry(self, seq: int) -> Entry | None:
        for e in reversed(self._entries):
            if e.seq == seq:
                return e
            if e.seq < seq:
                break
        return None

    def response(self, seq: int) -> tuple[dict[str, str], Any, bool] | None:
        """A kept answer, redacted: (headers, body as JSON or text, truncated?)."""
        kept = self._responses.get(seq)
        if kept is None:
            return None
        raw_headers, body, size = kept
        headers: dict[str, str] = {}
        for k, v in raw_headers or ():
            key = (k.decode("latin-1") if isinstance(k, bytes) else str(k)).lower()
            value = v.decode("latin-1") if isinstance(v, bytes) else str(v)
            headers[key] = REDACTED if key in SECRET_KEYS or key == "set-cookie" else value
        content: Any
        if not isinstance(body, bytes):
            return headers, redact(body()), False
        try:
            content = redact(orjson.loads(body)) if body else None
        except orjson.JSONDecodeError:
            content = body.decode("utf-8", "replace")
        return headers, content, size >= RESPONSE_BODY_CAP

    def clear(self) -> int:
        n = len(self._entries)
        self.release()
        self._entries.clear()
        self._sizes.clear()
        self.bytes = 0
        self.outcomes.clear()
        self.dropped = 0
        return n

    def __len__(self) -> int:
        return len(self._entries)

    def entries(self) -> list[Entry]:
        return list(self._entries)

    def query(self, operation: str | Iterable[str] | None = None,
              status: int | str | Iterable[int | str] | None = None, api: str | None = None,
              since_ms: int | None = None, until_ms: int | None = None, limit: int | None = None,
              method: str | None = None, path: str | None = None, error: str | None = None,
              fault: str | None = None, after_seq: int | None = None) -> list[Entry]:
        """Entries oldest first; `status` takes codes or classes ("5xx"); `error` is a substring;
        `limit` keeps the newest N."""
        ops = None if operation is None else ({operation} if isinstance(operation, str) else set(operation))
        out = [e for e in self._entries
               if (ops is None or e.operation in ops)
               and _status_matches(e.status, status)
               and (api is None or e.api == api)
               and (method is None or e.method == method.upper())
               and (path is None or e.path == path)
               and (error is None or (e.error is not None and error in e.error))
               and (fault is None or e.fault == fault)
               and (after_seq is None or e.seq > after_seq)
               and (since_ms is None or e.time_ms >= since_ms)
               and (until_ms is None or e.time_ms <= until_ms)]
        return out[-limit:] if limit else out
