"""The formatter: what it changes, what it never touches, idempotence and
parse-equivalence (hypothesis-generated files and the real corpus)."""
from __future__ import annotations

import random

from format_equiv import differences
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dockwise.editor.formatting import FormatOptions, apply, format_edits, format_text
from dockwise.syntax.model import Pos, Span
from dockwise.syntax.parser import parse


def fmt(text: str, **kw) -> str:
    return format_text(text, FormatOptions(**kw) if kw else None)


def check(text: str, **kw) -> str:
    """Format, and assert the properties every result must have."""
    out = fmt(text, **kw)
    assert fmt(out, **kw) == out, "formatting twice must equal formatting once"
    assert differences(text, out) == []  # dockwise's parser and dockerfile-parse see the same file
    return out


# -- what changes ------------------------------------------------------------------------


def test_keywords_upper_case_one_space_no_leading_blanks():
    src = "  from   ubuntu:22.04 AS build\nrun\techo hi\n\tcopy  a b\nworkdir    /app\n"
    assert check(src) == "FROM ubuntu:22.04 AS build\nRUN echo hi\nCOPY a b\nWORKDIR /app\n"


def test_only_the_keyword_gap_is_normalised():
    src = "FROM x\nCOPY  --from=x   a    b\nRUN echo  'a  b'   c\n"
    assert check(src) == "FROM x\nCOPY --from=x   a    b\nRUN echo  'a  b'   c\n"


def test_continuation_lines_indented_with_the_options():
    # a tab and four spaces are the same column (tabSize 4): the same level
    src = "FROM x\nRUN apt-get update && \\\n    apt-get install -y curl \\\n\t&& rm -rf /var/lib/apt/lists/*\n"
    assert check(src) == (
        "FROM x\nRUN apt-get update && \\\n    apt-get install -y curl \\\n    && rm -rf /var/lib/apt/lists/*\n"
    )
    src = src.replace("\t", "  ").replace("    apt", "  apt")
    assert check(src, tab_size=2) == (
        "FROM x\nRUN apt-get update && \\\n  apt-get install -y curl \\\n  && rm -rf /var/lib/apt/lists/*\n"
    )
    assert check(src, insert_spaces=False) == (
        "FROM x\nRUN apt-get update && \\\n\tapt-get install -y curl \\\n\t&& rm -rf /var/lib/apt/lists/*\n"
    )


def test_nesting_of_continuation_lines_is_kept():
    src = (
        "FROM x\n"
        "RUN set -eux; \\\n"
        "\tapt-get install -y \\\n"
        "\t\tcurl \\\n"
        "\t\tgit \\\n"
        "\t; \\\n"
        "\trm -rf /var/lib/apt/lists/*\n"
    )
    assert check(src) == (
        "FROM x\n"
        "RUN set -eux; \\\n"
        "    apt-get install -y \\\n"
        "        curl \\\n"
        "        git \\\n"
        "    ; \\\n"
        "    rm -rf /var/lib/apt/lists/*\n"
    )


def test_comments_inside_a_continuation_take_the_next_lines_indentation():
    src = "FROM x\nRUN a \\\n  # why b\n      && b \\\n# last\n      && c\n"
    assert check(src) == "FROM x\nRUN a \\\n    # why b\n    && b \\\n    # last\n    && c\n"


def test_comment_takes_the_next_lines_level_not_the_previous_ones():
    # the lines around each comment sit at different levels, and each comment at a third width
    src = (
        "FROM x\n"
        "RUN set -eux; \\\n"
        "  apt-get install -y \\\n"
        " # the client\n"
        "      curl \\\n"
        "   # clean up\n"
        "  && rm -rf /var/lib/apt/lists/*\n"
    )
    assert check(src) == (
        "FROM x\n"
        "RUN set -eux; \\\n"
        "    apt-get install -y \\\n"
        "        # the client\n"
        "        curl \\\n"
        "    # clean up\n"
        "    && rm -rf /var/lib/apt/lists/*\n"
    )
    assert check(src, insert_spaces=False).split("\n")[3:6] == ["\t\t# the client", "\t\tcurl \\", "\t# clean up"]


def test_comment_before_a_line_that_keeps_its_indentation_keeps_its_own():
    # the line before the comment cannot move (inside quotes), the one after it can: it is the one that counts
    src = 'FROM x\nRUN echo "a \\\n      b" \\\n   # note\n  && c\n'
    assert check(src) == 'FROM x\nRUN echo "a \\\n      b" \\\n    # note\n    && c\n'
    # and the other way round: the next line keeps its indentation, so does the comment
    src = 'FROM x\nRUN echo a \\\n      && echo "b \\\n # note\n   c"\n'
    assert check(src) == 'FROM x\nRUN echo a \\\n    && echo "b \\\n # note\n   c"\n'


def test_comment_ending_a_continuation_takes_the_previous_lines_level():
    src = "FROM x\nRUN a \\\n   b \\\n        c \\\n  # last\n"
    assert check(src) == "FROM x\nRUN a \\\n    b \\\n        c \\\n        # last\n"


def test_trailing_whitespace_trimmed_blank_continuation_lines_emptied():
    src = "FROM x   \nRUN a \\  \n    \n    b\t\n# note  \n\n   \n"
    assert check(src) == "FROM x\nRUN a \\\n\n    b\n# note\n\n\n"


def test_trailing_whitespace_kept_when_the_client_says_so():
    assert check("FROM x  \nrun a  \n", trim_trailing_whitespace=False) == "FROM x  \nRUN a  \n"


def test_insert_final_newline():
    assert differences("FROM x\nRUN a", "FROM x\nRUN a\n") == []
    assert check("FROM x", insert_final_newline=True) == "FROM x\n"
    assert check("FROM x\r\nRUN a", insert_final_newline=True) == "FROM x\r\nRUN a\r\n"
    assert check("FROM x\n", insert_final_newline=True) == "FROM x\n"


def test_onbuild_trigger_keyword_upper_cased():
    assert check("FROM x\nonbuild   run echo a\n") == "FROM x\nONBUILD RUN echo a\n"


def test_crlf_preserved():
    assert check("from x  \r\nrun a \\\r\n  b\r\n") == "FROM x\r\nRUN a \\\r\n    b\r\n"


# -- what never changes --------------------------------------------------------------------


def test_run_contents_are_never_rewrapped_or_joined():
    src = (
        "FROM debian\n"
        "RUN apt-get update && apt-get install -y --no-install-recommends curl ca-certificates git && rm -rf /var/lib/apt/lists/*\n"
        "RUN a && b \\\n    && c && d \\\n    && e\n"
    )
    assert check(src) == src


def test_heredoc_bodies_untouched():
    src = (
        "FROM x\n"
        "run  <<EOF   \n"
        "  apt-get update   \n"
        "\tcat file  \n"
        "EOF\n"
        "COPY <<-'A' /a\n"
        "\t  body  \n"
        "\tA\n"
        "RUN cat <<EOF  \n"
        "EOF  \n"  # not a terminator (trailing blanks): still body, and must stay so
        "EOF\n"
    )
    out = check(src)
    lines = out.split("\n")
    assert lines[1] == "RUN <<EOF"
    assert lines[2:5] == ["  apt-get update   ", "\tcat file  ", "EOF"]
    assert lines[6:8] == ["\t  body  ", "\tA"]
    assert lines[8] == "RUN cat <<EOF"
    assert lines[9] == "EOF  "


def test_directives_kept_and_backtick_escape_respected():
    src = (
        "# escape=`   \n"
        "\n"
        "from mcr.microsoft.com/windows/servercore:ltsc2022\n"
        "run powershell -Command `\n"
        "      $ErrorActionPreference = 'Stop'; `\n"
        "      Write-Host  'a   b'\n"
        "copy C:\\src\\a `\n"
        "   C:\\dst\\\n"
    )
    out = check(src)
    lines = out.split("\n")
    assert lines[0] == "# escape=`"
    assert lines[2].startswith("FROM ")
    # a Windows stage's shell text keeps its layout; COPY words are re-indented
    assert lines[3:6] == ["RUN powershell -Command `", "      $ErrorActionPreference = 'Stop'; `", "      Write-Host  'a   b'"]
    assert lines[6:8] == ["COPY C:\\src\\a `", "    C:\\dst\\"]
    assert parse(out).escape == "`"


def test_line_breaks_inside_quotes_keep_their_indentation():
    src = 'FROM x\nRUN echo "a \\\n      b" \\\n  && echo \'c \\\n   d\'\n'
    out = check(src)
    assert out.split("\n")[2] == '      b" \\'
    assert out.split("\n")[4] == "   d'"


def test_break_inside_a_command_substitution_in_quotes_is_between_words():
    src = 'FROM x\nRUN echo "$(printf a \\\n      b)"\n'
    assert check(src) == 'FROM x\nRUN echo "$(printf a \\\n    b)"\n'
    # inside "${...}" it is not: the line keeps its indentation
    src = 'FROM x\nRUN echo "${A:-a \\\n      b}"\n'
    assert check(src) == src


def test_a_word_continued_without_space_is_not_split():
    src = "FROM x\nRUN apt-get install pkg\\\nname\n"
    assert check(src) == src


def test_whitespace_significant_instructions_keep_continuation_layout():
    src = "FROM x\nENV MSG hello \\\n      world\nUSER a\\\n  b\nLABEL a=b \\\n      c=d\n"
    out = check(src)
    assert out.split("\n")[1:5] == ["ENV MSG hello \\", "      world", "USER a\\", "  b"]
    assert out.split("\n")[6] == "    c=d"


def test_healthcheck_cmd_is_reindented_other_healthchecks_are_not():
    src = "FROM x\nHEALTHCHECK CMD curl -f x \\\n      || exit 1\n"
    assert check(src) == "FROM x\nHEALTHCHECK CMD curl -f x \\\n    || exit 1\n"
    src = "FROM x\nHEALTHCHECK --interval=5s NONE \\\n      \n"
    assert check(src) == "FROM x\nHEALTHCHECK --interval=5s NONE \\\n\n"


def test_windows_base_keeps_shell_continuation_layout():
    # cmd and PowerShell split words their own way: their continuation lines keep their indentation
    src = "FROM mcr.microsoft.com/windows/servercore:ltsc2022\nRUN a \\\n      b\n"
    assert check(src) == src


def test_unknown_instructions_keep_their_case():
    src = "FROM x\nfrobnicate  a\n"
    assert check(src) == "FROM x\nfrobnicate  a\n"


def test_keyword_glued_to_a_continuation_is_not_separated():
    # "RUN\" + "echo" is the keyword RUNECHO for BuildKit: adding a space would change that
    src = "FROM x\nRUN\\\necho hi\n"
    assert check(src) == src


# -- range formatting and edits ---------------------------------------------------------------


def test_range_formatting_touches_only_overlapping_instructions():
    src = "from x  \nrun a \\\n  b  \nrun   c\n  # c  \nworkdir /  \n"
    df = parse(src)
    # a range inside the second instruction's continuation line
    rng = Span(Pos(2, 1), Pos(2, 2))
    edits = format_edits(df, None, rng)
    out = apply(src, edits)
    assert out == "from x  \nRUN a \\\n    b\nrun   c\n  # c  \nworkdir /  \n"
    assert {e.span.start.line for e in edits} == {1, 2}
    assert format_edits(parse(out), None, rng) == [] and differences(src, out) == []


def test_range_of_whole_lines_ending_at_column_zero():
    src = "from x\nrun a\nrun b\n"
    rng = Span(Pos(1, 0), Pos(2, 0))
    out = apply(src, format_edits(parse(src), None, rng))
    assert out == "from x\nRUN a\nrun b\n"
    assert format_edits(parse(out), None, rng) == [] and differences(src, out) == []


def test_edits_are_minimal_one_per_changed_line():
    src = "from x\nRUN ok\nrun   a  \n"
    edits = format_edits(parse(src))
    assert [(e.span.start.line, e.span.end.line) for e in edits] == [(0, 0), (2, 2)]
    assert edits[0].span == Span(Pos(0, 0), Pos(0, 4)) and edits[0].new_text == "FROM"
    assert edits[1].span.start == Pos(2, 0) and edits[1].span.end == Pos(2, 9)
    assert check(src) == apply(src, edits) == "FROM x\nRUN ok\nRUN a\n"


def test_nothing_to_do_gives_no_edits():
    assert format_edits(parse("FROM x\nRUN a \\\n    b\n")) == []


def test_bad_input_does_not_crash():
    for src in ["", "\n\n", "\\", "RUN \\", "\ufeff  run a", "FROM x\nRUN <<EOF\n", "# escape=`\nRUN `", "ONBUILD", "\t\t\n"]:
        out = check(src)
        assert isinstance(out, str)


def test_byte_order_mark_kept():
    assert check("\ufeff  from x\n") == "\ufeffFROM x\n"


# -- properties ------------------------------------------------------------------------------------

_KEYWORDS = ["FROM", "from", "Run", "RUN", "COPY", "copy", "ADD", "ENV", "env", "LABEL", "ARG", "CMD", "ENTRYPOINT",
             "HEALTHCHECK", "EXPOSE", "VOLUME", "USER", "WORKDIR", "ONBUILD", "SHELL", "STOPSIGNAL", "bogus"]
_WORDS = ["apt-get", "install", "-y", "&&", "a=b", "x", "'a  b'", '"c  d"', "$X", "${Y:-z}", '"$(echo  a)"',
          "\\ ", "--mount=type=cache,target=/c", "--from=x", "--chown=1:1", "[\"a\",", '"b"]', "/dst", "<<EOF",
          "<<-'E'", "#", "it's", '"', "\\\\", "k=v", "RUN", "`x`", ":", "NONE", "CMD", "--link"]
_GAPS = [" ", "  ", "\t", " \t "]
_LEADS = ["", " ", "  ", "\t", "    ", "\t\t", "        "]


@st.composite
def dockerfiles(draw) -> str:
    lines: list[str] = []
    esc = "\\"
    if draw(st.booleans()):
        esc = draw(st.sampled_from(["\\", "`"]))
        lines.append(f"# escape={esc}" + draw(st.sampled_from(["", "  "])))
    lines.append(draw(st.sampled_from(["FROM alpine", "from  debian AS b", "  FROM x"])))
    for _ in range(draw(st.integers(0, 6))):
        kw = draw(st.sampled_from(_KEYWORDS))
        line = draw(st.sampled_from(_LEADS[:3])) + kw + draw(st.sampled_from(_GAPS))
        heredocs: list[tuple[str, bool]] = []
        for i in range(draw(st.integers(0, 7))):
            w = draw(st.sampled_from(_WORDS))
            if w == "<<EOF":
                heredocs.append(("EOF", False))
            elif w == "<<-'E'":
                heredocs.append(("E", True))
            line += w
            r = draw(st.integers(0, 9))
            if r == 0:  # continuation, with or without blanks before it
                line += draw(st.sampled_from(["", " "])) + esc + draw(st.sampled_from(["", " "]))
                lines.append(line)
                if draw(st.integers(0, 5)) == 0:
                    lines.append(draw(st.sampled_from(_LEADS)) + "# note" + draw(st.sampled_from(["", " "])))
                if draw(st.integers(0, 8)) == 0:
                    lines.append(draw(st.sampled_from(["", "   "])))
                line = draw(st.sampled_from(_LEADS))
            else:
                line += draw(st.sampled_from(_GAPS))
        lines.append(line + draw(st.sampled_from(["", " ", "\t"])))
        for name, chomp in heredocs:
            for _ in range(draw(st.integers(0, 2))):
                lines.append(draw(st.sampled_from(["  body  ", "\tx", "", "EOF ", "# c  "])))
            lines.append(("\t" if chomp and draw(st.booleans()) else "") + name)
        if draw(st.integers(0, 4)) == 0:
            lines.append(draw(st.sampled_from(["", "  ", "# c", "  # c  "])))
    return "\n".join(lines) + draw(st.sampled_from(["\n", "", "\n\n"]))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dockerfiles(), st.sampled_from([FormatOptions(), FormatOptions(tab_size=2), FormatOptions(insert_spaces=False)]))
def test_generated_files_idempotent_and_parse_equivalent(text, opts):
    out = format_text(text, opts)
    assert format_text(out, opts) == out
    assert differences(text, out) == []


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("RUN from\\`\"'#$()<>EOF=-\t \n{}[]")), max_size=120))
def test_arbitrary_text_never_crashes_and_stays_equivalent(text):
    out = format_text(text)
    assert format_text(out) == out
    assert differences(text, out) == []


def test_real_corpus_sample():
    from corpus_util import corpus_dir, corpus_files

    root = corpus_dir()
    if root is None:
        from need import missing

        missing("../shared/corpus", "no real-Dockerfile corpus (set DOCKWISE_CORPUS or add ../shared/corpus/real)")
    files = corpus_files(root)
    sample = random.Random(6).sample(files, min(400, len(files)))
    changed = 0
    for p in sample:
        text = p.read_bytes().decode("utf-8", errors="surrogateescape")
        out = format_text(text)
        changed += out != text
        assert format_text(out) == out, f"{p}: not idempotent"
        assert differences(text, out) == [], f"{p}: formatting changed what the parser sees"
    print(f"formatted {len(sample)} corpus files, {changed} changed")
    assert changed > 0


def test_range_formatting_takes_a_partly_selected_last_line():
    text = "FROM a\nrun x\nrun y\nrun z\n"
    # the selection ends inside line 3: that line is formatted too
    assert format_text(text, rng=Span(Pos(1, 0), Pos(2, 3))) == "FROM a\nRUN x\nRUN y\nrun z\n"
    # a selection of whole lines ends at the start of the next one, which is left alone
    assert format_text(text, rng=Span(Pos(1, 0), Pos(2, 0))) == "FROM a\nRUN x\nrun y\nrun z\n"
    # an empty selection formats its line
    assert format_text(text, rng=Span(Pos(1, 0), Pos(1, 0))) == "FROM a\nRUN x\nrun y\nrun z\n"
