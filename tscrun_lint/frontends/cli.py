"""``tscrun-lint [PATHS...]``: flags and exit codes only; the work is in runner and engine.

Exit codes: 0 nothing found, 1 diagnostics found (or, with ``--diff``, fixes to
apply), 2 usage or configuration error (one message on stderr, no traceback).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from tscrun import __version__
from tscrun.diagnostics import CODES
from tscrun_lint.frontends.formats import FORMATS, render, summary_line
from tscrun_lint.engine.runner import Options, UsageError, run

PROG = "tscrun-lint"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        raise UsageError(message)


def _codes(value: str) -> list[str]:
    codes = [c.strip().upper() for c in value.split(",") if c.strip()]
    for code in codes:
        if not any(known.startswith(code) for known in CODES):
            raise argparse.ArgumentTypeError(
                f"unknown code {code!r}; codes are {', '.join(CODES)} (prefixes like TSC1 work)")
    return codes


def _selection_flags(p: argparse.ArgumentParser) -> None:
    """``--select``/``--ignore``, the same for the check and the language server."""
    p.add_argument("--select", type=_codes, default=[], metavar="CODES",
                   help="comma-separated codes or prefixes to report (default: all)")
    p.add_argument("--ignore", type=_codes, default=[], metavar="CODES",
                   help="comma-separated codes or prefixes not to report")


def parser() -> argparse.ArgumentParser:
    p = _Parser(prog=PROG, description="Check tscrun event emits, payloads, subscribers and "
                "config statically (never importing the checked code).",
                epilog=f"In an editor: {PROG} lsp starts the language server "
                       f"(see {PROG} lsp --help).")
    p.add_argument("paths", nargs="*", type=Path, default=None, metavar="PATH",
                   help="files or folders to check (default: .); a config file among them "
                        "re-checks its whole project")
    p.add_argument("--config", type=Path, metavar="FILE",
                   help="tscrun.toml or pyproject.toml to use instead of discovery "
                        "(also $TSCRUN_CONFIG)")
    _selection_flags(p)
    p.add_argument("--format", choices=FORMATS, default="text", help="output format")
    p.add_argument("--fix", action="store_true",
                   help="apply safe fixes (a misspelt literal event name with exactly one "
                        "configured name within 2 edits)")
    p.add_argument("--diff", action="store_true",
                   help="print the safe fixes as a unified diff; write nothing")
    p.add_argument("--explain", metavar="CODE", help="print the documentation of a code")
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    p.add_argument("--jobs", type=int, metavar="N",
                   help="worker processes (default: all cores for large runs, 1 for small ones)")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(argv)
    except UsageError as exc:
        return _fail(str(exc), argv)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 - exit 2 with a message, never a traceback
        import traceback

        where = traceback.extract_tb(exc.__traceback__)[-1]
        return _fail(f"internal error, please report it: {type(exc).__name__}: {exc} "
                     f"({Path(where.filename).name}:{where.lineno})", argv)


def _fail(message: str, argv: Sequence[str] | None) -> int:
    """Exit 2: the message on stderr and, for JSON and SARIF, a valid document saying
    the run failed (a consumer must never get an empty or truncated file)."""
    print(f"{PROG}: error: {message}", file=sys.stderr)
    fmt = _requested_format(sys.argv[1:] if argv is None else argv)
    if fmt in ("json", "sarif"):
        sys.stdout.write(render(fmt, [], 0, error=message))
    return 2


def _requested_format(argv: Sequence[str]) -> str:
    """``--format`` read from the raw arguments (the parser may be what failed)."""
    fmt = "text"
    for i, arg in enumerate(argv):
        if arg == "--format" and i + 1 < len(argv):
            fmt = argv[i + 1]
        elif arg.startswith("--format="):
            fmt = arg.partition("=")[2]
    return fmt


def _main(argv: Sequence[str] | None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["lsp"]:
        return _lsp(argv[1:])
    args = parser().parse_args(argv)
    if args.explain:
        from tscrun_lint.frontends.explain import explain_text
        code = args.explain.strip().upper()
        if code not in CODES:
            raise UsageError(f"unknown code {args.explain!r}; codes are {', '.join(CODES)}")
        sys.stdout.write(explain_text(code))
        return 0
    import os

    config = args.config
    if config is None and os.environ.get("TSCRUN_CONFIG"):
        config = Path(os.environ["TSCRUN_CONFIG"])
    if config is not None and not config.is_file():
        if config.is_dir():
            from tscrun import find_config
            found = find_config(config)
            if found is None:
                raise UsageError(f"{config}: no tscrun.toml or pyproject.toml with [tool.tscrun] "
                                 f"in this folder or above")
            config = found
        else:
            raise UsageError(f"{config}: config file does not exist")
    options = Options(select=args.select, ignore=args.ignore, fix=args.fix or args.diff,
                      config=config, jobs=args.jobs)
    paths = args.paths or [Path(".")]
    outcome = run(paths, options)

    if args.diff:
        from tscrun_lint.frontends.fix import unified_diff
        diff = unified_diff(outcome.fixes)
        sys.stdout.write(diff)
        n = sum(1 for d in outcome.diagnostics if d.fix is not None)
        print(f"Would fix {n} problem{'s' if n != 1 else ''}." if diff else "No fixes to apply.",
              file=sys.stderr)
        return 1 if diff else 0

    diagnostics = outcome.diagnostics
    fixed_count = 0
    if args.fix and outcome.fixes:
        from tscrun_lint.frontends.fix import refused, write
        written = write(outcome.fixes)
        for link in refused(outcome.fixes):
            print(f"{PROG}: not fixed: {link} is a symlink; fixes are never written through "
                  f"links (fix its target, checked on its own)", file=sys.stderr)
        fixed_count = sum(1 for d in diagnostics if d.fix is not None and d.path in written)
        # Re-check what was rewritten: the remaining findings, at their new positions.
        again = run(written, Options(select=args.select, ignore=args.ignore, config=config,
                                     jobs=1))
        diagnostics = [d for d in diagnostics if d.path not in written] + [
            d for d in again.diagnostics if d.path in written]
        diagnostics.sort(key=lambda d: d.sort_key())

    out = render(args.format, diagnostics, outcome.files)
    sys.stdout.write(out)
    if fixed_count and args.format == "text":
        print(f"Fixed {fixed_count} problem{'s' if fixed_count != 1 else ''}.")
    elif fixed_count:
        print(f"Fixed {fixed_count} problem{'s' if fixed_count != 1 else ''}.", file=sys.stderr)
    return 1 if diagnostics else 0


def _lsp(argv: Sequence[str]) -> int:
    """``tscrun-lint lsp``: the language server on stdin/stdout (see tscrun_lint.frontends.lsp)."""
    p = _Parser(prog=f"{PROG} lsp", description="Language server (LSP over stdio) publishing "
                "tscrun-lint's findings as you type, with the safe fix as a code action.")
    p.add_argument("--config", type=Path, metavar="FILE",
                   help="tscrun.toml or pyproject.toml to use instead of discovery "
                        "(also $TSCRUN_CONFIG or the client's initializationOptions)")
    _selection_flags(p)
    args = p.parse_args(argv)
    if args.config is not None and not args.config.exists():
        raise UsageError(f"{args.config}: config file does not exist")
    try:
        import pygls  # noqa: F401 - only to word a missing dependency clearly
    except ImportError:
        raise UsageError("the language server needs pygls; install it with "
                         "pip install 'tscrun[lsp]'") from None
    from tscrun_lint.frontends.lsp import serve
    return serve(args.config, args.select, args.ignore)


__all__ = ["main", "parser", "summary_line"]
