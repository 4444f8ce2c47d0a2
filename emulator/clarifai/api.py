"""The Clarifai Workflows API's descriptor: everything core needs to serve it (core/api.py, DESIGN.md rule 11)."""
from __future__ import annotations

from typing import Any

from emulator.clarifai import dashboard, errors, inputs
from emulator.clarifai.admin import clarifai_routes, seed_models
from emulator.clarifai.grpc_server import GrpcServer
from emulator.clarifai.hooks import CLARIFAI_NODE
from emulator.clarifai.routes import install
from emulator.clarifai.state import ClarifaiState
from emulator.core.admin_kit import version
from emulator.core.api import ApiDescriptor, Contract, ContractRules, SeedRequest, SeedSection, StatusCode
from emulator.core.emulator import BackendSlot, Emulator
from emulator.core.http import ApiMount
from emulator.core.seed import SeedError
from emulator.settings import Settings

# every named error this emulator answers (coverage reports the ones a client never saw;
# tests/core/test_api_descriptor.py fails when one is missing here)
ERRORS = (
    errors.missing_authorization, errors.key_not_found, errors.key_invalid, errors.insufficient_scopes,
    errors.throttled, errors.bad_request_format, errors.path_not_found, errors.method_not_allowed,
    errors.not_implemented, errors.workflow_not_found, errors.workflow_version_not_found,
    errors.workflow_duplicate, errors.invalid_argument, errors.invalid_graph, errors.invalid_request,
    errors.model_not_found, errors.too_many_inputs, errors.model_not_ready, errors.request_too_large,
    inputs.undecodable, inputs.invalid_url, inputs.over_limit, errors.model_invalid_argument,
    errors.too_many_model_inputs, errors.app_not_found, errors.not_app_owner, errors.app_duplicate,
    errors.invalid_app_id, errors.model_duplicate, errors.model_untrained,
)


def _install(emulator: Emulator) -> ApiMount:
    mount = install(emulator)
    # the gRPC door (no HTTP routes) serves the same backend, started and stopped with the app
    server = GrpcServer(emulator)
    mount.on_startup.append(server.start)
    mount.on_shutdown.append(server.stop)
    return mount


def _doors(emulator: Emulator) -> dict[str, str]:
    """The gRPC door, when enabled, is up once its server is bound."""
    if not emulator.settings.grpc_enabled:
        return {}
    return {"grpc": "up" if emulator.ports.get("grpc") else "down"}


def _seed_plan(section: Any, settings: Settings) -> list[SeedRequest]:
    """{"user_id", "app_id", "authorization", "workflows": [<Workflow>...], "models": [...]}: one
    PostWorkflows per workflow (models are registered first, by `seed_models`)."""
    if not isinstance(section, dict) or not isinstance(section.get("workflows", []), list):
        raise SeedError("`clarifai` must be an object with a `workflows` list")
    user = section.get("user_id", settings.clarifai_default_user_id)
    app = section.get("app_id", settings.clarifai_default_app_id)
    auth = {"authorization": str(section.get("authorization", "Key emulator-seed"))}
    return [SeedRequest("POST", f"/v2/users/{user}/apps/{app}/workflows",
                        {"user_app_id": {"user_id": user, "app_id": app}, "workflows": [wf]}, None, auth)
            for wf in section.get("workflows", [])]


def _created_id(body: Any) -> str | None:
    wfs = body.get("workflows") or [] if isinstance(body, dict) else []
    return str(wfs[0].get("id")) if wfs and isinstance(wfs[0], dict) else None


DESCRIPTOR = ApiDescriptor(
    name="clarifai",
    prefixes=("/v2",),
    contract=Contract("clarifai-workflows", "clarifai-workflows.yaml"),
    errors=ERRORS,
    # no key: the API answers its auth error, in its own shape, when it is up
    health_probe="/v2/workflows",
    install=_install,
    backends=(BackendSlot("clarifai", ClarifaiState),),
    status_codes=tuple(StatusCode(s.name, s.code, s.http_status, s.description) for s in errors.BY_CODE.values()),
    match_errors_by_code=True,
    fault_hooks=(CLARIFAI_NODE,),
    seed=SeedSection("clarifai", _seed_plan, "clarifai_workflows", _created_id, seed_models),
    admin_routes=lambda kit: [*clarifai_routes(kit), *dashboard.routes(kit)],
    # Clarifai's own request limit (40033 / 413), not the emulator-wide one
    max_body_bytes=lambda s: s.clarifai_max_request_bytes,
    emulates=lambda s: {"clarifai_api": "v2", "clarifai_grpc": version("clarifai-grpc")},
    doors=_doors,
    contract_rules=ContractRules(
        # Clarifai answers a wrong method with 11103 CONN_METHOD_NOT_ALLOWED and HTTP 400, observed on the
        # real service (reference §7), not 405, so schemathesis' `unsupported_method` expectation does not apply
        disabled_checks=("unsupported_method",),
        operation_checks=(
            # `PATCH .../workflows/ids` is also `.../workflows/{workflow_id}` (GET, DELETE): the Allow header
            # rightly lists those methods, which schemathesis cannot attribute to the overlapping template
            (("patch_workflow_ids",), {"allow_header_conformance": {"enabled": False}}),
            # ListWorkflows' sort_by_* flags are one proto oneof: a request setting several fails to parse
            # (400) before the key is even looked at, so "no Authorization -> 401" cannot hold for it
            (("list_workflows", "list_workflows_user", "list_workflows_short"),
             {"missing_required_header": {"enabled": False}}),
        )),
)
