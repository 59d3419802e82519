"""Generated deep and long expression chains around an emit, through the real CLI.

Every shape whose repetition nests libcst's tree one level deeper (binary operators,
attributes, calls, subscripts, comparisons, implicit string concatenation, and/or,
unary minus), at lengths from a handful to far past the parse limit, placed before the
emit or inside its payload. Whatever is drawn: no crash, no hang past a generous bound,
exit 1, the planted finding in another file reported, and each chain file either
checked normally or reported as TSC900 with the parse-limit message.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from conftest import tool
from hostile_tree import CONFIG, HANDLER, PAYLOAD, PLANTED, PLANTED_LINE, SHAPES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

TOO_DEEP = ("TSC900 could not check this file: expression nested too deeply to analyse (more "
            "than 400 levels of operators, calls, subscripts or brackets); split it into steps")

lengths = st.one_of(st.integers(1, 450), st.integers(450, 4_000), st.sampled_from([12_000]))
chains = st.lists(st.tuples(st.sampled_from(sorted(SHAPES)), lengths,
                            st.sampled_from(["before", "payload"])), min_size=1, max_size=6)


def _file(shape: str, n: int, where: str) -> str:
    chain = SHAPES[shape](n)
    if where == "before":
        return f"from tscrun import events\n\nx = {chain}\nevents.emit('user.joined', {{}})\n"
    return f"from tscrun import events\n\nevents.emit('user.joined', {{'userId': {chain}}})\n"


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(drawn=chains)
def test_chains_never_crash_nor_hide_other_findings(drawn: list[tuple[str, int, str]]) -> None:
    # a fresh folder per example, outside pytest's tmp_path (see test_hostile.py)
    root = Path(tempfile.mkdtemp(prefix="tscrun-chains-"))
    try:
        (root / "tscrun.toml").write_text(CONFIG)
        (root / "events").mkdir()
        (root / "events" / "__init__.py").write_text("")
        (root / "events" / "user_joined.py").write_text(PAYLOAD)
        (root / "handlers.py").write_text(HANDLER)
        (root / "planted.py").write_text(PLANTED)
        for i, (shape, n, where) in enumerate(drawn):
            (root / f"chain{i}.py").write_text(_file(shape, n, where))
        proc = subprocess.run([tool("tscrun-lint"), "."], cwd=root, text=True,
                              capture_output=True, timeout=300, check=False)
        assert proc.returncode == 1, proc.stdout + proc.stderr
        assert proc.stderr == ""
        lines = proc.stdout.splitlines()
        assert PLANTED_LINE in lines
        for i, (shape, n, where) in enumerate(drawn):
            mine = [line for line in lines if line.startswith(f"chain{i}.py:")]
            # Either refused by the parse limit, or checked: an empty payload misses
            # "userId" (TSC101); a chain as the value may be judged or left alone.
            assert all(TOO_DEEP in line or " TSC101 " in line or " TSC103 " in line
                       for line in mine), (shape, n, where, mine)
            if n <= 100:
                assert not any(TOO_DEEP in line for line in mine), (shape, n, mine)
            if n > 1_000:
                assert any(TOO_DEEP in line for line in mine), (shape, n, mine)
    finally:
        subprocess.run(["rm", "-rf", str(root)], check=False)
