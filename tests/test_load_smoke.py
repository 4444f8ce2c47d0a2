"""The shipped locust scenarios run clean against a live emulator (a short run in a subprocess).

Locust is never imported here: it monkey-patches the process with gevent. Its own pytest plugin
also claims the `--host` option and a `session` fixture, so neither name is used in this file.
"""
from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LOCUSTFILE = ROOT / "loadtests" / "locustfile.py"
PREDICT_NAMES = {f"post_workflow_results load-{n}-node x{k}" for n in (1, 2, 5) for k in (1, 32)}
LIFECYCLE_NAMES = {"flow create_workflow", "flow provision_workflow", "flow get_workflow_status",
                   "flow deprovision_workflow", "flow delete_workflow"}


def run_locust(url: str, out: Path, users: int, seconds: int, *extra: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--host", url, "--headless",
           "-u", str(users), "-r", str(users), "-t", f"{seconds}s", "--stop-timeout", "3", "--only-summary",
           "--csv", str(out / "smoke"), "--max-p95-ms", "5000", *extra]
    env = {**os.environ, "LOAD_WAIT_MIN": "0.01", "LOAD_WAIT_MAX": "0.03"}
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=seconds + 60,
                          check=False)


def stats_rows(out: Path) -> dict[str, dict[str, Any]]:
    with open(out / "smoke_stats.csv", newline="") as f:
        return {row["Name"]: row for row in csv.DictReader(f)}


def test_locust_scenarios_zero_failures(live_emulator: Any, tmp_path: Path) -> None:
    proc = run_locust(live_emulator.url, tmp_path, users=5, seconds=8)
    assert proc.returncode == 0, proc.stderr[-4000:]
    rows = stats_rows(tmp_path)
    total = rows["Aggregated"]
    assert int(total["Request Count"]) > 50, proc.stderr[-2000:]
    assert int(total["Failure Count"]) == 0, proc.stderr[-4000:]
    seen = {name for name, row in rows.items() if int(row["Request Count"]) > 0}
    assert "setup: post_workflows" in seen
    assert seen >= LIFECYCLE_NAMES, sorted(seen)
    assert {"clarifai post_workflows", "flow create_workflow"} <= seen, sorted(seen)
    # predict tasks are weighted; over a few seconds at least the 1-input ones must all have run
    assert {n for n in PREDICT_NAMES if n.endswith("x1")} <= seen, sorted(seen)


def test_locust_thresholds_exceeded_exit_nonzero(live_emulator: Any, tmp_path: Path) -> None:
    # a negative failure-ratio bound can never be met, so the quitting hook must fail the run
    proc = run_locust(live_emulator.url, tmp_path, 1, 2, "--max-fail-ratio", "-1")
    assert proc.returncode == 3, proc.stderr[-4000:]
    assert "load check:" in proc.stderr and "-> FAIL (failure ratio 0.0000 > -1.0)" in proc.stderr
