"""HTTP surface of the Clarifai API (placeholder, replaced by the Clarifai work)."""
from __future__ import annotations

from emulator.core.emulator import Emulator
from emulator.core.http import ApiMount


def install(emulator: Emulator) -> ApiMount:
    return ApiMount(None, [])
