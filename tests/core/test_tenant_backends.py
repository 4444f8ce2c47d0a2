"""Backends looked up by type (issue #11): `tenant.backend(Kind) -> Kind`, one per tenant, named by key in state files."""
from __future__ import annotations

import pytest

from emulator.core.emulator import BackendSlot, Emulator, Tenant
from emulator.settings import Settings


class Store:
    def __init__(self, tenant: Tenant) -> None:
        self.tenant = tenant
        self.items: list[str] = []


class Other:
    pass


def _emulator() -> Emulator:
    emu = Emulator(Settings(clock="manual", seed=1))
    emu.register_backend(BackendSlot("store", Store))
    emu.register_backend(BackendSlot("other", Other, lambda tenant: Other()))
    return emu


def test_backend_by_type_is_made_once_per_tenant() -> None:
    emu = _emulator()
    a, b = emu.tenant("a"), emu.tenant("b")
    store = a.backend(Store)
    assert isinstance(store, Store) and store.tenant is a
    assert a.backend(Store) is store
    assert b.backend(Store) is not store and b.backend(Store).tenant is b
    assert isinstance(a.backend(Other), Other)  # made by its factory, not by `kind(tenant)`


def test_backend_of_an_unregistered_type_is_a_lookup_error() -> None:
    with pytest.raises(LookupError, match="no API registered a backend of type int"):
        _emulator().tenant("a").backend(int)


def test_backend_named_is_the_same_instance_state_files_name() -> None:
    tenant = _emulator().tenant("a")
    assert tenant.started_backends() == {}
    named = tenant.backend_named("store")
    assert named is tenant.backend(Store)
    assert tenant.started_backends() == {"store": named}
    with pytest.raises(KeyError):
        tenant.backend_named("nope")


def test_register_backend_first_registration_wins() -> None:
    emu = _emulator()
    emu.register_backend(BackendSlot("store", Other, lambda tenant: Other()))
    emu.register_backend(BackendSlot("again", Store, lambda tenant: Store(tenant)))
    assert emu.backend_slot(Store).key == "store"
    assert set(emu.backend_slots) == {"store", "other"}


def test_reset_tenant_drops_its_backends() -> None:
    emu = _emulator()
    first = emu.tenant("a").backend(Store)
    first.items.append("x")
    emu.reset("a")
    assert emu.tenant("a").backend(Store).items == []
