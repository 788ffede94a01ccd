"""Details of the BuildKit checks and their fixes that no other test pinned down
(found by mutation testing, bench/mutation.py): platform compatibility as
containerd decides it, Windows paths, which flags are expanded, the fix titles
and edits a user sees."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from dockwise.images import catalog
from dockwise.images.catalog import ImageConfig
from dockwise.lint.engine import LintSettings, lint_text
from dockwise.lint.fixes import apply_edits

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "rules"))
from fixutil import fixed, findings  # noqa: E402


def lint(src: str, code: str, **kw):
    return [(v.line, v.message) for v in lint_text(src, LintSettings.make(select=[code], **kw)).violations
            if v.code == code]


class _Index:
    """A stand-in registry source: every reference is a multi-platform index of ``platforms``."""
    name = "stand-in"

    def __init__(self, platforms):
        self.platforms = tuple(platforms)

    def size(self, repository: str, tag: str, platform: str):
        return None

    def tags(self, repository: str):
        return []

    def config(self, ref, platform):
        return ImageConfig(platforms=self.platforms, index=True, source="registry")


@pytest.mark.parametrize("want, index, pulled", [
    # platforms.Only(linux/amd64) also runs linux/386
    ("linux/amd64", ["linux/386"], "linux/386"),
    ("linux/386", ["linux/amd64"], None),
    # arm64 runs arm v8..v5
    ("linux/arm64", ["linux/arm/v7"], "linux/arm/v7"),
    ("linux/arm64", ["linux/amd64"], None),
    # an index with the wanted OS and architecture (any variant) is not reported
    ("linux/arm/v7", ["linux/arm/v6"], None),
    ("linux/riscv64", ["linux/amd64"], None),
])
def test_invalid_base_image_platform_follows_containerd_compatibility(want, index, pulled):
    src = _Index(index)
    catalog.add_source(src)
    try:
        got = lint_text("FROM example.com/app:1\nRUN true\n",
                        LintSettings.make(select=["DW114"], build={"platform": want})).violations
    finally:
        catalog.remove_source(src)
    expect = [] if pulled is None else [
        f'InvalidBaseImagePlatform: Base image example.com/app:1 was pulled with platform "{pulled}", '
        f'expected "{want}" for current build']
    assert [v.message for v in got] == expect


WINDOWS = "FROM mcr.microsoft.com/windows/servercore:ltsc2022\n"


@pytest.mark.parametrize("src, relative", [
    ("FROM alpine\nWORKDIR /app\n", False),
    ("FROM alpine\nWORKDIR C:/app\n", True),  # a drive letter means nothing on Linux
    (WINDOWS + "WORKDIR C:/app\n", False),
    (WINDOWS + "WORKDIR /app\n", False),
    (WINDOWS + "# escape=`\nWORKDIR app\n", True),
])
def test_workdir_relative_path_knows_windows_drives(src, relative):
    got = lint(src, "DW110")
    assert bool(got) == relative, got


def test_undefined_var_in_the_add_checksum_flag():
    assert lint("FROM alpine\nADD --checksum=sha256:$SUM https://x.io/y /y\n", "DW111") == [
        (2, "UndefinedVar: Usage of undefined variable '$SUM'")]
    # COPY has no --checksum: nothing there is expanded
    assert lint("FROM alpine\nCOPY --chmod=644 a /y\n", "DW111") == []
    # COPY does not take --checksum (BuildKit stops at the unknown flag): its value is not checked
    assert lint("FROM alpine\nCOPY --checksum=sha256:$SUM a /y\n", "DW111") == []


def test_undefined_var_skips_only_the_names_buildkit_does_not_check():
    assert lint("FROM alpine\nENV A=$BUILDKIT_SBOM_SCAN_CONTEXT-$ZZZ\n", "DW111") == [
        (2, "UndefinedVar: Usage of undefined variable '$ZZZ'")]


@pytest.mark.parametrize("src, code, title, out", [
    ("FROM alpine\nRUN echo\nrun echo\nCOPY a b\n", "DW104", "Write 'RUN'",
     "FROM alpine\nRUN echo\nRUN echo\nCOPY a b\n"),
    ("from alpine\nrun echo\nRUN echo\ncopy a b\n", "DW104", "Write 'run'",
     "from alpine\nrun echo\nrun echo\ncopy a b\n"),
    ("FROM --platform=$TARGETPLATFORM alpine AS a\nRUN x\n", "DW115", "Remove --platform=$TARGETPLATFORM",
     "FROM alpine AS a\nRUN x\n"),
    ("FROM alpine\nEXPOSE 80/TCP\n", "DW121", "Write the protocol in lower case", "FROM alpine\nEXPOSE 80/tcp\n"),
    ("ARG UNUSED=1\nFROM alpine\nRUN x\n", "DW130", "Delete ARG UNUSED", "FROM alpine\nRUN x\n"),
    ("ARG A=1\nARG UNUSED=2\nFROM alpine:$A\n", "DW130", "Delete ARG UNUSED", "ARG A=1\nFROM alpine:$A\n"),
    # one of several names on the line: the last goes with the blank before it, another with the one after
    ("ARG A=1 UNUSED=2\nFROM alpine:$A\n", "DW130", "Delete ARG UNUSED", "ARG A=1\nFROM alpine:$A\n"),
    ("ARG UNUSED=2 A=1\nFROM alpine:$A\n", "DW130", "Delete ARG UNUSED", "ARG A=1\nFROM alpine:$A\n"),
    # a stage's ARG on the last line, with no line break after it
    ("FROM alpine\nRUN x\nARG UNUSED=1", "DW130", "Delete ARG UNUSED", "FROM alpine\nRUN x"),
    ("FROM alpine AS Builder\nRUN x\n", "DW102", "Write the stage name in lower case",
     "FROM alpine AS builder\nRUN x\n"),
    ("from alpine AS b\nrun x\n", "DW103", "Write 'as' like 'from'", "from alpine as b\nrun x\n"),
    ("FROM alpine As b\nRUN x\n", "DW103", "Write 'AS' like 'FROM'", "FROM alpine AS b\nRUN x\n"),
    # only the blanks after the flag go with it
    ("FROM alpine AS Xbase\nRUN x\nFROM --platform=$TARGETPLATFORM \tXbase\nRUN y\n", "DW115",
     "Remove --platform=$TARGETPLATFORM", "FROM alpine AS Xbase\nRUN x\nFROM Xbase\nRUN y\n"),
    ("FROM alpine AS a\nRUN x\nFROM alpine\nRUN y\n", "DW131", "Delete the unreachable stage 'a'",
     "FROM alpine\nRUN y\n"),
    ("FROM alpine\nRUN x\nFROM alpine\nRUN y\n", "DW131", "Delete the unreachable stage 0", "FROM alpine\nRUN y\n"),
])
def test_fix_titles_and_results(src, code, title, out):
    (v,) = findings(src, code)
    assert v.fix is not None and v.fix.title == title
    assert fixed(src, code)[1] == out


def test_unreachable_last_stage_is_deleted_to_the_end():
    src = "FROM alpine AS a\nRUN x\nFROM alpine AS b\nRUN y\n"
    (v,) = lint_text(src, LintSettings.make(select=["DW131"], build={"target": "a"})).violations
    assert v.message == "Stage 'b' is not needed to build the target 'a': docker build skips it"
    assert v.fix is not None and apply_edits(src, v.fix.edits) == "FROM alpine AS a\nRUN x\n"


@pytest.mark.parametrize("image, invalid", [
    ("alpine@sha256:" + "a" * 64, False),
    ("alpine@sha256:" + "A" * 64, True),  # a digest is lower-case hex
    ("alpine@sha256:" + "a" * 63, True),
    ("alpine:3", False),
])
def test_invalid_default_arg_in_from_checks_the_digest(image, invalid):
    got = lint(f"ARG IMG={image}\nFROM $IMG\n", "DW117")
    assert got == ([(2, "InvalidDefaultArgInFrom: Default value for ARG $IMG results in empty or invalid base image name")]
                   if invalid else [])


def _where(src: str, path=None):
    vs = lint_text(src, LintSettings.make(), path).violations
    return [(v.code, v.span.start.line + 1, v.span.start.col, v.span.end.col, v.message) for v in vs
            if v.code.startswith("DW1")]


def test_onbuild_triggers_are_reported_on_the_from_that_runs_them(tmp_path):
    """BuildKit names the child's FROM for what an inherited ONBUILD trigger does."""
    undefined = "UndefinedVar: Usage of undefined variable '$ZZZ'"
    assert _where("FROM alpine AS base\nONBUILD ENV A=$ZZZ\nFROM base\n") == [("DW111", 3, 0, 9, undefined)]
    assert _where("FROM alpine AS base\nONBUILD ARG A=$ZZZ\nFROM base\n") == [("DW111", 3, 0, 9, undefined)]
    assert _where("FROM alpine AS base\nONBUILD USER $ZZZ\nFROM base\n") == [("DW111", 3, 0, 9, undefined)]
    (tmp_path / ".dockerignore").write_text("secret.txt\n")
    got = _where("FROM alpine AS base\nONBUILD COPY secret.txt /x\nFROM base\n", str(tmp_path / "Dockerfile"))
    assert [g[:4] for g in got] == [("DW119", 3, 0, 9)]
    assert got[0][4].startswith('CopyIgnoredFile: Attempting to Copy file "secret.txt" that is excluded')
    # a CMD of the child after an inherited ONBUILD CMD: reported on the child's CMD
    got = _where('FROM alpine AS base\nONBUILD CMD ["a"]\nFROM base\nCMD ["b"]\n')
    assert [g[:4] for g in got] == [("DW112", 4, 0, 3)]


def test_an_arg_default_is_the_value_later_instructions_see():
    assert lint("FROM alpine\nARG DIR=app\nWORKDIR $DIR\n", "DW110") == [
        (3, 'WorkdirRelativePath: Relative workdir "app" can have unexpected results if the base image changes')]


def test_a_shell_buildkit_rejects_sets_no_shell():
    """SHELL must be a JSON array (BuildKit stops there): a later shell-form CMD is still
    reported, as after no SHELL at all."""
    msg = ("JSONArgsRecommended: JSON arguments recommended for CMD to prevent unintended behavior related to "
           "OS signals")
    assert lint("FROM alpine\nSHELL /bin/bash -c\nCMD run.sh\n", "DW107") == [(3, msg)]
    assert lint('FROM alpine\nSHELL ["/bin/bash", "-c"]\nCMD run.sh\n', "DW107") == []


@pytest.mark.parametrize("image, invalid", [
    # a domain keeps its path under 255 characters; a Docker Hub name gains "library/"
    ("localhost/" + "a" * 250 + ":1", False),
    ("index.docker.io/" + "a" * 247 + ":1", False),  # library/ + 247 = 255
    ("index.docker.io/" + "a" * 248 + ":1", True),
    ("a" * 248 + ":1", True),
])
def test_invalid_default_arg_in_from_counts_the_path_as_docker_names_it(image, invalid):
    got = lint(f"FROM {image}\n", "DW117")
    assert got == ([(1, f"InvalidDefaultArgInFrom: Default value for ARG {image} results in empty or invalid "
                        "base image name")] if invalid else [])


def test_undefined_arg_in_a_platform_flag_on_a_continuation_line_points_at_the_reference():
    vs = findings("FROM \\\n    --platform=$BAD alpine:3\n", "DW109")
    assert [(v.span.start.line, v.span.start.col, v.span.end.col) for v in vs] == [(1, 15, 19)]


def test_scratch_has_the_default_path():
    # BuildKit gives a scratch stage PATH (and nothing else): $PATH is defined, $HOME is not
    assert lint("FROM scratch\nENV X=$PATH\n", "DW111") == []
    assert [m for _, m in lint("FROM scratch\nENV X=$HOME\n", "DW111")] == [
        "UndefinedVar: Usage of undefined variable '$HOME'"]


class _Image(_Index):
    """A stand-in registry source: every reference is a single-platform image."""

    def config(self, ref, platform):
        return ImageConfig(platforms=self.platforms, index=False, source="registry")


def test_invalid_base_image_platform_reads_a_windows_platform_with_its_build():
    # the cache names Windows platforms with their build ("windows/amd64 10.0.20348")
    src = _Image(["windows/amd64 10.0.20348"])
    catalog.add_source(src)
    try:
        got = {want: [v.message for v in lint_text("FROM example.com/app:1\nRUN true\n", LintSettings.make(
            select=["DW114"], build={"platform": want})).violations] for want in ("linux/amd64", "windows/amd64")}
    finally:
        catalog.remove_source(src)
    assert got == {
        "linux/amd64": ['InvalidBaseImagePlatform: Base image example.com/app:1 was pulled with platform '
                        '"windows/amd64", expected "linux/amd64" for current build'],
        "windows/amd64": [],
    }


class _Env(_Index):
    """A stand-in registry source: every image's config defines exactly these names."""

    def config(self, ref, platform):
        return ImageConfig(env=frozenset(self.platforms), source="registry")


def test_a_stage_built_from_another_is_checked_again_when_news_of_the_base_image_arrive():
    # the same text linted before and after the registry tells what example.com/app:1 defines:
    # first its environment is unknown (nothing is reported), then it is known, and the stage
    # built FROM it (unchanged lines, so its analysis could be taken from the cache) sees it
    src = "FROM example.com/app:1 AS base\nRUN true\nFROM base\nENV A=$FROM_IMAGE B=$NOT_THERE\n"
    assert lint(src, "DW111") == []
    registry = _Env(["PATH", "FROM_IMAGE"])
    catalog.add_source(registry)
    try:
        got = lint(src, "DW111")
    finally:
        catalog.remove_source(registry)
    assert got == [(4, "UndefinedVar: Usage of undefined variable '$NOT_THERE'")]
