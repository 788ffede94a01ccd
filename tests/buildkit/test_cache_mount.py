""""Use a BuildKit cache mount" (editor refactoring) and the remote-code rules (DW132, DW003)."""
from __future__ import annotations

import pytest

from dockwise.editor import actions
from dockwise.lint.engine import LintSettings, lint_text
from dockwise.lint.fixes import apply_edits
from dockwise.rules._api import Applicability
from dockwise.syntax.parser import parse


def rewrite(src: str) -> tuple[str | None, actions.Proposal | None]:
    df = parse(src)
    p = actions.use_cache_mount(df, 0, len(df.lines))
    return (apply_edits(src, p.edits) if p else None), p


def test_offered_beside_add_cleanup():
    assert (actions.can_cleanup, actions.add_cleanup) in actions.REFACTORINGS
    assert (actions.can_cache_mount, actions.use_cache_mount) in actions.REFACTORINGS
    src = "FROM debian:12\nRUN apt-get update && apt-get install -y curl\n"
    df = parse(src)
    assert actions.can_cleanup(df, 1, 1) and actions.can_cache_mount(df, 1, 1)


def test_apt_as_dockers_documentation_shows():
    new, p = rewrite("FROM debian:12\nRUN apt-get update \\\n    && apt-get install -y curl \\\n"
                     "    && rm -rf /var/lib/apt/lists/*\n")
    assert p is not None and p.title == "Use a BuildKit cache mount (apt)" and p.applicability is Applicability.UNSAFE
    assert new == (
        "FROM debian:12\n"
        "RUN --mount=type=cache,target=/var/cache/apt,sharing=locked "
        "--mount=type=cache,target=/var/lib/apt,sharing=locked "
        "rm -f /etc/apt/apt.conf.d/docker-clean && "
        "echo 'Binary::apt::APT::Keep-Downloaded-Packages \"true\";' > /etc/apt/apt.conf.d/keep-cache && "
        "apt-get update \\\n    && apt-get install -y curl\n")
    # DL3009 is satisfied by the mount, and nothing is offered again
    assert not [v for v in lint_text(new).violations if v.code == "DL3009"]
    assert rewrite(new) == (None, None)


@pytest.mark.parametrize("src,want", [
    ("FROM alpine:3.20\nRUN apk add --no-cache curl && rm -rf /var/cache/apk/*\n",
     "FROM alpine:3.20\nRUN --mount=type=cache,target=/var/cache/apk apk add --update-cache curl\n"),
    ("FROM python:3.12\nRUN pip install --no-cache-dir -r requirements.txt\n",
     "FROM python:3.12\nRUN --mount=type=cache,target=/root/.cache/pip pip install -r requirements.txt\n"),
    ("FROM fedora:40\nRUN set -eux; dnf install -y gcc; dnf clean all; rm -rf /var/cache/dnf\n",
     "FROM fedora:40\nRUN --mount=type=cache,target=/var/cache/dnf,sharing=locked set -eux; dnf install -y gcc\n"),
    ("FROM node:22\nRUN npm ci && npm cache clean --force\n",
     "FROM node:22\nRUN --mount=type=cache,target=/root/.npm npm ci\n"),
    ("FROM node:22\nRUN yarn install --frozen-lockfile && yarn cache clean\n",
     "FROM node:22\nRUN --mount=type=cache,target=/usr/local/share/.cache/yarn yarn install --frozen-lockfile\n"),
    ("FROM golang:1.22\nRUN go build -o /app .\n",
     "FROM golang:1.22\nRUN --mount=type=cache,target=/root/.cache/go-build --mount=type=cache,target=/go/pkg/mod "
     "go build -o /app .\n"),
    ("FROM rust:1.80\nRUN cargo build --release\n",
     "FROM rust:1.80\nRUN --mount=type=cache,target=/usr/local/cargo/registry "
     "--mount=type=cache,target=/usr/local/cargo/git/db cargo build --release\n"),
    # outside the official images: GOPATH and CARGO_HOME are the tools' defaults under /root
    ("FROM debian:12\nRUN go build -o /app .\n",
     "FROM debian:12\nRUN --mount=type=cache,target=/root/.cache/go-build "
     "--mount=type=cache,target=/root/go/pkg/mod go build -o /app .\n"),
    ("FROM debian:12\nRUN cargo build --release\n",
     "FROM debian:12\nRUN --mount=type=cache,target=/root/.cargo/registry "
     "--mount=type=cache,target=/root/.cargo/git/db cargo build --release\n"),
    ("FROM alpine:3.20\nRUN apk upgrade --no-cache\n",
     "FROM alpine:3.20\nRUN --mount=type=cache,target=/var/cache/apk apk upgrade --update-cache\n"),
])
def test_each_tool(src, want):
    new, p = rewrite(src)
    assert new == want


@pytest.mark.parametrize("src", [
    "FROM node:22\nUSER node\nRUN npm ci\n",  # a home cache for another user
    "FROM python:3.12\nRUN --mount=type=cache,target=/root/.cache pip install flask\n",  # already mounted
    "FROM debian:12\nRUN apt-get install -y curl; rm -rf /var/lib/apt/lists/* || true\n",  # `|| true`
    "FROM debian:12\nRUN sh -c 'apt-get install -y curl && rm -rf /var/lib/apt/lists/*'\n",  # cleanup in sh -c
    "FROM debian:12\nRUN [\"apt-get\", \"install\", \"-y\", \"curl\"]\n",  # exec form
    "FROM debian:12\nRUN echo hello\n",
])
def test_not_offered(src):
    assert rewrite(src) == (None, None)


def test_home_caches_follow_the_last_user_before_the_run():
    src = "FROM node:22\nUSER root\nRUN npm ci\n"
    assert rewrite(src)[0] == "FROM node:22\nUSER root\nRUN --mount=type=cache,target=/root/.npm npm ci\n"
    # the last RUN runs as node again: only the apt RUN, run as root, is rewritten
    src = "FROM node:22\nUSER node\nRUN npm ci\nUSER root\nRUN apt-get update\nUSER node\nRUN npm ci\n"
    new = rewrite(src)[0]
    assert new is not None and new.endswith("\nUSER node\nRUN npm ci\n") and new.count("--mount") == 2


def test_apt_already_mounted_keeps_its_configuration():
    """Only pip's cache is added; the apt configuration (docker-clean) is the user's choice there."""
    mounts = "--mount=type=cache,target=/var/cache/apt,sharing=locked --mount=type=cache,target=/var/lib/apt,sharing=locked"
    src = f"FROM debian:12\nRUN {mounts} apt-get update && apt-get install -y python3-pip && pip install flask\n"
    assert rewrite(src)[0] == (f"FROM debian:12\nRUN --mount=type=cache,target=/root/.cache/pip {mounts} "
                               "apt-get update && apt-get install -y python3-pip && pip install flask\n")


def test_only_the_run_changes_and_comments_stay():
    src = "FROM debian:12\n# tools\nRUN apt-get update \\\n    # the tools\n    && apt-get install -y curl\nCMD [\"bash\"]\n"
    new, p = rewrite(src)
    assert new is not None and "# the tools" in new and new.endswith('CMD ["bash"]\n')
    # a cleanup that would take a comment line with it: not offered
    src2 = "FROM debian:12\nRUN apt-get install -y curl \\\n    # clean\n    && rm -rf /var/lib/apt/lists/*\n"
    assert rewrite(src2) == (None, None)


def test_remote_script_piped_to_a_shell():
    s = LintSettings.make(select=["DW132"])
    bad = ["curl -fsSL https://get.docker.com | sh", "wget -qO- https://x.io/i.sh | sudo bash -s -- -v 2",
           "curl -sL https://deb.nodesource.com/setup_18.x | bash -", 'sh -c "$(curl -fsSL https://x/i.sh)"',
           "curl https://x/s.sh | bash /dev/stdin arg", "bash -c 'curl -s https://x | python3'",
           "wget -qO - https://x.io/i.sh | sh", "wget --output-document - https://x.io/i.sh | sh",
           # interpreters other than shells, by name or as a versioned python
           'node -e "$(curl -fsSL https://x/i.js)"', 'python3.12 -c "$(curl -fsSL https://x/i.py)"']
    good = ['node -e "$(cat /tmp/i.js)"', "curl -fsSLo /tmp/i.sh https://x/i.sh && sh /tmp/i.sh", "curl -fsSL https://x/a.tgz | tar -xz",
            "wget https://x/i.sh -O /tmp/i.sh", "curl https://x | bash -c 'cat > /tmp/x'"]
    for cmd in bad:
        vs = lint_text(f"FROM debian:12\nRUN {cmd}\n", s).violations
        assert [v.code for v in vs] == ["DW132"], cmd
        assert "unpinned" in vs[0].message and "unverified" in vs[0].message
    for cmd in good:
        assert not lint_text(f"FROM debian:12\nRUN {cmd}\n", s).violations, cmd


def test_add_url_suggests_the_checksum_flag():
    s = LintSettings.make(select=["DW003"])
    vs = lint_text("FROM debian:12\nADD https://example.com/x.tgz /tmp/\n", s).violations
    assert len(vs) == 1 and "--checksum=sha256:" in vs[0].message and "1.6" in vs[0].message
    ok = "FROM debian:12\nADD --checksum=sha256:" + "a" * 64 + " https://example.com/x.tgz /tmp/\n"
    assert not lint_text(ok, s).violations


@pytest.mark.parametrize("src,want", [
    # a cleanup at the start of the script goes, up to the next command
    ("FROM node:22\nRUN npm cache clean --force && npm ci\n", "FROM node:22\nRUN --mount=type=cache,target=/root/.npm npm ci\n"),
    ("FROM fedora:40\nRUN dnf clean all; dnf install -y gcc\n",
     "FROM fedora:40\nRUN --mount=type=cache,target=/var/cache/dnf,sharing=locked dnf install -y gcc\n"),
    # removing all of ~/.cache after pip, and `go clean -cache`, are cleanups the mount makes pointless
    ("FROM python:3.12\nRUN pip install flask && rm -rf /root/.cache\n",
     "FROM python:3.12\nRUN --mount=type=cache,target=/root/.cache/pip pip install flask\n"),
    ("FROM golang:1.22\nRUN go build -o /app . && go clean -cache\n",
     "FROM golang:1.22\nRUN --mount=type=cache,target=/root/.cache/go-build --mount=type=cache,target=/go/pkg/mod "
     "go build -o /app .\n"),
    # ~/.npmrc (it may hold a registry token) is not the npm cache: its removal stays
    ("FROM node:22\nRUN npm ci && rm -rf /root/.npmrc\n",
     "FROM node:22\nRUN --mount=type=cache,target=/root/.npm npm ci && rm -rf /root/.npmrc\n"),
    ("FROM node:22\nRUN npm ci && rm -rf /root/.npm/_cacache\n", "FROM node:22\nRUN --mount=type=cache,target=/root/.npm npm ci\n"),
    # apt-get clean and its spellings
    *[(f"FROM debian:12\nRUN apt-get update && apt-get install -y curl && apt-get {clean}\n",
       "FROM debian:12\nRUN --mount=type=cache,target=/var/cache/apt,sharing=locked "
       "--mount=type=cache,target=/var/lib/apt,sharing=locked rm -f /etc/apt/apt.conf.d/docker-clean && "
       "echo 'Binary::apt::APT::Keep-Downloaded-Packages \"true\";' > /etc/apt/apt.conf.d/keep-cache && "
       "apt-get update && apt-get install -y curl\n")
      for clean in ("clean", "autoclean", "auto-clean", "distclean", "dist-clean")],
])
def test_cleanups_that_go(src, want):
    assert rewrite(src)[0] == want
