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
    ("DW004", "FROM php:8.4\nCOPY . .\nRUN php composer.phar install\n",
     [(3, f"`php composer.phar` {CTX}; copy composer.json, composer.lock first, install, then copy the rest")]),
    ("DW004", "FROM php:8.4\nCOPY . .\nRUN ./composer.phar install\n",
     [(3, f"`composer.phar install` {CTX}; copy composer.json, composer.lock first, install, then copy the rest")]),
    ("DW004", "FROM drupal:11\nCOPY . .\nRUN php core/scripts/drupal install standard\n", []),  # not composer
    ("DW004", "FROM python:3.12\nCOPY . .\nRUN pipenv install --deploy\n",
     [(3, f"`pipenv install` {CTX}; copy Pipfile, Pipfile.lock first, install, then copy the rest")]),
    ("DW004", "FROM python:3.12\nCOPY . .\nRUN pipenv install gunicorn\n", []),  # a named package, not the Pipfile
    # a requirements glob that the shell expands to a file copied before the context
    ("DW004", "FROM python:3.12\nCOPY requirements-prod.txt ./\nCOPY . .\nRUN pip install -r requirements-[dp]?*.txt\n",
     []),
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


# -- more details found by mutation testing ----------------------------------------------

MORE_LINT = [
    # --autoremove is apt's other spelling of --auto-remove
    ("DW007", "FROM debian\nRUN apt-mark auto '.*' && apt-get install -y gcc make "
              "&& apt-get purge -y --autoremove make\n", []),
    # a VCS requirement pinned to a ref, in the scp-like form too
    ("DL3013", "FROM python:3\nRUN pip install git+git@github.com:owner/repo@v1.0\n", []),
    ("DL3013", "FROM python:3\nRUN pip install git+git@github.com:owner/repo\n",
     [(2, PIP.format("git+git@github.com:owner/repo"))]),
    # a scoped package from a git host names its source after the @
    ("DL3016", "FROM node:22\nRUN npm install -g @scope/name@github:user/repo\n", []),
    # pipefail set in the stage this one is built from
    ("DL4006", 'FROM debian AS a\nSHELL ["/bin/bash", "-o", "pipefail", "-c"]\nFROM a\nRUN curl x | sh\n', []),
    ("DL4006", "FROM debian AS a\nFROM a\nRUN curl x | sh\n",
     [(3, "Set the SHELL option -o pipefail before RUN with a pipe in it. If you are using /bin/sh in an alpine "
          "image or if your shell is symlinked to busybox then consider explicitly setting your SHELL to /bin/ash, "
          "or disable this check")]),
    # ~/.npmrc is not the npm cache
    ("DW011", "FROM node:22\nRUN npm install\nRUN rm -rf /root/.npmrc\n", []),
    ("DW011", "FROM node:22\nRUN npm install\nRUN rm -rf /x/.npm/\n", [(3, DW011)]),
    # pipefail set two stages up
    ("DL4006", 'FROM debian AS a\nSHELL ["/bin/bash", "-o", "pipefail", "-c"]\nFROM a AS b\nFROM b\nRUN curl x | sh\n', []),
    # DW004: the manifests each install reads; `uv run` installs nothing; a variable file is not named
    ("DW004", "FROM node:22\nCOPY . .\nRUN yarn install\n",
     [(3, f"`yarn install` {CTX}; copy package.json, yarn.lock first, install, then copy the rest")]),
    ("DW004", "FROM ruby:3\nCOPY . .\nRUN bundler install\n",
     [(3, f"`bundler install` {CTX}; copy Gemfile, Gemfile.lock first, install, then copy the rest")]),
    ("DW004", "FROM gradle:8\nCOPY . .\nRUN gradle dependencies\n",
     [(3, f"`gradle dependencies` {CTX}; copy build.gradle, build.gradle.kts first, install, then copy the rest")]),
    ("DW004", "FROM python:3\nCOPY . .\nRUN pip install -r $REQ -r b.txt\n",
     [(3, f"`pip install` {CTX}; copy b.txt first, install, then copy the rest")]),
    ("DW004", "FROM python:3\nCOPY . .\nRUN uv run x\n", []),
    # a cache mount elsewhere does not make the removal of the apt lists a cache cleanup; one on them does
    ("DW011", "FROM debian\nRUN apt-get update && apt-get install -y curl\n"
              "RUN --mount=type=cache,target=/root/.cache rm -rf /var/lib/apt/lists/*\n", [(3, DW011)]),
    ("DW011", "FROM debian\nRUN apt-get update && apt-get install -y curl\n"
              "RUN --mount=type=cache,target=/var/lib/apt/lists rm -rf /var/lib/apt/lists/*\n", []),
    # `./` is the whole context too
    ("DW004", "FROM python:3\nCOPY ./ /app\nRUN pip install -r /app/req.txt\n",
     [(3, "`pip install` runs after `COPY ./` copied the whole build context: every source edit re-runs it; "
          "copy req.txt first, install, then copy the rest")]),
]


@pytest.mark.parametrize("code, src, expected", MORE_LINT, ids=[f"{c[0]}-{i}" for i, c in enumerate(MORE_LINT)])
def test_more_findings(code, src, expected):
    got = lint_text(src, LintSettings.make(select=[code])).violations
    assert [(v.line, v.message) for v in got] == expected


MORE_FIX = [
    # the cleanup goes after a command that writes to stderr (`>&2` is not a trailing `&`)
    ("DW011", "FROM node:22\nRUN npm install && echo done >&2\nRUN npm cache clean --force\n",
     "FROM node:22\nRUN npm install && echo done >&2 \\\n    && npm cache clean --force\n"),
    # nothing runs after `exec`: the cleanup is not moved there
    ("DW011", "FROM node:22\nRUN npm install && exec true\nRUN npm cache clean --force\n", None),
    # after popd the working directory is another: a relative cleanup is not moved
    ("DW011", "FROM node:22\nRUN npm install && popd\nRUN rm -rf .npm\n", None),
    # DL3025 on a stage built from another stage (not Windows); single-quoted words stay words
    ("DL3025", "FROM alpine AS a\nFROM a\nCMD echo hi\n", 'FROM alpine AS a\nFROM a\nCMD ["echo", "hi"]\n'),
    ("DL3025", "FROM alpine\nCMD echo 'a b' 'c'\n", 'FROM alpine\nCMD ["echo", "a b", "c"]\n'),
    # DW002: not merged across a SHELL or a COPY whose destination is a variable; merged across others
    ("DW002", 'FROM debian\nRUN apt-get update\nSHELL ["/bin/bash", "-c"]\nRUN apt-get install -y x\n', None),
    ("DW002", "FROM debian\nRUN apt-get update\nCOPY x $DEST\nRUN apt-get install -y x\n", None),
    ("DW002", "FROM debian\nRUN apt-get update\nCOPY x /opt/x\nRUN apt-get install -y x\n",
     "FROM debian\nCOPY x /opt/x\nRUN apt-get update && apt-get install -y x\n"),
    # a COPY without arguments (an error of its own) does not stop the fix
    ("DW002", "FROM debian\nRUN apt-get update\nCOPY\nRUN apt-get install -y x\n",
     "FROM debian\nCOPY\nRUN apt-get update && apt-get install -y x\n"),
    # DW004: a relative COPY destination, under scratch's / or the WORKDIR of this stage or a parent
    ("DW004", "FROM scratch\nCOPY . app\nRUN pip install -r app/req.txt\n",
     "FROM scratch\nCOPY req.txt app/\nRUN pip install -r app/req.txt\nCOPY . app\n"),
    ("DW004", "FROM python:3.12\nWORKDIR /w\nCOPY . app\nRUN pip install -r app/req.txt\n",
     "FROM python:3.12\nWORKDIR /w\nCOPY req.txt app/\nRUN pip install -r app/req.txt\nCOPY . app\n"),
    ("DW004", "FROM python:3.12 AS base\nFROM base\nWORKDIR /w\nCOPY . app\nRUN pip install -r app/req.txt\n",
     "FROM python:3.12 AS base\nFROM base\nWORKDIR /w\nCOPY req.txt app/\nRUN pip install -r app/req.txt\n"
     "COPY . app\n"),
    # an index URL is an option value, not a package
    ("DW004", "FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN pip install -i https://pypi.example/simple -r req.txt\n",
     "FROM python:3.12\nWORKDIR /app\nCOPY req.txt ./\nRUN pip install -i https://pypi.example/simple -r req.txt\n"
     "COPY . .\n"),
]


@pytest.mark.parametrize("code, src, fixed", MORE_FIX, ids=[f"{c[0]}-{i}" for i, c in enumerate(MORE_FIX)])
def test_more_fixes(code, src, fixed):
    assert fix_text(src, LintSettings.make(select=[code]), unsafe=True).text == (src if fixed is None else fixed)


def test_an_empty_exec_form_run_is_dumped_as_exec_form():
    from dockwise.syntax.parser import dump_json, parse

    (run,) = [i for i in dump_json(parse("FROM a\nRUN []\n"))["instructions"] if i["keyword"] == "RUN"]
    assert run["shell"] == {"ok": True, "dialect": "exec", "commands": []}


def test_collecting_the_rules_again_gives_the_same_registry():
    from dockwise import rules

    assert rules._collect() == rules.ALL_RULES


def test_a_rule_declared_through_the_api_keeps_its_settings():
    from dockwise.rules._api import Severity, rule

    @rule(code="XX999", name="test-only", summary="s", severity=Severity.ERROR, final_image_only=True)
    def _check(df, ctx):
        return []

    assert _check.meta.severity is Severity.ERROR and _check.meta.final_image_only


def test_apt_lists_fix_is_unsafe_when_a_later_run_is_a_script_we_cannot_see():
    from fixutil import fixed

    base = "FROM debian\nRUN apt-get update && apt-get install -y curl\n"
    assert fixed(base + "RUN $INSTALLER\n", "DL3009")[0] == "unsafe"
    assert fixed(base + "RUN echo\n", "DL3009")[0] == "safe"


WINDOWS = "FROM mcr.microsoft.com/windows/servercore:ltsc2022\n"


@pytest.mark.parametrize("run, flagged", [
    ("RUN msiexec.exe /i x.msi /qn", True),
    # msiexec named inside a quoted message is not a call
    ("RUN powershell -Command \"Write-Host 'Executing MsiExec.exe with parameters'\"", False),
    ("RUN powershell Write-Host 'Executing MsiExec.exe now'; Write-Host 'done'", False),
])
def test_msi_install_named_in_a_message_is_not_an_install(run, flagged):
    got = lint_text(WINDOWS + run + "\n", LintSettings.make(select=["DW008"])).violations
    assert bool(got) == flagged


def test_commands_before_a_heredoc_body_are_seen():
    src = "FROM debian\nRUN cat <<EOF > /x && apt-get install -y gcc\nhello\nEOF\n"
    assert [v.message for v in lint_text(src, LintSettings.make(select=["DW007"])).violations] == [TOOLS]
