"""The benchmark's baseline: a bare Starlette app answering the predict route with a same-size body.

It does what any server must do for that request (route, read the body, answer JSON of the
emulator's response size) and nothing else, under the same uvicorn stack as the emulator
(uvloop, httptools). The ratio emulator / baseline is therefore the cost of the emulation itself.
"""
from __future__ import annotations

import argparse

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

PREDICT_PATH = "/v2/users/{user_id}/apps/{app_id}/workflows/{workflow_id}/results"


def body_of_size(size: int) -> bytes:
    """A JSON document of exactly `size` bytes (padding in one string field)."""
    head = orjson.dumps({"status": {"code": 10000, "description": "Ok"}, "pad": ""})
    pad = max(0, size - len(head))
    return head[:-2] + b"x" * pad + b'"}'


def create_app(body_size: int) -> Starlette:
    body = body_of_size(body_size)

    async def post_workflow_results(request: Request) -> Response:
        await request.body()
        return Response(body, 200, media_type="application/json")

    async def health(request: Request) -> Response:
        return Response(b'{"status":"ok"}', 200, media_type="application/json")

    return Starlette(routes=[Route(PREDICT_PATH, post_workflow_results, methods=["POST"]),
                             Route("/health", health, methods=["GET"])])


def main() -> None:
    import uvicorn

    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--body-size", type=int, required=True)
    args = p.parse_args()
    uvicorn.run(create_app(args.body_size), host="127.0.0.1", port=args.port, log_level="warning",
                access_log=False, loop="uvloop", http="httptools", lifespan="off")


if __name__ == "__main__":
    main()
