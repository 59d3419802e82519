"""Worker threads for plain ``def`` handlers.

Why not :class:`concurrent.futures.ThreadPoolExecutor`: its threads are joined
at interpreter exit, so one handler stuck in ``time.sleep`` keeps the program
from ever exiting, and a pool that was shut down refuses the retries still
scheduled. These threads are daemons: a handler that never returns is given up
(its attempt times out) and cannot hold the process. How many handlers of one
subscriber run at once is decided by the dispatcher (per-subscriber
``concurrency``); this pool only keeps threads around for reuse and lets idle
ones end after a while.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable

__all__ = ["submit"]

_IDLE_SECONDS = 30.0

Job = Callable[[], None]


class _Pool:
    def __init__(self) -> None:
        self.jobs: queue.SimpleQueue[Job] = queue.SimpleQueue()
        self.lock = threading.Lock()
        self.idle = 0  # threads waiting for a job and not yet promised one

    def submit(self, job: Job) -> None:
        with self.lock:
            if self.idle:
                self.idle -= 1  # promised: that thread will take this job
                self.jobs.put(job)
                return
        threading.Thread(target=self._work, args=(job,), name="tscrun-handler",
                         daemon=True).start()

    def _work(self, job: Job | None) -> None:
        while job is not None:
            job()
            job = None
            with self.lock:
                self.idle += 1
            while job is None:
                try:
                    job = self.jobs.get(timeout=_IDLE_SECONDS)
                except queue.Empty:
                    with self.lock:
                        if self.idle:  # nobody counts on this thread: let it end
                            self.idle -= 1
                            return
                    # A submit promised this thread a job as it timed out; take it.


_pool = _Pool()


def _after_fork() -> None:
    # The child has none of the parent's threads; a count of idle ones would
    # send jobs to threads that do not exist.
    global _pool
    _pool = _Pool()


os.register_at_fork(after_in_child=_after_fork)


def submit(job: Job) -> None:
    """Run ``job`` in a daemon worker thread (an idle one if any). ``job`` must not raise."""
    _pool.submit(job)
