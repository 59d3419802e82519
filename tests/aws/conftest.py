"""moto in server mode, started by the suite, and the demo app wired to it.

One moto server per test process (``python -m moto.server`` on 127.0.0.1 and
a free port), reset before each test. boto3 reaches it through
``AWS_ENDPOINT_URL`` with dummy credentials; no shared AWS config is read.
"""

from __future__ import annotations

import dataclasses
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tscrun.config import Config, load_config

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "fixtures" / "demo_app"
REGION = "us-east-1"

# Top-level packages of the demo app (and of the runtime tests' projects): a
# stale copy in sys.modules must never be reused by the next test.
_TOP_LEVEL = {"events", "functions", "billing", "payloads"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/moto-api/", timeout=1) as response:
            return bool(response.status == 200)
    except OSError:
        return False


@pytest.fixture(scope="session")
def moto_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    for _ in range(3):  # a port taken between the probe and the bind: try another
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        with log.open("wb") as out:
            proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1",
                                     "-p", str(port)], stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while proc.poll() is None and time.monotonic() < deadline and not _ready(url):
            time.sleep(0.1)
        if proc.poll() is None and _ready(url):
            break
        proc.kill()
        proc.wait()
    else:
        pytest.fail(f"moto server did not start:\n{log.read_text(errors='replace')}")
    try:
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@dataclasses.dataclass
class Aws:
    url: str
    region: str

    def client(self, service: str, endpoint: str | None = None) -> Any:
        import boto3

        return boto3.client(service, region_name=self.region, endpoint_url=endpoint or self.url)  # type: ignore[call-overload]

    @property
    def events(self) -> Any:
        return self.client("events")

    @property
    def sqs(self) -> Any:
        return self.client("sqs")


@pytest.fixture
def aws(moto_server: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Aws:
    request = urllib.request.Request(f"{moto_server}/moto-api/reset", method="POST")
    urllib.request.urlopen(request, timeout=10).close()
    for var in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_REGION"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    return Aws(moto_server, REGION)


def _purge(root: Path) -> None:
    for name, module in list(sys.modules.items()):
        file = getattr(module, "__file__", None)
        if name.split(".")[0] in _TOP_LEVEL or (file and Path(file).is_relative_to(root)):
            del sys.modules[name]
    while str(root) in sys.path:
        sys.path.remove(str(root))


@pytest.fixture
def demo_config() -> Iterator[Config]:
    """The demo app's config with provider "aws" and two attempts per subscriber."""
    _purge(DEMO)
    config = load_config(DEMO / "pyproject.toml")
    yield dataclasses.replace(config, provider="aws", max_attempts=2)
    _purge(DEMO)


def demo_module(name: str) -> Any:
    """A demo module as the handlers imported it (to read what they recorded)."""
    return sys.modules[name]
