"""An emulator in its own process, as users run it (`python -m emulator serve`), for the hostile tests
that measure memory (the server's RSS) or exercise the process itself (signals, ports, sockets)."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


class HostileServer:
    def __init__(self, env: dict[str, str] | None = None, grpc: bool = False, grpc_port: int | None = None,
                 args: list[str] | None = None) -> None:
        self.port = free_port()
        self.grpc_port = grpc_port or (free_port() if grpc else 0)
        cmd = [sys.executable, "-m", "emulator", "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        cmd += ["--grpc-port", str(self.grpc_port)] if grpc or grpc_port else ["--no-grpc"]
        cmd += args or []
        # a file, not a pipe: a server logging more than a pipe holds would block on its writes
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 - closed by stop()
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **(env or {})},
                                     stdout=self.log, stderr=subprocess.STDOUT)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        return self.proc.pid

    def wait_ready_with_token(self, token: str) -> HostileServer:
        return self.wait_ready(headers={"authorization": f"Bearer {token}"})

    def wait_ready(self, timeout: float = 60.0, headers: dict[str, str] | None = None) -> HostileServer:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"emulator exited ({self.proc.returncode}): {self.output()!r}")
            try:
                if httpx.get(self.url + "/_emulator/health", timeout=2, headers=headers).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.05)  # polling a child process, not emulator code
        raise RuntimeError("emulator not ready")

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def rss_mb(self) -> float:
        return rss_mb(self.proc.pid)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)
        self.log.close()
