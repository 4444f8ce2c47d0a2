"""Clarifai's list and patch request conventions (reference §5): pages, patch actions, the success envelope."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from emulator.clarifai import errors, wire

# What a handler takes: the request message as canonical proto-JSON (proto field names, enums as ints,
# defaults omitted, path parameters merged in; backend.py), read-only. Its shape is the proto's, checked by
# the doors (wire.request_from_json / request_from_message), so it is not typed further here.
Request = Mapping[str, Any]
# What a handler answers: the response message as proto-JSON and the HTTP status the REST gateway gives it
Reply = tuple[dict[str, Any], int]

DEFAULT_PER_PAGE = 128  # §3 / §5 ListWorkflows
MAX_PER_PAGE = 1000
PATCH_ACTIONS = ("merge", "overwrite", "remove")


def patch_request(req: Request, field: str, noun: str) -> tuple[str, list[dict[str, Any]]]:
    """(action, items) of a Patch* request, both checked (§5: merge / overwrite / remove)."""
    action = req.get("action", "")
    if action not in PATCH_ACTIONS:
        raise errors.invalid_request(f"Invalid action '{action}'; supported actions are merge, overwrite, remove")
    items: list[dict[str, Any]] = req.get(field) or []
    if not items:
        raise errors.invalid_request(f"At least one {noun} must be provided")
    return action, items


def ok(req_extra: dict[str, Any], http: int = 200) -> Reply:
    return {"status": wire.ok_status(), **req_extra}, http


def paginate(items: list[Any], req: Request) -> list[Any]:
    """§5: page from 1; per_page 0 means 128; at most 1000; past the end is an empty page."""
    page = max(int(req.get("page") or 1), 1)
    per_page = min(int(req.get("per_page") or DEFAULT_PER_PAGE), MAX_PER_PAGE)
    start = (page - 1) * per_page
    return items[start:start + per_page]
