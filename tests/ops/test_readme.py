"""The README runs as written: every ```bash and ```python block is executed against a live emulator on
free ports (only `9200` and `18080` are substituted), from the repository root with `.venv/bin` first on
PATH. A block that cannot run here says why right above it, in an HTML comment
`<!-- readme-test: skip: <reason> -->` (e.g. the set-up commands themselves, multi-machine load);
pytest examples (blocks defining `test_...` functions) are run with pytest.
"""
from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _substitute(code: str, http: int, grpc: int) -> str:
    return code.replace("9200", str(http)).replace("18080", str(grpc))


def _env(http: int) -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{ROOT / '.venv' / 'bin'}:{env.get('PATH', '')}"
    env["EMULATOR_URL"] = f"http://127.0.0.1:{http}"
    for key in ("CLARIFAI_API_BASE", "CLARIFAI_PAT", "PYTEST_XDIST_WORKER", "PYTEST_CURRENT_TEST"):
        env.pop(key, None)
    return env


def _start_emulator(http: int, grpc: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen([sys.executable, "-m", "emulator", "serve", "--port", str(http), "--grpc-port", str(grpc)],
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, start_new_session=True)
    assert proc.stderr is not None
    for _ in range(20):
        line = proc.stderr.readline().decode()
        if "gRPC listening" in line:
            return proc
    raise AssertionError("emulator did not start")


def _stop(proc: subprocess.Popen[Any]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(proc.pid, signal.SIGKILL)


def test_every_block_is_run_or_says_why_not(all_readme_blocks: list[Any]) -> None:
    assert len(all_readme_blocks) >= 8
    for b in all_readme_blocks:
        if b.marker:
            assert re.fullmatch(r"skip: \S.{10,}", b.marker), f"{b.id}: marker must be 'skip: <reason>'"


def test_readme_block_runs_as_written(readme_block: Any, tmp_path: Path) -> None:
    block = readme_block
    http, grpc = _free_port(), _free_port()
    code = _substitute(block.code, http, grpc)
    # a block that starts its own server gets the ports to itself
    own_server = "workflow-emulator serve" in code or "emulator serve" in code
    server = None if own_server else _start_emulator(http, grpc)
    try:
        if block.lang == "bash":
            cmd = ["bash", "-euo", "pipefail", "-c", code]
        elif "def test_" in code:
            (tmp_path / "test_readme_example.py").write_text(code)
            cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
                   str(tmp_path / "test_readme_example.py")]
        else:
            cmd = [sys.executable, "-c", code]
        out, err = tmp_path / "stdout", tmp_path / "stderr"
        with open(out, "w") as fo, open(err, "w") as fe:
            # files, not pipes: a server the block leaves running in the background must not hold us up
            proc = subprocess.Popen(cmd, cwd=ROOT, env=_env(http), stdout=fo, stderr=fe, start_new_session=True)
            try:
                rc = proc.wait(timeout=240)
            finally:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
        assert rc == 0, f"{block.id} failed ({rc}):\n{out.read_text()[-3000:]}\n{err.read_text()[-3000:]}"
    finally:
        if server is not None:
            _stop(server)
