"""`make bench`: run every benchmark and rewrite docs/benchmarks.md.

Each bench/<name>.py measures tscrun and its baseline in one run and writes a
markdown section to bench/results/<name>.md; this script runs them in turn and
puts the sections under one header stating the machine and the versions.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.metadata
import os
import platform
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
BENCHES = ("runtime", "soak", "lint", "mypy", "mypy_deps", "lsp", "redis", "scale")
PACKAGES = ("tscrun", "libcst", "flake8", "mypy", "ruff", "pyee", "typeguard", "pygls", "redis",
            "celery")


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def header() -> str:
    versions = []
    for name in PACKAGES:
        try:
            versions.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            pass
    return "\n".join([
        "# Benchmarks",
        "",
        "Written by `make bench` (bench/all.py); do not edit by hand. Every figure is a ratio against a",
        "baseline measured in the same run on the same machine, so the ratios travel better than the seconds.",
        "",
        f"- date: {datetime.date.today().isoformat()}",
        f"- machine: {platform.system()} {platform.machine()}, {os.cpu_count()} cores, {_cpu()}",
        f"- Python {platform.python_version()}; " + ", ".join(versions),
        "",
    ])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smoke run: fewer repetitions")
    parser.add_argument("only", nargs="*", help=f"benchmarks to run (default: {', '.join(BENCHES)})")
    args = parser.parse_args()
    unknown = [n for n in args.only if n not in BENCHES]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}")
    failed = []
    for name in args.only or BENCHES:
        print(f"--- bench/{name}.py", flush=True)
        cmd = [sys.executable, str(HERE / f"{name}.py")] + (["--quick"] if args.quick else [])
        if subprocess.run(cmd, cwd=REPO).returncode != 0:
            failed.append(name)
    sections = [header()]
    for name in BENCHES:
        result = HERE / "results" / f"{name}.md"
        if result.is_file():
            sections.append(result.read_text().strip() + "\n")
        else:
            sections.append(f"## {name}\n\nNot measured: bench/{name}.py did not produce a result.\n")
    (REPO / "docs").mkdir(exist_ok=True)
    (REPO / "docs" / "benchmarks.md").write_text("\n".join(sections))
    print("wrote docs/benchmarks.md")
    if failed:
        print("benchmarks that failed: " + ", ".join(failed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
