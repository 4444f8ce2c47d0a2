"""`make bench` (loadtests/bench.py) runs end to end and reports every figure issues 7 and 17 ask for.

A tiny run (half-second rounds, 300 workflows, 100 delayed requests) in a subprocess: the
numbers are not asserted against the targets here (they are reported by `make bench`), only that
each is measured, sane and written to the JSON file.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_bench_reports_every_figure(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    cmd = [sys.executable, str(ROOT / "loadtests" / "bench.py"), "--generator", "python", "--duration", "0.5",
           "--warmup", "0.2", "--rounds", "1", "--workflows", "300", "--concurrent", "100", "--cpu-requests", "300",
           "--out", str(out)]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=180, check=False)
    assert proc.returncode == 0, proc.stderr[-4000:]
    table = proc.stdout
    for label in ("2x1 predict, the same request repeated: emulator", "2x1 predict, the same request repeated: baseline",
                  "ratio emulator / baseline", "a unique image URL per request: ratio",
                  "a unique 24 KB base64 JPEG per request: ratio", "32 unique image URLs per request: ratio",
                  "gRPC 2-node predict: ratio", "command: loadtests/bench.py",
                  "predict lane off", "ready (spawn -> 200 /_emulator/health)", "pytest fixture start",
                  "reset, 1,000 Clarifai workflows", "reset, 1,000 Flow workflows", "RSS after 300 workflows",
                  "100 concurrent GetWorkflow requests", "100 concurrent 2-node predict requests",
                  "server CPU per request, no sockets, a unique image URL per request"):
        assert label in table, (label, table)
    res = json.loads(out.read_text())
    t = res["throughput"]
    assert t["emulator"]["rps"] > 0 and t["baseline"]["rps"] > 0 and t["full_path"]["rps"] > 0
    assert t["emulator"]["errors"] == t["baseline"]["errors"] == t["full_path"]["errors"] == 0
    assert t["ratio"] == t["emulator"]["rps"] / t["baseline"]["rps"]
    # issue 17: every request different, each row with its own baseline answering the same size
    assert set(t["unique"]) == {"unique_url", "unique_base64", "unique_url_x32"}
    for row in [*t["unique"].values(), t["grpc"]]:
        assert row["emulator"]["rps"] > 0 and row["baseline"]["rps"] > 0, row
        assert row["emulator"]["errors"] == row["baseline"]["errors"] == 0, row
        assert row["ratio"] == row["emulator"]["rps"] / row["baseline"]["rps"] and len(row["round_ratios"]) == 1
    assert t["unique"]["unique_base64"]["request_bytes"] > 32_000
    assert t["unique"]["unique_url_x32"]["response_bytes"] > 30 * t["unique"]["unique_url"]["response_bytes"] / 2
    assert t["rss"]["workflows"] == 300 and t["rss"]["after_mb"] >= t["rss"]["before_mb"] > 0
    for name in ("get_workflow", "predict"):
        c = res["concurrent"][name]
        assert c["errors"] == 0 and 1.0 <= c["min_s"] <= c["wall_s"] < 10
    assert res["reset"]["clarifai"]["in_process_ms"] > 0 and res["reset"]["flow"]["http_ms"] > 0
    cpu = res["cpu_per_request"]
    assert set(cpu) == {"same", "unique_url", "unique_base64", "unique_url_x32"}
    for row in cpu.values():
        assert row["emulator_us"] > 0 and row["baseline_us"] > 0 and row["ratio"] == row["baseline_us"] / row["emulator_us"]
    assert 0 < res["fixture"]["first_s"] < 10 and all(0 < s < 10 for s in res["ready"]["with_grpc"])
