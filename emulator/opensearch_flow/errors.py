"""The Flow Framework plugin's error messages, verbatim, as named constructors (reference §1.2, §3, §5, §10, §12).

Two wire shapes exist (§1.2): plugin errors (`FlowFrameworkException` / `WorkflowStepException`)
render as `{"error": msg}`; errors raised by OpenSearch core render in the nested shape with a
`status` key. `FlowError.core_type` selects the second shape.
"""
from __future__ import annotations

from emulator.opensearch_flow.error_types import (
    SAFE_CHARS,
    FlowError,
    plugin,
    rest_status_name,
    step_exception,
)

# template_errors' constructors are re-exported so `errors.<name>` covers every Flow message
# (§4.2, §5, §7, §10 live in template_errors.py)
from emulator.opensearch_flow.template_errors import (
    cycle_detected,
    denied_step,
    deprovision_step_unknown,
    duplicate_node,
    edge_dest_missing,
    edge_requires_ends,
    edge_self_loop,
    edge_source_missing,
    edge_unknown_field,
    failed_to_parse_map,
    index_settings_not_updated,
    missing_plugins,
    missing_required_inputs,
    missing_step_inputs,
    negative_node_timeout,
    no_modifications,
    no_start_node,
    no_tenant_permission,
    node_requires_id_type,
    node_unknown_field,
    provision_validation_failed,
    reprovision_node_deleted,
    reprovision_requires_done,
    reprovision_step_not_updatable,
    reprovision_validation_failed,
    resource_type_unknown,
    step_not_implemented,
    template_requires_name,
    template_unknown_field,
    too_many_nodes,
    typed_mapping,
    unsafe_field_text,
    unsafe_names,
    update_field_not_allowed,
    update_step_unknown,
    validation_failed_template,
    version_unknown_field,
    workflow_needs_node,
)

TEMPLATES_INDEX = ".plugins-flow-framework-templates"
STATE_INDEX = ".plugins-flow-framework-state"
# §3.1 step 2: Java HashSet iteration order of the consumed parameter names (tests check the suffix)
CREATE_CONSUMED_LIST = ("[use_case, pretty, workflow_id, provision, reprovision, format, error_trace, human, "
                        "update_fields, wait_for_completion_timeout, filter_path, validation]")

# --- plugin: §12 and §3 ----------------------------------------------------------------------

def search_response_unparsable() -> FlowError:
    # SearchHandler.doSearch (flow-framework transport/handler/SearchHandler.java:133-142) re-parses the SDK
    # client's response, serialised without typed keys: any aggregation makes SearchResponse.fromXContent fail
    return plugin(500, "Failed to parse search response")



def disabled_create() -> FlowError:
    return _unread(plugin(403, "This API is disabled. To enable it, set [plugins.flow_framework.enabled] to true."))


def disabled() -> FlowError:
    return _unread(plugin(403, "This API is disabled. To enable it, update the setting "
                               "[plugins.flow_framework.enabled] to true."))


def _unread(err: FlowError) -> FlowError:
    err.before_body = True
    return err


def only_parameters_permitted(consumed: str = CREATE_CONSUMED_LIST) -> FlowError:
    return plugin(400, f"Only the parameters {consumed} are permitted unless the provision parameter is set to true.")


def provision_and_update_fields() -> FlowError:
    return plugin(400, "You can not use both the provision and update_fields parameters in the same request.")


def reprovision_on_create() -> FlowError:
    return plugin(400, "You can not use the reprovision parameter to create a new template.")


def reprovision_with_use_case() -> FlowError:
    return plugin(400, "You cannot use the reprovision and use_case parameters in the same request.")


def wait_without_provision() -> FlowError:
    return plugin(400, "Request parameter 'wait_for_completion_timeout' is not allowed unless the 'provision' "
                       "or 'reprovision' parameter is set to true.")


def use_case_not_found(name: str) -> FlowError:
    # RestCreateWorkflowAction.java:170-172 looks the use case up before it reads the body
    return _unread(plugin(400, f"Unable to find substitution ready file for use case: {name}"))


def use_case_missing_params(name: str, missing: list[str]) -> FlowError:
    return plugin(400, f"Missing the following required parameters for use case [{name}] : [{', '.join(missing)}]")


def use_case_bad_body() -> FlowError:
    return plugin(400, "failure parsing request body when a use case is given, make sure to provide a map with "
                       "values that are either Strings, Arrays, or Map of Strings to Strings")


def template_content_invalid() -> FlowError:
    return plugin(400, "IOException: template content invalid for specified Content-Type.")


def max_workflows(limit: int) -> FlowError:
    return plugin(400, f"Maximum workflows limit reached: {limit}")


def template_not_in_global_context(workflow_id: str) -> FlowError:
    return plugin(404, f"Failed to retrieve template ({workflow_id}) from global context.")


def template_not_retrieved(workflow_id: str) -> FlowError:
    return plugin(404, f"Failed to retrieve template ({workflow_id}).")


def update_requires_not_started(workflow_id: str) -> FlowError:
    return plugin(400, f"The template can not be updated unless its provisioning state is NOT_STARTED: "
                       f"{workflow_id}. Deprovision the workflow to reset the state.")


def no_templates_get() -> FlowError:
    return plugin(404, "There are no templates in the global_context")


def no_templates_delete() -> FlowError:
    return plugin(404, "There are no templates in the global context")


def failed_to_get_template(workflow_id: str) -> FlowError:
    return plugin(404, f"Failed to get template {workflow_id}")


def no_provision_workflow(workflow_id: str) -> FlowError:
    return plugin(500, f"Failed to retrieve template from global context for workflow {workflow_id}")


def provision_state_not_started(progress: str, workflow_id: str) -> FlowError:
    return plugin(400, f"The workflow provisioning state is {progress} and can not be provisioned unless its "
                       f"state is NOT_STARTED: {workflow_id}. Deprovision the workflow to reset the state.")


def duplicate_key(key: str) -> FlowError:
    return plugin(400, f"Duplicate key {key}")


def body_fields_must_be_strings() -> FlowError:
    return plugin(400, "Request body fields must have string values")


def body_parsing_failed() -> FlowError:
    return plugin(400, "Request body parsing failed")


def status_not_found(workflow_id: str) -> FlowError:
    return plugin(404, f"Fail to find workflow status of {workflow_id}")


def deprovision_state_not_found(workflow_id: str) -> FlowError:
    return plugin(404, f"Failed to get workflow state for workflow {workflow_id}")


def deprovision_failed(failed: list[str], skipped: list[str]) -> FlowError:
    """§8 result table: 202 when something failed (optionally naming the skipped ones), else 403."""
    if failed:
        msg = f"Failed to deprovision some resources: [{', '.join(failed)}]."
        if skipped:
            msg += f" These resources require the allow_delete parameter to deprovision: [{', '.join(skipped)}]."
        return plugin(202, msg)
    return plugin(403, f"These resources require the allow_delete parameter to deprovision: [{', '.join(skipped)}].")


def steps_json_failed() -> FlowError:
    return plugin(400, "Failed to retrieve workflow step json.")


def tenant_provision_throttled(limit: int) -> FlowError:
    return plugin(429, f"Exceeded max simultaneous provisioning requests: {limit}")


def tenant_deprovision_throttled(limit: int) -> FlowError:
    return plugin(429, f"Exceeded max simultaneous deprovisioning requests: {limit}")


def workflow_timed_out_state() -> str:
    return "Workflow timed out, failed to fetch current state"



__all__ = [
    "SAFE_CHARS",
    "FlowError",
    "cycle_detected",
    "denied_step",
    "deprovision_step_unknown",
    "duplicate_node",
    "edge_dest_missing",
    "edge_requires_ends",
    "edge_self_loop",
    "edge_source_missing",
    "edge_unknown_field",
    "failed_to_parse_map",
    "index_settings_not_updated",
    "missing_plugins",
    "missing_required_inputs",
    "missing_step_inputs",
    "negative_node_timeout",
    "no_modifications",
    "no_start_node",
    "no_tenant_permission",
    "node_requires_id_type",
    "node_unknown_field",
    "plugin",
    "provision_validation_failed",
    "reprovision_node_deleted",
    "reprovision_requires_done",
    "reprovision_step_not_updatable",
    "reprovision_validation_failed",
    "resource_type_unknown",
    "rest_status_name",
    "step_exception",
    "step_not_implemented",
    "template_requires_name",
    "template_unknown_field",
    "too_many_nodes",
    "typed_mapping",
    "unsafe_field_text",
    "unsafe_names",
    "update_field_not_allowed",
    "update_step_unknown",
    "validation_failed_template",
    "version_unknown_field",
    "workflow_needs_node",
]
