"""Details of the rules and their fixes that no other test pinned down (found by
mutation testing, bench/mutation.py): which manifests an install reads, which
commands count as a cache cleanup, option spellings, exec form, fixes that must
not apply. Each case is what a user sees: the findings, or the fixed file."""
from __future__ import annotations

import pytest

from dockwise.images import catalog as images
from dockwise.lint.engine import LintSettings, lint_text
from dockwise.lint.fixes import fix_text

CTX = "runs after `COPY .` copied the whole build context: every source edit re-runs it"
DW011 = "This RUN only cleans up files an earlier layer created: they stay in the image; clean up in the RUN that created them"
TOOLS = ("Build tools in the final image (gcc) and no multi-stage build: build in a builder stage and "
         "COPY --from it only what the application needs")
PIP = ("Pin versions in pip. Instead of `pip install <package>` use `pip install <package>==<version>` or "
       "`pip install --requirement <requirements file>` ({0})")

LINT = [
    # DW004: the manifests each install reads
    ("DW004", "FROM python:3.12\nCOPY . .\nRUN uv sync\n",
     [(3, f"`uv sync` {CTX}; copy pyproject.toml, uv.lock first, install, then copy the rest")]),
    ("DW004", "FROM python:3.12\nCOPY . .\nRUN uv pip install -r req.txt\n",
     [(3, f"`uv pip` {CTX}; copy req.txt first, install, then copy the rest")]),
    ("DW004", "FROM python:3.12\nCOPY . .\nRUN pip install --requirement=req.txt\n",
     [(3, f"`pip install` {CTX}; copy req.txt first, install, then copy the rest")]),
    ("DW004", "FROM ruby:3\nCOPY . .\nRUN bundle install\n",
     [(3, f"`bundle install` {CTX}; copy Gemfile, Gemfile.lock first, install, then copy the rest")]),
    ("DW004", "FROM rust:1\nCOPY . .\nRUN cargo fetch\n",
     [(3, f"`cargo fetch` {CTX}; copy Cargo.toml, Cargo.lock first, install, then copy the rest")]),
    ("DW004", "FROM golang:1\nCOPY . .\nRUN go mod download\n",
     [(3, f"`go mod download` {CTX}; copy go.mod, go.sum first, install, then copy the rest")]),
    # DW011: what counts as creating a cache and as cleaning it up
    ("DW011", "FROM python:3.12\nRUN uv pip install x\nRUN rm -rf /root/.cache/pip\n", [(3, DW011)]),
    ("DW011", "FROM python:3.12\nRUN pip3.12 install x\nRUN rm -rf /root/.cache/pip\n", [(3, DW011)]),
    ("DW011", "FROM continuumio/miniconda3\nRUN conda install -y x\nRUN conda clean -afy\n", [(3, DW011)]),
    ("DW011", "FROM node:22\nRUN npm install\nRUN npm cache clean --force\n", [(3, DW011)]),
    ("DW011", "FROM alpine\nRUN composer install\nRUN composer clear-cache\n", [(3, DW011)]),
    ("DW011", "FROM alpine\nRUN composer install\nRUN composer diagnose\n", []),
    # apt: exec form, and -o APT::Install-Recommends
    ("DL3015", 'FROM debian\nRUN ["apt-get", "install", "-y", "x"]\n',
     [(2, "Avoid additional packages by specifying `--no-install-recommends`")]),
    ("DL3015", "FROM debian\nRUN apt-get install -y -o APT::Install-Recommends=false x\n", []),
    ("DL3015", "FROM debian\nRUN apt-get install -y -o APT::Install-Recommends=true x\n",
     [(2, "Avoid additional packages by specifying `--no-install-recommends`")]),
    # pipx options that take a value are not packages
    ("DL3013", "FROM python:3\nRUN pipx install --python python3.12 black\n", [(2, PIP.format("black"))]),
    ("DL3013", 'FROM python:3\nRUN pipx install --pip-args "--no-cache-dir" black\n', [(2, PIP.format("black"))]),
    ("DL3013", "FROM python:3\nRUN pipx install --python python3.12 black==1\n", []),
    # npm: a bare scope
    ("DL3016", "FROM node:22\nRUN npm install -g @scope\n",
     [(2, "Pin versions in npm. Instead of `npm install <package>` use `npm install <package>@<version>` (@scope)")]),
    # a package with an architecture suffix is still that package
    ("DW007", "FROM debian\nRUN apt-get install -y gcc:amd64\n",
     [(2, "Build tools in the final image (gcc:amd64) and no multi-stage build: build in a builder stage and "
          "COPY --from it only what the application needs")]),
    ("DL3032", "FROM centos:7\nRUN yum upgrade -y\n", [(2, "`yum clean all` missing after yum command.")]),
    # DW004: a manifest bind-mounted from the context (by source, or to the path the install reads)
    ("DW004", "FROM python:3.12\nCOPY . .\n"
              "RUN --mount=type=bind,source=requirements.txt,target=/tmp/x pip install -r requirements.txt\n", []),
    ("DW004", "FROM python:3.12\nCOPY . .\nRUN --mount=type=bind,source=reqs,dst=/r.txt pip install -r /r.txt\n", []),
    ("DW004", "FROM python:3.12\nCOPY . .\nRUN --mount=type=bind,source=reqs,target=/tmp/y pip install -r /r.txt\n",
     [(3, f"`pip install` {CTX}; copy r.txt first, install, then copy the rest")]),
    # DW007: what removes a build tool again in the same RUN
    ("DW007", "FROM opensuse/leap\nRUN zypper install -y gcc && make && zypper remove -y gcc\n", []),
    ("DW007", "FROM opensuse/leap\nRUN zypper install -y gcc && make && conda remove gcc\n", [(2, TOOLS)]),
    ("DW007", "FROM debian\nRUN apt-mark auto '.*' && apt-get install -y gcc make && apt-get purge -y make\n",
     [(2, TOOLS)]),
    ("DW007", "FROM debian\nRUN apt-mark auto '.*' && apt-get install -y gcc make "
              "&& apt-get purge -y --auto-remove make\n", []),
    ("DW007", "FROM centos\nRUN yum remove -y gcc\n", []),
    # a --mount without type= is a bind mount, not a cache
    ("DL3009", "FROM debian\nRUN --mount=target=/x apt-get update && apt-get install -y curl\n",
     [(2, "Delete the apt lists (/var/lib/apt/lists) after installing something")]),
    # DW005: a global ARG default names the user
    ("DW005", "ARG U=root\nFROM debian\nUSER app\nRUN x\nUSER $U\n",
     [(5, "USER $U switches back to root after USER app: do the root work first and switch to the user once, at the end")]),
]


@pytest.mark.parametrize("code, src, expected", LINT, ids=[f"{c[0]}-{i}" for i, c in enumerate(LINT)])
def test_findings(code, src, expected):
    got = lint_text(src, LintSettings.make(select=[code])).violations
    assert [(v.line, v.message) for v in got] == expected


FIX = [
    ("DL3007", "FROM python:latest\n", "FROM python:3.14\n"),
    # DW001 edits the default of the ARG the FROM uses, not another ARG with the same value
    ("DW001", "ARG A=python:3.12\nARG IMG=python:3.12\nFROM $IMG\n", "ARG A=python:3.12\nARG IMG=python:3.12-slim\nFROM $IMG\n"),
    # a digest pins the image already: nothing to pin
    ("DL3007", "FROM python:latest@sha256:" + "0123456789abcdef" * 4 + "\n", None),
    # a backgrounded update is not merged into the next RUN
    ("DW002", "FROM debian\nRUN apt-get update &\nRUN apt-get install -y x\n", None),
    ("DW002", "FROM debian\nRUN apt-get update\nRUN apt-get install -y x\n",
     "FROM debian\nRUN apt-get update && apt-get install -y x\n"),
    # DW004 keeps --chmod on both COPYs; an editable install needs the sources: no fix
    ("DW004", "FROM python:3.12\nWORKDIR /app\nCOPY --chmod=644 . .\nRUN pip install -r req.txt\n",
     "FROM python:3.12\nWORKDIR /app\nCOPY --chmod=644 req.txt ./\nRUN pip install -r req.txt\nCOPY --chmod=644 . .\n"),
    ("DW004", "FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN pip install -r req.txt -e .\n", None),
    # the cleanup moves into the RUN that made the cache, past an unrelated RUN
    ("DW011", "FROM python:3.12\nRUN uv pip install x\nRUN echo hi\nRUN rm -rf /root/.cache/pip\n",
     "FROM python:3.12\nRUN uv pip install x \\\n    && rm -rf /root/.cache/pip\nRUN echo hi\n"),
    ("DW011", "FROM python:3.12\nRUN pip3.12 install x\nRUN echo hi\nRUN rm -rf /root/.cache/pip\n",
     "FROM python:3.12\nRUN pip3.12 install x \\\n    && rm -rf /root/.cache/pip\nRUN echo hi\n"),
    ("DW011", "FROM continuumio/miniconda3\nRUN conda install -y x\nRUN echo hi\nRUN conda clean -afy\n",
     "FROM continuumio/miniconda3\nRUN conda install -y x \\\n    && conda clean -afy\nRUN echo hi\n"),
    ("DW011", "FROM node:22\nRUN npm install\nRUN echo hi\nRUN npm cache clean --force\n",
     "FROM node:22\nRUN npm install \\\n    && npm cache clean --force\nRUN echo hi\n"),
    # after a `cd`, a path under ~ still names the same files; a relative one would not
    ("DW011", "FROM node:22\nRUN cd /tmp && npm install\nRUN rm -rf ~/.npm\n",
     "FROM node:22\nRUN cd /tmp && npm install \\\n    && rm -rf ~/.npm\n"),
    ("DW011", "FROM node:22\nRUN cd /tmp && npm install\nRUN rm -rf .npm\n", None),
    # nothing is appended to a RUN that ends in `;` or `&`
    ("DL3009", "FROM debian\nRUN apt-get update && apt-get install -y curl;\n", None),
    ("DL3009", "FROM debian\nRUN apt-get update && apt-get install -y curl &\n", None),
    # a comment above the instruction is not part of it
    ("DL3025", "FROM a\n# note\nCMD echo \\\n  hi\n", 'FROM a\n# note\nCMD ["echo", "hi"]\n'),
    # on a Windows base the exec form would need cmd's quoting: no fix
    ("DL3025", "FROM mcr.microsoft.com/windows:1809\nCMD echo hi\n", None),
]


@pytest.mark.parametrize("code, src, fixed", FIX, ids=[f"{c[0]}-{i}" for i, c in enumerate(FIX)])
def test_fixes(code, src, fixed):
    assert fix_text(src, LintSettings.make(select=[code]), unsafe=True).text == (src if fixed is None else fixed)


def test_latest_pin_fix_says_when_the_table_saw_latest():
    (v,) = lint_text("FROM python:latest\n", LintSettings.make(select=["DL3007"])).violations
    when = images.size_table()["images"]["python"]["latest"]["as_of"]
    assert v.fix is not None and v.fix.title == f"Pin python:3.14 (what latest was in dockwise's image table as of {when})"


def test_msi_install_in_a_windows_exec_form_run_points_at_msiexec():
    src = 'FROM mcr.microsoft.com/windows/servercore:ltsc2022\nRUN ["cmd", "/S", "/C", "msiexec /i python.msi /qn"]\n'
    (v,) = lint_text(src, LintSettings.make(select=["DW008"])).violations
    assert v.message.startswith("MSI install: Windows Installer keeps a cached copy of the package")
    assert (v.span.start.line, v.span.start.col, v.span.end.line, v.span.end.col) == (1, 25, 1, 32)
    assert src.split("\n")[1][25:32] == "msiexec"


def test_implicit_root_is_off_unless_selected():
    src = "FROM python:3.12-slim\nCMD python\n"
    assert [v.code for v in lint_text(src, LintSettings()).violations if v.code == "DW006"] == []
    assert [v.code for v in lint_text(src, LintSettings.make(select=["DW006"])).violations] == ["DW006"]


@pytest.mark.parametrize("src, span", [
    ('FROM debian\nRUN sh -c "apt-get install -y gcc"\n', (1, 11, 1, 33)),  # inside the quotes
    ('FROM debian\nRUN sh -e -c "apt-get install -y gcc"\n', (1, 14, 1, 36)),  # -e is not -c
    # a string over two lines (a Dockerfile continuation, no shell escape): the
    # map through the continuation is exact, so the command gets its own span
    ('FROM debian\nRUN sh -c "apt-get update && \\\n  apt-get install -y gcc"\n', (2, 2, 2, 24)),
    # an escaped quote inside the string: spans are no longer one to one, the whole string's
    ('FROM debian\nRUN sh -c "echo \\"x\\" && apt-get install -y gcc"\n', (1, 10, 1, 48)),
])
def test_commands_inside_sh_c_are_seen(src, span):
    (v,) = lint_text(src, LintSettings.make(select=["DW007"])).violations
    assert (v.span.start.line, v.span.start.col, v.span.end.line, v.span.end.col) == span


def test_sh_c_three_levels_deep_is_seen():
    src = 'FROM debian\nRUN sh -c "sh -c \'sh -c \\"apt-get install -y gcc\\"\'"\n'
    assert [v.code for v in lint_text(src, LintSettings.make(select=["DW007"])).violations] == ["DW007"]


def test_a_fix_takes_the_line_ending_of_the_first_line():
    src = "FROM debian\r\nRUN apt-get update && apt-get install -y curl\n"
    out = fix_text(src, LintSettings.make(select=["DL3009"]), unsafe=True).text
    assert out == "FROM debian\r\nRUN apt-get update && apt-get install -y curl \\\r\n    && rm -rf /var/lib/apt/lists/*\n"
