"""``tscrun dead-letters list|redrive|purge``: deliveries that failed every attempt."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from tscrun.cli.common import (
    UsageError,
    add_config_option,
    check_subscribers,
    load,
    remote_provider,
)

if TYPE_CHECKING:
    from tscrun.providers.base import DeadLetterRecord, DeadLetterStore


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "dead-letters", help="list, redrive or purge dead letters",
        description="Deliveries that failed max-attempts times are kept by the broker as dead "
                    "letters. Redrive delivers each again to its one subscriber, with the "
                    "same event id; purge deletes them.")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    for name, help_text in (("list", "show dead letters, oldest first"),
                            ("redrive", "deliver dead letters again to their subscriber"),
                            ("purge", "delete dead letters")):
        action = actions.add_parser(name, help=help_text, description=help_text)
        add_config_option(action)
        action.add_argument("--subscriber", metavar="NAME", action="extend", nargs="+",
                            help="only dead letters of these subscribers")
        action.add_argument("--id", metavar="ID", dest="ids", action="extend", nargs="+",
                            help="only these (dead-letter id or event id)")
        if name == "list":
            action.add_argument("--json", action="store_true", help="print JSON")
        if name == "purge":
            action.add_argument("--all", action="store_true",
                                help="required to purge without --subscriber or --id")
        action.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    config = load(args)
    provider = remote_provider(config, "dead-letters")
    store = provider.dead_letters(config)
    if store is None:
        raise UsageError(f'{config.path}: provider "{config.provider}" keeps dead letters '
                         "itself; look there")
    subscribers = check_subscribers(config, args.subscriber) if args.subscriber else None
    if args.action == "purge" and not (args.subscriber or args.ids or args.all):
        raise UsageError("purge deletes dead letters for good: name them with --subscriber "
                         "or --id, or pass --all")
    return asyncio.run(_run(args, store, subscribers))


async def _run(args: argparse.Namespace, store: DeadLetterStore,
               subscribers: list[str] | None) -> int:
    try:
        records = [r for r in await store.list()
                   if (subscribers is None or r.subscriber in subscribers)
                   and (not args.ids or r.key in args.ids or r.envelope.id in args.ids)]
        if args.action == "list":
            _print(records, args.json)
        elif args.action == "redrive":
            count = await store.redrive(records)
            print(f"redrove {count} dead letter{'' if count == 1 else 's'}")
        else:
            count = await store.purge(records)
            print(f"purged {count} dead letter{'' if count == 1 else 's'}")
    finally:
        await store.close()
    return 0


def _print(records: Sequence[DeadLetterRecord], as_json: bool) -> None:
    if as_json:
        json.dump([{"id": r.key, "subscriber": r.subscriber, "event": r.envelope.type,
                    "event_id": r.envelope.id, "timestamp": r.envelope.timestamp,
                    "data": r.envelope.data, "attempts": r.attempts,
                    "error_type": r.failure.error_type, "message": r.failure.message,
                    "traceback": r.failure.traceback, "failed_at": r.failed_at}
                   for r in records], sys.stdout, indent=2)
        print()
        return
    for r in records:
        when = datetime.fromtimestamp(r.failed_at, UTC).strftime("%Y-%m-%d %H:%M:%S")
        message = r.failure.message.replace("\n", " ")
        print(f"{r.key}  {when}  {r.subscriber}  {r.envelope.type} (id {r.envelope.id})  "
              f"{r.attempts} attempt{'' if r.attempts == 1 else 's'}  "
              f"{r.failure.error_type}: {message}")
    print(f"{len(records)} dead letter{'' if len(records) == 1 else 's'}")
