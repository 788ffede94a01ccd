"""Fixes on the command line: apply_edits, the fix loop (fix_text) and
`dockwise fix` / `dockwise lint --fix`."""
from __future__ import annotations

import io
import os
import re
import stat
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dockwise import rules
from dockwise.cli.main import main
from dockwise.lint.engine import LintSettings, Violation, lint_text
from dockwise.lint.fixes import DECLINED, apply_edits, fix_text, select_fixes, syntax_errors
from dockwise.syntax.model import Span
from dockwise.syntax.parser import parse
from dockwise.rules._api import Edit, Fix, Severity

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = (ROOT / "examples" / "Dockerfile").read_text(encoding="utf-8")


def ed(l1, c1, l2, c2, new):
    return Edit(Span.of(l1, c1, l2, c2), new)


# -- apply_edits -----------------------------------------------------------------


def test_apply_single_and_multi_line():
    text = "FROM a\nRUN x \\\n    y\nCMD z\n"
    assert apply_edits(text, [ed(1, 4, 1, 5, "echo")]) == "FROM a\nRUN echo \\\n    y\nCMD z\n"
    assert apply_edits(text, [ed(1, 0, 3, 0, "")]) == "FROM a\nCMD z\n"
    assert apply_edits(text, [ed(1, 6, 2, 5, "&& q")]) == "FROM a\nRUN x && q\nCMD z\n"
    assert apply_edits(text, []) == text


def test_apply_many_edits_from_the_end():
    text = "ab\ncd\nef"
    got = apply_edits(text, [ed(2, 1, 2, 2, "F"), ed(0, 0, 0, 1, "A"), ed(1, 0, 1, 2, "CD\nxx")])
    assert got == "Ab\nCD\nxx\neF"


def test_insertions_at_one_point_keep_their_order():
    text = "RUN x\n"
    edits = [ed(0, 5, 0, 5, " 1"), ed(0, 5, 0, 5, " 2"), ed(0, 4, 0, 5, "y")]
    assert apply_edits(text, edits) == "RUN y 1 2\n"
    assert apply_edits(text, edits[1::-1] + edits[2:]) == "RUN y 2 1\n"
    # a Fix sorts its edits stably: the same result whatever dict/set order built it
    f = Fix.safe("t", *edits)
    assert apply_edits(text, f.edits) == "RUN y 1 2\n"


def test_overlapping_edits_are_refused():
    with pytest.raises(ValueError):
        apply_edits("abcdef", [ed(0, 0, 0, 3, "x"), ed(0, 2, 0, 4, "y")])


def test_crlf_is_preserved():
    text = "FROM a\r\nRUN x\r\nCMD y\r\n"
    # an edit to the end of a line stops before its \r; new lines become \r\n
    assert apply_edits(text, [ed(1, 4, 1, 99, "x \\\n    && y")]) == "FROM a\r\nRUN x \\\r\n    && y\r\nCMD y\r\n"
    assert apply_edits(text, [ed(1, 0, 2, 0, "")]) == "FROM a\r\nCMD y\r\n"
    # LF files stay LF
    assert apply_edits("A\nB\n", [ed(0, 1, 0, 1, "\nC")]) == "A\nC\nB\n"


def test_columns_are_code_points_and_bom_counts():
    text = "LABEL a=\"é😀\" b=1\n"
    assert apply_edits(text, [ed(0, 13, 0, 16, "b=2")]) == "LABEL a=\"é😀\" b=2\n"
    # with a BOM in the text, the parser's columns on line 0 include it
    bom = "\ufeffFROM x\nMAINTAINER é\n"
    df = parse(bom)
    assert apply_edits(bom, [Edit(df.instructions[0].keyword_span, "from")]) == "\ufefffrom x\nMAINTAINER é\n"


def test_positions_past_the_end_are_clamped():
    assert apply_edits("A\nB", [ed(5, 0, 5, 0, "\nC")]) == "A\nB\nC"
    assert apply_edits("A\nB\n", [ed(1, 9, 1, 9, "!")]) == "A\nB!\n"


# -- select_fixes ------------------------------------------------------------------


def viol(code, fix, line=0):
    return Violation(code, code.lower(), Severity.INFO, "m", Span.of(line, 0, line, 1), fix)


def test_select_fixes_applicability_and_overlap():
    safe = Fix.safe("s", ed(0, 0, 0, 2, "x"))
    overlapping = Fix.safe("o", ed(0, 1, 0, 3, "y"))
    same_point = Fix.safe("p", ed(0, 0, 0, 0, "z"))
    touching = Fix.safe("t", ed(0, 2, 0, 2, "w"))
    unsafe = Fix.unsafe("u", ed(1, 0, 1, 1, "u"))
    display = Fix.display_only("d", ed(2, 0, 2, 1, "d"))
    vs = [viol("A", safe), viol("B", overlapping), viol("C", same_point), viol("D", touching),
          viol("E", unsafe, 1), viol("F", display, 2), viol("G", None), viol("H", safe)]
    assert [f.title for f in select_fixes(vs)] == ["s", "t"]
    assert [f.title for f in select_fixes(vs, unsafe=True)] == ["s", "t", "u"]


# -- fix_text on the example ------------------------------------------------------

EXAMPLE_SAFE = EXAMPLE.replace(
    "MAINTAINER Jane Doe <jane@example.com>", 'LABEL maintainer="Jane Doe <jane@example.com>"'
).replace("RUN pip install -r", "RUN pip install --no-cache-dir -r").replace(
    "RUN apt-get update\nRUN apt-get install -y curl build-essential\n",
    "RUN apt-get update && apt-get install -y curl build-essential \\\n    && rm -rf /var/lib/apt/lists/*\n",
)


def codes(vs):
    return {v.code for v in vs}


def test_example_safe_fixes_exact():
    before = codes(lint_text(EXAMPLE).violations)
    assert {"DL4000", "DL3042", "DL3009", "DL3015", "DL3025", "DW001"} <= before
    res = fix_text(EXAMPLE)
    assert EXAMPLE_SAFE != EXAMPLE and res.text == EXAMPLE_SAFE
    # round 1 merges the update into the installing RUN (DW002, preferred over DL3059's
    # chain: both edit that RUN); round 2 can then clean the apt lists in the merged RUN
    assert res.converged and res.rounds == 2 and not res.declined
    assert sorted(res.applied) == [("DL3009", "Delete the apt lists at the end of the RUN"),
                                   ("DL3042", "Add --no-cache-dir"),
                                   ("DL4000", "Replace MAINTAINER with LABEL maintainer=…"),
                                   ("DW002", "Move `apt-get update` into the RUN that installs (line 8)")]
    left = codes(res.remaining)
    assert not {"DL4000", "DL3042", "DL3059", "DL3009"} & left
    # unsafe fixes are only applied with the flag
    assert {"DL3015", "DL3025", "DW001"} <= left
    assert res.remaining == lint_text(res.text).violations


def test_example_unsafe_fixes():
    res = fix_text(EXAMPLE, unsafe=True)
    assert res.converged
    left = codes(res.remaining)
    for gone in ("DL4000", "DL3042", "DL3015", "DL3025", "DW001"):
        assert gone not in left
    assert "FROM python:3.14-slim\n" in res.text  # DL3007 pins latest, then DW001 slims it
    assert 'CMD ["python", "app.py"]\n' in res.text
    assert "apt-get install --no-install-recommends -y curl" in res.text
    assert syntax_errors(parse(res.text)) == 0
    # the talk's advice, all of it: update, install and cleanup in one RUN (the safe merge
    # wins over the unsafe cleanup that would leave the later install without lists),
    # the manifest copied and installed before the source
    assert ("RUN apt-get update && apt-get install --no-install-recommends -y curl build-essential \\\n"
            "    && rm -rf /var/lib/apt/lists/*\n") in res.text
    assert "COPY requirements.txt /app/\nRUN pip install --no-cache-dir -r requirements.txt\nCOPY . /app\n" in res.text
    assert res.text.count("RUN ") == 2


def test_safe_fix_wins_over_an_overlapping_unsafe_one():
    src = "FROM debian:12\nRUN apt-get update\nRUN apt-get install -y curl=1\n"
    res = fix_text(src, LintSettings.make(select=["DL3009", "DW002"]), unsafe=True)
    assert res.applied[0][0] == "DW002"
    assert res.text == ("FROM debian:12\nRUN apt-get update && apt-get install -y curl=1 \\\n"
                        "    && rm -rf /var/lib/apt/lists/*\n")


def test_dl3009_fixed_when_update_and_install_share_the_run():
    src = "FROM debian:12\nRUN apt-get update && apt-get install -y --no-install-recommends curl\n"
    res = fix_text(src, LintSettings.make(select=["DL3009"]))
    assert "DL3009" not in codes(res.remaining)
    assert res.text == (
        "FROM debian:12\nRUN apt-get update && apt-get install -y --no-install-recommends curl \\\n"
        "    && rm -rf /var/lib/apt/lists/*\n"
    )


def test_fixes_respect_selection():
    res = fix_text(EXAMPLE, LintSettings.make(ignore=["DL4000"]))
    assert "MAINTAINER Jane" in res.text and "--no-cache-dir" in res.text
    assert sorted(c for c, _ in res.applied) == ["DL3009", "DL3042", "DW002"]


def test_idempotent():
    for unsafe in (False, True):
        once = fix_text(EXAMPLE, unsafe=unsafe)
        twice = fix_text(once.text, unsafe=unsafe)
        assert twice.text == once.text and twice.applied == [] and twice.rounds == 0


def test_crlf_and_non_ascii_survive_fixing():
    src = "FROM alpine:3.20\r\nMAINTAINER Zoë \"Z\" 😀\r\nRUN apk add curl\r\n"
    res = fix_text(src, LintSettings.make(select=["DL4000", "DL3019"]))
    assert res.text == 'FROM alpine:3.20\r\nLABEL maintainer="Zoë \\"Z\\" 😀"\r\nRUN apk add --no-cache curl\r\n'


def test_multi_round_overlapping_fixes_converge():
    # two fixes inserting at one point: one per round
    src = "FROM debian:12\nRUN apt-get install curl\n"
    res = fix_text(src, LintSettings.make(select=["DL3014", "DL3015"]), unsafe=True)
    assert res.converged and res.rounds == 2
    assert codes(res.remaining) == set()
    assert "apt-get install" in res.text and "-y" in res.text and "--no-install-recommends" in res.text


# -- the safety net, with rules that misbehave on purpose --------------------------


@pytest.fixture
def fake_rule(monkeypatch):
    """Install a rule (by code) whose check is the given function."""
    from dockwise.lint import engine
    from dockwise.rules._api import Rule, RuleMeta

    def install(check, code="DW990"):
        meta = RuleMeta(code, f"fake-{code.lower()}", "fake", Severity.WARNING, frozenset(), (), True,
                        "", __name__)
        r = Rule(meta, check)
        monkeypatch.setattr(rules, "ALL_RULES", [*rules.ALL_RULES, r])
        orig_get, orig_resolve = rules.get, rules.resolve
        monkeypatch.setattr(rules, "get", lambda k: r if str(k).upper() == code else orig_get(k))
        monkeypatch.setattr(rules, "resolve", lambda k: [r] if str(k).upper() == code else orig_resolve(k))
        engine._plan.cache_clear()
        engine._runtime.cache_clear()
        return LintSettings.make(select=[code])

    yield install
    from dockwise.lint import engine as e

    e._plan.cache_clear()
    e._runtime.cache_clear()


def test_round_adding_a_syntax_error_is_declined(fake_rule):
    from dockwise.rules._api import Finding

    def check(df, ctx):
        for ins in df.instructions:
            if ins.keyword == "RUN":
                yield Finding(ins.span, "bad", Fix.safe("break it", Edit(ins.keyword_span, "ENV")))
            if ins.keyword == "CMD":  # a good fix in the same round survives
                yield Finding(ins.span, "good", Fix.safe("lower", Edit(ins.keyword_span, "cmd")))

    s = fake_rule(check)
    src = "FROM x\nRUN y\nCMD z\n"
    res = fix_text(src, s)
    assert res.text == "FROM x\nRUN y\ncmd z\n"
    assert res.declined == [("DW990", f"break it: {DECLINED}")]
    assert res.applied == [("DW990", "lower")]


def test_round_changing_the_stage_count_is_declined(fake_rule):
    from dockwise.rules._api import Finding

    def check(df, ctx):
        ins = df.instructions[-1]
        if ins.keyword == "RUN":
            yield Finding(ins.span, "x", Fix.safe("new stage", Edit(ins.keyword_span, "FROM")))

    res = fix_text("FROM x\nRUN y\n", fake_rule(check))
    assert res.text == "FROM x\nRUN y\n" and res.applied == [] and len(res.declined) == 1


def test_self_retriggering_fix_stops(fake_rule):
    from dockwise.rules._api import Finding

    def grow(df, ctx):  # appends forever
        ins = df.instructions[-1]
        yield Finding(ins.span, "x", Fix.safe("grow", Edit(Span(ins.span.end, ins.span.end), " x")))

    res = fix_text("FROM a\nRUN y\n", fake_rule(grow), max_rounds=4)
    assert not res.converged and res.rounds == 4
    assert syntax_errors(parse(res.text)) == 0

    def flip(df, ctx):  # A -> B -> A
        ins = df.instructions[-1]
        new = "b" if ins.args[0].value == "a" else "a"
        yield Finding(ins.span, "x", Fix.safe("flip", Edit(ins.args[0].span, new)))

    res = fix_text("FROM x\nRUN a\n", fake_rule(flip, "DW991"))
    assert not res.converged and res.rounds == 1 and res.text == "FROM x\nRUN b\n"


# -- properties --------------------------------------------------------------------

TOKENS = [
    "FROM ", "RUN ", "COPY ", "ADD ", "ENV ", "ARG ", "LABEL ", "ONBUILD ", "CMD ", "SHELL ", "HEALTHCHECK ",
    "MAINTAINER ", "ubuntu", "alpine:latest", "python:3.12", "apt-get ", "install ", "update ", "apk add ",
    "pip install ", "yum install ", "dnf install ", "zypper install ", "yarn install", "curl ", "-y ",
    "<<EOF", "<<-'X'", "EOF", "X", "\\", "`", "\n", "\n", "\n", " ", "\t", "#", "# escape=`\n",
    '["a", "b"]', "[", "--mount=type=cache,target=/x ", "--from=0 ", "$A", "${B:-c}", "&&", "|", ";", "'",
    '"', "=", "AS ", "é", "😀", "\r\n", "http://x/y.tar.gz ", ". /app",
]


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(TOKENS), max_size=60), st.booleans())
def test_fixing_never_breaks_and_reaches_a_fixed_point(tokens, unsafe):
    text = "".join(tokens)
    df = parse(text)
    res = fix_text(text, unsafe=unsafe)
    new = parse(res.text)
    assert syntax_errors(new) <= syntax_errors(df)
    assert len(new.stages) == len(df.stages)
    if res.converged:
        again = fix_text(res.text, unsafe=unsafe)
        assert again.text == res.text, (text, res.applied, again.applied)


def blocks(docs: str, heading: str) -> list[str]:
    m = re.search(rf"^## {heading}\n(.*?)(?=^## |\Z)", docs, re.S | re.M)
    if not m:
        return []
    return re.findall(r"```dockerfile\n(.*?)```", m.group(1), re.S)


FIXABLE = [r for r in rules.ALL_RULES if r.meta.fixable]


def test_there_are_fixable_rules():
    assert len(FIXABLE) >= 10


@pytest.mark.parametrize("r", FIXABLE, ids=lambda r: r.code)
def test_each_fixable_rule_fixes_its_example(r, tmp_path):
    s = LintSettings.make(select=[r.code])
    path = str(tmp_path / "Dockerfile")
    examples = blocks(r.meta.docs, "Example")
    assert examples
    for src in examples:
        before = parse(src, path=path)
        res = fix_text(src, s, path, unsafe=True)
        after = parse(res.text, path=path)
        assert syntax_errors(after) <= syntax_errors(before)
        assert len(after.stages) == len(before.stages)
        assert res.converged
        fired = [v for v in res.remaining if v.code == r.code]
        assert not fired or any(c == r.code for c, _ in res.declined), (src, res.text)
        assert fix_text(res.text, s, path, unsafe=True).text == res.text


# -- the command line --------------------------------------------------------------


def write(p: Path, text: str | bytes) -> Path:
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return p


def set_stdin(monkeypatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))


@pytest.fixture(autouse=True)
def _no_config(monkeypatch, tmp_path):
    for k in list(os.environ):
        if k.startswith("HADOLINT_"):
            monkeypatch.delenv(k)


def test_cli_fix_in_place(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    f = write(tmp_path / "Dockerfile", EXAMPLE)
    os.chmod(f, 0o640)
    clean = write(tmp_path / "sub" / "Dockerfile", "FROM alpine:3.20\nRUN echo hi\n")
    mtime = clean.stat().st_mtime_ns
    assert main(["fix", "--no-config", "."]) == 0
    out, err = capsys.readouterr()
    assert out == ""
    assert f.read_text(encoding="utf-8") == EXAMPLE_SAFE
    assert stat.S_IMODE(f.stat().st_mode) == 0o640
    assert clean.stat().st_mtime_ns == mtime  # unchanged content: not written
    assert "Fixed 4 problems in 1 file;" in err and "remaining" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Dockerfile", "sub"]  # no temp files left
    # a second run changes nothing
    assert main(["fix", "--no-config", "--check", "."]) == 0
    assert "Would fix 0 problems in 0 files" in capsys.readouterr().err


def test_cli_fix_keeps_bom_and_crlf(tmp_path, capsys):
    f = write(tmp_path / "Dockerfile", b"\xef\xbb\xbfFROM x\r\nMAINTAINER me\r\n")
    assert main(["fix", "--no-config", str(f)]) == 0
    assert f.read_bytes() == b'\xef\xbb\xbfFROM x\r\nLABEL maintainer="me"\r\n'


def test_cli_fix_symlink_stays_a_link(tmp_path, capsys):
    real = write(tmp_path / "real.Dockerfile", "FROM x\nMAINTAINER me\n")
    link = tmp_path / "Dockerfile"
    link.symlink_to(real.name)
    assert main(["fix", "--no-config", str(link)]) == 0
    assert link.is_symlink() and real.read_text() == 'FROM x\nLABEL maintainer="me"\n'


def test_cli_fix_stdin_to_stdout(monkeypatch, capsys):
    set_stdin(monkeypatch, b"FROM x\nMAINTAINER me\n")
    assert main(["fix", "--no-config", "-"]) == 0
    out, err = capsys.readouterr()
    assert out == 'FROM x\nLABEL maintainer="me"\n'
    assert "Fixed 1 problem in 1 file; " in err
    # an unchanged input is echoed as is
    set_stdin(monkeypatch, b"FROM alpine:3.20\n")
    assert main(["fix", "--no-config", "-"]) == 0
    assert capsys.readouterr().out == "FROM alpine:3.20\n"


def test_cli_fix_diff(tmp_path, capsys):
    f = write(tmp_path / "Dockerfile", "FROM x\nMAINTAINER me\n")
    assert main(["fix", "--no-config", "--diff", str(f)]) == 1
    out, err = capsys.readouterr()
    assert f"--- {f}\n+++ {f}\n" in out  # absolute paths are shown as they are (no a/ b/ prefix)
    assert "-MAINTAINER me\n+LABEL maintainer=\"me\"\n" in out
    assert f.read_text() == "FROM x\nMAINTAINER me\n"  # not written
    assert "Would fix 1 problem in 1 file" in err
    g = write(tmp_path / "Clean.Dockerfile", "FROM alpine:3.20\n")
    assert main(["fix", "--no-config", "--diff", str(g)]) == 0
    assert capsys.readouterr().out == ""


def test_cli_fix_diff_without_final_newline(tmp_path, capsys):
    f = write(tmp_path / "Dockerfile", "FROM x\nMAINTAINER me")
    assert main(["fix", "--no-config", "--diff", str(f)]) == 1
    out = capsys.readouterr().out
    assert out.endswith('+LABEL maintainer="me"\n\\ No newline at end of file\n')


def test_cli_fix_check(tmp_path, capsys):
    f = write(tmp_path / "Dockerfile", "FROM x\nMAINTAINER me\n")
    assert main(["fix", "--no-config", "--check", str(f)]) == 1
    out, err = capsys.readouterr()
    assert out == "" and f"Would fix {f}: 1 problem (DL4000)" in err
    assert f.read_text() == "FROM x\nMAINTAINER me\n"
    assert main(["fix", "--no-config", str(f)]) == 0
    assert main(["fix", "--no-config", "--check", str(f)]) == 0


def test_cli_fix_select_ignore_and_unsafe(tmp_path, capsys):
    src = "FROM debian:12\nMAINTAINER me\nRUN apt-get install -y curl\n"
    f = write(tmp_path / "Dockerfile", src)
    assert main(["fix", "--no-config", "--ignore", "DL4000", str(f)]) == 0
    assert f.read_text() == src  # DL3015's fix is unsafe: not without the flag
    assert main(["fix", "--no-config", "--unsafe-fixes", "--select", "DL3015", str(f)]) == 0
    assert f.read_text() == "FROM debian:12\nMAINTAINER me\nRUN apt-get install --no-install-recommends -y curl\n"
    assert main(["fix", "--no-config", str(f)]) == 0
    assert "LABEL maintainer" in f.read_text()


def test_cli_fix_config_is_read(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / ".hadolint.yaml", "ignored:\n  - DL4000\n")
    f = write(tmp_path / "Dockerfile", "FROM x\nMAINTAINER me\n")
    assert main(["fix", "Dockerfile"]) == 0
    assert f.read_text() == "FROM x\nMAINTAINER me\n"
    assert main(["fix", "--no-config", "Dockerfile"]) == 0
    assert "LABEL" in f.read_text()


def test_cli_fix_input_errors(tmp_path, capsys, monkeypatch):
    good = write(tmp_path / "Dockerfile", "FROM x\nMAINTAINER me\n")
    binary = write(tmp_path / "bin.Dockerfile", b"FROM x\x00\n")
    assert main(["fix", "--no-config", str(tmp_path / "missing"), str(binary), str(good)]) == 2
    err = capsys.readouterr().err
    assert "missing: no such file" in err and "binary file" in err
    assert "LABEL" in good.read_text()  # the others are still fixed
    assert main(["fix", "--no-config", "-c", str(tmp_path / "nope.yaml"), str(good)]) == 2
    set_stdin(monkeypatch, b"\x00\x01")
    assert main(["fix", "--no-config", "-"]) == 2
    assert main(["fix", "--no-config", "--bogus"]) == 2


def test_cli_lint_fix(tmp_path, capsys):
    f = write(tmp_path / "Dockerfile", "FROM alpine:3.20\nMAINTAINER me\n")
    assert main(["lint", "--no-config", "--fix", "--ignore", "DW010", "--format", "json", str(f)]) == 0
    out, err = capsys.readouterr()
    assert out.strip() == "[]" and "Fixed 1 problem in 1 file" in err
    assert f.read_text() == 'FROM alpine:3.20\nLABEL maintainer="me"\n'
    # what cannot be fixed safely is still reported, with lint's exit status
    g = write(tmp_path / "g" / "Dockerfile", "FROM debian:12\nRUN apt-get install -y curl\n")
    assert main(["lint", "--no-config", "--fix", "--select", "DL3015", str(g)]) == 1
    assert "DL3015" in capsys.readouterr().out
    assert main(["lint", "--no-config", "--fix", "--unsafe-fixes", "--select", "DL3015", str(g)]) == 0
    assert "--no-install-recommends" in g.read_text()


def test_cli_lint_fix_refuses_stdin_and_keeps_input_errors(tmp_path, capsys):
    assert main(["lint", "--no-config", "--fix", "-"]) == 2
    assert "dockwise fix -" in capsys.readouterr().err
    f = write(tmp_path / "Dockerfile", "FROM alpine:3.20\nMAINTAINER me\n")
    assert main(["lint", "--no-config", "--fix", str(tmp_path / "missing"), str(f)]) == 2
    assert "LABEL" in f.read_text()


def test_cli_fix_write_error(tmp_path, capsys, monkeypatch):
    from dockwise.cli import main as cli

    f = write(tmp_path / "Dockerfile", "FROM x\nMAINTAINER me\n")

    def boom(path, data):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(cli, "write_back", boom)
    assert main(["fix", "--no-config", str(f)]) == 2
    assert "cannot write: permission denied" in capsys.readouterr().err
    assert f.read_text() == "FROM x\nMAINTAINER me\n"
