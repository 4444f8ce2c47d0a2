"""A clean virtualenv holding the package as a user installs it: the wheel built from this checkout,
with the [clients] and [contracts] extras. Its dependencies are cached under .cache/venvs/ (keyed by
pyproject.toml) so only the wheel is reinstalled per run; a file lock keeps xdist workers from
building it twice. Tests using it carry `xdist_group("installed_package")` (make test runs
`--dist loadgroup`), so one worker owns the venv while its tests run."""
from __future__ import annotations

import fcntl
import hashlib
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

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


@pytest.fixture(scope="session")
def installed_package(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    key = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()[:12]
    CACHE.mkdir(parents=True, exist_ok=True)
    venv = CACHE / f"wheel-{key}"
    with open(CACHE / f"wheel-{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        wheel, sdist = _build(tmp_path_factory.mktemp("dist"))
        pip = [venv / "bin" / "python", "-m", "pip", "install", "-q", "--disable-pip-version-check"]
        if not (venv / ".complete").exists():
            shutil.rmtree(venv, ignore_errors=True)
            _run(sys.executable, "-m", "venv", venv)
            _run(*pip, f"{wheel}[clients,contracts]")
            (venv / ".complete").touch()
        else:
            _run(*pip, "--no-deps", "--force-reinstall", wheel)
    yield Installed(venv, wheel, sdist)
