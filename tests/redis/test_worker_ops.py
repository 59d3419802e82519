"""A worker in operation: the broker going away and coming back, the live count on a terminal."""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import time
from collections.abc import Callable, Iterator

import pytest

from tests.redis.conftest import TSCRUN, Demo
from tests.redis.test_delivery import pending_total
from tscrun.providers.redis.local_server import LocalRedisServer


@pytest.fixture
def own_server() -> Iterator[LocalRedisServer]:
    server = LocalRedisServer().start()
    yield server
    server.stop()


def test_worker_rides_out_a_broker_restart(make_demo: Callable[..., Demo],
                                           own_server: LocalRedisServer) -> None:
    demo = make_demo(url=own_server.url)
    worker = demo.worker("--subscriber", "increment-registered-users")
    demo.emit(1)
    demo.wait_until(lambda: len(demo.received()) == 1, "the first delivery")

    own_server.kill()  # no persistence: everything in Redis is gone
    time.sleep(1.5)  # the worker polls every 0.5 s: it notices the outage meanwhile
    own_server.restart()
    demo.emit(2)  # a fresh emitter process after the restart
    demo.wait_until(lambda: len(demo.received()) == 3, "deliveries after the restart")

    worker.send_signal(signal.SIGTERM)
    _, err = worker.communicate(timeout=60)
    assert worker.returncode == 0, err
    outage = [line for line in err.splitlines() if "cannot reach Redis at" in line]
    assert len(outage) == 1  # logged once, not once per poll
    assert outage[0].endswith("; retrying until it answers")
    assert "the broker answers again" in err
    assert "Traceback" not in err


def test_live_count_on_a_terminal(make_demo: Callable[..., Demo]) -> None:
    demo = make_demo()
    demo.emit(2)
    master, slave = pty.openpty()
    proc = subprocess.Popen([TSCRUN, "worker", "--config", str(demo.config)], env=demo.env(),
                            stdout=subprocess.DEVNULL, stderr=slave, cwd=demo.root)
    os.close(slave)
    demo.procs.append(proc)  # type: ignore[arg-type]
    screen = b""
    deadline = time.monotonic() + 60
    while b"10 processed, 0 retried, 0 dead, 0 in flight" not in screen:
        assert time.monotonic() < deadline, screen.decode(errors="replace")
        if select.select([master], [], [], 0.5)[0]:
            screen += os.read(master, 4096)
    proc.send_signal(signal.SIGTERM)
    proc.wait(60)
    while select.select([master], [], [], 0.2)[0]:
        try:
            screen += os.read(master, 4096)
        except OSError:
            break
    os.close(master)
    text = screen.decode(errors="replace")
    # the count is redrawn in place; log lines wipe it first
    assert "\r\x1b[K10 processed, 0 retried, 0 dead, 0 in flight" in text
    assert "\r\x1b[K" in text.split("SIGTERM")[0].rsplit("\n", 1)[-1]
    assert proc.returncode == 0


def test_a_second_signal_stops_at_once_and_the_work_goes_to_the_next_worker(
        make_demo: Callable[..., Demo]) -> None:
    demo = make_demo(claim_after=1.0)
    demo.emit(1)
    first = demo.worker("--subscriber", "update-analytics", TSCRUN_TEST_SLOW="60")
    # it has fetched both deliveries and sits in the slow handler
    demo.wait_until(lambda: pending_total(demo.url) == 2, "both deliveries in the worker")
    first.send_signal(signal.SIGTERM)
    time.sleep(0.5)
    first.send_signal(signal.SIGTERM)
    _, err = first.communicate(timeout=30)  # long before the handler's 60 s
    demo.procs.remove(first)  # its exit status 1 is expected
    assert first.returncode == 1
    assert "stopping at once; unfinished deliveries stay with the broker" in err
    demo.worker("--subscriber", "update-analytics")
    demo.wait_until(lambda: len(demo.received()) == 2, "the next worker to take them over")
    assert sorted(r[3] for r in demo.received()) == [2, 2]  # second attempts


def test_a_handler_over_its_timeout_fails_the_attempt(make_demo: Callable[..., Demo]) -> None:
    demo = make_demo(charge_card=True, max_attempts=2)
    config = demo.config.read_text().replace(
        'handler = "recording:charge_card"', 'handler = "recording:charge_card"\ntimeout = 0.2')
    demo.config.write_text(config)
    demo.fixed.touch()  # charge-card would succeed, but is too slow
    demo.emit(1)
    worker = demo.worker("--subscriber", "charge-card", TSCRUN_TEST_CHARGE_DELAY="5")
    demo.wait_until(lambda: demo.cli("dead-letters", "list").stdout.endswith("1 dead letter\n"),
                    "the slow delivery to be dead-lettered")
    assert "2 attempts  TimeoutError: the attempt took longer than the timeout (0.2 s)" in \
        demo.cli("dead-letters", "list").stdout
    worker.send_signal(signal.SIGTERM)
    worker.communicate(timeout=60)
