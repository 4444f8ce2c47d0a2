"""Flow's fault hook: a step failing while it provisions, or while its resource is deleted (§7, §8)."""
from __future__ import annotations

from typing import Any

from emulator.core.fault_effects import FaultHook, check_fields, check_status


def _check_step_error(effect: dict[str, Any]) -> None:
    if effect.get("type") == "step_error":
        check_fields(effect, {"type", "status", "message"}, strings=("message",))
        check_status(effect)


# fired by provisioning.py (phase "provision") and deprovision.py (phase "deprovision");
# effect step_error {status?, message?}: the step fails as the plugin reports a failed step
FLOW_STEP = FaultHook(
    "flow_step", "flow", frozenset({"step_error", "pass"}),
    frozenset({"phase", "step_type", "node_id", "resource_type", "resource_id", "workflow_id"}),
    _check_step_error)
