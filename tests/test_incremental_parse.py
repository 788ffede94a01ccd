"""An incremental parse (``parse(text, previous=...)``) equals a fresh parse.

The language server re-parses on every keystroke with the previous version's model
(``discard_previous=True``: the old model is never used again and its instructions are
taken over, moved lazily); editor actions parse with ``previous=`` and keep the old
model (copies). Whatever the edit sequence — typing, Enter, deleting or joining lines,
the escape directive, ARG/FROM/ENV/SHELL lines, heredocs, continuations, comments — the
model must equal a fresh parse in everything a reader can see: instructions (positions
of every part), comments, directives, stages and variables, global ARGs, syntax
diagnostics, shell parses and command views. In the copying mode the previous model
must stay as it was.
"""
from __future__ import annotations

import sys
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dockwise.syntax.parser import dump_json, parse

from test_incremental_lint import _views, first_difference

BASES = [
    # editlat's shape: a global ARG in every FROM, stages built FROM earlier ones
    "# syntax=docker/dockerfile:1\nARG BASE=debian:12-slim\n" + "".join(
        f"FROM ${{BASE}} AS s{i}\nENV A{i}=1\nRUN apt-get update \\\n    && apt-get install -y curl \\\n"
        f"    && rm -rf /var/lib/apt/lists/*\nRUN echo {i}\nCOPY . /app{i}\nWORKDIR /app{i}\n"
        f"RUN pip install -r requirements.txt\nmaintainer x\n" for i in range(3)) +
    "FROM s1\nARG A1\nENV B=${A1}x\nRUN echo $B\n",
    # heredocs, ONBUILD, SHELL, a Windows stage, exec form, comments attached to instructions
    '# escape=\\\nFROM alpine:3 AS a\n# about the heredoc\n# second line\nRUN <<EOF\napk add curl\nEOF\n'
    'COPY <<-"X" /etc/x\n\tbody\n\tX\nONBUILD RUN echo hi\nSHELL ["/bin/bash", "-c"]\nRUN echo $((1+2))\n\n'
    'FROM a\nRUN bash <<EOF\nset -e\necho $(date)\nEOF\nFROM mcr.microsoft.com/windows/servercore:ltsc2022 AS w\n'
    'RUN dir C:\\\\\nRUN ["cmd", "/c", "echo"]\nCMD ["sh"]\n',
    # errors of every phase, continuations with comments and blank lines, CRLF
    "FROM x\r\nRUN a \\\r\n# inside\r\n\r\n    b\r\nFOO bar\r\nCOPY --chwn=1 a b\r\nHEALTHCHECK CMD\r\n"
    "ENV\r\nFROM 1bad AS 2x\r\nARG =x\r\nRUN echo $(echo $(echo x))\r\nEXPOSE 80\r\n",
    # escape directive in effect: backtick continuations
    "# escape=`\nFROM mcr.microsoft.com/windows/nanoserver\nRUN echo a `\n    b\nARG X=1\nRUN echo $X\n",
]
SNIPPETS = [
    "RUN apt-get install -y wget", "ARG BASE=alpine:3", "ARG A0=2", "FROM ${BASE} AS z", "FROM s0", "FROM scratch",
    "ENV A0=$A0:x", "ENV B=2", 'SHELL ["pwsh", "-c"]', 'SHELL ["/bin/sh", "-c"]', "RUN <<EOF", "EOF", "X",
    "COPY <<EOF /x", "RUN x \\", "    && y \\", "# a comment", "#", "", "ONBUILD RUN y", "ONBUILD ARG Q",
    "HEALTHCHECK --interval=5s CMD true", "RUN --bad=1 x", "USER root", "# escape=`", "# escape=\\", "\t",
    "RUN echo `", "CMD [\"a\", 1]", "maintainer me",
]
CHARS = list("ab $=&|;\\#`{}\"'-\t") + ["<<EOF", "EOF", "RUN ", "FROM ", "\r", "é", "😀", "${BASE}", "$("]


@st.composite
def edit_ops(draw) -> list[tuple]:
    ops = []
    for _ in range(draw(st.integers(1, 10))):
        kind = draw(st.sampled_from(["type", "type", "type", "enter", "enter", "dropline", "join", "snippet",
                                     "replace", "escape"]))
        at = (draw(st.floats(0, 1)), draw(st.floats(0, 1)))
        arg = draw(st.sampled_from(CHARS if kind == "type" else SNIPPETS))
        ops.append((kind, at, arg))
    return ops


def apply(text: str, op: tuple) -> str:
    kind, (fl, fc), arg = op
    lines = text.split("\n")
    i = min(int(fl * len(lines)), len(lines) - 1)
    line = lines[i]
    c = min(int(fc * (len(line) + 1)), len(line))
    if kind == "type":
        lines[i] = line[:c] + arg + line[c:]
    elif kind == "enter":
        lines[i: i + 1] = [line[:c], line[c:]]
    elif kind == "dropline":
        if len(lines) > 1:
            del lines[i]
    elif kind == "join":  # backspace at the start of line i
        if i > 0:
            lines[i - 1: i + 1] = [lines[i - 1] + line]
    elif kind == "snippet":
        lines.insert(i, arg)
    elif kind == "replace":
        lines[i] = arg
    else:  # add or remove an escape directive at the top
        if lines and lines[0].startswith("# escape="):
            del lines[0]
        else:
            lines.insert(0, "# escape=`")
    return "\n".join(lines)


def observable(df) -> tuple:
    """What readers see, beyond the compared fields: comments attached to instructions,
    the instructions' stage and index, the stages' spans and variables with their spans,
    the global ARGs' spans, every error field, shell parses."""
    return (
        dump_json(df),
        [[(c.text, c.span) for c in i.comments] for i in df.instructions],
        [(i.index, i.stage, i.start_line, i.end_line) for i in df.instructions],
        [(s.index, s.span, s.name_span, s.base and s.base.span, s.windows, s.from_instruction, s.instructions,
          [(v.name, v.kind, v.value, v.instruction, v.span, v.complete) for v in s.vars]) for s in df.stages],
        [(v.name, v.value, v.instruction, v.span, v.complete) for v in df.global_args],
        [(e.message, e.span, e.severity, e.fatal_in_buildkit) for e in df.errors],
        [(i.effective.shell.text, i.effective.shell.ok, i.effective.shell.dialect, i.effective.shell.windows,
          i.effective.shell.too_deep, [(c.argv, c.span, c.name_span, [w.span for w in c.args], c.op)
                                       for c in i.effective.shell.commands])
         if i.effective.shell is not None else None for i in df.instructions],
    )


def assert_same(got, text: str, what: str) -> None:
    fresh = parse(text)
    diff = first_difference(got, fresh)
    assert diff is None, f"{what}: {diff}\n{text!r}"
    assert observable(got) == observable(fresh), f"{what}\n{text!r}"
    assert _views(got) == _views(fresh), f"{what}: command views\n{text!r}"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(base=st.sampled_from(range(len(BASES))), ops=edit_ops())
def test_random_edit_sequences_equal_a_fresh_parse(base, ops):
    text = BASES[base]
    inplace = parse(text)  # the language server's way: the old model is discarded
    kept = parse(text)  # the editor actions' way: the old model stays in use
    for op in ops:
        new = apply(text, op)
        inplace = parse(new, previous=inplace, discard_previous=True)
        old_kept = kept
        kept = parse(new, previous=old_kept)
        assert_same(inplace, new, f"in place after {op!r}")
        assert_same(kept, new, f"copying after {op!r}")
        assert_same(old_kept, text, f"the kept previous model after {op!r}")
        text = new


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(base=st.sampled_from(range(len(BASES))), ops=edit_ops())
def test_models_read_only_in_part_between_edits_stay_right(base, ops):
    """Lazily moved instructions that nobody read are moved again by the next edit:
    reading a model only after several edits gives the same positions."""
    text = BASES[base]
    model = parse(text)
    for op in ops:
        text = apply(text, op)
        model = parse(text, previous=model, discard_previous=True)
        if model.instructions:  # read one instruction's positions, leave the others pending
            model.instructions[len(model.instructions) // 2].span
    assert_same(model, text, f"after {ops!r}")


def test_typing_and_enter_on_a_large_document_reuse_what_did_not_change():
    """The work is proportional to the edit: typing re-parses one instruction; Enter
    re-parses none, and the stages (with their FROM expansions) are taken over."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "shared" / "bench"))
    import editlat  # pyright: ignore[reportMissingImports]  (../shared/bench, outside the repository)

    text = editlat.document()
    lines = text.split("\n")
    ln = next(k for k, line in enumerate(lines) if line.startswith("RUN echo 20"))
    prev = parse(text)
    old_instructions, old_stages = list(prev.instructions), list(prev.stages)
    lines[ln] += "x"
    typed = "\n".join(lines)
    cur = parse(typed, previous=prev, discard_previous=True)
    changed = [k for k, (a, b) in enumerate(zip(old_instructions, cur.instructions)) if a is not b]
    assert [cur.instructions[k].text for k in changed] == ["echo 20x"]
    assert all(a is b for a, b in zip(old_stages, cur.stages))
    assert_same(cur, typed, "typing")
    lines.insert(ln + 1, "")
    entered = "\n".join(lines)
    before = list(cur.instructions)
    cur2 = parse(entered, previous=cur, discard_previous=True)
    assert all(a is b for a, b in zip(before, cur2.instructions))
    assert cur2.instructions[-1].start_line == before[-1].start_line  # (same object, read after the move)
    assert_same(cur2, entered, "enter")


def test_adding_and_removing_an_instruction_keeps_the_stages():
    """A RUN line added or removed (every later instruction renumbered, every later line
    moved) takes the stages over, renumbered, and equals a fresh parse."""
    text = BASES[0]
    lines = text.split("\n")
    at = next(k for k, line in enumerate(lines) if line.startswith("RUN echo 1"))
    prev = parse(text)
    stages = list(prev.stages)
    lines.insert(at + 1, "RUN echo added")
    added = "\n".join(lines)
    cur = parse(added, previous=prev, discard_previous=True)
    assert all(a is b for a, b in zip(stages, cur.stages))
    assert_same(cur, added, "added")
    del lines[at]
    removed = "\n".join(lines)
    cur2 = parse(removed, previous=cur, discard_previous=True)
    assert all(a is b for a, b in zip(stages, cur2.stages))
    assert_same(cur2, removed, "removed")


def test_editing_an_env_recomputes_the_variables_of_the_stages_built_from_it():
    text = "FROM a AS p\nENV V=1\nRUN echo $V\nFROM p AS c\nENV W=${V}2\nFROM b\nENV X=${V}3\n"
    prev = parse(text)
    edited = text.replace("ENV V=1", "ENV V=5")
    cur = parse(edited, previous=prev, discard_previous=True)
    assert [[(v.name, v.value) for v in s.vars] for s in cur.stages] == [[("V", "5")], [("W", "52")], [("X", "3")]]
    assert cur.stages[1].defs().last("W", 99)[0] is cur.stages[1].vars[0]
    assert_same(cur, edited, "ENV edited")


def test_editing_a_from_line_keeps_the_stages_unless_others_depend_on_it():
    text = "ARG B=alpine:3\nFROM ${B} AS a\nRUN echo a\nFROM a AS b\nRUN echo b\nFROM debian AS c\nRUN echo c\n"
    prev = parse(text)
    stages = list(prev.stages)
    for old, new, kept in (
        ("FROM debian AS c", "FROM debian:12 AS cc", True),  # nobody names c
        ("FROM ${B} AS a", "FROM ${B} AS a2", False),  # b is built FROM a: its parent changes
        ("FROM debian AS c", "FROM mcr.microsoft.com/windows/nanoserver AS c", False),  # RUN runs cmd now
    ):
        edited = text.replace(old, new)
        cur = parse(edited, previous=prev, discard_previous=True)
        assert all(x is y for x, y in zip(stages, cur.stages)) == kept, new
        assert_same(cur, edited, new)
        prev = parse(text)
        stages = list(prev.stages)


def test_a_model_parsed_without_shells_is_not_taken_over():
    text = "FROM a\nRUN echo 1\nRUN apt-get update\n"
    bare = parse(text, shell=False)
    edited = text.replace("echo 1", "echo 2")
    cur = parse(edited, previous=bare, discard_previous=True)
    sh = cur.instructions[2].shell
    assert sh is not None and [c.argv for c in sh.commands] == [["apt-get", "update"]]
    assert_same(cur, edited, "after a parse without shells")
