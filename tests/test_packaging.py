"""Packaging promises: a light ``import tscrun``, and types a user's mypy can see.

The second test builds a real wheel and installs it (not editable) into a fresh
virtualenv, so it checks what a user gets from ``pip install tscrun``, not the
working tree.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import venv
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def test_import_tscrun_imports_none_of_the_tools_dependencies() -> None:
    probe = textwrap.dedent("""
        import sys
        import tscrun, tscrun.events
        from tscrun import Dispatcher, configure, events
        heavy = sorted({name.split(".")[0] for name in sys.modules}
                       & {"libcst", "flake8", "mypy", "tscrun_lint", "mypy_plugin"})
        print(",".join(heavy))
        # typeguard is loaded only when the first payload check is prepared
        print("typeguard" in sys.modules)
        """)
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True, cwd=REPO).stdout.splitlines()
    assert out == ["", "False"]


MISUSE = """
    from tscrun import Dispatcher, Event, load_config

    event: Event[int] = Event("order.completed", "not an int")


    async def main() -> None:
        dispatcher = Dispatcher(load_config())
        await dispatcher.emit("order.completed", {"total": 3}, retries=2)
    """


@pytest.mark.xdist_group("packaging")
def test_installed_wheel_ships_types_mypy_can_see(tmp_path: Path) -> None:
    # Build from a copy so parallel runs never share build/ or *.egg-info in the tree.
    source = tmp_path / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, source / name)
    for package in ("tscrun", "tscrun_lint", "mypy_plugin"):
        shutil.copytree(REPO / package, source / package,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--disable-pip-version-check",
                    "--no-deps", "--wheel-dir", str(wheels), str(source)],
                   check=True, capture_output=True)
    [wheel] = wheels.glob("tscrun-*.whl")

    fresh = tmp_path / "fresh"
    venv.EnvBuilder(with_pip=False).create(fresh)
    python = fresh / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
                    "--disable-pip-version-check", "--no-deps", str(wheel)],
                   check=True, capture_output=True)
    # find_spec locates the package without running it (its dependencies are not installed).
    site = Path(subprocess.run([str(python), "-c", "import importlib.util, os; print(os.path."
                                "dirname(importlib.util.find_spec('tscrun').origin))"],
                               check=True, capture_output=True, text=True,
                               cwd=tmp_path).stdout.strip())
    assert site.is_relative_to(fresh) and (site / "py.typed").is_file()  # a real install

    snippet = tmp_path / "user_code.py"
    snippet.write_text(textwrap.dedent(MISUSE).lstrip())
    (tmp_path / "mypy.ini").write_text("[mypy]\n")  # not the repo's settings
    env = {k: v for k, v in os.environ.items() if k != "MYPYPATH"}
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--python-executable", str(python), "--no-incremental",
         "--config-file", "mypy.ini", "--hide-error-context", "--no-error-summary",
         str(snippet.name)],
        capture_output=True, text=True, cwd=tmp_path, env=env)
    errors = [line for line in result.stdout.splitlines() if ": error: " in line]
    assert "missing library stubs or py.typed marker" not in result.stdout, result.stdout
    assert errors == [
        'user_code.py:3: error: Argument 2 to "Event" has incompatible type "str"; '
        'expected "int"  [arg-type]',
        'user_code.py:8: error: Unexpected keyword argument "retries" for "emit" of '
        '"Dispatcher"  [call-arg]',
    ], result.stdout + result.stderr
