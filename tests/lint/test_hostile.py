"""Hostile trees and files, from the user's side: the real CLI, flake8 and pre-commit.

Whatever a checked tree holds (a symlink to /dev/zero, a FIFO, a symlink loop, a
1,500-level folder, a chain libcst's native parser would crash on, a source root
outside the project), a run ends within a bound, reports what it could not read as
TSC900 and the other files' findings as usual, or stops with exit 2 and a message.
Generous subprocess timeouts are the "never hangs" bound; nothing here is timed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from conftest import run, tool
from hostile_tree import CONFIG, HANDLER, PAYLOAD, PLANTED, PLANTED_LINE, SHAPES

BOUND = 120  # seconds: far above any normal run, far below a hang or a machine scan


def _project(root: Path, config: str = CONFIG) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "tscrun.toml").write_text(config)
    (root / "events").mkdir(exist_ok=True)
    (root / "events" / "__init__.py").write_text("")
    (root / "events" / "user_joined.py").write_text(PAYLOAD)
    (root / "handlers.py").write_text(HANDLER)
    (root / "planted.py").write_text(PLANTED)
    return root


def _lint(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([tool("tscrun-lint"), *args], cwd=cwd, text=True,
                          capture_output=True, timeout=BOUND, check=False,
                          env={k: v for k, v in os.environ.items() if k != "TSCRUN_CONFIG"})
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def _flake8(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([tool("flake8"), *args], cwd=cwd, text=True, capture_output=True,
                          timeout=BOUND, check=False)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


# --- 2, 3: special and foreign files --------------------------------------------------

def test_symlink_to_dev_zero_in_the_types_package(tmp_path: Path) -> None:
    root = _project(tmp_path / "p")
    (root / "events" / "zz.py").symlink_to("/dev/zero")
    # one unrelated file: the project-wide scans must not read the device
    proc = _lint("planted.py", cwd=root)
    assert proc.returncode == 1 and proc.stdout.splitlines()[0] == PLANTED_LINE, proc.stdout
    # the whole folder: the link is named, its target never read
    proc = _lint(".", cwd=root)
    assert proc.returncode == 1, proc.stderr
    assert PLANTED_LINE in proc.stdout.splitlines()
    assert ("events/zz.py:1:1: TSC900 could not check this file: a symlink to a file outside "
            "the project; not read") in proc.stdout.splitlines(), proc.stdout


def test_fifo_named_py_neither_hangs_the_cli_nor_flake8(tmp_path: Path) -> None:
    root = _project(tmp_path / "p")
    os.mkfifo(root / "events" / "pipe.py")
    proc = _lint(".", cwd=root)
    assert proc.returncode == 1 and PLANTED_LINE in proc.stdout.splitlines()
    assert ("events/pipe.py:1:1: TSC900 could not check this file: not a regular file "
            "(a FIFO); not read") in proc.stdout.splitlines(), proc.stdout
    proc = _flake8("--select", "TSC", "planted.py", cwd=root)
    assert "planted.py:3:13: TSC001" in proc.stdout, proc.stdout + proc.stderr


def test_symlink_loop_is_tsc900_and_the_run_goes_on(tmp_path: Path) -> None:
    root = _project(tmp_path / "p")
    (root / "app").mkdir()
    (root / "app" / "loop.py").symlink_to("loop.py")
    proc = _lint(".", cwd=root)
    assert proc.returncode == 1, proc.stderr
    lines = proc.stdout.splitlines()
    assert PLANTED_LINE in lines
    assert ("app/loop.py:1:1: TSC900 could not check this file: Too many levels of symbolic "
            "links") in lines, proc.stdout


def test_folder_1500_levels_deep() -> None:
    # Outside pytest's tmp_path: pytest's own cleanup (shutil.rmtree) recurses and would
    # fail on this tree, in this run or in a later one, if a test were ever killed here.
    root = _project(Path(tempfile.mkdtemp(prefix="tscrun-deep-")))
    folder = root / "deep"
    try:
        for _ in range(1500):  # os.makedirs itself recurses
            folder = folder / "d"
            folder.mkdir(parents=True)
        (folder / "bottom.py").write_text(PLANTED)
        proc = _lint(".", cwd=root)
        assert proc.returncode == 1, proc.stderr
        assert PLANTED_LINE in proc.stdout.splitlines()
        assert "bottom.py:3:13: TSC001" in proc.stdout  # found at the bottom, nothing crashed
    finally:
        subprocess.run(["rm", "-rf", str(root)], check=False)  # GNU rm does not recurse


@pytest.mark.parametrize("roots", ['["/"]', '[".."]', '[".", "../elsewhere"]'])
def test_source_roots_outside_the_project_are_a_config_error(tmp_path: Path, roots: str) -> None:
    root = _project(tmp_path / "p", f"source-roots = {roots}\n" + CONFIG)
    proc = _lint("planted.py", cwd=root)
    assert proc.returncode == 2 and proc.stdout == ""
    bad = json.loads(roots)[-1]
    assert proc.stderr == (
        f"tscrun-lint: error: {root / 'tscrun.toml'}:1: [source-roots] \"{bad}\" is outside the "
        f"project folder {root.resolve()}; source roots must lie inside it\n")
    # flake8: the same config error, on the file that emits
    proc = _flake8("--select", "TSC", "planted.py", cwd=root)
    assert "TSC302 invalid tscrun configuration:" in proc.stdout and "outside the project" \
        in proc.stdout, proc.stdout


def test_event_named_like_a_path_reads_nothing_outside(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    # Were the convention lookup to follow the name, this TypedDict would be read and
    # the empty payload below reported as TSC101 instead of the event having no type.
    (outside / "evil.py").write_text(
        "from typing import TypedDict\n\n\nclass Evil(TypedDict):\n    secret: str\n")
    name = f"{outside}/evil"
    root = _project(tmp_path / "p", f'[events.subscribers.audit]\nevents = ["{name}"]\n'
                                    'handler = "handlers:audit"\n')
    (root / "planted.py").write_text(f"from tscrun import events\n\nevents.emit({name!r}, {{}})\n")
    proc = _lint(".", cwd=root)
    assert "TSC101" not in proc.stdout
    assert f'tscrun.toml:2:11: TSC301 event "{name}" has no payload TypedDict: module ' \
        in proc.stdout and "not found under the source roots" in proc.stdout, proc.stdout


def test_explicit_dev_zero_is_tsc900_at_once(tmp_path: Path) -> None:
    root = _project(tmp_path / "p")
    proc = _lint("/dev/zero", "planted.py", "--config", "tscrun.toml", cwd=root)
    lines = proc.stdout.splitlines()
    assert proc.returncode == 1, proc.stderr
    assert ("/dev/zero:1:1: TSC900 could not check this file: not a regular file "
            "(a character device); not read") in lines
    assert PLANTED_LINE in lines


def test_oversized_file_is_tsc900(tmp_path: Path) -> None:
    root = _project(tmp_path / "p")
    big = root / "big.py"
    with big.open("w") as handle:
        handle.write("from tscrun import events\n")
        handle.write("# " + "x" * (9 * 1024 * 1024) + "\n")
    proc = _lint(".", cwd=root)
    assert proc.returncode == 1 and PLANTED_LINE in proc.stdout.splitlines()
    size = big.stat().st_size
    assert (f"big.py:1:1: TSC900 could not check this file: file too large to analyse "
            f"({size:,} bytes; the limit is 8,388,608)") in proc.stdout.splitlines()


# --- 1: chains libcst's native parser cannot take --------------------------------------

def _chain_file(shape: str, n: int) -> str:
    return ("from tscrun import events\n\n"
            f"x = {SHAPES[shape](n)}\n"
            "events.emit('user.joined', {'userId': 'u'})\n")


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_deep_chain_is_tsc900_and_other_files_are_reported(tmp_path: Path, shape: str) -> None:
    root = _project(tmp_path / "p")
    (root / "chain.py").write_text(_chain_file(shape, 10_000))
    proc = _lint(".", cwd=root)
    lines = proc.stdout.splitlines()
    assert proc.returncode == 1, proc.stderr
    assert PLANTED_LINE in lines
    (tsc900,) = [line for line in lines if line.startswith("chain.py:")]
    assert tsc900.startswith("chain.py:3:") and tsc900.endswith(
        "TSC900 could not check this file: expression nested too deeply to analyse (more than "
        "400 levels of operators, calls, subscripts or brackets); split it into steps"), tsc900


def test_many_deep_files_on_the_worker_pool(tmp_path: Path) -> None:
    # 16+ files that need libcst go to worker processes: none may break the pool.
    root = _project(tmp_path / "p")
    for i, shape in enumerate(sorted(SHAPES) * 3):
        (root / f"chain{i:02}.py").write_text(_chain_file(shape, 7_000))
    for i in range(10):  # files that do need the precise path
        (root / f"ok{i}.py").write_text(
            "from tscrun import events\n\ndef go(p):\n    events.emit('user.joind', p)\n")
    proc = _lint(".", "--jobs", "2", cwd=root)
    lines = proc.stdout.splitlines()
    assert proc.returncode == 1, proc.stderr
    assert PLANTED_LINE in lines
    assert sum(" TSC900 " in line for line in lines) == len(SHAPES) * 3
    assert sum(line.startswith("ok") and " TSC001 " in line for line in lines) == 10


def test_deep_chain_in_the_payload_module(tmp_path: Path) -> None:
    root = _project(tmp_path / "p")
    (root / "events" / "user_joined.py").write_text(PAYLOAD + "X = " + SHAPES["binary"](7_000)
                                                   + "\n")
    (root / "emitter.py").write_text(
        "from tscrun import events\n\nevents.emit('user.joined', {'userId': 1})\n")
    proc = _lint(".", cwd=root)
    assert proc.returncode == 1 and PLANTED_LINE in proc.stdout.splitlines()
    assert ('tscrun.toml:2:11: TSC301 event "user.joined" has no payload TypedDict: module '
            '"events.user_joined" could not be read: an expression on line 6 is nested too '
            'deeply to analyse (more than 400 levels); the payloads of this event are not '
            'checked') in proc.stdout.splitlines(), proc.stdout
    # flake8 on the emitting files (on the payload module itself, flake8's own ast.parse
    # fails with a RecursionError traceback before any plugin runs: not ours to fix)
    for jobs in ("1", "2"):
        proc = _flake8("--select", "TSC", "--jobs", jobs, "planted.py", "emitter.py", cwd=root)
        assert "planted.py:3:13: TSC001" in proc.stdout, proc.stdout + proc.stderr


# --- 4: exit codes and documents --------------------------------------------------------

@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_a_failed_run_is_exit_2_with_a_valid_document(tmp_path: Path, fmt: str) -> None:
    root = _project(tmp_path / "p", 'source-roots = [".."]\n' + CONFIG)
    proc = _lint("--format", fmt, ".", cwd=root)
    assert proc.returncode == 2
    assert proc.stderr.startswith("tscrun-lint: error: ") and "outside the project" in proc.stderr
    doc = json.loads(proc.stdout)
    message = proc.stderr.removeprefix("tscrun-lint: error: ").rstrip("\n")
    if fmt == "json":
        assert doc == {"diagnostics": [], "summary": {"files": 0, "diagnostics": 0},
                       "error": message}
    else:
        (sarif_run,) = doc["runs"]
        assert sarif_run["results"] == []
        assert sarif_run["invocations"] == [{
            "executionSuccessful": False,
            "toolExecutionNotifications": [{"level": "error", "message": {"text": message}}]}]


# The real CLI, with one thing added by this harness (never by the product): a worker
# process that starts libcst's precise check of a file named boom*.py is killed with
# SIGKILL, as the kernel kills a process that segfaults or runs out of memory.
_KILLING_HARNESS = '''
import os, signal, sys
from tscrun_lint.engine import engine
from tscrun_lint.frontends.cli import main

parent = os.getpid()
real = engine.check_text

def check_text(path, *args, **kwargs):
    if path.name.startswith("boom") and os.getpid() != parent and kwargs.get("precise", True):
        os.kill(os.getpid(), signal.SIGKILL)
    return real(path, *args, **kwargs)

engine.check_text = check_text
sys.argv[0] = "tscrun-lint"
sys.exit(main())
'''


@pytest.mark.parametrize("fmt", ["text", "json", "sarif"])
def test_a_killed_worker_costs_only_its_file(tmp_path: Path, fmt: str) -> None:
    """Two files kill their workers (the pool breaks, twice); each gets TSC900 and every
    other file's findings are reported, in every output format."""
    root = _project(tmp_path / "p")
    expected = []
    for i in range(24):
        (root / f"mod{i:02}.py").write_text(PLANTED)
        expected.append(f"mod{i:02}.py:3:13: TSC001")
    (root / "boom.py").write_text(PLANTED)
    (root / "mod10_boom.py").write_text(PLANTED)
    (root / "boom_too.py").write_text(PLANTED)
    proc = subprocess.run([sys.executable, "-c", _KILLING_HARNESS, "--jobs", "2", "--format",
                           fmt, "."], cwd=root, text=True, capture_output=True, timeout=BOUND,
                          check=False)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == 1, proc.stderr
    crashed = "the analyser crashed on this file, please report it"
    if fmt == "text":
        lines = proc.stdout.splitlines()
        assert f"boom.py:1:1: TSC900 could not check this file: {crashed}" in lines, lines
        assert f"boom_too.py:1:1: TSC900 could not check this file: {crashed}" in lines
        assert "mod10_boom.py:3:13: TSC001" in proc.stdout  # not named boom*: checked
        for line in [*expected, "planted.py:3:13: TSC001"]:
            assert any(seen.startswith(line) for seen in lines), (line, lines)
        return
    doc = json.loads(proc.stdout)
    if fmt == "json":
        found = {(Path(d["path"]).name, d["line"], d["code"]) for d in doc["diagnostics"]}
        messages = {d["message"] for d in doc["diagnostics"] if d["code"] == "TSC900"}
    else:
        (sarif_run,) = doc["runs"]
        found = {(Path(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]).name,
                  r["locations"][0]["physicalLocation"]["region"]["startLine"], r["ruleId"])
                 for r in sarif_run["results"]}
        messages = {r["message"]["text"] for r in sarif_run["results"]
                    if r["ruleId"] == "TSC900"}
    assert ("boom.py", 1, "TSC900") in found and ("boom_too.py", 1, "TSC900") in found
    assert any(crashed in m for m in messages), messages
    for i in range(24):
        assert (f"mod{i:02}.py", 3, "TSC001") in found, found
    assert ("planted.py", 3, "TSC001") in found


def test_a_usage_error_with_json_still_gives_a_document(tmp_path: Path) -> None:
    root = _project(tmp_path / "p")
    proc = _lint("--format", "json", "--select", "XYZ", ".", cwd=root)
    assert proc.returncode == 2
    assert json.loads(proc.stdout)["error"].startswith("argument --select: unknown code 'XYZ'")


# --- 5: flake8 never passes a file it could not check silently --------------------------

def test_flake8_with_e9_reports_files_no_plugin_could_check(tmp_path: Path) -> None:
    root = _project(tmp_path / "p")
    (root / "nul.py").write_bytes(b"from tscrun import events\nx = 1\0\n")
    (root / "broken.py").write_text("from tscrun import events\nevents.emit('user.joined', {\n")
    # (implicit string concatenation: flat for Python's ast, so pyflakes survives it, but
    # one libcst node per string)
    (root / "deep.py").write_text(_chain_file("strings", 1_000))
    # The README's selection: E9 is flake8's own "could not parse" (its plugins never
    # see such a file); TSC900 covers what Python parses and the analyser refuses.
    proc = _flake8("--select", "TSC,E9", ".", cwd=root)
    lines = proc.stdout.splitlines()
    assert proc.returncode == 1
    assert any(line.startswith("./nul.py:") and " E999 " in line for line in lines), lines
    assert any(line.startswith("./broken.py:") and " E999 " in line for line in lines), lines
    assert any(line.startswith("./deep.py:3:") and " TSC900 " in line for line in lines), lines
    assert "./planted.py:3:13: TSC001" in proc.stdout
    # ... while --select TSC alone lets the first two pass: what the README warns about.
    proc = _flake8("--select", "TSC", ".", cwd=root)
    assert "nul.py" not in proc.stdout and "broken.py" not in proc.stdout


def test_readme_recommends_e9_with_tsc() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert "flake8 --select TSC,E9" in readme
    assert "flake8 --select TSC ." not in readme


# --- 6: pre-commit re-checks the dependents of a changed payload or handler module --------

def _git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


@pytest.mark.xdist_group("pre-commit")
def test_pre_commit_rechecks_emit_sites_of_a_changed_typeddict(tmp_path: Path) -> None:
    repo = Path(__file__).resolve().parents[2]
    work = _project(tmp_path / "work")
    (root_api := work / "api").mkdir()
    (root_api / "__init__.py").write_text("")
    (root_api / "signup.py").write_text(
        "from tscrun import events\n\n\ndef go() -> None:\n"
        "    events.emit('user.joined', {'userId': 'u'})\n")
    (work / "planted.py").write_text("x = 1\n")
    _git("init", "-q", cwd=work)
    _git("add", ".", cwd=work)
    _git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "init", cwd=work)
    env = {"PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"), "PRE_COMMIT_COLOR": "never",
           "NO_COLOR": "1"}

    def hook(*files: str) -> subprocess.CompletedProcess[str]:
        return run([tool("pre-commit"), "try-repo", str(repo), "tscrun-lint", "--color",
                    "never", "--files", *files], cwd=work, env=env)

    assert hook("events/user_joined.py").returncode == 0
    # A required key added to the TypedDict: the emit site elsewhere now lacks it.
    payload = work / "events" / "user_joined.py"
    payload.write_text(PAYLOAD + "    plan: str\n")
    proc = hook("events/user_joined.py")
    assert proc.returncode == 1, proc.stdout
    assert ('api/signup.py:5:32: TSC101 payload for "user.joined" is missing required key(s) '
            '"plan" of "UserJoinedEvent"') in proc.stdout, proc.stdout
    # The handler module loses its handler: the config-level check says so.
    payload.write_text(PAYLOAD)
    (work / "handlers.py").write_text("def other(event: object) -> None:\n    pass\n")
    proc = hook("handlers.py")
    assert proc.returncode == 1, proc.stdout
    assert ('tscrun.toml:3:11: TSC201 handler "handlers:audit" of subscriber "audit" not found: '
            'module "handlers" has no "audit"') in proc.stdout, proc.stdout


# --- 9: regex costs --------------------------------------------------------------------

def test_catastrophic_naming_pattern_cannot_stall_a_check(tmp_path: Path) -> None:
    name = "a" * 40 + "!"
    root = _project(tmp_path / "p", '[events]\nnaming = "(a+)+$"\n\n'
                                    f'[events.subscribers.audit]\nevents = ["{name}"]\n'
                                    'handler = "handlers:audit"\n')
    (root / "planted.py").write_text(f"from tscrun import events\n\nevents.emit({name!r}, {{}})\n")
    proc = _lint(".", cwd=root)  # a backtracking engine takes hours on this name
    assert f'planted.py:3:13: TSC003 event name "{name}" does not match the naming convention ' \
           '(a+)+$' in proc.stdout.splitlines(), proc.stdout


def test_naming_pattern_needing_backtracking_is_refused(tmp_path: Path) -> None:
    root = _project(tmp_path / "p", '[events]\nnaming = "^(?=[a-z])[a-z.]+$"\n\n' + CONFIG)
    proc = _lint(".", cwd=root)
    assert proc.returncode == 2
    assert proc.stderr == (
        f"tscrun-lint: error: {root / 'tscrun.toml'}:2: [events.naming] the pattern needs a "
        "feature of backtracking engines (invalid perl operator: (?=); tscrun runs event-name "
        "patterns with RE2, in time linear in the name, so no pattern can stall a check: "
        "write it without look-around, back-references, possessive quantifiers or \\Z "
        "(use $)\n")


def test_crafted_imports_do_not_slow_the_reexport_prefilter(tmp_path: Path) -> None:
    root = _project(tmp_path / "p")
    (root / "bus.py").write_text("from tscrun import events\n")
    # 640 KB of unclosed parenthesised imports: the old pattern re-scanned the rest of
    # the file from each one (quadratic, ~9 s); now each line is read once.
    (root / "crafted.py").write_text("emit = 1\n" + "from x import (\n" * 40_000)
    proc = _lint(".", cwd=root)
    assert PLANTED_LINE in proc.stdout.splitlines()


# --- 7: cost of many unknown emits ------------------------------------------------------

def test_ten_thousand_unknown_emits_on_one_line(tmp_path: Path) -> None:
    """Each distinct misspelling is searched once against 1,000 configured events, and the
    one 500 KB line is scanned for ``# noqa`` once, not once per finding (which made the
    run quadratic in the findings on a line). The bound is generous (a hang guard only)."""
    types = "".join(f'"area{i}.item_changed" = "events.user_joined:UserJoinedEvent"\n'
                    for i in range(1_000))
    root = _project(tmp_path / "p", CONFIG + "\n[events.types]\n" + types)
    calls = "; ".join(f'events.emit("area{i % 1_000}.itme_changed", {{}})' if i % 2 else
                      f'events.emit("area{i}.itme_chnged_{i}", {{}})' for i in range(10_000))
    (root / "many.py").write_text(f"from tscrun import events\n\n\ndef go() -> None:\n"
                                  f"    {calls}  # noqa: TSC101\n")
    proc = subprocess.run([tool("tscrun-lint"), "many.py", "planted.py"], cwd=root, text=True,
                          capture_output=True, timeout=900, check=False)
    assert proc.returncode == 1, proc.stderr
    lines = proc.stdout.splitlines()
    assert PLANTED_LINE in lines
    found = [line for line in lines if line.startswith("many.py:5:")]
    assert len(found) == 10_000, lines[-3:]
    assert all(" TSC001 unknown event " in line for line in found)
    column = 5 + len('events.emit("area0.itme_chnged_0", {}); ') + len("events.emit(")
    assert found[1] == (f'many.py:5:{column}: TSC001 unknown event "area1.itme_changed"; '
                        'did you mean "area1.item_changed"?')
    # the same misspelling ten times (searched once): the same answer each time
    assert sum(line.endswith('"area7.itme_changed"; did you mean "area7.item_changed"?')
               for line in found) == 10


# --- 10: smaller ------------------------------------------------------------------------

def test_sarif_uri_is_percent_encoded(tmp_path: Path) -> None:
    root = _project(tmp_path / "p")
    (root / "app dir").mkdir()
    (root / "app dir" / "x%y.py").write_text(PLANTED)
    proc = _lint("--format", "sarif", "app dir", cwd=root)
    doc = json.loads(proc.stdout)
    (result,) = doc["runs"][0]["results"]
    location = result["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": "app%20dir/x%25y.py", "uriBaseId": "%SRCROOT%"}


def test_tsc900_positions(tmp_path: Path) -> None:
    root = _project(tmp_path / "p")
    (root / "nul.py").write_bytes(b"from tscrun import events\n\nx = 'a\0'\nevents.emit()\n")
    proc = _lint("nul.py", cwd=root)
    assert proc.stdout.splitlines()[0] == (
        "nul.py:3:7: TSC900 could not check this file: source code cannot contain null bytes")


def test_fix_never_writes_through_a_symlink(tmp_path: Path) -> None:
    root = _project(tmp_path / "p")
    outside = tmp_path / "outside.py"
    outside.write_text(PLANTED)
    (root / "out.py").symlink_to(outside)
    (root / "linked.py").symlink_to("planted.py")
    proc = _lint("--fix", "out.py", "linked.py", cwd=root)
    assert outside.read_text() == PLANTED  # outside the project: not even read
    assert ("out.py:1:1: TSC900 could not check this file: a symlink to a file outside the "
            "project; not read") in proc.stdout
    assert (root / "planted.py").read_text() == PLANTED  # inside, but not through the link
    assert proc.stderr == ("tscrun-lint: not fixed: linked.py is a symlink; fixes are never "
                           "written through links (fix its target, checked on its own)\n")
    assert proc.returncode == 1


def test_symlink_out_of_the_project_is_not_read(tmp_path: Path) -> None:
    outside = tmp_path / "secret.py"
    outside.write_text(PLANTED)
    root = _project(tmp_path / "p")
    (root / "link.py").symlink_to(outside)
    proc = _lint(".", cwd=root)
    assert ("link.py:1:1: TSC900 could not check this file: a symlink to a file outside the "
            "project; not read") in proc.stdout.splitlines(), proc.stdout


def _inheritance_project(root: Path, depth: int) -> Path:
    root = _project(root, '[events.types]\n"user.joined" = "events.user_joined:Plain"\n'
                          '"user.deep" = "events.deep:Deep"\n"user.loop" = "events.loop:Loop"\n\n'
                          '[events.subscribers.audit]\nevents = ["user.joined"]\n'
                          'handler = "handlers:audit"\n')
    lines = ["from typing import TypedDict", "", "", "class B0(TypedDict):", "    userId: str"]
    for i in range(1, depth):
        lines += ["", "", f"class B{i}(B{i - 1}):", f"    k{i}: int"]
    lines += ["", "", f"class Deep(B{depth - 1}):", "    last: str", ""]
    (root / "events" / "deep.py").write_text("\n".join(lines))
    (root / "events" / "loop.py").write_text(
        "from typing import TypedDict\n\n\nclass Loop(Other):\n    a: int\n\n\n"
        "class Other(Loop):\n    b: int\n")
    # a plain class, also named in the handler's annotation (read there first)
    (root / "events" / "user_joined.py").write_text("class Plain:\n    userId: str\n")
    (root / "handlers.py").write_text(
        "from tscrun.events import Event\nfrom events.user_joined import Plain\n\n\n"
        "def audit(event: Event[Plain]) -> None:\n    pass\n")
    (root / "planted.py").write_text(
        "from tscrun import events\n\nevents.emit('user.deep', {'userId': 'u', 'last': 'x'})\n")
    return root


def test_typeddict_inheritance_deep_cyclic_and_not_a_typeddict(tmp_path: Path) -> None:
    root = _inheritance_project(tmp_path / "p", 100)
    proc = _lint(".", cwd=root)
    lines = proc.stdout.splitlines()
    # 100 levels: checked like any TypedDict (mypy checks it too)
    missing = ", ".join(f'"k{i}"' for i in range(1, 100))
    assert lines[0] == (f'planted.py:3:26: TSC101 payload for "user.deep" is missing required '
                        f'key(s) {missing} of "Deep"')
    assert lines[1:4] == [
        'tscrun.toml:2:1: TSC301 event "user.joined" has no payload TypedDict: '
        '"events.user_joined:Plain" is not a TypedDict',
        'tscrun.toml:4:1: TSC301 event "user.loop" has no payload TypedDict: '
        '"events.loop:Loop" has cyclic inheritance (through "events.loop.Loop")',
        "Found 3 problems in 2 files (6 checked).",
    ], proc.stdout


def test_typeddict_inheritance_past_the_limit_is_said(tmp_path: Path) -> None:
    root = _inheritance_project(tmp_path / "p", 1_100)
    proc = _lint(".", cwd=root)
    assert ('tscrun.toml:3:1: TSC301 event "user.deep" has no payload TypedDict: '
            '"events.deep:Deep" inherits through more than 1000 levels of bases; not analysed'
            ) in proc.stdout.splitlines(), proc.stdout


def test_libcst_error_positions_name_the_failing_line() -> None:
    # Reached only for what Python parses and libcst does not (rare), so checked on
    # libcst's own errors: the position comes from its message, clamped to the text.
    import libcst as cst

    from tscrun_lint.engine.engine import _cst_error_position

    for text, expected in [("x = 1\n\nf(a for a in b, c)\n", (3, 17)),
                           ("x = 1\n\ny = 1 if 2 else 3 if 4 else\n", (3, 28))]:
        try:
            cst.parse_module(text)
        except cst.ParserSyntaxError as exc:
            assert _cst_error_position(exc, text) == expected
        else:
            raise AssertionError("libcst parsed it")


# --- 7: cost follows what changed, not files x queries ------------------------------------

@pytest.mark.skipif(shutil.which("strace") is None, reason="needs strace to count stat calls")
def test_payload_modules_are_checked_for_changes_once_per_run(tmp_path: Path) -> None:
    # Before, every catalog query re-stat'ed every module read so far: a payload module
    # was stat'ed once per emit in the project (857 times for 300 modules). Now the
    # index is refreshed once per run; the count stays flat whatever the emits.
    root = _project(tmp_path / "p")
    (root / "app").mkdir()
    for i in range(120):
        (root / "app" / f"m{i}.py").write_text(
            "from tscrun import events\nfrom events.user_joined import UserJoinedEvent\n\n\n"
            f"def go(p: UserJoinedEvent) -> None:\n    events.emit('user.joined', p)\n"
            f"    events.emit('user.joined', {{'userId': 'u{i}'}})\n")
    log = tmp_path / "stat.log"
    proc = subprocess.run(["strace", "-f", "-e", "trace=stat,lstat,newfstatat,statx", "-o",
                           str(log), tool("tscrun-lint"), "--jobs", "1", "."], cwd=root,
                          text=True, capture_output=True, timeout=BOUND, check=False)
    if "Operation not permitted" in proc.stderr:
        pytest.skip("ptrace is not permitted here")
    assert PLANTED_LINE in proc.stdout.splitlines(), proc.stdout + proc.stderr
    stats = sum("events/user_joined.py" in line for line in log.read_text().splitlines())
    assert 0 < stats <= 12, stats
