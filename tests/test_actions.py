"""Code actions, engine side (dockwise.editor.actions): the edits are applied to the
text and the result is parsed or linted again, as the editor's user would see it."""
from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dockwise.editor import actions
from dockwise.lint.engine import LintSettings, lint_text
from dockwise.lint.fixes import apply_edits, fix_text
from dockwise.syntax.parser import parse
from dockwise.rules._api import Applicability, Edit


def codes(text: str, settings: LintSettings | None = None) -> Counter:
    return Counter(v.code for v in lint_text(text, settings or LintSettings()).violations)


def apply(text: str, proposal: actions.Proposal | None) -> str:
    return apply_edits(text, proposed(proposal).edits)


def proposed(proposal: actions.Proposal | None) -> actions.Proposal:
    assert proposal is not None, "no action proposed"
    return proposal


def edit(e: Edit | None) -> Edit:
    assert e is not None, "no edit"
    return e


def commands(text: str) -> list[list[str]]:
    out = []
    for i in parse(text).instructions:
        run = i.effective
        if run.keyword == "RUN":
            assert run.shell is not None, f"line {run.start_line + 1}: RUN without a shell parse"
            out += [c.argv for c in run.shell.commands]
    return out


# -- diff_edit ---------------------------------------------------------------------------


def test_diff_edit_covers_whole_changed_lines():
    old = "FROM a\nRUN x\nRUN y\nCMD z\n"
    new = "FROM a\nRUN x && \\\n    y\nCMD z\n"
    e = edit(actions.diff_edit(old, new))
    assert (e.span.start.line, e.span.start.col, e.span.end.line, e.span.end.col) == (1, 0, 3, 0)
    assert e.new_text == "RUN x && \\\n    y\n"
    assert actions.diff_edit(old, old) is None


def test_diff_edit_at_the_end_without_a_newline():
    e = edit(actions.diff_edit("FROM a\nRUN x", "FROM a\nRUN x y"))
    assert (e.span.start.line, e.span.end.line, e.span.end.col) == (1, 1, 5)
    assert apply_edits("FROM a\nRUN x", [e]) == "FROM a\nRUN x y"


def test_diff_edit_keeps_crlf():
    old = "FROM a\r\nRUN x\r\nRUN y\r\n"
    new = "FROM a\r\nRUN x && \\\r\n    y\r\n"
    assert apply_edits(old, [edit(actions.diff_edit(old, new))]) == new


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab\n", max_size=30), st.text(alphabet="ab\n", max_size=30))
def test_diff_edit_turns_old_into_new(old, new):
    e = actions.diff_edit(old, new)
    assert (old if e is None else apply_edits(old, [e])) == new
    if e is not None:
        assert e.span.start.col == 0  # starts at a line start


# -- ignore pragmas ------------------------------------------------------------------------

DOC = (
    "# syntax=docker/dockerfile:1\n"
    "# escape=\\\n"
    "FROM debian:12\n"
    "RUN apt-get update\n"
    "    RUN apt-get install -y \\\n"
    "        curl\n"
)


def ignore(text: str, code: str, line: int, scope: str) -> str:
    df = parse(text)
    edit = actions.ignore_line_edit(df, code, line) if scope == "line" else actions.ignore_file_edit(df, code)
    assert edit is not None
    return apply_edits(text, [edit])


@pytest.mark.parametrize("code,line", [("DL3059", 5), ("DL3015", 4), ("DW002", 3), ("DL3009", 3)])
def test_ignore_for_this_line_removes_exactly_that_finding(code, line):
    before = codes(DOC)
    assert before[code] == 1
    got = ignore(DOC, code, line, "line")
    after = codes(got)
    assert after == before - Counter([code])  # and no DW101 for a bad pragma
    comment = "# hadolint ignore=" if code.startswith("DL") else "# dockwise: ignore="
    ins_line = 4 if line >= 4 else 3
    assert got.splitlines()[ins_line] == ("    " if ins_line == 4 else "") + comment + code


def test_ignore_for_this_file_goes_after_the_parser_directives():
    got = ignore(DOC, "DL3059", 4, "file")
    assert got.splitlines()[:3] == ["# syntax=docker/dockerfile:1", "# escape=\\", "# hadolint global ignore=DL3059"]
    assert parse(got).directive("escape") == "\\" and parse(got).directive("syntax")
    assert codes(got) == codes(DOC) - Counter(["DL3059"])
    got = ignore("FROM debian:12\nRUN apt-get update\n", "DW002", 1, "file")
    assert got == "# dockwise: global ignore=DW002\nFROM debian:12\nRUN apt-get update\n"
    assert not codes(got)["DW002"]


def test_codes_are_added_to_an_existing_pragma():
    text = "FROM debian:12\n# hadolint ignore=DL3008 # pinned elsewhere\nRUN apt-get install -y curl\n"
    got = ignore(text, "DL3015", 2, "line")
    assert got.splitlines()[1] == "# hadolint ignore=DL3008,DL3015 # pinned elsewhere"
    assert not codes(got)["DL3015"]
    text = "# hadolint global ignore=DL3006\nFROM debian\nRUN apt-get install -y curl\n"
    got = ignore(text, "DL3015", 2, "file")
    assert got.splitlines()[0] == "# hadolint global ignore=DL3006,DL3015"
    # ours: anywhere in the comment run above the instruction
    text = "FROM debian:12\n# dockwise: ignore=DW006\n# apt\nRUN apt-get update\n"
    got = ignore(text, "DW002", 3, "line")
    assert got.splitlines()[1] == "# dockwise: ignore=DW006,DW002"
    assert not codes(got)["DW002"]


def test_hadolint_pragma_stays_right_above_the_instruction():
    """hadolint only reads the line directly above: a new pragma of ours goes above its one."""
    text = "FROM debian:12\n# hadolint ignore=DL3009\nRUN apt-get update\n"
    got = ignore(text, "DW002", 2, "line")
    assert got.splitlines()[1:4] == ["# dockwise: ignore=DW002", "# hadolint ignore=DL3009", "RUN apt-get update"]
    assert not codes(got)["DW002"] and not codes(got)["DL3009"]
    # a hadolint pragma not directly above is not extended: hadolint would not see it
    text = "FROM debian:12\n# hadolint ignore=DL3008\n# note\nRUN apt-get install -y curl\n"
    got = ignore(text, "DL3015", 3, "line")
    assert got.splitlines()[3] == "# hadolint ignore=DL3015" and not codes(got)["DL3015"]


def test_nothing_to_add_when_already_named_or_not_on_an_instruction():
    text = "FROM debian:12\n# hadolint ignore=DL3015\nRUN apt-get install -y curl\n"
    df = parse(text)
    assert actions.ignore_line_edit(df, "DL3015", 2) is None
    assert actions.ignore_line_edit(df, "DL3008", 1) is None  # a comment line: pragmas cover instructions
    assert [p.title for p in actions.ignore_proposals(df, "DL3008", 2)] == [
        "Ignore DL3008 for this line", "Ignore DL3008 for this file"]


def test_ignore_needs_pragmas_and_a_rule_code():
    assert actions.pragmas_enabled(LintSettings())
    assert not actions.pragmas_enabled(LintSettings.make(base=LintSettings.make(disable_ignore_pragma=True)))
    assert actions.ignorable("DL3059") and actions.ignorable("DW002")
    assert not actions.ignorable("DW999") and not actions.ignorable("consecutive-run")


# -- Chain RUN instructions ------------------------------------------------------------------

RUNS = (
    "FROM debian:12\n"        # 0
    "RUN apt-get update\n"    # 1
    "\n"                      # 2
    "# curl\n"                # 3
    "RUN apt-get install -y curl\n"  # 4
    "RUN echo one\n"          # 5
    'RUN ["echo", "exec"]\n'  # 6
    "RUN echo two\n"          # 7
    "RUN echo three\n"        # 8
    "FROM alpine:3.20\n"      # 9
    "RUN echo other\n"        # 10
)


def test_chain_all_runs_of_a_selection():
    df = parse(RUNS)
    assert actions.can_chain(df, 1, 5)
    p = proposed(actions.chain_runs(df, 1, 5))
    assert p.kind == "refactor.rewrite" and p.applicability is Applicability.SAFE
    got = apply(RUNS, p)
    assert got.splitlines()[1:6] == [
        "# curl", "RUN apt-get update && \\", "    apt-get install -y curl && \\", "    echo one", 'RUN ["echo", "exec"]']
    assert commands(got) == commands(RUNS)


def test_chain_skips_what_cannot_merge_and_stays_in_one_stage():
    df = parse(RUNS)
    got = apply(RUNS, actions.chain_runs(df, 5, 10))
    # the exec-form RUN cannot take part; the RUNs after it chain; the next stage is untouched
    assert got.splitlines()[5:11] == [
        "RUN echo one", 'RUN ["echo", "exec"]', "RUN echo two && \\", "    echo three", "FROM alpine:3.20",
        "RUN echo other"]
    assert commands(got) == commands(RUNS)
    assert not actions.can_chain(df, 8, 10) and actions.chain_runs(df, 8, 10) is None
    assert not actions.can_chain(df, 5, 6) and actions.chain_runs(df, 5, 6) is None
    assert not actions.can_chain(df, 4, 4)


def test_chain_is_unsafe_after_state_changes_and_works_with_dl3059_off():
    text = "FROM debian:12\nRUN cd /src\nRUN make\nRUN make install\n"
    assert not codes(text, LintSettings.make(ignore=["DL3059"]))["DL3059"]
    p = proposed(actions.chain_runs(parse(text), 0, 3))
    assert p.applicability is Applicability.UNSAFE
    assert apply(text, p) == "FROM debian:12\nRUN cd /src && \\\n    make && \\\n    make install\n"


def test_chain_keeps_the_escape_character():
    text = "# escape=`\nFROM mcr.microsoft.com/windows/servercore:ltsc2022\nSHELL [\"cmd\", \"/S\", \"/C\"]\n"
    assert not actions.can_chain(parse(text + "RUN a\nRUN b\n"), 3, 4)  # not a POSIX shell: declined
    text = "# escape=`\nFROM debian:12\nRUN a\nRUN b\n"
    assert apply(text, actions.chain_runs(parse(text), 2, 3)) == "# escape=`\nFROM debian:12\nRUN a && `\n    b\n"


# -- Add package-manager cleanup ------------------------------------------------------------


def test_cleanup_of_several_managers_in_one_run():
    text = "FROM debian:12\nRUN apt-get update && apt-get install -y curl && pip install flask && yarn\n"
    df = parse(text)
    assert actions.can_cleanup(df, 1, 1)
    got = apply(text, actions.add_cleanup(df, 1, 1))
    assert got == (
        "FROM debian:12\n"
        "RUN apt-get update && apt-get install -y curl && pip install --no-cache-dir flask && yarn \\\n"
        "    && rm -rf /var/lib/apt/lists/* \\\n"
        "    && yarn cache clean\n"
    )
    # what the rules look for is there now
    assert not {"DL3009", "DL3042", "DL3060"} & set(codes(got))
    assert not actions.can_cleanup(parse(got), 1, 1)


def test_cleanup_over_a_selection_of_runs_and_in_onbuild():
    text = ("FROM alpine:3.20\nRUN apk add curl\nRUN echo hi\nONBUILD RUN dnf install -y x && microdnf install y\n"
            "RUN zypper in z\n")
    got = apply(text, actions.add_cleanup(parse(text), 0, 4))
    assert got == (
        "FROM alpine:3.20\nRUN apk add --no-cache curl\nRUN echo hi\n"
        "ONBUILD RUN dnf install -y x && microdnf install y \\\n    && dnf clean all \\\n    && microdnf clean all\n"
        "RUN zypper in z \\\n    && zypper clean\n"
    )


def test_cleanup_that_would_break_a_later_run_is_not_offered():
    """Removing the apt lists would break a later RUN that installs without updating:
    not offered (as DL3009's own fix; issue 12, item 9 — it used to be offered as unsafe)."""
    text = "FROM debian:12\nRUN apt-get update\nRUN apt-get install -y curl\n"
    df = parse(text)
    assert actions.add_cleanup(df, 1, 1) is None
    assert not actions.can_cleanup(df, 1, 1)
    assert actions.can_cleanup(df, 2, 2)  # the last one can clean up
    last = actions.add_cleanup(df, 2, 2)
    assert last is not None and last.applicability == Applicability.SAFE


@pytest.mark.parametrize("run", [
    "RUN echo hi",
    "RUN apk add --no-cache curl",
    "RUN --mount=type=cache,target=/var/cache/apk apk add curl",
    "RUN yum install -y x && yum clean all",
    "RUN npm ci && npm cache clean --force",
    "RUN pip install --no-cache-dir x",
    "RUN PIP_NO_CACHE_DIR=1 pip install x",
    'RUN ["apt-get", "install", "-y", "x"]',  # exec form: nothing can be appended
])
def test_no_cleanup_when_nothing_to_add(run):
    df = parse(f"FROM debian:12\n{run}\n")
    assert not actions.can_cleanup(df, 1, 1)
    assert actions.add_cleanup(df, 1, 1) is None


# -- fix all --------------------------------------------------------------------------------


def test_fix_all_is_the_fix_loop_in_one_edit():
    text = "FROM debian:12\nRUN apt-get update\nRUN apt-get install curl=1\nADD a /a\nCMD echo hi\n"
    p = actions.fix_all(text, LintSettings())
    assert p.kind == "source.fixAll.dockwise" and len(p.edits) == 1
    assert apply(text, p) == fix_text(text).text
    pu = actions.fix_all(text, LintSettings(), unsafe=True)
    assert apply(text, pu) == fix_text(text, unsafe=True).text != apply(text, p)
    assert actions.fix_all("FROM debian:12\n", LintSettings()).edits == ()


def test_has_fixes():
    vs = lint_text("FROM alpine:3.20\nCMD echo hi\n").violations
    assert not actions.has_fixes(vs, unsafe=False)  # DL3025's fix is unsafe
    assert actions.has_fixes(vs, unsafe=True)
    assert actions.titled("Use X", Applicability.UNSAFE) == "Use X (unsafe)"
    assert actions.titled("Use X", Applicability.SAFE) == "Use X"


# -- the real-Dockerfile corpus ------------------------------------------------------------


CLEANUPS = {("rm", "-rf", "/var/lib/apt/lists/*"), ("yum", "clean", "all"), ("dnf", "clean", "all"),
            ("dnf5", "clean", "all"), ("microdnf", "clean", "all"), ("zypper", "clean"),
            ("npm", "cache", "clean", "--force"), ("yarn", "cache", "clean")}


def _strip(argv: list[str]) -> tuple[str, ...]:
    """argv without the flags cleanup adds (also inside an exec-form ``sh -c`` script)."""
    flags = ("--no-cache-dir", "--no-cache")
    return tuple(a.replace(" --no-cache-dir", "").replace(" --no-cache", "") for a in argv if a not in flags)


def test_refactorings_over_the_corpus():
    """Chain and cleanup on every whole file of the corpus: no new syntax error,
    the same stages; chaining keeps the sequence of commands, cleanup only adds
    commands (and flags) after the existing ones."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parent))
    from corpus_util import corpus_dir, corpus_files

    root = corpus_dir()
    if root is None:
        from need import missing

        missing("../shared/corpus", "no corpus (../shared/corpus/real or $DOCKWISE_CORPUS)")
    chained = cleaned = 0
    for f in corpus_files(root):
        try:
            text = f.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        df = parse(text)
        n = len(df.lines)
        before = commands(text)
        p = actions.chain_runs(df, 0, n)
        if p is not None:
            chained += 1
            got = apply(text, p)
            assert commands(got) == before, f
            assert len(parse(got).stages) == len(df.stages), f
        p = actions.add_cleanup(df, 0, n)
        if p is not None:
            cleaned += 1
            got = apply(text, p)
            assert len(parse(got).stages) == len(df.stages), f
            # the old commands in order (flags aside), with only cleanup commands in between
            old, new = [_strip(a) for a in before], [_strip(a) for a in commands(got)]
            i, extras = 0, []
            for a in new:
                if i < len(old) and a == old[i]:
                    i += 1
                else:
                    extras.append(a)
            assert i == len(old) and set(extras) <= CLEANUPS and got != text, (f, extras)
    assert chained and cleaned
    print(f"corpus: chain changes {chained} files, cleanup {cleaned}")


@pytest.mark.parametrize("scope", ["line", "file"])
def test_ignore_pragma_goes_after_a_byte_order_mark(scope):
    from dockwise.editor.actions import ignore_file_edit, ignore_line_edit
    from dockwise.lint.fixes import apply_edits

    text = "\ufeffMAINTAINER me\nFROM alpine:3.20\nRUN echo\n" if scope == "line" else "\ufeffFROM alpine:3.20\nMAINTAINER me\n"
    df = parse(text)
    edit = ignore_line_edit(df, "DL4000", 0) if scope == "line" else ignore_file_edit(df, "DL4000")
    assert edit is not None, "no ignore edit"
    new = apply_edits(text, [edit])
    assert new.startswith("\ufeff# hadolint ") and new.count("\ufeff") == 1
    before = [v.code for v in lint_text(text).violations]
    after = [v.code for v in lint_text(new).violations]
    assert "DL4000" in before and "DL4000" not in after
    assert sorted(c for c in before if c != "DL4000") == sorted(after)
