"""The ``tscrun`` command line from the user's side: usage and config errors exit 2, a broker
that cannot be reached exits 1, each with one clear line and no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tscrun.cli.main import COMMANDS, main

TSCRUN = str(Path(sys.executable).parent / "tscrun")
REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "fixtures" / "demo_app"


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([TSCRUN, *args], capture_output=True, text=True, timeout=60,
                          cwd=cwd or REPO)


def project(tmp_path: Path, body: str) -> Path:
    config = tmp_path / "tscrun.toml"
    config.write_text('project-name = "t"\n' + body +
                      '\n[events.subscribers.audit]\nevents = ["user.registered"]\n')
    return config


def test_every_subcommand_module_registers_itself() -> None:
    assert all(callable(getattr(module, "register", None)) for module in COMMANDS)
    assert {"worker", "dead-letters"} <= set(
        run("--help").stdout.split("COMMAND")[2].split())


def test_worker_refuses_the_local_provider(tmp_path: Path) -> None:
    config = project(tmp_path, 'provider = "local"')
    proc = run("worker", "--config", str(config))
    assert proc.returncode == 2
    assert proc.stderr == (
        f'tscrun worker: {config}: provider is "local", which runs handlers inside the emitting '
        'process; "tscrun worker" is for remote providers (set provider = "redis")\n')


def test_worker_names_the_closest_subscriber(tmp_path: Path) -> None:
    config = project(tmp_path, 'provider = "redis"')
    proc = run("worker", "--config", str(config), "--subscriber", "audti")
    assert proc.returncode == 2
    assert proc.stderr == f'tscrun worker: {config}: no subscriber "audti"; did you mean "audit"?\n'


def test_worker_with_a_missing_handler_is_a_config_error(tmp_path: Path) -> None:
    config = project(tmp_path, 'provider = "redis"')
    proc = run("worker", "--config", str(config))
    assert proc.returncode == 2
    assert proc.stderr.startswith(f"tscrun worker: {config}:")
    assert 'handler "functions.subscribers.audit:listen" of subscriber "audit" not found' in \
        proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize(("body", "message"), [
    ('provider = "redis"\n[redis]\nurll = "redis://x"',
     '[redis.urll] unknown key "urll"; did you mean "url"?'),
    ('provider = "redis"\n[redis]\nurl = "http://localhost"',
     '[redis.url] expected a redis://, rediss:// or unix:// URL, got "http://localhost"'),
    ('provider = "redis"\n[redis]\nclaim-after = 0',
     "[redis.claim-after] expected a number of seconds > 0, got 0.0"),
    ('provider = "redis"\n[redis]\nclaim-after = "soon"',
     "[redis.claim-after] expected a number of seconds, got a string"),
])
def test_bad_redis_settings_exit_2_naming_the_key(tmp_path: Path, body: str, message: str) -> None:
    config = project(tmp_path, body)
    proc = run("dead-letters", "list", "--config", str(config))
    assert proc.returncode == 2
    assert proc.stderr.startswith(f"tscrun dead-letters: {config}:")
    assert proc.stderr.rstrip().endswith(message)


def test_an_unreachable_broker_exits_1(tmp_path: Path) -> None:
    config = project(tmp_path, 'provider = "redis"\n[redis]\nurl = "redis://127.0.0.1:9/0"')
    proc = run("dead-letters", "list", "--config", str(config))
    assert proc.returncode == 1
    assert proc.stderr.startswith(
        "tscrun dead-letters: error: cannot reach Redis at redis://127.0.0.1:9/0: ")
    assert proc.stderr.count("\n") == 1


def test_usage_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as no_command:
        main([])
    assert no_command.value.code == 2
    with pytest.raises(SystemExit) as bad_number:
        main(["worker", "--concurrency", "0"])
    assert bad_number.value.code == 2
    assert "argument --concurrency: expected a number >= 1, got 0" in capsys.readouterr().err


def test_the_aws_provider_has_no_worker(tmp_path: Path) -> None:
    config = project(tmp_path, 'provider = "aws"\nregion = "eu-west-1"')
    proc = run("worker", "--config", str(config))
    assert proc.returncode == 2
    assert proc.stderr == (f'tscrun worker: {config}: provider "aws" runs subscribers elsewhere; '
                           "there is nothing for tscrun worker to do\n")


def test_importing_tscrun_loads_no_redis_client() -> None:
    code = ("import sys, tscrun, tscrun.events, tscrun.providers.redis, "
            "tscrun.providers.redis.local_server; "
            f"tscrun.load_config({str(DEMO / 'pyproject.toml')!r}); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('redis', 'hiredis')))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.stdout == "[]\n", proc.stderr


def test_redis_url_from_the_environment_wins(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    import tscrun

    config = project(tmp_path, 'provider = "redis"\n[redis]\nurl = "redis://file:6379/0"')
    assert tscrun.load_config(config).redis.url == "redis://file:6379/0"
    monkeypatch.setenv("TSCRUN_REDIS_URL", "redis://env:6380/1")
    assert tscrun.load_config(config).redis.url == "redis://env:6380/1"
    monkeypatch.setenv("TSCRUN_REDIS_URL", "localhost:6379")
    with pytest.raises(tscrun.ConfigError) as info:
        tscrun.load_config(config)
    assert str(info.value) == (f'{config}: [redis.url] $TSCRUN_REDIS_URL is "localhost:6379"; '
                               "expected a redis://, rediss:// or unix:// URL")


def test_tscrun_lint_refuses_a_bad_redis_key_with_its_line(tmp_path: Path) -> None:
    # The static tools share the loader: a mistake in [redis] is a config error there too.
    config = project(tmp_path, 'provider = "redis"\n[redis]\nurll = "redis://x"')
    proc = subprocess.run([str(Path(sys.executable).parent / "tscrun-lint"), str(config)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr == (f'tscrun-lint: error: {config}:4: [redis.urll] unknown key "urll"; '
                           'did you mean "url"?\n')


def test_a_handler_module_that_raises_on_import_exits_1(tmp_path: Path) -> None:
    config = project(tmp_path, 'provider = "redis"')
    (tmp_path / "functions" / "subscribers").mkdir(parents=True)
    (tmp_path / "functions" / "__init__.py").write_text("")
    (tmp_path / "functions" / "subscribers" / "__init__.py").write_text("")
    (tmp_path / "functions" / "subscribers" / "audit.py").write_text("1 / 0\n")
    proc = run("worker", "--config", str(config))
    assert proc.returncode == 1
    assert proc.stderr.splitlines()[-1] == (
        'tscrun worker: error: handler "functions.subscribers.audit:listen" of subscriber "audit" '
        "could not be imported: importing \"functions.subscribers.audit\" failed: "
        "ZeroDivisionError('division by zero')")
