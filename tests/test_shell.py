"""Tests for dockwise.syntax.shell: the tree-sitter-bash view of RUN instructions."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from dockwise.syntax.model import Pos, SourceMap, Span
from dockwise.syntax.shell import (
    _spanner,
    is_windows_shell,
    line_map,
    parse_shell,
    unquote_word,
)


def parse(text: str, line: int = 0, col: int = 0):
    return parse_shell(text, line_map(text, line, col))


def names(script) -> list[str]:
    return [c.name for c in script.commands]


def argvs(script) -> list[list[str]]:
    return [c.argv for c in script.commands]


# -- lists, pipes, grouping ---------------------------------------------------


def test_and_list_names_args_and_spans():
    sc = parse("apt-get update && apt-get install -y curl", line=5, col=4)
    assert sc.ok and sc.dialect == "bash"
    assert argvs(sc) == [["apt-get", "update"], ["apt-get", "install", "-y", "curl"]]
    first, second = sc.commands
    assert first.span == Span.of(5, 4, 5, 18)
    assert first.name_span == Span.of(5, 4, 5, 11)
    assert second.span == Span.of(5, 22, 5, 45)
    assert second.name_span == Span.of(5, 22, 5, 29)
    assert [w.span for w in second.args] == [
        Span.of(5, 30, 5, 37),
        Span.of(5, 38, 5, 40),
        Span.of(5, 41, 5, 45),
    ]
    assert [w.raw for w in second.args] == ["install", "-y", "curl"]
    assert all(w.static for w in second.args)
    assert not any(c.in_pipe or c.background or c.subshell or c.negated for c in sc.commands)
    assert first.pipeline != second.pipeline
    assert second.has_arg("-y", "--yes") and not second.has_arg("--yes")


def test_pipe():
    sc = parse("curl -fsSL https://x/install.sh | sh -s -- -y")
    assert argvs(sc) == [["curl", "-fsSL", "https://x/install.sh"], ["sh", "-s", "--", "-y"]]
    curl, sh = sc.commands
    assert curl.in_pipe and sh.in_pipe
    assert curl.pipeline == sh.pipeline


def test_pipe_ids_are_per_pipeline():
    sc = parse("a | b; c | d && e")
    a, b, c, d, e = sc.commands
    assert a.pipeline == b.pipeline
    assert c.pipeline == d.pipeline
    assert len({a.pipeline, c.pipeline, e.pipeline}) == 3
    assert [x.in_pipe for x in sc.commands] == [True, True, True, True, False]


def test_semicolon_and_or():
    sc = parse("cd /app; make || true")
    assert argvs(sc) == [["cd", "/app"], ["make"], ["true"]]
    assert not any(c.in_pipe for c in sc.commands)


def test_subshell():
    sc = parse("(cd /x && make) && ls")
    assert argvs(sc) == [["cd", "/x"], ["make"], ["ls"]]
    assert [c.subshell for c in sc.commands] == [True, True, False]
    assert sc.commands[0].span == Span.of(0, 1, 0, 6)


def test_command_substitution():
    sc = parse("cp $(command -v foo) /usr/bin/")
    assert names(sc) == ["cp", "command"]
    cp, cmd = sc.commands
    assert cp.args[0].static is False
    assert cp.args[0].value == "$(command -v foo)"
    assert cp.args[1].value == "/usr/bin/"
    assert cmd.argv == ["command", "-v", "foo"]
    assert cmd.subshell and not cp.subshell
    assert cmd.span == Span.of(0, 5, 0, 19)


def test_backticks_and_process_substitution():
    sc = parse("echo `uname -m` && diff <(ls a) b")
    assert names(sc) == ["echo", "uname", "diff", "ls"]
    assert [c.subshell for c in sc.commands] == [False, True, False, True]


def test_substitution_inside_string_and_assignment():
    sc = parse('echo "arch: $(dpkg --print-architecture)"; V=$(cat /v) make')
    assert names(sc) == ["echo", "dpkg", "make", "cat"]
    make = sc.commands[2]
    assert make.assignments == ["V=$(cat /v)"]
    assert make.argv == ["make"]


def test_if_statement():
    sc = parse("if [ -f x ]; then rm -rf y; fi")
    assert sc.ok
    assert argvs(sc) == [["[", "-f", "x"], ["rm", "-rf", "y"]]
    assert sc.commands[0].span == Span.of(0, 3, 0, 11)
    assert sc.commands[0].name_span == Span.of(0, 3, 0, 4)


def test_double_bracket_test():
    sc = parse('[[ "$a" == b* && -n z ]] || exit 1')
    t, ex = sc.commands
    assert t.name == "[["
    assert [w.value for w in t.args] == ['"$a"', "==", "b*", "&&", "-n", "z"]
    assert t.args[0].static is False
    assert ex.argv == ["exit", "1"]


def test_for_while_case_function_group():
    sc = parse(
        "for p in a b; do pip install $p; done; while read l; do echo $l; done < f; "
        "case $x in a) ls;; *) pwd;; esac; f() { make; }; { id; }"
    )
    assert names(sc) == ["pip", "read", "echo", "ls", "pwd", "make", "id"]
    assert sc.commands[0].argv == ["pip", "install", "$p"]
    assert sc.commands[0].args[1].static is False


def test_for_over_command_substitution():
    sc = parse("for f in $(ls /etc); do cat $f; done")
    assert names(sc) == ["ls", "cat"]
    assert sc.commands[0].subshell


# -- words ------------------------------------------------------------------------


def test_quoted_args():
    sc = parse("echo \"a b\" 'c d'")
    (echo,) = sc.commands
    assert [w.value for w in echo.args] == ["a b", "c d"]
    assert [w.raw for w in echo.args] == ['"a b"', "'c d'"]
    assert [w.span for w in echo.args] == [Span.of(0, 5, 0, 10), Span.of(0, 11, 0, 16)]
    assert all(w.static for w in echo.args)


def test_concatenation_option():
    (cmd,) = parse('configure --opt="x y" --p=\'q\'r').commands
    assert [w.value for w in cmd.args] == ["--opt=x y", "--p=qr"]
    assert cmd.args[0].raw == '--opt="x y"'
    assert cmd.args[0].static


def test_escapes_and_ansi_c():
    (cmd,) = parse(r"""printf a\ b "x\"y\$z\n" $'t\tu\x41' ~/d *.txt""").commands
    assert [w.value for w in cmd.args] == ["a b", 'x"y$z\\n', "t\tuA", "~/d", "*.txt"]
    assert all(w.static for w in cmd.args)


def test_variables_are_not_static():
    sc = parse("apt-get install $PKGS ${EXTRA:-} \"$V\" a$((1+2))")
    (cmd,) = sc.commands
    assert cmd.args[0].value == "install" and cmd.args[0].static
    assert [(w.value, w.static) for w in cmd.args[1:]] == [
        ("$PKGS", False),
        ("${EXTRA:-}", False),
        ('"$V"', False),
        ("a$((1+2))", False),
    ]


def test_dollar_in_single_quotes_is_static():
    (cmd,) = parse("echo '$HOME' \"\\$x\"").commands
    assert [(w.value, w.static) for w in cmd.args] == [("$HOME", True), ("$x", True)]


def test_full_path_name_and_dynamic_name():
    sc = parse("/usr/bin/apt-get -qq update; $CC -o x y.c")
    assert names(sc) == ["/usr/bin/apt-get", "$CC"]
    assert sc.commands[0].name_span == Span.of(0, 0, 0, 16)


def test_redirections_are_not_args():
    sc = parse("make install > /dev/null 2>&1 && cat < in.txt >> out.txt")
    assert argvs(sc) == [["make", "install"], ["cat"]]
    assert sc.commands[0].span == Span.of(0, 0, 0, 29)


def test_words_after_a_redirect_are_args():
    (cmd,) = parse("cmd >f arg 2>&1 x").commands
    assert cmd.argv == ["cmd", "arg", "x"]
    assert cmd.span == Span.of(0, 0, 0, 17)


def test_heredoc_redirect_keeps_command_and_scans_body():
    text = "cat <<EOF > /etc/conf\nkey=$(hostname)\nEOF\napt-get update"
    sc = parse(text, line=2)
    assert names(sc) == ["cat", "hostname", "apt-get"]
    cat, host, apt = sc.commands
    assert cat.argv == ["cat"]
    assert cat.span == Span.of(2, 0, 2, 9)
    assert host.span == Span.of(3, 6, 3, 14)
    assert apt.name_span == Span.of(5, 0, 5, 7)
    assert sc.ok


def test_heredoc_piped_into_shell():
    sc = parse("cat <<EOF | sh -s -- -y || true\necho hi\nEOF")
    assert names(sc) == ["cat", "sh", "true"]
    cat, sh, tr = sc.commands
    assert cat.in_pipe and sh.in_pipe and cat.pipeline == sh.pipeline
    assert not tr.in_pipe and tr.pipeline != cat.pipeline
    assert sh.argv == ["sh", "-s", "--", "-y"]


def test_quoted_heredoc_body_is_not_scanned():
    sc = parse("cat <<'EOF' > /x.sh\necho $(foo) `bar`\nEOF")
    assert argvs(sc) == [["cat"]]
    assert sc.commands[0].span == Span.of(0, 0, 0, 11)


def test_python_heredoc_is_one_command():
    sc = parse("python3 <<EOF\nimport os\nprint(os.getcwd())\nEOF\n")
    assert argvs(sc) == [["python3"]]


# -- flags -----------------------------------------------------------------------


def test_background():
    sc = parse("sleep 1 & echo done")
    assert argvs(sc) == [["sleep", "1"], ["echo", "done"]]
    assert [c.background for c in sc.commands] == [True, False]


def test_background_list_and_group():
    sc = parse("a && b & c; { d; e; } > log 2>&1 &")
    assert names(sc) == ["a", "b", "c", "d", "e"]
    assert [c.background for c in sc.commands] == [True, True, False, True, True]


def test_negated():
    sc = parse("! grep -q x f && ! a | b; c")
    assert names(sc) == ["grep", "a", "b", "c"]
    assert [c.negated for c in sc.commands] == [True, True, True, False]
    assert sc.commands[1].in_pipe


def test_export_declare_unset():
    sc = parse('export A=1 B="x y" C; local -r z; unset A; readonly R=$(id -u)')
    assert names(sc) == ["export", "local", "unset", "readonly", "id"]
    export = sc.commands[0]
    assert [w.value for w in export.args] == ["A=1", "B=x y", "C"]
    assert export.name_span == Span.of(0, 0, 0, 6)
    assert export.span == Span.of(0, 0, 0, 20)
    assert sc.commands[1].argv == ["local", "-r", "z"]
    assert sc.commands[2].argv == ["unset", "A"]
    assert sc.commands[3].args[0].static is False


def test_set_eux():
    sc = parse("set -eux; apt-get update")
    assert argvs(sc) == [["set", "-eux"], ["apt-get", "update"]]


def test_assignments():
    sc = parse("FOO=bar; A=1 B='2 3'; DEBIAN_FRONTEND=noninteractive apt-get install -y x")
    assert names(sc) == ["", "", "apt-get"]
    assert [c.assignments for c in sc.commands] == [
        ["FOO=bar"],
        ["A=1", "B='2 3'"],
        ["DEBIAN_FRONTEND=noninteractive"],
    ]
    assert sc.commands[0].args == []
    assert sc.commands[0].span == Span.of(0, 0, 0, 7)
    assert sc.commands[2].argv == ["apt-get", "install", "-y", "x"]


# -- positions ------------------------------------------------------------------------


def test_non_ascii_columns_are_code_points():
    text = 'echo "héllo ✓" && ls -l'
    sc = parse(text, line=1, col=4)
    echo, ls = sc.commands
    assert echo.args[0].value == "héllo ✓"
    assert echo.args[0].span == Span.of(1, 9, 1, 18)
    assert ls.name_span == Span.of(1, 22, 1, 24)
    assert ls.args[0].span == Span.of(1, 25, 1, 27)
    assert text[ls.name_span.start.col - 4 : ls.name_span.end.col - 4] == "ls"


def test_astral_characters():
    text = "echo 😀 x && ls"
    sc = parse(text)
    assert [w.value for w in sc.commands[0].args] == ["😀", "x"]
    assert sc.commands[0].args[1].span == Span.of(0, 7, 0, 8)
    assert sc.commands[1].name_span == Span.of(0, 12, 0, 14)


def test_continuation_map_second_line():
    # RUN apt-get update && \        <- line 3
    #     apt-get install -y curl    <- line 4
    first = "apt-get update && "
    second = "    apt-get install -y curl"
    smap = SourceMap()
    smap.add(0, 3, 4, len(first))
    smap.add(len(first), 4, 0, len(second))
    sc = parse_shell(first + second, smap)
    assert names(sc) == ["apt-get", "apt-get"]
    assert sc.commands[0].span == Span.of(3, 4, 3, 18)
    inst = sc.commands[1]
    assert inst.name_span == Span.of(4, 4, 4, 11)
    assert inst.span == Span.of(4, 4, 4, 27)
    assert inst.args[-1].span == Span.of(4, 23, 4, 27)


def test_word_spanning_two_pieces():
    # RUN echo ab\      <- line 0
    # cd                <- line 1: the word "abcd" is split by the continuation
    smap = SourceMap()
    smap.add(0, 0, 4, 7)  # "echo ab"
    smap.add(7, 1, 0, 2)  # "cd"
    (echo,) = parse_shell("echo abcd", smap).commands
    assert echo.args[0].value == "abcd"
    assert echo.args[0].span == Span.of(0, 9, 1, 2)
    assert echo.span == Span.of(0, 4, 1, 2)


def test_line_map():
    m = line_map("ab\ncd\n", 2, 5)
    assert m.pos(0) == Pos(2, 5)
    assert m.pos(2) == Pos(2, 7)  # the newline: end of its line
    assert m.pos(3) == Pos(3, 0)
    assert m.span(3, 5) == Span.of(3, 0, 3, 2)
    assert line_map("", 4, 1).pos(0) == Pos(4, 1)


# -- robustness -------------------------------------------------------------------


def test_unterminated_quote():
    sc = parse('echo "unterminated && ls')
    assert sc.ok is False
    assert names(sc) == ["echo"]


def test_broken_input_keeps_recognised_commands():
    sc = parse("apt-get update && ) ; rm -rf /tmp/x")
    assert sc.ok is False
    assert "apt-get" in names(sc) and "rm" in names(sc)


def test_empty_and_blank():
    for text in ("", "   ", "\n"):
        sc = parse(text)
        assert sc.commands == [] and sc.ok and sc.text == text


def test_comment_only():
    sc = parse("# nothing here")
    assert sc.commands == []


def _within(span: Span, text: str, line0: int) -> bool:
    lines = text.split("\n")
    for p in (span.start, span.end):
        i = p.line - line0
        if not (0 <= i < len(lines)):
            return False
        if not (0 <= p.col <= len(lines[i]) + 1):
            return False
    return span.start <= span.end


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_random_text_never_raises(text):
    sc = parse_shell(text, line_map(text, 7))
    assert sc.text == text
    for c in sc.commands:
        assert isinstance(c.name, str)
        for span in [c.span, c.name_span, *(w.span for w in c.args)]:
            assert _within(span, text, 7), (span, text)
        for w in c.args:
            assert w.raw in text


_SHELLISH = st.lists(
    st.sampled_from(list("ab $(){}[]|&;<>'\"\\`!=-*\n\t") + ["é", "✓", "😀", "EOF", "<<", "&&"]),
    max_size=40,
).map("".join)


@settings(max_examples=400, deadline=None)
@given(_SHELLISH)
def test_random_shellish_text(text):
    sc = parse_shell(text, line_map(text, 0, 3))
    starts = [(c.span.start.line, c.span.start.col) for c in sc.commands]
    assert starts == sorted(starts)
    for c in sc.commands:
        for w in c.args:
            if w.static:
                assert isinstance(w.value, str)
            else:
                assert w.value == w.raw


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(st.integers(1, 6), st.integers(0, 2), st.integers(0, 5)), min_size=1, max_size=5),
    st.data(),
)
def test_fast_span_equals_sourcemap_span(pieces, data):
    m = SourceMap()
    off = 0
    line = 0
    for length, dline, col in pieces:
        line += dline
        m.add(off, line, col, length)
        off += length
    if data.draw(st.booleans()):
        m.set_end(Pos(data.draw(st.integers(0, 12)), data.draw(st.integers(0, 12))))
    fast = _spanner(m)
    s = data.draw(st.integers(0, off + 2))
    e = data.draw(st.integers(0, off + 2))
    assert fast(s, e) == m.span(s, e)
    for a in range(off + 1):
        assert fast(a, a + 1) == m.span(a, a + 1)
        assert fast(0, a) == m.span(0, a)


def test_unquote_word():
    assert unquote_word("a'b c'\"d\\\"e\"f\\ g") == 'ab cd"ef g'
    assert unquote_word("'open") == "open"
    assert unquote_word('"open\\') == "open\\"
    assert unquote_word("$'\\x41\\n'") == "A\n"
    assert unquote_word('$"tr"') == "tr"


def test_is_windows_shell():
    assert is_windows_shell(["powershell", "-Command"])
    assert is_windows_shell(["C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\PowerShell.EXE"])
    assert is_windows_shell(["pwsh"])
    assert is_windows_shell(["cmd", "/S", "/C"])
    assert is_windows_shell(["c:/windows/system32/CMD.exe"])
    assert not is_windows_shell(["/bin/bash", "-c"])
    assert not is_windows_shell(["sh"])
    assert not is_windows_shell(["cmdx"])
    assert not is_windows_shell([])


def test_import_does_not_load_tree_sitter():
    code = "import sys, dockwise.syntax.shell; sys.exit(1 if 'tree_sitter' in sys.modules else 0)"
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    assert subprocess.run([sys.executable, "-c", code], env=env).returncode == 0


def test_astral_after_brace_does_not_crash():
    # tree-sitter-bash 0.25 segfaults on "{" + a 4-byte UTF-8 character
    # (tree-sitter/tree-sitter-bash#337); run in a child so a crash fails cleanly
    code = (
        "from dockwise.syntax.shell import parse_shell, line_map\n"
        "for t in ['{\\U000ce05a', '\\x8am{\\U000ce05a\\xcb\\U000d3c29$w', '{\\U00031860',\n"
        "          'echo {\\U0001F600,b} && ls']:\n"
        "    parse_shell(t, line_map(t, 0))\n"
        "t = 'echo {\\U0001F600,b} && ls'\n"
        "sc = parse_shell(t, line_map(t, 0))\n"
        "assert [c.argv for c in sc.commands] == [['echo', '{\\U0001F600,b}'], ['ls']], sc\n"
    )
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


_NESTED = r'''
import json, resource, sys
limit = 1 << 30  # 1 GiB of address space for the whole child
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
from dockwise.lint.engine import LintSettings, lint_text
n = 30_000
body = "$(${`" * n + "x" + "`})" * n
# continuation lines of 50,000 characters: BuildKit refuses lines over 64 KiB
lines = "\\\n".join(body[i:i + 50_000] for i in range(0, len(body), 50_000))
text = "FROM a:1\nRUN echo " + lines + "\nRUN sudo apt-get update\n"
res = lint_text(text, LintSettings.make(select=["ALL"]), "Dockerfile")
sh = res.model.instructions[1].shell
print(json.dumps({
    "commands": len(sh.commands), "names": [c.name for c in sh.commands[:2]],
    "too_deep": [sh.too_deep.start.line, sh.too_deep.start.col] if sh.too_deep else None,
    "findings": sorted({(v.code, v.span.start.line) for v in res.violations}),
    "messages": [v.message for v in res.violations if v.code == "DW000"],
}))
'''


def test_thousands_of_nested_substitutions_are_capped_and_the_rest_is_linted():
    """Issue 12, item 3: 30,000 nested `$(${`…`})` (240 KB, 5 lines) used to need
    gigabytes (every level's words hold the levels inside). The walk stops
    at MAX_SUBST_DEPTH substitutions, says so, and the file is linted — in a
    child limited to 1 GiB of memory."""
    from dockwise.syntax.shell import MAX_SUBST_DEPTH

    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    r = subprocess.run([sys.executable, "-c", _NESTED], env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    got = json.loads(r.stdout)
    assert got["commands"] == 1 + MAX_SUBST_DEPTH  # echo, then one command per level walked
    assert got["names"] == ["echo", "${`" + "$(${`" * 29_999 + "x" + "`})" * 29_999 + "`}"]
    assert got["too_deep"] == [1, 9 + 5 * (MAX_SUBST_DEPTH // 2)]  # the first level not walked
    assert ["DW000", 1] in got["findings"] and ["DL3004", 6] in got["findings"]
    assert got["messages"] == [
        f"command substitutions nested more than {MAX_SUBST_DEPTH} levels deep: the commands inside are not analysed"
    ]


def test_nesting_below_the_cap_is_walked_completely():
    from dockwise.syntax.shell import MAX_SUBST_DEPTH

    n = MAX_SUBST_DEPTH // 2
    sc = parse("echo " + "$(${`" * n + "x" + "`})" * n)
    assert sc.too_deep is None and len(sc.commands) == 1 + 2 * n
    assert all(c.substitution for c in sc.commands[1:])


def test_backquoted_comment_in_a_continued_run_does_not_hide_the_rest():
    """`# note` in backquotes is an empty command substitution for the shell
    (an inline comment idiom); tree-sitter-bash stops there unless it is blanked."""
    from dockwise.syntax.commands import run_view
    from dockwise.syntax.parser import parse

    df = parse("FROM a:1\nRUN set -eux && \\\n    `# build (cont.)` \\\n    cd x && ps aux && kill -9 1\n")
    view = run_view(df.instructions[1])
    assert view.ok and [c.name for c in view.commands] == ["set", "cd", "ps", "kill"]
    (ps,) = view.named("ps")
    assert (ps.span.start.line, ps.span.start.col) == (3, 12)
