"""Heredocs against BuildKit's own tests.

The cases come from moby/buildkit (Apache-2.0): ``parser/parser_heredoc_test.go``,
``instructions/parse_heredoc_test.go`` and the Linux Dockerfiles of
``dockerfile_heredoc_test.go`` — see ``tests/fixtures/buildkit-heredoc/README.md``
for the commit and what was taken. The last section holds dockwise's own cases
for BuildKit behaviour those tests leave out (each names the BuildKit code it
follows).
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from dockwise.syntax.model import chomp_heredoc
from dockwise.syntax.parser import _find_heredocs, heredoc_from_word, parse

DATA = json.loads((Path(__file__).parent / "fixtures" / "buildkit-heredoc" / "cases.json").read_text("utf-8"))


def buildkit_view(h) -> dict:
    """A dockwise heredoc in BuildKit's ``parser.Heredoc`` terms (Content is the raw body)."""
    return {"Name": h.name, "Content": h.body, "Expand": not h.quoted, "Chomp": h.chomp, "FileDescriptor": h.fd or 0}


def no_parse_errors(df) -> None:
    """What BuildKit's ``parser.Parse`` itself would fail on (unknown keywords are found later, by dispatch)."""
    assert [e.message for e in df.errors
            if e.message == "unterminated heredoc" or e.message.startswith("internal parser error")] == []


# -- parser/parser_heredoc_test.go -------------------------------------------------------------

EXTRACTS = DATA["TestParseExtractsHeredoc"]


def test_extracts_heredoc_every_child():
    df = parse(EXTRACTS["dockerfile"])
    no_parse_errors(df)
    expected = EXTRACTS["expected"]
    assert len(df.instructions) == 1 + len(expected)
    got = [[buildkit_view(h) for h in ins.heredocs] for ins in df.instructions[1:]]
    for i, (want, have) in enumerate(zip(expected, got)):
        assert have == want["heredocs"], f"child {i + 1} ({want['comment']})"


def test_json_form_has_no_heredocs():
    case = DATA["TestParseJSONHeredoc"]
    df = parse(case["dockerfile"])
    no_parse_errors(df)
    for i in case["children"]:
        assert df.instructions[i].json and df.instructions[i].heredocs == []


@pytest.mark.parametrize("case", DATA["TestHeredocChomp"]["cases"], ids=lambda c: c["content"].encode("unicode_escape").decode().replace("\\", "|"))
def test_chomp(case):
    assert chomp_heredoc(case["content"]) == case["chomped"]


HELPERS = DATA["TestParseHeredocHelpers"]


@pytest.mark.parametrize("word", HELPERS["valid"])
def test_word_opens_a_heredoc_named_eof(word):
    h = heredoc_from_word(word)
    assert h is not None and h[0] == "EOF"


@pytest.mark.parametrize("word", HELPERS["invalid"])
def test_word_with_an_unclosed_quote_is_an_error(word):
    with pytest.raises(ValueError):
        heredoc_from_word(word)


@pytest.mark.parametrize("word", HELPERS["not"])
def test_word_is_not_a_heredoc(word):
    assert heredoc_from_word(word) is None


@pytest.mark.parametrize("case", DATA["TestHeredocsFromLine"]["cases"], ids=lambda c: c["line"])
def test_heredocs_from_line(case):
    assert [h[0] for h in _find_heredocs(case["line"])] == case["returned"]
    # the names BuildKit's test lists are those of the heredocs it gets back
    assert case["heredocNames"][: len(case["returned"])] == case["returned"]


# -- instructions/parse_heredoc_test.go ----------------------------------------------------------

INSTR = DATA["instructions"]
# BuildKit's test parses one instruction without a FROM; these come from the stage checks
NO_STAGE = {"dockerfile contains no stages to build", "no build stage in current context"}


def instruction_errors(df) -> list[str]:
    return [e.message for e in df.errors if e.message not in NO_STAGE]


@pytest.mark.parametrize("case", INSTR["TestErrorCasesHeredoc"], ids=lambda c: c["dockerfile"].split("\n")[0])
def test_instruction_errors(case):
    df = parse(case["dockerfile"])
    no_parse_errors(df)
    assert instruction_errors(df) == [case["expectedError"]]


def sources_and_dest(ins) -> dict:
    """BuildKit's ``instructions.parseSourcesAndDest`` on dockwise's model."""
    by_name = {h.name: h for h in ins.heredocs}
    paths, contents = [], []
    for a in ins.args[:-1]:
        h = heredoc_from_word(a.value)
        if h is None:
            paths.append(a.value)
            continue
        doc = by_name[h[0]]
        contents.append({"Path": doc.name, "Data": doc.content, "Expand": not doc.quoted})
    return {"DestPath": ins.args[-1].value, "SourcePaths": paths, "SourceContents": contents}


@pytest.mark.parametrize("case", INSTR["TestCopyHeredoc"], ids=lambda c: c["dockerfile"].split("\n")[0])
def test_copy_heredoc(case):
    df = parse(case["dockerfile"])
    assert instruction_errors(df) == []
    want = {k: case[k] for k in ("DestPath", "SourcePaths", "SourceContents")}
    assert sources_and_dest(df.instructions[0]) == want


@pytest.mark.parametrize("case", INSTR["TestRunHeredoc"], ids=lambda c: c["dockerfile"].split("\n")[0])
def test_run_heredoc(case):
    df = parse(case["dockerfile"])
    assert instruction_errors(df) == []
    ins = df.instructions[0]
    assert (not ins.json) == case["PrependShell"]
    assert [a.value for a in ins.args] == case["CmdLine"]
    assert [{"Name": h.name, "Data": h.body, "Chomp": h.chomp} for h in ins.heredocs] == case["Files"]


# -- dockerfile_heredoc_test.go (builds through dockerfile2llb) ----------------------------------

BUILDS = DATA["builds"]["cases"]


@pytest.mark.parametrize("case", BUILDS, ids=lambda c: c["test"])
def test_build_dockerfile_heredocs(case):
    df = parse(case["dockerfile"])
    assert df.errors == []
    got = [[[h.name, h.fd or 0, h.content] for h in ins.heredocs] for ins in df.instructions if ins.heredocs]
    assert got == case["heredocs"]


@pytest.mark.parametrize("case", [c for c in BUILDS if "files" in c], ids=lambda c: c["test"])
def test_build_files_made_by_copy_heredocs(case):
    df = parse(case["dockerfile"])
    made = {}
    for ins in df.instructions:
        if ins.keyword != "COPY" or not ins.heredocs:
            continue
        sd = sources_and_dest(ins)
        dest = sd["DestPath"]
        for c in sd["SourceContents"]:
            path = dest + c["Path"] if dest.endswith("/") else dest
            made[path.removeprefix("/dest/")] = c["Data"]
    assert {k: made.get(k) for k in case["files"]} == case["files"]


def test_build_shebang_scripts_are_not_shell():
    """testRunShebangHeredoc: both RUNs (the second one `<<-` with the shebang
    indented by a tab) run through `#!/bin/awk -f`, so they are not shell scripts."""
    (case,) = [c for c in BUILDS if "shebang_scripts" in c]
    df = parse(case["dockerfile"])
    runs = [i for i in df.instructions if i.keyword == "RUN"]
    assert len(runs) == case["shebang_scripts"]
    for ins in runs:
        assert ins.heredocs[0].content.startswith("#!/bin/awk -f\n")
        assert ins.shell is not None and ins.shell.dialect == "none" and ins.shell.commands == []


# -- dockwise's own cases of BuildKit behaviour ------------------------------------------------


def test_chomp_strips_tabs_not_spaces_from_the_terminator():
    """parser.go: `trimLeadingTabs(possibleTerminator)` for `<<-`: a terminator
    indented by spaces is body text."""
    src = "FROM x\nRUN <<-EOF\n  EOF\n \tEOF\n\t\tEOF\nRUN true\n"
    df = parse(src)
    assert df.errors == []
    run = df.instructions[1]
    assert [(h.name, h.body) for h in run.heredocs] == [("EOF", "  EOF\n \tEOF\n")]
    end = run.heredocs[0].terminator_span
    assert end is not None and end.start.line == 4
    assert [i.keyword for i in df.instructions] == ["FROM", "RUN", "RUN"]


def test_chomp_strips_leading_tabs_only_from_content():
    """parser.go: ChompHeredocContent is `(?m)^\\t+` → "": a space stops it."""
    df = parse("FROM x\nCOPY <<-EOF /a\n \tbar\n\t\tbaz\n\t qux\nEOF\n")
    assert df.instructions[1].heredocs[0].content == " \tbar\nbaz\n qux\n"
    assert df.instructions[1].heredocs[0].body == " \tbar\n\t\tbaz\n\t qux\n"
    assert chomp_heredoc("\t a\n\t\n  \tb\n\t\t") == " a\n\n  \tb\n"


def test_space_after_the_dash_opens_no_heredoc():
    """shell/lex.go processPossibleHeredoc keeps only the blanks right after
    `<<`: `<<- EOF` is the words `<<-` and `EOF`, no heredoc. The body lines
    become instructions, and BuildKit fails on the unknown `EOF` instruction."""
    df = parse("FROM x\nRUN <<- EOF\necho hi\nEOF\n")
    assert [(i.raw_keyword, i.heredocs) for i in df.instructions] == [
        ("FROM", []), ("RUN", []), ("echo", []), ("EOF", [])]
    assert [(e.message, e.span.start.line) for e in df.errors] == [
        ("unknown instruction: echo", 2), ("unknown instruction: EOF", 3)]


def test_space_after_the_dash_is_reported_by_the_linter(lint):
    found = [(v.code, v.line, v.message) for v in lint("FROM x\nRUN <<- EOF\nEOF\n")]
    assert ("DW000", 3, "unknown instruction: EOF") in found


@pytest.mark.parametrize("gap, opens", [(" ", True), ("\t", True), ("  \t ", True), ("\x0b", False),
                                        ("\xa0", False), ("\x0c", False)])
def test_only_spaces_tabs_and_cr_join_a_delimiter_to_its_operator(gap, opens):
    """shell/lex.go isWhitespace is ' ', '\\t', '\\r'; the other Unicode spaces split words."""
    assert [h[0] for h in _find_heredocs(f"RUN <<{gap}EOF")] == (["EOF"] if opens else [])


@pytest.mark.parametrize("line, names", [
    ("RUN x<< <<EOF", []),          # one word `x<< <<EOF`: no heredoc
    ("RUN <<<EOF", []),
    ("RUN 3<< EOF", ["EOF"]),
    ("RUN a\\<< EOF", []),           # an escaped `<` does not start the operator
    ("RUN '<<' EOF", []),
    ("RUN << 'A B' <<-\"C\"", ["A B", "C"]),
])
def test_operator_words_as_buildkits_lexer_makes_them(line, names):
    assert [h[0] for h in _find_heredocs(line)] == names


def test_heredoc_as_destination_and_missing_destination():
    """instructions/parse.go: len(args) < 2 is checked first, heredocs count as arguments."""
    df = parse("FROM x\nCOPY <<EOF\nhi\nEOF\n")
    assert [e.message for e in df.errors] == [
        "COPY requires at least two arguments, but only one was provided. Destination could not be determined"]
    df = parse("FROM x\nADD a <<EOF\nEOF\n")
    assert [(e.message, e.span.start.col) for e in df.errors] == [
        ("ADD cannot accept a heredoc as a destination", 6)]
    assert parse("FROM x\nCOPY a \"<<EOF\"\n").errors == []  # a quoted word is a path


def test_single_heredoc_with_blanks_runs_its_content():
    """dockerfile2llb dispatchRun: the command line `<<  EOF` is one heredoc word,
    so BuildKit runs the (chomped) content itself."""
    df = parse("FROM x\nRUN <<  EOF\n#!/usr/bin/env python3\nprint(1)\nEOF\n")
    run = df.instructions[1]
    assert run.heredocs[0].name == "EOF"
    assert run.shell is not None and run.shell.dialect == "none"


def test_delimiter_quoting_details():
    """Inside double quotes a backslash escapes only `"`, `\\`, `$` and a backtick
    (BuildKit's shell lexer); an unclosed quote is an error naming the word."""
    assert heredoc_from_word('<<"E\\"F"') == ('E"F', False, True, None)
    assert heredoc_from_word('<<"a\\b"') == ("a\\b", False, True, None)
    assert heredoc_from_word('<<"a\\\\b"') == ("a\\b", False, True, None)
    with pytest.raises(ValueError, match='unclosed quote in heredoc delimiter: "EOF'):
        heredoc_from_word('<<"EOF')
