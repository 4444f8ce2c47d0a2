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
    # no X-Forwarded-* rewriting (the emulator is not served behind a proxy): one ASGI layer less
    config = uvicorn.Config(app, host=settings.host, port=settings.port, log_level=args.log_level,
                            access_log=False, loop="auto", http="auto", lifespan="on", proxy_headers=False)
    uvicorn.Server(config).run()
    return 0


def _contract_test(args: argparse.Namespace) -> int:
    """Run the OpenAPI contract of one API against a live server (or, without --base-url, in-process)."""
    try:
        from emulator.conformance.runner import run_contract
    except ImportError as exc:  # pragma: no cover - schemathesis is in the `test` extra
        print(f"contract-test needs the test extra (schemathesis): {exc}", file=sys.stderr)
        return 2
    headers: dict[str, str] = {}
    for h in args.header or []:
        name, sep, value = h.partition(":")
        if not sep or not name.strip():
            print(f"--header must look like 'Name: value', got {h!r}", file=sys.stderr)
            return 2
        headers[name.strip()] = value.strip()
    app = None
    if not args.base_url:
        from emulator.app import create_app

        # real clock with instant steps, so synchronous provisioning (wait_for_completion_timeout) finishes
        app = create_app(Settings.from_env(grpc_enabled=False, clock="real", seed=args.seed,
                                           step_latency_scale=0.0))
    report = run_contract(args.api, app=app, base_url=args.base_url, headers=headers,
                          max_examples=args.max_examples, seed=args.seed, workers=args.workers)
    print(report.render())
    return 0 if report.ok else 1


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
    c = sub.add_parser("contract-test", help="fuzz a server against the OpenAPI contract of one API")
    c.add_argument("--base-url", default=None,
                   help="server to test, e.g. http://127.0.0.1:9200 (default: an in-process emulator)")
    c.add_argument("--api", choices=["flow", "clarifai"], required=True)
    c.add_argument("--header", action="append", metavar="'Name: value'",
                   help="extra request header, repeatable (e.g. 'Authorization: Key test-pat')")
    c.add_argument("--max-examples", type=int, default=50, help="generated examples per operation and phase")
    c.add_argument("--seed", type=int, default=20261123, help="seed for reproducible runs")
    c.add_argument("--workers", type=int, default=1, help="concurrent schemathesis workers")
    c.set_defaults(func=_contract_test)
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
