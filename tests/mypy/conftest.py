from __future__ import annotations

from pathlib import Path

import pytest

from tests.mypy.harness import runtime_path


@pytest.fixture(scope="session")
def runtime(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """PYTHONPATH folder through which mypy sees tscrun and the plugin."""
    return runtime_path(tmp_path_factory.mktemp("runtime"))
