"""Valid/invalid tables for the package-manager rules (issue 3, part A):
DL3008 DL3009 DL3013 DL3014 DL3015 DL3016 DL3018 DL3019 DL3042.

Each case is (code, Dockerfile, expected spans). A span is
``(line, start col, end col)`` when it is on one line, else
``(line, start col, end line, end col)``; all 0-based. Fix cases give the
exact fixed text and check that the fixed text no longer triggers the rule.
"""
import pytest

from dockwise.lint.engine import LintSettings, lint_text
from dockwise.rules import _pm

D = "FROM debian:12\n"
A = "FROM alpine:3.20\n"
P = "FROM python:3.12-slim\n"
N = "FROM node:22\n"
WIN = 'FROM mcr.microsoft.com/windows/servercore:ltsc2022\nSHELL ["powershell", "-Command"]\n'


def lint(src, code):
    return [v for v in lint_text(src, LintSettings.make(select=[code])).violations if v.code == code]


def spans(violations):
    out = []
    for v in violations:
        s, e = v.span.start, v.span.end
        out.append((s.line, s.col, e.col) if s.line == e.line else (s.line, s.col, e.line, e.col))
    return out


def apply_edits(src, edits):
    """Apply non-overlapping edits given by (line, col) spans."""
    lines = src.split("\n")
    starts = [0]
    for ln in lines:
        starts.append(starts[-1] + len(ln) + 1)

    def off(p):
        return starts[p.line] + p.col

    out = src
    for e in sorted(edits, key=lambda e: off(e.span.start), reverse=True):
        out = out[: off(e.span.start)] + e.new_text + out[off(e.span.end):]
    return out


CASES = [
    # ---------------------------------------------------------------- DL3008
    ("DL3008", D + "RUN apt-get install -y curl\n", [(1, 23, 27)]),
    ("DL3008", D + "RUN apt-get install -y curl=7.88.1-10\n", []),
    ("DL3008", D + "RUN apt-get install -y ./pkg.deb\n", []),
    ("DL3008", D + "RUN apt-get install -y curl/bookworm-backports\n", []),
    ("DL3008", D + "RUN apt-get install -y curl=1 git\n", [(1, 30, 33)]),
    ("DL3008", D + "RUN apt-get install -y curl git\n", [(1, 23, 27), (1, 28, 31)]),
    ("DL3008", D + "RUN apt-get install -y -t bookworm curl=1\n", []),
    ("DL3008", D + "RUN apt-get install -y --target-release=bookworm curl=1\n", []),
    ("DL3008", D + "RUN apt-get -o Acquire::Retries=3 install -y curl=1\n", []),
    ("DL3008", D + "RUN apt-get -o Foo install -y curl=1\n", []),  # hadolint: Foo is a package
    ("DL3008", D + "RUN apt-get install -y -a arm64 curl=1\n", []),  # hadolint: arm64 is a package
    ("DL3008", D + "RUN apt-get install -y -- curl=1\n", []),  # hadolint: `--` is a package
    ("DL3008", D + "RUN apt-get -y install\n", []),
    ("DL3008", D + "RUN apt-get update\n", []),
    ("DL3008", D + "RUN apt-get remove -y curl\n", []),
    ("DL3008", D + "RUN apt install -y curl\n", []),  # DL3027's business
    ("DL3008", D + "RUN sudo apt-get install -y curl\n", [(1, 28, 32)]),  # wrappers are seen through (hadolint: not)
    ("DL3008", D + "RUN /usr/bin/apt-get install -y curl\n", [(1, 32, 36)]),
    ("DL3008", D + 'RUN apt-get install -y "curl"\n', [(1, 23, 29)]),
    ("DL3008", D + "RUN apt-get install -y curl=$CURL_VERSION\n", []),
    ("DL3008", D + "RUN apt-get install -y $PKGS\n", [(1, 23, 28)]),
    ("DL3008", D + 'ENV PKGS="curl=1 git=2"\nRUN apt-get install -y $PKGS\n', []),
    ("DL3008", D + 'ARG PKGS="curl git=2"\nRUN apt-get install -y ${PKGS}\n', [(2, 23, 30)]),
    ("DL3008", D + 'RUN apt-get install -y "${PKGS}"\nARG PKGS=curl=1\n', [(1, 23, 32)]),  # ARG comes later
    ("DL3008", D + "RUN apt-get install -y $(cat /pkgs.txt)\n", [(1, 23, 39)]),
    ("DL3008", D + "RUN apt-get install -y curl${V:+=}${V}\n", []),
    ("DL3008", D + "RUN apt-get update && apt-get install -y \\\n    curl \\\n    git=1\n", [(2, 4, 8)]),
    ("DL3008", D + "RUN <<EOF\napt-get update\napt-get install -y curl\nEOF\n", [(3, 19, 23)]),
    ("DL3008", D + "RUN bash <<EOF\napt-get install -y curl\nEOF\n", [(2, 19, 23)]),
    ("DL3008", D + "RUN cat <<EOF > /x.sh\napt-get install -y curl\nEOF\n", []),  # data, not a script
    ("DL3008", D + "ONBUILD RUN apt-get install -y curl\n", [(1, 31, 35)]),
    ("DL3008", D + 'RUN ["apt-get", "install", "-y", "curl"]\n', [(1, 33, 39)]),
    ("DL3008", D + 'RUN ["sh", "-c", "apt-get install -y curl"]\n', [(1, 37, 41)]),
    ("DL3008", "# escape=`\n" + D + "RUN apt-get install -y `\n    curl\n", [(3, 4, 8)]),
    ("DL3008", "FROM debian:12 AS a\nRUN apt-get install -y curl\nFROM a\nRUN apt-get install -y git\n",
     [(1, 23, 27), (3, 23, 26)]),
    # ---------------------------------------------------------------- DL3014
    ("DL3014", D + "RUN apt-get install curl=1\n", [(1, 4, 26)]),
    ("DL3014", D + "RUN apt-get install -y curl=1\n", []),
    ("DL3014", D + "RUN apt-get install curl=1 --yes\n", []),
    ("DL3014", D + "RUN apt-get --assume-yes install curl=1\n", []),
    ("DL3014", D + "RUN apt-get install -qy curl=1\n", []),
    ("DL3014", D + "RUN apt-get install -qq curl=1\n", []),
    ("DL3014", D + "RUN apt-get -q install -q curl=1\n", []),
    ("DL3014", D + "RUN apt-get install -q=2 curl=1\n", []),
    ("DL3014", D + "RUN apt-get install --quiet --quiet curl=1\n", []),
    ("DL3014", D + "RUN apt-get install -qqq curl=1\n", []),  # level 3 implies -y (hadolint flags)
    ("DL3014", D + "RUN apt-get install -o APT::Get::Assume-Yes=true curl=1\n", []),
    ("DL3014", D + "RUN apt-get install -q curl=1\n", [(1, 4, 29)]),
    ("DL3014", D + "RUN apt-get install -q=1 curl=1\n", [(1, 4, 31)]),
    ("DL3014", D + "RUN apt-get -y update && apt-get install curl=1\n", [(1, 25, 47)]),
    ("DL3014", D + "RUN apt-get remove curl\n", []),
    ("DL3014", D + "RUN apt install curl\n", []),
    ("DL3014", D + "RUN apt-get install \\\n    curl=1\n", [(1, 4, 2, 10)]),
    ("DL3014", D + "RUN <<EOF\napt-get install curl=1\nEOF\n", [(2, 0, 22)]),
    ("DL3014", D + "ONBUILD RUN apt-get install curl=1\n", [(1, 12, 34)]),
    ("DL3014", D + 'RUN ["apt-get", "install", "curl=1"]\n', [(1, 5, 35)]),
    ("DL3014", "# escape=`\n" + D + "RUN apt-get install `\n    curl=1\n", [(2, 4, 3, 10)]),
    # ---------------------------------------------------------------- DL3015
    ("DL3015", D + "RUN apt-get install -y curl=1\n", [(1, 4, 29)]),
    ("DL3015", D + "RUN apt-get install -y --no-install-recommends curl=1\n", []),
    ("DL3015", D + "RUN apt-get --no-install-recommends install -y curl=1\n", []),
    ("DL3015", D + "RUN apt-get install -y -o APT::Install-Recommends=false curl=1\n", []),
    ("DL3015", D + 'RUN apt-get install -y -o "APT::Install-Recommends=0" curl=1\n', []),
    ("DL3015", D + "RUN apt-get install -y --install-recommends=no curl=1\n", []),
    ("DL3015", D + "RUN apt-get install -y --no-install-suggests curl=1\n", [(1, 4, 51)]),
    ("DL3015", D + "RUN apt-get update\n", []),
    ("DL3015", D + "ONBUILD RUN apt-get install -y curl=1\n", [(1, 12, 37)]),
    ("DL3015", D + "RUN <<EOF\napt-get install -y curl=1\nEOF\n", [(2, 0, 25)]),
    ("DL3015", D + 'RUN ["apt-get", "install", "-y", "curl=1"]\n', [(1, 5, 41)]),
    # ---------------------------------------------------------------- DL3018
    ("DL3018", A + "RUN apk add --no-cache curl\n", [(1, 23, 27)]),
    ("DL3018", A + "RUN apk add --no-cache curl=8.9.1-r0\n", []),
    ("DL3018", A + "RUN apk add --no-cache curl~8.9\n", []),
    ("DL3018", A + 'RUN apk add --no-cache "curl>8"\n', []),
    ("DL3018", A + "RUN apk add --no-cache curl>8\n", [(1, 23, 27)]),  # `>8` is a redirection
    ("DL3018", A + "RUN apk add --no-cache --allow-untrusted /tmp/x.apk\n", []),
    ("DL3018", A + "RUN apk add --no-cache curl@edge\n", [(1, 23, 32)]),
    ("DL3018", A + "RUN apk add --no-cache --virtual .deps gcc=13.2\n", []),
    ("DL3018", A + "RUN apk add --no-cache -t .deps gcc=13.2\n", []),
    ("DL3018", A + "RUN apk add --no-cache --virtual=.deps gcc\n", [(1, 39, 42)]),
    ("DL3018", A + "RUN apk add --no-cache -X http://r gcc=13.2\n", []),
    ("DL3018", A + "RUN apk add --no-cache --root /x gcc=13.2\n", []),  # hadolint: /x is a package
    ("DL3018", A + "RUN apk --no-cache add gcc\n", [(1, 23, 26)]),
    ("DL3018", A + "RUN apk del gcc\n", []),
    ("DL3018", A + "RUN apk add --no-cache $PKGS\n", [(1, 23, 28)]),
    ("DL3018", A + "ENV PKGS='curl=1 gcc~13'\nRUN apk add --no-cache $PKGS\n", []),
    ("DL3018", A + "ONBUILD RUN apk add --no-cache curl\n", [(1, 31, 35)]),
    ("DL3018", A + "RUN <<EOF\napk add --no-cache curl\nEOF\n", [(2, 19, 23)]),
    ("DL3018", A + 'RUN ["apk", "add", "curl"]\n', [(1, 19, 25)]),
    ("DL3018", A + "RUN apk add --no-cache \\\n  curl \\\n  gcc=13\n", [(2, 2, 6)]),
    # ---------------------------------------------------------------- DL3019
    ("DL3019", A + "RUN apk add curl=1\n", [(1, 4, 18)]),
    ("DL3019", A + "RUN apk add --no-cache curl=1\n", []),
    ("DL3019", A + "RUN apk --no-cache add curl=1\n", []),
    ("DL3019", A + "RUN apk update && apk add curl=1 && rm -rf /var/cache/apk/*\n", [(1, 18, 32)]),
    ("DL3019", A + "RUN apk add --update curl=1\n", [(1, 4, 27)]),
    ("DL3019", A + "RUN --mount=type=cache,target=/var/cache/apk apk add curl=1\n", []),
    ("DL3019", A + "RUN --mount=type=bind,target=/var/cache/apk apk add curl=1\n", [(1, 44, 58)]),
    ("DL3019", A + "RUN apk del add\n", []),  # hadolint flags it
    ("DL3019", A + "ONBUILD RUN apk add curl=1\n", [(1, 12, 26)]),
    ("DL3019", A + "RUN <<EOF\napk add curl=1\nEOF\n", [(2, 0, 14)]),
    ("DL3019", A + 'RUN ["apk", "add", "curl=1"]\n', [(1, 5, 27)]),
    # ---------------------------------------------------------------- DL3013
    ("DL3013", P + "RUN pip install --no-cache-dir requests\n", [(1, 31, 39)]),
    ("DL3013", P + "RUN pip install --no-cache-dir requests==2.32.3\n", []),
    ("DL3013", P + "RUN pip3 install --no-cache-dir 'requests>=2'\n", []),
    ("DL3013", P + "RUN pip3.12 install --no-cache-dir requests~=2.32\n", []),
    ("DL3013", P + "RUN pip3 install --no-cache-dir requests\n", [(1, 32, 40)]),
    ("DL3013", P + "RUN python -m pip install --no-cache-dir requests\n", [(1, 41, 49)]),
    ("DL3013", P + "RUN python3 -u -m pip install --no-cache-dir requests\n", [(1, 45, 53)]),
    ("DL3013", P + "RUN /opt/venv/bin/pip install --no-cache-dir requests\n", [(1, 45, 53)]),
    ("DL3013", P + "RUN pipx install requests\n", [(1, 17, 25)]),
    ("DL3013", P + "RUN pipenv install requests\n", []),
    ("DL3013", P + "RUN pip install --no-cache-dir -r requirements.txt\n", []),
    ("DL3013", P + "RUN pip install --no-cache-dir -r requirements.txt extra\n", []),
    ("DL3013", P + "RUN pip install --no-cache-dir --requirement=requirements.txt extra\n", []),
    ("DL3013", P + "RUN pip install --no-cache-dir -c constraints.txt requests\n", []),
    ("DL3013", P + "RUN pip install --no-cache-dir .\n", []),
    ("DL3013", P + "RUN pip install --no-cache-dir -e .\n", []),
    ("DL3013", P + "RUN pip install --no-cache-dir -e /src\n", []),
    ("DL3013", P + "RUN pip install --no-cache-dir ./dist/app-1.0-py3-none-any.whl\n", []),
    ("DL3013", P + "RUN pip install --no-cache-dir app-1.0.tar.gz\n", []),
    ("DL3013", P + "RUN pip install --no-cache-dir https://example.org/app.zip\n", []),
    ("DL3013", P + "RUN pip install --no-cache-dir git+https://github.com/o/r@v1.2\n", []),
    ("DL3013", P + "RUN pip install --no-cache-dir git+https://github.com/o/r\n", [(1, 31, 57)]),
    ("DL3013", P + "RUN pip install --no-cache-dir git+ssh://git@github.com/o/r\n", [(1, 31, 59)]),
    ("DL3013", P + "RUN pip install --no-cache-dir -U pip\n", [(1, 34, 37)]),
    ("DL3013", P + "RUN pip install --no-cache-dir --upgrade pip==24.2 setuptools\n", [(1, 51, 61)]),
    ("DL3013", P + "RUN pip install --no-cache-dir --timeout 60 requests==2\n", []),  # hadolint: 60 is a package
    ("DL3013", P + "RUN pip install --no-cache-dir -i https://x/simple requests==2\n", []),
    ("DL3013", P + "RUN pip install --no-cache-dir --target /t requests\n", [(1, 43, 51)]),
    ("DL3013", P + 'RUN pip install --no-cache-dir "requests[socks]"\n', [(1, 31, 48)]),
    ("DL3013", P + 'RUN pip install --no-cache-dir "requests[socks]==2.32.3"\n', []),
    ("DL3013", P + "RUN pip install --no-cache-dir requests==$V\n", []),
    ("DL3013", P + "RUN pip install --no-cache-dir $PKGS\n", [(1, 31, 36)]),
    ("DL3013", P + "ENV PKGS='a==1 b>=2'\nRUN pip install --no-cache-dir $PKGS\n", []),
    ("DL3013", P + "RUN pip download requests\n", []),
    ("DL3013", P + "RUN pip freeze install\n", []),
    ("DL3013", P + "RUN sudo pip install requests\n", [(1, 21, 29)]),  # wrappers are seen through (hadolint: not)
    ("DL3013", P + "ONBUILD RUN pip install --no-cache-dir requests\n", [(1, 39, 47)]),
    ("DL3013", P + "RUN <<EOF\npip install --no-cache-dir requests\nEOF\n", [(2, 27, 35)]),
    ("DL3013", P + 'RUN ["pip", "install", "requests"]\n', [(1, 23, 33)]),
    ("DL3013", WIN + "RUN pip install requests\n", [(2, 16, 24)]),
    # ---------------------------------------------------------------- DL3042
    ("DL3042", P + "RUN pip install requests==2\n", [(1, 4, 27)]),
    ("DL3042", P + "RUN pip install --no-cache-dir requests==2\n", []),
    ("DL3042", P + "RUN pip --no-cache-dir install requests==2\n", []),
    ("DL3042", P + "RUN python3 -m pip install requests==2\n", [(1, 4, 38)]),
    ("DL3042", P + "RUN /opt/venv/bin/pip install requests==2\n", [(1, 4, 41)]),
    ("DL3042", P + "RUN pip install -r requirements.txt\n", [(1, 4, 35)]),
    ("DL3042", P + "RUN pipx install requests\n", []),
    ("DL3042", P + "RUN pipenv install\n", []),
    ("DL3042", P + "RUN pip freeze install\n", []),
    ("DL3042", P + "RUN pip install --no-cache-dir a==1 && pip install b==1\n", [(1, 39, 55)]),
    ("DL3042", P + "ENV PIP_NO_CACHE_DIR=1\nRUN pip install requests==2\n", []),
    ("DL3042", P + "ENV PIP_NO_CACHE_DIR 1\nRUN pip install requests==2\n", []),
    # false-ish values read as "keep the cache": flagged as by hadolint (issue 13), though pip disables it too
    ("DL3042", P + "ENV PIP_NO_CACHE_DIR=off\nRUN pip install requests==2\n", [(2, 4, 27)]),
    ("DL3042", P + "ENV PIP_NO_CACHE_DIR=maybe\nRUN pip install requests==2\n", [(2, 4, 27)]),
    ("DL3042", P + "ARG PIP_NO_CACHE_DIR=1\nRUN pip install requests==2\n", []),
    ("DL3042", P + "ARG PIP_NO_CACHE_DIR\nRUN pip install requests==2\n", [(2, 4, 27)]),
    ("DL3042", P + "RUN pip install requests==2\nENV PIP_NO_CACHE_DIR=1\n", [(1, 4, 27)]),
    ("DL3042", "FROM python:3.12 AS base\nENV PIP_NO_CACHE_DIR=1\nFROM base\nRUN pip install requests==2\n", []),
    ("DL3042", "FROM python:3.12 AS base\nENV PIP_NO_CACHE_DIR=1\nFROM python:3.12\nRUN pip install requests==2\n",
     [(3, 4, 27)]),
    ("DL3042", P + "RUN PIP_NO_CACHE_DIR=1 pip install requests==2\n", []),
    ("DL3042", P + "RUN export PIP_NO_CACHE_DIR=true && pip install requests==2\n", []),
    ("DL3042", P + "RUN pip install requests==2 && export PIP_NO_CACHE_DIR=1\n", [(1, 4, 27)]),
    ("DL3042", P + "RUN echo PIP_NO_CACHE_DIR=1 && pip install requests==2\n", [(1, 31, 54)]),  # hadolint: ok
    ("DL3042", P + "RUN --mount=type=cache,target=/root/.cache/pip pip install requests==2\n", []),
    ("DL3042", P + "RUN --mount=type=bind,target=/root/.cache/pip pip install requests==2\n", [(1, 46, 69)]),
    ("DL3042", P + "ONBUILD RUN pip install requests==2\n", [(1, 12, 35)]),
    ("DL3042", P + "ENV PIP_NO_CACHE_DIR=1\nONBUILD RUN pip install requests==2\n", []),  # ENV is in the image
    ("DL3042", P + "ONBUILD RUN pip install requests==2\nENV PIP_NO_CACHE_DIR=1\n", []),
    ("DL3042", P + "ARG PIP_NO_CACHE_DIR=1\nONBUILD RUN pip install requests==2\n", [(2, 12, 35)]),
    ("DL3042", P + "ONBUILD ENV PIP_NO_CACHE_DIR=1\nONBUILD RUN pip install requests==2\n", []),
    ("DL3042", P + "RUN <<EOF\npip install requests==2\nEOF\n", [(2, 0, 23)]),
    ("DL3042", P + 'RUN ["pip", "install", "requests==2"]\n', [(1, 5, 36)]),
    ("DL3042", P + 'RUN ["/bin/bash", "-c", "source /v/bin/activate && pip install a==1"]\n', [(1, 51, 67)]),
    ("DL3042", WIN + "RUN pip install requests==2\n", [(2, 4, 27)]),
    # ---------------------------------------------------------------- DL3016
    ("DL3016", N + "RUN npm install -g typescript\n", [(1, 19, 29)]),
    ("DL3016", N + "RUN npm install\n", []),
    ("DL3016", N + "RUN npm install -g typescript@5.6.3\n", []),
    ("DL3016", N + "RUN npm install -g typescript@latest\n", []),
    ("DL3016", N + "RUN npm install @types/node\n", [(1, 16, 27)]),
    ("DL3016", N + "RUN npm install @types/node@20\n", []),
    ("DL3016", N + "RUN npm -g install typescript\n", [(1, 19, 29)]),
    ("DL3016", N + "RUN npm install --loglevel warn typescript@5\n", []),
    ("DL3016", N + "RUN npm install --registry=https://r typescript@5\n", []),
    ("DL3016", N + "RUN npm --prefix /app install typescript\n", [(1, 30, 40)]),  # hadolint skips it
    ("DL3016", N + "RUN npm install -w app typescript@5\n", []),  # hadolint: app is a package
    ("DL3016", N + "RUN npm install git+https://github.com/o/r.git\n", [(1, 16, 46)]),
    ("DL3016", N + "RUN npm install git+https://github.com/o/r.git#v1.0.0\n", []),
    ("DL3016", N + "RUN npm install github:o/r\n", [(1, 16, 26)]),
    ("DL3016", N + "RUN npm install ./local ../other ~/x /abs app.tgz\n", []),
    ("DL3016", N + "RUN npm install .\n", []),  # hadolint flags the folder `.`
    ("DL3016", N + "RUN npm install -- typescript@5\n", []),
    ("DL3016", N + "RUN npm i typescript\n", []),  # only `install` is checked, as hadolint
    ("DL3016", N + "RUN npm ci\n", []),
    ("DL3016", N + "RUN npm run install\n", []),
    ("DL3016", N + "RUN npm install $PKG\n", [(1, 16, 20)]),
    ("DL3016", N + "ARG PKG=typescript@5\nRUN npm install $PKG\n", []),
    ("DL3016", N + "RUN npm install typescript@$TS_VERSION\n", []),
    ("DL3016", N + "ONBUILD RUN npm install typescript\n", [(1, 24, 34)]),
    ("DL3016", N + "RUN <<EOF\nnpm install typescript\nEOF\n", [(2, 12, 22)]),
    ("DL3016", N + 'RUN ["npm", "install", "typescript"]\n', [(1, 23, 35)]),
    # ---------------------------------------------------------------- DL3009
    ("DL3009", D + "RUN apt-get update && apt-get install -y curl\n", [(1, 4, 18)]),
    ("DL3009", D + "RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\n", []),
    ("DL3009", D + "RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists\n", []),
    ("DL3009", D + "RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/\n", []),
    ("DL3009", D + "RUN apt-get update && apt-get install -y curl && rm -r /var/lib/apt/lists/*\n", []),
    ("DL3009", D + "RUN apt-get update && apt-get install -y curl && rm -fr /var/lib/apt/lists/*\n", []),
    ("DL3009", D + "RUN apt-get update && apt-get install -y curl && rm -Rf /var/lib/apt/lists/*\n", []),
    ("DL3009", D + "RUN apt-get update && apt-get install -y curl && rm --recursive --force /var/lib/apt/lists\n", []),
    ("DL3009", D + "RUN apt-get update && apt-get install -y curl && /bin/rm -rf /var/lib/apt/lists/*\n", []),
    ("DL3009", D + "RUN apt-get update && apt-get install -y x && rm -rf /tmp/* /var/lib/apt/lists/* /var/cache/apt\n", []),
    ("DL3009", D + 'RUN apt-get update && apt-get install -y curl && rm -rf "/var/lib/apt/lists"/*\n', []),
    ("DL3009", D + "RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt\n", []),
    ("DL3009", D + "RUN apt-get update && apt-get install -y curl && apt-get dist-clean\n", []),
    ("DL3009", D + "RUN apt-get update && apt-get install -y curl && apt-get distclean\n", []),
    # hadolint's defects: any `rm -rf`, or a cleanup before the update, counts for it
    ("DL3009", D + "RUN apt-get update && apt-get install -y curl && rm -rf /tmp/build\n", [(1, 4, 18)]),
    ("DL3009", D + "RUN rm -rf /var/lib/apt/lists/* && apt-get update\n", [(1, 35, 49)]),
    ("DL3009", D + "RUN apt-get update && apt-get install -y curl && rm -f /var/lib/apt/lists/*\n", [(1, 4, 18)]),
    ("DL3009", D + "RUN apt-get update && apt-get install -y curl && rm -rf /var/apt/lists/*\n", [(1, 4, 18)]),
    ("DL3009", D + "RUN apt-get update && apt-get install -y curl && apt-get clean\n", [(1, 4, 18)]),
    ("DL3009", D + "RUN apt-get update && rm -rf /var/lib/apt/lists/* && apt-get update && apt-get install -y x\n",
     [(1, 53, 67)]),
    ("DL3009", D + "RUN apt-get -q update\n", [(1, 4, 21)]),
    ("DL3009", D + "RUN aptitude update\n", [(1, 4, 19)]),
    ("DL3009", D + "RUN /usr/bin/apt-get update\n", [(1, 4, 27)]),
    ("DL3009", D + "RUN --mount=type=cache,target=/var/lib/apt/lists/ apt-get update\n", []),
    ("DL3009", D + "RUN --mount=type=tmpfs,target=/var/lib/apt/lists apt-get update\n", []),
    ("DL3009", D + "RUN --mount=type=cache,target=/var/lib/apt apt-get update\n", [(1, 43, 57)]),
    ("DL3009", D + "RUN --mount=type=cache,target=/var/lib/apt --mount=type=cache,target=/var/cache/apt apt-get update\n",
     []),
    ("DL3009", D + "RUN <<EOF\napt-get update\napt-get install -y curl\nrm -rf /var/lib/apt/lists/*\nEOF\n", []),
    ("DL3009", D + 'RUN ["sh", "-c", "apt-get update && apt-get install -y x"]\n', [(1, 18, 32)]),
]


@pytest.mark.parametrize("code,src,expected", CASES)
def test_rule_table(code, src, expected):
    assert spans(lint(src, code)) == expected


FIXES = [
    # (code, source, fixed source, applicability)
    # DL3019 drops a now-pointless rm of the apk cache from a plain && chain
    ("DL3019", "FROM alpine:3.20\nRUN apk add curl=8 && rm -rf /var/cache/apk/*\n",
     "FROM alpine:3.20\nRUN apk add --no-cache curl=8\n", "safe"),
    ("DL3019", "FROM alpine:3.20\nRUN apk update && apk add curl=8 \\\n    && rm -rf /var/cache/apk/* \\\n    && echo ok\n",
     "FROM alpine:3.20\nRUN apk update && apk add --no-cache curl=8 \\\n    && echo ok\n", "safe"),
    # ... but not an rm of other paths too, one before the install, or after `;`
    ("DL3019", "FROM alpine:3.20\nRUN apk add curl=8 && rm -rf /var/cache/apk/* /tmp/x\n",
     "FROM alpine:3.20\nRUN apk add --no-cache curl=8 && rm -rf /var/cache/apk/* /tmp/x\n", "safe"),
    ("DL3019", "FROM alpine:3.20\nRUN rm -rf /var/cache/apk/* && apk add curl=8\n",
     "FROM alpine:3.20\nRUN rm -rf /var/cache/apk/* && apk add --no-cache curl=8\n", "safe"),
    ("DL3019", "FROM alpine:3.20\nRUN apk add curl=8; rm -rf /var/cache/apk/*\n",
     "FROM alpine:3.20\nRUN apk add --no-cache curl=8; rm -rf /var/cache/apk/*\n", "safe"),
    ("DL3014", D + "RUN apt-get install curl=1\n", D + "RUN apt-get install -y curl=1\n", "safe"),
    ("DL3014", D + "RUN apt-get -q install curl=1\n", D + "RUN apt-get -q install -y curl=1\n", "safe"),
    ("DL3014", D + "RUN apt-get update && apt-get install \\\n    curl=1\n",
     D + "RUN apt-get update && apt-get install -y \\\n    curl=1\n", "safe"),
    ("DL3014", D + "ONBUILD RUN apt-get install curl=1\n", D + "ONBUILD RUN apt-get install -y curl=1\n", "safe"),
    ("DL3014", D + "RUN <<EOF\napt-get install curl=1\nEOF\n", D + "RUN <<EOF\napt-get install -y curl=1\nEOF\n", "safe"),
    ("DL3014", D + 'RUN ["apt-get", "install", "curl=1"]\n', D + 'RUN ["apt-get", "install", "-y", "curl=1"]\n', "safe"),
    ("DL3015", D + "RUN apt-get install -y curl=1\n", D + "RUN apt-get install --no-install-recommends -y curl=1\n",
     "unsafe"),
    ("DL3015", "# escape=`\n" + D + "RUN apt-get install -y `\n    curl=1\n",
     "# escape=`\n" + D + "RUN apt-get install --no-install-recommends -y `\n    curl=1\n", "unsafe"),
    ("DL3019", A + "RUN apk add curl=1\n", A + "RUN apk add --no-cache curl=1\n", "safe"),
    ("DL3019", A + "RUN apk update && apk add curl=1 && rm -rf /var/cache/apk/*\n",
     A + "RUN apk update && apk add --no-cache curl=1\n", "safe"),
    ("DL3019", A + 'RUN ["apk", "add", "curl=1"]\n', A + 'RUN ["apk", "add", "--no-cache", "curl=1"]\n', "safe"),
    ("DL3042", P + "RUN pip install requests==2\n", P + "RUN pip install --no-cache-dir requests==2\n", "safe"),
    ("DL3042", P + "RUN python3 -m pip install -U pip\n", P + "RUN python3 -m pip install --no-cache-dir -U pip\n", "safe"),
    ("DL3042", P + 'RUN ["/bin/sh", "-c", "pip install a==1"]\n',
     P + 'RUN ["/bin/sh", "-c", "pip install --no-cache-dir a==1"]\n', "safe"),
    ("DL3009", D + "RUN apt-get update && apt-get install -y curl\n",
     D + "RUN apt-get update && apt-get install -y curl \\\n    && rm -rf /var/lib/apt/lists/*\n", "safe"),
    ("DL3009", D + "RUN apt-get update \\\n && apt-get install -y curl   \n",
     D + "RUN apt-get update \\\n && apt-get install -y curl \\\n    && rm -rf /var/lib/apt/lists/*   \n", "safe"),
    ("DL3009", "# escape=`\n" + D + "RUN apt-get update `\n && apt-get install -y curl\n",
     "# escape=`\n" + D + "RUN apt-get update `\n && apt-get install -y curl `\n    && rm -rf /var/lib/apt/lists/*\n", "safe"),
    ("DL3009", D + "ONBUILD RUN apt-get update && apt-get install -y curl\n",
     D + "ONBUILD RUN apt-get update && apt-get install -y curl \\\n    && rm -rf /var/lib/apt/lists/*\n", "safe"),
    ("DL3009", D + "RUN apt-get update && apt-get install -y curl && apt-get clean\n",
     D + "RUN apt-get update && apt-get install -y curl && apt-get clean \\\n    && rm -rf /var/lib/apt/lists/*\n",
     "safe"),
    ("DL3009", D + "RUN set -e; apt-get update; apt-get install -y curl\n",
     D + "RUN set -e; apt-get update; apt-get install -y curl \\\n    && rm -rf /var/lib/apt/lists/*\n", "safe"),
]


@pytest.mark.parametrize("code,src,fixed,applicability", FIXES)
def test_fix(code, src, fixed, applicability):
    (v,) = lint(src, code)
    assert v.fix is not None
    assert v.fix.applicability.value == applicability
    out = apply_edits(src, v.fix.edits)
    assert out == fixed
    assert lint(out, code) == []


NO_FIX = [
    # DL3009: heredoc, exec form, a trailing comment / `;` / `&`, an `exit`
    ("DL3009", D + "RUN <<EOF\napt-get update\napt-get install -y curl\nEOF\n"),
    ("DL3009", D + 'RUN ["apt-get", "update"]\n'),
    ("DL3009", D + "RUN apt-get update # refresh\n"),
    ("DL3009", D + "RUN apt-get update;\n"),
    ("DL3009", D + "RUN apt-get update &\n"),
    ("DL3009", D + "RUN apt-get update && exit 0\n"),
    # DL3009: a later RUN (of the stage or a stage built on it) relies on the lists (issue 12, item 9;
    # these two used to get an unsafe fix that made the later RUN fail)
    ("DL3009", D + "RUN apt-get update\nRUN apt-get install -y curl\n"),
    ("DL3009", "FROM debian:12 AS base\nRUN apt-get update\nFROM base\nRUN apt-cache policy curl\n"),
]


@pytest.mark.parametrize("code,src", NO_FIX)
def test_no_fix(code, src):
    vs = lint(src, code)
    assert vs and all(v.fix is None for v in vs)


def test_dl3009_fix_kept_when_later_run_updates_itself():
    src = D + "RUN apt-get update && apt-get install -y a\nRUN apt-get update && apt-get install -y b\n"
    vs = lint(src, "DL3009")
    assert len(vs) == 2 and all(v.fix is not None for v in vs)


def test_pinning_messages_name_the_package():
    (v,) = lint(D + "RUN apt-get install -y curl\n", "DL3008")
    assert v.message == (  # hadolint's text, then the package
        "Pin versions in apt get install. Instead of `apt-get install <package>` use `apt-get install "
        "<package>=<version>` (curl)"
    )
    (v,) = lint(D + 'ARG PKGS="curl git=2"\nRUN apt-get install -y $PKGS\n', "DL3008")
    assert "curl" in v.message and "git" not in v.message
    (v,) = lint(P + "RUN pip install requests==2\n", "DL3042")
    assert v.message == "Avoid use of cache directory with pip. Use `pip install --no-cache-dir <package>`"


def test_rule_metadata():
    from dockwise import rules

    expect = {
        "DL3008": ("warning", False), "DL3009": ("info", True), "DL3013": ("warning", False),
        "DL3014": ("warning", True), "DL3015": ("info", True), "DL3016": ("warning", False),
        "DL3018": ("warning", False), "DL3019": ("info", True), "DL3042": ("warning", True),
    }
    for code, (sev, fixable) in expect.items():
        r = rules.get(code)
        assert r is not None and r.meta.severity.label == sev and r.meta.fixable == fixable, code


# -- _pm ------------------------------------------------------------------------------


def _cmd(text):
    from dockwise.syntax.commands import run_view
    from dockwise.syntax.parser import parse

    (ins,) = [i for i in parse("FROM a:1\nRUN " + text + "\n").instructions if i.keyword == "RUN"]
    return run_view(ins).commands[0]


@pytest.mark.parametrize(
    "text,is_pip",
    [
        ("pip install x", True), ("pip3 install x", True), ("pip3.12 install x", True),
        ("pip-3 install x", True), ("/usr/local/bin/pip install x", True),
        ("python -m pip install x", True), ("python3 -m pip install x", True),
        ("python3.12 -m pip install x", True), ("python -I -X dev -m pip install x", True),
        ("python -mpip install x", True), ("pip --log /l install x", True),
        ("pipx install x", False), ("pipenv install x", False), ("pip download x", False),
        ("python -m venv install", False), ("python script.py -m pip install", False),
        ("python -c 'x' -m pip install", False), ("sudo pip install x", True),  # wrappers are seen through
    ],
)
def test_is_pip_install(text, is_pip):
    assert (_pm.pip_installs(_cmd(text)) is not None) is is_pip


def test_option_parsing():
    p = _pm.apt_installs(_cmd("apt-get -qq -o A=1 -tstable install -y --target-release x a b=1 -- -c"))
    assert p is not None
    assert [o.name for o in p.opts] == ["q", "q", "o", "t", "y", "target-release"]
    assert p.values("o") == ["A=1"] and p.values("t") == ["stable"] and p.values("target-release") == ["x"]
    assert [w.value for w in p.after_subcommand()] == ["a", "b=1", "-c"]
    assert _pm.apt_installs(_cmd("apt-get remove install")) is None
    apk = _pm.apk_adds(_cmd("apk --root /x add --virtual .d a"))
    assert apk is not None and apk.after_subcommand()[0].value == "a"
    assert _pm.npm_installs(_cmd("npm i a")) is None
