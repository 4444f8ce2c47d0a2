"""The steps of the predict lane's differential scenarios (test_predict_lane.py): requests as a test
client sends them, with the clock, the control plane and the requests all different that the lane
answers from shapes (emulator/clarifai/predict_shape.py).
"""
from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import orjson
from starlette.testclient import TestClient

from emulator.settings import Settings
from tests.clarifai.clarifai_rest_support import METRO, advance, image, text

W = "/v2/users/me/apps/main/workflows"
USER = Settings().clarifai_default_user_id  # what `me` resolves to for an unregistered key
AUTH = {"Authorization": "Key lane-pat", "Content-Type": "application/json"}
Observed = tuple[int, list[tuple[str, str]], bytes]
Step = Callable[[TestClient], Observed | None]
START_MS = 1_795_000_000_123


def call(method: str, path: str, body: Any = None, **headers: str) -> Step:
    raw = b"" if body is None else orjson.dumps(body)

    def step(c: TestClient) -> Observed:
        r = c.request(method, path, content=raw, headers={**AUTH, **headers})
        return r.status_code, sorted(r.headers.items()), r.content

    return step


def raw_call(path: str, raw: bytes, **headers: str) -> Step:
    def step(c: TestClient) -> Observed:
        r = c.request("POST", path, content=raw, headers={**AUTH, **headers})
        return r.status_code, sorted(r.headers.items()), r.content

    return step


JPEG = base64.b64encode(b"\xff\xd8\xff\xe0" + bytes(range(256)) * 8).decode()


def plain_requests() -> list[Step]:
    """Requests seen once each (rest_predict.py answers them, or hands them over): unique inputs,
    base64, every kind of body the general path must answer instead, auth forms, a session token."""
    p = f"{W}/two/results"
    return [
        *(call("POST", p, {"inputs": [image(METRO + f"?u={i}"), image(METRO + f"?v={i}")]}) for i in range(3)),
        call("POST", p, {"inputs": [{"data": {"image": {"base64": JPEG}}}]}),
        call("POST", p, {"inputs": [{"data": {"image": {"base64": JPEG[:-2]}}}]}),  # unpadded: the proto route
        call("POST", p, {"inputs": [{"data": {"image": {"base64": "bm90IGFuIGltYWdl"}}}]}),  # not an image
        raw_call(p, b"{not json"), raw_call(p, b"[1, 2]"), raw_call(p, b""),
        call("POST", p, {"inputs": [image()], "unknown_field": 1}),
        call("POST", p, {"inputs": [image()], "userAppId": {"appId": "main"}}),  # camelCase: the proto route
        call("POST", f"{W}/nope/results", {"inputs": [image()]}),
        call("POST", p, {"inputs": []}), call("POST", p, {"inputs": [image()] * 33}),
        call("POST", p, {"inputs": [image()]}, Authorization="Bearer nope"),
        call("POST", p, {"inputs": [image()]}, **{"x-clarifai-session-token": "not-a-session"}),
        call("POST", p, {"inputs": [image(METRO + "?long=" + "x" * 3000)]}),  # over the small-limit profile's
        call("POST", p, {"inputs": [image()], "api_key": "in-the-body"}),  # redacted in the journal
    ]


def jpeg(i: int) -> str:
    """A different JPEG-looking image for each `i` (standard padded base64)."""
    return base64.b64encode(b"\xff\xd8\xff\xe0" + i.to_bytes(4, "big") + bytes(range(256)) * 4).decode()


def unique_requests(tag: str) -> list[Step]:
    """Requests all different, as load tests send them: the lane answers most of them from their
    shape's template (predict_shape.py); among them, every kind the shape must hand back to the full
    path: an input or output that fails, a form the gateway transcodes, an escape, a larger body."""
    p = f"{W}/two/results"
    steps: list[Step] = []
    for i in range(6):
        steps.append(call("POST", p, {"inputs": [image(METRO + f"?{tag}={i}")]}))
        steps.append(act(lambda c: advance(c, 0.125)))
    steps += [call("POST", p, {"inputs": [{"data": {"image": {"base64": jpeg(i)}}}]}) for i in range(5)]
    steps += [call("POST", p, {"inputs": [image(METRO + f"?{tag}3={i}"), image(METRO + f"?{tag}3b={i}"),
                                          {"data": {"image": {"base64": jpeg(100 + i)}}}]}) for i in range(4)]
    steps += [call("POST", f"{W}/words/results", {"inputs": [text(f"{tag} a lovely day number {i}")]})
              for i in range(4)]
    # a detector feeding a classifier (regions), the app named in the body, two inputs alike
    steps += [call("POST", f"{W}/regions/results", {"inputs": [image(METRO + f"?{tag}r={i}")]}) for i in range(4)]
    steps += [call("POST", p, {"inputs": [image(METRO + f"?{tag}a={i}")], "user_app_id": {"user_id": "me",
                                                                                       "app_id": "main"}})
              for i in range(4)]
    steps += [call("POST", p, {"inputs": [image(METRO + f"?{tag}s={i}")] * 2}) for i in range(4)]
    steps += [
        call("POST", p, {"inputs": [image("not a url")]}),  # the same shape, an input that fails: 400
        call("POST", p, {"inputs": [image("")]}),  # an empty string: the protobuf route
        call("POST", p, {"inputs": [{"data": {"image": {"base64": jpeg(7)[:-2]}}}]}),  # unpadded: transcoded
        call("POST", p, {"inputs": [{"data": {"image": {"base64": "bm90IGFuIGltYWdl"}}}]}),  # not an image
        call("POST", p, {"inputs": [image(METRO + f"?{tag}=caf\u00e9-\u2603")]}),  # not ASCII
        raw_call(p, b'{"inputs":[{"data":{"image":{"url":"https:\\/\\/x.io\\/' + tag.encode() + b'"}}}]}'),  # escapes
        raw_call(p, b'{"inputs":[{"data":{"image":{"url":"https://x.io/\x01"}}}]}'),  # a control character
        raw_call(p, b'{"inputs":[{"data":{"image":{"url":"https://x.io/' + b"\xff" + b'"}}}]}'),  # not UTF-8
        call("POST", p, {"inputs": [image(METRO + "?" + tag + "=" + "y" * 2100)]}),  # over the small limit
        call("POST", p, {"inputs": [image(METRO + f"?{tag}=after")]}),
        call("POST", p, {"inputs": [image(METRO + f"?{tag}=tea-and-cake")]}),  # a concept named in the URL
        call("POST", p, {"inputs": [{"id": "given", **image(METRO + f"?{tag}=given")}]}),
        call("POST", p, {"inputs": [{"id": "given", **image(METRO + f"?{tag}=given2")}]}),
        call("POST", p, {"inputs": [{"id": "given", **image(METRO + f"?{tag}=given3")}]}),
    ]
    # one of them again and again: answered from the shape, then from its own template (baked from it)
    again = [{"data": {"image": {"base64": jpeg(3)}}}, image(METRO + f"?{tag}=again")]
    for _ in range(4):
        steps += [call("POST", p, {"inputs": again}), act(lambda c: advance(c, 0.125))]
    return steps


def act(fn: Callable[[TestClient], Any]) -> Step:
    def step(c: TestClient) -> None:
        fn(c)

    return step


def admin(method: str, path: str, body: Any = None, tenant: str | None = None) -> Step:
    def step(c: TestClient) -> None:
        r = c.request(method, "/_emulator" + path, json=body, headers={"x-emulator-tenant": tenant} if tenant else {})
        assert r.status_code < 300, r.text

    return step


def predict(wf: str, *inputs: dict[str, Any], times: int = 4, path_extra: str = "", **body: Any) -> list[Step]:
    """The same request `times` times, the clock moving in between (fresh timestamps)."""
    steps: list[Step] = []
    for _ in range(times):
        steps.append(call("POST", f"{W}/{wf}{path_extra}/results", {"inputs": list(inputs), **body}))
        steps.append(act(lambda c: advance(c, 0.25)))
    return steps
