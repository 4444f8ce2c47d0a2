"""The Flow Framework's error type: one plugin or core error, its two wire shapes (reference §1.2).

Its own module so errors.py and template_errors.py (the named constructors) both build on it
without importing each other in a circle.
"""
from __future__ import annotations

from http import HTTPStatus
from typing import Any

SAFE_CHARS = ".,!?():@-_'/\\\""


class FlowError(Exception):
    """One plugin or core error: HTTP status + message (+ the core exception type for the nested shape)."""

    # raised by a REST handler before it read the request body: OpenSearch's BaseRestHandler then answers
    # "does not support having a body" instead when a body came (core_errors.body_not_supported)
    before_body = False

    def __init__(self, status: int, message: str, *, core_type: str | None = None,
                 exception: str = "FlowFrameworkException", extra: dict[str, Any] | None = None,
                 caused_by: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.core_type = core_type
        self.exception = exception
        self.extra = extra or {}
        self.caused_by = caused_by  # a plain Java cause: rendered on the top error only, not in root_cause

    def body(self) -> dict[str, Any]:
        if self.core_type is None:
            return {"error": self.message}
        cause = {"type": self.core_type, "reason": self.message, **self.extra}
        top = {**cause, "caused_by": self.caused_by} if self.caused_by else cause
        return {"error": {"root_cause": [cause], **top}, "status": self.status}


def rest_status_name(status: int) -> str:
    """Java `RestStatus.name()` for a numeric status (used in state error texts, §7)."""
    try:
        return HTTPStatus(status).name
    except ValueError:
        return "INTERNAL_SERVER_ERROR"


def plugin(status: int, message: str) -> FlowError:
    return FlowError(status, message)


def step_exception(status: int, message: str) -> FlowError:
    return FlowError(status, message, exception="WorkflowStepException")
