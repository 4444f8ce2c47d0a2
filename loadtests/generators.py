"""The benchmark's traffic generators: wrk when installed, else the asyncio generator in loadgen.py.

Both are closed-loop (N connections, each sends its next request when the previous answer
arrived) and report req/s, p50 and p99 the same way, so the emulator and the baseline are
always measured by the same tool within one run.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import loadgen

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


@dataclass(frozen=True)
class Measurement:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int


# in a unique target's body, each occurrence of this is replaced by the next value of a counter
# (12 digits: valid inside a URL and inside base64 text alike), so no two requests are the same
SLOT = b"@@@@@@@@@@@@"


@dataclass(frozen=True)
class Target:
    """One HTTP request to repeat: method, path, JSON body bytes, headers; `unique`: with the body's
    SLOTs numbered from `start` on, request after request."""

    method: str
    path: str
    body: bytes
    headers: dict[str, str]
    unique: bool = False
    start: int = 0

    def numbered(self, n: int) -> bytes:
        """The body of the n-th request (n counts slots, from `start`)."""
        parts = self.body.split(SLOT)
        out = [parts[0]]
        for k, part in enumerate(parts[1:]):
            out += [b"%012d" % (n + k), part]
        return b"".join(out)

    def slots(self) -> int:
        return self.body.count(SLOT)


def available(name: str) -> str:
    if name == "auto":
        return "wrk" if shutil.which("wrk") else "python"
    if name == "wrk" and not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (apt-get install -y wrk), use --generator python")
    return name


def _lua_script(target: Target) -> str:
    lines = [f'wrk.method = "{target.method}"', f"wrk.body = [==[{target.body.decode()}]==]"]
    lines += [f'wrk.headers["{k}"] = "{v}"' for k, v in target.headers.items()]
    if target.unique:
        # the body between the slots, joined around a counter: one table.concat per request
        parts = ", ".join(f"[==[{p.decode()}]==]" for p in target.body.split(SLOT))
        lines += [f"local parts = {{{parts}}}", f"local counter = {target.start}", "local out = {}",
                  "request = function()",
                  "  out[1] = parts[1]",
                  "  for k = 2, #parts do",
                  '    out[2 * k - 2] = string.format("%012d", counter)',
                  "    out[2 * k - 1] = parts[k]",
                  "    counter = counter + 1",
                  "  end",
                  "  return wrk.format(nil, nil, nil, table.concat(out))",
                  "end"]
    return "\n".join(lines) + "\n"


def _ms(text: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    return float(m.group(1)) * _UNITS[m.group(2)] if m else float("nan")


def parse_wrk(output: str) -> Measurement:
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", output, re.MULTILINE).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", output, re.MULTILINE).group(1))  # type: ignore[union-attr]
    total = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    errors = (int(bad.group(1)) if bad else 0) + (sum(int(g) for g in sock.groups()) if sock else 0)
    return Measurement(rps, p50, p99, total, errors)


def run_wrk(port: int, target: Target, connections: int, duration_s: float, cpu: int | None) -> Measurement:
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "request.lua"
        script.write_text(_lua_script(target))
        cmd = ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(duration_s))}s", "--latency", "-s", str(script),
               f"http://127.0.0.1:{port}{target.path}"]
        if cpu is not None and shutil.which("taskset"):
            cmd = ["taskset", "-c", str(cpu), *cmd]
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=duration_s + 30, check=True).stdout
    return parse_wrk(out)


def run_python(port: int, target: Target, connections: int, duration_s: float) -> Measurement:
    request = loadgen.encode_request(target.method, target.path, target.body, target.headers, port)
    factory = None
    if target.unique:
        step = target.slots()

        def factory(n: int) -> bytes:
            return loadgen.encode_request(target.method, target.path, target.numbered(target.start + n * step),
                                          target.headers, port)

    res = loadgen.run(loadgen.closed_loop(port, request, connections, duration_s, factory))
    assert isinstance(res, loadgen.LoadResult)
    return Measurement(res.rps, res.percentile_ms(0.50), res.percentile_ms(0.99), res.requests, res.errors)


def measure(generator: str, port: int, target: Target, connections: int, duration_s: float,
            cpu: int | None) -> Measurement:
    if generator == "wrk":
        return run_wrk(port, target, connections, duration_s, cpu)
    return run_python(port, target, connections, duration_s)
