"""`make load`: a bounded headless locust run against a freshly started emulator, pass/fail by thresholds.

Starts `workflow-emulator serve` on free loopback ports (step latency scaled down so the Flow
lifecycle completes quickly), runs loadtests/locustfile.py headless, writes the HTML report
and CSV stats under --out, and exits with locust's code: 0 on success, 3 when the failure
ratio or the p95 bound is exceeded (see the quitting hook in the locustfile).
"""
from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from servers import ROOT, start_emulator


def locust_command(host: str, args: argparse.Namespace, out: Path) -> list[str]:
    return [sys.executable, "-m", "locust", "-f", str(ROOT / "loadtests" / "locustfile.py"),
            "--host", host, "--headless", "-u", str(args.users), "-r", str(args.spawn_rate),
            "-t", args.run_time, "--stop-timeout", "5", "--only-summary",
            "--html", str(out / "report.html"), "--csv", str(out / "stats"),
            "--max-fail-ratio", str(args.max_fail_ratio), "--max-p95-ms", str(args.max_p95_ms),
            *args.locust_args]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--users", type=int, default=50)
    p.add_argument("--spawn-rate", type=float, default=25)
    p.add_argument("--run-time", default="30s")
    p.add_argument("--max-fail-ratio", type=float, default=0.01)
    p.add_argument("--max-p95-ms", type=float, default=500.0)
    p.add_argument("--step-latency-scale", default="0.01",
                   help="EMULATOR_STEP_LATENCY_SCALE of the emulator under load")
    p.add_argument("--out", default=str(ROOT / "loadtests" / "out"))
    p.add_argument("--url", default=None, help="drive an already running emulator instead of starting one")
    p.add_argument("locust_args", nargs="*", help="extra locust arguments (after --)")
    args = p.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    server = None
    host = args.url
    if host is None:
        server = start_emulator({"EMULATOR_STEP_LATENCY_SCALE": args.step_latency_scale}, grpc=False)
        host = server.url
        print(f"emulator ready on {host} in {server.ready_s:.3f} s", file=sys.stderr)
    try:
        rc = subprocess.call(locust_command(host, args, out), cwd=ROOT)
    finally:
        if server is not None:
            server.stop()
    print(f"report: {out / 'report.html'}  stats: {out / 'stats_stats.csv'}  exit code {rc}", file=sys.stderr)
    return rc


if __name__ == "__main__":
    raise SystemExit(main())
