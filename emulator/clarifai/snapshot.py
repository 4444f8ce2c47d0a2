"""What of a tenant's Clarifai world survives a restart: apps, workflows with every version, custom and
registered models with their forced states and cold starts, registered keys (the key strings are
secrets: saved by fingerprint) and live workflow states.

The public `clarifai/main` catalogue and the models file come from the package and the settings, not
from the snapshot: only what differs from a fresh catalogue is saved.
"""
from __future__ import annotations

from typing import Any

from emulator.clarifai import auth, catalog
from emulator.clarifai.app_store import App
from emulator.clarifai.model_defs import ModelDef
from emulator.clarifai.models import Workflow
from emulator.core.snapshot import Part, to_data


def _registered(b: Any) -> dict[str, ModelDef]:
    fresh = catalog.ModelCatalog(b.settings.clarifai_models_file)._models
    return {k: m for k, m in b.catalog._models.items() if k not in fresh or to_data(fresh[k]) != to_data(m)}


def _set_registered(b: Any, models: dict[str, ModelDef]) -> None:
    b.catalog._models.update(models)
    b.catalog.generation += 1


def _model_states(b: Any) -> dict[str, Any]:
    c = b.catalog
    return {"forced": c._forced, "ready_at": c._ready_at, "last_used": c._last_used}


def _set_model_states(b: Any, v: dict[str, Any]) -> None:
    c = b.catalog
    c._forced = {k: (s, until) for k, (s, until) in v["forced"].items()}
    c._ready_at, c._last_used = dict(v["ready_at"]), dict(v["last_used"])


def _keys(b: Any) -> list[auth.ApiKey]:
    return list(b.keys.keys.values())


def _set_keys(b: Any, keys: list[auth.ApiKey]) -> None:
    b.keys.keys = {k.key: k for k in keys}


def _apps(b: Any) -> dict[tuple[str, str], dict[str, Workflow]]:
    apps: dict[tuple[str, str], dict[str, Workflow]] = b.store.apps
    return apps


def _set_apps(b: Any, apps: dict[tuple[str, str], dict[str, Workflow]]) -> None:
    b.store.apps = apps


def _set_custom_models(b: Any, apps: dict[tuple[str, str], dict[str, ModelDef]]) -> None:
    b.catalog.apps = apps
    b.catalog.generation += 1


def _app_records(b: Any) -> dict[tuple[str, str], App]:
    apps: dict[tuple[str, str], App] = b.apps.apps
    return apps


def _set_app_records(b: Any, apps: dict[tuple[str, str], App]) -> None:
    b.apps.apps = apps


def _set_workflow_states(b: Any, v: dict[str, float]) -> None:
    b.workflow_states = v


PARTS = (
    Part("apps", dict[tuple[str, str], App], _app_records, _set_app_records),
    Part("workflows", dict[tuple[str, str], dict[str, Workflow]], _apps, _set_apps),
    Part("custom_models", dict[tuple[str, str], dict[str, ModelDef]], lambda b: b.catalog.apps, _set_custom_models),
    Part("registered_models", dict[str, ModelDef], _registered, _set_registered),
    Part("model_states", dict[str, Any], _model_states, _set_model_states),
    Part("keys", list[auth.ApiKey], _keys, _set_keys, secret_paths=("key",)),
    Part("workflow_states", dict[str, float], lambda b: b.workflow_states, _set_workflow_states),
)
