"""Seeded id factories: OpenSearch auto-ids (20 URL-safe chars) and Clarifai 32-hex ids."""
from __future__ import annotations

import base64
import binascii
import contextlib
import contextvars
import random
from collections.abc import Iterator

# uuid4: version 4 in bits 76-79, variant 0b10 in bits 62-63
_CLEAR = ~((0xF000 << 64) | (0xC000 << 48))
_VERSION_4 = (4 << 76) | (0x8000 << 48)


# The 32-hex ids handed out in the current task (and the tasks it starts), while recording
# (clarifai/predict_lane.py): per task, so concurrent requests never see each other's ids.
_recording: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar("ids_recording", default=None)


@contextlib.contextmanager
def recording() -> Iterator[list[str]]:
    """Collect every `hex32` drawn in this context, in order."""
    drawn: list[str] = []
    token = _recording.set(drawn)
    try:
        yield drawn
    finally:
        _recording.reset(token)


class IdFactory:
    def __init__(self, seed: int | str | None = None) -> None:
        self._rng = random.Random(seed)

    def opensearch_id(self) -> str:
        # OpenSearch's auto-generated ids are 15 time/mac-derived bytes, base64url without padding
        return base64.urlsafe_b64encode(self._rng.randbytes(15)).decode("ascii")

    def hex32(self) -> str:
        # exactly uuid.UUID(int=n, version=4).hex (version and variant bits set), without the
        # UUID object: predict asks for several ids per input (loadtests/profile_predict.py)
        out = binascii.hexlify(((self._rng.getrandbits(128) & _CLEAR) | _VERSION_4).to_bytes(16, "big")).decode()
        drawn = _recording.get()
        if drawn is not None:
            drawn.append(out)
        return out

    def hex32_many(self, n: int) -> list[bytes]:
        """`[self.hex32().encode() for _ in range(n)]`: the same ids in the same order, in one call."""
        bits = self._rng.getrandbits
        out = [binascii.hexlify(((bits(128) & _CLEAR) | _VERSION_4).to_bytes(16, "big")) for _ in range(n)]
        drawn = _recording.get()
        if drawn is not None:
            drawn.extend(i.decode() for i in out)
        return out

    def random(self) -> random.Random:
        return self._rng
