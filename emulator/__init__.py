"""Workflow-API emulator: the public surface (DESIGN.md layout).

    from emulator import create_app, Settings            # an ASGI app for both APIs
    from emulator import LiveServer, EmulatorTenant      # a live server and a tenant handle for tests

Names are imported on first use, so `import emulator.settings` stays light and the package's
modules never import each other through this file.
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from emulator.admin_client import AdminClient, EmulatorAdminError, EmulatorTenant
    from emulator.app import EmulatorApp, create_app
    from emulator.core.api import ApiDescriptor
    from emulator.settings import Settings
    from emulator.testing import LiveServer, RemoteServer

_WHERE = {
    "create_app": "emulator.app", "EmulatorApp": "emulator.app", "Settings": "emulator.settings",
    "ApiDescriptor": "emulator.core.api", "AdminClient": "emulator.admin_client",
    "EmulatorAdminError": "emulator.admin_client", "EmulatorTenant": "emulator.admin_client",
    "LiveServer": "emulator.testing", "RemoteServer": "emulator.testing",
}
__all__ = ["AdminClient", "ApiDescriptor", "EmulatorAdminError", "EmulatorApp", "EmulatorTenant", "LiveServer",
           "RemoteServer", "Settings", "create_app"]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'emulator' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
