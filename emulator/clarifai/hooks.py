"""Clarifai's fault hook: one workflow node failing on one input (§6, the per-output status)."""
from __future__ import annotations

from typing import Any

from emulator.core.fault_effects import FaultHook, FaultRuleError, check_fields


def _check_node_error(effect: dict[str, Any]) -> None:
    check_fields(effect, {"type", "code", "description", "details"}, strings=("description", "details"))
    code = effect.get("code")
    if effect.get("type") == "node_error" and (isinstance(code, bool) or not isinstance(code, int)):
        raise FaultRuleError("a node_error effect needs an integer Clarifai status `code`")


# fired by predict.py per node and input; effect node_error {code, description?, details?}
CLARIFAI_NODE = FaultHook(
    "clarifai_node", "clarifai", frozenset({"node_error", "pass"}),
    frozenset({"model_id", "node_id", "input_index", "workflow_id"}), _check_node_error)
