"""Clarifai predict inputs (reference §4 Input/Data, §5): image, text, video and audio, by URL or bytes.

URLs are never fetched (the emulator is offline by design); the URL itself is the content. Bytes
must look like media the real service decodes, otherwise the input fails on its own (a per-result
status, §5) while the other inputs of the request still run. A video or an audio clip gets an
emulated length, a pure function of its content, so per-frame outputs are deterministic.
"""
from __future__ import annotations

import binascii
import hashlib
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pybase64

from emulator.clarifai import errors, wire

# magic numbers of the formats Clarifai accepts (JPEG, PNG, GIF, BMP, TIFF, WEBP)
_IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a", b"BM", b"II*\x00", b"MM\x00*")
# video: MP4/MOV/3GP (ISO BMFF `ftyp` box), WebM/MKV (EBML), AVI, WMV (ASF), FLV, MPEG-PS, and GIF
# (the docs' video formats: .avi, .mp4, .wmv, .mov, .gif, .3gpp; Clarifai/old-docs video.md "Video Format")
_VIDEO_MAGIC = (b"\x1aE\xdf\xa3", b"0&\xb2u\x8ef\xcf\x11", b"FLV\x01", b"\x00\x00\x01\xba", b"GIF87a", b"GIF89a")
# audio: MP3 (ID3 tag or a frame sync), Ogg, FLAC, AMR, AAC (ADTS); WAV and M4A are checked below
_AUDIO_MAGIC = (b"ID3", b"\xff\xfb", b"\xff\xf3", b"\xff\xf2", b"OggS", b"fLaC", b"#!AMR", b"\xff\xf1", b"\xff\xf9")

KINDS = ("image", "video", "audio", "text")
# captured real answers echo `"base64": "dHJ1ZQ=="` (the bytes `true`) instead of the media sent,
# which keeps answers small whatever the input size (issue #15; the echo is a marker, not the data)
BASE64_ECHO = "dHJ1ZQ=="
# the emulated length of a video or audio clip: 3 to 30 seconds, from its content (URL or bytes)
MIN_DURATION_MS, MAX_DURATION_MS = 3_000, 30_000


@dataclass(frozen=True)
class InputContent:
    kind: str  # "image" | "video" | "audio" | "text"
    digest: bytes  # what every prediction is a function of
    words: str  # lower-cased text that makes matching concepts plausible (URL path or raw text)
    duration_ms: int = 0  # video and audio: the emulated length


def _is_image(b: bytes) -> bool:
    return b.startswith(_IMAGE_MAGIC) or (b[:4] == b"RIFF" and b[8:12] == b"WEBP")


def _is_video(b: bytes) -> bool:
    if b[4:8] == b"ftyp":
        return b[8:11] != b"M4A"  # an .m4a is audio in the same container
    return b.startswith(_VIDEO_MAGIC) or (b[:4] == b"RIFF" and b[8:12] == b"AVI ")


def _is_audio(b: bytes) -> bool:
    if b[4:11] == b"ftypM4A":
        return True
    return b.startswith(_AUDIO_MAGIC) or (b[:4] == b"RIFF" and b[8:12] == b"WAVE")


_SNIFF = {"image": _is_image, "video": _is_video, "audio": _is_audio}


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


def duration_ms(digest: bytes) -> int:
    """The emulated length of a clip with this content digest (tests compute frames from it)."""
    span = MAX_DURATION_MS - MIN_DURATION_MS
    return MIN_DURATION_MS + int.from_bytes(digest[:4], "big") % (span + 1)


def undecodable(kind: str) -> errors.ClarifaiError:
    return errors.ClarifaiError(30101, f"Failed to decode {kind}: the bytes are not a supported {kind} format",
                                "input_undecodable")


def invalid_url(url: str) -> errors.ClarifaiError:
    return errors.ClarifaiError(30106, f"Invalid URL: '{url}'", "input_invalid_url")


def over_limit(kind: str, size: int, limit: int) -> errors.ClarifaiError:
    # §6 "images < 20 MB": the code for a larger one is unverified; INPUT_OVER_LIMIT fits the situation
    return errors.ClarifaiError(30105, f"The {kind} is {size} bytes, larger than the limit of {limit} bytes",
                                "input_over_limit")


def read_input(inp: dict[str, Any], max_bytes: int = 0) -> InputContent | errors.ClarifaiError:
    """The content of one input: the first of image, video, audio, text that carries data.
    `max_bytes` (0 = none) caps decoded image bytes (settings.clarifai_max_image_bytes)."""
    data = inp.get("data") or {}
    for kind in KINDS:
        part = data.get(kind)
        if not part:
            continue
        if kind == "text":
            raw_text = part.get("raw", "")
            if raw_text:
                return _from_text("text", raw_text, False)
        else:
            b64 = part.get("base64")
            if b64:
                return _from_bytes(kind, b64, max_bytes if kind == "image" else 0)
        url = part.get("url", "")
        if url:
            return _from_text(kind, url, True)
    return _NO_DATA


def decode_base64(b64: str) -> bytes | None:
    """The media bytes of a base64 field: standard padded base64 (both doors hand over that form:
    wire.py sends REST bodies in any other form the protobuf route, gRPC bytes are encoded by it),
    else any other form a caller may hold (url-safe, unpadded). None: not base64 at all."""
    try:
        # validated like `binascii.a2b_base64(strict_mode=True)` (the alphabet, padding only at the
        # end), with SIMD: tests/clarifai/test_base64_decode.py compares the two on generated text
        return pybase64.b64decode(b64, validate=True)
    except (binascii.Error, ValueError):
        return wire.decode_bytes(b64)


def _from_bytes(kind: str, b64: str, max_bytes: int) -> InputContent | errors.ClarifaiError:
    raw = decode_base64(b64)  # once, without a copy of the text
    if raw is None or not _SNIFF[kind](raw):
        return undecodable(kind)
    if max_bytes and len(raw) > max_bytes:
        return over_limit(kind, len(raw), max_bytes)
    digest = hashlib.blake2b(raw, digest_size=16).digest()
    return InputContent(kind, digest, "", duration_ms(digest) if kind != "image" else 0)


def _from_text(kind: str, value: str, is_url: bool) -> InputContent | errors.ClarifaiError:
    if is_url and not _url_ok(value):
        return invalid_url(value)
    digest = hashlib.blake2b(value.encode(), digest_size=16).digest()
    return InputContent(kind, digest, value.lower(), duration_ms(digest) if kind in ("video", "audio") else 0)


def echo_data(data: dict[str, Any]) -> dict[str, Any]:
    """The input's `data` as the answer echoes it: media bytes replaced by the marker."""
    out = data
    for kind in ("image", "video", "audio"):
        part = data.get(kind)
        if part and part.get("base64"):
            if out is data:
                out = dict(data)
            out[kind] = {**part, "base64": BASE64_ECHO}
    return out


_NO_DATA = errors.ClarifaiError(30104, "The input has no image, video, audio or text data (image.url, "
                                       "image.base64, video.url, video.base64, audio.url, audio.base64, text.raw "
                                       "or text.url)", "input_no_data")
