"""The state root: one Emulator holds every tenant; a tenant holds its stores, clock, faults, journal."""
from __future__ import annotations

import asyncio
import itertools
import logging
from collections import OrderedDict
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

from emulator.core.clock import Clock, ManualClock, make_clock
from emulator.core.faults import FaultSchema, FaultSet
from emulator.core.ids import IdFactory
from emulator.core.journal import Entry, Journal, KeptResponses
from emulator.core.snapshot import Vault
from emulator.settings import Settings

DEFAULT_TENANT = "default"
TENANT_HEADER = "x-emulator-tenant"

B = TypeVar("B")
EVICTION_SCAN = 64  # least recently used tenants looked at for an idle one before going over the cap
logger = logging.getLogger("emulator")


@dataclass(frozen=True)
class BackendSlot(Generic[B]):
    """A per-tenant state object an API declares (its descriptor's `backends`): code looks it up by
    its type (`tenant.backend(FlowState)`, so mypy checks each call site); `key` names it in dumps
    and state files."""

    key: str
    kind: type[B]
    # how a tenant makes one; None = `kind(tenant)`
    factory: Callable[[Tenant], B] | None = None

    def make(self, tenant: Tenant) -> B:
        if self.factory is not None:
            return self.factory(tenant)
        # mypy cannot know that `kind` takes a tenant; the factory field is for kinds that do not
        return cast("Callable[[Tenant], B]", self.kind)(tenant)


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
        self.journal = Journal(s.journal_cap, s.journal_max_bytes, s.journal_body_max_bytes)
        self.journal.kept = emulator.kept_responses
        if emulator.entry_sink is not None:
            self.journal.sink = emulator.entry_sink(name)
        # started backends, by slot key (dumps, state files) and by type (lookups)
        self._backends: dict[str, object] = {}
        self._by_type: dict[type, object] = {}
        self._tasks: set[asyncio.Task[Any]] = set()

    def backend(self, kind: type[B]) -> B:
        """This tenant's backend of type `kind`, created on first use (LookupError: no API registered one)."""
        b = self._by_type.get(kind)
        if isinstance(b, kind):
            return b
        return self._start(self.emulator.backend_slot(kind))

    def started(self, kind: type[B]) -> B | None:
        """This tenant's backend of type `kind` if it has started one (nothing is created)."""
        b = self._by_type.get(kind)
        return b if isinstance(b, kind) else None

    def backend_named(self, key: str) -> object:
        """The backend registered under `key` (state files name backends by key; KeyError if none)."""
        b = self._backends.get(key)
        return b if b is not None else self._start(self.emulator.backend_slots[key])

    def _start(self, slot: BackendSlot[B]) -> B:
        made = slot.make(self)
        self._backends[slot.key] = self._by_type[slot.kind] = made
        return made

    def started_backends(self) -> dict[str, object]:
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

    @property
    def idle(self) -> bool:
        """No background work and nothing waiting on its clock: evicting it loses nothing running."""
        return not self._tasks and not (isinstance(self.clock, ManualClock) and self.clock.pending)

    def close(self) -> None:
        for t in list(self._tasks):
            t.cancel()
        self._tasks.clear()
        self._backends.clear()
        self._by_type.clear()
        self.journal.release()

    def set_clock(self, clock: Clock) -> None:
        self.clock = clock

    def release_waits(self) -> None:
        """Shutting down: cancel background work (provisioning timelines) and wake every request
        waiting on the manual clock (injected latency, deprovision back-off); what waits again is
        cancelled after the shutdown grace."""
        for task in list(self._tasks):
            task.cancel()
        # the clock itself stays as it is: the state file saved on shutdown keeps its mode and time
        if isinstance(self.clock, ManualClock):
            self.clock.release_all()

    def dump(self) -> dict[str, Any]:
        out: dict[str, Any] = {"tenant": self.name, "clock": self.clock.describe()}
        for key, b in self._backends.items():
            dump = getattr(b, "dump", None)
            out[key] = dump() if dump else {}
        return out


class Emulator:
    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings()
        # least recently used first: a full house evicts from the front (settings.max_tenants)
        self.tenants: OrderedDict[str, Tenant] = OrderedDict()
        # the answers journals keep for the dashboard, bounded across tenants
        self.kept_responses = KeptResponses(self.settings.journal_responses_max_bytes)
        self.evicted = 0
        # the per-tenant backends APIs declared (core/api.py: register), by key and by type
        self.backend_slots: dict[str, BackendSlot[Any]] = {}
        self._slots_by_type: dict[type, BackendSlot[Any]] = {}
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

    def register_backend(self, slot: BackendSlot[Any]) -> None:
        """Let tenants make `slot`'s backend (the first registration of a key or type wins)."""
        if slot.key in self.backend_slots or slot.kind in self._slots_by_type:
            return
        self.backend_slots[slot.key] = self._slots_by_type[slot.kind] = slot

    def backend_slot(self, kind: type[B]) -> BackendSlot[B]:
        slot = self._slots_by_type.get(kind)
        if slot is None:
            raise LookupError(f"no API registered a backend of type {kind.__qualname__}")
        return slot

    def existing(self, name: str | None = None) -> Tenant | None:
        """The tenant `tenant(name)` would return if it exists already (nothing created, nothing
        marked used)."""
        return self.tenants.get(name or DEFAULT_TENANT)

    def tenant(self, name: str | None = None) -> Tenant:
        name = name or DEFAULT_TENANT
        t = self.tenants.get(name)
        if t is None:
            if len(self.tenants) >= self.settings.max_tenants:
                self._evict_idle()
            t = self.tenants[name] = Tenant(name, self)
        else:
            self.tenants.move_to_end(name)
        return t

    def _evict_idle(self) -> None:
        """Drop least recently used idle tenants until one more fits (never the default tenant, which
        records the evictions); with none idle among the oldest few, the cap is exceeded rather than
        work lost."""
        home = self.tenants.get(DEFAULT_TENANT)
        if home is None:
            home = self.tenants[DEFAULT_TENANT] = Tenant(DEFAULT_TENANT, self)
        cap = self.settings.max_tenants
        while len(self.tenants) >= cap:
            victim = next((t for t in itertools.islice(self.tenants.values(), EVICTION_SCAN)
                           if t.name != DEFAULT_TENANT and t.idle), None)
            if victim is None:
                return
            del self.tenants[victim.name]
            victim.close()
            self.evicted += 1
            logger.warning("tenant %r evicted: %d tenants is the cap (EMULATOR_MAX_TENANTS) and it was the least "
                           "recently used idle one", victim.name, cap)
            home.journal.record(time_ms=home.clock.now_ms(), api="emulator", operation="evict_tenant", method="-",
                                path="/_emulator/tenants", status=0, duration_ms=0.0,
                                error=f"tenant {victim.name!r} evicted (max_tenants={cap})",
                                extra={"tenant": victim.name})

    def release_waits(self) -> None:
        for t in list(self.tenants.values()):
            t.release_waits()

    def reset(self, name: str | None = None) -> list[str]:
        """Drop one tenant (or all): in-flight work is cancelled, the next request starts fresh."""
        names = [name] if name else list(self.tenants)
        for n in names:
            t = self.tenants.pop(n, None)
            if t is not None:
                t.close()
        return names
