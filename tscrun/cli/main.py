"""``tscrun``: the runtime's command line.

Each subcommand lives in a module of this package that exposes
``register(subparsers) -> None``; :data:`COMMANDS` lists them. ``register``
adds the subparser and sets ``run=<function(args) -> int>`` as its default.

Exit codes: 0 done, 1 failed (a broker that cannot be reached, a handler
module that raises on import), 2 usage or configuration error. Errors are one
clear line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from types import ModuleType

from tscrun import __version__
from tscrun.cli import aws, dead_letters, worker
from tscrun.cli.common import UsageError
from tscrun.errors import ConfigError, TscrunError

__all__ = ["COMMANDS", "main"]

COMMANDS: tuple[ModuleType, ...] = (worker, dead_letters, aws)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tscrun", description="Run and inspect tscrun's remote event delivery.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in COMMANDS:
        command.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)  # usage errors: argparse prints them and exits 2
    try:
        return int(args.run(args))
    except (ConfigError, UsageError) as exc:
        print(f"tscrun {args.command}: {exc}", file=sys.stderr)
        return 2
    except TscrunError as exc:
        print(f"tscrun {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
