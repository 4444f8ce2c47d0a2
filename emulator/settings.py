"""Every knob of the emulator in one frozen dataclass, readable from the environment."""
from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from typing import Any


def _bool(v: str) -> bool:
    return v.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    # network
    host: str = "127.0.0.1"
    port: int = 9200
    grpc_port: int = 18080
    grpc_enabled: bool = True
    # PEM files: when both are set the gRPC port speaks TLS (clarifai-workflows.md §10: get_grpc_channel
    # with root_certificates_path, or the SDK with an https:// base)
    grpc_tls_cert_file: str | None = None
    grpc_tls_key_file: str | None = None
    # core
    seed: int | None = None
    clock: str = "real"  # real | manual | scaled
    time_scale: float = 1.0  # virtual seconds per real second for the scaled clock
    journal_cap: int = 10_000
    max_body_bytes: int = 10 * 1024 * 1024
    # hardening (DESIGN.md rule 10): every input bounded before work proportional to it
    journal_max_bytes: int = 32 * 1024 * 1024  # per tenant; the oldest entries go first
    journal_body_max_bytes: int = 64 * 1024  # a larger request body is journaled as its size only
    journal_responses_max_bytes: int = 128 * 1024 * 1024  # answers kept for the dashboard, all tenants together
    admin_max_body_bytes: int = 1024 * 1024  # control-plane request bodies
    max_header_bytes: int = 16 * 1024  # request line + headers (OpenSearch http.max_header_size)
    # tenants kept at once; creating one more evicts the least recently used idle tenant
    max_tenants: int = 1000
    # read timeouts: a connection idle before (or slow sending) its request head, and a body slower
    # than this in total, is closed; keep_alive is the idle time allowed between requests
    header_timeout_s: float = 10.0
    body_timeout_s: float = 30.0
    keep_alive_timeout_s: float = 5.0
    # SIGTERM / SIGINT: in-flight requests get this long before they are cancelled
    shutdown_grace_s: float = 5.0
    # `serve`: what start built (catalogues, routes, protobuf descriptors) is frozen out of the cyclic
    # garbage collector's scans, which shortens its pauses under load (emulator/server.py)
    gc_freeze: bool = True
    # the control plane's front door (core/front_door.py): required off loopback
    admin_token: str | None = None
    allowed_hosts: str = ""  # comma-separated extra Host names the control plane answers to
    # OpenSearch Flow Framework (reference/opensearch-flow-framework.md §1.4)
    opensearch_version: str = "3.7.0"
    flow_enabled: bool = True
    max_workflows: int = 1000
    max_workflow_steps: int = 50
    request_timeout_s: float = 10.0
    # multiplies every step's simulated latency; 0 makes provisioning instant
    step_latency_scale: float = 1.0
    # plugins.flow_framework.multi_tenancy_enabled (§1.4): x-tenant-id required, per-tenant throttling
    flow_multi_tenancy: bool = False
    flow_max_active_provisions_per_tenant: int = 2
    flow_max_active_deprovisions_per_tenant: int = 1
    # §5 check 9: a cluster without the ML Commons plugin rejects every ML step at validation
    flow_ml_plugin_installed: bool = True
    # Clarifai (reference/clarifai-workflows.md)
    clarifai_default_user_id: str = "emulator-user"
    clarifai_default_app_id: str = "main"
    clarifai_api_keys_file: str | None = None
    clarifai_models_file: str | None = None
    clarifai_rate_limit_rps: float = 0.0  # 0 = unlimited
    clarifai_cold_start_s: float = 0.0  # 0 = models are warm
    # a model idle longer than this is cold again (its next prediction starts a cold start)
    clarifai_cold_start_idle_s: float = 300.0
    clarifai_status_overrides: dict[str, Any] = field(default_factory=dict)
    # request limits of the real API (docs: images up to 20 MB, batches up to 128 MB): the decoded
    # bytes of one image (a larger one fails on its own, 30105), and a whole predict request as sent
    # (REST body or gRPC message: 40033 / HTTP 413); 0 = no per-image limit
    clarifai_max_image_bytes: int = 20 * 1024 * 1024
    clarifai_max_request_bytes: int = 128 * 1024 * 1024
    # serve a repeated REST predict from the response the full path gave it, with fresh ids and
    # times (clarifai/predict_lane.py); off = every request takes the full path
    clarifai_predict_lane: bool = True
    # operations: one access-log line per request (text or json lines), state kept across restarts
    access_log: bool = False
    access_log_format: str = "text"  # text | json
    state_file: str | None = None
    state_save_interval_s: float = 30.0
    # the caller's own apps exist on first use (a test-double convenience, and how the emulator always
    # behaved); False = the real API: an app must be created with PostApps, else 11101 (apps.py)
    clarifai_implicit_apps: bool = True

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides: Any) -> Settings:
        """Read `EMULATOR_<FIELD>` variables (e.g. EMULATOR_PORT=9201); explicit overrides win."""
        env = dict(os.environ if env is None else env)
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            raw = env.get("EMULATOR_" + f.name.upper())
            if raw is None:
                continue
            values[f.name] = _coerce(f.type, raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)


def _coerce(type_name: Any, raw: str) -> Any:
    t = str(type_name)
    if "None" in t and raw == "":
        return None
    if t.startswith("bool"):
        return _bool(raw)
    if t.startswith("int"):
        return int(raw)
    if t.startswith("float"):
        return float(raw)
    if t.startswith("dict"):
        import orjson

        return orjson.loads(raw)
    return raw
