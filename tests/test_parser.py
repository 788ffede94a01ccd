"""The model and parser: BuildKit conformance, positions, error tolerance."""
import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings, strategies as st

from dockwise.cli.main import main
from dockwise.syntax.model import ImageRef, Instruction, Pos, ShellScript, Span, Stage
from dockwise.syntax.parser import dump_buildkit, parse

FIX = Path(__file__).resolve().parent / "fixtures"
POSITIVE = sorted(p.name for p in (FIX / "buildkit-parser").iterdir() if (p / "result").exists())


def shell(ins: Instruction) -> ShellScript:
    """``ins.shell``; fails the test when the instruction has no shell parse."""
    assert ins.shell is not None, f"line {ins.start_line + 1}: {ins.keyword} has no shell parse"
    return ins.shell


def base(st: Stage) -> ImageRef:
    """``st.base``; fails the test when the FROM has no image."""
    assert st.base is not None, f"stage {st.index}: FROM without an image"
    return st.base


def read(p: Path) -> str:
    return p.read_bytes().decode("utf-8")


def test_fixture_count():
    assert len(POSITIVE) == 33


@pytest.mark.parametrize("case", POSITIVE)
def test_buildkit_dump_matches_cli(case, capsysbinary):
    """`dockwise parse --format buildkit FILE` prints BuildKit's dump byte for byte."""
    d = FIX / "buildkit-parser" / case
    main(["parse", "--format", "buildkit", str(d / "Dockerfile")])
    out = capsysbinary.readouterr().out
    assert out == (d / "result").read_bytes()


def test_buildkit_dump_subprocess():
    d = FIX / "buildkit-parser" / "lk4d4-the-edge-case-generator"
    r = subprocess.run(
        [sys.executable, "-m", "dockwise", "parse", "--format", "buildkit", str(d / "Dockerfile")],
        capture_output=True, timeout=60,
    )
    assert r.stdout == (d / "result").read_bytes()


@pytest.mark.parametrize(
    "case,message",
    [
        ("empty_dockerfile", "file with no instructions"),
        ("only_comments", "file with no instructions"),
        ("env_no_value", "ENV must have two arguments"),
        ("shykes-nested-json", "when using JSON array syntax, arrays must be comprised of strings only"),
    ],
)
def test_negative_fixtures(case, message):
    df = parse(read(FIX / "buildkit-parser-negative" / case / "Dockerfile"))
    assert message in [e.message for e in df.errors if e.severity == "error"]


def test_line_numbers_fixture():
    d = FIX / "buildkit-parser-lines" / "testfile-line"
    exp = json.loads((d / "expected-lines.json").read_text())
    df = parse(read(d / "Dockerfile"))
    got = [(i.keyword, i.start_line + 1, i.end_line + 1) for i in df.instructions]
    assert got == [(e["keyword"], e["start_line"], e["end_line"]) for e in exp["instructions"]]
    assert df.instructions[0].start_line + 1 == exp["root"]["start_line"]
    assert df.instructions[-1].end_line + 1 == exp["root"]["end_line"]


def sp(l1, c1, l2, c2):
    return Span(Pos(l1, c1), Pos(l2, c2))


def text_at(text: str, span: Span) -> str:
    lines = text.split("\n")
    if span.start.line == span.end.line:
        return lines[span.start.line][span.start.col : span.end.col]
    parts = [lines[span.start.line][span.start.col :]]
    parts += lines[span.start.line + 1 : span.end.line]
    parts.append(lines[span.end.line][: span.end.col])
    return "\n".join(parts)


def test_columns_of_keyword_flags_and_args():
    src = "FROM alpine:3.20 AS base\n  COPY --from=base --chown=1:1 /a /b\n"
    df = parse(src)
    cp = df.instructions[1]
    assert cp.keyword_span == sp(1, 2, 1, 6)
    assert [f.name for f in cp.flags] == ["from", "chown"]
    vs = cp.flags[0].value_span
    assert cp.flags[0].span == sp(1, 7, 1, 18) and vs is not None and text_at(src, vs) == "base"
    assert [(a.value, text_at(src, a.span)) for a in cp.args] == [("/a", "/a"), ("/b", "/b")]
    st = df.stages[0]
    assert st.name == "base" and st.name_span is not None and text_at(src, st.name_span) == "base"
    assert base(st).name == "alpine" and base(st).tag == "3.20" and base(st).path == "library/alpine"


def test_continuation_maps_back_to_physical_lines():
    src = "FROM x\nRUN apt-get update \\\n  # comment\n\n    && apt-get install -y curl\n"
    df = parse(src)
    run = df.instructions[1]
    assert run.text == "apt-get update     && apt-get install -y curl"
    assert run.span.start == Pos(1, 0) and run.end_line == 4
    assert run.empty_continuation
    i = run.text.index("curl")
    assert run.text_map.span(i, i + 4) == sp(4, 26, 4, 30)
    names = [(c.name, c.span.start.line) for c in shell(run).commands]
    assert names == [("apt-get", 1), ("apt-get", 4)]
    assert any(e.message == "Empty continuation line" and e.severity == "warning" for e in df.errors)
    assert [c.text for c in df.comments] == ["comment"]


def test_backtick_escape_directive():
    src = "# escape=`\nFROM mcr.microsoft.com/windows/servercore:ltsc2022\nRUN dir C:\\ `\n  && echo hi\n"
    df = parse(src)
    assert df.escape == "`"
    run = df.instructions[1]
    assert run.text == "dir C:\\   && echo hi"
    # Windows base without SHELL: cmd, not parsed as bash
    assert run.shell is not None and run.shell.dialect == "none"


def test_powershell_shell_not_parsed_as_bash():
    src = 'FROM alpine:3\nSHELL ["pwsh", "-Command"]\nRUN Get-ChildItem | Select-Object Name\n'
    df = parse(src)
    assert shell(df.instructions[2]).dialect == "none"
    src2 = 'FROM alpine:3\nRUN ls | wc -l\n'
    assert [c.name for c in shell(parse(src2).instructions[1]).commands] == ["ls", "wc"]


def test_heredocs_several_per_line_and_chomp():
    src = "FROM x\nCOPY <<A <<-'B' /dst/\nbody a\nA\n\tbody b\n\tB\nRUN echo done\n"
    df = parse(src)
    cp = df.instructions[1]
    assert [(h.name, h.chomp, h.quoted) for h in cp.heredocs] == [("A", False, False), ("B", True, True)]
    assert cp.heredocs[0].body == "body a\n" and cp.heredocs[1].body == "\tbody b\n"
    assert cp.end_line == 5
    assert df.instructions[2].keyword == "RUN" and df.instructions[2].start_line == 6
    assert text_at(src, cp.heredocs[1].opener_span) == "<<-'B'"


def test_heredoc_run_script_is_parsed_with_positions():
    src = "FROM x\nRUN <<EOF\napt-get update\napt-get install -y curl\nEOF\n"
    df = parse(src)
    run = df.instructions[1]
    cmds = shell(run).commands
    assert [c.argv for c in cmds] == [["apt-get", "update"], ["apt-get", "install", "-y", "curl"]]
    assert cmds[1].span == sp(3, 0, 3, 23)


def test_heredoc_not_for_other_instructions_and_not_glued():
    df = parse("FROM x\nRUN cat<<EOF\nEOF\n")
    # `cat<<EOF` is not a heredoc opener for BuildKit: EOF becomes an instruction
    assert [i.keyword for i in df.instructions] == ["FROM", "RUN", "EOF"]


def test_unterminated_heredoc_is_an_error_not_an_exception():
    df = parse("FROM x\nRUN <<EOF\necho hi\n")
    assert "unterminated heredoc" in [e.message for e in df.errors]


def test_json_form_and_fallback():
    df = parse('FROM x\nCMD ["a", "b c"]\nCMD [\'a\']\nRUN ["x",\n')
    assert df.instructions[1].json and [a.value for a in df.instructions[1].args] == ["a", "b c"]
    assert not df.instructions[2].json and df.instructions[2].args[0].value == "['a']"
    assert not df.instructions[3].json


def test_env_forms_and_scopes():
    src = (
        "ARG BASE=python:3.12\nARG TAG\nFROM ${BASE}-slim AS build\nARG TAG\nENV A=1 B=\"two words\"\n"
        "ENV LEGACY some value\nFROM build\nRUN echo\n"
    )
    df = parse(src)
    s0, s1 = df.stages
    assert base(s0).resolved == "python:3.12-slim" and base(s0).tag == "3.12-slim"
    assert s1.parent == 0 and base(s1).resolved == "build"
    env = df.instructions[4]
    assert [(p.key, p.value, p.legacy) for p in env.pairs] == [("A", "1", False), ("B", '"two words"', False)]
    assert env.pairs[1].unquoted == "two words"
    legacy = df.instructions[5].pairs[0]
    assert (legacy.key, legacy.value, legacy.legacy) == ("LEGACY", "some value", True)
    v = df.lookup_var(s1, "B", df.instructions[-1].index)
    assert v is not None and v.kind == "ENV" and v.value == "two words"
    assert df.lookup_var(s1, "BASE", 99) is None  # global ARGs are only visible in FROM
    assert [g.name for g in df.global_args] == ["BASE", "TAG"]


def test_onbuild_trigger():
    df = parse("FROM x\nONBUILD RUN apt-get update\n")
    ob = df.instructions[1]
    assert ob.trigger is not None, "ONBUILD without its trigger"
    assert ob.trigger.keyword == "RUN" and shell(ob.effective).commands[0].name == "apt-get"
    assert text_at("FROM x\nONBUILD RUN apt-get update\n", ob.trigger.keyword_span) == "RUN"


def test_non_ascii_columns_are_code_points():
    src = 'FROM x\nLABEL a="😀" b="é"\nRUN echo "✓" && ls\n'
    df = parse(src)
    lab = df.instructions[1]
    assert lab.pairs[1].key_span == sp(1, 12, 1, 13)  # the emoji is one code point
    ls = shell(df.instructions[2]).commands[1]
    assert ls.name == "ls" and ls.span == sp(2, 16, 2, 18)


def test_crlf_and_bom():
    src = "\ufeffFROM x\r\nRUN a \\\r\n  b\r\n"
    df = parse(src)
    assert [i.keyword for i in df.instructions] == ["FROM", "RUN"]
    assert df.instructions[1].text == "a   b"
    assert df.instructions[0].keyword_span == sp(0, 1, 0, 5)


def test_unknown_instruction_and_before_from():
    df = parse("RUN echo\nFROM x\nRUNN echo\n")
    msgs = [e.message for e in df.errors]
    assert "no build stage in current context" in msgs
    assert "unknown instruction: RUNN (did you mean RUN?)" in msgs


@pytest.mark.parametrize("line, message, col", [
    # BuildKit's BFlags.Parse (instructions/bflag.go): the first bad flag fails the build
    ("CMD --port 80", "unknown flag: --port", 4),
    ("COPY --form=build a /b", "unknown flag: --form (did you mean from?)", 5),
    ("COPY --LINK a /b", "unknown flag: --LINK", 5),  # case-sensitive: no suggestion
    ("COPY --link=maybe a /b", "expecting boolean value for flag --link, not: maybe", 5),
    ("COPY --link= a /b", "missing a value on flag: --link", 5),
    ("ADD --chown a /b", "missing a value on flag: --chown", 4),
    ("COPY --from=a --from=b x /y", "duplicate flag specified: --from", 14),
    ("RUN --netwrk=none true", "unknown flag: --netwrk (did you mean network?)", 4),
    ("HEALTHCHECK --interva=3s CMD true", "unknown flag: --interva (did you mean interval?)", 12),
    ("ENV --x=1 A=b", "unknown flag: --x", 4),
])
def test_bad_flags_are_build_errors(line, message, col):
    df = parse(f"FROM alpine:3\n{line}\n")
    assert [(e.message, e.span.start.line, e.span.start.col) for e in df.errors] == [(message, 1, col)]


@pytest.mark.parametrize("line", [
    "RUN --mount=type=tmpfs,target=/a --mount=type=tmpfs,target=/b true",  # a list flag repeats
    "COPY --link --chmod=0644 a /b",
    "COPY --link=FALSE --parents a /b",
    "ARG --anything=1 A",  # BuildKit never parses ARG's flags
    "STOPSIGNAL --x SIGTERM",
    "HEALTHCHECK --whatever NONE",  # nor HEALTHCHECK NONE's
    "ONBUILD COPY --nope a /b",  # a trigger's flags are parsed when a build uses the image
    "COPY -- --link /b",  # `--` ends the flags
])
def test_good_or_ignored_flags_are_not_errors(line):
    assert parse(f"FROM alpine:3\n{line}\n").errors == []


def test_directive_rules():
    df = parse("# escape=`\n# escape=\\\nFROM x\n")
    assert "only one escape parser directive can be used" in [e.message for e in df.errors]
    df = parse("# hello\n# escape=`\nFROM x\n")
    assert df.escape == "\\"
    df = parse("# escape=x\nFROM x\n")
    assert any("invalid escape token" in e.message for e in df.errors)


def test_incremental_reparse_equals_full_parse():
    from dockwise.syntax.parser import dump_json

    base = "FROM alpine:3\n" + "".join(
        f"# c{i}\nRUN apk add --no-cache p{i} && \\\n    echo {i}\nENV V{i}=$V{i - 1}x\n" for i in range(50)
    )
    prev = parse(base)
    lines = base.split("\n")
    for k in (5, 17, 40, 100, 3):
        lines[k] += " z"
        text = "\n".join(lines)
        cur = parse(text, previous=prev)
        assert dump_json(cur) == dump_json(parse(text))
        prev = cur
    lines.insert(20, "RUN inserted \\")  # changes the continuation structure
    text = "\n".join(lines)
    assert dump_json(parse(text, previous=prev)) == dump_json(parse(text))


def test_incremental_reparse_takes_over_blocks_that_moved():
    """Blocks found elsewhere in the previous version (here: two RUNs swapped under an
    inserted comment) are taken over, not re-parsed: with ``discard_previous`` the old
    instruction objects are moved in place, and the model equals a fresh parse."""
    from dockwise.syntax.parser import dump_json

    base = "FROM alpine:3\nRUN apk add --no-cache curl \\\n    && echo one\nRUN echo two\nCMD [\"sh\"]\nEXPOSE 80\n"
    prev = parse(base)
    old = prev.instructions
    text = ("# moved\nFROM alpine:3\nRUN echo two\nRUN apk add --no-cache curl \\\n    && echo one\nCMD [\"sh\"]\n"
            "EXPOSE 80\n")
    cur = parse(text, previous=prev, discard_previous=True)
    # (the last block, which the next edit may extend, is parsed anew)
    assert [cur.instructions[k] is old[j] for k, j in ((0, 0), (1, 2), (2, 1), (3, 3))] == [True] * 4
    assert [(i.keyword, i.start_line) for i in cur.instructions] == [
        ("FROM", 1), ("RUN", 2), ("RUN", 3), ("CMD", 5), ("EXPOSE", 6)]
    assert dump_json(cur) == dump_json(parse(text))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=400))
@example("internal")  # "unknown instruction: internal" is a correct message, not an internal error
def test_any_text_parses_without_exception(text):
    df = parse(text)
    assert not [e for e in df.errors if e.message.startswith("internal parser error")]
    dump_buildkit(df)


def test_a_crash_in_a_phase_is_an_internal_parser_error(monkeypatch):
    """What the property above looks for is what a crash produces."""
    import dockwise.syntax.parser as P

    def boom(*a, **k):
        raise RuntimeError("boom")

    monkeypatch.setattr(P, "_add_heredoc_scripts", boom)
    df = parse("FROM x\nRUN bash <<EOF\necho\nEOF\n")
    assert [(e.message, e.span) for e in df.errors if e.message.startswith("internal parser error")] == [
        ("internal parser error in _attach_shell: RuntimeError: boom", Span(Pos(0, 0), Pos(0, 0)))]


TOKENS = [
    "FROM ", "RUN ", "COPY ", "ADD ", "ENV ", "ARG ", "LABEL ", "ONBUILD ", "CMD ", "SHELL ", "HEALTHCHECK ",
    "<<EOF", "<<-'X'", "EOF", "X", "\\", "`", "\n", "\n", " ", "\t", "#", "# escape=`\n", '["a", "b"]', "[",
    "--mount=type=cache,target=/x ", "--from=0 ", "$A", "${B:-c}", "&&", "|", ";", "'", '"', "=", "AS ", "é", "😀",
    "\r\n",
]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(TOKENS), max_size=60))
def test_dockerfile_like_text_parses_and_spans_are_in_range(tokens):
    text = "".join(tokens)
    df = parse(text)
    assert not [e for e in df.errors if e.message.startswith("internal parser error")]
    n = max(len(df.lines), 1)
    for ins in df.instructions:
        for s in [ins.span, ins.keyword_span, *(a.span for a in ins.args), *(f.span for f in ins.flags)]:
            assert 0 <= s.start.line < n and 0 <= s.end.line < n and s.start <= s.end
        if ins.effective.shell:
            for c in ins.effective.shell.commands:
                assert 0 <= c.span.start.line < n and c.span.start <= c.span.end


def test_shell_reading_a_heredoc_gets_the_body_commands():
    run = parse("FROM x\nRUN set -e; bash -s <<-EOS arg\n\tapt-get update\n\tEOS\n").instructions[1]
    assert [(c.name, c.span.start.line) for c in shell(run).commands] == [("set", 1), ("bash", 1), ("apt-get", 2)]
    # the body belongs to cat, not to the later `sh /f`; python bodies are not shell
    run = parse("FROM x\nRUN cat <<EOF > /f && sh /f\necho hi\nEOF\n").instructions[1]
    assert [c.name for c in shell(run).commands] == ["cat", "sh"]
    run = parse("FROM x\nRUN python3 <<EOF\nimport os\nEOF\n").instructions[1]
    assert [c.name for c in shell(run).commands] == ["python3"]
    # a shell named by its path
    run = parse("FROM x\nRUN /bin/bash <<EOF\napt-get update\nEOF\n").instructions[1]
    assert [(c.name, c.span.start.line) for c in shell(run).commands] == [("/bin/bash", 1), ("apt-get", 2)]


def test_dump_json_golden():
    """`dockwise parse --format json`: every field of the model dump, on a file that has
    each of them (directive, comment, global ARG, stages with a parent and a platform,
    pairs, flags, a shell script, heredocs with and without a body, an ONBUILD trigger,
    exec form, an error). The expected dump was checked by hand; regenerate it only for
    a deliberate format change."""
    import json

    from dockwise.syntax.parser import dump_json

    data = Path(__file__).parent / "data"
    src = (data / "dump_json.Dockerfile").read_text("utf-8")
    want = json.loads((data / "dump_json.golden.json").read_text("utf-8"))
    assert json.loads(json.dumps(dump_json(parse(src, "Dockerfile")))) == want


def test_go_quote_escapes_like_strconv_quote():
    from dockwise.syntax.parser import go_quote

    assert go_quote("\a\b\f\n\r\t\v\\\"x\x01é") == '"\\a\\b\\f\\n\\r\\t\\v\\\\\\"x\\x01é"'


def test_incremental_reparse_redoes_the_shell_when_the_stage_stops_being_windows():
    """A reused RUN keeps its shell parse only while its stage is as Windows as before."""
    from dockwise.syntax.parser import dump_json

    prev = parse("FROM mcr.microsoft.com/windows/servercore:ltsc2022\nRUN echo hi && echo there\n")
    assert shell(prev.instructions[1]).dialect == "none"
    text = "FROM debian:12\nRUN echo hi && echo there\n"
    cur = parse(text, previous=prev)
    assert shell(cur.instructions[1]).dialect == "bash"
    assert dump_json(cur) == dump_json(parse(text))


def test_quoted_flag_value_then_more_flags_and_arguments():
    ins = parse('FROM x\nRUN --mount="type=cache,target=/c" --network=none apk add x\n').instructions[1]
    assert [(f.name, f.value) for f in ins.flags] == [("mount", "type=cache,target=/c"), ("network", "none")]
    assert [a.value for a in ins.args] == ["apk add x"]


def test_image_ref_tag_only_after_the_last_slash():
    from dockwise.syntax.parser import parse_image_ref

    r = parse_image_ref("x/a:1/b", "x/a:1/b", None)  # type: ignore[arg-type]
    assert (r.path, r.name, r.tag) == ("x/a:1/b", "b", None)
    r = parse_image_ref("reg.io:5000/team/app:1.2", "reg.io:5000/team/app:1.2", None)  # type: ignore[arg-type]
    assert (r.registry, r.path, r.name, r.tag) == ("reg.io:5000", "team/app", "app", "1.2")


def test_heredoc_line_ending_in_a_lone_angle_bracket():
    df = parse("FROM x\nRUN cat <<EOF >x <\nhi\nEOF\n")
    assert df.errors == [] and [(h.name, h.body) for h in df.instructions[1].heredocs] == [("EOF", "hi\n")]


def test_heredoc_opener_ending_in_a_backslash_is_a_clear_error():
    # with ` as the escape character a backslash can end the line: no crash, the heredoc is unterminated
    df = parse("# escape=`\nFROM a\nRUN cat <<EOF\\\nx\nEOF\\\n")
    assert [e.message for e in df.errors] == ["unterminated heredoc"]


def test_heredoc_after_an_escaped_quote_in_a_string():
    df = parse('FROM a\nRUN echo "a\\"b" <<EOF\nx\nEOF\n')
    (run,) = [i for i in df.instructions if i.keyword == "RUN"]
    assert [(h.name, h.body) for h in run.heredocs] == [("EOF", "x\n")]
    assert not df.errors


# -- BuildKit's parse errors, each with its message and where it points -----------------------------


def _errors(text: str) -> list[tuple[str, int, int]]:
    return [(e.message, e.span.start.line, e.span.start.col) for e in parse(text).errors]


@pytest.mark.parametrize("text, want", [
    ("FROM x\nSHELL /bin/sh -c\n", [("SHELL requires the arguments to be in JSON form", 1, 0)]),
    ("FROM x\nENV =x\n", [("ENV names can not be blank", 1, 4)]),
    ("FROM x\nENV\n", [("ENV requires at least one argument", 1, 0)]),
    ("FROM x\nEXPOSE\n", [("EXPOSE requires at least one argument", 1, 0)]),
    ("FROM x\nRUN\n", []),  # BuildKit's parser accepts an empty RUN (the build fails later)
    ("FROM x\nONBUILD MAINTAINER me\n", [("MAINTAINER isn't allowed as an ONBUILD trigger", 1, 0)]),
    ("FROM x\nONBUILD FROM y\n", [("FROM isn't allowed as an ONBUILD trigger", 1, 0)]),
])
def test_parse_error_message_and_position(text, want):
    assert _errors(text) == want


@pytest.mark.parametrize("text, span", [
    ("FROM x\nRUN cat <<EOF\nabc\nlonger line\n", (1, 0, 3, 11)),  # unterminated heredoc: to the end
    ("# only a comment\n# and another one\n", (1, 0, 1, 17)),  # no instructions: the last line
    ("FROM x\nENV a=1 bcd e=2\n", (1, 8, 1, 11)),  # the word without "="
    ("FROM x\nLABEL a=1 bcd\n", (1, 10, 1, 13)),
])
def test_parse_error_spans(text, span):
    [e] = parse(text).errors
    assert (e.span.start.line, e.span.start.col, e.span.end.line, e.span.end.col) == span


def test_a_line_over_buildkits_limit_is_reported_on_that_line():
    text = "FROM x\nRUN " + "a" * 70000 + "\nRUN echo\n"
    df = parse(text)
    [e] = [e for e in df.errors if "max allowed size" in e.message]
    assert e.message == "dockerfile line greater than max allowed size of 65535"
    assert (e.span.start.line, e.span.start.col, e.span.end.line, e.span.end.col) == (1, 0, 1, 70004)


def test_command_substitutions_nested_too_deep_are_reported_not_fatal():
    text = "FROM x\nRUN " + "$(" * 70 + "x" + ")" * 70 + "\n"
    [e] = parse(text).errors
    assert e.message == ("command substitutions nested more than 64 levels deep: the commands inside "
                         "are not analysed")
    assert e.span.start.line == 1 and not e.fatal_in_buildkit
    # and again when the RUN's parse is taken over by an incremental parse
    # (not the last block: that one is always parsed anew)
    prev = parse(text + "USER app\n")
    cur = parse("# edited\n" + text + "USER app\n", previous=prev, discard_previous=True)
    assert cur.instructions[1] is prev.instructions[1]
    assert [(e.message, e.span.start.line) for e in cur.errors] == [(e.message, 2)]


def test_single_quoted_flag_value():
    ins = parse("FROM x\nCOPY --chown='a b' --from=st x y\n").instructions[1]
    assert [(f.name, f.value, f.raw) for f in ins.flags] == [("chown", "a b", "--chown=a b"), ("from", "st", "--from=st")]
    # the name's span covers `--chown` exactly; the flag's span the whole word
    f = ins.flags[0]
    assert (f.name_span.start.col, f.name_span.end.col, f.span.end.col) == (5, 12, 18)


def test_buildkit_dump_lowercases_keywords_and_nests_triggers():
    df = parse("from x\nRUN --mount=a echo\nONBUILD RUN y\n")
    assert dump_buildkit(df) == '(from "x")\n(run ["--mount=a"] "echo")\n(onbuild (run "y"))\n'


def test_incremental_reparse_keeps_a_global_arg_outside_every_stage():
    """An ARG before the first FROM taken over from the previous version is still in no stage."""
    prev = parse("ARG V=1\nARG W=2\nFROM a\nRUN echo $V\nRUN x\n")
    cur = parse("ARG V=1\nARG W=2\nFROM a\nRUN echo $V $W\nRUN x\n", previous=prev, discard_previous=True)
    assert cur.instructions[0] is prev.instructions[0]  # taken over, not re-parsed
    assert [i.stage for i in cur.instructions] == [-1, -1, 0, 0, 0]
    assert cur.stage_of(cur.instructions[0]) is None
