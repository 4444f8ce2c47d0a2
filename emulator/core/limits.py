"""Request limits enforced at the ASGI door, before any API sees the request: header size and body size.

uvicorn has no header-size limit for its httptools parser (h11's `h11_max_incomplete_event_size`
only applies to h11), so the total size of the request head is checked here, like OpenSearch's
`http.max_header_size` (16 KB). Bodies are counted while they stream in (chunked ones too): a
receiver never hands an API more than its limit plus one byte, so the API's own length check
answers 413 in its own shape without the whole body having been held in memory. The control
plane has its own, smaller body limit.
"""
from __future__ import annotations

from collections.abc import Callable
from itertools import chain

from starlette.types import Message, Receive, Scope

from emulator.settings import Settings

ADMIN_PREFIX = "/_emulator/"

def head_bytes(scope: Scope) -> int:
    """The request head's size as the client sent it: request line plus `name: value\\r\\n` lines."""
    headers = scope["headers"]
    return (len(scope.get("raw_path") or b"") + len(scope.get("query_string") or b"") + 16
            + sum(map(len, chain.from_iterable(headers))) + 4 * len(headers))


def announced_within(headers: dict[str, str], limit: int) -> bool:
    """Whether the request announces a body of at most `limit` bytes by a plain Content-Length (and
    no Transfer-Encoding): the HTTP parser then hands over exactly that many bytes as the body
    (httptools and h11 alike; what follows is the next request), so counting them is left out."""
    length = headers.get("content-length")
    return (length is not None and "transfer-encoding" not in headers and length.isascii() and length.isdigit()
            and int(length) <= limit)


def body_limit(settings: Settings, path: str, api_limits: tuple[tuple[Callable[[str], bool], int], ...] = ()) -> int:
    """The control plane's limit, the limit of the API owning `path`, or the emulator-wide one."""
    if path.startswith(ADMIN_PREFIX):
        return settings.admin_max_body_bytes
    for owns, limit in api_limits:
        if owns(path):
            return limit
    return settings.max_body_bytes


class HeadTooLarge(Exception):
    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"Request header fields of {size} bytes exceed the limit of {limit} bytes")
        self.size = size
        self.limit = limit


def check_head(scope: Scope, settings: Settings) -> None:
    size = head_bytes(scope)
    if size > settings.max_header_bytes:
        raise HeadTooLarge(size, settings.max_header_bytes)


def capped_receive(receive: Receive, limit: int) -> Receive:
    """`receive` that ends the body once more than `limit` bytes came (at `limit + 1` of them).

    What the client still sends is never read into the request: uvicorn discards the rest of a
    body the application did not consume once the answer is complete."""
    seen = 0
    done = False

    async def receive_capped() -> Message:
        nonlocal seen, done
        if done:
            return await receive()
        message = await receive()
        if message["type"] != "http.request":
            return message
        body: bytes = message.get("body", b"")
        seen += len(body)
        if seen > limit:
            done = True
            keep = len(body) - (seen - limit - 1)
            return {"type": "http.request", "body": body[:keep], "more_body": False}
        if not message.get("more_body", False):
            done = True
        return message

    # uvicorn's cycle, which a `drop` fault closes the socket through (app.py: _drop_connection)
    receive_capped.__self__ = getattr(receive, "__self__", None)  # type: ignore[attr-defined]
    return receive_capped
