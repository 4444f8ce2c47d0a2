"""The Flow Framework API's descriptor: everything core needs to serve it (core/api.py, DESIGN.md rule 11)."""
from __future__ import annotations

from typing import Any

from emulator.core.api import ApiDescriptor, Contract, ContractRules, SeedRequest, SeedSection
from emulator.core.emulator import BackendSlot
from emulator.core.seed import SeedError
from emulator.opensearch_flow import core_errors, dashboard, errors, template_errors
from emulator.opensearch_flow.hooks import FLOW_STEP
from emulator.opensearch_flow.rest_channel import PREFIX
from emulator.opensearch_flow.routes import install
from emulator.opensearch_flow.state import FlowState
from emulator.settings import Settings

WORKFLOW_PATH = f"{PREFIX}/workflow"

# every named error of the plugin and OpenSearch core this emulator answers (coverage reports the
# ones a client never saw; tests/core/test_api_descriptor.py fails when one is missing here)
ERRORS = (
    template_errors.template_unknown_field, template_errors.template_requires_name,
    template_errors.version_unknown_field, template_errors.workflow_needs_node,
    template_errors.edge_unknown_field, template_errors.edge_requires_ends,
    template_errors.node_unknown_field, template_errors.node_requires_id_type,
    template_errors.failed_to_parse_map, template_errors.too_many_nodes, template_errors.denied_step,
    template_errors.duplicate_node, template_errors.edge_source_missing, template_errors.edge_dest_missing,
    template_errors.edge_self_loop, template_errors.no_start_node, template_errors.cycle_detected,
    template_errors.step_not_implemented, template_errors.negative_node_timeout,
    template_errors.validation_failed_template, template_errors.missing_plugins,
    template_errors.missing_required_inputs, template_errors.unsafe_names,
    template_errors.missing_step_inputs, template_errors.resource_type_unknown,
    template_errors.deprovision_step_unknown, template_errors.typed_mapping,
    template_errors.update_field_not_allowed, template_errors.reprovision_requires_done,
    template_errors.reprovision_validation_failed, template_errors.reprovision_node_deleted,
    template_errors.reprovision_step_not_updatable, template_errors.update_step_unknown,
    template_errors.no_modifications, template_errors.index_settings_not_updated,
    template_errors.provision_validation_failed, template_errors.no_tenant_permission, core_errors.bad_boolean,
    core_errors.unrecognized_parameters, core_errors.bad_time_value, core_errors.search_body_required,
    core_errors.search_parse, core_errors.search_illegal, core_errors.query_shard, errors.search_response_unparsable,
    core_errors.index_not_found, core_errors.body_too_large,
    errors.disabled_create, errors.disabled, errors.only_parameters_permitted,
    errors.provision_and_update_fields, errors.reprovision_on_create, errors.reprovision_with_use_case,
    errors.wait_without_provision, errors.use_case_not_found, errors.use_case_missing_params,
    errors.use_case_bad_body, errors.template_content_invalid, errors.max_workflows,
    errors.template_not_in_global_context, errors.template_not_retrieved,
    errors.update_requires_not_started, errors.no_templates_get, errors.no_templates_delete,
    errors.failed_to_get_template, errors.no_provision_workflow, errors.provision_state_not_started,
    errors.duplicate_key, errors.body_fields_must_be_strings, errors.body_parsing_failed,
    errors.status_not_found, errors.deprovision_state_not_found, errors.deprovision_failed,
    errors.steps_json_failed, errors.tenant_provision_throttled,
    errors.tenant_deprovision_throttled,
    core_errors.content_type_not_supported, core_errors.body_not_supported, core_errors.unexpected_token,
)


def _seed_plan(section: Any, settings: Settings) -> list[SeedRequest]:
    """{"workflows": [<template>...], "provision": false}: one create request per template."""
    if not isinstance(section, dict) or not isinstance(section.get("workflows", []), list):
        raise SeedError("`flow` must be an object with a `workflows` list of templates")
    query = {"provision": "true"} if section.get("provision") else None
    return [SeedRequest("POST", WORKFLOW_PATH, template, query) for template in section.get("workflows", [])]


def _created_id(body: Any) -> str | None:
    wid = body.get("workflow_id") if isinstance(body, dict) else None
    return str(wid) if wid else None


DESCRIPTOR = ApiDescriptor(
    name="flow",
    prefixes=(PREFIX,),
    # the cluster root (GET / -> cluster info) is answered by the Flow door (§1)
    paths=("/",),
    contract=Contract("opensearch-flow-framework", "opensearch-flow-framework.yaml"),
    errors=ERRORS,
    health_probe="/",
    install=install,
    backends=(BackendSlot("flow", FlowState, FlowState.for_tenant),),
    fault_hooks=(FLOW_STEP,),
    seed=SeedSection("flow", _seed_plan, "flow_workflows", _created_id),
    admin_routes=dashboard.routes,  # the dashboard's Flow view (GET /_emulator/flow/workflows)
    emulates=lambda s: {"opensearch": s.opensearch_version, "flow_framework": s.opensearch_version + ".0"},
    contract_rules=ContractRules(
        # an unknown step type is 501 (§5 #7)
        not_a_server_error=("2xx", "3xx", "4xx", "501"),
        operation_checks=(
            # a template without a `provision` workflow answers the plugin's 500 when provisioned (also via
            # create ?provision=true), and synchronous provisioning answers a failed step's status (§3.4);
            # genuine crashes are still caught by the `no_emulator_crash` check
            (("create_workflow", "update_workflow", "provision_workflow"),
             {"not_a_server_error": {"expected-statuses": ["2xx", "3xx", "4xx", "501", "500"]},
              "positive_data_acceptance": {"expected-statuses": [
                  "2xx", "3xx", "400", "401", "403", "404", "409", "429", "501", "503", "500"]}}),
        )),
)
