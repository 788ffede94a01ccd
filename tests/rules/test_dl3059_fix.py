"""DL3059's fix: chain a RUN into the previous one."""
from __future__ import annotations

import pytest

from dockwise.lint.engine import LintSettings, lint_text
from dockwise.lint.fixes import apply_edits, fix_text
from dockwise.syntax.parser import parse

ONLY = LintSettings.make(select=["DL3059"])


def findings(src):
    return [v for v in lint_text(src, ONLY).violations if v.code == "DL3059"]


def runs(text):
    return [i for i in parse(text).instructions if i.keyword == "RUN"]


def argvs(text):
    out = []
    for i in runs(text):
        assert i.shell is not None, f"line {i.start_line + 1}: RUN without a shell parse"
        out += [c.argv for c in i.shell.commands]
    return out


def fixed(src, unsafe=False):
    (v,) = findings(src)
    assert v.fix is not None
    out = apply_edits(src, v.fix.edits)
    assert len(runs(out)) == len(runs(src)) - 1  # one RUN where there were two
    assert argvs(out) == argvs(src)  # the same commands in the same order
    return v.fix.applicability.value, out


def test_simple_chain_is_safe():
    app, out = fixed("FROM a:1\nRUN apt-get update\nRUN apt-get install -y curl\n")
    assert app == "safe"
    assert out == "FROM a:1\nRUN apt-get update && \\\n    apt-get install -y curl\n"


def test_comments_move_above_and_blank_lines_go():
    src = "FROM a:1\n# first\nRUN a\n\n# why b\n  # more\n\nRUN b\nCMD c\n"
    app, out = fixed(src)
    assert app == "safe"
    assert out == "FROM a:1\n# first\n# why b\n  # more\nRUN a && \\\n    b\nCMD c\n"


def test_authors_indentation_is_kept():
    src = "FROM a:1\nRUN apt-get install -y \\\n\tcurl \\\n\twget\nRUN echo done\n"
    _, out = fixed(src)
    assert out == "FROM a:1\nRUN apt-get install -y \\\n\tcurl \\\n\twget && \\\n\techo done\n"


def test_later_runs_continuation_lines_are_kept():
    src = "FROM a:1\nRUN a\nRUN apt-get install \\\n      curl   \n"
    _, out = fixed(src)
    assert out == "FROM a:1\nRUN a && \\\n    apt-get install \\\n      curl   \n"


def test_backtick_escape():
    src = "# escape=`\nFROM a:1\nRUN a\nRUN b\n"
    _, out = fixed(src)
    assert out == "# escape=`\nFROM a:1\nRUN a && `\n    b\n"


def test_same_flags_are_kept():
    _, out = fixed("FROM a:1\nRUN --network=none a\nRUN --network=none b\n")
    assert out == "FROM a:1\nRUN --network=none a && \\\n    b\n"


def test_crlf():
    res = fix_text("FROM a:1\r\nRUN a\r\nRUN b\r\n", ONLY)
    assert res.text == "FROM a:1\r\nRUN a && \\\r\n    b\r\n"


@pytest.mark.parametrize(
    "first",
    ["cd /src", "export A=1", "set -e", "source /env", ". /env", "umask 022", "shopt -s globstar",
     "A=1", "exit 0", "[ -f x ] && exit 0", "$TOOL build", "f() { echo; }"],
)
def test_state_changing_earlier_run_is_unsafe(first):
    app, _ = fixed(f"FROM a:1\nRUN {first}\nRUN make\n")
    assert app == "unsafe"


def test_background_earlier_run_is_unsafe_and_joined_without_and():
    app, out = fixed("FROM a:1\nRUN server &\nRUN client\n")
    assert app == "unsafe"
    assert out == "FROM a:1\nRUN server & \\\n    client\n"


@pytest.mark.parametrize(
    "src",
    [
        'FROM a:1\nRUN ["a"]\nRUN ["b"]\n',  # exec form
        'FROM a:1\nRUN a\nRUN ["b"]\n',
        "FROM a:1\nRUN <<EOF\na\nEOF\nRUN b\n",  # heredoc
        "FROM a:1\nRUN a # note\nRUN b\n",  # the comment would swallow the chain
        "FROM a:1\nRUN a\nRUN b # note\n",
        "FROM a:1\nRUN a;\nRUN b\n",
        "FROM a:1\nRUN [ -f x ] || b\nRUN c\n".replace("RUN c", "RUN [ -f y ] || c"),  # `a && x || c`
        "FROM a:1\nRUN a\nRUN b &\n",
        "FROM a:1\nRUN a\nRUN $X; b\n",
    ],
)
def test_declined(src):
    vs = findings(src)
    assert vs and all(v.fix is None for v in vs)


def test_differing_flags_are_not_flagged_nor_fixed():
    assert findings("FROM a:1\nRUN --network=none a\nRUN --network=host b\n") == []


def test_three_runs_end_as_one():
    src = "FROM a:1\nRUN a\nRUN b\nRUN c\n"
    res = fix_text(src, ONLY)
    assert res.converged and not res.remaining
    assert res.text == "FROM a:1\nRUN a && \\\n    b && \\\n    c\n"


def test_four_runs_with_comments_in_the_first_gap_end_as_one():
    src = "FROM a:1\nRUN a\n# two\nRUN b\nRUN c   \nRUN d\nCMD x\n"
    res = fix_text(src, ONLY)
    assert res.converged and not res.remaining
    assert len(runs(res.text)) == 1
    assert argvs(res.text) == [["a"], ["b"], ["c"], ["d"]]
    assert res.text.startswith("FROM a:1\n# two\nRUN a && \\\n")
    assert fix_text(res.text, ONLY).text == res.text


def test_comments_in_a_later_gap_leave_two_runs():
    # known limit: the two fixes touch one line, so one round merges the first
    # pair only, and the merged RUN then chains two commands, which DL3059
    # (like hadolint) no longer flags
    src = "FROM a:1\nRUN a\nRUN b\n# three\nRUN c\n"
    res = fix_text(src, ONLY)
    assert res.converged and not res.remaining
    assert res.text == "FROM a:1\nRUN a && \\\n    b\n# three\nRUN c\n"


def test_three_runs_with_trailing_blanks_converge_over_rounds():
    src = "FROM a:1\nRUN a  \nRUN b  \nRUN c  \n"
    res = fix_text(src, ONLY)
    assert res.converged and len(runs(res.text)) == 1
    assert argvs(res.text) == [["a"], ["b"], ["c"]]


def test_unsafe_chain_only_with_the_flag():
    src = "FROM a:1\nRUN cd /src\nRUN make\n"
    assert fix_text(src, ONLY).text == src
    res = fix_text(src, ONLY, unsafe=True)
    assert res.text == "FROM a:1\nRUN cd /src && \\\n    make\n"
