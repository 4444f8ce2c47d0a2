"""The APIs this emulator serves: a tuple of API packages, each exposing `<package>.api.DESCRIPTOR`.

Adding an API is one package plus one line here (DESIGN.md house rule 11): app.py, the CLI,
the contract runner and the control plane read the descriptors and never name an API.
"""
from __future__ import annotations

import functools
import importlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from emulator.core import contracts
from emulator.core.api import ApiDescriptor, Contract

API_PACKAGES: tuple[str, ...] = ("emulator.opensearch_flow", "emulator.clarifai")


def load(package: str) -> ApiDescriptor:
    """The descriptor of one API package (its `api` module's `DESCRIPTOR`)."""
    descriptor = importlib.import_module(f"{package}.api").DESCRIPTOR
    if not isinstance(descriptor, ApiDescriptor):
        raise TypeError(f"{package}.api.DESCRIPTOR is not an ApiDescriptor")
    return descriptor


@functools.cache
def _defaults() -> tuple[ApiDescriptor, ...]:
    return tuple(load(p) for p in API_PACKAGES)


def descriptors(apis: Iterable[ApiDescriptor | str] | None = None) -> tuple[ApiDescriptor, ...]:
    """Descriptors from packages or descriptors; None = the built-in APIs (API_PACKAGES)."""
    if apis is None:
        return _defaults()
    return tuple(a if isinstance(a, ApiDescriptor) else load(a) for a in apis)


def by_contract(name: str, apis: Iterable[ApiDescriptor] | None = None) -> ApiDescriptor | None:
    """The API whose name or contract document is `name` (`flow`, `opensearch-flow-framework`)."""
    for d in descriptors(apis):
        if name in (d.name, d.contract.document):
            return d
    return None


def documents() -> dict[str, Contract]:
    """Every contract of the built-in APIs plus the control plane's, by document name."""
    return contracts.documents(descriptors())


def document_path(name: str) -> Path:
    """The file of a contract by document or API name (KeyError for an unknown name)."""
    return contracts.contract_path(contracts.resolve(name, descriptors()))


def load_document(name: str) -> dict[str, Any]:
    return contracts.load_contract(contracts.resolve(name, descriptors()))
