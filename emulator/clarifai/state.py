"""One tenant's Clarifai world as data (reference §4, §5, §8): apps, workflows, the model catalogue, keys,
rate limiter, workflow states and the predict lane's templates, plus the scope a call resolves to.

This is what the tenant holds and what every handler takes (`handler(state, request, scope)`); the
service that authenticates, scopes and dispatches a call is backend.py, and it is the only module
that knows every handler, so no handler imports it (tests/test_import_graph.py).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from emulator.clarifai import auth, errors, public_content, snapshot, wire
from emulator.clarifai.app_store import AppStore
from emulator.clarifai.catalog import ModelCatalog, model_json
from emulator.clarifai.models import WorkflowStore
from emulator.clarifai.public_catalog import PublicCatalog
from emulator.core.emulator import Tenant
from emulator.core.snapshot import Part
from emulator.settings import Settings


@dataclass(frozen=True)
class CallScope:
    """Who calls and which app the call addresses, after auth and `me` resolution (not an ASGI scope)."""
    principal: auth.Principal
    user_id: str
    app_id: str
    app_given: bool  # the request named an app (vs. the default app)
    now: float
    # REST bodies go straight to orjson, which takes pre-serialised parts (orjson.Fragment);
    # gRPC turns the dict into a proto message and needs plain JSON values
    fragments: bool = False


@dataclass(eq=False)
class ClarifaiState:
    """Made per tenant on first use (`ClarifaiState(tenant)`); the public `clarifai/main` app and its
    workflows are installed from the catalogue data file."""

    snapshot_parts: ClassVar[tuple[Part, ...]] = snapshot.PARTS

    tenant: Tenant
    settings: Settings = field(init=False)
    overrides: dict[str, Any] = field(init=False)  # settings.clarifai_status_overrides
    store: WorkflowStore = field(init=False)
    catalog: ModelCatalog = field(init=False)
    apps: AppStore = field(init=False)
    keys: auth.KeyRegistry = field(init=False)
    limiter: auth.RateLimiter = field(init=False)
    workflow_states: dict[str, float] = field(init=False)  # workflow_state id -> last use (§3: 5 min expiry)
    predict_templates: dict[Any, Any] = field(init=False)  # predict_template.Template per identical request
    predict_seen: dict[int, None] = field(init=False)  # hashes of requests seen once (predict_lane.py)
    predict_template_bytes: int = field(init=False)  # the templates' answer sizes, summed (bounded by the lane)
    predict_lane_hits: int = field(init=False)  # requests the lane answered from a template
    predict_shape_hits: int = field(init=False)  # of those, answered from a shape's (predict_shape.py)

    def __post_init__(self) -> None:
        s = self.settings = self.tenant.settings
        self.overrides = dict(s.clarifai_status_overrides or {})
        self.store = WorkflowStore()
        self.catalog = ModelCatalog(s.clarifai_models_file)
        self.apps = AppStore()
        public_content.install(self.public, self.apps, self.store, self.catalog)
        self.keys = auth.KeyRegistry(s.clarifai_default_user_id, s.clarifai_api_keys_file)
        self.limiter = auth.RateLimiter()
        self.workflow_states = {}
        self.predict_templates = {}
        self.predict_seen = {}
        self.predict_template_bytes = 0
        self.predict_lane_hits = 0
        self.predict_shape_hits = 0

    @property
    def public(self) -> PublicCatalog:
        return self.catalog.public

    def status_of(self, exc: errors.ClarifaiError) -> tuple[dict[str, Any], int]:
        """A per-item status (predict outputs) with overrides applied."""
        code, description, details, http = exc.resolved(self.overrides)
        return wire.status(code, description, details), http

    def delete_app(self, user_id: str, app_id: str) -> None:
        """An app and everything in it: workflows, custom models, app keys."""
        self.apps.remove(user_id, app_id)
        self.store.apps.pop((user_id, app_id), None)
        self.catalog.apps.pop((user_id, app_id), None)
        self.catalog.generation += 1
        self.keys.forget_app(user_id, app_id)

    # --- what the control plane calls (admin.py) ----------------------------------------------
    def register_model(self, model: dict[str, Any]) -> dict[str, Any]:
        return model_json(self.catalog.register(model))

    def set_model_state(self, model_id: str, state: str, until_s: float | None = None) -> None:
        """Force DEPLOYING / LOADING / BUSY / NOT_DEPLOYED for `until_s` seconds (None = until
        set to READY)."""
        if self.catalog.get(model_id) is None:
            raise errors.model_not_found(model_id)
        until = None if until_s is None else self.tenant.clock.now() + float(until_s)
        self.catalog.set_state(model_id, state, until)

    def register_key(self, key: dict[str, Any]) -> None:
        self.keys.register(key)

    def dump(self) -> dict[str, Any]:
        return {"workflows": self.store.dump(), "catalog": self.catalog.dump(), "apps": self.apps.dump(),
                # secrets never leave: who the keys belong to, never the keys
                "keys": sorted(f"{k.kind}:{k.user_id}/{k.app_id or '*'}" for k in self.keys.keys.values()),
                "workflow_states": sorted(self.workflow_states),
                # the predict lane (predict_lane.py): how many answers came from templates
                "predict_lane": {"enabled": self.settings.clarifai_predict_lane, "hits": self.predict_lane_hits,
                                 "shape_hits": self.predict_shape_hits,
                                 "templates": len(self.predict_templates),
                                 "template_bytes": self.predict_template_bytes}}
