"""What the in-process hostile tests (test_hostile_inputs.py, test_hostile_control_plane.py,
test_hostile_caps.py) send and how they read the answer: the paths and headers of issue #12's table,
and the shape of a control-plane error."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.testclient import TestClient

FLOW = "/_plugins/_flow_framework/workflow"
T1 = {"x-emulator-tenant": "t1"}
JSON = {"content-type": "application/json"}
KEY = {"authorization": "Key hostile-test-pat"}
CLARIFAI_WF = "/v2/users/me/apps/main/workflows"
Factory = Callable[..., TestClient]


def admin_error(r: Any, status: int) -> str:
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"error", "status"} and body["status"] == status
    return str(body["error"])
