"""Predict's base64 decoding (clarifai/inputs.py) against the straightforward one it replaced:
`binascii.a2b_base64(strict_mode=True)`, then the lenient decoder for other forms."""
from __future__ import annotations

import base64
import binascii

from hypothesis import given, settings
from hypothesis import strategies as st

from emulator.clarifai import inputs, wire


def reference(b64: str) -> bytes | None:
    try:
        return binascii.a2b_base64(b64, strict_mode=True)
    except (binascii.Error, ValueError):
        return wire.decode_bytes(b64)


alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_ \n\t.é"
texts = st.one_of(
    st.text(alphabet=alphabet, max_size=40),
    st.binary(max_size=64).map(lambda b: base64.b64encode(b).decode()),
    st.binary(max_size=64).map(lambda b: base64.urlsafe_b64encode(b).decode().rstrip("=")),
    st.binary(min_size=1, max_size=64).map(lambda b: base64.b64encode(b).decode()[:-1]),
)


@settings(max_examples=2000, deadline=None, derandomize=True)
@given(texts)
def test_decode_base64_equals_the_strict_stdlib_decoder(b64: str) -> None:
    assert inputs.decode_base64(b64) == reference(b64)


def test_decode_base64_takes_a_real_image_and_refuses_garbage() -> None:
    raw = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 40
    assert inputs.decode_base64(base64.b64encode(raw).decode()) == raw
    assert inputs.decode_base64(base64.urlsafe_b64encode(raw).decode().rstrip("=")) == raw
    assert inputs.decode_base64("QQ==QQ==") == reference("QQ==QQ==")
