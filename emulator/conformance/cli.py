"""`workflow-emulator contract-test`: the contract run as a command, in a tenant of its own on the target.

A contract run creates, patches and deletes whatever it generates. Against a workflow-emulator it
therefore works in a fresh `x-emulator-tenant` (and drops it at the end), so a developer's own
workflows in the target's default tenant stay as they were.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import sys
import urllib.error
import urllib.request
import uuid
from typing import Any

from emulator.core.emulator import TENANT_HEADER


def _headers(raw: list[str] | None) -> dict[str, str] | str:
    headers: dict[str, str] = {}
    for h in raw or []:
        name, sep, value = h.partition(":")
        if not sep or not name.strip():
            return f"--header must look like 'Name: value', got {h!r}"
        headers[name.strip()] = value.strip()
    return headers


def _probe(base_url: str, headers: dict[str, str]) -> str:
    """"emulator", "other" (answers, but is no workflow-emulator) or "unreachable"."""
    req = urllib.request.Request(base_url.rstrip("/") + "/_emulator/health", headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return "emulator" if resp.status == 200 else "other"
    except urllib.error.HTTPError:
        return "other"
    except (urllib.error.URLError, OSError, ValueError):
        return "unreachable"


def _drop_tenant(base_url: str, tenant: str, headers: dict[str, str]) -> None:
    body = json.dumps({"tenant": tenant}).encode()
    req = urllib.request.Request(base_url.rstrip("/") + "/_emulator/reset", data=body, method="POST",
                                 headers={**headers, "content-type": "application/json", TENANT_HEADER: tenant})
    with contextlib.suppress(urllib.error.URLError, OSError):
        urllib.request.urlopen(req, timeout=10).close()


def _progress(phase: str, op: Any, done: int, total: int) -> None:
    statuses = ",".join(f"{s}x{n}" for s, n in sorted(op.statuses.items()))
    verdict = "ok" if op.ok else "FAIL"
    print(f"  [{phase:<8} {done:>3}/{total}] {op.operation_id}: {op.cases} cases, statuses [{statuses}] {verdict}",
          flush=True)


def contract_test(args: argparse.Namespace) -> int:
    try:
        import schemathesis  # noqa: F401  (the [contracts] extra; the runner imports it lazily)

        from emulator.conformance.runner import run_contract
    except ImportError as exc:
        missing = exc.name or "schemathesis"
        print(f"workflow-emulator contract-test: error: needs schemathesis ({missing} is not installed); "
              "install the extra: pip install 'workflow-emulator[contracts]'", file=sys.stderr)
        return 2
    headers = _headers(args.header)
    if isinstance(headers, str):
        print(f"workflow-emulator contract-test: error: {headers}", file=sys.stderr)
        return 2
    app = None
    tenant: str | None = None
    if args.base_url:
        if not any(k.lower() == TENANT_HEADER for k in headers):
            tenant = args.tenant or f"contract-test-{uuid.uuid4().hex[:12]}"
            headers[TENANT_HEADER] = tenant
        kind = _probe(args.base_url, headers)
        if kind == "unreachable":
            print(f"workflow-emulator contract-test: error: cannot reach {args.base_url}", file=sys.stderr)
            return 2
        if kind == "emulator":
            print(f"contract-test: working in tenant {headers.get(TENANT_HEADER)!r} of the emulator at "
                  f"{args.base_url}; its other tenants are not touched", flush=True)
        else:
            tenant = None
            print(f"contract-test: {args.base_url} is not a workflow-emulator (no /_emulator/health): "
                  "the run creates, changes and deletes data there", file=sys.stderr, flush=True)
    else:
        from emulator.app import create_app
        from emulator.settings import Settings

        # real clock with instant steps, so synchronous provisioning (wait_for_completion_timeout) finishes
        app = create_app(Settings.from_env(grpc_enabled=False, clock="real", seed=args.seed,
                                           step_latency_scale=0.0))
    if not args.no_progress:
        print(f"contract-test {args.api}: {args.max_examples} examples per operation and phase", flush=True)
    try:
        report = run_contract(args.api, app=app, base_url=args.base_url, headers=headers,
                              max_examples=args.max_examples, seed=args.seed, workers=args.workers,
                              progress=None if args.no_progress else _progress)
    finally:
        if tenant is not None and args.tenant is None:
            _drop_tenant(args.base_url, tenant, {k: v for k, v in headers.items() if k != TENANT_HEADER})
    print(report.render())
    return 0 if report.ok else 1
