"""A create or update request as the REST layer parsed it, and the checks RestCreateWorkflowAction makes
before the transport action runs (reference §3.1, §10): which parameters go together, the fields an
update may name (and how they merge into the stored template), a use case's template made from
its file and the body's substitutions.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from emulator.opensearch_flow import errors
from emulator.opensearch_flow.domain import Template, VersionDoc
from emulator.opensearch_flow.state import FlowState
from emulator.opensearch_flow.template import parse_template
from emulator.opensearch_flow.use_cases import find_use_case, parse_overrides, render_use_case

UPDATE_FIELDS = ("name", "description", "use_case", "version", "ui_metadata")
MALFORMED = object()  # a body that could not be decoded as JSON/YAML


@dataclass
class WriteRequest:
    """Create (POST) or update (PUT) after the REST layer parsed its query parameters (§3.1)."""

    body: Any
    raw_body: bytes = b""
    body_is_yaml: bool = False
    workflow_id: str | None = None
    provision: bool = False
    reprovision: bool = False
    update_fields: bool = False
    use_case: str | None = None
    validation_all: bool = True
    wait_timeout_s: float | None = None
    params: dict[str, str] = field(default_factory=dict)
    tenant_id: str | None = None  # x-tenant-id (multi-tenancy only)


def checked_template(flow: FlowState, req: WriteRequest, method: str) -> Template:
    """The template a create (POST) or update (PUT) stores, after RestCreateWorkflowAction's checks
    of its parameters, encrypted (credentials, §4.3)."""
    if not flow.tenant.settings.flow_enabled:
        raise errors.disabled_create()
    if req.params and not req.provision:
        raise errors.only_parameters_permitted(flow.release.create_consumed_list())
    if req.provision and req.update_fields:
        raise errors.provision_and_update_fields()
    if req.reprovision and method == "POST":
        raise errors.reprovision_on_create()
    if req.reprovision and req.use_case is not None:
        raise errors.reprovision_with_use_case()
    if req.reprovision and req.params:
        # RestCreateWorkflowAction.java:151-157: provision=true lets params through, reprovision does not
        raise errors.only_parameters_permitted()
    if req.wait_timeout_s is not None and not (req.provision or req.reprovision):
        raise errors.wait_without_provision()
    return flow.cipher.encrypt_template(_request_template(flow, req, method), req.tenant_id)


def _request_template(flow: FlowState, req: WriteRequest, method: str) -> Template:
    if req.use_case is not None:
        return parse_template(_use_case_template(flow, req))
    if req.body is MALFORMED or req.body is None:
        raise errors.template_content_invalid()
    if req.update_fields and isinstance(req.body, dict):
        # Template.parse(parser, updateFields) (Template.java:464-487) runs for POST as for PUT
        for key in req.body:
            if key not in UPDATE_FIELDS:
                raise errors.update_field_not_allowed(key)
    return parse_template(req.body, require_name=not req.update_fields)


def _use_case_template(flow: FlowState, req: WriteRequest) -> dict[str, Any]:
    """RestCreateWorkflowAction.java:168-228: file lookup, then the body (if any), then substitution."""
    use_case = str(req.use_case)
    find_use_case(use_case, flow.release.version)
    overrides = None
    if req.raw_body:  # request.hasContent()
        yaml_body = req.body if req.body_is_yaml and req.body is not MALFORMED else None
        overrides = parse_overrides(req.raw_body, yaml_body)
    return render_use_case(use_case, overrides, flow.release.version)


def merged_fields(existing: Template, template: Template, now: int) -> Template:
    """Template.updateExistingTemplate: the given allow-listed fields over the stored template."""
    merged = existing.copy()
    if "name" in template:
        merged["name"] = template["name"]
    if template.get("description"):
        merged["description"] = template["description"]
    if template.get("use_case"):
        merged["use_case"] = template["use_case"]
    version: VersionDoc = existing["version"].copy() if existing.get("version") else {}
    new_version = template.get("version", {})
    if new_version.get("template"):
        version["template"] = new_version["template"]
    if new_version.get("compatibility"):
        version["compatibility"] = new_version["compatibility"]
    if version:
        merged["version"] = version
    if "ui_metadata" in template:
        merged["ui_metadata"] = template["ui_metadata"]
    merged["last_updated_time"] = now
    return merged
