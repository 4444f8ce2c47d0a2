"""The command line as a newcomer meets it: help, usage errors, settings listed from Settings."""
from __future__ import annotations

import dataclasses
import subprocess
import sys

import pytest

from emulator.__main__ import build_parser, main
from emulator.settings import Settings
from emulator.settings_help import HELP, describe


def test_bare_command_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 0
    out = capsys.readouterr().out
    assert "usage: workflow-emulator" in out and "serve" in out and "contract-test" in out


@pytest.mark.parametrize("argv, fragment", [
    (["serve", "--port", "99999"], "argument --port: 99999 is not a port (0-65535; 0 = any free port)"),
    (["serve", "--grpc-port", "x"], "argument --grpc-port: 'x' is not a port number"),
    (["serve", "--log-level", "bogus"], "argument --log-level: invalid choice: 'bogus'"),
    (["contract-test", "--api", "flow", "--max-examples", "0"], "argument --max-examples: 0 must be at least 1"),
    (["contract-test"], "the following arguments are required: --api"),
    (["bogus"], "invalid choice: 'bogus'"),
])
def test_invalid_values_are_one_line_usage_errors(argv: list[str], fragment: str,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and fragment in err, err


def test_serve_help_lists_every_setting_with_env_default_and_meaning() -> None:
    text = build_parser()._subparsers._group_actions[0].choices["serve"].format_help()  # type: ignore[union-attr]
    defaults = Settings()
    for f in dataclasses.fields(Settings):
        env = "EMULATOR_" + f.name.upper()
        line = next((ln for ln in text.splitlines() if ln.strip().startswith(env + " ")), None)
        assert line is not None, f"{env} missing from serve --help"
        assert HELP.get(f.name), f"setting {f.name} has no one-line meaning in emulator/settings_help.py"
        assert HELP[f.name] in line
        value = getattr(defaults, f.name)
        if value not in (None, "", {}):
            shown = str(value).lower() if isinstance(value, bool) else str(value)
            assert f"[{shown}]" in line
    assert [r[0] for r in describe()] == [f.name for f in dataclasses.fields(Settings)]


def test_contract_test_help_documents_options_and_exit_codes() -> None:
    text = build_parser()._subparsers._group_actions[0].choices["contract-test"].format_help()  # type: ignore[union-attr]
    for option in ("--base-url", "--api", "--header", "--tenant", "--max-examples", "--seed", "--workers",
                   "--no-progress"):
        assert option in text
    assert "exit codes:" in text and "  0 " in text and "  1 " in text and "  2 " in text
    assert "WRITES to the target" in text and "fresh tenant" in text


def test_contract_test_without_schemathesis_is_a_friendly_usage_error() -> None:
    code = ("import sys; sys.modules['schemathesis'] = None\n"
            "from emulator.__main__ import main\n"
            "raise SystemExit(main(['contract-test', '--api', 'flow']))")
    proc = subprocess.run(check=False, args=[sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "needs schemathesis" in proc.stderr and "workflow-emulator[contracts]" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_settings_empty_optional_int_is_unset() -> None:
    assert Settings.from_env({"EMULATOR_SEED": ""}).seed is None
    assert Settings.from_env({"EMULATOR_SEED": "5"}).seed == 5


def test_makefile_serve_takes_host_and_ports_from_the_environment() -> None:
    env = {"PATH": "/usr/bin:/bin", "EMULATOR_PORT": "19200"}
    dry = subprocess.run(check=False, args=["make", "-n", "-W", "pyproject.toml", "serve"], capture_output=True, text=True, env=env,
                         timeout=30, cwd=str(__import__("pathlib").Path(__file__).resolve().parents[2]))
    line = next(ln for ln in dry.stdout.splitlines() if "workflow-emulator serve" in ln)
    assert "--port" not in line and "--grpc-port" not in line and "--host" not in line
    dry = subprocess.run(check=False, args=["make", "-n", "-W", "pyproject.toml", "serve", "PORT=9300"], capture_output=True, text=True,
                         env=env, timeout=30, cwd=str(__import__("pathlib").Path(__file__).resolve().parents[2]))
    assert "--port 9300" in next(ln for ln in dry.stdout.splitlines() if "workflow-emulator serve" in ln)
