"""Valid/invalid tables for the first rules (hadolint semantics, exact spans)."""
import pytest

from dockwise.syntax.model import Pos, Span


def codes(violations, code):
    return [(v.span.start.line, v.span.start.col, v.span.end.col) for v in violations if v.code == code]


CASES = [
    # (code, source, expected [(line, start col, end col)])
    ("DL3006", "FROM ubuntu\n", [(0, 5, 11)]),
    ("DL3006", "FROM ubuntu:24.04\n", []),
    ("DL3006", "FROM ubuntu@sha256:" + "a" * 64 + "\n", []),
    ("DL3006", "FROM scratch\n", []),
    ("DL3006", "FROM golang:1.22 AS build\nFROM build\n", []),
    ("DL3006", "FROM localhost:5000/app\n", [(0, 5, 23)]),
    ("DL3006", "FROM localhost:5000/app:1\n", []),
    ("DL3006", "ARG BASE=python:3.12\nFROM ${BASE}\n", []),
    ("DL3006", "ARG BASE=python\nFROM $BASE\n", [(1, 5, 10)]),
    ("DL3006", "FROM $UNKNOWN\n", []),
    ("DL3006", "FROM --platform=linux/amd64 debian AS x\n", [(0, 28, 34)]),
    ("DL3007", "FROM node:latest\n", [(0, 5, 16)]),
    ("DL3007", "FROM node:latest@sha256:" + "b" * 64 + "\n", []),
    ("DL3007", "FROM node:22\n", []),
    ("DL3007", "ARG V=latest\nFROM node:${V}\n", [(1, 5, 14)]),
    ("DL4000", "FROM a:1\nMAINTAINER Jane <j@x.org>\n", [(1, 0, 25)]),
    ("DL4000", "FROM a:1\nLABEL maintainer=jane\n", []),
    # a variable's value is looked up in the stage: relative, absolute, unknown
    ("DL3000", "FROM alpine:3.20\nARG DIR=app\nWORKDIR $DIR\n", [(2, 8, 12)]),
    ("DL3000", "FROM alpine:3.20\nARG DIR=/app\nWORKDIR $DIR\n", []),
    ("DL3000", "FROM alpine:3.20\nWORKDIR $DIR\n", []),
    ("DL3000", "ARG DIR=app\nFROM alpine:3.20\nWORKDIR $DIR\n", []),  # not re-declared in the stage: unset
    # `go install -tags netgo` takes a value: only the package is an operand
    ("DL3062", "FROM golang:1.23\nRUN go install -tags netgo golang.org/x/tools/gopls@v0.16.0\n", []),
    ("DL3062", "FROM golang:1.23\nRUN go install -tags netgo golang.org/x/tools/gopls\n", [(1, 27, 51)]),
    ("DL3059", "FROM a:1\nRUN a\nRUN b\n", [(2, 0, 3)]),
    ("DL3059", "FROM a:1\nRUN a\n# comment\nRUN b\n", [(3, 0, 3)]),
    ("DL3059", "FROM a:1\nRUN a\nWORKDIR /\nRUN b\n", []),
    ("DL3059", "FROM a:1\nRUN a\nRUN b; c\n", []),
    ("DL3059", "FROM a:1\nRUN a && b\nRUN c\n", []),
    ("DL3059", "FROM a:1\nRUN --mount=type=cache,target=/x a\nRUN b\n", []),
    ("DL3059", "FROM a:1\nRUN --network=none a\nRUN --network=none b\n", [(2, 0, 3)]),
    ("DL3059", "FROM a:1\nRUN a\nFROM b:1\nRUN b\n", []),
    ("DL3059", 'FROM a:1\nRUN ["a"]\nRUN ["b"]\n', [(2, 0, 3)]),
    ("DL3059", "FROM a:1\nRUN <<EOF\na\nEOF\nRUN b\n", [(4, 0, 3)]),
    ("DL3009", "FROM debian:12\nRUN apt-get update && apt-get install -y curl\n", [(1, 4, 18)]),
    ("DL3009", "FROM debian:12\nRUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\n", []),
    ("DL3009", "FROM debian:12\nRUN apt update\n", [(1, 4, 14)]),
    ("DL3009", "FROM debian:12 AS build\nRUN apt-get update\nFROM scratch\nCOPY --from=build / /\n", []),
    ("DL3009", "FROM debian:12 AS base\nRUN apt-get update\nFROM base\n", [(1, 4, 18)]),
    ("DL3009", "FROM debian:12\nRUN --mount=type=cache,target=/var/lib/apt/lists apt-get update\n", []),
    ("DL3009", "FROM debian:12\nRUN <<EOF\nset -e\napt-get update\nEOF\n", [(3, 0, 14)]),
    ("DL3009", "FROM debian:12\nRUN apt-get update \\\n && apt-get install -y x\n", [(1, 4, 18)]),
    ("DL3009", "FROM debian:12\nONBUILD RUN apt-get update\n", [(1, 12, 26)]),
    ("DL3009", 'FROM debian:12\nRUN ["apt-get", "update"]\n', [(1, 5, 24)]),
    ("DL3009", "# escape=`\nFROM debian:12\nRUN apt-get update `\n && echo\n", [(2, 4, 18)]),
]


@pytest.mark.parametrize("code,src,expected", CASES)
def test_rule_table(lint, code, src, expected):
    assert codes(lint(src), code) == expected


def test_dl4000_fix_quotes_the_value(lint):
    (v,) = [v for v in lint('FROM a:1\nMAINTAINER Jane "JD" <j@x.org>\n') if v.code == "DL4000"]
    assert v.fix is not None and v.fix.applicability.value == "safe"
    (e,) = v.fix.edits
    assert e.new_text == 'LABEL maintainer="Jane \\"JD\\" <j@x.org>"'
    assert e.span == Span(Pos(1, 0), Pos(1, 30))


@pytest.mark.parametrize(
    "src, want, escape",
    [
        ('FROM a:1\nMAINTAINER Jane <jane\\doe@x.org> $HOME\n',
         'LABEL maintainer="Jane <jane\\\\doe@x.org> \\$HOME"', "\\"),
        # with `# escape=\`` the backtick escapes inside the quotes and a backslash is an ordinary character
        ('# escape=`\nFROM a:1\nMAINTAINER Jane "JD" <C:\\Users\\jane> `$HOME\n',
         'LABEL maintainer="Jane `"JD`" <C:\\Users\\jane> ```$HOME"', "`"),
    ],
)
def test_dl4000_fix_escapes_with_the_files_escape_character(lint, src, want, escape):
    from dockwise.syntax.expand import unquote

    (v,) = [v for v in lint(src) if v.code == "DL4000"]
    (e,) = v.fix.edits
    assert e.new_text == want
    # BuildKit reads the label back as exactly what MAINTAINER said
    maintainer = src.split("MAINTAINER ", 1)[1].rstrip("\n")
    assert unquote(want.split("=", 1)[1], escape) == maintainer


def test_syntax_errors_are_reported_with_positions(lint):
    vs = lint("FROM a:1\nENV PATH\nRUNN x\n")
    syn = [(v.code, v.span.start.line, v.message) for v in vs if v.code == "DW000"]
    assert syn == [
        ("DW000", 1, "ENV must have two arguments"),
        ("DW000", 2, "unknown instruction: RUNN (did you mean RUN?)"),
    ]


def test_empty_continuation_warning(lint):
    vs = lint("FROM a:1\nRUN a \\\n\n  b\n")
    assert [(v.code, v.severity.label, v.span.start.line) for v in vs if v.code == "DW100"] == [("DW100", "warning", 3)]
