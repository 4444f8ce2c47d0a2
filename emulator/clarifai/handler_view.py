"""What the app, model and public-content handlers read of a tenant's Clarifai backend and of a call's
scope, as structural types: those handlers name no backend module, so they add no import cycle
(tests/test_import_graph.py); `ClarifaiBackend` and `Scope` satisfy both protocols."""
from __future__ import annotations

from typing import Protocol

from emulator.clarifai.app_store import AppStore
from emulator.clarifai.auth import Principal
from emulator.clarifai.catalog import ModelCatalog
from emulator.clarifai.models import WorkflowStore
from emulator.clarifai.public_catalog import PublicCatalog
from emulator.core.emulator import Tenant
from emulator.settings import Settings


class BackendView(Protocol):
    tenant: Tenant
    settings: Settings
    store: WorkflowStore
    catalog: ModelCatalog
    public: PublicCatalog
    apps: AppStore

    def delete_app(self, user_id: str, app_id: str) -> None: ...


class ScopeView(Protocol):
    @property
    def principal(self) -> Principal: ...

    @property
    def user_id(self) -> str: ...

    @property
    def app_id(self) -> str: ...

    @property
    def app_given(self) -> bool: ...

    @property
    def now(self) -> float: ...
