"""`python -m emulator` / `workflow-emulator`: serve the emulator (and, later, run contract tests)."""
from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from emulator.settings import Settings


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from emulator.app import create_app

    settings = Settings.from_env(host=args.host, port=args.port, grpc_port=args.grpc_port,
                                 clock=args.clock, seed=args.seed)
    if args.no_grpc:
        settings = settings.replace(grpc_enabled=False)
    app = create_app(settings)
    config = uvicorn.Config(app, host=settings.host, port=settings.port, log_level=args.log_level,
                            access_log=False, loop="auto", http="auto", lifespan="on")
    uvicorn.Server(config).run()
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="workflow-emulator", description=__doc__)
    sub = p.add_subparsers(dest="command")
    s = sub.add_parser("serve", help="serve both APIs over HTTP (and Clarifai over gRPC)")
    s.add_argument("--host", default=None, help="bind address (env EMULATOR_HOST, default 127.0.0.1)")
    s.add_argument("--port", type=int, default=None, help="HTTP port (env EMULATOR_PORT, default 9200)")
    s.add_argument("--grpc-port", type=int, default=None, help="gRPC port (env EMULATOR_GRPC_PORT, default 18080)")
    s.add_argument("--no-grpc", action="store_true", help="do not start the gRPC server")
    s.add_argument("--clock", choices=["real", "manual", "scaled"], default=None, help="env EMULATOR_CLOCK")
    s.add_argument("--seed", type=int, default=None, help="seed for ids and randomness (env EMULATOR_SEED)")
    s.add_argument("--log-level", default="warning")
    s.set_defaults(func=_serve)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        args = parser.parse_args(["serve", *(argv or sys.argv[1:])])
    rc: int = args.func(args)
    return rc


if __name__ == "__main__":
    raise SystemExit(main())
