"""In-process helpers for the Clarifai route tests: an authenticated JSON caller and tiny builders."""
from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from emulator.clarifai.state import ClarifaiState
from emulator.core.emulator import Emulator

AUTH = {"Authorization": "Key test-pat"}
GENERAL = ("aaa03c23b3724a16a56b629203edc62c", "aa9ca48295b37401f8af92ad1af0d91d")
FOOD = ("bd367be194cf45149e75f01d59f77ba7", "dfebc169854e429086aceb8368662641")
DETECTOR = ("general-image-detection", "1580bb1932594c93b7e2e04456af7c6f")
SENTIMENT = ("sentiment-analysis-twitter-roberta-base", "2c9bbd5e5f2a4a7ab4d8dbbb4e0e0a1d")
EMBEDDER = ("multilingual-text-embedding", "a6a1c2f9e3b74c4aa0b4c1e7d8e9f0a1")
METRO = "https://samples.clarifai.com/metro-north.jpg"


class Api:
    def __init__(self, client: TestClient, headers: dict[str, str] | None = None) -> None:
        self.client = client
        self.headers = dict(AUTH if headers is None else headers)

    def __call__(self, method: str, path: str, body: Any = None, params: Any = None,
                 headers: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
        h = {**self.headers, **(headers or {})}
        r = self.client.request(method, path, json=body, params=params, headers=h)
        return r.status_code, r.json()


def node(node_id: str, model: tuple[str, str], inputs: tuple[str, ...] = (), **kw: Any) -> dict[str, Any]:
    n: dict[str, Any] = {"id": node_id, "model": {"id": model[0], "model_version": {"id": model[1]}}, **kw}
    if inputs:
        n["node_inputs"] = [{"node_id": i} for i in inputs]
    return n


def workflow(wf_id: str, *nodes: dict[str, Any], **kw: Any) -> dict[str, Any]:
    return {"id": wf_id, "nodes": list(nodes) or [node("general", GENERAL)], **kw}


def image(url: str = METRO) -> dict[str, Any]:
    return {"data": {"image": {"url": url}}}


def text(raw: str) -> dict[str, Any]:
    return {"data": {"text": {"raw": raw}}}


def advance(client: TestClient, seconds: float, tenant: str | None = None) -> None:
    """Advance the manual clock of a tenant of the in-process app."""
    clock = client.app.state.emulator.tenant(tenant).clock  # type: ignore[attr-defined]
    client.portal.call(clock.advance, seconds)  # type: ignore[union-attr]


def backend(client: TestClient, tenant: str | None = None) -> ClarifaiState:
    emulator: Emulator = client.app.state.emulator  # type: ignore[attr-defined]
    return emulator.tenant(tenant).backend(ClarifaiState)
