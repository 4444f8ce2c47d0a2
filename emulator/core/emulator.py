"""The state root: one Emulator holds every tenant; a tenant holds its stores, clock, faults, journal."""
from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Mapping
from typing import Any

from emulator.core.clock import Clock, make_clock
from emulator.core.faults import FaultSchema, FaultSet
from emulator.core.ids import IdFactory
from emulator.core.journal import Entry, Journal
from emulator.core.snapshot import Vault
from emulator.settings import Settings

DEFAULT_TENANT = "default"
TENANT_HEADER = "x-emulator-tenant"

BackendFactory = Callable[["Tenant"], Any]


class Tenant:
    """An isolated world: API backends are created lazily from the registered factories."""

    def __init__(self, name: str, emulator: Emulator) -> None:
        s = emulator.settings
        self.name = name
        self.emulator = emulator
        self.settings: Settings = s
        self.clock: Clock = make_clock(s.clock, s.time_scale)
        seed = None if s.seed is None else f"{s.seed}:{name}"
        self.ids = IdFactory(seed)
        self.faults = FaultSet(seed, emulator.fault_schema)
        self.journal = Journal(s.journal_cap)
        if emulator.entry_sink is not None:
            self.journal.sink = emulator.entry_sink(name)
        self._backends: dict[str, Any] = {}
        self._tasks: set[asyncio.Task[Any]] = set()

    def backend(self, key: str) -> Any:
        b = self._backends.get(key)
        if b is None:
            b = self._backends[key] = self.emulator.backend_factories[key](self)
        return b

    def started_backends(self) -> dict[str, Any]:
        """The API backends this tenant has used so far, by key."""
        return dict(self._backends)

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        """Start background work owned by this tenant; a reset cancels it."""
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def tasks(self) -> list[asyncio.Task[Any]]:
        """The background work in flight (what a reset cancels)."""
        return list(self._tasks)

    @property
    def in_flight(self) -> int:
        return len(self._tasks)

    def close(self) -> None:
        for t in list(self._tasks):
            t.cancel()
        self._tasks.clear()
        self._backends.clear()

    def set_clock(self, clock: Clock) -> None:
        self.clock = clock

    def dump(self) -> dict[str, Any]:
        out: dict[str, Any] = {"tenant": self.name, "clock": self.clock.describe()}
        for key, b in self._backends.items():
            dump = getattr(b, "dump", None)
            out[key] = dump() if dump else {}
        return out


class Emulator:
    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings()
        self.tenants: dict[str, Tenant] = {}
        self.backend_factories: dict[str, BackendFactory] = {}
        # the fault hooks and API names rules may name (core/api.py: register)
        self.fault_schema = FaultSchema()
        # when the app started serving (epoch seconds; 0 = not yet): health waits for it
        self.started_at = 0.0
        # ports actually bound (port 0 in settings means "any free port")
        self.ports: dict[str, int] = {}
        # control-plane calls (reset, seed, faults, clock...): not any tenant's traffic
        self.control_journal = Journal(self.settings.journal_cap)
        # per tenant, where journal entries also go (the access log, core/access_log.py), when it is on
        self.entry_sink: Callable[[str], Callable[[Entry], None]] | None = None
        # secrets behind the fingerprints of saved state documents (core/snapshot.py): never answered
        self.vault = Vault()
        # credential header -> value -> tenant: a client that cannot add the tenant header (an SDK)
        # still gets its own world when its credential was bound to a tenant (control plane)
        self.credential_tenants: dict[str, dict[str, str]] = {}

    def bind_credential(self, header: str, value: str, tenant: str) -> None:
        self.credential_tenants.setdefault(header.lower(), {})[value] = tenant

    def tenant_name(self, headers: Mapping[str, str]) -> str | None:
        """The tenant a request addresses: its tenant header, else the tenant its credential is bound to."""
        name = headers.get(TENANT_HEADER)
        if name or not self.credential_tenants:
            return name
        for header, values in self.credential_tenants.items():
            value = headers.get(header)
            if value is not None and value in values:
                return values[value]
        return None

    def register_backend(self, key: str, factory: BackendFactory) -> None:
        self.backend_factories[key] = factory

    def tenant(self, name: str | None = None) -> Tenant:
        name = name or DEFAULT_TENANT
        t = self.tenants.get(name)
        if t is None:
            t = self.tenants[name] = Tenant(name, self)
        return t

    def reset(self, name: str | None = None) -> list[str]:
        """Drop one tenant (or all): in-flight work is cancelled, the next request starts fresh."""
        names = [name] if name else list(self.tenants)
        for n in names:
            t = self.tenants.pop(n, None)
            if t is not None:
                t.close()
        return names
