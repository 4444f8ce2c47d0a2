"""`make soak` in 20 seconds: ordinary traffic over many tenants while a hostile client replays issue
#12's table; every ordinary request answered as expected and no hostile one answered 5xx."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_soak_twenty_seconds_has_no_failures(tmp_path: Path) -> None:
    out = tmp_path / "soak.json"
    proc = subprocess.run([sys.executable, str(ROOT / "loadtests" / "soak.py"), "--duration", "20", "--tenants", "50",
                           "--workers", "8", "--json", str(out)], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    figures = json.loads(out.read_text())
    assert figures["failures"] == 0 and figures["ordinary_requests"] > 50
    hostile = figures["hostile"]
    # the whole table was replayed, each input answered as expected
    for row in ("1 filter_path stars -> 200", "3 yaml depth -> 400", "7 64 KB header -> 431",
                "8 chunked 3 MB -> 413", "10 reset [1] -> 400", "11 foreign origin -> 403", "17 effect typo -> 400"):
        assert hostile.get(row, 0) >= 1, (row, hostile)
    assert not any("unexpected" in k for k in hostile), hostile
    assert len(figures["rss_mb"]) >= 2 and "p99" in proc.stdout
