"""A clean virtualenv holding the package as a user installs it: the wheel built from this checkout,
with the [clients] and [contracts] extras. Its dependencies are cached under .cache/venvs/ (keyed by
pyproject.toml) so only the wheel is reinstalled per run; a file lock keeps xdist workers from
building it twice. Tests using it carry `xdist_group("installed_package")` (make test runs
`--dist loadgroup`), so one worker owns the venv while its tests run."""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import queue
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".cache" / "venvs"


@dataclass(frozen=True)
class Installed:
    venv: Path
    wheel: Path
    sdist: Path

    @property
    def bin(self) -> Path:
        return self.venv / "bin"


def _run(*args: str | Path, cwd: Path | None = None, timeout: float = 600) -> None:
    proc = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          check=False)
    if proc.returncode != 0:
        raise AssertionError(f"{' '.join(map(str, args))} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")


def _build(out: Path) -> tuple[Path, Path]:
    """sdist, then the wheel built from that sdist (what `make dist` and a PyPI upload do)."""
    _run(sys.executable, "-m", "build", "--outdir", out, ROOT, timeout=600)
    return next(out.glob("*.whl")), next(out.glob("*.tar.gz"))


def _venv_with(extras: str, dist: Path) -> Installed:
    key = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()[:12]
    CACHE.mkdir(parents=True, exist_ok=True)
    venv = CACHE / f"wheel-{extras.replace(',', '-')}-{key}"
    with open(CACHE / f"{venv.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not any(dist.glob("*.whl")):
            _build(dist)
        wheel, sdist = next(dist.glob("*.whl")), next(dist.glob("*.tar.gz"))
        pip = [venv / "bin" / "python", "-m", "pip", "install", "-q", "--disable-pip-version-check"]
        if not (venv / ".complete").exists():
            shutil.rmtree(venv, ignore_errors=True)
            _run(sys.executable, "-m", "venv", venv)
            _run(*pip, f"{wheel}[{extras}]")
            (venv / ".complete").touch()
        else:
            _run(*pip, "--no-deps", "--force-reinstall", wheel)
    return Installed(venv, wheel, sdist)


@pytest.fixture(scope="session")
def built_dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("dist")


@pytest.fixture(scope="session")
def installed_package(built_dist: Path) -> Installed:
    """The wheel with [clients,contracts]: serving and contract-testing from an install."""
    return _venv_with("clients,contracts", built_dist)


@pytest.fixture(scope="session")
def installed_clients(built_dist: Path) -> Installed:
    """The wheel with only [clients], as the README's pytest plugin section installs it."""
    return _venv_with("clients", built_dist)


README_BLOCK = re.compile(r"(?:<!-- readme-test: (?P<marker>[^>]*?) -->\n)?```(?P<lang>\w+)\n(?P<code>.*?)\n```", re.DOTALL)


@dataclass(frozen=True)
class ReadmeBlock:
    line: int
    lang: str
    code: str
    marker: str  # "skip: <reason>" when the block cannot run in a test

    @property
    def id(self) -> str:
        return f"README.md:{self.line}:{self.lang}"


def readme_blocks() -> list[ReadmeBlock]:
    """The README's bash and python blocks, with the `<!-- readme-test: ... -->` marker above each."""
    text = (ROOT / "README.md").read_text()
    return [ReadmeBlock(text.count("\n", 0, m.start("code")), m.group("lang"), m.group("code"), m.group("marker") or "")
            for m in README_BLOCK.finditer(text) if m.group("lang") in ("bash", "python")]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "readme_block" in metafunc.fixturenames:
        runnable = [b for b in readme_blocks() if not b.marker]
        metafunc.parametrize("readme_block", runnable, ids=[b.id for b in runnable])


@pytest.fixture
def all_readme_blocks() -> list[ReadmeBlock]:
    return readme_blocks()


@pytest.fixture
def readme_plugin_examples() -> list[str]:
    """The README's pytest examples (python blocks defining test functions)."""
    return [b.code for b in readme_blocks() if b.lang == "python" and "def test_" in b.code]


LISTEN = re.compile(r"(HTTP|gRPC) listening on (?:http://)?127\.0\.0\.1:(\d+)")


class Served:
    def __init__(self, *flags: str, env: dict[str, str] | None = None) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "emulator", "serve", "--port", "0", "--grpc-port", "0",
                                      *flags], stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
                                     env=None if env is None else {**os.environ, **env})
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()
        self.ports: dict[str, int] = {}
        self.startup: list[str] = []
        deadline = time.monotonic() + 30
        while len(self.ports) < 2:
            line = self.next_line(deadline - time.monotonic())
            self.startup.append(line)
            m = LISTEN.search(line)
            if m:
                self.ports[m.group(1)] = int(m.group(2))

    def _pump(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.put(line.rstrip("\n"))

    def next_line(self, timeout: float) -> str:
        return self.lines.get(timeout=max(timeout, 0.01))

    def wait_for(self, pattern: str, timeout: float = 15) -> str:
        deadline = time.monotonic() + timeout
        while True:
            line = self.next_line(deadline - time.monotonic())
            if pattern in line:
                return line

    def request(self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None) -> int:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(f"http://127.0.0.1:{self.ports['HTTP']}{path}", data=data, method=method,
                                     headers={"content-type": "application/json", **(headers or {})})
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return int(resp.status)
        except urllib.error.HTTPError as exc:
            return int(exc.code)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()




@pytest.fixture
def serve() -> Iterator[Callable[..., Served]]:
    """Start `python -m emulator serve --port 0 --grpc-port 0 <flags>` processes; all stopped at the end."""
    started: list[Served] = []

    def start(*flags: str, env: dict[str, str] | None = None) -> Served:
        s = Served(*flags, env=env)
        started.append(s)
        return s

    yield start
    for s in started:
        s.stop()
