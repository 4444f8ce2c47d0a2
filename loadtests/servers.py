"""Server processes for the load tools: the emulator exactly as users run it, on free loopback ports.

`workflow-emulator serve` is uvicorn with `loop="auto"` / `http="auto"`, i.e. uvloop and
httptools when installed (they are, via uvicorn[standard]), orjson responses and the journal
and fault wrapper on every route. Ports come from the OS (never 9200/18080), so a load run can
sit beside a developer's `make serve`.
"""
from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESERVED_PORTS = {9200, 18080}


def free_port() -> int:
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
        if port not in RESERVED_PORTS:
            return port


def pin(pid: int, cpu: int | None) -> bool:
    """Pin a process (and the threads it starts later) to one core; False where unsupported."""
    if cpu is None or not hasattr(os, "sched_setaffinity"):
        return False
    try:
        os.sched_setaffinity(pid, {cpu})
        return True
    except OSError:
        return False


def http_status(port: int, path: str, timeout: float = 1.0) -> int | None:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        conn.request("GET", path)
        status = conn.getresponse().status
        conn.close()
        return status
    except OSError:
        return None


@dataclass
class ServerProcess:
    name: str
    port: int
    proc: subprocess.Popen[bytes]
    spawned_at: float  # time.perf_counter() just before the process was created
    ready_s: float = 0.0  # process start -> first 200 from the health path
    pinned: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self, path: str, timeout: float = 30.0) -> float:
        """Poll `path` until it answers 200; returns seconds since the process was spawned."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with code {self.proc.returncode}")
            if http_status(self.port, path, timeout=0.5) == 200:
                self.ready_s = time.perf_counter() - self.spawned_at
                return self.ready_s
            time.sleep(0.002)  # load tooling polling a child process, not emulator code
        raise RuntimeError(f"{self.name} not ready on port {self.port} after {timeout} s")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


def start_emulator(env: dict[str, str] | None = None, cpu: int | None = None, grpc: bool = True,
                   wait: bool = True, main: tuple[str, ...] = ("-m", "emulator")) -> ServerProcess:
    """`python -m emulator serve` on free ports; `env` adds EMULATOR_* settings; `main`: what
    python runs instead of `-m emulator` (a script taking the same arguments)."""
    port = free_port()
    grpc_port = free_port() if grpc else None
    cmd = [sys.executable, *main, "serve", "--host", "127.0.0.1", "--port", str(port)]
    cmd += ["--grpc-port", str(grpc_port)] if grpc_port else ["--no-grpc"]
    full_env = {**os.environ, **(env or {})}
    spawned = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=full_env)
    server = ServerProcess("emulator", port, proc, spawned, pinned=pin(proc.pid, cpu),
                           extra={"grpc_port": grpc_port})
    if wait:
        try:
            server.wait_ready("/_emulator/health")
        except BaseException:
            server.stop()
            raise
    return server


def start_baseline(body_size: int, cpu: int | None = None) -> ServerProcess:
    """The bare Starlette baseline (loadtests/baseline.py) answering `body_size` bytes."""
    port = free_port()
    cmd = [sys.executable, str(ROOT / "loadtests" / "baseline.py"), "--port", str(port),
           "--body-size", str(body_size)]
    spawned = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT)
    server = ServerProcess("baseline", port, proc, spawned, pinned=pin(proc.pid, cpu))
    try:
        server.wait_ready("/health")
    except BaseException:
        server.stop()
        raise
    return server
