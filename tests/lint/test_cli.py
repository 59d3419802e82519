"""tscrun-lint end to end on fixtures/lint_project: exact codes and positions in every format."""

from __future__ import annotations

import json
import re
import sys

from conftest import BIN, FIXTURES, REPO, lint, run

PROJECT = FIXTURES / "lint_project"

EXPECTED = """\
app/api/aliases.py:19:38: TSC101 payload for "user.joined" is missing required key(s) "plan" of "UserJoined"
app/api/aliases.py:20:19: TSC001 unknown event "order.plaecd"; did you mean "order.placed"?
app/api/dynamic.py:7:23: TSC002 event name is not statically known; pass a string literal, a module constant or a Literal-typed value so it can be checked
app/api/dynamic.py:11:23: TSC002 event name is not statically known; pass a string literal, a module constant or a Literal-typed value so it can be checked
app/api/naming.py:5:23: TSC003 event name "UserBanned" does not match the naming convention ^[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)+$
app/api/noqa.py:8:23: TSC001 unknown event "order.palced"; did you mean "order.placed"?
app/api/orders.py:10:39: TSC101 payload for "order.placed" is missing required key(s) "amount" of "OrderPlaced"
app/api/orders.py:16:19: TSC103 payload for "order.placed": key "amount" is str, expected float ("OrderPlaced")
app/api/orders.py:17:42: TSC103 payload for "order.placed": key "quantity" is str, expected int ("Item")
app/api/orders.py:18:9: TSC102 payload for "order.placed" has key(s) "coupon" not declared in "OrderPlaced"
app/api/orders.py:27:39: TSC104 payload for "order.placed" is "UserJoined", which is not compatible with "OrderPlaced"; key "orderId" is missing
app/api/orders.py:31:39: TSC105 payload for "user.joined" is tuple[str, str], expected "UserJoined"
app/api/orders.py:35:23: TSC001 unknown event "order.palced"; did you mean "order.placed"?
app/boom.py:12:62: TSC103 payload for "user.joined": key "plan" is int, expected str ("UserJoined")
app/subscribers/moderation.py:5:19: TSC202 handler of subscriber "moderation" names "UserJoined", which none of its events carries; annotate it Event[UserBanned]
tscrun.toml:7:1: TSC301 event "user.left" has no payload TypedDict: module "app.payloads" has no "UserLeft"
tscrun.toml:8:1: TSC003 event name "UserBanned" does not match the naming convention ^[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)+$
tscrun.toml:16:11: TSC201 handler "app.subscribers.ledger:record" of subscriber "ledger" not found: module "app.subscribers.ledger" has no "record"
"""
SUMMARY = "Found 18 problems in 8 files (14 checked). 2 fixable with --fix.\n"


def test_text_output_is_exact_and_nothing_is_imported() -> None:
    proc = lint(cwd=PROJECT)
    assert proc.stderr == ""
    assert proc.stdout == EXPECTED + SUMMARY
    assert proc.returncode == 1
    # app/boom.py and app/names.py write/raise when imported; the analyzer only reads them.
    assert not (PROJECT / "app" / "IMPORTED").exists()


def test_python_dash_m_is_the_same_command() -> None:
    proc = run([sys.executable, "-m", "tscrun_lint", "."], cwd=PROJECT)
    assert (proc.returncode, proc.stdout) == (1, EXPECTED + SUMMARY)


def test_paths_are_relative_to_the_working_directory() -> None:
    proc = lint("fixtures/lint_project/app/api/orders.py", cwd=REPO)
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("fixtures/lint_project/app/api/orders.py:10:39: TSC101 ")
    assert lines[-1] == "Found 7 problems in 1 file (1 checked). 1 fixable with --fix."


def test_json_output() -> None:
    proc = lint("--format", "json", cwd=PROJECT)
    assert proc.returncode == 1
    doc = json.loads(proc.stdout)
    assert doc["summary"] == {"files": 14, "diagnostics": 18}
    got = [f'{d["path"]}:{d["line"]}:{d["column"]}: {d["code"]} {d["message"]}'
           for d in doc["diagnostics"]]
    assert "\n".join(got) + "\n" == EXPECTED
    for d in doc["diagnostics"]:
        assert set(d) == {"path", "line", "column", "end_line", "end_column", "code", "message",
                          "fix"}
    typo = next(d for d in doc["diagnostics"] if d["path"] == "app/api/orders.py"
                and d["code"] == "TSC001")
    # the range covers the literal "order.palced" (14 characters with quotes), end exclusive
    assert (typo["line"], typo["column"], typo["end_line"], typo["end_column"]) == (35, 23, 35, 37)
    assert typo["fix"] == {"replacement": '"order.placed"',
                           "description": 'replace with "order.placed"'}
    dynamic = next(d for d in doc["diagnostics"] if d["code"] == "TSC002")
    assert dynamic["fix"] is None


def test_github_annotations_use_workspace_relative_paths_and_no_colour() -> None:
    proc = lint("--format", "github", cwd=PROJECT, env={"GITHUB_WORKSPACE": str(REPO)})
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert len(lines) == 18
    assert "\x1b[" not in proc.stdout
    assert lines[0] == (
        "::error file=fixtures/lint_project/app/api/aliases.py,line=19,col=38,endLine=19,"
        "endColumn=53,title=TSC101::TSC101 payload for \"user.joined\" is missing required key(s) "
        "\"plan\" of \"UserJoined\"")
    assert lines[-1].startswith(
        "::error file=fixtures/lint_project/tscrun.toml,line=16,col=11,endLine=16,endColumn=42,"
        "title=TSC201::TSC201 handler \"app.subscribers.ledger:record\"")
    for line in lines:
        assert re.fullmatch(r"::error file=[^,:]+,line=\d+,col=\d+,endLine=\d+,endColumn=\d+,"
                            r"title=TSC\d{3}::TSC\d{3} .+", line), line


def test_sarif_is_the_shape_github_code_scanning_accepts() -> None:
    from tscrun.diagnostics import CODES

    proc = lint("--format", "sarif", cwd=PROJECT)
    assert proc.returncode == 1
    doc = json.loads(proc.stdout)
    assert doc["version"] == "2.1.0"
    assert doc["$schema"].endswith("sarif-2.1.0.json")
    (run_,) = doc["runs"]
    driver = run_["tool"]["driver"]
    assert driver["name"] == "tscrun-lint" and driver["version"]
    rules = driver["rules"]
    assert [r["id"] for r in rules] == list(CODES)
    for rule in rules:
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert rule["help"]["text"] and rule["help"]["markdown"].startswith("## " + rule["id"])
        assert rule["defaultConfiguration"]["level"] == "error"
    assert run_["columnKind"] == "unicodeCodePoints"
    assert run_["originalUriBaseIds"]["%SRCROOT%"]["uri"] == PROJECT.as_uri() + "/"
    results = run_["results"]
    assert len(results) == 18
    got = []
    for result in results:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] == "error" and result["message"]["text"].startswith(result["ruleId"])
        (loc,) = result["locations"]
        art = loc["physicalLocation"]["artifactLocation"]
        region = loc["physicalLocation"]["region"]
        assert art["uriBaseId"] == "%SRCROOT%" and not art["uri"].startswith("/")
        assert region["endLine"] >= region["startLine"] >= 1 and region["startColumn"] >= 1
        got.append(f'{art["uri"]}:{region["startLine"]}:{region["startColumn"]}: '
                   f'{result["message"]["text"]}')
    assert "\n".join(got) + "\n" == EXPECTED


def test_select_and_ignore() -> None:
    proc = lint("--select", "TSC1", "--ignore", "TSC103,TSC105", cwd=PROJECT)
    codes = [line.split(": ")[1].split()[0] for line in proc.stdout.splitlines()[:-1]]
    assert codes == ["TSC101", "TSC101", "TSC102", "TSC104"]
    assert proc.returncode == 1
    clean = lint("--select", "TSC9", cwd=PROJECT)
    assert (clean.returncode, clean.stdout) == (0, "No problems found in 14 files.\n")


def test_unknown_code_in_select_is_a_usage_error() -> None:
    proc = lint("--select", "TSC7", cwd=PROJECT)
    assert proc.returncode == 2
    assert "unknown code 'TSC7'" in proc.stderr and "Traceback" not in proc.stderr


def test_config_level_checks_only_when_the_root_or_config_is_checked() -> None:
    only_files = lint("app", cwd=PROJECT)
    assert "tscrun.toml" not in only_files.stdout
    assert only_files.stdout.count("\n") == 16  # 15 findings in app/ + summary
    with_config = lint("tscrun.toml", cwd=PROJECT)
    assert with_config.stdout == EXPECTED + SUMMARY  # a config among the paths: whole project


def test_noqa_is_honoured() -> None:
    proc = lint("app/api/noqa.py", cwd=PROJECT)
    assert proc.stdout.splitlines() == [
        'app/api/noqa.py:8:23: TSC001 unknown event "order.palced"; did you mean "order.placed"?',
        "Found 1 problem in 1 file (1 checked). 1 fixable with --fix.",
    ]


def test_explain_prints_the_rule_reference() -> None:
    from tscrun_lint.frontends.explain import explain_markdown

    proc = lint("--explain", "tsc101", cwd=PROJECT)
    assert proc.returncode == 0
    assert proc.stdout == explain_markdown("TSC101")
    assert proc.stdout.startswith("## TSC101: payload lacks required key(s)\n")
    bad = lint("--explain", "TSC999", cwd=PROJECT)
    assert bad.returncode == 2 and "unknown code 'TSC999'" in bad.stderr


def test_demo_app_reports_exactly_the_documented_mistakes() -> None:
    proc = lint("fixtures/demo_app", cwd=REPO)
    assert proc.returncode == 1
    assert proc.stdout == (
        'fixtures/demo_app/functions/api/orders.py:5:35: TSC101 payload for "order.completed" is '
        'missing required key(s) "total" of "OrderCompletedEvent"\n'
        'fixtures/demo_app/functions/api/signup_page.py:6:23: TSC001 unknown event '
        '"user-registered"; did you mean "user.registered"?\n'
        'fixtures/demo_app/functions/subscribers/send_welcome_email.py:11:25: TSC202 handler of '
        'subscriber "send-welcome-email" does not accept "user.verified" (UserVerifiedEvent), which '
        'the subscriber receives; annotate it Event[UserRegisteredEvent | UserVerifiedEvent]\n'
        'fixtures/demo_app/pyproject.toml:18:49: TSC301 event "payment.succeeded" has no payload '
        'TypedDict: ' + _demo_missing_reason() + "\n"
        "Found 4 problems in 4 files (13 checked). 1 fixable with --fix.\n")


def _demo_missing_reason() -> str:
    # The reason is the catalog's wording (owned by tests/lint_catalog); only its start is ours.
    proc = lint("--format", "json", "fixtures/demo_app", cwd=REPO)
    doc = json.loads(proc.stdout)
    (msg,) = [d["message"] for d in doc["diagnostics"] if d["code"] == "TSC301"]
    assert msg.startswith('event "payment.succeeded" has no payload TypedDict: module '
                          '"events.payment_succeeded" not found')
    return msg.split("TypedDict: ", 1)[1]


def test_worker_processes_and_the_precise_path_alone_give_the_same_output() -> None:
    pooled = lint("--jobs", "2", cwd=PROJECT)
    assert (pooled.returncode, pooled.stdout) == (1, EXPECTED + SUMMARY)
    precise = lint("--jobs", "2", cwd=PROJECT, env={"TSCRUN_LINT_FAST_PATH": "0"})
    assert (precise.returncode, precise.stdout) == (1, EXPECTED + SUMMARY)
    serial_diff = lint("--diff", "--jobs", "1", cwd=PROJECT)
    pooled_diff = lint("--diff", "--jobs", "2", cwd=PROJECT)
    assert pooled_diff.stdout == serial_diff.stdout != ""


def test_both_commands_say_their_version() -> None:
    from tscrun import __version__

    for tool in ("tscrun-lint", "tscrun"):
        proc = run([str(BIN / tool), "--version"], cwd=PROJECT)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.strip() == f"{tool} {__version__}"
