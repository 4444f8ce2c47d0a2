"""Clarifai predict inputs (reference §4 Input/Data, §5): image url / base64 and text raw / url.

URLs are never fetched (the emulator is offline by design); the URL itself is the content. Image
bytes must look like an image the real service decodes, otherwise the input fails on its own
(a per-result status, §5) while the other inputs of the request still run.
"""
from __future__ import annotations

import binascii
import hashlib
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from emulator.clarifai import errors, wire

# magic numbers of the formats Clarifai accepts (JPEG, PNG, GIF, BMP, TIFF, WEBP)
_IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a", b"BM", b"II*\x00", b"MM\x00*")


@dataclass(frozen=True)
class InputContent:
    kind: str  # "image" | "text"
    digest: bytes  # what every prediction is a function of
    words: str  # lower-cased text that makes matching concepts plausible (URL path or raw text)


def _is_image(b: bytes) -> bool:
    return b.startswith(_IMAGE_MAGIC) or (b[:4] == b"RIFF" and b[8:12] == b"WEBP")


# an http(s) URL with a host, in the form every client sends: no escapes, controls or IPv6 brackets
# in the host, so `urlsplit` would find the same scheme and a non-empty netloc
_PLAIN_URL = re.compile(r"https?://[^/?#\[\]\t\r\n]+(?:[/?#][^\t\r\n]*)?")


def _url_ok(url: str) -> bool:
    if url.isascii() and _PLAIN_URL.fullmatch(url):
        return True
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unclosed IPv6 bracket: an invalid URL, not a server error
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def undecodable(details: str) -> errors.ClarifaiError:
    return errors.ClarifaiError(30101, details, "input_undecodable")


def invalid_url(url: str) -> errors.ClarifaiError:
    return errors.ClarifaiError(30106, f"Invalid URL: '{url}'", "input_invalid_url")


def read_input(inp: dict[str, Any]) -> InputContent | errors.ClarifaiError:
    data = inp.get("data") or {}
    image, text = data.get("image"), data.get("text")
    if image:
        b64 = image.get("base64")
        if b64:
            return _from_base64(b64)
        url = image.get("url", "")
        if url:
            return _from_text("image", url, True)
    if text:
        raw_text = text.get("raw", "")
        if raw_text:
            return _from_text("text", raw_text, False)
        url = text.get("url", "")
        if url:
            return _from_text("text", url, True)
    return _NO_DATA


def _from_base64(b64: str) -> InputContent | errors.ClarifaiError:
    # both doors hand over standard padded base64 (wire.py: REST bodies in any other form take the
    # protobuf route, gRPC bytes are encoded by it), decoded here once, without a copy of the text
    try:
        raw: bytes | None = binascii.a2b_base64(b64, strict_mode=True)
    except (binascii.Error, ValueError):
        raw = wire.decode_bytes(b64)  # any other form a caller may hold (url-safe, unpadded)
    if raw is None or not _is_image(raw):
        return undecodable("Failed to decode image: the bytes are not a supported image format")
    return InputContent("image", hashlib.blake2b(raw, digest_size=16).digest(), "")


def _from_text(kind: str, value: str, is_url: bool) -> InputContent | errors.ClarifaiError:
    if is_url and not _url_ok(value):
        return invalid_url(value)
    return InputContent(kind, hashlib.blake2b(value.encode(), digest_size=16).digest(), value.lower())


_NO_DATA = errors.ClarifaiError(30104, "The input has no image or text data (image.url, image.base64, "
                                       "text.raw or text.url)", "input_no_data")
