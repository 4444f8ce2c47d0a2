"""The front door's per-request checks against their plain definitions (core/limits.py, core/api.py).

They run for every request, so they are written for speed; these tests hold them to the obvious
version on generated input."""
from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from emulator.apis import descriptors
from emulator.core import limits
from emulator.core.api import ApiDescriptor

_PATH_PARTS = st.sampled_from(["", "/", "_plugins", "_flow_framework", "workflow", "v2", "users", "me", "apps",
                               "_emulator", "x", "health", "workflows", "results", "/v2", "//"])
PATHS = st.lists(_PATH_PARTS, max_size=6).map(lambda parts: "/" + "/".join(parts))


def _owns_plainly(api: ApiDescriptor, path: str) -> bool:
    return path in api.paths or any(path == p or path.startswith(p.rstrip("/") + "/") for p in api.prefixes)


@settings(max_examples=400, deadline=None)
@given(path=PATHS | st.text(max_size=40))
def test_owns_is_the_prefix_rule(path: str) -> None:
    apis = descriptors(None)
    assert apis
    for api in apis:
        assert api.owns(path) is _owns_plainly(api, path), (api.name, path)
        for p in (*api.prefixes, *api.paths):
            assert api.owns(p)


def _head_plainly(scope: dict[str, Any]) -> int:
    size = len(scope.get("raw_path") or b"") + len(scope.get("query_string") or b"") + 16
    for name, value in scope["headers"]:
        size += len(name) + len(value) + 4
    return size


HEADERS = st.lists(st.tuples(st.binary(max_size=30), st.binary(max_size=200)), max_size=12)


@settings(max_examples=300, deadline=None)
@given(headers=HEADERS, raw_path=st.none() | st.binary(max_size=50), query=st.none() | st.binary(max_size=50))
def test_head_bytes_counts_the_head_as_sent(headers: list[tuple[bytes, bytes]], raw_path: bytes | None,
                                            query: bytes | None) -> None:
    scope = {"headers": headers, "raw_path": raw_path, "query_string": query}
    assert limits.head_bytes(scope) == _head_plainly(scope)


def test_only_a_plain_content_length_within_the_limit_skips_the_count() -> None:
    assert limits.announced_within({"content-length": "100"}, 100)
    assert limits.announced_within({"content-length": "0"}, 0)
    assert not limits.announced_within({"content-length": "101"}, 100)
    assert not limits.announced_within({}, 100)  # chunked, or no body announced: counted
    assert not limits.announced_within({"content-length": "10", "transfer-encoding": "chunked"}, 100)
    for odd in ("", " 10", "+10", "1e2", "10, 10", "\u00b2", "\u0661"):  # not a plain ASCII number: counted
        assert not limits.announced_within({"content-length": odd}, 100), odd
