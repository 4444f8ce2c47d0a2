"""One line of meaning per setting, for `workflow-emulator serve --help` (tests keep it complete)."""
from __future__ import annotations

import dataclasses

from emulator.settings import Settings

HELP: dict[str, str] = {
    "host": "HTTP (and gRPC) bind address",
    "port": "HTTP port: Flow Framework, Clarifai REST and the control plane (0 = any free port)",
    "grpc_port": "Clarifai gRPC port (0 = any free port)",
    "grpc_enabled": "serve Clarifai over gRPC too",
    "grpc_tls_cert_file": "PEM certificate: with the key file, the gRPC port speaks TLS",
    "grpc_tls_key_file": "PEM private key for the gRPC TLS certificate",
    "seed": "seed for ids and randomness (empty = random)",
    "clock": "tenant clocks: real, manual (moves only when advanced) or scaled",
    "time_scale": "virtual seconds per real second for the scaled clock",
    "journal_cap": "journal entries kept per tenant",
    "max_body_bytes": "largest request body accepted",
    "journal_max_bytes": "journal bytes kept per tenant (the oldest entries go first)",
    "journal_body_max_bytes": "a larger request body is journaled as its size only",
    "journal_responses_max_bytes": "bytes of answers kept for the dashboard, all tenants together",
    "admin_max_body_bytes": "largest control-plane (/_emulator/) request body accepted",
    "max_header_bytes": "largest request line + headers accepted (431 beyond)",
    "max_tenants": "tenants kept at once; one more evicts the least recently used idle tenant",
    "header_timeout_s": "seconds a connection may take to send its request head (idle ones too)",
    "body_timeout_s": "seconds a request may take to send its body",
    "gc_freeze": "freeze what start built out of the garbage collector's scans (shorter pauses under load)",
    "keep_alive_timeout_s": "seconds an idle keep-alive connection is kept between requests",
    "shutdown_grace_s": "seconds in-flight requests get on SIGTERM/SIGINT before they are cancelled",
    "admin_token": "token the control plane requires (required off loopback): Authorization: Bearer <token>",
    "allowed_hosts": "comma-separated extra Host names the control plane answers to",
    "opensearch_version": "OpenSearch release the Flow Framework behaves as",
    "flow_enabled": "plugins.flow_framework.enabled",
    "max_workflows": "plugins.flow_framework.max_workflows",
    "max_workflow_steps": "plugins.flow_framework.max_workflow_steps",
    "request_timeout_s": "plugins.flow_framework.request_timeout in seconds",
    "step_latency_scale": "multiplies every Flow step's simulated latency (0 = instant provisioning)",
    "flow_multi_tenancy": "plugins.flow_framework.multi_tenancy_enabled (x-tenant-id required)",
    "flow_max_active_provisions_per_tenant": "concurrent provisions per x-tenant-id (multi-tenancy)",
    "flow_max_active_deprovisions_per_tenant": "concurrent deprovisions per x-tenant-id (multi-tenancy)",
    "flow_ml_plugin_installed": "false = a cluster without ML Commons (ML steps fail validation)",
    "clarifai_default_user_id": "the user a PAT acts as, and what `me` resolves to",
    "clarifai_default_app_id": "the app of Clarifai's short routes",
    "clarifai_api_keys_file": "JSON file of Clarifai keys; once set, unknown keys are refused",
    "clarifai_models_file": "JSON file of extra Clarifai models added to the catalogue",
    "clarifai_rate_limit_rps": "Clarifai requests per second per key (0 = unlimited)",
    "clarifai_cold_start_s": "seconds a cold Clarifai model answers MODEL_DEPLOYING (0 = always warm)",
    "clarifai_cold_start_idle_s": "idle seconds after which a Clarifai model is cold again",
    "clarifai_status_overrides": "JSON map changing unverified Clarifai status choices",
    "clarifai_max_image_bytes": "largest decoded image per predict input (bigger fails alone, 30105; 0 = none)",
    "clarifai_max_request_bytes": "largest Clarifai request, REST body or gRPC message (40033 / HTTP 413)",
    "clarifai_predict_lane": "serve repeated identical predicts from the predict lane",
    "clarifai_implicit_apps": "the caller's own apps exist on first use (false: only PostApps makes apps)",
    "access_log": "log one line per request (tenant, API, operation, status, latency)",
    "access_log_format": "access-log format: text or json (one JSON object per line)",
    "state_file": "load state from this file at start, save it on shutdown and periodically",
    "state_save_interval_s": "seconds between periodic saves of the state file (0 = only on shutdown)",
}


def describe() -> list[tuple[str, str, str, str]]:
    """(field, env name, default, meaning) for every setting, in declaration order."""
    defaults = Settings()
    rows = []
    for f in dataclasses.fields(Settings):
        default = getattr(defaults, f.name)
        shown = "" if default is None else str(default).lower() if isinstance(default, bool) else str(default)
        rows.append((f.name, "EMULATOR_" + f.name.upper(), shown, HELP.get(f.name, "")))
    return rows


def epilog() -> str:
    rows = describe()
    width = max(len(env) for _, env, _, _ in rows)
    lines = ["settings (environment variable, default, meaning; flags above win over the environment):"]
    for _, env, default, meaning in rows:
        lines.append(f"  {env:<{width}}  [{default or 'unset'}]  {meaning}")
    return "\n".join(lines)
