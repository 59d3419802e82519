"""The demo app's events through a real redis-server and real ``tscrun worker`` processes."""

from __future__ import annotations

import signal
from collections import Counter
from collections.abc import Callable

import redis

from tests.redis.conftest import RECEIVES, Demo

ALL = ("send-welcome-email", "increment-registered-users", "update-analytics")


def groups_of(url: str) -> dict[str, set[str]]:
    client = redis.Redis.from_url(url, decode_responses=True)
    try:
        return {key.rsplit(":event:", 1)[1]: {g["name"] for g in client.xinfo_groups(key)}
                for key in client.scan_iter("tscrun:*:event:*")}
    finally:
        client.close()


def pending_total(url: str) -> int:
    client = redis.Redis.from_url(url, decode_responses=True)
    try:
        return sum(int(g["pending"]) for key in client.scan_iter("tscrun:*")
                   if client.type(key) == "stream" and not key.endswith(":dead")
                   for g in client.xinfo_groups(key))
    finally:
        client.close()


def test_events_emitted_before_any_worker_wait_and_are_delivered_once_one_starts(
        make_demo: Callable[..., Demo]) -> None:
    demo = make_demo()
    demo.emit(5)
    emitted = demo.emitted()
    assert {event: len(ids) for event, ids in emitted.items()} == \
        {"user.registered": 5, "user.verified": 5, "order.completed": 5}
    # the groups were made by the first emit, not by a worker (none has run yet)
    assert groups_of(demo.url) == {
        "user.registered": {"send-welcome-email", "increment-registered-users",
                            "update-analytics"},
        "user.verified": {"send-welcome-email"},
        "order.completed": {"update-analytics"},
    }
    assert demo.received() == []

    worker = demo.worker()
    expected = demo.expected(emitted, ALL)
    demo.wait_until(lambda: {(r[0], r[2]) for r in demo.received()} >= expected,
                    "every subscriber to receive every event")
    worker.send_signal(signal.SIGTERM)
    out, err = worker.communicate(timeout=60)
    assert worker.returncode == 0, err
    received = demo.received()
    # exactly once here: nothing crashed
    assert Counter((r[0], r[2]) for r in received) == Counter(expected)
    assert {(r[0], r[1]) for r in received} <= {(s, e) for s in ALL for e in RECEIVES[s]}
    assert all(r[3] == 1 for r in received)  # event.attempt
    # the demo's own handlers ran in the worker and printed their lines
    assert "send-welcome-email: welcome mail to user0@example.com (user.verified)" in out
    assert "increment-registered-users: 5 registered so far" in out
    assert "update-analytics: recorded order.completed" in out
    assert "stopped: 25 processed, 0 retried, 0 dead" in err
    assert "Traceback" not in err
    assert pending_total(demo.url) == 0


def test_worker_killed_mid_run_and_restarted_loses_no_event(
        make_demo: Callable[..., Demo]) -> None:
    demo = make_demo(claim_after=1.0)
    demo.emit(40)
    emitted = demo.emitted()
    expected = demo.expected(emitted, ALL)
    assert len(expected) == 40 * 5
    first = demo.worker("--concurrency", "8", TSCRUN_TEST_SLOW="0.01",
                        TSCRUN_TEST_STALL_AFTER="40")
    demo.wait_until(lambda: len(demo.received()) >= 40, "the first worker to get going")
    first.send_signal(signal.SIGKILL)
    first.wait(30)
    before = len(demo.received())
    assert before < len(expected), "the first worker finished before it was killed"

    # two new workers share what is left, including what the dead one had in hand
    second = demo.worker("--concurrency", "8")
    third = demo.worker("--subscriber", "send-welcome-email", "update-analytics")
    demo.wait_until(lambda: {(r[0], r[2]) for r in demo.received()} >= expected,
                    "every delivery after the restart", timeout=90)
    for proc in (second, third):
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
    received = Counter((r[0], r[2]) for r in demo.received())
    missing = set(expected) - set(received)
    assert not missing
    assert set(received) == set(expected)  # nothing delivered that was not due
    assert pending_total(demo.url) == 0


def test_sigterm_finishes_and_acknowledges_work_in_progress_then_exits_0(
        make_demo: Callable[..., Demo]) -> None:
    demo = make_demo()
    demo.emit(8)
    expected = demo.expected(demo.emitted(), ALL)
    worker = demo.worker("--concurrency", "6", TSCRUN_TEST_SLOW="1.0")
    demo.wait_until(lambda: len(demo.received()) >= 1, "deliveries in progress")
    worker.send_signal(signal.SIGTERM)
    _, err = worker.communicate(timeout=60)
    assert worker.returncode == 0, err
    assert "SIGTERM: finishing deliveries in progress, fetching no more" in err
    done = demo.received()
    assert 0 < len(done) < len(expected)
    # everything it had fetched was finished and acknowledged: nothing left pending
    assert pending_total(demo.url) == 0
    # the rest is still there for the next worker, and nothing runs twice
    demo.worker()
    demo.wait_until(lambda: {(r[0], r[2]) for r in demo.received()} >= expected,
                    "the rest after the restart")
    assert Counter((r[0], r[2]) for r in demo.received()) == Counter(expected)


def test_failing_handler_is_dead_lettered_after_max_attempts_and_redriven_from_the_cli(
        make_demo: Callable[..., Demo]) -> None:
    demo = make_demo(charge_card=True, max_attempts=3)
    demo.emit(2)
    orders = sorted(demo.emitted()["order.completed"])
    worker = demo.worker("--subscriber", "charge-card")

    def attempts() -> list[tuple[str, int]]:
        return sorted((r[2], r[3]) for r in demo.received() if r[0] == "charge-card")

    demo.wait_until(lambda: len(demo.cli("dead-letters", "list").stdout.splitlines()) == 3,
                    "two dead letters")
    assert attempts() == [(o, n) for o in orders for n in (1, 2, 3)]
    listing = demo.cli("dead-letters", "list")
    assert listing.returncode == 0, listing.stderr
    lines = listing.stdout.splitlines()
    assert lines[-1] == "2 dead letters"
    for line in lines[:2]:
        assert "charge-card  order.completed (id " in line
        assert "3 attempts  RuntimeError: card declined for order o-" in line
    assert {line.split("(id ")[1].split(")")[0] for line in lines[:2]} == set(orders)

    demo.fixed.touch()
    redrive = demo.cli("dead-letters", "redrive", "--subscriber", "charge-card")
    assert (redrive.returncode, redrive.stdout) == (0, "redrove 2 dead letters\n")
    # the same event ids come back, from attempt 1, and now succeed
    demo.wait_until(lambda: len(attempts()) == 8, "the redriven deliveries")
    assert attempts() == sorted([(o, n) for o in orders for n in (1, 2, 3)] +
                                [(o, 1) for o in orders])
    assert demo.cli("dead-letters", "list").stdout == "0 dead letters\n"
    worker.send_signal(signal.SIGTERM)
    _, err = worker.communicate(timeout=60)
    assert worker.returncode == 0
    dead_lines = [line for line in err.splitlines() if "dead letter:" in line]
    assert len(dead_lines) == 2
    assert 'dead letter: subscriber "charge-card", event "order.completed" (id ' in dead_lines[0]
    assert "after 3 attempt(s): RuntimeError: card declined for order o-" in dead_lines[0]
    assert err.count("retrying in") == 4
    assert "stopped: 2 processed, 4 retried, 2 dead" in err


def test_purge_needs_a_selection_and_deletes_dead_letters(
        make_demo: Callable[..., Demo]) -> None:
    demo = make_demo(charge_card=True, max_attempts=1)
    demo.emit(1)
    demo.worker("--subscriber", "charge-card")
    demo.wait_until(lambda: demo.cli("dead-letters", "list").stdout.endswith("1 dead letter\n"),
                    "a dead letter")
    refused = demo.cli("dead-letters", "purge")
    assert refused.returncode == 2
    assert refused.stderr == ("tscrun dead-letters: purge deletes dead letters for good: name "
                              "them with --subscriber or --id, or pass --all\n")
    listed = demo.cli("dead-letters", "list", "--json")
    assert listed.returncode == 0
    import json
    (record,) = json.loads(listed.stdout)
    assert record["subscriber"] == "charge-card" and record["attempts"] == 1
    assert record["data"]["orderId"] == "o-0"
    assert "RuntimeError: card declined" in record["traceback"]
    purged = demo.cli("dead-letters", "purge", "--id", record["event_id"])
    assert (purged.returncode, purged.stdout) == (0, "purged 1 dead letter\n")
    assert demo.cli("dead-letters", "list").stdout == "0 dead letters\n"




def test_a_delivery_whose_worker_keeps_dying_is_dead_lettered_as_worker_lost(
        make_demo: Callable[..., Demo]) -> None:
    demo = make_demo(max_attempts=1, claim_after=1.0)
    demo.emit(1)
    first = demo.worker("--subscriber", "update-analytics", TSCRUN_TEST_SLOW="60")
    demo.wait_until(lambda: pending_total(demo.url) == 2, "both deliveries in the first worker")
    first.send_signal(signal.SIGKILL)
    first.wait(30)
    second = demo.worker("--subscriber", "update-analytics")
    demo.wait_until(lambda: demo.cli("dead-letters", "list").stdout.endswith("2 dead letters\n"),
                    "the lost deliveries to be dead-lettered")
    lines = demo.cli("dead-letters", "list").stdout.splitlines()[:2]
    assert all("update-analytics" in line and "2 attempts  WorkerLost: the workers running this "
               "delivery stopped before it finished, 1 time(s)" in line for line in lines)
    assert demo.received() == []  # the handler never completed, and was not run past the limit
    second.send_signal(signal.SIGTERM)
    _, err = second.communicate(timeout=60)
    assert second.returncode == 0
    assert err.count("dead letter: subscriber \"update-analytics\"") == 2
