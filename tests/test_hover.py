"""Hover text and size hints, engine side (dockwise.editor.hover; no LSP)."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from dockwise.editor import hover as H
from dockwise.images import catalog as images
from dockwise.editor import instruction_docs
from dockwise.syntax.model import ImageRef, Pos
from dockwise.syntax.parser import parse

AMD, ARM = "linux/amd64", "linux/arm64"
TODAY = dt.date(2026, 11, 28)


def table(repo: str, tag: str) -> dict:
    return images.size_table()["images"][repo][tag]


def mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB"


def at(src: str, needle: str, offset: int = 0, occurrence: int = 0) -> Pos:
    """Model position of ``needle`` (its ``occurrence``-th appearance) + ``offset``."""
    lines = src.split("\n")
    seen = 0
    for i, line in enumerate(lines):
        j = line.find(needle)
        while j >= 0:
            if seen == occurrence:
                return Pos(i, j + offset)
            seen += 1
            j = line.find(needle, j + 1)
    raise AssertionError(f"{needle!r} not in source")


def hov(src: str, needle: str, offset: int = 1, occurrence: int = 0, **kw) -> H.HoverResult:
    """The hover at ``needle`` (+ ``offset``); fails the test when there is none."""
    kw.setdefault("host", AMD)
    kw.setdefault("today", TODAY)
    return answer(H.hover(parse(src), at(src, needle, offset, occurrence), **kw))


def answer(r: H.HoverResult | None) -> H.HoverResult:
    assert r is not None, "no hover at that position"
    return r


def base(src: str) -> ImageRef:
    """The first stage's base image reference (asserted present)."""
    ref = parse(src).stages[0].base
    assert ref is not None, f"no base image in {src!r}"
    return ref


HTML_TAG = re.compile(r"</?[A-Za-z!][^>]*>")


def assert_plain(md: str) -> None:
    assert not HTML_TAG.search(md), md


# -- FROM images --------------------------------------------------------------------


def test_python_312_size_variants_source():
    src = "FROM python:3.12\n"
    r = hov(src, "python")
    md = r.markdown
    e = table("python", "3.12")
    full = e["platforms"][AMD]
    assert "`docker.io/library/python:3.12`" in md
    assert f"**{mb(full)}** compressed" in md and AMD in md
    slim = table("python", "3.12-slim")["platforms"][AMD]
    assert f"`python:3.12-slim` {mb(slim)}, saves {mb(full - slim)}" in md
    alpine = table("python", "3.12-alpine")["platforms"][AMD]
    assert f"`python:3.12-alpine` {mb(alpine)}, saves {mb(full - alpine)}" in md
    # smallest first
    assert md.index("3.12-alpine") < md.index("3.12-slim`")
    # the other platform, the on-disk estimate, the source with its date
    assert f"{ARM} {mb(e['platforms'][ARM])}" in md
    assert f"about {H.fmt_size(full * H.DISK_FACTOR)}" in md and "estimate" in md
    assert e["as_of"] in md and e["commit"][:12] in md and "offline table" in md
    assert "supported until 2028-10-31" in md  # Python 3.12, from eol.json
    assert r.span == base(src).span
    assert_plain(md)


def test_eol_python_38_with_date():
    date = images.eol_table()["products"]["python"]["cycles"]["3.8"]
    md = hov("FROM python:3.8-slim\n", "python").markdown
    assert f"reached end of life on {date}" in md and "Python 3.8" in md
    before = hov("FROM python:3.8-slim\n", "python", today=dt.date(2020, 1, 1)).markdown
    assert f"is supported until {date}" in before and "reached" not in before


def test_platform_flag_changes_the_figure():
    e = table("python", "3.12")["platforms"]
    amd = hov("FROM python:3.12\n", "python").markdown
    arm = hov("FROM --platform=linux/arm64 python:3.12\n", "python").markdown
    assert f"**{mb(e[AMD])}**" in amd and f"**{mb(e[ARM])}**" in arm
    assert "--platform=linux/arm64" in arm
    assert f"{AMD} {mb(e[AMD])}" in arm  # listed among the other platforms
    slim = table("python", "3.12-slim")["platforms"][ARM]
    assert f"`python:3.12-slim` {mb(slim)}, saves {mb(e[ARM] - slim)}" in arm


def test_platform_from_global_arg_setting_and_host(monkeypatch):
    e = table("python", "3.12")["platforms"]
    src = "ARG P=linux/arm64\nFROM --platform=$P python:3.12\n"
    assert f"**{mb(e[ARM])}**" in hov(src, "python").markdown
    # $BUILDPLATFORM is not known statically: the setting decides, then the host
    src = "FROM --platform=$BUILDPLATFORM python:3.12\n"
    assert f"**{mb(e[ARM])}**" in hov(src, "python", platform="linux/arm64").markdown
    assert "images.platform" in hov(src, "python", platform="linux/arm64").markdown
    monkeypatch.setattr(H.images, "_machine", lambda: "aarch64")
    assert H.host_platform() == ARM
    md = answer(H.hover(parse(src), at(src, "python", 1), today=TODAY)).markdown
    assert f"**{mb(e[ARM])}**" in md and "this machine" in md
    monkeypatch.setattr(H.images, "_machine", lambda: "x86_64")
    assert H.host_platform() == AMD


def test_estimated_from_listed_tag():
    md = hov("FROM python:3.12.4-bookworm\n", "python").markdown
    full = table("python", "3.12")["platforms"][AMD]
    assert f"**{mb(full)}**" in md
    assert "Estimated from `python:3.12`" in md


def test_arg_built_names_resolve():
    src = "ARG BASE=python:3.12\nFROM ${BASE} AS app\n"
    md = hov(src, "${BASE}").markdown
    assert "`docker.io/library/python:3.12`" in md
    assert f"**{mb(table('python', '3.12')['platforms'][AMD])}**" in md
    assert "global ARG, line 1" in md
    src = "ARG REG=localhost:5000\nARG TAG=1\nFROM ${REG}/team/app:${TAG}\n"
    ref = base(src)
    assert (ref.registry, ref.path, ref.tag, ref.unresolved) == ("localhost:5000", "team/app", "1", False)
    md = hov(src, "${REG}").markdown
    assert "`localhost:5000/team/app:1`" in md and "Not in dockwise's offline size table" in md


def test_digest_and_unresolved():
    digest = "sha256:" + "ab" * 32
    md = hov(f"FROM python:3.12@{digest}\n", "python").markdown
    assert f"`docker.io/library/python:3.12@{digest}`" in md
    md = hov("ARG V\nFROM python:${V}\n", "python").markdown
    assert "no default" in md and "size is unknown" in md


def test_stage_reference_in_from():
    src = "FROM golang:1.22 AS builder\nRUN go build\nFROM builder AS test\nFROM scratch\nCOPY --from=builder /a /a\n"
    r = hov(src, "builder", occurrence=1)
    assert "Stage `builder`" in r.markdown and "line 1" in r.markdown
    assert "golang:1.22" in r.markdown
    assert "FROM on line 3" in r.markdown and "COPY --from on line 5" in r.markdown
    assert "compressed (download" not in r.markdown  # not an image hover
    # the alias itself
    r = hov(src, "test")
    assert "Stage `test`" in r.markdown and "Base: the stage `builder`" in r.markdown
    assert "scratch" in hov(src, "scratch").markdown and "0 B" in hov(src, "scratch").markdown


def test_copy_from_and_mount_from():
    src = ("FROM node:22-slim AS deps\nFROM python:3.12-slim\n"
           "COPY --from=deps /a /a\nCOPY --from=0 /b /b\n"
           "RUN --mount=type=cache,target=/c --mount=type=bind,from=deps,source=/x,target=/y true\n"
           "COPY --from=nginx:alpine /etc/nginx /n\n")
    r = hov(src, "=deps", offset=2)
    assert "Stage `deps`" in r.markdown
    assert (r.span.start.col, r.span.end.col) == (12, 16)
    assert "Stage `deps`" in hov(src, "=0 ", offset=1).markdown
    r = hov(src, "from=deps", offset=6, occurrence=1)
    assert "Stage `deps`" in r.markdown
    line = src.split("\n")[4]
    assert (r.span.start.col, r.span.end.col) == (line.index("from=deps") + 5, line.index("from=deps") + 9)
    md = hov(src, "nginx:alpine").markdown  # an image in --from
    assert "`docker.io/library/nginx:alpine`" in md
    assert f"**{mb(table('nginx', 'alpine')['platforms'][AMD])}**" in md


# -- variables ------------------------------------------------------------------


VARS = """\
ARG GLOBAL=1
FROM alpine:3.22 AS base
ARG VERSION=2.0
ENV APP_HOME=/app
RUN echo $VERSION ${APP_HOME} $GLOBAL $HOME $LATER $TARGETARCH
ENV LATER=x
FROM base
RUN echo $APP_HOME
FROM alpine:3.22
RUN echo $APP_HOME
"""


def test_variables_in_scope():
    r = hov(VARS, "$VERSION")
    assert "ARG on line 3" in r.markdown and "`2.0`" in r.markdown and "this stage" in r.markdown
    assert (r.span.start.col, r.span.end.col) == (9, 17)
    r = hov(VARS, "${APP_HOME}", offset=3)
    assert "ENV on line 4" in r.markdown and "`/app`" in r.markdown
    assert r.span.end.col - r.span.start.col == len("${APP_HOME}")
    assert "not in scope" in hov(VARS, "$GLOBAL").markdown and "ARG GLOBAL" in hov(VARS, "$GLOBAL").markdown
    assert "Not set by an ARG or ENV" in hov(VARS, "$HOME").markdown
    assert "Not set by an ARG or ENV" in hov(VARS, "$LATER").markdown  # defined after its use
    assert "needs `ARG TARGETARCH`" in hov(VARS, "$TARGETARCH").markdown
    # a stage built FROM base inherits its ENV; an unrelated stage does not
    assert "inherited from stage `base`" in hov(VARS, "$APP_HOME", occurrence=0).markdown
    assert "Not set by an ARG or ENV" in hov(VARS, "$APP_HOME", occurrence=1).markdown


def test_variable_definitions_and_global_scope():
    md = hov(VARS, "GLOBAL=", offset=0).markdown
    assert "ARG on line 1" in md and "FROM lines" in md
    md = hov(VARS, "APP_HOME=", offset=2).markdown
    assert "ENV on line 4" in md and "Environment variable" in md
    src = "ARG ARCH\nFROM --platform=$BUILDPLATFORM golang:1.22\nFROM ${ARCH}/alpine\n"
    assert "Predefined build argument" in hov(src, "$BUILDPLATFORM").markdown


def test_non_ascii_before_token():
    src = 'FROM alpine:3.22\nENV MOTTO="héllo 🐳 wörld" NAME=x\nLABEL d="🐳🐳" v=$NAME\n'
    line = src.split("\n")[2]
    col = line.index("$NAME")  # a code-point column
    r = answer(H.hover(parse(src), Pos(2, col + 2), host=AMD))
    assert "ENV on line 2" in r.markdown
    assert (r.span.start.col, r.span.end.col) == (col, col + 5)


# -- keywords, flags, directives ------------------------------------------------------


def test_keywords():
    src = "# syntax=docker/dockerfile:1\nfrom alpine:3.22\nONBUILD COPY --chown=app . /app\nHEALTHCHECK --interval=5s CMD true\n"
    r = hov(src, "from")
    assert r.markdown.startswith("**FROM**") and instruction_docs.INSTRUCTIONS["FROM"]["url"] in r.markdown
    assert (r.span.start.col, r.span.end.col) == (0, 4)
    assert hov(src, "ONBUILD").markdown.startswith("**ONBUILD**")
    assert hov(src, "COPY").markdown.startswith("**COPY**")  # the trigger's own keyword
    assert "parser directive" in hov(src, "syntax").markdown


def test_flags():
    src = "FROM alpine:3.22\nONBUILD COPY --chown=app . /app\nHEALTHCHECK --interval=5s CMD true\nRUN --network=none --bogus=1 true\n"
    r = hov(src, "--chown")
    assert "--chown" in r.markdown and "(COPY)" in r.markdown and "copy---chown---chmod" in r.markdown
    assert "(HEALTHCHECK)" in hov(src, "--interval").markdown
    assert "`none` has no network access" in hov(src, "--network").markdown
    assert "is not a flag of RUN" in hov(src, "--bogus").markdown


def test_instruction_docs_cover_every_instruction():
    from dockwise.syntax.parser import parse as p

    for kw, d in instruction_docs.INSTRUCTIONS.items():
        assert d["summary"] and d["syntax"] and d["url"].startswith("https://docs.docker.com/")
        md = H.instruction_markdown(kw)
        assert md is not None, kw
        assert_plain(md)
        for name in instruction_docs.FLAGS.get(kw, {}):
            md = H.flag_markdown(kw, name)
            assert md is not None, (kw, name)
            assert_plain(md)
    assert p  # docs of every keyword the parser knows
    assert set(instruction_docs.INSTRUCTIONS) >= {"FROM", "RUN", "COPY", "ADD", "ARG", "ENV", "HEALTHCHECK", "SHELL"}


# -- unknown images and live lookups -----------------------------------------------------


def test_unknown_image_without_and_with_live():
    src = "FROM myorg/app:1.0\n"
    md = hov(src, "myorg").markdown
    assert "Not in dockwise's offline size table" in md and "Looking up" not in md
    calls = []
    md = hov(src, "myorg", live=lambda ref, plat: calls.append((ref.resolved, plat))).markdown
    assert calls == [("myorg/app:1.0", AMD)]
    assert "Looking up `docker.io/myorg/app:1.0`" in md
    assert "Looking up" not in hov(src, "myorg", live=lambda ref, plat: False).markdown
    md = hov(src, "myorg", live=lambda ref, plat: "registry docker.io: not found").markdown
    assert "Live lookup: registry docker.io: not found." in md and "Looking up" not in md

    def broken(ref, plat):
        raise RuntimeError("boom")

    assert "Not in dockwise's offline size table" in hov(src, "myorg", live=broken).markdown


class FakeLive:
    name = "fake-registry"

    def size(self, repository, tag, platform):
        if repository == "myorg/app" and tag == "1.0" and platform == AMD:
            return images.SizeInfo(repository, tag, platform, 12_345_678, "2026-11-27",
                                   "registry docker.io, fetched 2026-11-27 10:00 UTC")
        return None

    def tags(self, repository):
        return ["1.0"] if repository == "myorg/app" else []


def test_live_figure_is_used_and_attributed():
    live = FakeLive()
    images.add_source(live)
    try:
        r = hov("FROM myorg/app:1.0\n", "myorg")
        assert "**12.3 MB**" in r.markdown and "registry docker.io, fetched 2026-11-27" in r.markdown
        assert "offline table" not in r.markdown
        hints = H.size_hints(parse("FROM myorg/app:1.0\n"), host=AMD)
        assert [h.label for h in hints] == ["12.3 MB"]
    finally:
        images.remove_source(live)


# -- size hints ---------------------------------------------------------------------


def test_size_hints():
    src = ("FROM python:3.12 AS a\nFROM a\nFROM scratch\nFROM myorg/app:1\n"
           "FROM --platform=linux/arm64 python:3.12.4\nFROM python:3.12-slim \\\n  AS s\n")
    calls = []
    hints = H.size_hints(parse(src), host=AMD, live=lambda ref, plat: calls.append(ref.resolved))
    full = table("python", "3.12")["platforms"]
    slim = table("python", "3.12-slim")["platforms"][AMD]
    assert [(h.pos.line, h.label) for h in hints] == [
        (0, mb(full[AMD])), (4, "~" + mb(full[ARM])), (6, mb(slim))]
    assert hints[0].pos.col == len("FROM python:3.12 AS a")  # end of the line
    assert hints[2].line_span.start.line == 5  # the FROM's first line (code lens)
    assert "estimated from python:3.12" in hints[1].tooltip and table("python", "3.12")["as_of"] in hints[0].tooltip
    assert calls == ["myorg/app:1"]
    assert [h.pos.line for h in H.size_hints(parse(src), start_line=3, end_line=4, host=AMD)] == [4]


# -- robustness -------------------------------------------------------------------------


ODD = """\
# escape=`
ARG A=${B:-x}
FROM ${A}${C} AS
ONBUILD RUN echo $X
RUN <<EOF
echo $HOME ${
EOF
COPY --from= --chmod a
RUN --mount=from=,type=bind true
FROM
HEALTHCHECK NONE
"""


@pytest.mark.parametrize("src", [ODD, VARS, "FROM python:3.12\n", "", "\n\n", "FROM 🐳:ä\nRUN $é\n"])
def test_every_position_answers_without_html(src):
    df = parse(src)
    for line, text in enumerate(df.lines + [""]):
        for col in range(len(text) + 2):
            r = H.hover(df, Pos(line, col), host=AMD, live=lambda ref, plat: None)
            if r is not None:
                assert r.markdown.strip()
                assert_plain(r.markdown)
                assert r.span.start <= Pos(line, col) <= r.span.end, (line, col, r.span)
    H.size_hints(df)


def test_lsp_live_adapter():
    """lsp_hover's bridge to ``server.live_images`` (another module's object,
    optional): request, then the cache's reason when nothing was started."""
    from types import SimpleNamespace as NS

    from dockwise.lsp import hover as lsp_hover
    from dockwise.lsp.core import DockwiseServer
    from dockwise.lsp.hooks import Feature

    ref = base("FROM myorg/app:1\n")
    started = []

    class Live:
        def __init__(self, ok, cached=None):
            self.ok, self._cached = ok, cached

        def request(self, r, plat):
            started.append((r.resolved, plat))
            return self.ok

        def cached(self, r, plat):
            return self._cached

    class LiveFeature(Feature):
        """Stands in for the ``live`` feature: only its ``live_images`` is read."""
        name = "live"

        def __init__(self, server, live_images):
            super().__init__(server)
            self.live_images = live_images

    def server(live=None, online=True) -> DockwiseServer:
        ls = DockwiseServer()
        if not online:
            ls.config.init_payload = {"dockwise": {"images": {"online": False}}}
            ls.config.apply_settings("test", resync=False)
        assert ls.settings.images_online is online
        if live is not None:
            ls.add_feature(LiveFeature(ls, live))
        return ls

    def start(ls: DockwiseServer):
        fn = lsp_hover._live(ls)
        assert fn is not None, "no live lookup although a live source is on"
        return fn

    assert lsp_hover._live(server()) is None  # no live helper: fine
    assert lsp_hover._live(server(Live(True), online=False)) is None
    assert start(server(Live(True)))(ref, AMD) is True
    assert started == [("myorg/app:1", AMD)]
    failed = NS(status="not_found", registry="docker.io", error="")
    assert start(server(Live(False, failed)))(ref, AMD) == "registry docker.io: not found"
    assert start(server(Live(False, None)))(ref, AMD) is False
