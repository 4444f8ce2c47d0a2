"""`serve --state-file FILE`: the emulator's state across restarts. Loaded at start; written atomically
(a temporary file renamed over the old one, mode 0600) on clean shutdown and every
`state_save_interval_s` seconds, so a restart loses at most that much.

The file is the `GET /_emulator/state?all=true` document plus the secrets its fingerprints stand for:
secrets are stored, never printed.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

import orjson

from emulator.core import snapshot

logger = logging.getLogger("emulator")


def save(emulator: Any, path: str | Path) -> int:
    """Write every tenant to `path` atomically; the number of tenants written."""
    vault = snapshot.Vault()
    doc = snapshot.document(list(emulator.tenants.values()), vault)
    doc["secrets"] = vault.secrets
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(orjson.dumps(doc))
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return len(doc["tenants"])


def load(emulator: Any, path: str | Path) -> list[str]:
    """Load `path` if it exists (a missing file is a first start); must run on the event loop."""
    target = Path(path)
    if not target.exists():
        return []
    try:
        doc = orjson.loads(target.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise snapshot.SnapshotError(f"state file {target} is not JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise snapshot.SnapshotError(f"state file {target} is not a state document")
    return snapshot.load_document(emulator, doc, emulator.vault)


async def save_every(emulator: Any, path: str | Path, interval_s: float) -> None:
    """Save periodically (real time: the file protects against a real restart) until cancelled."""
    while True:
        await asyncio.sleep(interval_s)
        try:
            save(emulator, path)
        except (OSError, snapshot.SnapshotError) as exc:
            logger.error("workflow-emulator: could not save state to %s: %s", path, exc)
