"""Formatting is idempotent on any input and never changes what the parser
sees (issue 12, item 12): lone CRs, CR/CRLF/LF mixes, escape directives,
byte-order marks, Unicode blanks, arbitrary bytes decoded as the CLI and the
editor would.

Property: ``format(format(x)) == format(x)`` and ``differences(x, format(x))``
is empty (``format_equiv``: dockwise's parser, and dockerfile-parse where the
two read a file alike). Derandomized: the same examples on every run.
"""
from __future__ import annotations

import re

import pytest
from format_equiv import differences
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from dockwise.editor.formatting import FormatOptions, format_text
from dockwise.lint.discover import SourceError, decode_source

_OPTIONS = [FormatOptions(), FormatOptions(tab_size=2), FormatOptions(insert_spaces=False),
            FormatOptions(trim_trailing_whitespace=False)]
_SETTINGS = settings(max_examples=600, deadline=None, derandomize=True,
                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])

# line ends, including the odd ones: a CR alone, a CR before blanks, CRs doubled
_ENDS = ["\n", "\n", "\r\n", "\r\n", "\r", "\r \n", " \r\n", "\r\r\n", "\r\t\n", "\n\r"]
_BLANKS = ["", " ", "  ", "\t", " \t", "\v", "\f", "\xa0", "\u3000", "\x85", "\r", " \r "]
_KEYWORDS = ["FROM", "from", "Run", "RUN", "run", "COPY", "ADD", "ENV", "LABEL", "ARG", "CMD", "ENTRYPOINT",
             "HEALTHCHECK", "EXPOSE", "VOLUME", "USER", "WORKDIR", "ONBUILD", "SHELL", "STOPSIGNAL", "MAINTAINER",
             "bogus"]
_WORDS = ["a", "b", "apt-get", "install", "-y", "&&", "||", ";", "|", "k=v", "'q  r'", '"s  t"', "$X", "${Y:-z}",
          '"$(echo  a)"', "$(b", ")", "`c`", "\\ ", "\\\\", "`", "``", "[\"x\",", '"y"]', "[", "]", "<<EOF",
          "<<-E", "<<'Q'", "EOF", "E", "#", "# c", "--mount=type=cache,target=/c", "--from=x", "CMD", "NONE",
          "RUN", "AS", "as", "\ufeff", "\x00", "é", "\U0001f600", "{", "}"]


@st.composite
def dockerfiles(draw) -> str:
    """Dockerfile-like text built from the ingredients that broke the formatter."""
    out: list[str] = []
    if draw(st.integers(0, 5)) == 0:
        out.append("\ufeff")
    for _ in range(draw(st.integers(0, 2))):  # directives, possibly odd
        d = draw(st.sampled_from(["# escape=`", "# escape=\\", "#escape = `", "# syntax=docker/dockerfile:1",
                                  "# check=skip=all", "# escape=x", "  # ESCAPE=`"]))
        out.append(d + draw(st.sampled_from(_BLANKS)) + draw(st.sampled_from(_ENDS)))
    for _ in range(draw(st.integers(0, 10))):
        kind = draw(st.integers(0, 9))
        if kind == 0:
            line = draw(st.sampled_from(_BLANKS)) + "# " + draw(st.sampled_from(_WORDS))
        elif kind == 1:
            line = draw(st.sampled_from(_BLANKS))
        else:
            line = draw(st.sampled_from(_BLANKS)) if kind < 4 else ""
            if kind >= 3:
                line += draw(st.sampled_from(_KEYWORDS)) + draw(st.sampled_from(_BLANKS[1:]))
            for _ in range(draw(st.integers(0, 5))):
                line += draw(st.sampled_from(_WORDS)) + draw(st.sampled_from(_BLANKS))
            if draw(st.booleans()):  # a continuation, with what may follow the escape
                line += draw(st.sampled_from(["\\", "`"])) + draw(st.sampled_from(_BLANKS))
        out.append(line + draw(st.sampled_from(_ENDS)))
    text = "".join(out)
    if draw(st.booleans()):
        text = text.rstrip("\n")
    return text


_PIECES = st.sampled_from(list("RUNFROMrun \t\\`#=\"'$(){}<>-&|;EOFx\r\n") + ["\ufeff", "\v", "\f", "\xa0", "\x85",
                                                                         "\u3000", "\r\n", "escape", "\\\r"])
_TEXTS = st.lists(_PIECES, max_size=60).map("".join)


_SURROGATE = re.compile("[\ud800-\udfff]")


def _readable(text: str) -> str:
    """Lone surrogates (bytes that were not UTF-8, kept by ``surrogateescape``)
    as U+FFFD, so that dockerfile-parse, which decodes UTF-8 strictly, can
    read the text too. Both are plain non-blank characters to the formatter."""
    return _SURROGATE.sub("\ufffd", text)


def _check(text: str, opts: FormatOptions) -> None:
    once = format_text(text, opts)
    twice = format_text(once, opts)
    assert twice == once, f"not idempotent:\n{text!r}\n-> {once!r}\n-> {twice!r}"
    if _SURROGATE.search(text):
        assert format_text(_readable(text), opts) == _readable(once)
    assert differences(_readable(text), _readable(once)) == [], f"{text!r} -> {once!r}"


@_SETTINGS
@given(dockerfiles(), st.sampled_from(_OPTIONS))
@example("FROM alpine:3\nrun   a \\\n  b \\\r \n c\n", FormatOptions())  # the issue's file
@example("FROM alpine:3\nrun   a \\\r \n c\n", FormatOptions())
def test_formatting_is_idempotent_and_keeps_the_parse(text, opts):
    _check(text, opts)


@_SETTINGS
@given(_TEXTS, st.sampled_from(_OPTIONS))
def test_arbitrary_text_of_line_end_and_escape_characters(text, opts):
    _check(text, opts)


@_SETTINGS
@given(st.binary(max_size=120))
def test_arbitrary_bytes_as_the_cli_and_the_editor_read_them(data):
    try:
        cli = decode_source(data)  # `dockwise format FILE`: strict UTF-8, BOM removed, NUL refused
    except SourceError:
        cli = None
    if cli is not None:
        _check(cli, FormatOptions())
    # the corpus tests and the language server may hold text with lone surrogates
    _check(data.decode("utf-8", "surrogateescape"), FormatOptions())


def test_the_issue_file_exactly():
    """``b'FROM alpine:3\\nrun   a \\\\\\n  b \\\\\\r \\n c\\n'``: the CR after the
    backslash is not a line end, so ``\\\\\\r `` does not continue the RUN and
    `` c`` is an instruction of its own; formatting must keep it that way."""
    text = b"FROM alpine:3\nrun   a \\\n  b \\\r \n c\n".decode()
    once = format_text(text)
    assert format_text(once) == once
    assert differences(text, once) == []


@pytest.mark.parametrize("text", [
    "FROM x\r\nRUN a \\\r\n    b\r\n",
    "FROM x\rRUN a\r",
    "\ufeff# escape=`\r\nFROM x\r\nRUN a `\r\n  b\r\n",
    "FROM x\nRUN a \\\r\r\n b\n",
])
def test_line_endings_and_escapes_are_kept(text):
    once = format_text(text)
    assert once.count("\r") == text.count("\r")
    assert format_text(once) == once
    assert differences(text, once) == []
