"""`python -m emulator` / `workflow-emulator`: serve the emulator, or run the OpenAPI contracts against a server."""
from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from emulator.settings import Settings

PROG = "workflow-emulator"
LOG_LEVELS = ("critical", "error", "warning", "info", "debug", "trace")
CONTRACT_EXIT_CODES = """exit codes:
  0  every operation conformed to the contract
  1  at least one violation (each printed with a curl command that reproduces it)
  2  usage error (bad option, unreachable server, schemathesis not installed)"""


class _Parser(argparse.ArgumentParser):
    """Usage errors are one line on stderr and exit code 2 (argparse would print the whole usage)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def _port(raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{raw!r} is not a port number") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{value} is not a port (0-65535; 0 = any free port)")
    return value


def _positive_int(raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{raw!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} must be at least 1")
    return value


def _settings(args: argparse.Namespace) -> Settings:
    try:
        settings = Settings.from_env(host=args.host, port=args.port, grpc_port=args.grpc_port, clock=args.clock,
                                     seed=args.seed, access_log=True if args.access_log else None,
                                     access_log_format=args.access_log_format, state_file=args.state_file,
                                     admin_token=args.admin_token)
    except (ValueError, TypeError) as exc:
        raise SystemExit(f"{PROG} serve: error: bad EMULATOR_* setting: {exc}") from None
    if args.no_grpc:
        settings = settings.replace(grpc_enabled=False)
    return settings


def _serve(args: argparse.Namespace) -> int:
    from emulator.server import serve

    settings = _settings(args)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    level = logging.DEBUG if args.log_level == "trace" else getattr(logging, args.log_level.upper())
    logging.getLogger("emulator").setLevel(min(level, logging.INFO))
    return serve(settings, args.log_level)


def _contract_test(args: argparse.Namespace) -> int:
    from emulator.conformance.cli import contract_test

    return contract_test(args)


def build_parser() -> argparse.ArgumentParser:
    from emulator.apis import descriptors
    from emulator.settings_help import epilog

    p = _Parser(prog=PROG, description=__doc__)
    sub = p.add_subparsers(dest="command", metavar="{serve,contract-test}", parser_class=_Parser)
    s = sub.add_parser("serve", help="serve both APIs over HTTP (and Clarifai over gRPC)",
                       description="Serve the Flow Framework and Clarifai APIs over HTTP, Clarifai over gRPC, "
                                   "and the control plane under /_emulator/.",
                       epilog=epilog(), formatter_class=argparse.RawDescriptionHelpFormatter)
    s.add_argument("--host", default=None, help="bind address (EMULATOR_HOST, default 127.0.0.1)")
    s.add_argument("--port", type=_port, default=None, help="HTTP port (EMULATOR_PORT, default 9200)")
    s.add_argument("--grpc-port", type=_port, default=None, help="gRPC port (EMULATOR_GRPC_PORT, default 18080)")
    s.add_argument("--no-grpc", action="store_true", help="do not start the gRPC server")
    s.add_argument("--clock", choices=["real", "manual", "scaled"], default=None, help="EMULATOR_CLOCK")
    s.add_argument("--seed", type=int, default=None, help="seed for ids and randomness (EMULATOR_SEED)")
    s.add_argument("--log-level", default="warning", choices=LOG_LEVELS, type=str.lower,
                   help="server log level (the listener lines and the access log are always shown)")
    s.add_argument("--access-log", action="store_true", default=None,
                   help="one line per request: tenant, API, operation, status, latency (EMULATOR_ACCESS_LOG)")
    s.add_argument("--access-log-format", choices=["text", "json"], default=None,
                   help="access-log lines as text or JSON objects (EMULATOR_ACCESS_LOG_FORMAT)")
    s.add_argument("--admin-token", default=None, metavar="TOKEN",
                   help="token the control plane (/_emulator/) requires (EMULATOR_ADMIN_TOKEN); required when "
                        "--host is not a loopback address")
    s.add_argument("--state-file", default=None, metavar="FILE",
                   help="load state from FILE at start; save it on shutdown and every "
                        "EMULATOR_STATE_SAVE_INTERVAL_S seconds (EMULATOR_STATE_FILE)")
    s.set_defaults(func=_serve)
    c = sub.add_parser(
        "contract-test", help="check a server against the OpenAPI contract of one API",
        description="Generate requests from the OpenAPI contract of one API (schemathesis) and check every "
                    "answer against it. Against --base-url the run WRITES to the target (creates, updates and "
                    "deletes workflows); on a workflow-emulator it works in a fresh tenant of its own "
                    "(x-emulator-tenant header / gRPC metadata), so the target's other data is left untouched. "
                    "Without --base-url it tests an in-process emulator. Needs the [contracts] extra.",
        epilog=CONTRACT_EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter)
    c.add_argument("--base-url", default=None,
                   help="server to test, e.g. http://127.0.0.1:9200 (default: an in-process emulator)")
    apis = descriptors()
    c.add_argument("--api", choices=[d.name for d in apis], required=True,
                   help="which contract: " + ", ".join(f"{d.name} = openapi/{d.contract.file}" for d in apis))
    c.add_argument("--header", action="append", metavar="'Name: value'",
                   help="extra request header, repeatable (e.g. 'Authorization: Key test-pat')")
    c.add_argument("--tenant", default=None,
                   help="tenant to work in on an emulator target (default: a fresh contract-test-<random> tenant)")
    c.add_argument("--max-examples", type=_positive_int, default=50,
                   help="generated examples per operation and phase (default 50)")
    c.add_argument("--seed", type=int, default=20261123, help="seed for reproducible runs (default 20261123)")
    c.add_argument("--workers", type=_positive_int, default=1, help="concurrent schemathesis workers (default 1)")
    c.add_argument("--no-progress", action="store_true",
                   help="print only the final report (no per-operation progress lines; for CI logs)")
    c.set_defaults(func=_contract_test)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv:
        parser.print_help()
        return 0
    args: Any = parser.parse_args(argv)
    if getattr(args, "func", None) is None:
        parser.print_help(sys.stderr)
        return 2
    rc: int = args.func(args)
    return rc


if __name__ == "__main__":
    raise SystemExit(main())
