"""``tscrun worker``: run subscribers' handlers on the deliveries of a remote provider."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
from typing import Any

from tscrun.cli.common import (
    UsageError,
    add_config_option,
    check_subscribers,
    load,
    remote_provider,
    setup_logging,
)

logger = logging.getLogger("tscrun.worker")


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "worker", help="run subscribers' handlers on events from the broker",
        description="Fetch deliveries from the configured provider and run the subscribers' "
                    "handlers: acknowledge, retry with backoff, dead-letter after "
                    "max-attempts. SIGTERM or Ctrl-C stops fetching, finishes what is in "
                    "progress and exits 0; a second one exits at once (unfinished deliveries "
                    "stay with the broker and are taken over by another worker).")
    add_config_option(parser)
    parser.add_argument("--subscriber", metavar="NAME", action="extend", nargs="+",
                        help="run only these subscribers (default: all)")
    parser.add_argument("--concurrency", metavar="N", type=_positive, default=64,
                        help="deliveries in progress at once, shared evenly among the "
                             "subscribers (default: 64)")
    parser.set_defaults(run=run)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a number >= 1, got {value}")
    return value


def run(args: argparse.Namespace) -> int:
    import tscrun
    from tscrun.providers.worker import Worker, status_stream
    from tscrun.wiring import wire

    config = load(args)
    provider = remote_provider(config, "worker")
    consumer = provider.consumer(config)
    if consumer is None:
        raise UsageError(f'{config.path}: provider "{config.provider}" runs subscribers '
                         "elsewhere; there is nothing for tscrun worker to do")
    names = check_subscribers(config, args.subscriber)
    if not names:
        raise UsageError(f"{config.path}: no subscribers are configured")
    status = status_stream()
    setup_logging(status is not None)
    wiring = wire(config, names)
    # Events the handlers emit go to the same broker. That wires the config once
    # more (validators only): its warnings were just logged, so not twice.
    tscrun_logger = logging.getLogger("tscrun")
    level = tscrun_logger.level
    tscrun_logger.setLevel(logging.ERROR)
    try:
        tscrun.configure(config)
    finally:
        tscrun_logger.setLevel(level)
    worker = Worker(consumer, wiring.subscribers, claim_after=config.redis.claim_after,
                    concurrency=args.concurrency, status=status)
    logger.info("worker %s: subscribers %s (concurrency %d)", getattr(consumer, "name", ""),
                ", ".join(names), args.concurrency)
    return asyncio.run(_serve(worker))


async def _serve(worker: Any) -> int:
    loop = asyncio.get_running_loop()

    def on_signal(signum: int) -> None:
        if not worker.stopping:
            logger.info("%s: finishing deliveries in progress, fetching no more (send it again "
                        "to stop at once)", signal.Signals(signum).name)
            worker.stop()
        else:
            logger.warning("stopping at once; unfinished deliveries stay with the broker and "
                           "go to another worker after claim-after seconds")
            logging.shutdown()
            # Not a task cancellation: a client call cancelled half-way may swallow it.
            os._exit(1)

    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, on_signal, signum)
    try:
        stats = await worker.run()
    finally:
        await worker.consumer.close()
    logger.info("stopped: %s", stats.line(0))
    return 0
