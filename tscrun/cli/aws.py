"""``tscrun aws plan``: print what must exist in AWS for the config, as JSON.

Nothing is deployed: feed the JSON to your infrastructure tool (see the
README's "Deploying with tscrun aws plan"). Warnings (an event without a
payload TypedDict) go to stderr and into the plan's ``warnings``; the exit
status is 0 then. A configuration error is one line on stderr and exit status
2; a payload module that raises on import, exit status 1.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

__all__ = ["register"]


def register(subparsers: Any) -> None:
    """Add ``aws`` (with ``plan``) to the ``tscrun`` command line."""
    aws = subparsers.add_parser("aws", help='provider "aws": what to create in AWS',
                                description='Commands for provider = "aws".')
    commands = aws.add_subparsers(dest="aws_command", metavar="COMMAND", required=True)
    plan = commands.add_parser(
        "plan", help="print the EventBridge rules, SQS queues, Lambda functions and payload "
                     "JSON Schemas the config needs, as JSON",
        description="Print what must exist in AWS for the config (rules, queues, dead-letter "
                    "queues, functions, payload JSON Schemas) as JSON. Deploys nothing.")
    plan.add_argument("--config", metavar="PATH",
                      help="config file (default: discovered from the working directory)")
    plan.add_argument("-o", "--output", metavar="FILE", help="write the JSON here, not to stdout")
    plan.set_defaults(run=run_plan)


def run_plan(args: argparse.Namespace) -> int:
    from tscrun.config import load_config
    from tscrun.errors import ConfigError, TscrunError
    from tscrun.providers.aws.plan import build_plan

    try:
        config = load_config(args.config)
        plan = build_plan(config)
    except ConfigError as exc:
        print(f"tscrun aws plan: {exc}", file=sys.stderr)
        return 2
    except TscrunError as exc:  # a payload module that raises on import
        print(f"tscrun aws plan: error: {exc}", file=sys.stderr)
        return 1
    for warning in plan["warnings"]:
        print(f"tscrun aws plan: warning: {warning}", file=sys.stderr)
    text = json.dumps(plan, indent=2) + "\n"
    if args.output:
        try:
            Path(args.output).write_text(text, encoding="utf-8")
        except OSError as exc:
            print(f"tscrun aws plan: cannot write {args.output}: {exc.strerror or exc}",
                  file=sys.stderr)
            return 2
    else:
        sys.stdout.write(text)
    return 0
