"""Engine-side navigation: stage and variable symbols (BuildKit scoping), rename,
document symbols, folding, semantic tokens, document links."""
from __future__ import annotations

import random

import pytest

from dockwise.editor import navigation as nav
from dockwise.syntax.model import Dockerfile, Span
from dockwise.syntax.parser import parse


@pytest.fixture(autouse=True)
def strict(monkeypatch):
    """Internal errors raise here instead of degrading to partial results."""
    monkeypatch.setattr(nav, "STRICT", True)


def at(text: str, needle: str, nth: int = 0, offset: int = 0) -> tuple[int, int]:
    """(line, col) of the nth occurrence of ``needle`` (plus ``offset`` columns)."""
    lines = text.split("\n")
    seen = 0
    for i, line in enumerate(lines):
        start = 0
        while (c := line.find(needle, start)) >= 0:
            if seen == nth:
                return i, c + offset
            seen += 1
            start = c + 1
    raise AssertionError(f"{needle!r} #{nth} not found")


def symbol(df: Dockerfile, line: int, col: int) -> nav.Symbol:
    """``nav.symbol_at``; fails the test when there is no symbol at (line, col)."""
    sym = nav.symbol_at(df, line, col)
    assert sym is not None, f"no symbol at {line}:{col}"
    return sym


def span_text(text: str, span: Span) -> str:
    lines = text.split("\n")
    assert span.start.line == span.end.line, span
    return lines[span.start.line][span.start.col:span.end.col]


def where(text: str, spans) -> list[tuple[int, str]]:
    """(line, text) of each span, to compare against expectations."""
    return [(s.start.line, span_text(text, s)) for s in spans]


def apply(text: str, edits: list[tuple[Span, str]]) -> str:
    lines = text.split("\n")
    for span, new in sorted(edits, key=lambda e: e[0].start, reverse=True):
        assert span.start.line == span.end.line
        ln = lines[span.start.line]
        lines[span.start.line] = ln[:span.start.col] + new + ln[span.end.col:]
    return "\n".join(lines)


MULTI = """\
FROM golang:1.22 AS Build
WORKDIR /src
RUN go build -o /out/app .

FROM alpine:3.20 AS assets
RUN --mount=type=bind,from=build,source=/out,target=/mnt cp /mnt/app /app
RUN --mount=type=cache,target=/root/.cache,from=BUILD true

FROM build AS test
RUN go test ./...

FROM Build AS weird
COPY --from=build /out/app /usr/local/bin/app
COPY --from=0 /src /src
COPY --from=1 /app /app2
COPY --from=nginx:latest /etc/nginx /etc/nginx
ONBUILD COPY --from=build /x /y
"""


def test_stage_definition_from_every_kind_of_reference():
    df = parse(MULTI)
    name_def = [(0, "Build")]
    for needle, nth, off in [("from=build", 0, 5), ("from=BUILD", 0, 5), ("FROM build", 0, 5),
                             ("--from=build", 0, 7), ("--from=0", 0, 7)]:
        line, col = at(MULTI, needle, nth, off)
        assert where(MULTI, nav.definition_at(df, line, col)) == name_def, needle
    # --from=1 names the second stage by index
    line, col = at(MULTI, "--from=1", 0, 7)
    assert where(MULTI, nav.definition_at(df, line, col)) == [(4, "assets")]
    # the definition itself
    assert where(MULTI, nav.definition_at(df, 0, 21)) == name_def


def test_stage_references_are_case_insensitive_except_in_from():
    df = parse(MULTI)
    sym = nav.symbol_at(df, *at(MULTI, "AS Build", 0, 3))
    assert sym is not None and sym.kind == "stage" and sym.name == "build"
    refs = nav.references(df, sym)
    got = [(o.span.start.line, span_text(MULTI, o.span), o.role) for o in refs]
    assert got == [
        (0, "Build", "definition"),
        (5, "build", "reference"),  # --mount=type=bind,from=build
        (6, "BUILD", "reference"),  # --mount=type=cache,from=BUILD (case-insensitive)
        (8, "build", "reference"),  # FROM build
        (12, "build", "reference"),  # COPY --from=build
        (13, "0", "index"),  # COPY --from=0
    ]
    # FROM Build is an (invalid) image reference for BuildKit, not the stage
    assert nav.symbol_at(df, *at(MULTI, "FROM Build", 0, 6)) is None
    # ONBUILD COPY --from names a stage of the downstream build
    assert nav.symbol_at(df, *at(MULTI, "ONBUILD COPY --from=build", 0, 21)) is None
    # an image in --from is not a stage
    assert nav.symbol_at(df, *at(MULTI, "nginx", 0, 1)) is None
    # without the declaration
    assert all(o.role != "definition" for o in nav.references(df, sym, include_declaration=False))


def test_highlight_from_a_reference_includes_the_definition():
    df = parse(MULTI)
    hs = nav.highlights(df, *at(MULTI, "--from=build", 0, 8))
    assert [(o.span.start.line, o.role) for o in hs][0] == (0, "definition")
    assert len(hs) == 6
    assert nav.highlights(df, 1, 3) == []  # WORKDIR keyword


def test_cursor_just_after_a_name_or_on_its_dollar_still_finds_it():
    df = parse(MULTI)
    line, col = at(MULTI, "FROM build", 0, len("FROM build"))
    assert symbol(df, line, col).name == "build"
    text = "FROM alpine\nARG V=1\nRUN echo $V ${V} $ V\n"
    df = parse(text)
    for needle, off in [("$V", 0), ("${V}", 0), ("${V}", 1)]:
        assert where(text, nav.definition_at(df, *at(text, needle, 0, off))) == [(1, "V")], (needle, off)
    assert nav.symbol_at(df, *at(text, "$ V", 0, 0)) is None


GLOBAL = """\
ARG VERSION=3.20
ARG REGISTRY
FROM ${REGISTRY:-docker.io}/alpine:${VERSION} AS base
RUN echo "$VERSION"
ARG VERSION
RUN echo "${VERSION}" '$VERSION' \\$VERSION
FROM base AS child
RUN echo $VERSION
FROM alpine AS other
RUN echo $VERSION
"""


def test_global_args_are_visible_in_from_and_after_a_redeclaring_arg():
    df = parse(GLOBAL)
    # FROM line: both global ARGs
    assert where(GLOBAL, nav.definition_at(df, *at(GLOBAL, "REGISTRY:-", 0, 1))) == [(1, "REGISTRY")]
    assert where(GLOBAL, nav.definition_at(df, *at(GLOBAL, "${VERSION}", 0, 3))) == [(0, "VERSION")]
    # in the stage, before the redeclaration: not visible
    assert nav.definition_at(df, *at(GLOBAL, '"$VERSION"', 0, 3)) == []
    # after `ARG VERSION`: the stage ARG
    assert where(GLOBAL, nav.definition_at(df, *at(GLOBAL, '"${VERSION}"', 0, 4))) == [(4, "VERSION")]
    # '...' and \$ do not expand: no symbol there
    assert nav.symbol_at(df, *at(GLOBAL, "'$VERSION'", 0, 3)) is None
    assert nav.symbol_at(df, *at(GLOBAL, "\\$VERSION", 0, 3)) is None
    # a stage built FROM base inherits the stage ARG; an unrelated stage sees nothing
    assert where(GLOBAL, nav.definition_at(df, *at(GLOBAL, "echo $VERSION", 0, 6))) == [(4, "VERSION")]
    assert nav.definition_at(df, *at(GLOBAL, "echo $VERSION", 1, 6)) == []


def test_renaming_a_global_arg_renames_its_redeclarations_and_their_uses():
    df = parse(GLOBAL)
    edits = nav.rename_edits(df, 0, 5, "ALPINE_VERSION")
    new = apply(GLOBAL, edits)
    assert new == GLOBAL.replace("${VERSION}", "${ALPINE_VERSION}").replace(
        "ARG VERSION", "ARG ALPINE_VERSION").replace("child\nRUN echo $VERSION", "child\nRUN echo $ALPINE_VERSION")
    # the stage-0 reference before the redeclaration and the unrelated stage kept the old name
    assert 'RUN echo "$VERSION"' in new and "other\nRUN echo $VERSION" in new
    # consistent: the same places resolve to the same definitions after the rename
    df2 = parse(new)
    before = [(o.span.start.line, o.role) for o in nav.references(df, symbol(df, 0, 5))]
    after = [(o.span.start.line, o.role) for o in nav.references(df2, symbol(df2, 0, 5))]
    assert before == after and all(o.name == "ALPINE_VERSION" for o in nav.references(df2, symbol(df2, 0, 5)))


ENVS = """\
FROM alpine AS base
ARG MODE=dev
ENV APP_HOME=/app PATH=/app/bin:$PATH
ENV MODE=prod
WORKDIR $APP_HOME
RUN echo $MODE
CMD echo $APP_HOME $MODE
FROM base AS app
COPY --chown=$APP_HOME:$APP_HOME . ${APP_HOME}/src
ENTRYPOINT ["sh", "-c", "echo $APP_HOME"]
FROM alpine
RUN echo $APP_HOME
"""


def test_env_is_inherited_through_from_stage_and_wins_over_arg():
    df = parse(ENVS)
    home_def = [(2, "APP_HOME")]
    assert where(ENVS, nav.definition_at(df, *at(ENVS, "WORKDIR $APP_HOME", 0, 9))) == home_def
    assert where(ENVS, nav.definition_at(df, *at(ENVS, "--chown=$APP_HOME", 0, 9))) == home_def
    assert where(ENVS, nav.definition_at(df, *at(ENVS, "${APP_HOME}/src", 0, 2))) == home_def
    # ENV MODE overrides ARG MODE
    assert where(ENVS, nav.definition_at(df, *at(ENVS, "echo $MODE", 0, 6))) == [(3, "MODE")]
    # unrelated stage: nothing; exec form: no expansion
    assert nav.definition_at(df, *at(ENVS, "echo $APP_HOME", 1, 6)) == []
    assert nav.symbol_at(df, *at(ENVS, '"echo $APP_HOME"', 0, 7)) is None
    # ENV PATH=...:$PATH refers to the image's PATH (not defined here): no definition, but a symbol
    sym = nav.symbol_at(df, *at(ENVS, ":$PATH", 0, 2))
    assert sym is not None and sym.var is None and sym.definitions == ()


def test_cmd_sees_env_but_not_arg():
    text = "FROM alpine\nARG ONLY_ARG=1\nENV BOTH=1\nCMD echo $ONLY_ARG $BOTH\nRUN echo $ONLY_ARG\n"
    df = parse(text)
    assert nav.definition_at(df, *at(text, "$ONLY_ARG", 0, 1)) == []
    assert where(text, nav.definition_at(df, *at(text, "$BOTH", 0, 1))) == [(2, "BOTH")]
    assert where(text, nav.definition_at(df, *at(text, "$ONLY_ARG", 1, 1))) == [(1, "ONLY_ARG")]


HEREDOCS = """\
FROM alpine
ARG NAME=world
COPY <<EOF /greeting
hello $NAME '${NAME}'
EOF
COPY <<'EOF' /literal
hello $NAME
EOF
RUN <<EOF
echo "$NAME"
EOF
RUN cat <<'EOF' > /x
$NAME stays
EOF
"""


def test_heredoc_bodies_expand_unless_quoted_or_literal_stdin():
    df = parse(HEREDOCS)
    sym = symbol(df, 1, 5)
    lines = [o.span.start.line for o in nav.references(df, sym)]
    # definition, COPY body (twice: quotes are plain text there), RUN script body
    assert lines == [1, 3, 3, 9]
    assert nav.symbol_at(df, *at(HEREDOCS, "$NAME stays", 0, 1)) is None


def test_escape_backtick_file_positions_on_continuation_lines():
    text = "# escape=`\nFROM mcr.microsoft.com/windows/nanoserver AS win\nENV DIR=C:\\app\nWORKDIR $DIR `\n  \nCOPY a.txt `\n    ${DIR}\\a.txt\n"
    df = parse(text)
    assert where(text, nav.definition_at(df, *at(text, "${DIR}", 0, 3))) == [(2, "DIR")]
    refs = nav.references(df, symbol(df, 2, 5))
    assert [(o.span.start.line, span_text(text, o.span)) for o in refs] == [(2, "DIR"), (3, "DIR"), (6, "DIR")]


def test_run_shell_text_counts_and_windows_stages_do_not():
    text = 'FROM alpine\nARG V=1\nRUN V=2; echo "$V" && echo ${V:-x} ${V//a/b}\n'
    df = parse(text)
    refs = nav.references(df, symbol(df, 1, 5))
    assert len(refs) == 4
    win = 'FROM mcr.microsoft.com/windows/servercore\nSHELL ["powershell", "-Command"]\nARG V=1\nRUN echo $env:V $V\n'
    df = parse(win)
    assert df.stages[0].windows
    assert [o.role for o in nav.references(df, symbol(df, 2, 5))] == ["definition"]


# -- rename ---------------------------------------------------------------------------------


def test_rename_stage_everywhere_except_index_references():
    df = parse(MULTI)
    edits = nav.rename_edits(df, *at(MULTI, "AS Build", 0, 4), "compile")
    new = apply(MULTI, edits)
    assert "AS compile" in new and "from=compile,source" in new and "from=compile true" in new
    assert "FROM compile AS test" in new and "COPY --from=compile /out" in new
    assert "COPY --from=0 /src" in new  # by index: unchanged, still the same stage
    assert "ONBUILD COPY --from=build" in new  # downstream stage: untouched
    assert "FROM Build AS weird" in new  # an image, not this stage
    df2 = parse(new)
    sym = symbol(df2, 0, 21)
    assert [o.span.start.line for o in nav.references(df2, sym)] == [0, 5, 6, 8, 12, 13]
    assert df2.stages[2].parent == 0


@pytest.mark.parametrize("new_name, why", [
    ("Compile", "invalid stage name"),  # upper case would break FROM <stage>
    ("1st", "invalid stage name"),
    ("a b", "invalid stage name"),
    ("scratch", "reserved"),
    ("assets", "already exists"),
    ("nginx:latest", "invalid"),
    ("golang", None),  # fine: the image is golang:1.22, not golang
])
def test_rename_stage_refuses_bad_names(new_name, why):
    df = parse(MULTI)
    pos = at(MULTI, "AS Build", 0, 4)
    if why is None:
        assert nav.rename_edits(df, *pos, new_name)
        return
    with pytest.raises(nav.RenameError, match=why):
        nav.rename_edits(df, *pos, new_name)


def test_rename_stage_refuses_a_name_used_as_an_image():
    text = "FROM alpine AS a\nFROM a AS b\nCOPY --from=tools /x /x\n"
    df = parse(text)
    with pytest.raises(nav.RenameError, match="already used"):
        nav.rename_edits(df, 0, 15, "tools")
    with pytest.raises(nav.RenameError, match="by its number"):
        nav.prepare_rename(parse("FROM a\nFROM b\nCOPY --from=0 / /\n"), 2, 12)


def test_rename_variable_refuses_bad_or_clashing_names():
    df = parse(ENVS)
    pos = at(ENVS, "APP_HOME=", 0, 1)
    for bad, why in [("1X", "invalid variable name"), ("A-B", "invalid"), ("", "invalid"),
                     ("MODE", "already used"), ("TARGETARCH", "predefined"), ("PATH", "already used")]:
        with pytest.raises(nav.RenameError, match=why):
            nav.rename_edits(df, *pos, bad)
    new = apply(ENVS, nav.rename_edits(df, *pos, "HOME_DIR"))
    assert new.count("HOME_DIR") == 6 and "RUN echo $APP_HOME" in new and '"echo $APP_HOME"' in new
    # unresolved and predefined names cannot be renamed
    with pytest.raises(nav.RenameError, match="not defined"):
        nav.prepare_rename(df, *at(ENVS, ":$PATH", 0, 2))
    text = "ARG TARGETARCH\nFROM alpine\nARG TARGETARCH\nRUN echo $TARGETARCH\n"
    with pytest.raises(nav.RenameError, match="predefined"):
        nav.prepare_rename(parse(text), 3, 11)
    assert nav.prepare_rename(df, 0, 1) is None  # FROM keyword: nothing to rename


def test_prepare_rename_gives_the_name_span():
    df = parse(GLOBAL)
    got = nav.prepare_rename(df, *at(GLOBAL, "${VERSION}", 0, 4))
    assert got is not None, "nothing to rename at ${VERSION}"
    span, placeholder = got
    assert span_text(GLOBAL, span) == "VERSION" == placeholder


# -- document symbols, folding ------------------------------------------------------------------


def test_document_symbols_have_stages_with_instruction_children():
    syms = nav.document_symbols(parse(GLOBAL))
    assert [(s.name, s.kind, s.detail) for s in syms] == [
        ("ARG", "Variable", "VERSION=3.20"), ("ARG", "Variable", "REGISTRY"),
        ("base", "Module", "${REGISTRY:-docker.io}/alpine:${VERSION}"),
        ("child", "Module", "base"), ("other", "Module", "alpine")]
    assert [c.name for c in syms[2].children] == ["RUN", "ARG", "RUN"]
    assert [c.kind for c in syms[2].children] == ["Field", "Variable", "Field"]
    assert [c.name for c in syms[2].children[1].children] == ["VERSION"]
    assert [c.kind for c in syms[2].children[1].children] == ["Variable"]
    kinds = nav.document_symbols(parse('FROM a AS s\nENV A=1 B=2\nLABEL k=v\nCOPY x /x\nCMD ["x"]\n'))[0]
    assert [(c.name, c.kind) for c in kinds.children] == [
        ("ENV", "Constant"), ("LABEL", "Property"), ("COPY", "Field"), ("CMD", "Field")]
    assert [c.kind for c in kinds.children[0].children] == ["Constant", "Constant"]
    assert [c.kind for c in kinds.children[1].children] == ["Property"]
    unnamed = nav.document_symbols(parse("FROM alpine\nMAINTAINER me\nFROM debian\n"))
    assert [s.name for s in unnamed] == ["stage 0", "stage 1"]
    assert unnamed[0].children[0].deprecated
    for s in syms:  # children inside their parent
        for c in s.children:
            assert s.span.start <= c.span.start and c.span.end <= s.span.end
            assert c.span.start <= c.selection.start and c.selection.end <= c.span.end


def test_stage_symbols_filter_by_query():
    df = parse(MULTI)
    assert [s.name for s in nav.stage_symbols(df, "")] == ["build", "assets", "test", "weird"]
    assert [s.name for s in nav.stage_symbols(df, "AS")] == ["assets"]
    assert [s.name for s in nav.stage_symbols(df, "bd")] == ["build"]


def test_folding_ranges():
    text = """\
# one
# two
FROM alpine AS a
RUN apk add \\
      curl \\
      git
COPY <<EOF /x
body
# not a comment
EOF

# three
# four
FROM a
RUN --mount=type=cache,target=/c \\
    <<EOF
echo hi
EOF
"""
    folds = [(f.start_line, f.end_line, f.kind) for f in nav.folding_ranges(parse(text))]
    assert folds == [
        (0, 1, "comment"),
        (2, 9, None),  # stage a
        (3, 5, None),  # RUN continuation
        (6, 9, None),  # COPY with its heredoc
        (11, 12, "comment"),
        (13, 17, None),  # stage 1
        (14, 17, None),  # RUN
        (15, 17, None),  # its heredoc
    ]


# -- semantic tokens ----------------------------------------------------------------------------------


def decode(text: str, tokens) -> list[tuple[int, str, str, tuple]]:
    return [(t.line, text.split("\n")[t.line][t.col:t.end], t.type, t.modifiers) for t in tokens]


def test_semantic_tokens_cover_the_language():
    text = """\
# syntax=docker/dockerfile:1
# a comment
ARG BASE=alpine
FROM ${BASE} AS build
ENV GREETING="hi there"
LABEL org.opencontainers.image.title="app"
COPY --from=build --chmod=755 <<EOF /x
$GREETING
EOF
EXPOSE 8080/tcp
CMD ["echo", "done"]
MAINTAINER me
HEALTHCHECK --interval=5s CMD true
"""
    toks = nav.semantic_tokens(parse(text))
    got = decode(text, toks)
    expect = [
        (0, "# syntax=", "macro", ()), (0, "docker/dockerfile:1", "string", ()),
        (1, "# a comment", "comment", ()),
        (2, "ARG", "keyword", ()), (2, "BASE", "variable", ("declaration",)), (2, "alpine", "string", ()),
        (3, "FROM", "keyword", ()), (3, "${", "type", ()), (3, "BASE", "variable", ()), (3, "}", "type", ()),
        (3, "AS", "keyword", ()), (3, "build", "class", ("declaration",)),
        (4, "GREETING", "variable", ("declaration",)), (4, '"hi there"', "string", ()),
        (5, "org.opencontainers.image.title", "property", ("declaration",)), (5, '"app"', "string", ()),
        (6, "--from", "parameter", ()), (6, "build", "class", ()), (6, "--chmod", "parameter", ()),
        (6, "755", "property", ()), (6, "<<EOF", "operator", ()),
        (7, "GREETING", "variable", ()), (8, "EOF", "operator", ()),
        (9, "8080", "number", ()),
        (10, '"echo"', "string", ()), (10, '"done"', "string", ()),
        (11, "MAINTAINER", "keyword", ("deprecated",)),
        (12, "HEALTHCHECK", "keyword", ()), (12, "--interval", "parameter", ()), (12, "CMD", "keyword", ()),
    ]
    for e in expect:
        assert e in got, e
    # sorted, single-line, non-overlapping
    keys = [(t.line, t.col, t.end) for t in toks]
    assert keys == sorted(keys)
    for a, b in zip(toks, toks[1:]):
        assert a.line < b.line or a.end <= b.col
    assert set(t.type for t in toks) <= set(nav.TOKEN_TYPES)


def test_semantic_tokens_legend_matches_the_lsp_module():
    from dockwise.lsp import navigation as lsp_navigation

    assert tuple(lsp_navigation.TOKEN_TYPES) == nav.TOKEN_TYPES
    assert tuple(lsp_navigation.TOKEN_MODIFIERS) == nav.TOKEN_MODIFIERS


# -- document links --------------------------------------------------------------------------------


@pytest.mark.parametrize("image, url, linked", [
    ("python:3.12-slim", "https://hub.docker.com/_/python", "python"),
    ("docker.io/library/nginx@sha256:" + "a" * 64, "https://hub.docker.com/_/nginx", "docker.io/library/nginx"),
    ("bitnami/redis:7", "https://hub.docker.com/r/bitnami/redis", "bitnami/redis"),
    ("docker.io/grafana/grafana", "https://hub.docker.com/r/grafana/grafana", "docker.io/grafana/grafana"),
    ("quay.io/prometheus/node-exporter:v1", "https://quay.io/repository/prometheus/node-exporter",
     "quay.io/prometheus/node-exporter"),
    ("registry.example.com:5000/team/app:1", None, None),
    ("ghcr.io/owner/app:1", None, None),
    ("localhost/app", None, None),
    ("${IMAGE}", None, None),
    ("python:${TAG}", None, None),
    ("scratch", None, None),
    ("Python:3", None, None),
])
def test_document_links(image, url, linked):
    text = f"ARG IMAGE=python\nARG TAG=3\nFROM {image}\n"
    links = nav.document_links(parse(text))
    if url is None:
        assert links == []
    else:
        assert [(span_text(text, s), u) for s, u in links] == [(linked, url)]


def test_no_links_for_stages_but_for_copy_from_images():
    text = "FROM alpine AS a\nFROM a\nCOPY --from=nginx:1 /x /x\nCOPY --from=a /y /y\n"
    assert [(span_text(text, s), u) for s, u in nav.document_links(parse(text))] == [
        ("alpine", "https://hub.docker.com/_/alpine"), ("nginx", "https://hub.docker.com/_/nginx")]


# -- robustness -----------------------------------------------------------------------------------

BROKEN = [
    "", "\n\n", "FROM", "FROM AS", "FROM a AS", "FROM a AS 1bad\nCOPY --from= /x /y", "ARG\nFROM $",
    "FROM a\nRUN echo ${", "FROM a\nRUN echo ${V:-${W", "FROM a\nENV =x\nENV A", "FROM a AS b\nFROM b AS a\nFROM a",
    "FROM a\nCOPY <<EOF", "FROM a\nRUN <<EOF <<'B'\nx $Y\nEOF\n", "FROM a\nRUN --mount=from=,from,=x,from==y true",
    "# escape=`\nFROM a `\n", "FROM a\nCOPY --from=99 / /\nCOPY --from=-1 / /\nCOPY --from=² / /", "ONBUILD\nFROM a\nONBUILD ONBUILD RUN $X",
    "FROM a\nHEALTHCHECK CMD\nHEALTHCHECK CMD [\"x\"]\nHEALTHCHECK", "FROM 😀 AS b\nRUN echo $😀 ${é}",
    "\ufeffFROM a\r\nRUN x \\\r\n  y\r\n", "FROM a\nLABEL \"k k\"=\"v\" 'x'=y\nENV \"Q\"=1\nRUN echo $Q",
]


@pytest.mark.parametrize("text", BROKEN + [MULTI[:n] for n in range(0, len(MULTI), 37)])
def test_broken_files_never_raise(text):
    df = parse(text)
    nav.document_symbols(df)
    nav.folding_ranges(df)
    nav.semantic_tokens(df)
    nav.document_links(df)
    nav.stage_symbols(df, "a")
    lines = text.split("\n")
    for line in range(len(lines) + 1):
        for col in range(0, len(lines[line]) + 2 if line < len(lines) else 1):
            sym = nav.symbol_at(df, line, col)
            nav.definition_at(df, line, col)
            nav.highlights(df, line, col)
            if sym is not None:
                nav.references(df, sym)
            try:
                nav.prepare_rename(df, line, col)
                nav.rename_edits(df, line, col, "x")
            except nav.RenameError:
                pass


def test_random_mutations_never_raise():
    rnd = random.Random(6)
    pieces = list("\\`$\"'{}<>=-,:# \n") + ["${", "<<EOF", "\nEOF\n", "FROM ", "AS ", "--from=", "--mount=",
                                            "ARG ", "ENV ", "RUN ", "COPY ", "ONBUILD "]
    base = MULTI + GLOBAL + HEREDOCS
    for _ in range(150):
        text = base
        for _ in range(rnd.randint(1, 8)):
            i = rnd.randrange(len(text) + 1)
            j = min(len(text), i + rnd.randint(0, 6))
            text = text[:i] + rnd.choice(pieces) + text[j:]
        df = parse(text)
        nav.semantic_tokens(df)
        nav.folding_ranges(df)
        nav.document_symbols(df)
        nav.document_links(df)
        for o in nav._index(df).occs:
            nav.definition_at(df, o.span.start.line, o.span.start.col)
            try:
                nav.rename_edits(df, o.span.start.line, o.span.start.col, "renamed")
            except nav.RenameError:
                pass


# -- rename keeps every binding (property over the samples) -------------------------------------


def _bindings(df):
    """Occurrence start → (role, start of the definition it resolves to), and the
    partition of occurrences into symbols."""
    idx = nav._index(df)
    res = {}
    for o in idx.occs:
        tgt = o.target.span.start if isinstance(o.target, nav.VarDef) else o.target
        res[o.span.start] = (o.role, tgt)
    groups = {frozenset(o.span.start for o in occs) for occs in idx.by_key.values()}
    return res, groups


@pytest.mark.parametrize("text", [MULTI, GLOBAL, ENVS, HEREDOCS])
def test_every_rename_keeps_every_binding(text):
    df = parse(text)
    old = _bindings(df)
    done = 0
    for o in nav._index(df).occs:
        # a same-length name keeps every position, so bindings can be compared directly
        new_name = ("q" if o.kind == "stage" else "Q") * len(o.name)
        try:
            edits = nav.rename_edits(df, o.span.start.line, o.span.start.col, new_name)
        except nav.RenameError:
            continue
        done += 1
        new_text = apply(text, edits)
        assert _bindings(parse(new_text)) == old, (o, new_text)
        assert all(span_text(new_text, s) == new_name for s, _ in edits)
    assert done >= 3
