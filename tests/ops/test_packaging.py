"""The package as a user installs it: the wheel and sdist carry the OpenAPI contracts (one source, the
top-level openapi/), and an installed wheel serves them and contract-tests from outside any checkout."""
from __future__ import annotations

import os
import re
import subprocess
import tarfile
import time
import urllib.request
import zipfile
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONTRACTS = sorted(p.name for p in (ROOT / "openapi").glob("*.yaml"))
pytestmark = pytest.mark.xdist_group("installed_package")


def test_wheel_and_sdist_carry_the_contracts_byte_for_byte(installed_package: Any) -> None:
    with zipfile.ZipFile(installed_package.wheel) as whl:
        for name in CONTRACTS:
            assert whl.read(f"emulator/openapi/{name}") == (ROOT / "openapi" / name).read_bytes()
    with tarfile.open(installed_package.sdist) as sdist:
        names = sdist.getnames()
        for name in CONTRACTS:
            member = next(n for n in names if n.endswith(f"/emulator/openapi/{name}"))
            fh = sdist.extractfile(member)
            assert fh is not None and fh.read() == (ROOT / "openapi" / name).read_bytes()


def test_installed_wheel_serves_its_contracts_and_contract_tests_itself(installed_package: Any,
                                                                         tmp_path: Path) -> None:
    exe = installed_package.bin / "workflow-emulator"
    server = subprocess.Popen([exe, "serve", "--port", "0", "--grpc-port", "0"], cwd=tmp_path,
                              stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    try:
        assert server.stderr is not None
        deadline = time.monotonic() + 60
        port = None
        while port is None and time.monotonic() < deadline:
            m = re.search(r"HTTP listening on http://127\.0\.0\.1:(\d+)", server.stderr.readline())
            port = int(m.group(1)) if m else None
        assert port, "the installed server did not say where it listens"
        url = f"http://127.0.0.1:{port}"
        for doc in ("clarifai-workflows", "opensearch-flow-framework", "emulator-admin"):
            with urllib.request.urlopen(f"{url}/_emulator/openapi/{doc}", timeout=10) as resp:
                assert resp.status == 200 and resp.read() == (ROOT / "openapi" / f"{doc}.yaml").read_bytes()
        run = subprocess.run([exe, "contract-test", "--base-url", url, "--api", "flow", "--max-examples", "1",
                              "--no-progress"], cwd=tmp_path, capture_output=True, text=True, timeout=300,
                             check=False)
        assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
        assert f"contract-test flow against {url}: PASS" in run.stdout
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_readme_pytest_plugin_examples_run_in_a_fresh_project(installed_clients: Any, tmp_path: Path,
                                                               readme_plugin_examples: list[str]) -> None:
    """`pip install 'workflow-emulator[clients]'` plus pytest is all a user's project needs for the README's
    plugin examples: the plugin starts its own emulator (no EMULATOR_URL)."""
    project = tmp_path / "project"
    project.mkdir()
    assert len(readme_plugin_examples) >= 2
    for i, code in enumerate(readme_plugin_examples):
        (project / f"test_readme_{i}.py").write_text(code)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EMULATOR_", "PYTEST_", "CLARIFAI_"))}
    run = subprocess.run([installed_clients.bin / "python", "-m", "pytest", "-q", "-p", "no:cacheprovider"],
                         cwd=project, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert " passed" in run.stdout and "failed" not in run.stdout
