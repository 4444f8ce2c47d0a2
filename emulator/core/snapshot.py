"""State you can keep: a tenant as one JSON document that loads back exactly (`GET /_emulator/state`
-> `POST /_emulator/seed`, and `serve --state-file`).

Each API declares the parts of its backend that are state (`snapshot_parts`), typed; they are written
with a generic codec driven by those types (dataclasses, enums, dicts with non-string keys, tuples), so a
new field of a stored dataclass is saved without touching this file. Secrets (a value under a key named
like `credential`, `api_key`, ..., and whatever a part marks secret) never appear in the document:
they are replaced by `{"$secret": "<fingerprint>"}` and kept in a vault; the vault is written only to
the state file (mode 0600), never answered over HTTP.
"""
from __future__ import annotations

import dataclasses
import enum
import hashlib
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from emulator.core.redaction import SECRET_KEYS

FORMAT = "workflow-emulator/state@1"
SECRET_MARK = "$secret"


class SnapshotError(ValueError):
    """A state document that cannot be loaded (answered as 400 by the control plane)."""


@dataclass(frozen=True)
class Part:
    """One piece of a backend's state: how to read it, its type, and how to put a loaded value back."""

    name: str
    type: Any
    get: Callable[[Any], Any]
    set: Callable[[Any, Any], None]
    secret_paths: tuple[str, ...] = ()  # extra keys whose values are secrets inside this part


# --- the codec ------------------------------------------------------------------------------
def to_data(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_data(getattr(value, f.name)) for f in dataclasses.fields(value)
                if not f.metadata.get("transient") and not f.name.startswith("_")}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value):
            return {k: to_data(v) for k, v in value.items()}
        return {"$pairs": [[to_data(k), to_data(v)] for k, v in value.items()]}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_data(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise SnapshotError(f"cannot save a {type(value).__name__}")


def from_data(tp: Any, data: Any) -> Any:
    """The value of type `tp` that `to_data` turned into `data`."""
    if tp is Any or tp is object:
        return data
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        if data is None and type(None) in args:
            return None
        real = [a for a in args if a is not type(None)]
        return from_data(real[0], data) if len(real) == 1 else data
    if origin is dict:
        kt, vt = args or (Any, Any)
        items = data["$pairs"] if isinstance(data, dict) and "$pairs" in data else list(data.items())
        return {from_data(kt, k): from_data(vt, v) for k, v in items}
    if origin in (list, set, frozenset):
        (it,) = args or (Any,)
        return origin(from_data(it, v) for v in data)
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(from_data(args[0], v) for v in data)
        return tuple(from_data(a, v) for a, v in zip(args, data, strict=True))
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return tp(data)
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        hints = typing.get_type_hints(tp)
        kwargs = {f.name: from_data(hints[f.name], data[f.name]) for f in dataclasses.fields(tp)
                  if f.init and f.name in data}
        return tp(**kwargs)
    if tp is float and isinstance(data, int):
        return float(data)
    return data


# --- secrets --------------------------------------------------------------------------------
def fingerprint(secret: Any) -> str:
    raw = secret if isinstance(secret, str) else repr(secret)
    return "sha256:" + hashlib.sha256(raw.encode()).hexdigest()[:16]


class Vault:
    """Secret values by fingerprint: what sealed documents refer to."""

    def __init__(self) -> None:
        self.secrets: dict[str, Any] = {}

    def seal(self, data: Any, extra: tuple[str, ...] = ()) -> Any:
        if isinstance(data, dict):
            out: dict[str, Any] = {}
            for k, v in data.items():
                if v is not None and (str(k).lower() in SECRET_KEYS or k in extra):
                    fp = fingerprint(v)
                    self.secrets[fp] = v
                    out[k] = {SECRET_MARK: fp}
                else:
                    out[k] = self.seal(v, extra)
            return out
        if isinstance(data, list):
            return [self.seal(v, extra) for v in data]
        return data

    def open(self, data: Any) -> Any:
        if isinstance(data, dict):
            if len(data) == 1 and SECRET_MARK in data:
                fp = data[SECRET_MARK]
                if fp not in self.secrets:
                    raise SnapshotError(f"secret {fp} is not known to this emulator (load the state file that "
                                        "holds it, or give the secret again)")
                return self.secrets[fp]
            return {k: self.open(v) for k, v in data.items()}
        if isinstance(data, list):
            return [self.open(v) for v in data]
        return data


# --- backends -------------------------------------------------------------------------------
def backend_parts(backend: Any) -> list[Part]:
    parts: list[Part] = list(getattr(backend, "snapshot_parts", ()))
    return parts


def save_backend(backend: Any, vault: Vault) -> dict[str, Any]:
    out = {p.name: vault.seal(to_data(p.get(backend)), p.secret_paths) for p in backend_parts(backend)}
    extra = getattr(backend, "snapshot_extra", None)
    if extra is not None:
        out["$extra"] = vault.seal(extra())
    return out


def load_backend(backend: Any, doc: dict[str, Any], vault: Vault) -> None:
    for p in backend_parts(backend):
        if p.name in doc:
            p.set(backend, from_data(p.type, vault.open(doc[p.name])))
    restore = getattr(backend, "restore_extra", None)
    if restore is not None and "$extra" in doc:
        restore(vault.open(doc["$extra"]))


# --- tenants --------------------------------------------------------------------------------
def save_tenant(tenant: Any, vault: Vault) -> dict[str, Any]:
    clock = tenant.clock
    rng_version, rng_state, rng_gauss = tenant.ids.random().getstate()
    return {
        "tenant": tenant.name,
        "clock": {"mode": clock.mode, "now": clock.now(), "scale": getattr(clock, "scale", 1.0)},
        "ids": {"version": rng_version, "state": list(rng_state), "gauss": rng_gauss},
        "faults": [vault.seal({k: v for k, v in r.to_json().items() if k not in ("remaining", "exhausted")})
                   for r in tenant.faults.list()],
        "apis": {key: save_backend(b, vault) for key, b in tenant.started_backends().items()},
    }


def load_tenant(emulator: Any, doc: dict[str, Any], vault: Vault) -> Any:
    """Replace the tenant named in `doc` by the one it describes (its clock, ids, faults and APIs)."""
    from emulator.core.clock import make_clock

    if not isinstance(doc, dict) or not isinstance(doc.get("tenant"), str) or not doc["tenant"]:
        raise SnapshotError("a tenant snapshot needs a non-empty `tenant` name")
    name = doc["tenant"]
    try:
        clock = doc["clock"]
        emulator.reset(name)
        tenant = emulator.tenant(name)
        tenant.set_clock(make_clock(str(clock["mode"]), float(clock.get("scale", 1.0)), float(clock["now"])))
        ids = doc["ids"]
        tenant.ids.random().setstate((ids["version"], tuple(ids["state"]), ids["gauss"]))
        for rule in doc.get("faults", []):
            rule = vault.open(rule)
            added = tenant.faults.add({k: rule[k] for k in ("id", "on", "match", "effects", "count", "probability",
                                                            "seed") if k in rule})
            added.matched, added.fired = int(rule.get("matched", 0)), int(rule.get("fired", 0))
        for key, part in doc.get("apis", {}).items():
            if key not in emulator.backend_slots:
                raise SnapshotError(f"unknown API {key!r} in the state of tenant {name!r}")
            load_backend(tenant.backend_named(key), part, vault)
    except SnapshotError:
        emulator.reset(name)
        raise
    except (KeyError, TypeError, ValueError) as exc:
        emulator.reset(name)
        raise SnapshotError(f"malformed state of tenant {name!r}: {type(exc).__name__}: {exc}") from None
    return tenant


def document(tenants: list[Any], vault: Vault) -> dict[str, Any]:
    return {"format": FORMAT, "tenants": [save_tenant(t, vault) for t in tenants]}


def load_document(emulator: Any, doc: dict[str, Any], vault: Vault) -> list[str]:
    if doc.get("format") != FORMAT or not isinstance(doc.get("tenants"), list):
        raise SnapshotError(f"not a state document (`format` must be {FORMAT!r}, with a `tenants` list)")
    secrets = doc.get("secrets")
    if isinstance(secrets, dict):
        vault.secrets.update(secrets)
    return [load_tenant(emulator, t, vault).name for t in doc["tenants"]]
