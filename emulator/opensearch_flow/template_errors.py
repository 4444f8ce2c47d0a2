"""Flow Framework template, validation, provisioning and reprovision messages, verbatim (reference §4.2, §5, §7, §10).

Split from errors.py (REST-level, §12 and core errors); errors.py re-exports every name here, so
callers keep writing `errors.<constructor>()`.
"""
from __future__ import annotations

from emulator.opensearch_flow.error_types import SAFE_CHARS, FlowError, plugin, step_exception

# --- template parsing §4.2 -------------------------------------------------------------------

def template_unknown_field(key: str) -> FlowError:
    return plugin(400, f"Unable to parse field [{key}] in a template object.")


def template_requires_name() -> FlowError:
    return plugin(400, "A template object requires a name.")


def version_unknown_field() -> FlowError:
    # sic: the real parser always names [version] (§4.2)
    return plugin(400, "Unable to parse field [version] in a version object.")


def workflow_needs_node() -> FlowError:
    return plugin(400, "A workflow must have at least one node.")


def edge_unknown_field(key: str) -> FlowError:
    return plugin(400, f"Unable to parse field [{key}] in an edge object.")


def edge_requires_ends() -> FlowError:
    return plugin(400, "An edge object requires both a source and dest field.")


def node_unknown_field(key: str) -> FlowError:
    return plugin(400, f"Unable to parse field [{key}] in a node object.")


def node_requires_id_type() -> FlowError:
    return plugin(400, "An node object requires both an id and type field.")


def failed_to_parse_map(key: str) -> FlowError:
    return plugin(400, f"Failed to parse {key} map")


# --- validation §5 ---------------------------------------------------------------------------

def too_many_nodes(workflow_id: str | None, n: int, limit: int) -> FlowError:
    return plugin(400, f"Workflow {workflow_id} has {n} nodes, which exceeds the maximum of {limit}. Change the "
                       "setting [plugins.flow_framework.max_workflow_steps] to increase this.")


def denied_step(step_type: str, node_id: str) -> FlowError:
    return plugin(403, f"The step type [{step_type}] for node [{node_id}] can not be used in a workflow.")


def duplicate_node(node_id: str) -> FlowError:
    return plugin(400, f"Duplicate node id {node_id}.")


def edge_source_missing(source: str) -> FlowError:
    return plugin(400, f"Edge source {source} does not correspond to a node.")


def edge_dest_missing(dest: str) -> FlowError:
    return plugin(400, f"Edge destination {dest} does not correspond to a node.")


def edge_self_loop(node_id: str) -> FlowError:
    return plugin(400, f"Edge connects node {node_id} to itself.")


def no_start_node() -> FlowError:
    return plugin(400, "No start node detected: all nodes have a predecessor.")


def cycle_detected(edges: list[tuple[str, str]]) -> FlowError:
    return plugin(400, "Cycle detected: [" + ", ".join(f"{s}->{d}" for s, d in edges) + "]")


def step_not_implemented(step_type: str) -> FlowError:
    return plugin(501, f"Workflow step type [{step_type}] is not implemented.")


def negative_node_timeout(value: str, node_id: str) -> FlowError:
    return plugin(400, f"Failed to parse timeout value [{value}] for field [{node_id}.user_inputs.node_timeout]. "
                       "Must be positive")


def validation_failed_template(name: str) -> FlowError:
    return plugin(400, f"Workflow validation failed for template {name}")


def missing_plugins(step_type: str, plugins: list[str]) -> FlowError:
    return plugin(400, f"The workflowStep {step_type} requires the following plugins to be installed : "
                       f"[{', '.join(plugins)}]")


def missing_required_inputs(node_id: str, keys: list[str]) -> FlowError:
    return plugin(400, f"Invalid workflow, node [{node_id}] missing the following required inputs : "
                       f"[{', '.join(keys)}]")


def unsafe_names(failures: list[str]) -> FlowError:
    """OpenSearch `ValidationException` text: numbered failures, each followed by `;`."""
    return plugin(400, "Validation Failed: " + "".join(f"{i}: {f};" for i, f in enumerate(failures, 1)))


def unsafe_field_text(label: str, field: str, node_id: str, blank: bool) -> str:
    if blank:
        return f"{label} {field} [node {node_id}] is required and cannot be null or blank"
    return (f"{label} {field} [node {node_id}] can only contain letters, numbers, spaces, and basic "
            f"punctuation ({SAFE_CHARS})")


# --- provisioning §3.4, §7 -------------------------------------------------------------------

def missing_step_inputs(keys: list[str], workflow_id: str, node_id: str) -> FlowError:
    return plugin(400, f"Missing required inputs [{', '.join(keys)}] in workflow [{workflow_id}] node [{node_id}]")


def resource_type_unknown(step: str) -> FlowError:
    return plugin(400, f"Unable to find resource type for step: {step}")


def deprovision_step_unknown(step: str) -> FlowError:
    return plugin(400, f"Unable to find deprovision step for step: {step}")


def typed_mapping() -> FlowError:
    return step_exception(400, "The mapping definition cannot be nested under a type")


# --- update_fields / reprovision §10 ---------------------------------------------------------

def update_field_not_allowed(key: str) -> FlowError:
    return plugin(400, f"You can not update the field [{key}] without updating the whole template.")


def reprovision_requires_done(workflow_id: str) -> FlowError:
    return plugin(400, "The template can not be reprovisioned unless its provisioning state is DONE or FAILED: "
                       f"{workflow_id}")


def reprovision_validation_failed(workflow_id: str) -> FlowError:
    return plugin(400, f"Workflow validation failed for workflow {workflow_id}")


def reprovision_node_deleted() -> FlowError:
    return plugin(400, "Workflow Step deletion is not supported when reprovisioning a template.")


def reprovision_step_not_updatable(node_id: str) -> FlowError:
    return plugin(400, f"Workflow Step {node_id} does not support updates when reprovisioning.")


def update_step_unknown(step_type: str) -> FlowError:
    return plugin(400, f"Unable to find update step for step: {step_type}")


def no_modifications() -> FlowError:
    return plugin(400, "Template does not contain any modifications")


def index_settings_not_updated(index: str) -> FlowError:
    return step_exception(400, f"Failed to update index settings for index {index}, no settings have been updated")


def provision_validation_failed(workflow_id: str) -> FlowError:
    """The generic wrapper of non-plugin validation failures at provision (§5 check 8): 400, same text as the
    NPE path."""
    return plugin(400, f"Failed to retrieve template from global context for workflow {workflow_id}")


def no_tenant_permission() -> FlowError:
    """Multi-tenancy on and no `x-tenant-id` header (§1.4)."""
    return plugin(403, "No permission to access this resource")
