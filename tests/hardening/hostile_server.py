"""An emulator in its own process, as users run it (`python -m emulator serve`), for the hostile tests
that measure memory (the server's RSS) or exercise the process itself (signals, ports, sockets)."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
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
        # the output is drained by a thread into a file (a server logging more than a pipe holds would
        # block on its writes), and the lines it reads are what readiness and other waits wait for
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 - closed by stop()
        self._seen = threading.Condition()
        self._eof = False
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **(env or {})},
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()

    def _drain(self) -> None:
        assert self.proc.stdout is not None
        for line in iter(self.proc.stdout.readline, b""):
            with self._seen:
                self.log.seek(0, os.SEEK_END)
                self.log.write(line)
                self._seen.notify_all()
        with self._seen:
            self._eof = True
            self._seen.notify_all()

    def wait_for_output(self, text: str, timeout: float = 60.0) -> bool:
        """Whether the server printed `text` within `timeout` (False once it exits without printing it)."""
        deadline = time.monotonic() + timeout
        with self._seen:
            while text not in self._output():
                if self._eof or not self._seen.wait(max(0.0, deadline - time.monotonic())):
                    return text in self._output()
        return True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        return self.proc.pid

    def wait_ready_with_token(self, token: str) -> HostileServer:
        return self.wait_ready(headers={"authorization": f"Bearer {token}"})

    def wait_ready(self, timeout: float = 60.0, headers: dict[str, str] | None = None) -> HostileServer:
        # the listener line is printed once both doors are bound and the app has started (emulator/server.py)
        if not self.wait_for_output("workflow-emulator: HTTP listening on", timeout):
            self.proc.poll()
            raise RuntimeError(f"emulator not ready (exit code {self.proc.returncode}): {self.output()!r}")
        health = httpx.get(self.url + "/_emulator/health", timeout=10, headers=headers)
        if health.status_code != 200:
            raise RuntimeError(f"emulator listening but not healthy: {health.status_code} {health.text}")
        return self

    def _output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def output(self) -> str:
        if self.proc.poll() is not None:
            self._reader.join(10)  # everything the exited server printed
        with self._seen:
            return self._output()

    def rss_mb(self) -> float:
        return rss_mb(self.proc.pid)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)
        self._reader.join(10)
        self.log.close()
